#ifndef PRUNESCOPE_CBLAS_SHIM_H
#define PRUNESCOPE_CBLAS_SHIM_H
// OpenBLAS's C interface. pkg-config points the include path at the
// openblas-pthread variant on Debian.
#include <cblas.h>

/// Number of threads OpenBLAS uses; exposed so benchmarks can pin it.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
