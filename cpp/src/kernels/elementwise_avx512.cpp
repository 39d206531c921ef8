// AVX-512 build of the optimizer update kernels; see elementwise.inc.
#include "elementwise.inc"
#include "lamina/kernels/kernel_table.h"

namespace lamina {
void fill_elementwise_avx512(KernelTable& t) { fill_optimizer_kernels(t); }
}  // namespace lamina
