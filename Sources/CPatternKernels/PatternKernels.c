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

/// The block sums of one block row from its channel sums `acc` (16- or 32-bit, per the caller),
/// `s` pixels a block; written for a constant `s` so the compiler unrolls the common scales.
#define FS_BLOCK_ROW(ACC_TYPE)                                                                    \
  static inline void fs_block_row_##ACC_TYPE(const ACC_TYPE *acc, int32_t s, int32_t channels,    \
                                             int32_t out_width, float norm, float *row) {         \
    if (channels == 3) {                                                                          \
      for (int32_t bx = 0; bx < out_width; bx++) {                                                \
        const ACC_TYPE *a = acc + (ptrdiff_t)bx * s * 3;                                          \
        uint32_t r = 0, g = 0, b = 0;                                                             \
        for (int32_t k = 0; k < s; k++) {                                                         \
          r += a[3 * k];                                                                          \
          g += a[3 * k + 1];                                                                      \
          b += a[3 * k + 2];                                                                      \
        }                                                                                         \
        int64_t luma = 54 * (int64_t)r + 183 * (int64_t)g + 19 * (int64_t)b;                      \
        row[bx] = (float)luma * norm;                                                             \
      }                                                                                           \
    } else {                                                                                      \
      for (int32_t bx = 0; bx < out_width; bx++) {                                                \
        const ACC_TYPE *a = acc + (ptrdiff_t)bx * s;                                              \
        uint32_t y = 0;                                                                           \
        for (int32_t k = 0; k < s; k++) y += a[k];                                                \
        row[bx] = (float)(256 * (int64_t)y) * norm;                                               \
      }                                                                                           \
    }                                                                                             \
  }
FS_BLOCK_ROW(uint16_t)
FS_BLOCK_ROW(uint32_t)

static void fs_block_row16(const uint16_t *acc, int32_t s, int32_t channels, int32_t out_width,
                           float norm, float *row) {
  // Constant scales (1080p: 6, 720p: 4, 2160p: 12, 1440p: 8) let the block loop unroll.
  switch (s) {
  case 4: fs_block_row_uint16_t(acc, 4, channels, out_width, norm, row); break;
  case 6: fs_block_row_uint16_t(acc, 6, channels, out_width, norm, row); break;
  case 8: fs_block_row_uint16_t(acc, 8, channels, out_width, norm, row); break;
  case 12: fs_block_row_uint16_t(acc, 12, channels, out_width, norm, row); break;
  default: fs_block_row_uint16_t(acc, s, channels, out_width, norm, row); break;
  }
}

void fs_pattern_downscale(const uint8_t *frame, int32_t width, int32_t channels, int32_t scale,
                          int32_t out_width, int32_t out_height, int32_t out_stride,
                          int32_t padded_height, float norm, float *out, uint32_t *scratch) {
  const ptrdiff_t row_bytes = (ptrdiff_t)width * channels;
  const ptrdiff_t used = (ptrdiff_t)out_width * scale * channels;
  for (int32_t by = 0; by < out_height; by++) {
    const uint8_t *first = frame + (ptrdiff_t)by * scale * row_bytes;
    float *row = out + (ptrdiff_t)by * out_stride;
    // Each row is read once: its samples are added to the block row's column sums (a
    // contiguous loop the compiler vectorises), then each block's columns are added. Integer
    // sums: the order does not matter.
    if (scale <= 257) {  // 257 * 255 fits 16 bits
      uint16_t *acc = (uint16_t *)scratch;
      for (ptrdiff_t i = 0; i < used; i++) acc[i] = first[i];
      for (int32_t yy = 1; yy < scale; yy++) {
        const uint8_t *p = first + yy * row_bytes;
        for (ptrdiff_t i = 0; i < used; i++) acc[i] = (uint16_t)(acc[i] + p[i]);
      }
      fs_block_row16(acc, scale, channels, out_width, norm, row);
    } else {
      uint32_t *acc = scratch;
      for (ptrdiff_t i = 0; i < used; i++) acc[i] = first[i];
      for (int32_t yy = 1; yy < scale; yy++) {
        const uint8_t *p = first + yy * row_bytes;
        for (ptrdiff_t i = 0; i < used; i++) acc[i] += p[i];
      }
      fs_block_row_uint32_t(acc, scale, channels, out_width, norm, row);
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

static void fs_transpose32(const float *src, float *dst) {
  for (int y = 0; y < 32; y++) {
    for (int x = 0; x < 32; x++) dst[x * 32 + y] = src[y * 32 + x];
  }
}

float fs_pattern_tile_spectrum(const float *raw, float mean, const float *hann,
                               const float *cos_table, const float *sin_table, float *re,
                               float *im, float *power) {
  // The windowed tile, transposed (in `power`, free until the end): the transform of its
  // columns is the transform of the tile's rows.
  float *t_re = power;
  for (int y = 0; y < 32; y++) {
    for (int x = 0; x < 32; x++) t_re[x * 32 + y] = (raw[y * 32 + x] - mean) * hann[y] * hann[x];
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
