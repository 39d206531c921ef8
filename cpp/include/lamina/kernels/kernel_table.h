// The per-ISA kernel table, filled once at load time (scalar reference ->
// AVX2+FMA -> AVX-512) after cpuid and the OS agree, capped by
// LAMINA_ISA=scalar|avx2|avx512. Only ISA-specific kernels live here.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lamina/cpu.h"

namespace lamina {

// C[mr, nr] = (accumulate ? C : 0) + A[mr, k] * B[k, nr], with mr <= table.gemm_mr
// and nr <= table.gemm_nr. A's element (i, p) is a[i * rs_a + p * cs_a]; row p of
// B starts at b + p * ldb (nr contiguous floats); row i of C at c + i * ldc.
// Never reads or writes outside those elements.
using GemmUkernelFn = void (*)(int64_t k, const float* a, int64_t rs_a, int64_t cs_a,
                               const float* b, int64_t ldb, float* c, int64_t ldc, int mr, int nr,
                               bool accumulate);

// Keras 3 Adam on n elements: m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
// w -= alpha * m / (sqrt(v) + eps), alpha = lr * sqrt(1 - b2^t) / (1 - b1^t).
using AdamUpdateFn = void (*)(float* w, const float* g, float* m, float* v, int64_t n, float alpha,
                              float beta1, float beta2, float epsilon);

// Keras 3 SGD on n elements. momentum == 0: w -= lr g (m unused, may be null).
// Otherwise m = momentum m - lr g; w += m, or for Nesterov w += momentum m - lr g.
using SgdUpdateFn = void (*)(float* w, const float* g, float* m, int64_t n, float lr,
                             float momentum, bool nesterov);

struct KernelTable {
  Isa isa;
  int gemm_mr;
  int gemm_nr;
  GemmUkernelFn gemm_ukernel;
  AdamUpdateFn adam_update;
  SgdUpdateFn sgd_update;
};

// The table every op uses. Chosen at load; tests may switch it.
const KernelTable& active_kernels();
// The table for one ISA; throws ValueError if this CPU cannot run it.
const KernelTable& kernels_for(Isa isa);
// Switches the active table (tests, benchmarks). Throws if unsupported.
void set_active_isa(Isa isa);

// Per-ISA table factories (defined in the ISA files; the x86 ones exist only
// on x86 builds).
KernelTable make_scalar_kernels();
KernelTable make_avx2_kernels();
KernelTable make_avx512_kernels();

}  // namespace lamina
