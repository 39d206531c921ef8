// GEMM driver: blocking, operand layout and threading around the per-ISA
// micro-kernel. A is read in place through (row, col) strides, so op(A) = A^T
// costs nothing; B must present contiguous rows, so op(B) = B^T is either
// packed (transposed once into scratch) or, when that copy would dwarf the
// problem (small M, large N*K: the input gradient of a Dense layer at small
// batch), the product is computed transposed instead: C^T = op(B)^T op(A)^T.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "lamina/errors.h"
#include "lamina/kernels.h"
#include "lamina/runtime.h"

namespace lamina {
namespace {

// Depth of one pass over K, the same on every path (direct, GEMV, packed):
// each element is summed in kKc-deep passes in order, so a row's result does
// not depend on the path its batch took, the batch size or the thread count.
// 512-deep passes halve the trips of C through the cache against 256 (1024^3
// on two threads: ~210 vs ~190 GFLOP/s here) and cost the direct path nothing.
constexpr int64_t kKc = 512;
constexpr int64_t kMcTiles = 12;  // row tiles per task
constexpr int64_t kMaxNc = 512;   // columns per task
constexpr int64_t kMinParallelMacs = 65536;
constexpr int64_t kSplitRowsMinDepth = 1024;

thread_local Buffer t_pack;
thread_local Buffer t_transposed;
thread_local Buffer t_b_panels;  // packed path: this thread's B block

// Packed path (large problems): the widest B block a task packs (kKc x
// kPackNc floats = 512 KiB, half this CPU's L2).
constexpr int64_t kPackNc = 256;
// Rows of op(A) packed per super-block (1024 x kKc floats = 2 MiB, shared by
// the threads).
constexpr int64_t kPackRows = 1024;
thread_local Buffer t_a_block;  // packed path: the calling thread's shared A strips
// When to pack (measured with cpp/bench, one thread): packing op(B) costs
// about 1/m of the work. With op(B) = B^T the alternative is a full
// transpose anyway, so packing wins from ~100 rows; with B read in place the
// direct path stays ahead up to a few hundred rows (256x512x784: 100 vs 91
// GFLOP/s) and packing pays from 1024 rows (1024^3: 102 vs 99).
// A packed A strip is reused once per B panel, and a packed B block once per
// strip, so narrow (n < 256) or shallow (k < 128) problems do not repay it
// (bench_gemm.py: a 15488x64x288 im2col GEMM ran at half numpy's speed).
constexpr int64_t kPackMinRowsTransB = 96;
constexpr int64_t kPackMinRows = 512;
constexpr int64_t kPackMinCols = 256;
constexpr int64_t kPackMinDepth = 128;
constexpr int64_t kPackMinMacs = int64_t{1} << 22;

bool choose_packed(bool trans_b, int64_t m, int64_t n, int64_t k) {
  if (m * n * k < kPackMinMacs || k < kPackMinDepth) return false;
  return trans_b ? m >= kPackMinRowsTransB : m >= kPackMinRows && n >= kPackMinCols;
}

std::atomic<GemmPath> g_path{GemmPath::kAuto};

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// The first column of block `blk` when n columns are cut into `blocks`
// column blocks at nr-wide panel boundaries, the panels dealt out evenly
// (784 columns in four: 6, 6, 6 and 7 panels, not 7, 7, 7 and 4, which left
// one thread a quarter short). blk == blocks gives n.
int64_t panel_block_start(int64_t n, int64_t nr, int64_t blocks, int64_t blk) {
  return std::min(n, (n + nr - 1) / nr * blk / blocks * nr);
}

bool has_work(const GemmEpilogue& ep) {
  return ep.bias != nullptr ||
         (ep.activation != nullptr && ep.activation->kind != Activation::kLinear);
}

// C[i0:i1, j0:j1] = act(C + bias[j0:j1]) while the block is hot. The bias and
// a plain relu (the common conv/Dense case) run inline in one pass over the
// block; other activations go to the activation kernels, once per block when
// its rows are contiguous, else row by row.
void apply_epilogue(const GemmEpilogue& ep, float* c, int64_t ldc, int64_t i0, int64_t i1,
                    int64_t j0, int64_t j1) {
  const bool act = ep.activation != nullptr && ep.activation->kind != Activation::kLinear;
  const bool relu = ep.activation != nullptr && activation_is_plain_relu(*ep.activation);
  const int64_t width = j1 - j0;
  const float* bias = ep.bias != nullptr ? ep.bias + j0 : nullptr;
  for (int64_t i = i0; i < i1; ++i) {
    float* __restrict row = c + i * ldc + j0;
    if (bias != nullptr && relu) {
      // NaN passes through relu, as in TensorFlow.
      for (int64_t j = 0; j < width; ++j) {
        const float v = row[j] + bias[j];
        row[j] = v < 0.0f ? 0.0f : v;
      }
    } else if (relu) {
      for (int64_t j = 0; j < width; ++j) row[j] = row[j] < 0.0f ? 0.0f : row[j];
    } else if (bias != nullptr) {
      for (int64_t j = 0; j < width; ++j) row[j] += bias[j];
    }
  }
  if (!act || relu) return;
  if (ldc == width) {
    float* block = c + i0 * ldc + j0;
    activation_forward(*ep.activation, block, block, i1 - i0, width);
    return;
  }
  for (int64_t i = i0; i < i1; ++i) {
    float* row = c + i * ldc + j0;
    activation_forward(*ep.activation, row, row, 1, width);
  }
}

// One panel of op(B) (its (0, 0) at b) as [kc][nr], zero-padded: the
// fallback when the kernel table has no packing routine.
void pack_b_panel_scalar(bool trans_b, const float* b, int64_t ldb, int64_t cols, int64_t kc,
                         int64_t nr, float* out) {
  if (!trans_b) {
    for (int64_t p = 0; p < kc; ++p) {
      float* dst = out + p * nr;
      std::memcpy(dst, b + p * ldb, sizeof(float) * cols);
      for (int64_t q = cols; q < nr; ++q) dst[q] = 0.0f;
    }
    return;
  }
  // op(B)(p, q) = b[q * ldb + p]: read each of B's rows once, contiguously.
  if (cols < nr) std::memset(out, 0, sizeof(float) * kc * nr);
  for (int64_t q = 0; q < cols; ++q) {
    const float* src = b + q * ldb;
    for (int64_t p = 0; p < kc; ++p) out[p * nr + q] = src[p];
  }
}

// B block [p0, p0 + kc) x [j0, j1) of op(B) as nr-wide panels, each [kc][nr]
// contiguous, the last one zero-padded.
void pack_b(const KernelTable& kt, bool trans_b, const float* b, int64_t ldb, int64_t p0,
            int64_t kc, int64_t j0, int64_t j1, float* out) {
  const int64_t nr = kt.gemm_nr;
  for (int64_t j = j0; j < j1; j += nr, out += kc * nr) {
    const int64_t cols = std::min(nr, j1 - j);
    const float* src = trans_b ? b + j * ldb + p0 : b + p0 * ldb + j;
    if (kt.gemm_pack_b != nullptr) {
      kt.gemm_pack_b(trans_b, src, ldb, cols, kc, out);
    } else {
      pack_b_panel_scalar(trans_b, src, ldb, cols, kc, nr, out);
    }
  }
}

// Rows [i, i + rows) x depth [p0, p0 + kc) of op(A) as [kc][mr].
void pack_a(const KernelTable& kt, bool trans_a, const float* a, int64_t lda, int64_t i,
            int64_t rows, int64_t p0, int64_t kc, float* out) {
  const int64_t mr = kt.gemm_mr;
  const float* src = trans_a ? a + p0 * lda + i : a + i * lda + p0;
  if (kt.gemm_pack_a != nullptr) {
    kt.gemm_pack_a(trans_a, src, lda, rows, kc, out);
  } else if (trans_a) {
    for (int64_t p = 0; p < kc; ++p) std::memcpy(out + p * mr, src + p * lda, sizeof(float) * rows);
  } else {
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t p = 0; p < kc; ++p) out[p * mr + r] = src[r * lda + p];
    }
  }
}

