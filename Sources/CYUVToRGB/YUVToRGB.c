// swscale's unscaled YUV 4:2:0 -> RGB24 arithmetic; the header says what it computes.
#include "CYUVToRGB.h"

#include "CCPUFeatures.h"

/// libswscale's `roundToInt16`: 16.16 fixed point to a rounded, clipped 16-bit value.
static int16_t round_to_int16(int64_t f) {
  int64_t r = (f + (1 << 15)) >> 16;
  if (r < -0x7FFF) return (int16_t)-0x8000;
  if (r > 0x7FFF) return 0x7FFF;
  return (int16_t)r;
}

void fs_yuv_rgb_coefficients_make(const int inv_table[4], int full_range, int brightness,
                                  int contrast, int saturation, fs_yuv_rgb_coefficients *out) {
  int64_t crv = inv_table[0];
  int64_t cbu = inv_table[1];
  int64_t cgu = -(int64_t)inv_table[2];
  int64_t cgv = -(int64_t)inv_table[3];
  int64_t cy = 1 << 16;
  int64_t oy = 0;
  if (!full_range) {
    cy = (cy * 255) / 219;
    oy = 16 << 16;
  } else {
    crv = (crv * 224) / 255;
    cbu = (cbu * 224) / 255;
    cgu = (cgu * 224) / 255;
    cgv = (cgv * 224) / 255;
  }
  cy = (cy * contrast) >> 16;
  crv = (crv * contrast * saturation) >> 32;
  cbu = (cbu * contrast * saturation) >> 32;
  cgu = (cgu * contrast * saturation) >> 32;
  cgv = (cgv * contrast * saturation) >> 32;
  oy -= 256LL * brightness;
  out->u_offset = 0x0400;
  out->v_offset = 0x0400;
  out->y_coeff = round_to_int16(cy * (1 << 13));
  out->vr_coeff = round_to_int16(crv * (1 << 13));
  out->ub_coeff = round_to_int16(cbu * (1 << 13));
  out->vg_coeff = round_to_int16(cgv * (1 << 13));
  out->ug_coeff = round_to_int16(cgu * (1 << 13));
  out->y_offset = round_to_int16(oy * (1 << 3));
}

// ---- scalar: the reference

/// `pmulhw`: the high 16 bits of the signed 32-bit product.
static inline int32_t mulhi(int32_t a, int32_t b) { return (a * b) >> 16; }

/// `paddsw` / `psubsw`: 16-bit saturating.
static inline int32_t sat16(int32_t x) { return x < -32768 ? -32768 : (x > 32767 ? 32767 : x); }

/// `packuswb`: to 0...255.
static inline uint8_t clamp8(int32_t x) { return (uint8_t)(x < 0 ? 0 : (x > 255 ? 255 : x)); }

/// `psubw`: 16-bit wrapping.
static inline int32_t wrap16(int32_t x) { return (int16_t)(uint16_t)(uint32_t)x; }

/// One pixel from its Y and its block's U and V: rgb[0] = R, rgb[1] = G, rgb[2] = B.
static inline void pixel(const fs_yuv_rgb_coefficients *c, uint8_t y, uint8_t u, uint8_t v,
                         uint8_t *rgb) {
  int32_t uu = sat16((int32_t)u * 8 - c->u_offset);
  int32_t vv = sat16((int32_t)v * 8 - c->v_offset);
  int32_t g_uv = sat16(mulhi(uu, c->ug_coeff) + mulhi(vv, c->vg_coeff));
  int32_t yy = mulhi(wrap16((int32_t)y * 8 - c->y_offset), c->y_coeff);
  rgb[0] = clamp8(sat16(yy + mulhi(vv, c->vr_coeff)));
  rgb[1] = clamp8(sat16(yy + g_uv));
  rgb[2] = clamp8(sat16(yy + mulhi(uu, c->ub_coeff)));
}

static void row_scalar(const fs_yuv_rgb_coefficients *c, const uint8_t *y, const uint8_t *u,
                       const uint8_t *v, int32_t from, int32_t width, uint8_t *dst) {
  for (int32_t x = from; x < width; x++) pixel(c, y[x], u[x >> 1], v[x >> 1], dst + 3 * (ptrdiff_t)x);
}

