// The T table's per-pair kernel for the table gray modes (mean and luma) in C: the k largest
// rises and falls of luminance between consecutive frames (Docs/Algorithm.md, "Kernel"). Pairs
// are screened on their raw bytes against per-byte bounds derived from the current k-th values;
// only groups of pixels where some byte moved far enough are tested exactly. Every path keeps the
// same values as the Swift kernel (`FlashKernel`), bit for bit: the screen only skips pixels whose
// change provably cannot enter the top k, and the exact test is the same double arithmetic.
#ifndef CTKERNEL_H
#define CTKERNEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The implementations of `fs_t_pairs`; all keep the same values.
enum {
  /// Portable C the compiler vectorises (SSE2 on x86-64, NEON on arm64): 16 pixels a group.
  FS_T_PATH_GENERIC = 0,
  /// x86-64 with AVX2: 32-byte vectors, 32 pixels a group.
  FS_T_PATH_AVX2 = 1
};

/// 1 when this CPU (and this build) can run `path`.
int fs_t_path_available(int path);

/// The fastest path this CPU runs.
int fs_t_best_path(void);

/// A table gray mode: a pixel's key is the sum of its `channels` bytes (3: R + G + B for mean;
/// 1: Y for luma), its luminance `table[key]`.
typedef struct fs_t_model {
  /// Luminance by key, `count` entries (count = 255 * channels + 1).
  const double *table;
  /// `reach[d]`: the largest |table[b] - table[a]| over keys at most d apart, `count` entries,
  /// non-decreasing, reach[0] == 0.
  const double *reach;
  int32_t count;
  int32_t channels;
} fs_t_model;

/// One pair's two top-k lists: `k` values each, ascending (the smallest, the threshold, first),
/// zero-filled at the start. `k` >= 1.
typedef struct fs_t_pair {
  double *pos;
  double *neg;
  int32_t k;
} fs_t_pair;

/// Adds the changes of the pairs (frames[i], frames[i + 1]), i < frame_count - 1, to `pairs[i]`:
/// every rise D = table[b] - table[a] > 0 and fall table[a] - table[b] > 0 of a pixel from key a
/// to key b that beats the pair's current k-th value replaces it. Each frame is `pixels` pixels of
/// `model->channels` bytes. Returns 0; -2 when this CPU cannot run `path` (nothing is changed);
/// -1 for invalid arguments (a model whose count is not 255 * channels + 1, k < 1).
int fs_t_pairs(const fs_t_model *model, const uint8_t *const *frames, int32_t frame_count,
               ptrdiff_t pixels, fs_t_pair *pairs, int path);

/// `fs_t_pairs` for the mean mode on frames given as key planes: each frame is `pixels` keys
/// (R + G + B of the pixel, 0...765; `fs_yuv420_to_rgb_sum`), the same values `fs_t_pairs`
/// computes from the frames' RGB bytes. The screen compares the key steps themselves (16 pixels a
/// group with AVX2, 8 in the portable path). `model->channels` must be 3. Returns as
/// `fs_t_pairs`.
int fs_t_pairs_sum(const fs_t_model *model, const uint16_t *const *frames, int32_t frame_count,
                   ptrdiff_t pixels, fs_t_pair *pairs, int path);

/// One frame of `fs_t_pairs_frames`: the decoder's 8-bit 4:2:0 planes, converted to keys on the
/// way (`keys` NULL: `fs_yuv420_to_rgb_sum` with `coefficients`, an `fs_yuv_rgb_coefficients` in
/// its field order, on `conversion_path`, an FS_YUV_PATH_*), or a key plane (`keys`: `height`
/// rows of `width` values, no gap).
typedef struct fs_t_frame {
  const uint16_t *keys;
  const uint8_t *y;
  const uint8_t *u;
  const uint8_t *v;
  ptrdiff_t y_stride;
  ptrdiff_t u_stride;
  ptrdiff_t v_stride;
  int16_t coefficients[8];
  int32_t conversion_path;
} fs_t_frame;

/// `fs_t_pairs_sum` on `width` x `height` frames given as planes or key planes (`fs_t_frame`):
/// the frames are walked in strips of whole row pairs (about 4096 pixels), and each plane frame's
/// strip is converted into a small buffer that stays in L1 while its two pairs are screened, so
/// no key plane is ever written to memory. Keeps the same values as `fs_t_pairs_sum` on the
/// frames' key planes. Returns 0; -2 when this CPU cannot run `path` or a frame's conversion
/// path; -1 for invalid arguments (as `fs_t_pairs_sum`, or a size below 1, or a plane frame
/// without its three planes); -3 when the strip buffers could not be allocated.
int fs_t_pairs_frames(const fs_t_model *model, const fs_t_frame *frames, int32_t frame_count,
                      int32_t width, int32_t height, fs_t_pair *pairs, int path);

#ifdef __cplusplus
}
#endif

#endif
