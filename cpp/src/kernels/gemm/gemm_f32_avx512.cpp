// AVX-512 GEMM micro-kernel: 8 rows x 32 columns held in 16 zmm accumulators.
// Column tails use masked loads/stores, so nothing past nr is touched.
#include <immintrin.h>

#include "lamina/kernels/kernel_table.h"
#include "transpose8x8.h"

namespace lamina {
void fill_elementwise_avx512(KernelTable& t);
void fill_direct_avx512(KernelTable& t);

namespace {

constexpr int kMr = 8;
// Up to 12 rows fit in one call (24 accumulators + 2 B vectors + a broadcast
// of 32 zmm registers): the driver's last tile of a block.
constexpr int kMrMax = 12;
constexpr int kNr = 32;

template <int R>
void rows_kernel(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b, int64_t ldb,
                 float* c, int64_t ldc, int nr, bool accumulate) {
  __m512 c0[R], c1[R];
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    c0[r] = _mm512_setzero_ps();
    c1[r] = _mm512_setzero_ps();
  }
  const __mmask16 m0 = nr >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nr) - 1);
  const __mmask16 m1 = nr >= 32  ? 0xFFFF
                       : nr > 16 ? static_cast<__mmask16>((1u << (nr - 16)) - 1)
                                 : 0;
  if (nr == kNr && rs_a == 1 && cs_a == kMr && ldb == kNr) {
    // Packed panels (gemm.cpp's large-problem path): A is [k][kMr], B is
    // [k][kNr], both contiguous, so each step is two loads, R broadcasts and
    // 2R FMAs with no address arithmetic beyond two pointer bumps.
    // C's tile is prefetched a few dozen steps before the end: earlier, the
    // B panel streaming through L1 would evict it again.
    const float* ap = a;
    const float* bp = b;
    auto steps = [&](int64_t count) {
      for (int64_t p = 0; p < count; ++p, ap += kMr, bp += kNr) {
        __m512 b0 = _mm512_loadu_ps(bp);
        __m512 b1 = _mm512_loadu_ps(bp + 16);
#pragma GCC unroll 12
        for (int r = 0; r < R; ++r) {
          __m512 av = _mm512_set1_ps(ap[r]);
          c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);
          c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);
        }
      }
    };
    constexpr int64_t kPrefetchSteps = 48;
    const int64_t head = k > kPrefetchSteps ? k - kPrefetchSteps : 0;
    steps(head);
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + 16), _MM_HINT_T0);
    }
    steps(k - head);
  } else if (nr == kNr && cs_a == 1) {
    for (int64_t p = 0; p < k; ++p) {
      __m512 b0 = _mm512_loadu_ps(b + p * ldb);
      __m512 b1 = _mm512_loadu_ps(b + p * ldb + 16);
#pragma GCC unroll 12
      for (int r = 0; r < R; ++r) {
        __m512 av = _mm512_set1_ps(a[r * rs_a + p]);
        c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);
        c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);
      }
    }
  } else if (nr == kNr) {
    for (int64_t p = 0; p < k; ++p) {
      __m512 b0 = _mm512_loadu_ps(b + p * ldb);
      __m512 b1 = _mm512_loadu_ps(b + p * ldb + 16);
      const float* ap = a + p * cs_a;
#pragma GCC unroll 12
      for (int r = 0; r < R; ++r) {
        __m512 av = _mm512_set1_ps(ap[r * rs_a]);
        c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);
        c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);
      }
    }
  } else {
    for (int64_t p = 0; p < k; ++p) {
      __m512 b0 = _mm512_maskz_loadu_ps(m0, b + p * ldb);
      __m512 b1 = _mm512_maskz_loadu_ps(m1, b + p * ldb + 16);
      const float* ap = a + p * cs_a;
#pragma GCC unroll 12
      for (int r = 0; r < R; ++r) {
        __m512 av = _mm512_set1_ps(ap[r * rs_a]);
        c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);
        c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);
      }
    }
  }
  if (accumulate) {
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      c0[r] = _mm512_add_ps(c0[r], _mm512_maskz_loadu_ps(m0, c + r * ldc));
      c1[r] = _mm512_add_ps(c1[r], _mm512_maskz_loadu_ps(m1, c + r * ldc + 16));
    }
  }
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    _mm512_mask_storeu_ps(c + r * ldc, m0, c0[r]);
    _mm512_mask_storeu_ps(c + r * ldc + 16, m1, c1[r]);
  }
}

