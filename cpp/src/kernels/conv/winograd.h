// Winograd F(2x2, 3x3) convolution: the conv drivers' method for stride-1,
// undilated 3x3 convolutions of one group with enough channels (conv2 of the
// Keras MNIST convnet and most 3x3 layers of VGG-style networks). A 2x2 output
// tile costs 16 products per channel pair instead of 36; the products of a
// block of tiles are 16 GEMMs over the channels, and the forward pass, the
// input gradient and the kernel gradient all take this route.
#pragma once

#include "lamina/kernels/activation.h"
#include "lamina/kernels/conv.h"
#include "lamina/kernels/kernel_table.h"

namespace lamina {

// True if the geometry is one Winograd handles and where it measured faster
// than im2col + GEMM.
bool winograd_applies(const ConvGeometry& g);

// The contracts of conv2d_forward_f32 / conv2d_backward_data_f32 /
// conv2d_backward_weights_f32 for a geometry winograd_applies to.
void winograd_forward_f32(const KernelTable& kt, const ConvGeometry& g, const float* x,
                          const float* w, const float* bias, float* y,
                          const ActivationSpec* activation);
void winograd_backward_data_f32(const KernelTable& kt, const ConvGeometry& g, const float* dy,
                                const float* w, float* dx);
void winograd_backward_weights_f32(const KernelTable& kt, const ConvGeometry& g, const float* x,
                                   const float* dy, float* dw, bool accumulate);

}  // namespace lamina
