// The T table's pair kernel for the table gray modes; the header says what it computes.
#include "CTKernel.h"

#include "CCPUFeatures.h"
#include "CYUVToRGB.h"

#include <stdlib.h>
#include <string.h>

/// Pixels of each frame screened before moving on to the next pair: a strip of the pair's second
/// frame is still in L1 when the next pair reads it as its first (12 KiB a strip in mean mode).
enum { STRIP_PIXELS = 4096 };

/// How far ahead (bytes) the screen asks for the frames it has not read yet: the frames come
/// from memory (the decoder wrote them a chunk ago), and the loads, not the arithmetic, set the
/// kernel's speed. Only the pair's second frame, and the first frame of the first pair, are
/// fetched: the other first frames are the previous pair's second, already in cache.
enum { PREFETCH_BYTES = 2048 };

/// One pair's screen: a pixel can enter the rises only if some byte rose by more than `rise_byte`
/// and its key by at least `rise_step`; the same for falls.
typedef struct bounds {
  int32_t rise_step;
  int32_t fall_step;
  uint8_t rise_byte;
  uint8_t fall_byte;
} bounds;

/// The smallest key step d with reach[d] > t (`count` when none): a change with a smaller key step
/// is at most reach[d], which does not beat t. `LuminanceModel.keyStepBound` in Swift.
static int32_t key_step_bound(const fs_t_model *m, double t) {
  int32_t lo = 0, hi = m->count;
  while (lo < hi) {
    int32_t mid = (lo + hi) / 2;
    if (m->reach[mid] > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/// When no byte of a pixel rose by more than this, its key rose by at most channels times it,
/// which is below the key-step bound. `LuminanceModel.byteStepBound` in Swift.
static uint8_t byte_step_bound(const fs_t_model *m, int32_t step) {
  if (step >= m->count) return 255;
  int32_t b = (step > 1 ? step - 1 : 0) / m->channels;
  return (uint8_t)(b < 255 ? b : 255);
}

static void set_bounds(const fs_t_model *m, const fs_t_pair *pair, bounds *b) {
  b->rise_step = key_step_bound(m, pair->pos[0]);
  b->fall_step = key_step_bound(m, pair->neg[0]);
  b->rise_byte = byte_step_bound(m, b->rise_step);
  b->fall_byte = byte_step_bound(m, b->fall_step);
}

/// Inserts x (above v[0]) into the ascending k values, dropping the smallest: `TopK.insert`.
static inline void top_insert(double *v, int32_t k, double x) {
  int32_t i = 0, last = k - 1;
  while (i < last && v[i + 1] < x) {
    v[i] = v[i + 1];
    i++;
  }
  v[i] = x;
}

static inline int32_t key_at(const uint8_t *frame, ptrdiff_t j, int32_t channels) {
  if (channels == 3) {
    const uint8_t *p = frame + 3 * j;
    return (int32_t)p[0] + (int32_t)p[1] + (int32_t)p[2];
  }
  return frame[j];
}

/// One pixel's change from key a to key c: a rise (fall) at least the pair's key-step bound is
/// computed in double and enters the rises (falls) if it beats the k-th value. 1 when it entered.
static inline int consider(const double *table, int32_t a, int32_t c, fs_t_pair *pair,
                           const bounds *b) {
  if (c - a >= b->rise_step) {
    double e = table[c] - table[a];
    if (e > pair->pos[0]) {
      top_insert(pair->pos, pair->k, e);
      return 1;
    }
  } else if (a - c >= b->fall_step) {
    double e = table[a] - table[c];
    if (e > pair->neg[0]) {
      top_insert(pair->neg, pair->k, e);
      return 1;
    }
  }
  return 0;
}

/// The exact test of pixels from ..< to: the key-step bound, then D in double against the k-th
/// value (`FlashKernel.testExactly` in Swift).
static void test_exactly(const fs_t_model *m, const uint8_t *prev, const uint8_t *cur,
                         ptrdiff_t from, ptrdiff_t to, int32_t channels, fs_t_pair *pair,
                         bounds *b) {
  int changed = 0;
  for (ptrdiff_t j = from; j < to; j++) {
    changed |= consider(m->table, key_at(prev, j, channels), key_at(cur, j, channels), pair, b);
  }
  if (changed) set_bounds(m, pair, b);
}

/// A group of `n` pixels that passed the byte screen: in mean mode its key steps are checked
/// against the key-step bounds first (most groups where one byte moved far still fail them),
/// then the passing group is tested exactly.
static inline void test_group(const fs_t_model *m, const uint8_t *prev, const uint8_t *cur,
                              ptrdiff_t from, int32_t n, int32_t channels, fs_t_pair *pair,
                              bounds *b) {
  if (channels == 3) {
    int32_t most = -1000, least = 1000;
    for (int32_t k = 0; k < n; k++) {
      int32_t d = key_at(cur, from + k, 3) - key_at(prev, from + k, 3);
      most = d > most ? d : most;
      least = d < least ? d : least;
    }
    if (most < b->rise_step && -least < b->fall_step) return;
  }
  test_exactly(m, prev, cur, from, from + n, channels, pair, b);
}

// ---- generic: 16-byte vectors (GCC/Clang vector extensions: SSE2 on x86-64, NEON on arm64)

typedef uint8_t v16u8 __attribute__((vector_size(16)));
typedef uint64_t v2u64 __attribute__((vector_size(16)));

static inline v16u8 load16(const uint8_t *p) {
  v16u8 v;
  memcpy(&v, p, 16);
  return v;
}

/// max(a - b, 0) per byte (SSE2 `psubusb`, NEON `uqsub`).
static inline v16u8 sub_sat16(v16u8 a, v16u8 b) {
  v16u8 m = a > b;
  return (a - b) & m;
}

/// Nonzero when some byte of the `vectors` 16-byte vectors at p, c rose by more than `rise` or
/// fell by more than `fall`.
static inline int moved16(const uint8_t *p, const uint8_t *c, int vectors, v16u8 rise,
                          v16u8 fall) {
  v16u8 acc = {0};
  for (int v = 0; v < vectors; v++) {
    v16u8 x = load16(c + 16 * v), y = load16(p + 16 * v);
    acc |= sub_sat16(sub_sat16(x, y), rise) | sub_sat16(sub_sat16(y, x), fall);
  }
  v2u64 w = (v2u64)acc;
  return (w[0] | w[1]) != 0;
}

/// Pixels from ..< to of one pair, groups of 16 pixels (`channels` vectors each).
static void screen_generic(const fs_t_model *m, const uint8_t *prev, const uint8_t *cur,
                           ptrdiff_t from, ptrdiff_t to, int32_t channels, int fetch_prev,
                           fs_t_pair *pair, bounds *b) {
  enum { G = 16 };
  ptrdiff_t i = from;
  v16u8 rise = (v16u8){0} + b->rise_byte, fall = (v16u8){0} + b->fall_byte;
  for (; i + G <= to; i += G) {
    // About one prefetch per 64-byte line: 3 of every 4 groups in mean mode, 1 in 4 in luma.
    if (((i * channels) & 63) < G * channels) {
      __builtin_prefetch(cur + i * channels + PREFETCH_BYTES);
      if (fetch_prev) __builtin_prefetch(prev + i * channels + PREFETCH_BYTES);
    }
    if (!moved16(prev + i * channels, cur + i * channels, channels, rise, fall)) continue;
    test_group(m, prev, cur, i, G, channels, pair, b);
    rise = (v16u8){0} + b->rise_byte;
    fall = (v16u8){0} + b->fall_byte;
  }
  if (i < to) test_exactly(m, prev, cur, i, to, channels, pair, b);
}

#if FS_X86
// ---- avx2: 32-byte vectors, groups of 32 pixels

FS_AVX2 static void screen_avx2(const fs_t_model *m, const uint8_t *prev, const uint8_t *cur,
                                ptrdiff_t from, ptrdiff_t to, int32_t channels, int fetch_prev,
                                fs_t_pair *pair, bounds *b) {
  enum { G = 32 };
  ptrdiff_t i = from;
  __m256i rise = _mm256_set1_epi8((char)b->rise_byte);
  __m256i fall = _mm256_set1_epi8((char)b->fall_byte);
  for (; i + G <= to; i += G) {
    const uint8_t *p = prev + i * channels, *c = cur + i * channels;
    // The group's 32 (luma) or 96 (mean) bytes, PREFETCH_BYTES ahead, one prefetch per line.
    for (int v = 0; v < channels; v += 2) {
      _mm_prefetch((const char *)c + PREFETCH_BYTES + 64 * (v / 2), _MM_HINT_T0);
      if (fetch_prev) _mm_prefetch((const char *)p + PREFETCH_BYTES + 64 * (v / 2), _MM_HINT_T0);
    }
    __m256i acc = _mm256_setzero_si256();
    for (int v = 0; v < channels; v++) {
      __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(c + 32 * v));
      __m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32 * v));
      acc = _mm256_or_si256(
          acc, _mm256_or_si256(_mm256_subs_epu8(_mm256_subs_epu8(x, y), rise),
                               _mm256_subs_epu8(_mm256_subs_epu8(y, x), fall)));
    }
    if (_mm256_testz_si256(acc, acc)) continue;
    test_group(m, prev, cur, i, G, channels, pair, b);
    rise = _mm256_set1_epi8((char)b->rise_byte);
    fall = _mm256_set1_epi8((char)b->fall_byte);
  }
  if (i < to) test_exactly(m, prev, cur, i, to, channels, pair, b);
}

