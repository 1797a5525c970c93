// The row-group implementation of `fs_absolute_sums` (AbsoluteSums.c includes this file once per
// instruction set: FS_ABS_NAME(x) names its functions, FS_ABS_ATTR is their target attribute).
// Plain C that the compiler vectorises for the instruction set it is compiled for; every Float
// operation is the reference's, in the reference's order, so each instruction set gives the same
// sums to the bit. No floating-point contraction (AbsoluteSums.c turns it off).
//
// What differs from the reference loop is only the schedule, FS_ABS_LANES rows at a time:
// - Each YUV row is converted in whole-row loops: its chroma row's terms (once per chroma row,
//   so 4:2:0 rows share them), the luma table lookups, then the sums and clamps (branch-free)
//   into three planes of 16-bit codes.
// - The group's rows are interleaved (pixel x of row k at x * FS_ABS_LANES + k) and summed side
//   by side, one lane per row. Each (row, cell) sum is its own chain of Float additions that
//   starts afresh per row, so the lanes are independent; the reference runs one chain at a time
//   and waits on the adder's latency. The lanes' partial sums are then added to the cells'
//   Doubles in row order, as the reference adds them.

static inline FS_ABS_ATTR uint16_t FS_ABS_NAME(code16)(int32_t v) {
  // Rounded, then clamped to 0...65535 with shifts and masks (a negative c has its sign in every
  // bit after >> 31; so has 65535 - c when c is above 65535).
  int32_t c = (int32_t)((uint32_t)v + 128u) >> 8;
  c = c & ~(c >> 31);
  return (uint16_t)(c | ((65535 - c) >> 31));
}

/// Per pixel of chroma row `cy`: the R, G and B terms of its chroma sample.
static FS_ABS_ATTR void FS_ABS_NAME(chroma_terms)(const fs_plane_frame *f, int32_t cy,
                                                  int32_t *restrict cr, int32_t *restrict cg,
                                                  int32_t *restrict cb) {
  const uint16_t mask = (uint16_t)((1u << f->depth) - 1u);
  const int shift = f->shift;
  const uint16_t *ur =
      (const uint16_t *)((const char *)f->planes[1] + (ptrdiff_t)cy * f->strides[1]);
  const uint16_t *vr =
      (const uint16_t *)((const char *)f->planes[2] + (ptrdiff_t)cy * f->strides[2]);
  const ptrdiff_t su = f->steps[1], sv = f->steps[2];
  const int32_t *crr = f->cr_r, *crg = f->cr_g, *cbg = f->cb_g, *cbb = f->cb_b;
  const int32_t width = f->width;
  if (f->chroma_x == 1) {
    int32_t x = 0;
    for (ptrdiff_t c = 0; x + 1 < width; c++, x += 2) {
      const int u = (ur[c * su] >> shift) & mask, v = (vr[c * sv] >> shift) & mask;
      const int32_t r = crr[v], g = crg[v] + cbg[u], b = cbb[u];
      cr[x] = r, cg[x] = g, cb[x] = b;
      cr[x + 1] = r, cg[x + 1] = g, cb[x + 1] = b;
    }
    if (x < width) {
      const ptrdiff_t c = x >> 1;
      const int u = (ur[c * su] >> shift) & mask, v = (vr[c * sv] >> shift) & mask;
      cr[x] = crr[v], cg[x] = crg[v] + cbg[u], cb[x] = cbb[u];
    }
  } else {
    for (int32_t x = 0; x < width; x++) {
      const ptrdiff_t c = x >> f->chroma_x;
      const int u = (ur[c * su] >> shift) & mask, v = (vr[c * sv] >> shift) & mask;
      cr[x] = crr[v], cg[x] = crg[v] + cbg[u], cb[x] = cbb[u];
    }
  }
}

/// Row `y` as three planes of `width` 16-bit codes (R, then G, then B), from its luma and the
/// chroma terms of its chroma row; `luma` is room for `width` terms.
static FS_ABS_ATTR void FS_ABS_NAME(code_row)(const fs_plane_frame *f, int32_t y,
                                              const int32_t *restrict cr,
                                              const int32_t *restrict cg,
                                              const int32_t *restrict cb, int32_t *restrict luma,
                                              uint16_t *restrict out) {
  const uint16_t mask = (uint16_t)((1u << f->depth) - 1u);
  const int shift = f->shift;
  const uint16_t *yr =
      (const uint16_t *)((const char *)f->planes[0] + (ptrdiff_t)y * f->strides[0]);
  const int32_t *yt = f->y;
  const int32_t width = f->width;
  const ptrdiff_t sy = f->steps[0];
  // The table lookups first (gathers where the instruction set has them), then the sums and
  // clamps in a loop of plain arithmetic.
  for (int32_t x = 0; x < width; x++) luma[x] = yt[(yr[x * sy] >> shift) & mask];
  uint16_t *restrict outr = out;
  uint16_t *restrict outg = out + width;
  uint16_t *restrict outb = out + 2 * (ptrdiff_t)width;
  for (int32_t x = 0; x < width; x++) {
    const int32_t l = luma[x];
    outr[x] = FS_ABS_NAME(code16)(l + cr[x]);
    outg[x] = FS_ABS_NAME(code16)(l + cg[x]);
    outb[x] = FS_ABS_NAME(code16)(l + cb[x]);
  }
}

