// flashscan's C kernel, where the CPU's vector instructions pay: the per-pixel half of the
// region profiles (wcag, ofcom) of the photosensitivity analysis: per-cell integer sums of 16-bit
// fixed-point linear R, G, B, the classic red value and (optionally) the display model's cd/m2
// (Docs/Photosensitivity.md, "Region sums"). Four implementations give bit-identical sums: a
// scalar reference loop, portable C that the compiler vectorises for any CPU (table lookups by
// pixel pairs, one load per two values), and on x86-64 an AVX2 path (8 gathered pair lookups, 16
// values, per gather instruction) and an AVX-512 VBMI path (64 table lookups per instruction,
// vpermi2b).
#ifndef CREGIONSUMS_H
#define CREGIONSUMS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The sums `fs_region_sums` adds per cell, in this order (index `cell * FS_REGION_SUMS + k`).
enum {
  FS_REGION_SUM_R = 0,
  FS_REGION_SUM_G = 1,
  FS_REGION_SUM_B = 2,
  FS_REGION_SUM_RED = 3,
  FS_REGION_SUM_CANDELA = 4,
  FS_REGION_SUMS = 5
};

typedef struct fs_region_layout {
  int32_t width;
  int32_t height;
  int32_t columns;
  int32_t rows;
  /// Pixel boundaries: `columns + 1` and `rows + 1` of them, from 0 to width (height), increasing.
  const int32_t *column_bounds;
  const int32_t *row_bounds;
} fs_region_layout;

/// The implementations of `fs_region_sums`; all give identical sums.
enum {
  /// One pixel at a time: the reference the others are tested against.
  FS_REGION_PATH_SCALAR = -1,
  /// Portable C the compiler vectorises (SSE2 on x86-64, NEON on arm64); lookups in a table of
  /// pixel pairs.
  FS_REGION_PATH_GENERIC = 0,
  /// x86-64 with AVX2: 16 pixels at a time, lookups in a table of pixel pairs (`vpgatherdd`
  /// for two channels, scalar loads for the third).
  FS_REGION_PATH_AVX2 = 1,
  /// x86-64 with AVX-512 VBMI: 64 pixels at a time, `vpermi2b` table lookups (layouts with a cell
  /// narrower than 8 pixels, or frames narrower than 64, run the AVX2 code).
  FS_REGION_PATH_AVX512 = 2
};

/// 1 when this CPU (and this build) can run `path`.
int fs_region_path_available(int path);

/// The fastest path this CPU runs.
int fs_region_best_path(void);

/// Adds one rgb24 frame (`height` rows of `3 * width` bytes, `stride` bytes apart) to `sums`
/// (`columns * rows * FS_REGION_SUMS` counters, which the caller zeroes first). Per pixel with
/// 16-bit codes `R = linear[r]`, `G = linear[g]`, `B = linear[b]`:
///   red = R - G - B when G + B <= floor(R / 4) (that is `R >= 0.8 (R + G + B)`), else 0;
///   candela = candela[(54 r + 183 g + 19 b + 128) >> 8] when `candela` is not NULL, else 0.
/// `path` is one of FS_REGION_PATH_* (all give the same sums). Returns 0; -1 when scratch memory
/// could not be allocated; -2 when this CPU cannot run `path` (nothing is added). The generic and
/// AVX2 paths build 512 KiB of pair tables per distinct pair of tables `linear`, `candela` and
/// keep them for the life of the process (at most 8 such pairs; past that each call builds and
/// frees its own). Safe to call from several threads at once.
int fs_region_sums(const uint8_t *rgb, ptrdiff_t stride, const fs_region_layout *layout,
                   const uint16_t linear[256], const uint16_t *candela, int path,
                   uint64_t *sums);

/// One frame for `fs_absolute_sums`: YUV planes as decoded (`kind` FS_PLANES_YUV) with the
/// per-code tables of its matrix and range, or rows of 16-bit RGB (`kind` FS_PLANES_RGB16,
/// `planes[0]`, `strides[0]`).
enum { FS_PLANES_YUV = 0, FS_PLANES_RGB16 = 1 };

typedef struct fs_plane_frame {
  int32_t kind;
  int32_t width;
  int32_t height;
  /// Y, U, V: each points at the component's first sample.
  const uint16_t *planes[3];
  /// Bytes from one row to the next.
  ptrdiff_t strides[3];
  /// 16-bit samples from one pixel's component to the next.
  int32_t steps[3];
  /// Each sample is `(raw >> shift) & ((1 << depth) - 1)`.
  int32_t shift;
  int32_t depth;
  /// log2 of the chroma subsampling (0 or 1 horizontally; any vertically).
  int32_t chroma_x;
  int32_t chroma_y;
  /// Per code, in 1/256 of a 16-bit step: R = y + cr_r, G = y + cr_g + cb_g, B = y + cb_b, each
  /// rounded (+128, >> 8) and clamped to 0...65535.
  const int32_t *y;
  const int32_t *cr_r;
  const int32_t *cr_g;
  const int32_t *cb_g;
  const int32_t *cb_b;
} fs_plane_frame;

/// What the bt1702 profile adds per pixel (Sources/Photosensitivity/AbsoluteMeasure.swift).
typedef struct fs_absolute_params {
  /// Per 16-bit sample: the component's display light (cd/m2; HLG: normalised scene light).
  const float *component;
  /// HLG only (else NULL): the OOTF's gain per 16-bit luminance code.
  const float *hlg_gain;
  float wr;
  float wg;
  float wb;
  /// Nonzero: also the classic red sum, with `ratio` and `to_relative`.
  int32_t classic;
  float ratio;
  float to_relative;
} fs_absolute_params;

/// Adds one frame's display light to `sums` (`columns * rows * 5` doubles, which the caller
/// zeroes: per cell R, G, B, luminance, red), exactly as the Swift loop over 16-bit RGB frames
/// does (the same Float operations in the same order), converting the planes a few rows at a time
/// into `scratch` (`fs_absolute_scratch_count(width)` values). `path` is one of FS_REGION_PATH_*
/// (all give the same sums, bit for bit): SCALAR is the reference loop, one row and one pixel at
/// a time; GENERIC sums 4 rows side by side in portable C; AVX2 (and AVX512) is that code compiled
/// for AVX2. Returns 0; -2 when this CPU cannot run `path` (nothing is added).
int fs_absolute_sums(const fs_plane_frame *frame, const fs_region_layout *layout,
                     const fs_absolute_params *params, int path, int32_t *scratch, double *sums);

/// The size of `fs_absolute_sums`'s scratch for frames `width` pixels wide, in 32-bit values
/// (0 when `width` is not positive; -1 when it would not fit in 32 bits).
int32_t fs_absolute_scratch_count(int32_t width);

#ifdef __cplusplus
}
#endif

#endif