#endif

// ---- key planes (mean mode): each pixel's key stored as one 16-bit value

/// The exact test of keys from ..< to (`test_exactly` on key planes).
static void test_sums(const fs_t_model *m, const uint16_t *prev, const uint16_t *cur,
                      ptrdiff_t from, ptrdiff_t to, fs_t_pair *pair, bounds *b) {
  int changed = 0;
  for (ptrdiff_t j = from; j < to; j++) changed |= consider(m->table, prev[j], cur[j], pair, b);
  if (changed) set_bounds(m, pair, b);
}

typedef int16_t v8i16 __attribute__((vector_size(16)));

/// The key steps a group must exceed: a rise of at least rise_step is more than rise_step - 1
/// (at most 765, so no key step ever exceeds it when rise_step is the model's count).
static inline int16_t step_limit(int32_t step) { return (int16_t)(step > 766 ? 765 : step - 1); }

static void screen_sums_generic(const fs_t_model *m, const uint16_t *prev, const uint16_t *cur,
                                ptrdiff_t from, ptrdiff_t to, int fetch_prev, fs_t_pair *pair,
                                bounds *b) {
  enum { G = 8 };
  ptrdiff_t i = from;
  v8i16 rise = (v8i16){0} + step_limit(b->rise_step);
  v8i16 fall = (v8i16){0} + step_limit(b->fall_step);
  for (; i + G <= to; i += G) {
    if ((i & 31) == 0) {
      __builtin_prefetch(cur + i + PREFETCH_BYTES / 2);
      if (fetch_prev) __builtin_prefetch(prev + i + PREFETCH_BYTES / 2);
    }
    v8i16 x, y;
    memcpy(&x, cur + i, 16);
    memcpy(&y, prev + i, 16);
    v8i16 d = x - y;
    v8i16 hit = (d > rise) | ((-d) > fall);
    v2u64 w = (v2u64)hit;
    if ((w[0] | w[1]) == 0) continue;
    test_sums(m, prev, cur, i, i + G, pair, b);
    rise = (v8i16){0} + step_limit(b->rise_step);
    fall = (v8i16){0} + step_limit(b->fall_step);
  }
  if (i < to) test_sums(m, prev, cur, i, to, pair, b);
}

