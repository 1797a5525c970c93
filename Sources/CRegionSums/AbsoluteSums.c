// The bt1702 profile's per-pixel work on frames above 8 bits: the decoder's YUV planes to 16-bit
// RGB (a row at a time, into scratch rows that stay in the cache), then each component through
// the transfer function's table into cell sums. The arithmetic repeats the Swift reference
// (PlaneReader's 16-bit conversion, then AbsoluteMeasure's loop) operation for operation, so the
// sums are the same to the bit; no floating-point contraction is allowed.
//
// Three implementations, chosen like the region sums' (FS_REGION_PATH_*), all with the same sums:
// the reference loop below (SCALAR), and the row-group code of AbsoluteSumsKernel.h compiled for
// the build's own instruction set (GENERIC) and, on x86-64, for AVX2 (AVX2 and AVX512).
#include "CRegionSums.h"

#include "CCPUFeatures.h"

#include <stddef.h>

#pragma STDC FP_CONTRACT OFF

/// Rows summed side by side by the row-group code.
enum { FS_ABS_LANES = 4 };

int32_t fs_absolute_scratch_count(int32_t width) {
  // Row-group code: chroma terms (3 x width), luma terms (width), then twice FS_ABS_LANES rows
  // of 3 x width 16-bit codes (as converted, then interleaved); the reference needs 3 x width
  // 16-bit codes, which fit.
  if (width <= 0) return 0;
  const int64_t count = 4 * (int64_t)width + (2 * (int64_t)FS_ABS_LANES * 3 * width + 1) / 2;
  return count > INT32_MAX ? -1 : (int32_t)count;
}

static inline uint16_t code16_reference(int32_t v) {
  int32_t c = (int32_t)((uint32_t)v + 128u) >> 8;
  if (c < 0) c = 0;
  if (c > 65535) c = 65535;
  return (uint16_t)c;
}

/// Row `y` of a YUV frame as `width` RGB triples of 16 bits.
static void yuv_row_reference(const fs_plane_frame *f, int32_t y, uint16_t *out) {
  const uint16_t mask = (uint16_t)((1u << f->depth) - 1u);
  const int shift = f->shift;
  const int32_t cy = y >> f->chroma_y;
  const uint16_t *yr = (const uint16_t *)((const char *)f->planes[0] + (ptrdiff_t)y * f->strides[0]);
  const uint16_t *ur = (const uint16_t *)((const char *)f->planes[1] + (ptrdiff_t)cy * f->strides[1]);
  const uint16_t *vr = (const uint16_t *)((const char *)f->planes[2] + (ptrdiff_t)cy * f->strides[2]);
  const ptrdiff_t sy = f->steps[0], su = f->steps[1], sv = f->steps[2];
  const int32_t *yt = f->y, *crr = f->cr_r, *crg = f->cr_g, *cbg = f->cb_g, *cbb = f->cb_b;
  const int32_t width = f->width;
  int32_t x = 0;
  if (f->chroma_x == 1) {
    for (; x + 1 < width; x += 2) {
      const ptrdiff_t c = x >> 1;
      const int u = (ur[c * su] >> shift) & mask, v = (vr[c * sv] >> shift) & mask;
      const int32_t r = crr[v], g = crg[v] + cbg[u], b = cbb[u];
      const int32_t l0 = yt[(yr[x * sy] >> shift) & mask];
      const int32_t l1 = yt[(yr[(x + 1) * sy] >> shift) & mask];
      uint16_t *o = out + 3 * (ptrdiff_t)x;
      o[0] = code16_reference(l0 + r);
      o[1] = code16_reference(l0 + g);
      o[2] = code16_reference(l0 + b);
      o[3] = code16_reference(l1 + r);
      o[4] = code16_reference(l1 + g);
      o[5] = code16_reference(l1 + b);
    }
  }
  for (; x < width; x++) {
    const ptrdiff_t c = x >> f->chroma_x;
    const int u = (ur[c * su] >> shift) & mask, v = (vr[c * sv] >> shift) & mask;
    const int32_t l = yt[(yr[x * sy] >> shift) & mask];
    uint16_t *o = out + 3 * (ptrdiff_t)x;
    o[0] = code16_reference(l + crr[v]);
    o[1] = code16_reference(l + crg[v] + cbg[u]);
    o[2] = code16_reference(l + cbb[u]);
  }
}

