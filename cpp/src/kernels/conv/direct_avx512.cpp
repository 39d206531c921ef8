// avx512 build of the direct convolution and pooling kernels, the one-channel 3x3
// kernels and the Winograd tile transforms; see direct.inc,
// single_channel.inc and winograd_tiles.inc.
#include "direct.inc"
#include "lamina/kernels/kernel_table.h"
#include "single_channel.inc"
#include "winograd_tiles.inc"

namespace lamina {
void fill_direct_avx512(KernelTable& t) {
  fill_direct_kernels(t);
  fill_single_channel_kernels(t);
  fill_winograd_kernels(t);
}
}  // namespace lamina
