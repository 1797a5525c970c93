// Per-cell sums of the region profiles; the header says what is summed.
#include "CRegionSums.h"

#include "CCPUFeatures.h"

#include <stdlib.h>
#include <string.h>

// x86-specific code only where FS_X86 (CCPUFeatures.h) is 1.

/// Adds pixels `from ..< to` of one row, all in one cell, to that cell's counters `cell`.
static inline void run_scalar(const uint8_t *row, int32_t from, int32_t to,
                              const uint16_t *linear, const uint16_t *candela, uint64_t *cell) {
  uint64_t r_sum = 0, g_sum = 0, b_sum = 0, red_sum = 0, cd_sum = 0;
  for (int32_t x = from; x < to; x++) {
    const uint8_t *p = row + 3 * (ptrdiff_t)x;
    uint32_t r = linear[p[0]], g = linear[p[1]], b = linear[p[2]];
    uint32_t s = g + b;
    r_sum += r;
    g_sum += g;
    b_sum += b;
    red_sum += s <= (r >> 2) ? r - s : 0;
    if (candela) cd_sum += candela[(54u * p[0] + 183u * p[1] + 19u * p[2] + 128u) >> 8];
  }
  cell[FS_REGION_SUM_R] += r_sum;
  cell[FS_REGION_SUM_G] += g_sum;
  cell[FS_REGION_SUM_B] += b_sum;
  cell[FS_REGION_SUM_RED] += red_sum;
  cell[FS_REGION_SUM_CANDELA] += cd_sum;
}

/// Adds pixels `from ..< to` of one row of band `cy` to their cells, one pixel at a time.
static void row_scalar(const uint8_t *row, int32_t from, int32_t to, int32_t cy,
                       const fs_region_layout *layout, const uint16_t *linear,
                       const uint16_t *candela, uint64_t *sums) {
  int32_t cx = 0;
  while (cx + 1 < layout->columns && layout->column_bounds[cx + 1] <= from) cx++;
  for (int32_t x = from; x < to; cx++) {
    int32_t end = layout->column_bounds[cx + 1] < to ? layout->column_bounds[cx + 1] : to;
    run_scalar(row, x, end, linear, candela,
               sums + ((ptrdiff_t)cy * layout->columns + cx) * FS_REGION_SUMS);
    x = end;
  }
}

// Pair tables. Neighbouring pixels of a row have close codes, so a table indexed by two codes at
// once, `c1 | c2 << 8`, halves the lookups and is mostly read in a narrow band near its
// diagonal. `lin2[c1 | c2 << 8]` holds `linear[c1]` in its low and `linear[c2]` in its high 16
// bits (both values, for the per-pixel red test); `cd2` holds `candela[y1] + candela[y2]` (only
// its sum is needed). Built once per distinct pair of tables
// and kept for the process (at most FS_PAIR_SLOTS of them, 512 KiB each; past that a call builds
// its own and frees it).
typedef struct fs_pairs {
  uint16_t linear[256];
  uint16_t candela[256];
  int with_candela;
  uint32_t lin2[65536];
  uint32_t cd2[65536];
} fs_pairs;

#define FS_PAIR_SLOTS 8
static fs_pairs *pair_slots[FS_PAIR_SLOTS];

static int pairs_match(const fs_pairs *p, const uint16_t *linear, const uint16_t *candela) {
  if (p->with_candela != (candela != NULL)) return 0;
  if (memcmp(p->linear, linear, sizeof p->linear) != 0) return 0;
  return !candela || memcmp(p->candela, candela, sizeof p->candela) == 0;
}

