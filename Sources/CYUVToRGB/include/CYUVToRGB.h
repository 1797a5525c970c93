// The ffmpeg 5.1 CLI's YUV 4:2:0 8-bit to RGB24 conversion on x86-64, written again: swscale's
// unscaled converter (`yuv420_rgb24_ssse3`, used whenever the frame is not scaled, its height is
// even and SWS_ACCURATE_RND is off, as for `-pix_fmt rgb24`) computes every pixel from its own Y
// and its 2 x 2 block's U and V with 16-bit fixed-point steps. This file does the same steps, 32
// pixels at a time with AVX2 (swscale's code does 16 with SSSE3), so it writes the same bytes in
// about half the time. `FrameConverter` uses it only for colour settings whose conversion it has
// compared with swscale's for every (Y, U, V) triple in the same process (Docs/Decoding.md,
// "8-bit 4:2:0 without swscale").
#ifndef CYUVTORGB_H
#define CYUVTORGB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// swscale's fixed-point conversion constants for one colour setting (its `yCoeff`, `yOffset`,
/// ... fields). A pixel is, with X' = 8 X - offset (16-bit) and mulhi(a, b) = (a * b) >> 16:
/// y = mulhi(Y', y_coeff); R = clamp(y + mulhi(V', vr_coeff)); B = clamp(y + mulhi(U', ub_coeff));
/// G = clamp(y + (mulhi(U', ug_coeff) + mulhi(V', vg_coeff))), the additions saturating at 16
/// bits and clamp to 0...255.
typedef struct fs_yuv_rgb_coefficients {
  int16_t y_coeff;
  int16_t y_offset;
  int16_t u_offset;
  int16_t v_offset;
  int16_t vr_coeff;
  int16_t ub_coeff;
  int16_t ug_coeff;
  int16_t vg_coeff;
} fs_yuv_rgb_coefficients;

/// The constants swscale derives (libswscale 6, `ff_yuv2rgb_c_init_tables`) from the colour
/// details `sws_getColorspaceDetails` reports: the inverse matrix table, whether the source is
/// full range, and brightness, contrast and saturation (16.16).
void fs_yuv_rgb_coefficients_make(const int inv_table[4], int full_range, int brightness,
                                  int contrast, int saturation, fs_yuv_rgb_coefficients *out);

/// The implementations of `fs_yuv420_to_rgb24`; both write the same bytes.
enum {
  /// One pixel at a time: the reference the tests compare the other with.
  FS_YUV_PATH_SCALAR = 0,
  /// x86-64 with AVX2: 32 pixels at a time.
  FS_YUV_PATH_AVX2 = 1
};

/// 1 when this CPU (and this build) can run `path`.
int fs_yuv_path_available(int path);

/// Writes `height` rows of `width` RGB24 pixels at `dst` (`dst_stride` bytes apart) from 4:2:0
/// planes: pixel (x, r) reads y[r * y_stride + x], u and v at [(r / 2) * stride + x / 2].
/// Returns 0; -2 when this CPU cannot run `path`; -1 for invalid arguments.
int fs_yuv420_to_rgb24(const fs_yuv_rgb_coefficients *c, const uint8_t *y, ptrdiff_t y_stride,
                       const uint8_t *u, ptrdiff_t u_stride, const uint8_t *v, ptrdiff_t v_stride,
                       int32_t width, int32_t height, uint8_t *dst, ptrdiff_t dst_stride,
                       int path);

/// The same conversion, but each pixel written as one number, R + G + B (0...765, what the T
/// table's mean gray mode reads of it: Docs/Algorithm.md, "The key plane"): `height` rows of
/// `width` values at `dst`, `dst_stride` values apart. Returns as `fs_yuv420_to_rgb24`.
int fs_yuv420_to_rgb_sum(const fs_yuv_rgb_coefficients *c, const uint8_t *y, ptrdiff_t y_stride,
                         const uint8_t *u, ptrdiff_t u_stride, const uint8_t *v,
                         ptrdiff_t v_stride, int32_t width, int32_t height, uint16_t *dst,
                         ptrdiff_t dst_stride, int path);

/// R + G + B of each pixel of `height` rows of `width` RGB24 pixels (`stride` bytes apart) into
/// rows of `width` values (`dst_stride` values apart): the key plane of frames swscale converted.
void fs_rgb24_to_sum(const uint8_t *rgb, ptrdiff_t stride, int32_t width, int32_t height,
                     uint16_t *dst, ptrdiff_t dst_stride);

#ifdef __cplusplus
}
#endif

#endif
