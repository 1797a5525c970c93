// Per-cell sums of the region profiles; the header says what is summed.
#include "CRegionSums.h"

#include <stdlib.h>
#include <string.h>

// Everything x86-specific (<immintrin.h>, cpuid, target attributes, the AVX-512 code) is compiled
// only for x86; elsewhere only the portable scalar loop is, and `fs_region_simd_available()` is 0
// (.ci/run checks this by compiling the kernel for aarch64).
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__clang__) || defined(__GNUC__))
#define FS_X86 1
#include <immintrin.h>
#else
#define FS_X86 0
#endif

/// Adds pixels `from ..< to` of one row of band `cy` to their cells, one pixel at a time.
static void row_scalar(const uint8_t *row, int32_t from, int32_t to, int32_t cy,
                       const fs_region_layout *layout, const uint16_t *linear,
                       const uint16_t *candela, uint64_t *sums) {
  int32_t cx = 0;
  while (cx + 1 < layout->columns && layout->column_bounds[cx + 1] <= from) cx++;
  for (int32_t x = from; x < to;) {
    int32_t end = layout->column_bounds[cx + 1] < to ? layout->column_bounds[cx + 1] : to;
    uint64_t r_sum = 0, g_sum = 0, b_sum = 0, red_sum = 0, cd_sum = 0;
    for (; x < end; x++) {
      const uint8_t *p = row + 3 * (ptrdiff_t)x;
      uint32_t r = linear[p[0]], g = linear[p[1]], b = linear[p[2]];
      uint32_t s = g + b;
      r_sum += r;
      g_sum += g;
      b_sum += b;
      red_sum += s <= (r >> 2) ? r - s : 0;
      if (candela) cd_sum += candela[(54u * p[0] + 183u * p[1] + 19u * p[2] + 128u) >> 8];
    }
    uint64_t *cell = sums + ((ptrdiff_t)cy * layout->columns + cx) * FS_REGION_SUMS;
    cell[FS_REGION_SUM_R] += r_sum;
    cell[FS_REGION_SUM_G] += g_sum;
    cell[FS_REGION_SUM_B] += b_sum;
    cell[FS_REGION_SUM_RED] += red_sum;
    cell[FS_REGION_SUM_CANDELA] += cd_sum;
    cx++;
  }
}

#if FS_X86

#define FS_VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))
#ifndef FS_PREFETCH_ROWS
#define FS_PREFETCH_ROWS 12
#endif

// The vector path works on blocks of 64 pixels. Table lookups give byte planes (low and high
// bytes of the 16-bit values) whose 8-byte groups are 8 consecutive pixels; `vpsadbw` sums each
// group. Each block goes down the rows of a band (a row of cells) with its group sums in
// registers (prefetching a few rows ahead, since a column walk defeats the hardware's stream
// prefetch), then hands them to the cells. A group that a cell boundary cuts is also summed
// over just its pixels left of the boundary (a mask), so the split is exact. The red value is
// formed on 16-bit words and packed back into byte planes to be summed the same way. Needs
// every cell at least 8 pixels wide (one boundary per group at most).

/// Plane byte j holds pixel pi(j) = 32 h + 8 L + w for j = 16 L + 8 h + w: the order in which
/// `unpacklo/hi_epi8(low bytes, high bytes)` give pixels 0..31 and 32..63 as 16-bit words, and
/// in which `packus_epi16(pixels 0..31, pixels 32..63)` leaves bytes. Group t (bytes 8t..8t+7)
/// is pixels 8 * (4 (t & 1) + (t >> 1)) + 0..7.
static inline int plane_pixel(int j) { return 32 * ((j >> 3) & 1) + 8 * (j >> 4) + (j & 7); }
static inline int plane_group_pixel(int t) { return 8 * (4 * (t & 1) + (t >> 1)); }

typedef struct vbmi_consts {
  __m512i deint_ab[3];  // index into bytes 0..127 (v0, v1)
  __m512i deint_c[3];   // index into bytes 128..191 (v2)
  __mmask64 from_c[3];  // plane bytes taken from v2
  __m512i lin_lo[4], lin_hi[4], cd_lo[4], cd_hi[4];
} vbmi_consts;

/// Per block: which pixels lie left of a boundary that cuts their 8-pixel group.
typedef struct block_masks {
  uint8_t split;      // any group of the block cut
  uint8_t left8[64];  // 0xff for such pixels, in plane order
} block_masks;