#if FS_X86
FS_AVX2 static void screen_sums_avx2(const fs_t_model *m, const uint16_t *prev,
                                     const uint16_t *cur, ptrdiff_t from, ptrdiff_t to,
                                     int fetch_prev, fs_t_pair *pair, bounds *b) {
  enum { G = 16 };
  ptrdiff_t i = from;
  __m256i rise = _mm256_set1_epi16(step_limit(b->rise_step));
  __m256i fall = _mm256_set1_epi16(step_limit(b->fall_step));
  for (; i + G <= to; i += G) {
    if ((i & 31) == 0) {
      _mm_prefetch((const char *)(cur + i) + PREFETCH_BYTES, _MM_HINT_T0);
      if (fetch_prev) _mm_prefetch((const char *)(prev + i) + PREFETCH_BYTES, _MM_HINT_T0);
    }
    __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(cur + i));
    __m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(prev + i));
    __m256i d = _mm256_sub_epi16(x, y);
    __m256i hit = _mm256_or_si256(_mm256_cmpgt_epi16(d, rise),
                                  _mm256_cmpgt_epi16(_mm256_sub_epi16(y, x), fall));
    if (_mm256_testz_si256(hit, hit)) continue;
    test_sums(m, prev, cur, i, i + G, pair, b);
    rise = _mm256_set1_epi16(step_limit(b->rise_step));
    fall = _mm256_set1_epi16(step_limit(b->fall_step));
  }
  if (i < to) test_sums(m, prev, cur, i, to, pair, b);
}
#endif

