// Scripts/bench-kernels' driver: times each region-sum path this CPU runs (CRegionSums) on rgb24
// frames read from stdin, the default 48 x 48 grid, with and without the candela sum (ofcom /
// wcag), and checks that every path gives the scalar reference's sums. Prints one line per path:
// the median thread CPU time per frame over all frames and repetitions.
#include "CRegionSums.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: kernels WIDTH HEIGHT REPS < frames.rgb24\n");
    return 2;
  }
  const int32_t w = atoi(argv[1]), h = atoi(argv[2]);
  const int reps = atoi(argv[3]);
  if (w <= 0 || h <= 0 || w > 16384 || h > 16384 || reps <= 0 || reps > 1000) {
    fprintf(stderr, "kernels: bad size or repetitions\n");
    return 2;
  }
  const size_t frame = (size_t)w * (size_t)h * 3;
  size_t cap = 0, count = 0;
  uint8_t *frames = NULL;
  for (;;) {
    if (count == cap) {
      cap = cap ? 2 * cap : 16;
      frames = realloc(frames, cap * frame);
      if (!frames) return 1;
    }
    if (fread(frames + count * frame, 1, frame, stdin) != frame) break;
    count++;
  }
  if (count == 0) {
    fprintf(stderr, "kernels: no whole frame on stdin\n");
    return 1;
  }
  uint16_t lin[256], cd[256];
  for (int i = 0; i < 256; i++) {
    double x = i / 255.0;
    double l = x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4);
    lin[i] = (uint16_t)lround(65535 * l);
    cd[i] = (uint16_t)lround(65535 * pow(x, 2.2));  // a display model's shape; the cost is the same
  }
  const int32_t cols = w < 48 ? w : 48, rows = h < 48 ? h : 48;
  int32_t cb[49], rb[49];
  for (int i = 0; i <= cols; i++) cb[i] = (int32_t)((int64_t)i * w / cols);
  for (int i = 0; i <= rows; i++) rb[i] = (int32_t)((int64_t)i * h / rows);
  fs_region_layout layout = {w, h, cols, rows, cb, rb};
  const size_t n = (size_t)cols * rows * FS_REGION_SUMS;
  uint64_t *ref = malloc(n * sizeof *ref), *sums = malloc(n * sizeof *sums);
  double *times = malloc(count * (size_t)reps * sizeof *times);
  if (!ref || !sums || !times) return 1;
  static const char *names[] = {"scalar", "generic", "avx2", "avx512"};
  int bad = 0;
  for (int with_cd = 0; with_cd < 2; with_cd++) {
    for (int path = FS_REGION_PATH_SCALAR; path <= FS_REGION_PATH_AVX512; path++) {
      if (!fs_region_path_available(path)) continue;
      size_t k = 0;
      for (int r = 0; r < reps; r++) {
        for (size_t f = 0; f < count; f++) {
          memset(sums, 0, n * sizeof *sums);
          double t = cpu_now();
          fs_region_sums(frames + f * frame, 3 * (ptrdiff_t)w, &layout, lin, with_cd ? cd : NULL,
                         path, sums);
          times[k++] = cpu_now() - t;
          if (path == FS_REGION_PATH_SCALAR) {
            if (r == 0 && f == count - 1) memcpy(ref, sums, n * sizeof *ref);
          } else if (r == 0 && f == count - 1 && memcmp(ref, sums, n * sizeof *ref) != 0) {
            fprintf(stderr, "kernels: %s gives other sums than scalar\n", names[path + 1]);
            bad = 1;
          }
        }
      }
      qsort(times, k, sizeof *times, by_value);
      printf("%s\t%s\t%.3f ms\n", with_cd ? "R,G,B,red,candela (ofcom)" : "R,G,B,red (wcag)",
             names[path + 1], 1e3 * times[k / 2]);
    }
  }
  free(frames);
  return bad;
}
