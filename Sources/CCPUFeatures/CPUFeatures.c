// The cpuid questions of the C kernels, asked in one place (the header says what each answers).
#include "CCPUFeatures.h"

#if FS_X86

int fs_cpu_has_avx2(void) {
  static int cached = -1;
  int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (c < 0) {
    __builtin_cpu_init();
    c = __builtin_cpu_supports("avx2");
    __atomic_store_n(&cached, c, __ATOMIC_RELAXED);
  }
  return c;
}

int fs_cpu_has_avx512vbmi(void) {
  static int cached = -1;
  int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (c < 0) {
    __builtin_cpu_init();
    c = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vbmi");
    __atomic_store_n(&cached, c, __ATOMIC_RELAXED);
  }
  return c;
}

#else

int fs_cpu_has_avx2(void) { return 0; }
int fs_cpu_has_avx512vbmi(void) { return 0; }

#endif
