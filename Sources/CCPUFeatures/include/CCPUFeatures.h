// What this CPU runs, for the C kernels that pick a path at run time (CTKernel, CRegionSums).
#ifndef CCPUFEATURES_H
#define CCPUFEATURES_H

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