static void sum_row_scalar(const fs_yuv_rgb_coefficients *c, const uint8_t *y, const uint8_t *u,
                           const uint8_t *v, int32_t from, int32_t width, uint16_t *dst) {
  for (int32_t x = from; x < width; x++) {
    uint8_t rgb[3];
    pixel(c, y[x], u[x >> 1], v[x >> 1], rgb);
    dst[x] = (uint16_t)(rgb[0] + rgb[1] + rgb[2]);
  }
}

#if FS_X86
// ---- avx2: 32 pixels a step. 16-bit lane i holds pixels 2i (low byte of the Y load) and 2i + 1
// (high byte), which share chroma sample i: the even pixels and the odd ones are computed as two
// vectors, as swscale's code does, and their bytes put back side by side.

/// Byte indices for one 128-bit lane of 16 R, G, B bytes: the 48 bytes R0 G0 B0 R1 ... in three
/// 16-byte parts, -128 where the part takes the byte from another channel.
static const int8_t kShuffle[3][3][16] = {
    // part 0: pixels 0-5 (R0 G0 B0 ... R5)
    {{0, -128, -128, 1, -128, -128, 2, -128, -128, 3, -128, -128, 4, -128, -128, 5},
     {-128, 0, -128, -128, 1, -128, -128, 2, -128, -128, 3, -128, -128, 4, -128, -128},
     {-128, -128, 0, -128, -128, 1, -128, -128, 2, -128, -128, 3, -128, -128, 4, -128}},
    // part 1: G5 B5 R6 ... G10
    {{-128, -128, 6, -128, -128, 7, -128, -128, 8, -128, -128, 9, -128, -128, 10, -128},
     {5, -128, -128, 6, -128, -128, 7, -128, -128, 8, -128, -128, 9, -128, -128, 10},
     {-128, 5, -128, -128, 6, -128, -128, 7, -128, -128, 8, -128, -128, 9, -128, -128}},
    // part 2: B10 R11 G11 ... B15
    {{-128, 11, -128, -128, 12, -128, -128, 13, -128, -128, 14, -128, -128, 15, -128, -128},
     {-128, -128, 11, -128, -128, 12, -128, -128, 13, -128, -128, 14, -128, -128, 15, -128},
     {10, -128, -128, 11, -128, -128, 12, -128, -128, 13, -128, -128, 14, -128, -128, 15}},
};

FS_AVX2 static inline __m256i shuffle_mask(int part, int channel) {
  __m128i m = _mm_loadu_si128((const __m128i *)(const void *)kShuffle[part][channel]);
  return _mm256_broadcastsi128_si256(m);
}

/// The constants, one per 16-bit lane.
typedef struct avx2_constants {
  __m256i y_coeff, y_offset, u_offset, v_offset, vr, ub, ug, vg, low_bytes;
} avx2_constants;

FS_AVX2 static inline avx2_constants avx2_constants_of(const fs_yuv_rgb_coefficients *c) {
  avx2_constants k;
  k.y_coeff = _mm256_set1_epi16(c->y_coeff);
  k.y_offset = _mm256_set1_epi16(c->y_offset);
  k.u_offset = _mm256_set1_epi16(c->u_offset);
  k.v_offset = _mm256_set1_epi16(c->v_offset);
  k.vr = _mm256_set1_epi16(c->vr_coeff);
  k.ub = _mm256_set1_epi16(c->ub_coeff);
  k.ug = _mm256_set1_epi16(c->ug_coeff);
  k.vg = _mm256_set1_epi16(c->vg_coeff);
  k.low_bytes = _mm256_set1_epi16(0x00FF);
  return k;
}

/// The chroma terms of 16 chroma samples, which the 32 pixels above them in both rows of a 2 x 2
/// block row share (computed once for the two rows).
typedef struct avx2_chroma {
  __m256i r_v, g_uv, b_u;
} avx2_chroma;

FS_AVX2 static inline avx2_chroma avx2_chroma_of(const avx2_constants *k, const uint8_t *u,
                                                 const uint8_t *v) {
  __m256i uv = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(const void *)u));
  __m256i vv = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(const void *)v));
  uv = _mm256_subs_epi16(_mm256_slli_epi16(uv, 3), k->u_offset);
  vv = _mm256_subs_epi16(_mm256_slli_epi16(vv, 3), k->v_offset);
  avx2_chroma ch;
  ch.g_uv = _mm256_adds_epi16(_mm256_mulhi_epi16(uv, k->ug), _mm256_mulhi_epi16(vv, k->vg));
  ch.b_u = _mm256_mulhi_epi16(uv, k->ub);
  ch.r_v = _mm256_mulhi_epi16(vv, k->vr);
  return ch;
}

