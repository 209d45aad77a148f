// The kernels for AVX2 with FMA (Haswell and later, Zen 1 to 3).
// Only CPUSelection.c calls them, and only when cpuid and xgetbv say the CPU and the OS support these extensions.
#include <string.h>

#include "KernelTable.h"

#define ZOO_PATH_SUFFIX avx2
#define ZOO_VECTOR_FLOATS 8
#define ZOO_FUSED_MULTIPLY_ADD 1
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#include "KernelBody.h"
#pragma clang attribute pop