static fs_pairs *build_pairs(const uint16_t *linear, const uint16_t *candela) {
  fs_pairs *p = malloc(sizeof *p);
  if (!p) return NULL;
  memcpy(p->linear, linear, sizeof p->linear);
  if (candela) memcpy(p->candela, candela, sizeof p->candela);
  else memset(p->candela, 0, sizeof p->candela);
  p->with_candela = candela != NULL;
  for (int hi = 0; hi < 256; hi++) {
    uint32_t *row = p->lin2 + 256 * hi;
    for (int lo = 0; lo < 256; lo++) row[lo] = (uint32_t)linear[lo] | (uint32_t)linear[hi] << 16;
    if (!candela) continue;  // `cd2` is then never read
    uint32_t *cdrow = p->cd2 + 256 * hi;
    for (int lo = 0; lo < 256; lo++) cdrow[lo] = (uint32_t)candela[lo] + candela[hi];
  }
  return p;
}

/// The pair tables of `linear` and `candela`: a kept one (`*owned` = 0), or one built for this
/// call alone (`*owned` = 1, the caller frees it); NULL when out of memory.
static fs_pairs *pairs_for(const uint16_t *linear, const uint16_t *candela, int *owned) {
  *owned = 0;
  for (int i = 0; i < FS_PAIR_SLOTS; i++) {
    fs_pairs *p = __atomic_load_n(&pair_slots[i], __ATOMIC_ACQUIRE);
    if (!p) break;
    if (pairs_match(p, linear, candela)) return p;
  }
  fs_pairs *mine = build_pairs(linear, candela);
  if (!mine) return NULL;
  for (int i = 0; i < FS_PAIR_SLOTS; i++) {
    fs_pairs *expected = NULL;
    if (__atomic_compare_exchange_n(&pair_slots[i], &expected, mine, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      return mine;
    }
    // Another thread filled slot i first: it may hold the same tables.
    if (pairs_match(expected, linear, candela)) {
      free(mine);
      return expected;
    }
  }
  *owned = 1;
  return mine;
}

// The portable path: C the compiler vectorises for whatever CPU it targets (SSE2 on x86-64, NEON
// on arm64; checked in the assembly, Docs/Benchmarks.md). A cell's row is taken `FS_CHUNK`
// pixels at a time in two loops: the pair-table lookups into small arrays (there is no portable
// vector gather, so these stay one scalar load per two values), then the sums and the red test
// over those arrays, the loop the compiler turns into vector code. Without candela the pairs
// are those of neighbouring bytes, whatever their channels: the six bytes r0 g0 b0 r1 g1 b1 of
// two pixels give the indices `r0 | g0 << 8`, `b0 | r1 << 8` and `g1 | b1 << 8`, each one 16-bit
// load on a little-endian CPU (`two_bytes`), and the same table serves (its entries are two
// codes' values, whichever channels they come from): about 20% faster here than indices of one
// channel's two pixels, which take two byte loads and a shift each. With candela
// the luma needs each pixel's three bytes anyway, and pairs of one channel's two pixels measured
// a little faster. A cell's odd last pixel goes through the scalar loop. 32-bit partial sums are
// exact: at most FS_CHUNK * 65535 per chunk (for candela, FS_CHUNK / 2 pair sums of at most
// 131070).
#define FS_CHUNK 128

/// `p[0] | p[1] << 8`, as one 16-bit load on a little-endian CPU (clang merges the two byte loads
/// on x86-64 by itself, not on arm64, where the shifts fold into the table's address).
static inline uint32_t two_bytes(const uint8_t *p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
#else
  return p[0] | (uint32_t)p[1] << 8;
#endif
}

/// Adds the `2 * pairs` pixels from `p` to `out` (R, G, B, red, candela, in the FS_REGION_SUM
/// order).
static inline __attribute__((always_inline)) void run_portable(const uint8_t *restrict p,
                                                               int32_t pairs,
                                                               const fs_pairs *restrict t,
                                                               int with_candela,
                                                               uint64_t *restrict out) {
  // Pair i's looked-up values: with candela X = R0 | R1 << 16, Y = G0 | G1 << 16,
  // Z = B0 | B1 << 16; without, X = R0 | G0 << 16, Y = B0 | R1 << 16, Z = G1 | B1 << 16.
  uint32_t X[FS_CHUNK / 2], Y[FS_CHUNK / 2], Z[FS_CHUNK / 2], C[FS_CHUNK / 2];
  for (int32_t k0 = 0; k0 < pairs; k0 += FS_CHUNK / 2) {
    const int32_t m = pairs - k0 < FS_CHUNK / 2 ? pairs - k0 : FS_CHUNK / 2;
    const uint8_t *q = p + 6 * (ptrdiff_t)k0;
    for (int32_t i = 0; i < m; i++) {
      if (with_candela) {
        const uint32_t r0 = q[6 * i], g0 = q[6 * i + 1], b0 = q[6 * i + 2];
        const uint32_t r1 = q[6 * i + 3], g1 = q[6 * i + 4], b1 = q[6 * i + 5];
        X[i] = t->lin2[r0 | r1 << 8];
        Y[i] = t->lin2[g0 | g1 << 8];
        Z[i] = t->lin2[b0 | b1 << 8];
        const uint32_t y0 = (54u * r0 + 183u * g0 + 19u * b0 + 128u) >> 8;
        const uint32_t y1 = (54u * r1 + 183u * g1 + 19u * b1 + 128u) >> 8;
        C[i] = t->cd2[y0 | y1 << 8];
      } else {
        X[i] = t->lin2[two_bytes(q + 6 * i)];
        Y[i] = t->lin2[two_bytes(q + 6 * i + 2)];
        Z[i] = t->lin2[two_bytes(q + 6 * i + 4)];
      }
    }
    uint32_t rs = 0, gs = 0, bs = 0, red = 0;
    for (int32_t i = 0; i < m; i++) {
      uint32_t r0, g0, b0, r1, g1, b1;
      if (with_candela) {
        r0 = X[i] & 0xffff, g0 = Y[i] & 0xffff, b0 = Z[i] & 0xffff;
        r1 = X[i] >> 16, g1 = Y[i] >> 16, b1 = Z[i] >> 16;
      } else {
        r0 = X[i] & 0xffff, g0 = X[i] >> 16, b0 = Y[i] & 0xffff;
        r1 = Y[i] >> 16, g1 = Z[i] & 0xffff, b1 = Z[i] >> 16;
      }
      const uint32_t s0 = g0 + b0, s1 = g1 + b1;
      rs += r0 + r1;
      gs += g0 + g1;
      bs += b0 + b1;
      red += (s0 <= (r0 >> 2) ? r0 - s0 : 0) + (s1 <= (r1 >> 2) ? r1 - s1 : 0);
    }
    out[FS_REGION_SUM_R] += rs;
    out[FS_REGION_SUM_G] += gs;
    out[FS_REGION_SUM_B] += bs;
    out[FS_REGION_SUM_RED] += red;
    if (with_candela) {
      uint32_t cs = 0;
      for (int32_t i = 0; i < m; i++) cs += C[i];
      out[FS_REGION_SUM_CANDELA] += cs;
    }
  }
}

/// A whole frame, cell by cell: each cell's rows summed into its five counters.
static inline __attribute__((always_inline)) void frame_portable(
    const uint8_t *rgb, ptrdiff_t stride, const fs_region_layout *layout, const fs_pairs *t,
    int with_candela, uint64_t *sums) {
  const uint16_t *candela = with_candela ? t->candela : NULL;
  for (int32_t cy = 0; cy < layout->rows; cy++) {
    for (int32_t y = layout->row_bounds[cy]; y < layout->row_bounds[cy + 1]; y++) {
      const uint8_t *row = rgb + stride * y;
      for (int32_t cx = 0; cx < layout->columns; cx++) {
        const int32_t x0 = layout->column_bounds[cx], x1 = layout->column_bounds[cx + 1];
        uint64_t *cell = sums + ((ptrdiff_t)cy * layout->columns + cx) * FS_REGION_SUMS;
        run_portable(row + 3 * (ptrdiff_t)x0, (x1 - x0) / 2, t, with_candela, cell);
        if ((x1 - x0) & 1) run_scalar(row, x1 - 1, x1, t->linear, candela, cell);
      }
    }
  }
}

static void region_sums_generic(const uint8_t *rgb, ptrdiff_t stride,
                                const fs_region_layout *layout, const fs_pairs *t,
                                int with_candela, uint64_t *sums) {
  // Two copies, so `with_candela` is a constant in each.
  if (with_candela) frame_portable(rgb, stride, layout, t, 1, sums);
  else frame_portable(rgb, stride, layout, t, 0, sums);
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

/// The AVX2 path: 16 pixels at a time (8 of each of two rows), with the pair tables (above).
/// Two loads per row put its 24 bytes into a 128-bit lane (the first row low, the second high),
/// and `pshufb` picks each channel's 8 pair indices (pixels 2k, 2k + 1) as 32-bit lanes. R and
/// G are looked up by one `vpgatherdd` each; B by 8 scalar loads (index from a 4-byte load,
/// value inserted with `vpinsrd`): on Zen 3 a third gather costs a little more than that (about
/// 3% of the whole without candela, 5% with; of one channel by scalar loads B measured best, and
/// two channels that way were slower). The red test is 16-bit arithmetic on both pixels of a
/// pair at once. A pair of 16-bit values `v = lo | hi << 16` is summed in two counters, `v`
/// itself (mod 2^32) and `hi`; at the end `lo = sum(v) - sum(hi) << 16` (mod 2^32, exact since
/// the sum of the `lo` is below 2^32) and the sum is `lo + hi`. The candela sum takes the luma
/// codes of pixel pairs through its own pair table (a gather). Each cell's counters live in a
/// small array while the rows of its band go by (flushed to 64 bits before a lane could
/// overflow); a band's odd last row goes 8 pixels at a time (4-lane gathers), and a cell's last
/// `width % 8` pixels through the scalar loop.
typedef struct avx2_consts {
  __m256i mask[3][2];  // [channel][source]: source 0 holds bytes 0..15 and 24..39, 1 8..23, 32..47
} avx2_consts;

FS_AVX2 static void avx2_setup(avx2_consts *k) {
  for (int ch = 0; ch < 3; ch++) {
    for (int src = 0; src < 2; src++) {
      // Per 128-bit lane (both alike, the high lane 24 bytes on): dword k (k = 0..3) is bytes
      // 6k + ch and 6k + 3 + ch of the lane's 24, then two zero bytes. Source 0 has bytes 0..15
      // of the 24, source 1 bytes 8..23; a byte below 16 is taken from source 0.
      int8_t m[32];
      for (int lane = 0; lane < 2; lane++) {
        for (int b = 0; b < 16; b++) {
          int k2 = b / 4, h = b % 4, sel = 0x80;
          if (h < 2) {
            int j = 6 * k2 + 3 * h + ch;
            if (src == 0 && j < 16) sel = j;
            if (src == 1 && j >= 16) sel = j - 8;
          }
          m[16 * lane + b] = (int8_t)sel;
        }
      }
      k->mask[ch][src] = _mm256_loadu_si256((const __m256i *)m);
    }
  }
}

FS_AVX2 static inline __attribute__((always_inline)) uint64_t lanes_sum(__m256i v) {
  __m256i even = _mm256_and_si256(v, _mm256_set1_epi64x(0xffffffff));
  __m256i odd = _mm256_srli_epi64(v, 32);
  __m256i s = _mm256_add_epi64(even, odd);
  __m128i h = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  return (uint64_t)_mm_cvtsi128_si64(h) + (uint64_t)_mm_extract_epi64(h, 1);
}

/// A cell's counters: per R, G, B and red the packed sum and the high halves' sum, then candela.
enum { AV_R = 0, AV_G = 2, AV_B = 4, AV_RED = 6, AV_CD = 8, AV_COUNTERS = 9 };

/// The luma pair index `y(2k) | y(2k + 1) << 8` (32-bit lanes) from the pair indices, both
/// pixels of a pair at once in 16-bit lanes: each pair index `c0 | c1 << 8` spread to
/// `c0 | c1 << 16` (one `pshufb`), `54 r + 183 g + 19 b + 128` in 16-bit arithmetic (exact: at
/// most 256 * 255 + 128 = 65408), and the high bytes of the two words gathered into the index
/// (one `pshufb`).
FS_AVX2 static inline __attribute__((always_inline)) __m256i luma_pairs(__m256i ir, __m256i ig,
                                                                        __m256i ib) {
  // Per dword: bytes 0, 1 to 0, 2 (zeros between); then bytes 1, 3 to 0, 1 (zeros above).
  const __m256i spread = _mm256_setr_epi8(0, -1, 1, -1, 4, -1, 5, -1, 8, -1, 9, -1, 12, -1, 13,
                                          -1, 0, -1, 1, -1, 4, -1, 5, -1, 8, -1, 9, -1, 12, -1,
                                          13, -1);
  const __m256i high = _mm256_setr_epi8(1, 3, -1, -1, 5, 7, -1, -1, 9, 11, -1, -1, 13, 15, -1,
                                        -1, 1, 3, -1, -1, 5, 7, -1, -1, 9, 11, -1, -1, 13, 15,
                                        -1, -1);
  __m256i v = _mm256_add_epi16(
      _mm256_mullo_epi16(_mm256_shuffle_epi8(ir, spread), _mm256_set1_epi16(54)),
      _mm256_mullo_epi16(_mm256_shuffle_epi8(ig, spread), _mm256_set1_epi16(183)));
  v = _mm256_add_epi16(v, _mm256_mullo_epi16(_mm256_shuffle_epi8(ib, spread),
                                             _mm256_set1_epi16(19)));
  v = _mm256_add_epi16(v, _mm256_set1_epi16(128));
  return _mm256_shuffle_epi8(v, high);
}

/// Adds 8 gathered pairs of linear values per channel (low 16 bits: even pixel; high: odd).
FS_AVX2 static inline __attribute__((always_inline)) void add_pairs(__m256i r, __m256i g,
                                                                    __m256i b, __m256i *a) {
  a[AV_R] = _mm256_add_epi32(a[AV_R], r);
  a[AV_R + 1] = _mm256_add_epi32(a[AV_R + 1], _mm256_srli_epi32(r, 16));
  a[AV_G] = _mm256_add_epi32(a[AV_G], g);
  a[AV_G + 1] = _mm256_add_epi32(a[AV_G + 1], _mm256_srli_epi32(g, 16));
  a[AV_B] = _mm256_add_epi32(a[AV_B], b);
  a[AV_B + 1] = _mm256_add_epi32(a[AV_B + 1], _mm256_srli_epi32(b, 16));
  // red = R - (G + B) where G + B <= R >> 2, on 16-bit words: a saturated G + B (above 65535)
  // is above R >> 2 all the same, and where the test passes R - (G + B) is exact.
  __m256i s = _mm256_adds_epu16(g, b);
  __m256i quarter = _mm256_srli_epi16(r, 2);
  __m256i is_red = _mm256_cmpeq_epi16(_mm256_max_epu16(s, quarter), quarter);
  __m256i red = _mm256_and_si256(is_red, _mm256_sub_epi16(r, s));
  a[AV_RED] = _mm256_add_epi32(a[AV_RED], red);
  a[AV_RED + 1] = _mm256_add_epi32(a[AV_RED + 1], _mm256_srli_epi32(red, 16));
}

/// The pair values of channel `ch` of 4 pixel pairs of each of the rows at `q0` (low lane) and
/// `q1` (high lane) by scalar loads, as `vpgatherdd` would give them: dword k of a lane is
/// `lin2[c(2k) | c(2k + 1) << 8]`. Reads bytes 0..23 of each row, no further.
FS_AVX2 static inline __attribute__((always_inline)) __m256i pairs_loaded(const uint8_t *q0,
                                                                        const uint8_t *q1, int ch,
                                                                        const uint32_t *lin2) {
  __m128i h[2];
  for (int row = 0; row < 2; row++) {
    const uint8_t *q = (row ? q1 : q0) + ch;
    uint32_t ix[4];
    for (int k = 0; k < 4; k++) {
      // Bytes 6k + ch and 6k + 3 + ch: the low and high byte of a 4-byte load at 6k + ch (byte
      // order does not matter: this code runs on x86 only).
      uint32_t w;
      memcpy(&w, q + 6 * k, 4);
      ix[k] = (w & 0xff) | (w >> 16 & 0xff00);
    }
    __m128i v = _mm_cvtsi32_si128((int)lin2[ix[0]]);
    v = _mm_insert_epi32(v, (int)lin2[ix[1]], 1);
    v = _mm_insert_epi32(v, (int)lin2[ix[2]], 2);
    h[row] = _mm_insert_epi32(v, (int)lin2[ix[3]], 3);
  }
  return _mm256_inserti128_si256(_mm256_castsi128_si256(h[0]), h[1], 1);
}

/// Adds `n8` (a multiple of 8) pixels from each of the rows at `q0` and `q1` (8 pixels of each
/// per step, one row per 128-bit lane), or from `q0` alone when `two` is 0 (4-lane steps), to a
/// cell's counters `acc`.
FS_AVX2 static inline __attribute__((always_inline)) void run_avx2(const uint8_t *q0,
                                                                   const uint8_t *q1, int32_t n8,
                                                                   int two, const fs_pairs *t,
                                                                   const avx2_consts *k,
                                                                   int with_candela,
                                                                   __m256i *acc) {
  const int *lin2 = (const int *)t->lin2, *cd2 = (const int *)t->cd2;
  __m256i a[AV_COUNTERS];
  for (int i = 0; i < AV_COUNTERS; i++) a[i] = acc[i];
  for (int32_t x = 0; x < n8; x += 8, q0 += 24, q1 += 24) {
    // 24 bytes per row in two 16-byte loads (bytes 0..15 and 8..23), so nothing past them is
    // read.
    __m256i idx[3], r, g, b;
    if (two) {
      __m256i v0 = _mm256_inserti128_si256(
          _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)q0)),
          _mm_loadu_si128((const __m128i *)q1), 1);
      __m256i v1 = _mm256_inserti128_si256(
          _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(q0 + 8))),
          _mm_loadu_si128((const __m128i *)(q1 + 8)), 1);
      for (int ch = 0; ch < 3; ch++) {
        idx[ch] = _mm256_or_si256(_mm256_shuffle_epi8(v0, k->mask[ch][0]),
                                  _mm256_shuffle_epi8(v1, k->mask[ch][1]));
      }
      r = _mm256_i32gather_epi32(lin2, idx[0], 4);
      g = _mm256_i32gather_epi32(lin2, idx[1], 4);
      b = pairs_loaded(q0, q1, 2, t->lin2);
    } else {
      __m128i v0 = _mm_loadu_si128((const __m128i *)q0);
      __m128i v1 = _mm_loadu_si128((const __m128i *)(q0 + 8));
      for (int ch = 0; ch < 3; ch++) {
        idx[ch] = _mm256_zextsi128_si256(
            _mm_or_si128(_mm_shuffle_epi8(v0, _mm256_castsi256_si128(k->mask[ch][0])),
                         _mm_shuffle_epi8(v1, _mm256_castsi256_si128(k->mask[ch][1]))));
      }
      // High lanes zero: pairs of zero values add nothing, and are not red (0 - 0).
      r = _mm256_zextsi128_si256(_mm_i32gather_epi32(lin2, _mm256_castsi256_si128(idx[0]), 4));
      g = _mm256_zextsi128_si256(_mm_i32gather_epi32(lin2, _mm256_castsi256_si128(idx[1]), 4));
      b = _mm256_zextsi128_si256(_mm_i32gather_epi32(lin2, _mm256_castsi256_si128(idx[2]), 4));
    }
    add_pairs(r, g, b, a);
    if (with_candela) {
      __m256i iy = luma_pairs(idx[0], idx[1], idx[2]);
      __m256i c = two ? _mm256_i32gather_epi32(cd2, iy, 4)
                      : _mm256_zextsi128_si256(
                            _mm_i32gather_epi32(cd2, _mm256_castsi256_si128(iy), 4));
      a[AV_CD] = _mm256_add_epi32(a[AV_CD], c);
    }
  }
  for (int i = 0; i < AV_COUNTERS; i++) acc[i] = a[i];
}

