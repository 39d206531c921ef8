// AVX-512 build of the float32 activation, bias add and column sum loops
// (activation_kernels.inc), softmax's (softmax_kernels.inc) and
// BatchNormalization's (batch_norm_kernels.inc).
#include "activation_kernels.inc"
#include "batch_norm_kernels.inc"
#include "lamina/kernels/kernel_table.h"
#include "softmax_kernels.inc"

namespace lamina {
void fill_activation_avx512(KernelTable& t) {
  t.activation_forward_f32 = activation_forward_range<float>;
  t.activation_backward_f32 = activation_backward_range<float>;
  t.bias_add_f32 = bias_add_rows<float>;
  t.column_sum_f32 = column_sum_cols<float>;
  t.softmax_rows_f32 = softmax_rows<float>;
  t.softmax_backward_rows_f32 = softmax_backward_rows<float>;
  t.batch_norm_sums = batch_norm_sums_rows;
  t.batch_norm_affine = batch_norm_affine_rows;
  t.batch_norm_input_grad = batch_norm_input_grad_rows;
}
}  // namespace lamina