/// Y's term of the 32 pixels at `y`: `even` lane j pixel 2 j, `odd` pixel 2 j + 1.
typedef struct avx2_luma {
  __m256i even, odd;
} avx2_luma;

FS_AVX2 static inline avx2_luma avx2_luma_of(const avx2_constants *k, const uint8_t *y) {
  __m256i yv = _mm256_loadu_si256((const __m256i *)(const void *)y);
  __m256i y_even = _mm256_slli_epi16(_mm256_and_si256(yv, k->low_bytes), 3);
  __m256i y_odd = _mm256_slli_epi16(_mm256_srli_epi16(yv, 8), 3);
  avx2_luma out;
  out.even = _mm256_mulhi_epi16(_mm256_sub_epi16(y_even, k->y_offset), k->y_coeff);
  out.odd = _mm256_mulhi_epi16(_mm256_sub_epi16(y_odd, k->y_offset), k->y_coeff);
  return out;
}

/// R, G, B of 32 pixels before the clamp to 0...255 (16-bit, saturated as swscale's): `even`
/// lane j is pixel 2 j, `odd` lane j pixel 2 j + 1; [0] R, [1] G, [2] B.
typedef struct avx2_block {
  __m256i even[3], odd[3];
} avx2_block;

FS_AVX2 static inline avx2_block avx2_pixels(const avx2_constants *k, const uint8_t *y,
                                             const uint8_t *u, const uint8_t *v) {
  avx2_luma l = avx2_luma_of(k, y);
  avx2_chroma ch = avx2_chroma_of(k, u, v);
  avx2_block out;
  out.even[0] = _mm256_adds_epi16(l.even, ch.r_v);
  out.even[1] = _mm256_adds_epi16(l.even, ch.g_uv);
  out.even[2] = _mm256_adds_epi16(l.even, ch.b_u);
  out.odd[0] = _mm256_adds_epi16(l.odd, ch.r_v);
  out.odd[1] = _mm256_adds_epi16(l.odd, ch.g_uv);
  out.odd[2] = _mm256_adds_epi16(l.odd, ch.b_u);
  return out;
}

FS_AVX2 static void row_avx2(const fs_yuv_rgb_coefficients *c, const uint8_t *y,
                             const uint8_t *u, const uint8_t *v, int32_t width, uint8_t *dst) {
  const avx2_constants k = avx2_constants_of(c);
  __m256i masks[3][3];
  for (int part = 0; part < 3; part++) {
    for (int channel = 0; channel < 3; channel++) masks[part][channel] = shuffle_mask(part, channel);
  }
  int32_t x = 0;
  for (; x + 32 <= width; x += 32) {
    avx2_block p = avx2_pixels(&k, y + x, u + x / 2, v + x / 2);
    // packus to bytes within each 128-bit lane (bytes 0-7 the lane's even pixels, 8-15 its odd
    // ones, `packuswb` as swscale clamps), then the two interleaved back into pixel order: each
    // lane holds 16 pixels in order (lane 0 pixels 0-15, lane 1 16-31).
    __m256i ch[3];
    for (int i = 0; i < 3; i++) {
      __m256i packed = _mm256_packus_epi16(p.even[i], p.odd[i]);
      ch[i] = _mm256_unpacklo_epi8(packed, _mm256_srli_si256(packed, 8));
    }
    __m256i out[3];
    for (int part = 0; part < 3; part++) {
      out[part] = _mm256_or_si256(
          _mm256_or_si256(_mm256_shuffle_epi8(ch[0], masks[part][0]),
                          _mm256_shuffle_epi8(ch[1], masks[part][1])),
          _mm256_shuffle_epi8(ch[2], masks[part][2]));
    }
    uint8_t *o = dst + 3 * (ptrdiff_t)x;
    _mm256_storeu_si256((__m256i *)(void *)o, _mm256_permute2x128_si256(out[0], out[1], 0x20));
    _mm256_storeu_si256((__m256i *)(void *)(o + 32),
                        _mm256_permute2x128_si256(out[2], out[0], 0x30));
    _mm256_storeu_si256((__m256i *)(void *)(o + 64),
                        _mm256_permute2x128_si256(out[1], out[2], 0x31));
  }
  if (x < width) row_scalar(c, y, u, v, x, width, dst);
}

