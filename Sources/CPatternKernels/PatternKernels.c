// The pattern detector's per-pixel arithmetic; the header says what each function computes and
// why the results are the same bits as the straightforward scalar loops'.
#include "CPatternKernels.h"

#include <math.h>
#include <string.h>

// No fused multiply-adds: every product is rounded on its own, as in the Swift code these
// functions replaced (Swift never contracts). x86-64's baseline has no FMA anyway; arm64 has.
#pragma STDC FP_CONTRACT OFF

// Four floats side by side (SSE on x86-64, NEON on arm64, or the compiler's emulation): each lane
// does exactly the scalar operations of one value, so lane results equal scalar results.
typedef float fs_f4 __attribute__((vector_size(16)));
typedef int32_t fs_i4 __attribute__((vector_size(16)));

static inline fs_f4 fs_load4(const float *p) {
  fs_f4 v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void fs_store4(float *p, fs_f4 v) { memcpy(p, &v, sizeof v); }

static inline fs_f4 fs_splat4(float x) { return (fs_f4){x, x, x, x}; }

/// Lane by lane: `a` where `mask` is all ones, `b` where it is zero.
static inline fs_f4 fs_select4(fs_i4 mask, fs_f4 a, fs_f4 b) {
  return (fs_f4)(((fs_i4)a & mask) | ((fs_i4)b & ~mask));
}

// MARK: - Box filter

typedef uint8_t fs_u8x16 __attribute__((vector_size(16)));
typedef uint8_t fs_u8x8 __attribute__((vector_size(8)));
typedef uint16_t fs_u16x8 __attribute__((vector_size(16)));

static inline fs_u8x16 fs_load_u8x16(const uint8_t *p) {
  fs_u8x16 v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline fs_u16x8 fs_widen_lo(fs_u8x16 v) {
  return __builtin_convertvector(
      (fs_u8x8)__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7), fs_u16x8);
}

static inline fs_u16x8 fs_widen_hi(fs_u8x16 v) {
  return __builtin_convertvector(
      (fs_u8x8)__builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15), fs_u16x8);
}

/// `acc[i]` = the sum of `rows` rows' byte `i` (rows `row_bytes` apart), `i < used`; at most
/// 257 rows, so 16 bits hold each sum. 32 bytes at a time, the sums kept in registers down the
/// rows (each byte is read once, each sum stored once; SSE2 or NEON, no wider unit needed).
/// This and the block loops below are kept out of line: inlined into `fs_pattern_downscale`,
/// clang 21 compiled the whole filter to half this speed.
__attribute__((noinline)) static void fs_column_sums16(const uint8_t *first, ptrdiff_t row_bytes,
                                                       int32_t rows, ptrdiff_t used,
                                                       uint16_t *acc) {
  ptrdiff_t i = 0;
  for (; i + 32 <= used; i += 32) {
    const uint8_t *p = first + i;
    fs_u8x16 v0 = fs_load_u8x16(p), v1 = fs_load_u8x16(p + 16);
    fs_u16x8 a0 = fs_widen_lo(v0), a1 = fs_widen_hi(v0);
    fs_u16x8 a2 = fs_widen_lo(v1), a3 = fs_widen_hi(v1);
    for (int32_t yy = 1; yy < rows; yy++) {
      p += row_bytes;
      v0 = fs_load_u8x16(p);
      v1 = fs_load_u8x16(p + 16);
      a0 += fs_widen_lo(v0);
      a1 += fs_widen_hi(v0);
      a2 += fs_widen_lo(v1);
      a3 += fs_widen_hi(v1);
    }
    memcpy(acc + i, &a0, sizeof a0);
    memcpy(acc + i + 8, &a1, sizeof a1);
    memcpy(acc + i + 16, &a2, sizeof a2);
    memcpy(acc + i + 24, &a3, sizeof a3);
  }
  for (; i < used; i++) {
    const uint8_t *p = first + i;
    uint16_t a = p[0];
    for (int32_t yy = 1; yy < rows; yy++) a = (uint16_t)(a + p[yy * row_bytes]);
    acc[i] = a;
  }
}