void gemm_ukernel_avx512(int64_t k, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                         int64_t ldb, float* c, int64_t ldc, int mr, int nr, bool accumulate) {
  switch (mr) {
    case 12:
      return rows_kernel<12>(k, a, rs_a, cs_a, b, ldb, c, ldc, nr, accumulate);
    case 11:
      return rows_kernel<11>(k, a, rs_a, cs_a, b, ldb, c, ldc, nr, accumulate);
    case 10:
      return rows_kernel<10>(k, a, rs_a, cs_a, b, ldb, c, ldc, nr, accumulate);
    case 9:
      return rows_kernel<9>(k, a, rs_a, cs_a, b, ldb, c, ldc, nr, accumulate);
    case 8:
      return rows_kernel<8>(k, a, rs_a, cs_a, b, ldb, c, ldc, nr, accumulate);
    case 7:
      return rows_kernel<7>(k, a, rs_a, cs_a, b, ldb, c, ldc, nr, accumulate);
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

// 16 * kVecs columns in kVecs accumulators; per row of B, kVecs contiguous
// loads and FMAs (the same fused multiply-add, in the same order, as
// rows_kernel's nr == kNr loops), so hardware prefetch sees one stream.
template <int kVecs>
void gemv_columns(int64_t k, const float* a, int64_t inc_a, const float* b, int64_t ldb, float* c,
                  bool accumulate) {
  __m512 acc[kVecs];
  for (int v = 0; v < kVecs; ++v) acc[v] = _mm512_setzero_ps();
  for (int64_t p = 0; p < k; ++p) {
    const __m512 av = _mm512_set1_ps(a[p * inc_a]);
    const float* brow = b + p * ldb;
    for (int v = 0; v < kVecs; ++v) {
      acc[v] = _mm512_fmadd_ps(av, _mm512_loadu_ps(brow + 16 * v), acc[v]);
    }
  }
  for (int v = 0; v < kVecs; ++v) {
    float* cv = c + 16 * v;
    if (accumulate) acc[v] = _mm512_add_ps(acc[v], _mm512_loadu_ps(cv));
    _mm512_storeu_ps(cv, acc[v]);
  }
}

// 256 columns at a time, then the rest in the widest blocks that fit: a
// thread's share of a 256-wide layer is 128 columns, which one accumulator
// at a time left waiting on the FMA latency (512x256 on two threads was
// slower than on one).
void gemv_avx512(int64_t k, const float* a, int64_t inc_a, const float* b, int64_t ldb, float* c,
                 int64_t nc, bool accumulate) {
  int64_t j = 0;
  for (; j + 256 <= nc; j += 256) gemv_columns<16>(k, a, inc_a, b + j, ldb, c + j, accumulate);
  if (j + 128 <= nc) {
    gemv_columns<8>(k, a, inc_a, b + j, ldb, c + j, accumulate);
    j += 128;
  }
  if (j + 64 <= nc) {
    gemv_columns<4>(k, a, inc_a, b + j, ldb, c + j, accumulate);
    j += 64;
  }
  if (j + 32 <= nc) {
    gemv_columns<2>(k, a, inc_a, b + j, ldb, c + j, accumulate);
    j += 32;
  }
  for (; j < nc; j += 16) {  // the last < 32 columns, 16 (masked) at a time
    const int64_t w = nc - j < 16 ? nc - j : 16;
    const __mmask16 m = static_cast<__mmask16>((1u << w) - 1);
    __m512 acc = _mm512_setzero_ps();
    for (int64_t p = 0; p < k; ++p) {
      acc = _mm512_fmadd_ps(_mm512_set1_ps(a[p * inc_a]), _mm512_maskz_loadu_ps(m, b + p * ldb + j),
                            acc);
    }
    if (accumulate) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, c + j));
    _mm512_mask_storeu_ps(c + j, m, acc);
  }
}

// A strip as [kc][kMr]: A^T's depth steps are contiguous rows; A's rows are
// transposed 8 x 8, so all eight source rows stream at once.
void pack_a_avx512(bool trans_a, const float* a, int64_t lda, int64_t rows, int64_t kc,
                   float* out) {
  if (trans_a) {
    const __mmask8 m = static_cast<__mmask8>((1u << rows) - 1);
    for (int64_t p = 0; p < kc; ++p) {
      _mm256_mask_storeu_ps(out + p * kMr, m, _mm256_maskz_loadu_ps(m, a + p * lda));
    }
    return;
  }
  int64_t p = 0;
  if (rows == kMr) {
    for (; p + 8 <= kc; p += 8) transpose8x8(a + p, lda, out + p * kMr, kMr);
  }
  for (; p < kc; ++p) {
    for (int64_t r = 0; r < rows; ++r) out[p * kMr + r] = a[r * lda + p];
  }
}

// One [kc][kNr] panel of op(B), zero-padded past `cols`.
void pack_b_avx512(bool trans_b, const float* b, int64_t ldb, int64_t cols, int64_t kc,
                   float* out) {
  if (!trans_b) {
    const __mmask16 m0 = cols >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << cols) - 1);
    const __mmask16 m1 = cols >= 32  ? 0xFFFF
                         : cols > 16 ? static_cast<__mmask16>((1u << (cols - 16)) - 1)
                                     : 0;
    for (int64_t p = 0; p < kc; ++p) {
      _mm512_storeu_ps(out + p * kNr, _mm512_maskz_loadu_ps(m0, b + p * ldb));
      _mm512_storeu_ps(out + p * kNr + 16, _mm512_maskz_loadu_ps(m1, b + p * ldb + 16));
    }
    return;
  }
  // op(B)(p, q) = b[q * ldb + p]: 8 x 8 transposes over whole panels.
  int64_t p = 0;
  if (cols == kNr) {
    for (; p + 8 <= kc; p += 8) {
      for (int64_t q = 0; q < kNr; q += 8)
        transpose8x8(b + q * ldb + p, ldb, out + p * kNr + q, kNr);
    }
  }
  for (; p < kc; ++p) {
    float* dst = out + p * kNr;
    for (int64_t q = 0; q < cols; ++q) dst[q] = b[q * ldb + p];
    for (int64_t q = cols; q < kNr; ++q) dst[q] = 0.0f;
  }
}

}  // namespace

KernelTable make_avx512_kernels() {
  KernelTable t{};
  t.isa = Isa::kAvx512;
  t.gemm_mr = kMr;
  t.gemm_mr_max = kMrMax;
  t.gemm_nr = kNr;
  t.gemm_ukernel = gemm_ukernel_avx512;
  t.gemv = gemv_avx512;
  t.gemm_pack_a = pack_a_avx512;
  t.gemm_pack_b = pack_b_avx512;
  fill_elementwise_avx512(t);
  fill_direct_avx512(t);
  return t;
}

}  // namespace lamina
