// Scripts/bench-kernels' second driver: what one table lookup costs on this CPU, the floor of the
// region sums (Docs/Benchmarks.md). Thread CPU time per looked-up value, best of 3, for
//  - AVX2 gathers (`vpgatherdd`, 8 values each) from a 256-entry table (one byte an index),
//  - the same from the 65,536-entry pair table with random 16-bit indices (what the region sums'
//    AVX2 path gathers from: one value serves two pixels of a channel),
//  - plain scalar loads from a 256-entry table.
// Each loop adds what it loads, so nothing is optimised away; the sum is printed.
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>
#include <immintrin.h>

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

enum { BYTES = 1 << 22, LOOKUPS = 1 << 26 };
static int table[65536];
static uint8_t bytes[BYTES + 64];

__attribute__((target("avx2"))) static double gathers(int wide, long long *sum) {
  __m256i acc = _mm256_setzero_si256();
  double t0 = cpu_now();
  for (long i = 0; i < LOOKUPS; i += 8) {
    const uint8_t *p = bytes + (i & (BYTES - 1));
    __m256i ix = wide ? _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p))
                      : _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p));
    acc = _mm256_add_epi32(acc, _mm256_i32gather_epi32(table, ix, 4));
  }
  double t1 = cpu_now();
  int lanes[8];
  _mm256_storeu_si256((__m256i *)lanes, acc);
  for (int k = 0; k < 8; k++) *sum += lanes[k];
  return (t1 - t0) / LOOKUPS * 1e9;
}

static double scalar(long long *sum) {
  long long s = 0;
  double t0 = cpu_now();
  for (long i = 0; i < LOOKUPS; i++) s += table[bytes[i & (BYTES - 1)]];
  double t1 = cpu_now();
  *sum += s;
  return (t1 - t0) / LOOKUPS * 1e9;
}

int main(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 5))) {
    printf("lookups: this CPU has no AVX2\n");
    return 0;
  }
  for (int i = 0; i < 65536; i++) table[i] = i * 7;
  uint32_t x = 1;
  for (int i = 0; i < BYTES + 64; i++) {
    x = x * 1664525u + 1013904223u;
    bytes[i] = (uint8_t)(x >> 24);
  }
  long long sum = 0;
  double best[3] = {1e9, 1e9, 1e9};
  for (int rep = 0; rep < 3; rep++) {
    double t[3] = {gathers(0, &sum), gathers(1, &sum), scalar(&sum)};
    for (int k = 0; k < 3; k++) best[k] = t[k] < best[k] ? t[k] : best[k];
  }
  printf("lookups: AVX2 gather, 256-entry table\t%.3f ns a value\n", best[0]);
  printf("lookups: AVX2 gather, 65536-entry pair table, random indices\t%.3f ns a value\n", best[1]);
  printf("lookups: scalar load, 256-entry table\t%.3f ns a value\n", best[2]);
  printf("lookups: (checksum %lld)\n", sum);
  return 0;
}
#else
int main(void) {
  printf("lookups: not an x86-64 build\n");
  return 0;
}
#endif