FS_VBMI static void vbmi_setup(vbmi_consts *k, const uint16_t *linear, const uint16_t *candela) {
  uint8_t ab[64], c[64], lo[256], hi[256];
  for (int ch = 0; ch < 3; ch++) {
    uint64_t mask = 0;
    for (int j = 0; j < 64; j++) {
      int i = 3 * plane_pixel(j) + ch;
      ab[j] = (uint8_t)(i < 128 ? i : 0);
      c[j] = (uint8_t)(i >= 128 ? i - 128 : 0);
      if (i >= 128) mask |= (uint64_t)1 << j;
    }
    k->deint_ab[ch] = _mm512_loadu_si512(ab);
    k->deint_c[ch] = _mm512_loadu_si512(c);
    k->from_c[ch] = (__mmask64)mask;
  }
  for (int t = 0; t < 2; t++) {
    const uint16_t *table = t == 0 ? linear : candela;
    if (!table) continue;
    for (int i = 0; i < 256; i++) {
      lo[i] = (uint8_t)(table[i] & 0xff);
      hi[i] = (uint8_t)(table[i] >> 8);
    }
    for (int q = 0; q < 4; q++) {
      (t == 0 ? k->lin_lo : k->cd_lo)[q] = _mm512_loadu_si512(lo + 64 * q);
      (t == 0 ? k->lin_hi : k->cd_hi)[q] = _mm512_loadu_si512(hi + 64 * q);
    }
  }
}

/// 64 lookups in a 256-entry byte table held in four registers.
FS_VBMI static inline __m512i lookup256(__m512i idx, __mmask64 high, const __m512i *t) {
  __m512i a = _mm512_permutex2var_epi8(t[0], idx, t[1]);
  __m512i b = _mm512_permutex2var_epi8(t[2], idx, t[3]);
  return _mm512_mask_blend_epi8(high, a, b);
}

/// Sums of the 16-bit values whose low and high bytes are `lo` and `hi`, per 8-byte group.
FS_VBMI static inline __m512i group_sums(__m512i lo, __m512i hi) {
  const __m512i zero = _mm512_setzero_si512();
  return _mm512_add_epi64(_mm512_sad_epu8(lo, zero),
                          _mm512_slli_epi64(_mm512_sad_epu8(hi, zero), 8));
}

/// A block's running group sums over the rows of a band, in registers: per value (R, G, B,
/// candela, red) the sums of its 8 groups and of the cut groups' left parts.
typedef struct block_acc {
  __m512i sum[5];
  __m512i left[5];
} block_acc;

enum { ACC_R = 0, ACC_G = 1, ACC_B = 2, ACC_CD = 3, ACC_RED = 4 };

/// Adds the group sums of the 16-bit values with bytes `lo`, `hi` (plane order) to slot `q`.
FS_VBMI static inline __attribute__((always_inline)) void accumulate(block_acc *a, int q,
                                                                     __m512i lo, __m512i hi,
                                                                     int split, __m512i keep) {
  a->sum[q] = _mm512_add_epi64(a->sum[q], group_sums(lo, hi));
  if (split) {
    a->left[q] = _mm512_add_epi64(
        a->left[q], group_sums(_mm512_and_si512(lo, keep), _mm512_and_si512(hi, keep)));
  }
}

