// Portable build of the optimizer update kernels; see elementwise.inc.
#include "elementwise.inc"
#include "lamina/kernels/kernel_table.h"

namespace lamina {
void fill_elementwise_scalar(KernelTable& t) { fill_optimizer_kernels(t); }
}  // namespace lamina