int fs_t_path_available(int path) {
  switch (path) {
  case FS_T_PATH_GENERIC: return 1;
#if FS_X86
  case FS_T_PATH_AVX2: return fs_cpu_has_avx2();
#endif
  default: return 0;
  }
}

int fs_t_best_path(void) {
#if FS_X86
  if (fs_cpu_has_avx2()) return FS_T_PATH_AVX2;
#endif
  return FS_T_PATH_GENERIC;
}

/// Screens pixels from ..< to of one pair (`prev`, `cur`: frames of bytes or of keys).
typedef void (*screen_fn)(const fs_t_model *m, const void *prev, const void *cur, ptrdiff_t from,
                          ptrdiff_t to, int fetch_prev, fs_t_pair *pair, bounds *b, int path);

static void screen_bytes(const fs_t_model *m, const void *prev, const void *cur, ptrdiff_t from,
                         ptrdiff_t to, int fetch_prev, fs_t_pair *pair, bounds *b, int path) {
#if FS_X86
  if (path == FS_T_PATH_AVX2) {
    screen_avx2(m, prev, cur, from, to, m->channels, fetch_prev, pair, b);
    return;
  }
#endif
  (void)path;
  screen_generic(m, prev, cur, from, to, m->channels, fetch_prev, pair, b);
}

static void screen_keys(const fs_t_model *m, const void *prev, const void *cur, ptrdiff_t from,
                        ptrdiff_t to, int fetch_prev, fs_t_pair *pair, bounds *b, int path) {
#if FS_X86
  if (path == FS_T_PATH_AVX2) {
    screen_sums_avx2(m, prev, cur, from, to, fetch_prev, pair, b);
    return;
  }
#endif
  (void)path;
  screen_sums_generic(m, prev, cur, from, to, fetch_prev, pair, b);
}

/// 1 when every one of the `count` pairs keeps at least one value.
static int pairs_valid(const fs_t_pair *pairs, int32_t count) {
  for (int32_t p = 0; p < count; p++) {
    if (pairs[p].k < 1) return 0;
  }
  return 1;
}

/// The pairs of `frames` through `screen`, strip by strip (the arguments already checked).
static int run_pairs(const fs_t_model *model, const void *const *frames, int32_t frame_count,
                     ptrdiff_t pixels, fs_t_pair *pairs, int path, screen_fn screen) {
  if (frame_count < 2 || pixels <= 0) return 0;
  int32_t count = frame_count - 1;
  if (!pairs_valid(pairs, count)) return -1;
  enum { MAX_BATCH = 64 };
  bounds bs[MAX_BATCH];
  // Pairs in batches of at most 64 (a chunk holds at most 16 frames, so one batch in practice).
  for (int32_t first = 0; first < count; first += MAX_BATCH) {
    int32_t n = count - first < MAX_BATCH ? count - first : MAX_BATCH;
    for (int32_t p = 0; p < n; p++) set_bounds(model, &pairs[first + p], &bs[p]);
    for (ptrdiff_t start = 0; start < pixels; start += STRIP_PIXELS) {
      ptrdiff_t end = pixels - start < STRIP_PIXELS ? pixels : start + STRIP_PIXELS;
      for (int32_t p = 0; p < n; p++) {
        screen(model, frames[first + p], frames[first + p + 1], start, end, p == 0,
               &pairs[first + p], &bs[p], path);
      }
    }
  }
  return 0;
}

