// The pattern detector's per-pixel arithmetic in C (Docs/Patterns.md, "Method"): the box filter to
// the working image, the 2 x 2 halving, a tile's load, its windowed 2-D FFT and power spectrum,
// and the quadrants' sums. Each function does, value for value, the same IEEE single-precision
// operations in the same order as the scalar code it replaced (floating-point contraction into
// fused multiply-adds is off for this file), so results are bit-identical on every CPU; the speed
// comes from doing independent values side by side (the 32 columns of the FFT, the four
// quadrants), never from reordering a sum.
#ifndef CPATTERNKERNELS_H
#define CPATTERNKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Box-filters a frame (`channels` 3: rgb24, 1: luma; rows of `width * channels` bytes) by
/// `scale` into `out` (`out_height` rows of `out_width` values, `out_stride` apart):
/// `(float)(54 R + 183 G + 19 B) * norm` of each block's channel sums (`(float)(256 Y) * norm`
/// for luma), where `norm` is `1 / (256 scale^2)` as the caller computed it. The last value of
/// each row is repeated up to `out_stride`, the last row down to `padded_height` rows.
/// `scratch` holds `out_width * scale * channels` 32-bit values. The frame must have at least
/// `out_height * scale` rows of at least `out_width * scale` pixels; `scale`, `out_width`,
/// `out_height` >= 1; `out_stride` >= `out_width`; `padded_height` >= `out_height`.
void fs_pattern_downscale(const uint8_t *frame, int32_t width, int32_t channels, int32_t scale,
                          int32_t out_width, int32_t out_height, int32_t out_stride,
                          int32_t padded_height, float norm, float *out, uint32_t *scratch);

/// Level 1: `(a[2x] + a[2x+1] + b[2x] + b[2x+1]) * 0.25` of level 0's rows `2y` (a) and
/// `2y + 1` (b), `width1` x `height1` values (>= 1 each) padded like the box filter's output.
void fs_pattern_halve(const float *src, int32_t src_stride, int32_t width1, int32_t height1,
                      int32_t stride1, int32_t padded_height1, float *dst);

/// What `fs_pattern_tile_load` finds in a 32 x 32 tile.
typedef struct fs_pattern_tile_stats {
  /// The tile's values summed in row-major order, then divided by 1024.
  float mean;
  /// Its smallest and largest value.
  float lo;
  float hi;
  /// Each 16 x 16 quadrant's largest minus smallest value (index: 2 * row + column).
  float quadrant_range[4];
} fs_pattern_tile_stats;

/// Copies the tile at `image` (rows `stride` apart) into `raw` (1024 values, row-major).
void fs_pattern_tile_load(const float *image, ptrdiff_t stride, float *raw,
                          fs_pattern_tile_stats *stats);

/// The tile's spectrum: `(raw - mean) * hann[y] * hann[x]` transformed by the 32-point radix-2
/// FFT along rows, then columns (twiddles `cos_table[k]`, `sin_table[k]` = cos and -sin of
/// 2 pi k / 32, k < 16) into `re`, `im`; `power` = `re^2 + im^2` per bin. Returns the power summed
/// in bin order over the bins with `kx^2 + ky^2 >= 2` (all but the DC and its four neighbours).
/// `re`, `im`, `power`: 1024 values each, bin `ky * 32 + kx` (frequencies mod 32).
float fs_pattern_tile_spectrum(const float *raw, float mean, const float *hann,
                               const float *cos_table, const float *sin_table, float *re,
                               float *im, float *power);

/// One quadrant's sums (`fs_pattern_quadrants`).
typedef struct fs_pattern_quadrant_sums {
  float mean;
  float variance;
  float light_sum;
  float light_count;
  float dark_sum;
  float dark_count;
  float xr;
  float xi;
} fs_pattern_quadrant_sums;

/// The four 16 x 16 quadrants of `raw` (index 2 * row + column): mean, the sum of squared
/// deviations, the sums and counts of values above / not above the mean, and the single-bin DFT
/// of the deviations at the frequency whose row and column phasors are `cos_x - i sin_x`,
/// `cos_y - i sin_y` (16 values each).
void fs_pattern_quadrants(const float *raw, const float *cos_x, const float *sin_x,
                          const float *cos_y, const float *sin_y,
                          fs_pattern_quadrant_sums out[4]);

#ifdef __cplusplus
}
#endif

#endif