/// Moves a cell's counters `a` into its 64-bit sums `cell` and zeroes them.
FS_AVX2 static inline void flush_cell(__m256i *a, uint64_t *cell) {
  static const int packed[4] = {AV_R, AV_G, AV_B, AV_RED};
  static const int index[4] = {FS_REGION_SUM_R, FS_REGION_SUM_G, FS_REGION_SUM_B,
                               FS_REGION_SUM_RED};
  for (int q = 0; q < 4; q++) {
    // Per lane: sum of lo = packed - (sum of hi << 16), mod 2^32.
    __m256i hi = a[packed[q] + 1];
    __m256i lo = _mm256_sub_epi32(a[packed[q]], _mm256_slli_epi32(hi, 16));
    cell[index[q]] += lanes_sum(lo) + lanes_sum(hi);
  }
  cell[FS_REGION_SUM_CANDELA] += lanes_sum(a[AV_CD]);
  for (int i = 0; i < AV_COUNTERS; i++) a[i] = _mm256_setzero_si256();
}

/// How many rows ahead the AVX2 path prefetches (2 to 4 measured best here; 8 no better than none).
#define FS_AVX2_AHEAD 4

/// Two rows at a time across the frame (cell by cell, each cell's counters in a small array),
/// prefetching the same cell FS_AVX2_AHEAD rows on. Per pair of rows a lane adds at most two
/// values below 65536 (a low and a high half, or a candela pair sum) per 8 pixels of a cell's
/// width, so the counters go to 64 bits before 65535 values. A cell's last `width % 8` pixels
/// of each row go through the scalar loop.
FS_AVX2 static inline __attribute__((always_inline)) void frame_avx2(
    const uint8_t *rgb, ptrdiff_t stride, const fs_region_layout *layout, const fs_pairs *t,
    const avx2_consts *k, int with_candela, __m256i *acc, uint64_t *sums) {
  const int32_t columns = layout->columns;
  const uint16_t *candela = with_candela ? t->candela : NULL;
  int32_t widest = 0;  // values added per lane per pair of rows, at most
  for (int32_t cx = 0; cx < columns; cx++) {
    int32_t w = 2 * ((layout->column_bounds[cx + 1] - layout->column_bounds[cx]) / 8);
    if (w > widest) widest = w;
  }
  for (int32_t i = 0; i < AV_COUNTERS * columns; i++) acc[i] = _mm256_setzero_si256();
  for (int32_t cy = 0; cy < layout->rows; cy++) {
    uint64_t *band = sums + (ptrdiff_t)cy * columns * FS_REGION_SUMS;
    const int32_t y1 = layout->row_bounds[cy + 1];
    int64_t added = 0;
    for (int32_t y = layout->row_bounds[cy]; y < y1; y += 2) {
      if (added + widest > 65535) {
        for (int32_t cx = 0; cx < columns; cx++) {
          flush_cell(acc + AV_COUNTERS * cx, band + FS_REGION_SUMS * cx);
        }
        added = 0;
      }
      const uint8_t *row = rgb + stride * y;
      const int two = y + 1 < y1;
      const int ahead = y + FS_AVX2_AHEAD + 1 < layout->height;
      for (int32_t cx = 0; cx < columns; cx++) {
        const int32_t x0 = layout->column_bounds[cx], x1 = layout->column_bounds[cx + 1];
        const int32_t n8 = (x1 - x0) & ~7;
        const uint8_t *p = row + 3 * (ptrdiff_t)x0;
        if (ahead) {
          // The next pair of rows but one, for this cell: the hardware's prefetch follows two
          // interleaved row streams less well (about 5-10% faster with this).
          for (int32_t b = 0; b < 3 * (x1 - x0); b += 64) {
            _mm_prefetch((const char *)p + FS_AVX2_AHEAD * stride + b, _MM_HINT_T0);
            _mm_prefetch((const char *)p + (FS_AVX2_AHEAD + 1) * stride + b, _MM_HINT_T0);
          }
        }
        if (two) run_avx2(p, p + stride, n8, 1, t, k, with_candela, acc + AV_COUNTERS * cx);
        else run_avx2(p, p, n8, 0, t, k, with_candela, acc + AV_COUNTERS * cx);
        if (x0 + n8 < x1) {
          uint64_t *cell = band + FS_REGION_SUMS * cx;
          run_scalar(row, x0 + n8, x1, t->linear, candela, cell);
          if (two) run_scalar(row + stride, x0 + n8, x1, t->linear, candela, cell);
        }
      }
      added += widest;
    }
    for (int32_t cx = 0; cx < columns; cx++) {
      flush_cell(acc + AV_COUNTERS * cx, band + FS_REGION_SUMS * cx);
    }
  }
}

