// What this CPU runs, for the C kernels that pick a path at run time (CTKernel, CRegionSums,
// CYUVToRGB).
#ifndef CCPUFEATURES_H
#define CCPUFEATURES_H

// The kernels' one x86 guard: everything x86-specific (<immintrin.h>, target attributes, the
// AVX2 and AVX-512 code) is compiled only where FS_X86 is 1; elsewhere only the portable paths
// are, which the compiler vectorises for NEON on arm64 (.ci/run compiles every kernel for
// aarch64). FS_AVX2 marks a function compiled for AVX2.
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__clang__) || defined(__GNUC__))
#define FS_X86 1
#include <immintrin.h>
#define FS_AVX2 __attribute__((target("avx2")))
#else
#define FS_X86 0
#endif

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU runs AVX2, else 0 (always 0 off x86). Asked once, then cached.
int fs_cpu_has_avx2(void);

/// 1 when this CPU runs AVX-512 F, BW and VBMI, else 0 (always 0 off x86). Asked once, then cached.
int fs_cpu_has_avx512vbmi(void);

#ifdef __cplusplus
}
#endif

#endif