/// R + G + B of the 32 pixels at `y` with the chroma terms `ch`, written at `dst` in pixel order.
/// `packuswb` clamps each channel to 0...255 (as swscale does) two vectors at a time, and
/// `pmaddubsw` adds R and G byte pairs into 16 bits.
FS_AVX2 static inline void sum32_avx2(const avx2_constants *k, const avx2_chroma *ch,
                                      const uint8_t *y, uint16_t *dst) {
  avx2_luma l = avx2_luma_of(k, y);
  // Each 128-bit lane: bytes 0-7 its even pixels, 8-15 its odd ones.
  __m256i r = _mm256_packus_epi16(_mm256_adds_epi16(l.even, ch->r_v),
                                  _mm256_adds_epi16(l.odd, ch->r_v));
  __m256i g = _mm256_packus_epi16(_mm256_adds_epi16(l.even, ch->g_uv),
                                  _mm256_adds_epi16(l.odd, ch->g_uv));
  __m256i b = _mm256_packus_epi16(_mm256_adds_epi16(l.even, ch->b_u),
                                  _mm256_adds_epi16(l.odd, ch->b_u));
  const __m256i ones = _mm256_set1_epi8(1);
  const __m256i zero = _mm256_setzero_si256();
  __m256i even = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_unpacklo_epi8(r, g), ones),
                                  _mm256_unpacklo_epi8(b, zero));
  __m256i odd = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_unpackhi_epi8(r, g), ones),
                                 _mm256_unpackhi_epi8(b, zero));
  // Interleaved per 128-bit half: lo holds pixels 0-7 and 16-23, hi 8-15 and 24-31.
  __m256i lo = _mm256_unpacklo_epi16(even, odd);
  __m256i hi = _mm256_unpackhi_epi16(even, odd);
  _mm256_storeu_si256((__m256i *)(void *)dst, _mm256_permute2x128_si256(lo, hi, 0x20));
  _mm256_storeu_si256((__m256i *)(void *)(dst + 16), _mm256_permute2x128_si256(lo, hi, 0x31));
}

FS_AVX2 static void sum_row_avx2(const fs_yuv_rgb_coefficients *c, const uint8_t *y,
                                 const uint8_t *u, const uint8_t *v, int32_t width,
                                 uint16_t *dst) {
  const avx2_constants k = avx2_constants_of(c);
  int32_t x = 0;
  for (; x + 32 <= width; x += 32) {
    avx2_chroma ch = avx2_chroma_of(&k, u + x / 2, v + x / 2);
    sum32_avx2(&k, &ch, y + x, dst + x);
  }
  if (x < width) sum_row_scalar(c, y, u, v, x, width, dst);
}

/// How far ahead (bytes of Y) `sum_rows2_avx2` asks for its rows: the T table's workers convert
/// the decoder's planes a chunk after they were decoded, from memory, and most of the loop's time
/// was the wait for the second row's loads (`perf annotate`); with the prefetch the loop took
/// 6.9% of a 3.5 Mbit/s 1080p scan's samples instead of 8.1%.
enum { SUM_PREFETCH = 1024 };

/// `sum_row_avx2` of two rows that share their chroma row (`y0` above `y1`): the chroma terms
/// once for both, and the four streams (two Y rows, U, V) fetched ahead.
FS_AVX2 static void sum_rows2_avx2(const fs_yuv_rgb_coefficients *c, const uint8_t *y0,
                                   const uint8_t *y1, const uint8_t *u, const uint8_t *v,
                                   int32_t width, uint16_t *dst0, uint16_t *dst1) {
  const avx2_constants k = avx2_constants_of(c);
  int32_t x = 0;
  for (; x + 32 <= width; x += 32) {
    if ((x & 63) == 0) {
      _mm_prefetch((const char *)(y0 + x) + SUM_PREFETCH, _MM_HINT_T0);
      _mm_prefetch((const char *)(y1 + x) + SUM_PREFETCH, _MM_HINT_T0);
      if ((x & 127) == 0) {
        _mm_prefetch((const char *)(u + x / 2) + SUM_PREFETCH / 2, _MM_HINT_T0);
        _mm_prefetch((const char *)(v + x / 2) + SUM_PREFETCH / 2, _MM_HINT_T0);
      }
    }
    avx2_chroma ch = avx2_chroma_of(&k, u + x / 2, v + x / 2);
    sum32_avx2(&k, &ch, y0 + x, dst0 + x);
    sum32_avx2(&k, &ch, y1 + x, dst1 + x);
  }
  if (x < width) {
    sum_row_scalar(c, y0, u, v, x, width, dst0);
    sum_row_scalar(c, y1, u, v, x, width, dst1);
  }
}
#endif

