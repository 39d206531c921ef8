// avx2 build of the direct convolution and pooling kernels and the Winograd tile
// transforms; see direct.inc and winograd_tiles.inc.
#include "direct.inc"
#include "lamina/kernels/kernel_table.h"
#include "winograd_tiles.inc"

namespace lamina {
void fill_direct_avx2(KernelTable& t) {
  fill_direct_kernels(t);
  fill_winograd_kernels(t);
}
}  // namespace lamina