/// One block (64 pixels) down `rows` rows from `p`: lookups, red test, sums in registers.
FS_VBMI static inline __attribute__((always_inline)) void block_rows(
    const uint8_t *p, ptrdiff_t stride, int32_t rows, const vbmi_consts *k, int split,
    __m512i keep, int with_candela, block_acc *a) {
  const __m512i zero = _mm512_setzero_si512();
  for (int32_t y = 0; y < rows; y++, p += stride) {
    // Going down a column of rows defeats the hardware's stream prefetch: ask for the block
    // a few rows ahead (prefetches past the frame's end are harmless hints).
    const char *ahead = (const char *)p + FS_PREFETCH_ROWS * stride;
    _mm_prefetch(ahead, _MM_HINT_T0);
    _mm_prefetch(ahead + 64, _MM_HINT_T0);
    _mm_prefetch(ahead + 128, _MM_HINT_T0);
    __m512i v0 = _mm512_loadu_si512(p);
    __m512i v1 = _mm512_loadu_si512(p + 64);
    __m512i v2 = _mm512_loadu_si512(p + 128);
    __m512i plane[3], lo[3], hi[3];
    for (int ch = 0; ch < 3; ch++) {
      __m512i ab = _mm512_permutex2var_epi8(v0, k->deint_ab[ch], v1);
      plane[ch] = _mm512_mask_permutexvar_epi8(ab, k->from_c[ch], k->deint_c[ch], v2);
      __mmask64 high = _mm512_movepi8_mask(plane[ch]);
      lo[ch] = lookup256(plane[ch], high, k->lin_lo);
      hi[ch] = lookup256(plane[ch], high, k->lin_hi);
      accumulate(a, ch, lo[ch], hi[ch], split, keep);
    }
    // A red pixel has R >= 4 (G + B), so its high bytes have R_hi >= 4 (G_hi + B_hi) (floors
    // of a quarter-256th keep the order); a block where no pixel passes that (saturating) test
    // has no red at all, and most blocks of ordinary video skip the 16-bit red work.
    __m512i bound = _mm512_adds_epu8(hi[1], hi[2]);
    bound = _mm512_adds_epu8(bound, bound);
    bound = _mm512_adds_epu8(bound, bound);
    if (_mm512_cmpge_epu8_mask(hi[0], bound)) {
      __m512i red[2];
      for (int h = 0; h < 2; h++) {
        __m512i w[3];  // R, G, B words of pixels 0..31 (h = 0) or 32..63
        for (int ch = 0; ch < 3; ch++) {
          w[ch] = h == 0 ? _mm512_unpacklo_epi8(lo[ch], hi[ch])
                         : _mm512_unpackhi_epi8(lo[ch], hi[ch]);
        }
        __m512i r = w[0];
        __m512i s = _mm512_adds_epu16(w[1], w[2]);
        __mmask32 is_red = _mm512_cmple_epu16_mask(s, _mm512_srli_epi16(r, 2));
        red[h] = _mm512_maskz_sub_epi16(is_red, r, s);
      }
      // Back to plane order (packus of pixels 0..31 and 32..63), split into low and high bytes.
      const __m512i low = _mm512_set1_epi16(0xff);
      __m512i red_lo = _mm512_packus_epi16(_mm512_and_si512(red[0], low),
                                           _mm512_and_si512(red[1], low));
      __m512i red_hi = _mm512_packus_epi16(_mm512_srli_epi16(red[0], 8),
                                           _mm512_srli_epi16(red[1], 8));
      accumulate(a, ACC_RED, red_lo, red_hi, split, keep);
    }
    if (with_candela) {
      __m512i luma[2];
      for (int h = 0; h < 2; h++) {
        __m512i c[3];  // the 8-bit codes as words, pixels 0..31 (h = 0) or 32..63
        for (int ch = 0; ch < 3; ch++) {
          c[ch] = h == 0 ? _mm512_unpacklo_epi8(plane[ch], zero)
                         : _mm512_unpackhi_epi8(plane[ch], zero);
        }
        __m512i y = _mm512_add_epi16(_mm512_mullo_epi16(c[0], _mm512_set1_epi16(54)),
                                     _mm512_mullo_epi16(c[1], _mm512_set1_epi16(183)));
        y = _mm512_add_epi16(y, _mm512_mullo_epi16(c[2], _mm512_set1_epi16(19)));
        y = _mm512_add_epi16(y, _mm512_set1_epi16(128));
        luma[h] = _mm512_srli_epi16(y, 8);
      }
      __m512i idx = _mm512_packus_epi16(luma[0], luma[1]);
      __mmask64 high = _mm512_movepi8_mask(idx);
      accumulate(a, ACC_CD, lookup256(idx, high, k->cd_lo), lookup256(idx, high, k->cd_hi), split,
                 keep);
    }
  }
}

/// A block's sums over `rows` rows into `out[0][q]` (sums) and `out[1][q]` (left parts), 8
/// groups each in plane lane order. `split` and `with_candela` become constants in each copy.
FS_VBMI static void block_column(const uint8_t *p, ptrdiff_t stride, int32_t rows,
                                 const vbmi_consts *k, const block_masks *m, int with_candela,
                                 uint64_t out[2][5][8]) {
  block_acc a;
  for (int q = 0; q < 5; q++) a.sum[q] = a.left[q] = _mm512_setzero_si512();
  const __m512i keep = _mm512_loadu_si512(m->left8);
  if (m->split) {
    if (with_candela) block_rows(p, stride, rows, k, 1, keep, 1, &a);
    else block_rows(p, stride, rows, k, 1, keep, 0, &a);
  } else {
    if (with_candela) block_rows(p, stride, rows, k, 0, keep, 1, &a);
    else block_rows(p, stride, rows, k, 0, keep, 0, &a);
  }
  for (int q = 0; q < 5; q++) {
    _mm512_storeu_si512(out[0][q], a.sum[q]);
    _mm512_storeu_si512(out[1][q], a.left[q]);
  }
}

static int cpu_has_vbmi(void) {
  static int cached = -1;
  int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (c < 0) {
    __builtin_cpu_init();
    c = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vbmi");
    __atomic_store_n(&cached, c, __ATOMIC_RELAXED);
  }
  return c;
}

/// The cell holding pixel x (column bounds increasing).
static int32_t cell_of(const fs_region_layout *layout, int32_t x) {
  int32_t lo = 0, hi = layout->columns - 1;
  while (lo < hi) {
    int32_t mid = (lo + hi + 1) / 2;
    if (layout->column_bounds[mid] <= x) lo = mid; else hi = mid - 1;
  }
  return lo;
}

