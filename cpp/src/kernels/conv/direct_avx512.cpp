// avx512 build of the direct convolution and pooling kernels; see direct.inc.
#include "direct.inc"
#include "lamina/kernels/kernel_table.h"

namespace lamina {
void fill_direct_avx512(KernelTable& t) { fill_direct_kernels(t); }
}  // namespace lamina
