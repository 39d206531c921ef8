// AVX2+FMA build of the element-wise kernels; see elementwise.inc.
#include "elementwise.inc"
#include "lamina/kernels/kernel_table.h"

namespace lamina {
void fill_elementwise_avx2(KernelTable& t) {
  t.adam_update = adam_update;
  t.sgd_update = sgd_update;
}
}  // namespace lamina
