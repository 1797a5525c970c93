// flashscan's C kernel, where the CPU's vector instructions pay: the per-pixel half of the
// region profiles (wcag, ofcom) of the photosensitivity analysis: per-cell integer sums of 16-bit
// fixed-point linear R, G, B, the classic red value and (optionally) the display model's cd/m2
// (Docs/Photosensitivity.md, "Region sums"). Four implementations give bit-identical sums: a
// scalar reference loop, portable C that the compiler vectorises for any CPU, and on x86-64 an
// AVX2 path (8 gathered lookups per instruction) and an AVX-512 VBMI path (64 table lookups per
// instruction, vpermi2b).
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
  /// Portable C the compiler vectorises (SSE2 on x86-64, NEON on arm64).
  FS_REGION_PATH_GENERIC = 0,
  /// x86-64 with AVX2: 8 pixels at a time, `vpgatherdd` table lookups.
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
/// could not be allocated; -2 when this CPU cannot run `path` (nothing is added).
int fs_region_sums(const uint8_t *rgb, ptrdiff_t stride, const fs_region_layout *layout,
                   const uint16_t linear[256], const uint16_t *candela, int path,
                   uint64_t *sums);

#ifdef __cplusplus
}
#endif

#endif
