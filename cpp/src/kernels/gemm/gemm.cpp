// GEMM driver: blocking, operand layout and threading around the per-ISA
// micro-kernel. A is read in place through (row, col) strides, so op(A) = A^T
// costs nothing; B must present contiguous rows, so op(B) = B^T is either
// packed (transposed once into scratch) or, when that copy would dwarf the
// problem (small M, large N*K: the input gradient of a Dense layer at small
// batch), the product is computed transposed instead: C^T = op(B)^T op(A)^T.
#include <algorithm>
#include <cstring>

#include "lamina/kernels.h"
#include "lamina/runtime.h"

namespace lamina {
namespace {

constexpr int64_t kKc = 256;      // depth of one pass: B panel kc x nr stays in L1
constexpr int64_t kMcTiles = 12;  // row tiles per task
constexpr int64_t kMaxNc = 512;   // columns per task: kc x nc of B stays in L2
constexpr int64_t kMinParallelMacs = 65536;

thread_local Buffer t_pack;
thread_local Buffer t_transposed;

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// C[m, n] (+)= op(A)[m, k] * B[k, n]; B row-major with leading dim ldb.
void gemm_direct(const KernelTable& kt, bool trans_a, int64_t m, int64_t n, int64_t k,
                 const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc,
                 bool accumulate) {
  const int64_t mr = kt.gemm_mr, nr = kt.gemm_nr;
  const int64_t rs_a = trans_a ? 1 : lda;
  const int64_t cs_a = trans_a ? lda : 1;
  // Column blocks: split n across threads (each keeps its share of B in its
  // own L2 across steps) but never wider than kMaxNc.
  const int64_t threads = num_threads();
  int64_t nc = round_up((n + threads - 1) / threads, nr);
  nc = std::max(nr, std::min(nc, kMaxNc));
  const int64_t mc = kMcTiles * mr;
  const int64_t n_blocks = (n + nc - 1) / nc;
  const int64_t m_blocks = (m + mc - 1) / mc;
  // Tasks are column-block major, so a static split hands each thread whole
  // column blocks when there are few of them. Below ~64K multiply-adds waking
  // a second thread costs more than the work itself.
  const int64_t tasks = n_blocks * m_blocks;
  const int64_t grain = m * n * k < kMinParallelMacs ? tasks : 1;
  parallel_for(tasks, grain, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t j0 = (t / m_blocks) * nc, i0 = (t % m_blocks) * mc;
      const int64_t j1 = std::min(n, j0 + nc), i1 = std::min(m, i0 + mc);
      for (int64_t p0 = 0; p0 < k; p0 += kKc) {
        const int64_t kc = std::min(kKc, k - p0);
        const bool acc = accumulate || p0 > 0;
        for (int64_t j = j0; j < j1; j += nr) {
          const int nrr = static_cast<int>(std::min(nr, j1 - j));
          const float* bp = b + p0 * ldb + j;
          for (int64_t i = i0; i < i1; i += mr) {
            const int mrr = static_cast<int>(std::min(mr, i1 - i));
            kt.gemm_ukernel(kc, a + i * rs_a + p0 * cs_a, rs_a, cs_a, bp, ldb, c + i * ldc + j, ldc,
                            mrr, nrr, acc);
          }
        }
      }
    }
  });
}

// dst[cols, rows] = src[rows, cols]^T (src with leading dim lds).
void transpose_into(const float* src, int64_t rows, int64_t cols, int64_t lds, float* dst) {
  parallel_for(cols, 64, [&](int64_t c0, int64_t c1) {
    for (int64_t r0 = 0; r0 < rows; r0 += 32) {
      const int64_t r1 = std::min(rows, r0 + 32);
      for (int64_t c = c0; c < c1; ++c) {
        for (int64_t r = r0; r < r1; ++r) dst[c * rows + r] = src[r * lds + c];
      }
    }
  });
}

}  // namespace

void gemm_reserve_scratch(size_t floats) {
  t_pack.reserve(floats);
  t_transposed.reserve(floats);
}

void gemm_f32(const KernelTable& kt, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
              const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc,
              bool accumulate) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) {
      for (int64_t i = 0; i < m; ++i) std::memset(c + i * ldc, 0, sizeof(float) * n);
    }
    return;
  }
  if (!trans_b) {
    gemm_direct(kt, trans_a, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
  // op(B) = B^T with B [n, k]. Packing B costs k*n; computing C^T instead
  // costs a k*m pack of A (when A is not already transposed) plus two passes
  // over the m*n result.
  const int64_t pack_cost = k * n;
  const int64_t swap_cost = (trans_a ? 0 : k * m) + 2 * m * n;
  if (swap_cost < pack_cost) {
    // C^T[n, m] = B[n, k] * op(A)^T[k, m]; op(A)^T is A^T (pack) or A itself.
    const float* bt = a;
    int64_t ldbt = lda;
    if (!trans_a) {
      float* packed = t_pack.reserve(static_cast<size_t>(k * m));
      transpose_into(a, m, k, lda, packed);
      bt = packed;
      ldbt = m;
    }
    float* ct = t_transposed.reserve(static_cast<size_t>(n * m));
    gemm_direct(kt, false, n, m, k, b, ldb, bt, ldbt, ct, m, false);
    parallel_for(m, 8, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        float* crow = c + i * ldc;
        for (int64_t j = 0; j < n; ++j) {
          crow[j] = accumulate ? crow[j] + ct[j * m + i] : ct[j * m + i];
        }
      }
    });
    return;
  }
  float* packed = t_pack.reserve(static_cast<size_t>(k * n));
  transpose_into(b, n, k, ldb, packed);
  gemm_direct(kt, trans_a, m, n, k, a, lda, packed, n, c, ldc, accumulate);
}

void gemm_f64_ref(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const double* a,
                  int64_t lda, const double* b, int64_t ldb, double* c, int64_t ldc,
                  bool accumulate) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double s = 0.0;
      for (int64_t p = 0; p < k; ++p) {
        double av = trans_a ? a[p * lda + i] : a[i * lda + p];
        double bv = trans_b ? b[j * ldb + p] : b[p * ldb + j];
        s += av * bv;
      }
      c[i * ldc + j] = accumulate ? c[i * ldc + j] + s : s;
    }
  }
}

}  // namespace lamina