/// Lanes 0..FS_ABS_LANES-1 of the sum loop's layout (pixel x of lane k at x * FS_ABS_LANES + k;
/// R, G, B planes `FS_ABS_LANES * width` apart) from each lane's row of codes (pixel x: R at
/// `rows[k][step * x]`, G `plane` samples further, B `2 * plane` further).
static inline __attribute__((always_inline)) FS_ABS_ATTR void FS_ABS_NAME(interleave_with)(
    const uint16_t *const rows[FS_ABS_LANES], const ptrdiff_t step, const ptrdiff_t plane,
    ptrdiff_t width, uint16_t *restrict out) {
  for (int c = 0; c < 3; c++) {
    const uint16_t *src[FS_ABS_LANES];
    for (int k = 0; k < FS_ABS_LANES; k++) src[k] = rows[k] + c * plane;
    uint16_t *restrict dst = out + (ptrdiff_t)c * FS_ABS_LANES * width;
    for (ptrdiff_t x = 0; x < width; x++) {
      for (int k = 0; k < FS_ABS_LANES; k++) dst[x * FS_ABS_LANES + k] = src[k][step * x];
    }
  }
}

static FS_ABS_ATTR void FS_ABS_NAME(interleave_planes)(const uint16_t *const rows[FS_ABS_LANES],
                                                       ptrdiff_t width, uint16_t *restrict out) {
  FS_ABS_NAME(interleave_with)(rows, 1, width, width, out);
}

static FS_ABS_ATTR void FS_ABS_NAME(interleave_rgb)(const uint16_t *const rows[FS_ABS_LANES],
                                                    ptrdiff_t width, uint16_t *restrict out) {
  FS_ABS_NAME(interleave_with)(rows, 3, 1, width, out);
}

/// Adds FS_ABS_LANES interleaved rows of 16-bit codes to their cells. Pixel x of lane k: R at
/// `codes[x * FS_ABS_LANES + k]`, G `plane` samples further, B `2 * plane` further. Lane k's sums
/// go to `cells[k]` (its band's first cell); an unused lane has NULL there (and a copy of a row).
static inline __attribute__((always_inline)) FS_ABS_ATTR void FS_ABS_NAME(sum_lanes)(
    const uint16_t *restrict codes, const ptrdiff_t plane, double *const cells[FS_ABS_LANES],
    const fs_region_layout *layout, const fs_absolute_params *p, const int hlg,
    const int classic) {
  const float *lut = p->component;
  const float *gain = p->hlg_gain;
  const float wr = p->wr, wg = p->wg, wb = p->wb;
  const float ratio = p->ratio, to_relative = p->to_relative;
  for (int32_t cx = 0; cx < layout->columns; cx++) {
    float sr[FS_ABS_LANES], sg[FS_ABS_LANES], sb[FS_ABS_LANES], sy[FS_ABS_LANES],
        sred[FS_ABS_LANES];
    for (int k = 0; k < FS_ABS_LANES; k++) sr[k] = sg[k] = sb[k] = sy[k] = sred[k] = 0;
    const int32_t end = layout->column_bounds[cx + 1];
    for (int32_t x = layout->column_bounds[cx]; x < end; x++) {
      for (int k = 0; k < FS_ABS_LANES; k++) {
        const uint16_t *px = codes + (ptrdiff_t)x * FS_ABS_LANES + k;
        float r = lut[px[0]];
        float g = lut[px[plane]];
        float b = lut[px[2 * plane]];
        float wrr = wr * r;
        float wgg = wg * g;
        float wbb = wb * b;
        float l = wrr + wgg;
        l = l + wbb;
        if (hlg) {
          float t = l * 65535.0f;
          t = t + 0.5f;
          long i = (long)t;
          if (i > 65535) i = 65535;
          const float gk = gain[i];
          r = r * gk;
          g = g * gk;
          b = b * gk;
          l = l * gk;
        }
        sr[k] = sr[k] + r;
        sg[k] = sg[k] + g;
        sb[k] = sb[k] + b;
        sy[k] = sy[k] + l;
        if (classic) {
          // The reference adds only when R is the largest component and saturated enough; here
          // that test selects the value or +0, and adding +0 leaves the sum as it was (it starts
          // at +0 and only non-negative values are added, so it is never -0).
          float s = r + g;
          s = s + b;
          float v = r - g;
          v = v - b;
          v = v * to_relative;
          v = v * 320.0f;
          const float add = 0.0f >= v ? 0.0f : v;
          const int take = (r > g) & (r > b) & (r >= ratio * s);
          sred[k] = sred[k] + (take ? add : 0.0f);
        }
      }
    }
    for (int k = 0; k < FS_ABS_LANES; k++) {
      if (!cells[k]) continue;
      double *c = cells[k] + (ptrdiff_t)cx * 5;
      c[0] += (double)sr[k];
      c[1] += (double)sg[k];
      c[2] += (double)sb[k];
      c[3] += (double)sy[k];
      c[4] += (double)sred[k];
    }
  }
}