int fs_t_pairs(const fs_t_model *model, const uint8_t *const *frames, int32_t frame_count,
               ptrdiff_t pixels, fs_t_pair *pairs, int path) {
  if (!fs_t_path_available(path)) return -2;
  int32_t channels = model->channels;
  if ((channels != 1 && channels != 3) || model->count != 255 * channels + 1) return -1;
  return run_pairs(model, (const void *const *)frames, frame_count, pixels, pairs, path,
                   screen_bytes);
}

int fs_t_pairs_sum(const fs_t_model *model, const uint16_t *const *frames, int32_t frame_count,
                   ptrdiff_t pixels, fs_t_pair *pairs, int path) {
  if (!fs_t_path_available(path)) return -2;
  if (model->channels != 3 || model->count != 766) return -1;
  return run_pairs(model, (const void *const *)frames, frame_count, pixels, pairs, path,
                   screen_keys);
}

int fs_t_pairs_frames(const fs_t_model *model, const fs_t_frame *frames, int32_t frame_count,
                      int32_t width, int32_t height, fs_t_pair *pairs, int path) {
  if (!fs_t_path_available(path)) return -2;
  if (model->channels != 3 || model->count != 766 || width < 1 || height < 1 ||
      frame_count < 0 || (frame_count > 0 && !frames))
    return -1;
  for (int32_t f = 0; f < frame_count; f++) {
    if (frames[f].keys) continue;
    if (!frames[f].y || !frames[f].u || !frames[f].v) return -1;
    if (!fs_yuv_path_available(frames[f].conversion_path)) return -2;
  }
  if (frame_count < 2) return 0;
  int32_t count = frame_count - 1;
  if (!pairs_valid(pairs, count)) return -1;
  // Whole row pairs (a 2 x 2 block shares its chroma), about STRIP_PIXELS pixels a strip.
  int32_t rows = (int32_t)(STRIP_PIXELS / width) & ~1;
  if (rows < 2) rows = 2;
  size_t strip = (size_t)rows * (size_t)width + 32;
  uint16_t *buffers = malloc(2 * strip * sizeof(uint16_t));
  bounds *bs = malloc((size_t)count * sizeof(bounds));
  if (!buffers || !bs) {
    free(buffers);
    free(bs);
    return -3;
  }
  for (int32_t p = 0; p < count; p++) set_bounds(model, &pairs[p], &bs[p]);
  for (int32_t top = 0; top < height; top += rows) {
    int32_t strip_rows = height - top < rows ? height - top : rows;
    ptrdiff_t n = (ptrdiff_t)strip_rows * width;
    const uint16_t *prev = NULL;
    for (int32_t f = 0; f < frame_count; f++) {
      const fs_t_frame *frame = &frames[f];
      const uint16_t *cur;
      if (frame->keys) {
        cur = frame->keys + (ptrdiff_t)top * width;
      } else {
        const int16_t *k = frame->coefficients;
        fs_yuv_rgb_coefficients c = {k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]};
        uint16_t *out = buffers + (size_t)(f & 1) * strip;
        // `top` is even, so the strip's first chroma row is top / 2.
        fs_yuv420_to_rgb_sum(&c, frame->y + (ptrdiff_t)top * frame->y_stride, frame->y_stride,
                             frame->u + (ptrdiff_t)(top / 2) * frame->u_stride, frame->u_stride,
                             frame->v + (ptrdiff_t)(top / 2) * frame->v_stride, frame->v_stride,
                             width, strip_rows, out, width, frame->conversion_path);
        cur = out;
      }
      if (f > 0) screen_keys(model, prev, cur, 0, n, 0, &pairs[f - 1], &bs[f - 1], path);
      prev = cur;
    }
  }
  free(buffers);
  free(bs);
  return 0;
}
