// AVX2+FMA GEMM micro-kernel: 6 rows x 16 columns in 12 ymm accumulators.
// Column tails use masked loads/stores, so nothing past nr is touched.
#include <immintrin.h>

#include "lamina/kernels/kernel_table.h"
#include "transpose8x8.h"

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

// One depth step: c[r] += a[r * rs_a] * (b0, b1) for each of the R rows.
template <int R>
__attribute__((always_inline)) inline void fma_step(const float* ap, int64_t rs_a, __m256 b0,
                                                    __m256 b1, __m256 (&c0)[R], __m256 (&c1)[R]) {
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    const __m256 av = _mm256_broadcast_ss(ap + r * rs_a);
    c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
    c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
  }
}

// The lane masks are built only where needed and not held across the full-
// width loop: with 12 accumulators, two B vectors and a broadcast that loop
// already uses 15 of the 16 ymm registers, and two live masks made GCC spill
// the accumulators to the stack on every step (a third of the FMA rate).
template <int R>
void rows_kernel(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t ldb,
                 float* c, int64_t ldc, int nr, bool accumulate) {
  __m256 c0[R], c1[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    c0[r] = _mm256_setzero_ps();
    c1[r] = _mm256_setzero_ps();
  }
  if (nr == kNr) {
    for (int64_t p = 0; p < k; ++p) {
      __m256 b0 = _mm256_loadu_ps(b + p * ldb);
      __m256 b1 = _mm256_loadu_ps(b + p * ldb + 8);
      fma_step<R>(a + p * cs_a, rs_a, b0, b1, c0, c1);
    }
    if (accumulate) {
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        c0[r] = _mm256_add_ps(c0[r], _mm256_loadu_ps(c + r * ldc));
        c1[r] = _mm256_add_ps(c1[r], _mm256_loadu_ps(c + r * ldc + 8));
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      _mm256_storeu_ps(c + r * ldc, c0[r]);
      _mm256_storeu_ps(c + r * ldc + 8, c1[r]);
    }
    return;
  }
  const __m256i m0 = lane_mask(nr);
  const __m256i m1 = lane_mask(nr - 8);
  for (int64_t p = 0; p < k; ++p) {
    __m256 b0 = _mm256_maskload_ps(b + p * ldb, m0);
    __m256 b1 = _mm256_maskload_ps(b + p * ldb + 8, m1);
    fma_step<R>(a + p * cs_a, rs_a, b0, b1, c0, c1);
  }
  if (accumulate) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      c0[r] = _mm256_add_ps(c0[r], _mm256_maskload_ps(c + r * ldc, m0));
      c1[r] = _mm256_add_ps(c1[r], _mm256_maskload_ps(c + r * ldc + 8, m1));
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    _mm256_maskstore_ps(c + r * ldc, m0, c0[r]);
    _mm256_maskstore_ps(c + r * ldc + 8, m1, c1[r]);
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

// One row of C (batch-1 predict): 8 * kVecs columns in kVecs accumulators,
// per row of B kVecs contiguous loads and FMAs -- the micro-kernel's fused
// multiply-add in the same order, so a row's result does not depend on its
// batch. The micro-kernel on one row keeps two accumulators, each waiting on
// the FMA latency every depth step.
template <int kVecs>
void gemv_columns(int64_t k, const float* a, int64_t inc_a, const float* b, int64_t ldb, float* c,
                  bool accumulate) {
  __m256 acc[kVecs];
  for (int v = 0; v < kVecs; ++v) acc[v] = _mm256_setzero_ps();
  for (int64_t p = 0; p < k; ++p) {
    const __m256 av = _mm256_broadcast_ss(a + p * inc_a);
    const float* brow = b + p * ldb;
    for (int v = 0; v < kVecs; ++v) {
      acc[v] = _mm256_fmadd_ps(av, _mm256_loadu_ps(brow + 8 * v), acc[v]);
    }
  }
  for (int v = 0; v < kVecs; ++v) {
    float* cv = c + 8 * v;
    if (accumulate) acc[v] = _mm256_add_ps(acc[v], _mm256_loadu_ps(cv));
    _mm256_storeu_ps(cv, acc[v]);
  }
}

void gemv_avx2(int64_t k, const float* a, int64_t inc_a, const float* b, int64_t ldb, float* c,
               int64_t nc, bool accumulate) {
  int64_t j = 0;
  for (; j + 96 <= nc; j += 96) gemv_columns<12>(k, a, inc_a, b + j, ldb, c + j, accumulate);
  if (j + 64 <= nc) {
    gemv_columns<8>(k, a, inc_a, b + j, ldb, c + j, accumulate);
    j += 64;
  }
  if (j + 32 <= nc) {
    gemv_columns<4>(k, a, inc_a, b + j, ldb, c + j, accumulate);
    j += 32;
  }
  if (j + 16 <= nc) {
    gemv_columns<2>(k, a, inc_a, b + j, ldb, c + j, accumulate);
    j += 16;
  }
  for (; j < nc; j += 8) {  // the last < 16 columns, 8 (masked) at a time
    const __m256i m = lane_mask(static_cast<int>(nc - j));
    __m256 acc = _mm256_setzero_ps();
    for (int64_t p = 0; p < k; ++p) {
      acc = _mm256_fmadd_ps(_mm256_broadcast_ss(a + p * inc_a),
                            _mm256_maskload_ps(b + p * ldb + j, m), acc);
    }
    if (accumulate) acc = _mm256_add_ps(acc, _mm256_maskload_ps(c + j, m));
    _mm256_maskstore_ps(c + j, m, acc);
  }
}

// A strip as [kc][kMr]. A's six rows are transposed eight depth steps at a
// time (two copies of the last row fill the 8 x 8 block; six lanes of each
// column are stored), so all six source rows stream at once.
void pack_a_avx2(bool trans_a, const float* a, int64_t lda, int64_t rows, int64_t kc, float* out) {
  const __m256i m = lane_mask(static_cast<int>(rows));
  if (trans_a) {
    for (int64_t p = 0; p < kc; ++p) {
      _mm256_maskstore_ps(out + p * kMr, m, _mm256_maskload_ps(a + p * lda, m));
    }
    return;
  }
  int64_t p = 0;
  if (rows == kMr) {
    for (; p + 8 <= kc; p += 8) {
      __m256 r[8];
      for (int i = 0; i < kMr; ++i) r[i] = _mm256_loadu_ps(a + i * lda + p);
      r[6] = r[7] = r[5];
      transpose8x8_regs(r);
      for (int q = 0; q < 8; ++q) _mm256_maskstore_ps(out + (p + q) * kMr, m, r[q]);
    }
  }
  for (; p < kc; ++p) {
    for (int64_t i = 0; i < rows; ++i) out[p * kMr + i] = a[i * lda + p];
  }
}

// One [kc][kNr] panel of op(B), zero-padded past `cols`.
void pack_b_avx2(bool trans_b, const float* b, int64_t ldb, int64_t cols, int64_t kc, float* out) {
  if (!trans_b) {
    const __m256i m0 = lane_mask(static_cast<int>(cols));
    const __m256i m1 = lane_mask(static_cast<int>(cols) - 8);
    for (int64_t p = 0; p < kc; ++p) {
      _mm256_storeu_ps(out + p * kNr, _mm256_maskload_ps(b + p * ldb, m0));
      _mm256_storeu_ps(out + p * kNr + 8, _mm256_maskload_ps(b + p * ldb + 8, m1));
    }
    return;
  }
  // op(B)(p, q) = b[q * ldb + p]: 8 x 8 transposes over whole panels.
  int64_t p = 0;
  if (cols == kNr) {
    for (; p + 8 <= kc; p += 8) {
      transpose8x8(b + p, ldb, out + p * kNr, kNr);
      transpose8x8(b + 8 * ldb + p, ldb, out + p * kNr + 8, kNr);
    }
  }
  for (; p < kc; ++p) {
    float* dst = out + p * kNr;
    for (int64_t q = 0; q < cols; ++q) dst[q] = b[q * ldb + p];
    for (int64_t q = cols; q < kNr; ++q) dst[q] = 0.0f;
  }
}

}  // namespace

KernelTable make_avx2_kernels() {
  KernelTable t{};
  t.isa = Isa::kAvx2;
  t.gemm_mr = kMr;
  t.gemm_nr = kNr;
  t.gemm_ukernel = gemm_ukernel_avx2;
  t.gemv = gemv_avx2;
  t.gemm_pack_a = pack_a_avx2;
  t.gemm_pack_b = pack_b_avx2;
  fill_elementwise_avx2(t);
  fill_direct_avx2(t);
  return t;
}

}  // namespace lamina