/// The luma numerators of one block row: block `bx` is `sum_k w[k % channels] acc[bx * n + k]`
/// over its `n = s * channels` column sums (weights 54, 183, 19 for rgb, 256 for luma), which
/// is the integer `54 R + 183 G + 19 B` (`256 Y`) of its channel sums. Column sums below 2^15
/// and weights below 2^8: each product and each block's sum fits 32 bits (`s` <= 128). Written
/// for a constant `n` (1080p: 18, 720p: 12, 1440p: 24, 2160p: 36) so the compiler unrolls and
/// vectorises the common scales (x86-64: `pmaddwd`, multiply-adds of 16-bit pairs).
#define FS_BLOCK_LUMA(N)                                                                          \
  __attribute__((noinline)) static void fs_block_luma_##N(                                        \
      const uint16_t *acc, int32_t n, const int16_t *w, int32_t out_width, float norm,            \
      float *row) {                                                                               \
    const int32_t len = (N) ? (N) : n;                                                            \
    for (int32_t bx = 0; bx < out_width; bx++) {                                                  \
      const uint16_t *a = acc + (ptrdiff_t)bx * len;                                              \
      int32_t luma = 0;                                                                           \
      for (int32_t k = 0; k < len; k++) luma += (int32_t)(int16_t)a[k] * (int32_t)w[k];           \
      row[bx] = (float)luma * norm;                                                               \
    }                                                                                             \
  }
FS_BLOCK_LUMA(0)
FS_BLOCK_LUMA(12)
FS_BLOCK_LUMA(18)
FS_BLOCK_LUMA(24)
FS_BLOCK_LUMA(36)

/// The block sums of one block row from 32-bit column sums (scales above 128), per channel.
static void fs_block_row_wide(const uint32_t *acc, int32_t s, int32_t channels, int32_t out_width,
                              float norm, float *row) {
  for (int32_t bx = 0; bx < out_width; bx++) {
    if (channels == 3) {
      const uint32_t *a = acc + (ptrdiff_t)bx * s * 3;
      uint64_t r = 0, g = 0, b = 0;
      for (int32_t k = 0; k < s; k++) {
        r += a[3 * k];
        g += a[3 * k + 1];
        b += a[3 * k + 2];
      }
      row[bx] = (float)(int64_t)(54 * r + 183 * g + 19 * b) * norm;
    } else {
      const uint32_t *a = acc + (ptrdiff_t)bx * s;
      uint64_t y = 0;
      for (int32_t k = 0; k < s; k++) y += a[k];
      row[bx] = (float)(int64_t)(256 * y) * norm;
    }
  }
}

void fs_pattern_downscale(const uint8_t *frame, int32_t width, int32_t channels, int32_t scale,
                          int32_t out_width, int32_t out_height, int32_t out_stride,
                          int32_t padded_height, float norm, float *out, uint32_t *scratch) {
  const ptrdiff_t row_bytes = (ptrdiff_t)width * channels;
  const int32_t n = scale * channels;  // column sums per block
  const ptrdiff_t used = (ptrdiff_t)out_width * n;
  // The block's weights, by column sum (at most 128 * 3).
  int16_t w[384];
  if (scale <= 128) {
    for (int32_t k = 0; k < n; k++) w[k] = channels == 3 ? (int16_t[]){54, 183, 19}[k % 3] : 256;
  }
  // Bottom to top: the stage before this one (the region sums) read the frame top to bottom,
  // so its last rows are the likeliest still to be in the cache. Each block row is computed on
  // its own; the order changes no value.
  for (int32_t by = out_height - 1; by >= 0; by--) {
    const uint8_t *first = frame + (ptrdiff_t)by * scale * row_bytes;
    float *row = out + (ptrdiff_t)by * out_stride;
    // Each row is read once: its bytes are added to the block row's column sums, then each
    // block's column sums are weighted and added. Integer sums: the order does not matter.
    if (scale <= 128) {  // 128 * 255 < 2^15
      uint16_t *acc = (uint16_t *)scratch;
      fs_column_sums16(first, row_bytes, scale, used, acc);
      switch (n) {
      case 12: fs_block_luma_12(acc, n, w, out_width, norm, row); break;
      case 18: fs_block_luma_18(acc, n, w, out_width, norm, row); break;
      case 24: fs_block_luma_24(acc, n, w, out_width, norm, row); break;
      case 36: fs_block_luma_36(acc, n, w, out_width, norm, row); break;
      default: fs_block_luma_0(acc, n, w, out_width, norm, row); break;
      }
    } else {
      uint32_t *acc = scratch;
      for (ptrdiff_t i = 0; i < used; i++) acc[i] = first[i];
      for (int32_t yy = 1; yy < scale; yy++) {
        const uint8_t *p = first + yy * row_bytes;
        for (ptrdiff_t i = 0; i < used; i++) acc[i] += p[i];
      }
      fs_block_row_wide(acc, scale, channels, out_width, norm, row);
    }
    const float edge = row[out_width - 1];
    for (int32_t bx = out_width; bx < out_stride; bx++) row[bx] = edge;
  }
  const float *last = out + (ptrdiff_t)(out_height - 1) * out_stride;
  for (int32_t by = out_height; by < padded_height; by++) {
    memcpy(out + (ptrdiff_t)by * out_stride, last, sizeof(float) * (size_t)out_stride);
  }
}