/// Where a group's sum goes: its cell (that of its first pixel), and whether a boundary cuts it
/// (then the left part stays in the cell and the rest goes to the next).
typedef struct group_target {
  int32_t cell;
  int32_t cut;
} group_target;

static inline void hand_over(uint64_t *band_sums, int k, group_target g, uint64_t sum,
                             uint64_t left) {
  uint64_t *cell = band_sums + (ptrdiff_t)g.cell * FS_REGION_SUMS + k;
  if (g.cut) {
    cell[0] += left;
    cell[FS_REGION_SUMS] += sum - left;
  } else {
    cell[0] += sum;
  }
}

static group_target target_of(const fs_region_layout *layout, int32_t x, int32_t size) {
  group_target g;
  g.cell = cell_of(layout, x);
  g.cut = g.cell + 1 < layout->columns && layout->column_bounds[g.cell + 1] < x + size;
  return g;
}

static int region_sums_vbmi(const uint8_t *rgb, ptrdiff_t stride, const fs_region_layout *layout,
                            const uint16_t *linear, const uint16_t *candela, uint64_t *sums) {
  const int32_t width = layout->width, blocks = width / 64;
  block_masks *masks = calloc((size_t)blocks + 1, sizeof(block_masks));
  group_target *targets = calloc((size_t)blocks * 8 + 1, sizeof(group_target));
  if (!masks || !targets) {
    free(masks);
    free(targets);
    return -1;
  }
  for (int32_t blk = 0; blk < blocks; blk++) {
    block_masks *m = masks + blk;
    for (int t = 0; t < 8; t++) {
      targets[8 * blk + t] = target_of(layout, 64 * blk + plane_group_pixel(t), 8);
    }
    for (int j = 0; j < 64; j++) {
      int32_t x = 64 * blk + plane_pixel(j);
      int32_t start = x / 8 * 8;
      int32_t cx = cell_of(layout, start);
      int32_t bound = layout->column_bounds[cx + 1];
      int left = cx + 1 < layout->columns && bound < start + 8 && x < bound;
      m->left8[j] = left ? 0xff : 0;
      if (left) m->split = 1;
    }
  }
  vbmi_consts k;
  vbmi_setup(&k, linear, candela);
  static const int sum_index[5] = {FS_REGION_SUM_R, FS_REGION_SUM_G, FS_REGION_SUM_B,
                                   FS_REGION_SUM_CANDELA, FS_REGION_SUM_RED};
  const int with_candela = candela != NULL;
  for (int32_t cy = 0; cy < layout->rows; cy++) {
    const int32_t y0 = layout->row_bounds[cy], rows = layout->row_bounds[cy + 1] - y0;
    uint64_t *band = sums + (ptrdiff_t)cy * layout->columns * FS_REGION_SUMS;
    // Each block goes down the band's rows with its sums in registers, then hands them over.
    for (int32_t blk = 0; blk < blocks; blk++) {
      uint64_t out[2][5][8];
      block_column(rgb + stride * y0 + 192 * (ptrdiff_t)blk, stride, rows, &k, masks + blk,
                   with_candela, out);
      for (int t = 0; t < 8; t++) {
        for (int q = 0; q < 5; q++) {
          if (q == ACC_CD && !with_candela) continue;
          hand_over(band, sum_index[q], targets[8 * blk + t], out[0][q][t], out[1][q][t]);
        }
      }
    }
    for (int32_t y = y0; y < y0 + rows; y++) {
      row_scalar(rgb + stride * y, 64 * blocks, width, cy, layout, linear, candela, sums);
    }
  }
  free(masks);
  free(targets);
  return 0;
}

#else
static int cpu_has_vbmi(void) { return 0; }
#endif

int fs_region_simd_available(void) { return cpu_has_vbmi(); }

int fs_region_sums(const uint8_t *rgb, ptrdiff_t stride, const fs_region_layout *layout,
                   const uint16_t linear[256], const uint16_t *candela, int allow_simd,
                   uint64_t *sums) {
#if FS_X86
  // The vector path needs cells at least 8 pixels wide (one cut per 8-pixel group).
  int wide = layout->width >= 64;
  for (int32_t cx = 0; cx < layout->columns && wide; cx++) {
    wide = layout->column_bounds[cx + 1] - layout->column_bounds[cx] >= 8;
  }
  if (allow_simd && wide && cpu_has_vbmi()) {
    return region_sums_vbmi(rgb, stride, layout, linear, candela, sums);
  }
#endif
  (void)allow_simd;
  for (int32_t cy = 0; cy < layout->rows; cy++) {
    for (int32_t y = layout->row_bounds[cy]; y < layout->row_bounds[cy + 1]; y++) {
      row_scalar(rgb + stride * y, 0, layout->width, cy, layout, linear, candela, sums);
    }
  }
  return 0;
}