// One copy of the lane loop per (HLG gain, classic red) choice, so neither test runs per pixel.
#define FS_ABS_SUM_VARIANT(suffix, hlg, classic)                                                   \
  static FS_ABS_ATTR void FS_ABS_NAME(sum_##suffix)(                                               \
      const uint16_t *codes, ptrdiff_t plane, double *const cells[FS_ABS_LANES],                   \
      const fs_region_layout *layout, const fs_absolute_params *p) {                               \
    FS_ABS_NAME(sum_lanes)(codes, plane, cells, layout, p, hlg, classic);                         \
  }
FS_ABS_SUM_VARIANT(plain, 0, 0)
FS_ABS_SUM_VARIANT(red, 0, 1)
FS_ABS_SUM_VARIANT(hlg, 1, 0)
FS_ABS_SUM_VARIANT(hlg_red, 1, 1)
#undef FS_ABS_SUM_VARIANT

/// `fs_absolute_sums` in row groups; `scratch` holds `fs_absolute_scratch_count(width)` values.
static FS_ABS_ATTR void FS_ABS_NAME(absolute_sums)(const fs_plane_frame *frame,
                                                   const fs_region_layout *layout,
                                                   const fs_absolute_params *p, int32_t *scratch,
                                                   double *sums) {
  const ptrdiff_t width = frame->width;
  int32_t *cr = scratch, *cg = scratch + width, *cb = scratch + 2 * width;
  int32_t *luma = scratch + 3 * width;
  uint16_t *rowcodes = (uint16_t *)(scratch + 4 * width);
  uint16_t *codes = rowcodes + FS_ABS_LANES * 3 * width;
  const int rgb = frame->kind == FS_PLANES_RGB16;
  void (*sum)(const uint16_t *, ptrdiff_t, double *const[FS_ABS_LANES],
              const fs_region_layout *, const fs_absolute_params *) =
      p->hlg_gain ? (p->classic ? FS_ABS_NAME(sum_hlg_red) : FS_ABS_NAME(sum_hlg))
                  : (p->classic ? FS_ABS_NAME(sum_red) : FS_ABS_NAME(sum_plain));
  int32_t band = 0, chroma_row = -1;
  const int32_t first = layout->row_bounds[0], last = layout->row_bounds[layout->rows];
  for (int32_t y0 = first; y0 < last; y0 += FS_ABS_LANES) {
    const uint16_t *rows[FS_ABS_LANES];
    double *cells[FS_ABS_LANES];
    for (int k = 0; k < FS_ABS_LANES; k++) {
      const int32_t y = y0 + k;
      if (y >= last) {
        rows[k] = rows[0];
        cells[k] = NULL;
        continue;
      }
      // The band of row y (the reference's outer loop; bands may be empty).
      while (layout->row_bounds[band + 1] <= y) band++;
      cells[k] = sums + (ptrdiff_t)band * layout->columns * 5;
      if (rgb) {
        rows[k] =
            (const uint16_t *)((const char *)frame->planes[0] + (ptrdiff_t)y * frame->strides[0]);
      } else {
        const int32_t cy = y >> frame->chroma_y;
        if (cy != chroma_row) {
          FS_ABS_NAME(chroma_terms)(frame, cy, cr, cg, cb);
          chroma_row = cy;
        }
        uint16_t *out = rowcodes + (ptrdiff_t)k * 3 * width;
        FS_ABS_NAME(code_row)(frame, y, cr, cg, cb, luma, out);
        rows[k] = out;
      }
    }
    if (rgb) {
      FS_ABS_NAME(interleave_rgb)(rows, width, codes);
    } else {
      FS_ABS_NAME(interleave_planes)(rows, width, codes);
    }
    sum(codes, FS_ABS_LANES * width, cells, layout, p);
  }
}