FS_AVX2 static int region_sums_avx2(const uint8_t *rgb, ptrdiff_t stride,
                                    const fs_region_layout *layout, const fs_pairs *t,
                                    int with_candela, uint64_t *sums) {
  __m256i *acc = aligned_alloc(32, (size_t)layout->columns * AV_COUNTERS * sizeof(__m256i));
  if (!acc) return -1;
  avx2_consts k;
  avx2_setup(&k);
  if (with_candela) frame_avx2(rgb, stride, layout, t, &k, 1, acc, sums);
  else frame_avx2(rgb, stride, layout, t, &k, 0, acc, sums);
  free(acc);
  return 0;
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

#endif

int fs_region_path_available(int path) {
  switch (path) {
  case FS_REGION_PATH_SCALAR:
  case FS_REGION_PATH_GENERIC: return 1;
  case FS_REGION_PATH_AVX2: return fs_cpu_has_avx2();
  case FS_REGION_PATH_AVX512: return fs_cpu_has_avx512vbmi();
  default: return 0;
  }
}

int fs_region_best_path(void) {
  if (fs_cpu_has_avx512vbmi()) return FS_REGION_PATH_AVX512;
  if (fs_cpu_has_avx2()) return FS_REGION_PATH_AVX2;
  return FS_REGION_PATH_GENERIC;
}

int fs_region_sums(const uint8_t *rgb, ptrdiff_t stride, const fs_region_layout *layout,
                   const uint16_t linear[256], const uint16_t *candela, int path,
                   uint64_t *sums) {
  if (!fs_region_path_available(path)) return -2;
  if (path == FS_REGION_PATH_SCALAR) {
    for (int32_t cy = 0; cy < layout->rows; cy++) {
      for (int32_t y = layout->row_bounds[cy]; y < layout->row_bounds[cy + 1]; y++) {
        row_scalar(rgb + stride * y, 0, layout->width, cy, layout, linear, candela, sums);
      }
    }
    return 0;
  }
#if FS_X86
  if (path == FS_REGION_PATH_AVX512) {
    // The VBMI code needs cells at least 8 pixels wide (one cut per 8-pixel group); other
    // layouts take the AVX2 path (every CPU with AVX-512 VBMI has AVX2).
    int wide = layout->width >= 64;
    for (int32_t cx = 0; cx < layout->columns && wide; cx++) {
      wide = layout->column_bounds[cx + 1] - layout->column_bounds[cx] >= 8;
    }
    if (wide) return region_sums_vbmi(rgb, stride, layout, linear, candela, sums);
    path = FS_REGION_PATH_AVX2;
  }
#endif
  int owned;
  fs_pairs *t = pairs_for(linear, candela, &owned);
  if (!t) return -1;
  int status = 0;
#if FS_X86
  if (path == FS_REGION_PATH_AVX2) {
    status = region_sums_avx2(rgb, stride, layout, t, candela != NULL, sums);
  } else
#endif
  {
    region_sums_generic(rgb, stride, layout, t, candela != NULL, sums);
  }
  if (owned) free(t);
  return status;
}
