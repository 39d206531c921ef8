// Portable build of the float32 activation, bias add and column sum loops; see
// activation_kernels.inc.
#include "activation_kernels.inc"
#include "lamina/kernels/kernel_table.h"

namespace lamina {
void fill_activation_scalar(KernelTable& t) {
  t.activation_forward_f32 = activation_forward_range<float>;
  t.activation_backward_f32 = activation_backward_range<float>;
  t.bias_add_f32 = bias_add_rows<float>;
  t.column_sum_f32 = column_sum_cols<float>;
}
}  // namespace lamina
