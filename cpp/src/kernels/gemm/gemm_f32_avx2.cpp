// AVX2+FMA GEMM micro-kernel: 6 rows x 16 columns in 12 ymm accumulators.
// Column tails use masked loads/stores, so nothing past nr is touched.
#include <immintrin.h>

#include "lamina/kernels/kernel_table.h"

namespace lamina {
void fill_elementwise_avx2(KernelTable& t);
void fill_direct_avx2(KernelTable& t);

namespace {

constexpr int kMr = 6;
constexpr int kNr = 16;

__m256i lane_mask(int valid) {
  // Lane j is enabled (all ones) when j < valid.
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), lanes);
}

template <int R>
void rows_kernel(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t ldb,
                 float* c, int64_t ldc, int nr, bool accumulate) {
  __m256 c0[R], c1[R];
  for (int r = 0; r < R; ++r) {
    c0[r] = _mm256_setzero_ps();
    c1[r] = _mm256_setzero_ps();
  }
  const __m256i m0 = lane_mask(nr);
  const __m256i m1 = lane_mask(nr - 8);
  if (nr == kNr) {
    for (int64_t p = 0; p < k; ++p) {
      __m256 b0 = _mm256_loadu_ps(b + p * ldb);
      __m256 b1 = _mm256_loadu_ps(b + p * ldb + 8);
      const float* ap = a + p * cs_a;
      for (int r = 0; r < R; ++r) {
        __m256 av = _mm256_broadcast_ss(ap + r * rs_a);
        c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
        c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
      }
    }
  } else {
    for (int64_t p = 0; p < k; ++p) {
      __m256 b0 = _mm256_maskload_ps(b + p * ldb, m0);
      __m256 b1 = _mm256_maskload_ps(b + p * ldb + 8, m1);
      const float* ap = a + p * cs_a;
      for (int r = 0; r < R; ++r) {
        __m256 av = _mm256_broadcast_ss(ap + r * rs_a);
        c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
        c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    float* crow = c + r * ldc;
    if (accumulate) {
      c0[r] = _mm256_add_ps(c0[r], _mm256_maskload_ps(crow, m0));
      c1[r] = _mm256_add_ps(c1[r], _mm256_maskload_ps(crow + 8, m1));
    }
    _mm256_maskstore_ps(crow, m0, c0[r]);
    _mm256_maskstore_ps(crow + 8, m1, c1[r]);
  }
}

void gemm_ukernel_avx2(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                       int64_t ldb, float* c, int64_t ldc, int mr, int nr, bool accumulate) {
  switch (mr) {
    case 6:
      return rows_kernel<6>(k, a, rs_a, cs_a, b, ldb, c, ldc, nr, accumulate);
    case 5:
      return rows_kernel<5>(k, a, rs_a, cs_a, b, ldb, c, ldc, nr, accumulate);
    case 4:
      return rows_kernel<4>(k, a, rs_a, cs_a, b, ldb, c, ldc, nr, accumulate);
    case 3:
      return rows_kernel<3>(k, a, rs_a, cs_a, b, ldb, c, ldc, nr, accumulate);
    case 2:
      return rows_kernel<2>(k, a, rs_a, cs_a, b, ldb, c, ldc, nr, accumulate);
    default:
      return rows_kernel<1>(k, a, rs_a, cs_a, b, ldb, c, ldc, nr, accumulate);
  }
}

}  // namespace

KernelTable make_avx2_kernels() {
  KernelTable t{};
  t.isa = Isa::kAvx2;
  t.gemm_mr = kMr;
  t.gemm_nr = kNr;
  t.gemm_ukernel = gemm_ukernel_avx2;
  fill_elementwise_avx2(t);
  fill_direct_avx2(t);
  return t;
}

}  // namespace lamina