void fs_pattern_halve(const float *src, int32_t src_stride, int32_t width1, int32_t height1,
                      int32_t stride1, int32_t padded_height1, float *dst) {
  for (int32_t y = 0; y < height1; y++) {
    const float *a = src + (ptrdiff_t)2 * y * src_stride;
    const float *b = a + src_stride;
    float *o = dst + (ptrdiff_t)y * stride1;
    for (int32_t x = 0; x < width1; x++) {
      o[x] = (a[2 * x] + a[2 * x + 1] + b[2 * x] + b[2 * x + 1]) * 0.25f;
    }
    const float edge = o[width1 - 1];
    for (int32_t x = width1; x < stride1; x++) o[x] = edge;
  }
  const float *last = dst + (ptrdiff_t)(height1 - 1) * stride1;
  for (int32_t y = height1; y < padded_height1; y++) {
    memcpy(dst + (ptrdiff_t)y * stride1, last, sizeof(float) * (size_t)stride1);
  }
}

// MARK: - Tiles

void fs_pattern_tile_load(const float *image, ptrdiff_t stride, float *raw,
                          fs_pattern_tile_stats *stats) {
  for (int y = 0; y < 32; y++) memcpy(raw + y * 32, image + y * stride, 32 * sizeof(float));
  // The mean: one running sum in row-major order (its rounding depends on the order).
  float mean = 0;
  for (int i = 0; i < 1024; i++) mean += raw[i];
  stats->mean = mean / 1024;
  // Extremes do not depend on the order: per quadrant, four lanes at a time.
  float lo = INFINITY, hi = -INFINITY;
  for (int q = 0; q < 4; q++) {
    const float *base = raw + (q / 2) * 16 * 32 + (q % 2) * 16;
    fs_f4 qlo = fs_splat4(INFINITY), qhi = fs_splat4(-INFINITY);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x += 4) {
        fs_f4 v = fs_load4(base + y * 32 + x);
        qlo = fs_select4(v < qlo, v, qlo);
        qhi = fs_select4(v > qhi, v, qhi);
      }
    }
    float l = qlo[0], h = qhi[0];
    for (int k = 1; k < 4; k++) {
      l = qlo[k] < l ? qlo[k] : l;
      h = qhi[k] > h ? qhi[k] : h;
    }
    stats->quadrant_range[q] = h - l;
    lo = l < lo ? l : lo;
    hi = h > hi ? h : hi;
  }
  stats->lo = lo;
  stats->hi = hi;
}