/// FS_REGION_PATH_SCALAR: one row at a time, one pixel at a time (`scratch`: 3 x width codes).
static void absolute_sums_reference(const fs_plane_frame *frame, const fs_region_layout *layout,
                                    const fs_absolute_params *p, uint16_t *scratch,
                                    double *sums) {
  const float *lut = p->component;
  const float *gain = p->hlg_gain;
  const float wr = p->wr, wg = p->wg, wb = p->wb;
  const float ratio = p->ratio, to_relative = p->to_relative;
  const int classic = p->classic != 0;
  const int32_t columns = layout->columns;
  for (int32_t cy = 0; cy < layout->rows; cy++) {
    for (int32_t y = layout->row_bounds[cy]; y < layout->row_bounds[cy + 1]; y++) {
      const uint16_t *row;
      if (frame->kind == FS_PLANES_RGB16) {
        row = (const uint16_t *)((const char *)frame->planes[0] + (ptrdiff_t)y * frame->strides[0]);
      } else {
        yuv_row_reference(frame, y, scratch);
        row = scratch;
      }
      for (int32_t cx = 0; cx < columns; cx++) {
        float sr = 0, sg = 0, sb = 0, sy = 0, sred = 0;
        const int32_t end = layout->column_bounds[cx + 1];
        for (int32_t x = layout->column_bounds[cx]; x < end; x++) {
          const uint16_t *px = row + 3 * (ptrdiff_t)x;
          float r = lut[px[0]];
          float g = lut[px[1]];
          float b = lut[px[2]];
          float wrr = wr * r;
          float wgg = wg * g;
          float wbb = wb * b;
          float l = wrr + wgg;
          l = l + wbb;
          if (gain) {
            float t = l * 65535.0f;
            t = t + 0.5f;
            long i = (long)t;
            if (i > 65535) i = 65535;
            const float k = gain[i];
            r = r * k;
            g = g * k;
            b = b * k;
            l = l * k;
          }
          sr = sr + r;
          sg = sg + g;
          sb = sb + b;
          sy = sy + l;
          if (classic && r > g && r > b) {
            float s = r + g;
            s = s + b;
            if (r >= ratio * s) {
              float v = r - g;
              v = v - b;
              v = v * to_relative;
              v = v * 320.0f;
              sred = sred + (0.0f >= v ? 0.0f : v);
            }
          }
        }
        double *c = sums + ((ptrdiff_t)cy * columns + cx) * 5;
        c[0] += (double)sr;
        c[1] += (double)sg;
        c[2] += (double)sb;
        c[3] += (double)sy;
        c[4] += (double)sred;
      }
    }
  }
}

#define FS_ABS_ATTR
#define FS_ABS_NAME(name) name##_generic
#include "AbsoluteSumsKernel.h"
#undef FS_ABS_ATTR
#undef FS_ABS_NAME

#if FS_X86
#define FS_ABS_ATTR __attribute__((target("avx2")))
#define FS_ABS_NAME(name) name##_avx2
#include "AbsoluteSumsKernel.h"
#undef FS_ABS_ATTR
#undef FS_ABS_NAME
#endif

int fs_absolute_sums(const fs_plane_frame *frame, const fs_region_layout *layout,
                     const fs_absolute_params *p, int path, int32_t *scratch, double *sums) {
  if (!fs_region_path_available(path)) return -2;
  switch (path) {
  case FS_REGION_PATH_SCALAR:
    absolute_sums_reference(frame, layout, p, (uint16_t *)scratch, sums);
    return 0;
#if FS_X86
  case FS_REGION_PATH_AVX2:
  case FS_REGION_PATH_AVX512:
    // (Every CPU with AVX-512 VBMI has AVX2; the row-group code has no AVX-512 version.)
    absolute_sums_avx2(frame, layout, p, scratch, sums);
    return 0;
#endif
  default:
    absolute_sums_generic(frame, layout, p, scratch, sums);
    return 0;
  }
}
