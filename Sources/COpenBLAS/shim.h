// OpenBLAS's CBLAS interface (cblas_sgemm, openblas_set_num_threads); include path from pkg-config `openblas`.
#include <cblas.h>
