// The kernels for AVX-512 (F, BW, VL) with AVX2 and FMA: Skylake-SP and later Xeons, Ice Lake, Sapphire Rapids, Zen 4 and 5.
// Only CPUSelection.c calls them, and only when cpuid and xgetbv say the CPU and the OS support these extensions.
#include <immintrin.h>
#include <string.h>

#include "KernelTable.h"

#define ZOO_PATH_SUFFIX avx512
#define ZOO_VECTOR_FLOATS 16
#define ZOO_FUSED_MULTIPLY_ADD 1
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512bw,avx2,fma,f16c"))), apply_to = function)
#include "KernelBody.h"
#pragma clang attribute pop