/// The 32-point transform of each of the 32 columns of `re`, `im` (row-major 32 x 32), in place:
/// the radix-2 decimation-in-time FFT (bit-reversed order, then butterflies of size 2 to 32),
/// eight times four columns side by side. Column `c` gets exactly the operations the scalar
/// transform of that column does.
static void fs_fft32_columns(float *re, float *im, const float *cos_table,
                             const float *sin_table) {
  static const int reversed[32] = {0, 16, 8,  24, 4, 20, 12, 28, 2, 18, 10, 26, 6, 22, 14, 30,
                                   1, 17, 9,  25, 5, 21, 13, 29, 3, 19, 11, 27, 7, 23, 15, 31};
  float tmp[32];
  for (int i = 0; i < 32; i++) {
    int j = reversed[i];
    if (j > i) {
      memcpy(tmp, re + i * 32, sizeof tmp);
      memcpy(re + i * 32, re + j * 32, sizeof tmp);
      memcpy(re + j * 32, tmp, sizeof tmp);
      memcpy(tmp, im + i * 32, sizeof tmp);
      memcpy(im + i * 32, im + j * 32, sizeof tmp);
      memcpy(im + j * 32, tmp, sizeof tmp);
    }
  }
  for (int size = 2; size <= 32; size *= 2) {
    const int half = size / 2;
    const int twiddle_step = 32 / size;
    for (int start = 0; start < 32; start += size) {
      for (int k = 0; k < half; k++) {
        const fs_f4 wr = fs_splat4(cos_table[k * twiddle_step]);
        const fs_f4 wi = fs_splat4(sin_table[k * twiddle_step]);
        float *ra = re + (start + k) * 32, *ia = im + (start + k) * 32;
        float *rb = re + (start + k + half) * 32, *ib = im + (start + k + half) * 32;
        for (int c = 0; c < 32; c += 4) {
          fs_f4 xr = fs_load4(rb + c), xi = fs_load4(ib + c);
          fs_f4 yr = fs_load4(ra + c), yi = fs_load4(ia + c);
          fs_f4 tr = xr * wr - xi * wi;
          fs_f4 ti = xr * wi + xi * wr;
          fs_store4(rb + c, yr - tr);
          fs_store4(ib + c, yi - ti);
          fs_store4(ra + c, yr + tr);
          fs_store4(ia + c, yi + ti);
        }
      }
    }
  }
}

/// The 4 x 4 transpose of `r0` ... `r3` (rows in, columns out), in place.
static inline void fs_transpose4(fs_f4 *r0, fs_f4 *r1, fs_f4 *r2, fs_f4 *r3) {
  const fs_f4 t0 = __builtin_shufflevector(*r0, *r1, 0, 4, 1, 5);
  const fs_f4 t1 = __builtin_shufflevector(*r0, *r1, 2, 6, 3, 7);
  const fs_f4 t2 = __builtin_shufflevector(*r2, *r3, 0, 4, 1, 5);
  const fs_f4 t3 = __builtin_shufflevector(*r2, *r3, 2, 6, 3, 7);
  *r0 = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
  *r1 = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
  *r2 = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
  *r3 = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
}

/// `dst` = `src` transposed (32 x 32), in 4 x 4 blocks.
static void fs_transpose32(const float *src, float *dst) {
  for (int y = 0; y < 32; y += 4) {
    for (int x = 0; x < 32; x += 4) {
      fs_f4 r0 = fs_load4(src + y * 32 + x), r1 = fs_load4(src + (y + 1) * 32 + x);
      fs_f4 r2 = fs_load4(src + (y + 2) * 32 + x), r3 = fs_load4(src + (y + 3) * 32 + x);
      fs_transpose4(&r0, &r1, &r2, &r3);
      fs_store4(dst + x * 32 + y, r0);
      fs_store4(dst + (x + 1) * 32 + y, r1);
      fs_store4(dst + (x + 2) * 32 + y, r2);
      fs_store4(dst + (x + 3) * 32 + y, r3);
    }
  }
}

