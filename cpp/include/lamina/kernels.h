// All kernel families. Kernels are free functions on pointers and sizes; all
// arrays are row-major float32 unless stated. Each family has its own header
// under lamina/kernels/.
#pragma once

#include "lamina/kernels/activation.h"
#include "lamina/kernels/conv.h"
#include "lamina/kernels/dropout.h"
#include "lamina/kernels/gemm.h"
#include "lamina/kernels/kernel_table.h"
#include "lamina/kernels/loss.h"
#include "lamina/kernels/metric.h"
#include "lamina/kernels/pool.h"
