// Portable GEMM micro-kernel and the scalar kernel table.
#include "lamina/kernels/kernel_table.h"

namespace lamina {
void fill_elementwise_scalar(KernelTable& t);
void fill_direct_scalar(KernelTable& t);

namespace {

constexpr int kMr = 4;
constexpr int kNr = 16;

void gemm_ukernel_ref(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                      int64_t ldb, float* c, int64_t ldc, int mr, int nr, bool accumulate) {
  float acc[kMr][kNr] = {};
  for (int64_t p = 0; p < k; ++p) {
    const float* brow = b + p * ldb;
    for (int i = 0; i < mr; ++i) {
      float av = a[i * rs_a + p * cs_a];
      for (int j = 0; j < nr; ++j) acc[i][j] += av * brow[j];
    }
  }
  for (int i = 0; i < mr; ++i) {
    float* crow = c + i * ldc;
    for (int j = 0; j < nr; ++j) crow[j] = accumulate ? crow[j] + acc[i][j] : acc[i][j];
  }
}

}  // namespace

KernelTable make_scalar_kernels() {
  KernelTable t{};
  t.isa = Isa::kScalar;
  t.gemm_mr = kMr;
  t.gemm_nr = kNr;
  t.gemm_ukernel = gemm_ukernel_ref;
  fill_elementwise_scalar(t);
  fill_direct_scalar(t);
  return t;
}

}  // namespace lamina