// C[m, n] (+)= op(A)[m, k] * B[k, n]; B row-major with leading dim ldb.
void gemm_direct(const KernelTable& kt, bool trans_a, int64_t m, int64_t n, int64_t k,
                 const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc,
                 bool accumulate, const GemmEpilogue& ep) {
  const int64_t mr = kt.gemm_mr, nr = kt.gemm_nr, mr_max = std::max(kt.gemm_mr, kt.gemm_mr_max);
  const int64_t rs_a = trans_a ? 1 : lda;
  const int64_t cs_a = trans_a ? lda : 1;
  // Column blocks: split n across threads (each keeps its share of B in its
  // own L2 across steps) but never wider than kMaxNc. Every column block
  // reads all of op(A) again, so when op(A) is the big operand -- a long K
  // with m well above n, like a convolution's kernel gradient over a whole
  // batch -- the threads split the rows instead and each streams its part of
  // op(A) once (288x64x15488 on two threads: ~120 -> ~170 GFLOP/s).
  const int64_t threads = num_threads();
  const bool split_rows = k >= kSplitRowsMinDepth && m >= 2 * n && n <= kMaxNc;
  int64_t nc = split_rows ? round_up(n, nr) : round_up((n + threads - 1) / threads, nr);
  nc = std::max(nr, std::min(nc, kMaxNc));
  int64_t mc = kMcTiles * mr;
  if (split_rows) {
    const int64_t blocks = round_up((m + mc - 1) / mc, threads);
    mc = round_up((m + blocks - 1) / blocks, mr);
  }
  const int64_t n_blocks = (n + nc - 1) / nc;
  const int64_t m_blocks = (m + mc - 1) / mc;
  auto block_start = [&](int64_t blk) { return panel_block_start(n, nr, n_blocks, blk); };
  if (m == 1 && kt.gemv != nullptr) {
    // One row (batch-1 predict): stream B's rows whole, column blocks split
    // across threads, the same kKc depth passes as the tiles below.
    const int64_t cols = round_up((n + threads - 1) / threads, nr);
    const int64_t blocks = (n + cols - 1) / cols;
    const int64_t grain = n * k < kMinParallelMacs ? blocks : 1;
    parallel_for(blocks, grain, [&](int64_t b0, int64_t b1) {
      for (int64_t blk = b0; blk < b1; ++blk) {
        const int64_t j0 = blk * cols, j1 = std::min(n, j0 + cols);
        for (int64_t p0 = 0; p0 < k; p0 += kKc) {
          kt.gemv(std::min(kKc, k - p0), a + p0 * cs_a, cs_a, b + p0 * ldb + j0, ldb, c + j0,
                  j1 - j0, accumulate || p0 > 0);
        }
        if (has_work(ep)) apply_epilogue(ep, c, ldc, 0, 1, j0, j1);
      }
    });
    return;
  }
  // Tasks are column-block major, so a static split hands each thread whole
  // column blocks when there are few of them. Below ~64K multiply-adds waking
  // a second thread costs more than the work itself.
  const int64_t tasks = n_blocks * m_blocks;
  const int64_t grain = m * n * k < kMinParallelMacs ? tasks : 1;
  parallel_for(tasks, grain, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t j0 = block_start(t / m_blocks), j1 = block_start(t / m_blocks + 1);
      const int64_t i0 = (t % m_blocks) * mc, i1 = std::min(m, i0 + mc);
      for (int64_t p0 = 0; p0 < k; p0 += kKc) {
        const int64_t kc = std::min(kKc, k - p0);
        const bool acc = accumulate || p0 > 0;
        for (int64_t j = j0; j < j1; j += nr) {
          const int nrr = static_cast<int>(std::min(nr, j1 - j));
          const float* bp = b + p0 * ldb + j;
          for (int64_t i = i0, mrr = 0; i < i1; i += mrr) {
            // The last strip takes a short remainder with it (9 rows as one
            // 9-row tile, not 8 + 1) where the micro-kernel has the registers.
            mrr = i1 - i <= mr_max ? i1 - i : mr;
            kt.gemm_ukernel(kc, a + i * rs_a + p0 * cs_a, rs_a, cs_a, bp, ldb, c + i * ldc + j, ldc,
                            static_cast<int>(mrr), nrr, acc);
          }
        }
      }
      if (has_work(ep)) apply_epilogue(ep, c, ldc, i0, i1, j0, j1);
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

// The cache-blocked path. Rows go in super-blocks of kPackRows; per depth
// pass of one super-block the threads first pack its op(A) rows together
// into shared mr-row strips (each strip packed once, not once per column
// block), then run tasks of (column block, row block): a task packs its
// kc x nc block of op(B) into panels that stay in its core's L2 and runs the
// micro-kernel over every (strip, panel). Each element is still summed over K
// in kKc passes in order, so results do not depend on the thread count.
void gemm_packed(const KernelTable& kt, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                 const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc,
                 bool accumulate, const GemmEpilogue& ep) {
  const int64_t mr = kt.gemm_mr, nr = kt.gemm_nr;
  const int64_t threads = num_threads();
  // Column blocks of at most kPackNc, their count a multiple of the thread
  // count where there are enough panels, so no thread idles at the end.
  const int64_t panels_total = (n + nr - 1) / nr;
  int64_t n_blocks = round_up((n + kPackNc - 1) / kPackNc, threads);
  n_blocks = std::max<int64_t>(1, std::min(n_blocks, panels_total));
  const int64_t nc = (panels_total + n_blocks - 1) / n_blocks * nr;  // the widest block
  auto block_start = [&](int64_t blk) { return panel_block_start(n, nr, n_blocks, blk); };
  const int64_t kc_max = std::min(kKc, k);
  float* strips =
      t_a_block.reserve(static_cast<size_t>(round_up(std::min(m, kPackRows), mr) * kc_max));
  for (int64_t s0 = 0; s0 < m; s0 += kPackRows) {
    const int64_t rows = std::min(kPackRows, m - s0);
    const int64_t strip_count = (rows + mr - 1) / mr;
    // Enough row blocks that every thread has work, at least 2 strips each.
    const int64_t m_split = std::max<int64_t>(1, (threads + n_blocks - 1) / n_blocks);
    const int64_t mc = std::max(2 * mr, round_up((rows + m_split - 1) / m_split, mr));
    const int64_t m_blocks = (rows + mc - 1) / mc;
    for (int64_t p0 = 0; p0 < k; p0 += kKc) {
      const int64_t kc = std::min(kKc, k - p0);
      const bool acc = accumulate || p0 > 0;
      const bool last_pass = p0 + kKc >= k;
      parallel_for(strip_count, 8, [&](int64_t q0, int64_t q1) {
        for (int64_t q = q0; q < q1; ++q) {
          const int64_t i = s0 + q * mr;
          pack_a(kt, trans_a, a, lda, i, std::min(mr, s0 + rows - i), p0, kc, strips + q * mr * kc);
        }
      });
      parallel_for(n_blocks * m_blocks, 1, [&](int64_t t0, int64_t t1) {
        float* panels = t_b_panels.reserve(static_cast<size_t>(kc_max * round_up(nc, nr)));
        for (int64_t t = t0; t < t1; ++t) {
          const int64_t j0 = block_start(t / m_blocks), j1 = block_start(t / m_blocks + 1);
          const int64_t i0 = s0 + (t % m_blocks) * mc, i1 = std::min(s0 + rows, i0 + mc);
          pack_b(kt, trans_b, b, ldb, p0, kc, j0, j1, panels);
          for (int64_t i = i0; i < i1; i += mr) {
            const int mrr = static_cast<int>(std::min(mr, i1 - i));
            const float* strip = strips + (i - s0) * kc;
            const float* panel = panels;
            for (int64_t j = j0; j < j1; j += nr, panel += kc * nr) {
              const int nrr = static_cast<int>(std::min(nr, j1 - j));
              kt.gemm_ukernel(kc, strip, 1, mr, panel, nr, c + i * ldc + j, ldc, mrr, nrr, acc);
            }
          }
          if (last_pass && has_work(ep)) apply_epilogue(ep, c, ldc, i0, i1, j0, j1);
        }
      });
    }
  }
}

}  // namespace

void set_gemm_path(GemmPath path) { g_path.store(path, std::memory_order_relaxed); }

void gemm_reserve_scratch(size_t floats) {
  t_pack.reserve(floats);
  t_transposed.reserve(floats);
}

void gemm_f32(const KernelTable& kt, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
              const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc,
              bool accumulate, const GemmEpilogue& ep) {
  if (ep.activation != nullptr && ep.activation->kind == Activation::kSoftmax) {
    throw ValueError("gemm_f32: a softmax epilogue needs whole rows; apply it after the GEMM.");
  }
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) {
      for (int64_t i = 0; i < m; ++i) std::memset(c + i * ldc, 0, sizeof(float) * n);
    }
    if (has_work(ep)) apply_epilogue(ep, c, ldc, 0, m, 0, n);
    return;
  }
  const GemmPath path = g_path.load(std::memory_order_relaxed);
  if (path == GemmPath::kPacked || (path == GemmPath::kAuto && choose_packed(trans_b, m, n, k))) {
    gemm_packed(kt, trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate, ep);
    return;
  }
  if (!trans_b) {
    gemm_direct(kt, trans_a, m, n, k, a, lda, b, ldb, c, ldc, accumulate, ep);
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
    gemm_direct(kt, false, n, m, k, b, ldb, bt, ldbt, ct, m, false, GemmEpilogue{});
    parallel_for(m, 8, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        float* crow = c + i * ldc;
        for (int64_t j = 0; j < n; ++j) {
          crow[j] = accumulate ? crow[j] + ct[j * m + i] : ct[j * m + i];
        }
      }
      if (has_work(ep)) apply_epilogue(ep, c, ldc, i0, i1, 0, n);
    });
    return;
  }
  float* packed = t_pack.reserve(static_cast<size_t>(k * n));
  transpose_into(b, n, k, ldb, packed);
  gemm_direct(kt, trans_a, m, n, k, a, lda, packed, n, c, ldc, accumulate, ep);
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