float fs_pattern_tile_spectrum(const float *raw, float mean, const float *hann,
                               const float *cos_table, const float *sin_table, float *re,
                               float *im, float *power) {
  // The windowed tile, transposed (in `power`, free until the end): the transform of its
  // columns is the transform of the tile's rows. Each value is `((raw - mean) * hann[y]) *
  // hann[x]`, four of a row at a time, then moved in 4 x 4 blocks.
  float *t_re = power;
  const fs_f4 m = fs_splat4(mean);
  for (int y = 0; y < 32; y += 4) {
    const fs_f4 h0 = fs_splat4(hann[y]), h1 = fs_splat4(hann[y + 1]);
    const fs_f4 h2 = fs_splat4(hann[y + 2]), h3 = fs_splat4(hann[y + 3]);
    for (int x = 0; x < 32; x += 4) {
      const fs_f4 hx = fs_load4(hann + x);
      fs_f4 r0 = (fs_load4(raw + y * 32 + x) - m) * h0 * hx;
      fs_f4 r1 = (fs_load4(raw + (y + 1) * 32 + x) - m) * h1 * hx;
      fs_f4 r2 = (fs_load4(raw + (y + 2) * 32 + x) - m) * h2 * hx;
      fs_f4 r3 = (fs_load4(raw + (y + 3) * 32 + x) - m) * h3 * hx;
      fs_transpose4(&r0, &r1, &r2, &r3);
      fs_store4(t_re + x * 32 + y, r0);
      fs_store4(t_re + (x + 1) * 32 + y, r1);
      fs_store4(t_re + (x + 2) * 32 + y, r2);
      fs_store4(t_re + (x + 3) * 32 + y, r3);
    }
  }
  memset(im, 0, 1024 * sizeof(float));
  fs_fft32_columns(t_re, im, cos_table, sin_table);
  fs_transpose32(t_re, re);
  // `im` back to row-major through `power`'s space, now free again.
  memcpy(power, im, 1024 * sizeof(float));
  fs_transpose32(power, im);
  fs_fft32_columns(re, im, cos_table, sin_table);
  for (int i = 0; i < 1024; i++) power[i] = re[i] * re[i] + im[i] * im[i];
  // The AC total: one running sum in bin order, leaving out bins 0 (DC), 1 and 31 (kx = +-1),
  // 32 and 992 (ky = +-1).
  float total = 0;
  for (int i = 0; i < 1024; i++) {
    if (i == 0 || i == 1 || i == 31 || i == 32 || i == 992) continue;
    total += power[i];
  }
  return total;
}

void fs_pattern_quadrants(const float *raw, const float *cos_x, const float *sin_x,
                          const float *cos_y, const float *sin_y,
                          fs_pattern_quadrant_sums out[4]) {
  // The four quadrants side by side: lane q holds quadrant q's pixel (x, y).
  fs_f4 values[256];
  for (int y = 0; y < 16; y++) {
    for (int x = 0; x < 16; x++) {
      values[y * 16 + x] = (fs_f4){raw[y * 32 + x], raw[y * 32 + 16 + x],
                                   raw[(16 + y) * 32 + x], raw[(16 + y) * 32 + 16 + x]};
    }
  }
  fs_f4 qm = fs_splat4(0);
  for (int i = 0; i < 256; i++) qm += values[i];
  qm /= fs_splat4(256);
  const fs_f4 zero = fs_splat4(0), one = fs_splat4(1);
  fs_f4 variance = zero, light_sum = zero, light_n = zero, dark_sum = zero, dark_n = zero;
  fs_f4 xr = zero, xi = zero;
  for (int y = 0; y < 16; y++) {
    fs_f4 rr = zero, ri = zero;
    for (int x = 0; x < 16; x++) {
      const fs_f4 value = values[y * 16 + x];
      const fs_f4 v = value - qm;
      variance += v * v;
      // Light when above the mean, dark otherwise: the other sum gets +0, which leaves it as
      // it is (the sums start at +0 and the values are not negative, so no sum is ever -0).
      const fs_i4 light = v > zero;
      light_sum += (fs_f4)((fs_i4)value & light);
      light_n += (fs_f4)((fs_i4)one & light);
      dark_sum += (fs_f4)((fs_i4)value & ~light);
      dark_n += (fs_f4)((fs_i4)one & ~light);
      rr += v * fs_splat4(cos_x[x]);
      ri -= v * fs_splat4(sin_x[x]);
    }
    const fs_f4 cy = fs_splat4(cos_y[y]), sy = fs_splat4(sin_y[y]);
    xr += rr * cy + ri * sy;
    xi += ri * cy - rr * sy;
  }
  for (int q = 0; q < 4; q++) {
    out[q] = (fs_pattern_quadrant_sums){
        .mean = qm[q],
        .variance = variance[q],
        .light_sum = light_sum[q],
        .light_count = light_n[q],
        .dark_sum = dark_sum[q],
        .dark_count = dark_n[q],
        .xr = xr[q],
        .xi = xi[q],
    };
  }
}
