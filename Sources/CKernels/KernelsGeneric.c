// The kernels for any x86-64 (SSE2): no AVX, no FMA.
// Compiled with the package's own flags (baseline x86-64), so no target attribute is needed.
#include <string.h>

#include "KernelTable.h"

#define ZOO_PATH_SUFFIX generic
#define ZOO_VECTOR_FLOATS 4
#define ZOO_FUSED_MULTIPLY_ADD 0
#include "KernelBody.h"