int fs_yuv_path_available(int path) {
  switch (path) {
  case FS_YUV_PATH_SCALAR: return 1;
#if FS_X86
  case FS_YUV_PATH_AVX2: return fs_cpu_has_avx2();
#endif
  default: return 0;
  }
}

/// The rows of either output: rgb24 bytes (`sums` 0, `dst_stride` in bytes) or key values
/// (`sums` 1, `dst_stride` in values).
static int convert_rows(const fs_yuv_rgb_coefficients *c, const uint8_t *y, ptrdiff_t y_stride,
                        const uint8_t *u, ptrdiff_t u_stride, const uint8_t *v,
                        ptrdiff_t v_stride, int32_t width, int32_t height, void *dst,
                        ptrdiff_t dst_stride, int sums, int path) {
  if (!fs_yuv_path_available(path)) return -2;
  if (!c || !y || !u || !v || !dst || width < 0 || height < 0) return -1;
  for (int32_t r = 0; r < height; r++) {
    const uint8_t *yr = y + r * y_stride;
    const uint8_t *ur = u + (r >> 1) * u_stride;
    const uint8_t *vr = v + (r >> 1) * v_stride;
    uint8_t *bytes = (uint8_t *)dst + r * dst_stride;
    uint16_t *keys = (uint16_t *)dst + r * dst_stride;
#if FS_X86
    if (path == FS_YUV_PATH_AVX2) {
      if (sums && (r & 1) == 0 && r + 1 < height) {
        sum_rows2_avx2(c, yr, yr + y_stride, ur, vr, width, keys, keys + dst_stride);
        r++;
        continue;
      }
      if (sums) sum_row_avx2(c, yr, ur, vr, width, keys);
      else row_avx2(c, yr, ur, vr, width, bytes);
      continue;
    }
#endif
    if (sums) sum_row_scalar(c, yr, ur, vr, 0, width, keys);
    else row_scalar(c, yr, ur, vr, 0, width, bytes);
  }
  return 0;
}

int fs_yuv420_to_rgb24(const fs_yuv_rgb_coefficients *c, const uint8_t *y, ptrdiff_t y_stride,
                       const uint8_t *u, ptrdiff_t u_stride, const uint8_t *v, ptrdiff_t v_stride,
                       int32_t width, int32_t height, uint8_t *dst, ptrdiff_t dst_stride,
                       int path) {
  return convert_rows(c, y, y_stride, u, u_stride, v, v_stride, width, height, dst, dst_stride, 0,
                      path);
}

int fs_yuv420_to_rgb_sum(const fs_yuv_rgb_coefficients *c, const uint8_t *y, ptrdiff_t y_stride,
                         const uint8_t *u, ptrdiff_t u_stride, const uint8_t *v,
                         ptrdiff_t v_stride, int32_t width, int32_t height, uint16_t *dst,
                         ptrdiff_t dst_stride, int path) {
  return convert_rows(c, y, y_stride, u, u_stride, v, v_stride, width, height, dst, dst_stride, 1,
                      path);
}

void fs_rgb24_to_sum(const uint8_t *rgb, ptrdiff_t stride, int32_t width, int32_t height,
                     uint16_t *dst, ptrdiff_t dst_stride) {
  for (int32_t r = 0; r < height; r++) {
    const uint8_t *p = rgb + r * stride;
    uint16_t *d = dst + r * dst_stride;
    for (int32_t x = 0; x < width; x++) {
      d[x] = (uint16_t)(p[3 * x] + p[3 * x + 1] + p[3 * x + 2]);
    }
  }
}
