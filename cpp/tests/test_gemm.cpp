// GEMM: every kernel table this CPU can run against the float64 reference,
// with every operand in a guarded buffer (so a SIMD tail that touches one
// float too many faults here), padding between rows filled with NaN (so a
// read outside the logical matrix poisons the result) and C's padding filled
// with a sentinel (so a write outside it is caught).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "guarded_buffer.h"
#include "lamina/errors.h"
#include "lamina/kernels.h"
#include "lamina/runtime.h"

namespace {

using lamina::Isa;
using lamina::KernelTable;
using lamina_test::GuardedFloats;
using lamina_test::Place;
using lamina_test::strided_extent;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kSentinel = 12345.0f;
constexpr double kUnitRoundoff = 5.9604644775390625e-08;  // 2^-24

struct GemmCase {
  bool trans_a = false, trans_b = false;
  int64_t m = 1, n = 1, k = 1;
  int64_t pad_a = 0, pad_b = 0, pad_c = 0;  // leading dimension minus the minimum
  bool accumulate = false;
};

std::string describe(const GemmCase& c) {
  std::ostringstream s;
  s << "trans_a=" << c.trans_a << " trans_b=" << c.trans_b << " m=" << c.m << " n=" << c.n
    << " k=" << c.k << " pad_a=" << c.pad_a << " pad_b=" << c.pad_b << " pad_c=" << c.pad_c
    << " accumulate=" << c.accumulate;
  return s.str();
}

// A rows x cols operand with leading dimension ld: valid elements uniform in
// [-1, 1), the gaps between rows NaN.
GuardedFloats make_operand(int64_t rows, int64_t cols, int64_t ld, std::mt19937& rng) {
  GuardedFloats buf(strided_extent(rows, cols, ld));
  buf.fill(kNaN);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < cols; ++j) buf[static_cast<size_t>(r * ld + j)] = dist(rng);
  }
  return buf;
}

std::vector<double> to_double(const GuardedFloats& f, bool absolute) {
  std::vector<double> d(f.size());
  for (size_t i = 0; i < f.size(); ++i) d[i] = absolute ? std::fabs(f[i]) : f[i];
  return d;
}

// Runs one case through gemm_f32 with table `kt` and checks every element of C
// against gemm_f64_ref within the classic k-term summation bound.
::testing::AssertionResult check_gemm(const KernelTable& kt, const GemmCase& c, std::mt19937& rng) {
  // A crash (guard page hit) ends the process before any assertion can name
  // the case; LAMINA_TEST_VERBOSE=1 prints each one first.
  static const bool verbose = std::getenv("LAMINA_TEST_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "gemm case: %s\n", describe(c).c_str());
  const int64_t a_rows = c.trans_a ? c.k : c.m, a_cols = c.trans_a ? c.m : c.k;
  const int64_t b_rows = c.trans_b ? c.n : c.k, b_cols = c.trans_b ? c.k : c.n;
  const int64_t lda = a_cols + c.pad_a, ldb = b_cols + c.pad_b, ldc = c.n + c.pad_c;
  GuardedFloats a = make_operand(a_rows, a_cols, lda, rng);
  GuardedFloats b = make_operand(b_rows, b_cols, ldb, rng);
  GuardedFloats out(strided_extent(c.m, c.n, ldc));
  out.fill(kSentinel);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int64_t i = 0; i < c.m; ++i) {
    for (int64_t j = 0; j < c.n; ++j) {
      // Without accumulate C must be overwritten, never read: NaN proves it.
      out[static_cast<size_t>(i * ldc + j)] = c.accumulate ? dist(rng) : kNaN;
    }
  }

  std::vector<double> ad = to_double(a, false), bd = to_double(b, false);
  std::vector<double> ref = to_double(out, false);
  lamina::gemm_f64_ref(c.trans_a, c.trans_b, c.m, c.n, c.k, ad.data(), lda, bd.data(), ldb,
                       ref.data(), ldc, c.accumulate);
  std::vector<double> aa = to_double(a, true), ba = to_double(b, true);
  std::vector<double> bound = to_double(out, true);
  lamina::gemm_f64_ref(c.trans_a, c.trans_b, c.m, c.n, c.k, aa.data(), lda, ba.data(), ldb,
                       bound.data(), ldc, c.accumulate);

  lamina::gemm_f32(kt, c.trans_a, c.trans_b, c.m, c.n, c.k, a.data(), lda, b.data(), ldb,
                   out.data(), ldc, c.accumulate);

  const double factor = 2.0 * static_cast<double>(c.k + 2) * kUnitRoundoff;
  for (int64_t i = 0; i < c.m; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      const size_t idx = static_cast<size_t>(i * ldc + j);
      if (idx >= out.size()) break;
      const float got = out[idx];
      if (j >= c.n) {
        if (got != kSentinel) {
          return ::testing::AssertionFailure()
                 << describe(c) << ": wrote padding C(" << i << ", " << j << ") = " << got;
        }
        continue;
      }
      const double err = std::fabs(static_cast<double>(got) - ref[idx]);
      const double tol = factor * bound[idx] + 1e-30;
      if (!(err <= tol)) {
        return ::testing::AssertionFailure()
               << describe(c) << ": C(" << i << ", " << j << ") = " << got << ", expected "
               << ref[idx] << " (|error| " << err << " > " << tol << ")";
      }
    }
  }
  return ::testing::AssertionSuccess();
}

std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) {
  return lamina::isa_name(info.param);
}

// Parameterised over every ISA; skipped where this CPU cannot run it.
class GemmTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    try {
      kt_ = &lamina::kernels_for(GetParam());
    } catch (const lamina::ValueError& e) {
      GTEST_SKIP() << e.what();
    }
  }
  const KernelTable& kt() const { return *kt_; }
  const KernelTable* kt_ = nullptr;
};

// Sweeps one dimension over 1..130 with the others at odd values, for all four
// transpose combinations, with and without accumulate.
void sweep_dimension(const KernelTable& kt, int which) {
  std::mt19937 rng(1000u + static_cast<unsigned>(which));
  for (int combo = 0; combo < 8; ++combo) {
    for (int64_t v = 1; v <= 130; ++v) {
      GemmCase c;
      c.trans_a = (combo & 1) != 0;
      c.trans_b = (combo & 2) != 0;
      c.accumulate = (combo & 4) != 0;
      c.m = 9;
      c.n = 35;
      c.k = 17;
      (which == 0 ? c.m : which == 1 ? c.n : c.k) = v;
      ASSERT_TRUE(check_gemm(kt, c, rng));
    }
  }
}

// Forces one GEMM path for a test's duration.
class PathScope {
 public:
  explicit PathScope(lamina::GemmPath path) { lamina::set_gemm_path(path); }
  ~PathScope() { lamina::set_gemm_path(lamina::GemmPath::kAuto); }
  PathScope(const PathScope&) = delete;
  PathScope& operator=(const PathScope&) = delete;
};

TEST_P(GemmTest, SweepM) { sweep_dimension(kt(), 0); }
TEST_P(GemmTest, PackedSweepM) {
  PathScope packed(lamina::GemmPath::kPacked);
  sweep_dimension(kt(), 0);
}
TEST_P(GemmTest, PackedSweepN) {
  PathScope packed(lamina::GemmPath::kPacked);
  sweep_dimension(kt(), 1);
}
TEST_P(GemmTest, PackedSweepK) {
  PathScope packed(lamina::GemmPath::kPacked);
  sweep_dimension(kt(), 2);
}
TEST_P(GemmTest, DirectLargeShapes) {
  PathScope direct(lamina::GemmPath::kDirect);
  std::mt19937 rng(17);
  for (int combo = 0; combo < 8; ++combo) {
    GemmCase c;
    c.trans_a = (combo & 1) != 0;
    c.trans_b = (combo & 2) != 0;
    c.accumulate = (combo & 4) != 0;
    c.m = 131;
    c.n = 97;
    c.k = 533;
    c.pad_a = 3;
    ASSERT_TRUE(check_gemm(kt(), c, rng));
  }
}
// Shapes the automatic choice sends down the packed path: several depth
// passes, column blocks, row blocks and (1100 rows) shared A super-blocks,
// with ragged edges; 300x40x1100 takes the direct path split by rows.
TEST_P(GemmTest, PackedLargeShapes) {
  std::mt19937 rng(18);
  const int64_t shapes[][3] = {
      {200, 600, 520}, {97, 1100, 70}, {300, 45, 800}, {1100, 40, 530}, {300, 40, 1100}};
  for (const auto& s : shapes) {
    for (int combo = 0; combo < 8; ++combo) {
      GemmCase c;
      c.trans_a = (combo & 1) != 0;
      c.trans_b = (combo & 2) != 0;
      c.accumulate = (combo & 4) != 0;
      c.m = s[0];
      c.n = s[1];
      c.k = s[2];
      c.pad_b = 5;
      c.pad_c = 1;
      ASSERT_TRUE(check_gemm(kt(), c, rng));
    }
  }
}
TEST_P(GemmTest, SweepN) { sweep_dimension(kt(), 1); }
TEST_P(GemmTest, SweepK) { sweep_dimension(kt(), 2); }

TEST_P(GemmTest, OddLeadingDimensions) {
  std::mt19937 rng(7);
  const int64_t shapes[][3] = {{1, 1, 1}, {5, 7, 3}, {13, 33, 29}, {70, 65, 130}, {3, 129, 257}};
  const int64_t pads[][3] = {{1, 3, 5}, {7, 1, 2}, {3, 11, 1}, {5, 5, 9}};
  for (const auto& s : shapes) {
    for (const auto& p : pads) {
      for (int combo = 0; combo < 8; ++combo) {
        GemmCase c;
        c.trans_a = (combo & 1) != 0;
        c.trans_b = (combo & 2) != 0;
        c.accumulate = (combo & 4) != 0;
        c.m = s[0];
        c.n = s[1];
        c.k = s[2];
        c.pad_a = p[0];
        c.pad_b = p[1];
        c.pad_c = p[2];
        ASSERT_TRUE(check_gemm(kt(), c, rng));
      }
    }
  }
}

TEST_P(GemmTest, RandomShapes) {
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> coin(0, 1);
  std::uniform_int_distribution<int64_t> dim(1, 96);
  std::uniform_int_distribution<int64_t> depth(1, 300);
  std::uniform_int_distribution<int64_t> deep(257, 600);  // more than one K pass
  std::uniform_int_distribution<int64_t> pad(0, 4);
  for (int t = 0; t < 300; ++t) {
    GemmCase c;
    c.trans_a = coin(rng) != 0;
    c.trans_b = coin(rng) != 0;
    c.accumulate = coin(rng) != 0;
    c.m = dim(rng);
    c.n = dim(rng);
    c.k = t % 4 == 3 ? deep(rng) : depth(rng);
    c.pad_a = pad(rng);
    c.pad_b = pad(rng);
    c.pad_c = pad(rng);
    ASSERT_TRUE(check_gemm(kt(), c, rng)) << "random case " << t;
  }
}

// k = 0: C is zeroed without accumulate and left alone with it.
TEST_P(GemmTest, EmptyDepth) {
  for (bool acc : {false, true}) {
    GuardedFloats out(strided_extent(3, 5, 7));
    out.fill(acc ? 2.5f : kNaN);
    GuardedFloats none(0);
    lamina::gemm_f32(kt(), false, false, 3, 5, 0, none.data(), 1, none.data(), 5, out.data(), 7,
                     acc);
    for (int64_t i = 0; i < 3; ++i) {
      for (int64_t j = 0; j < 5; ++j) {
        EXPECT_EQ(out[static_cast<size_t>(i * 7 + j)], acc ? 2.5f : 0.0f) << i << ", " << j;
      }
    }
  }
}

// Each output element is summed over K in a fixed order, so the thread count
// must not change a single bit.
TEST_P(GemmTest, ThreadCountDoesNotChangeResults) {
  const int saved = lamina::num_threads();
  std::mt19937 rng(99);
  const int64_t m = 203, n = 150, k = 301;
  for (int combo = 0; combo < 8; ++combo) {
    PathScope path((combo & 4) != 0 ? lamina::GemmPath::kPacked : lamina::GemmPath::kDirect);
    const bool ta = (combo & 1) != 0, tb = (combo & 2) != 0;
    const int64_t lda = ta ? m : k, ldb = tb ? k : n;
    GuardedFloats a = make_operand(ta ? k : m, ta ? m : k, lda, rng);
    GuardedFloats b = make_operand(tb ? n : k, tb ? k : n, ldb, rng);
    std::vector<std::vector<float>> results;
    for (int threads : {1, 2}) {
      lamina::set_num_threads(threads);
      GuardedFloats out(static_cast<size_t>(m * n));
      lamina::gemm_f32(kt(), ta, tb, m, n, k, a.data(), lda, b.data(), ldb, out.data(), n, false);
      results.push_back(out.to_vector());
    }
    EXPECT_EQ(0, std::memcmp(results[0].data(), results[1].data(), results[0].size() * 4))
        << "trans_a=" << ta << " trans_b=" << tb;
  }
  lamina::set_num_threads(saved);
}

// The micro-kernel on its own, for every tile size it accepts, with A read
// both row-major and column-major and every operand flush against a guard page
// at its end or its start.
TEST_P(GemmTest, MicroKernelEveryTileSize) {
  const KernelTable& t = kt();
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int mr = 1; mr <= std::max(t.gemm_mr, t.gemm_mr_max); ++mr) {
    for (int nr = 1; nr <= t.gemm_nr; ++nr) {
      for (int64_t k : {1, 3, 17}) {
        for (int variant = 0; variant < 8; ++variant) {
          const bool acc = (variant & 1) != 0;
          const bool a_col_major = (variant & 2) != 0;
          const Place place = (variant & 4) != 0 ? Place::kStart : Place::kEnd;
          // A as rows x cols with a padded leading dimension.
          const int64_t a_rows = a_col_major ? k : mr, a_cols = a_col_major ? mr : k;
          const int64_t lda = a_cols + 3;
          const int64_t rs_a = a_col_major ? 1 : lda, cs_a = a_col_major ? lda : 1;
          const int64_t ldb = nr + 5, ldc = nr + 2;
          GuardedFloats a(strided_extent(a_rows, a_cols, lda), place);
          GuardedFloats b(strided_extent(k, nr, ldb), place);
          GuardedFloats c(strided_extent(mr, nr, ldc), place);
          a.fill(kNaN);
          b.fill(kNaN);
          c.fill(kSentinel);
          for (int i = 0; i < mr; ++i) {
            for (int64_t p = 0; p < k; ++p) a[static_cast<size_t>(i * rs_a + p * cs_a)] = dist(rng);
          }
          for (int64_t p = 0; p < k; ++p) {
            for (int j = 0; j < nr; ++j) b[static_cast<size_t>(p * ldb + j)] = dist(rng);
          }
          for (int i = 0; i < mr; ++i) {
            for (int j = 0; j < nr; ++j) {
              c[static_cast<size_t>(i * ldc + j)] = acc ? dist(rng) : kNaN;
            }
          }
          std::vector<float> c0 = c.to_vector();
          t.gemm_ukernel(k, a.data(), rs_a, cs_a, b.data(), ldb, c.data(), ldc, mr, nr, acc);
          for (int i = 0; i < mr; ++i) {
            for (int64_t j = 0; j < ldc; ++j) {
              const size_t idx = static_cast<size_t>(i * ldc + j);
              if (idx >= c.size()) break;
              if (j >= nr) {
                ASSERT_EQ(c[idx], kSentinel) << "wrote C padding: mr=" << mr << " nr=" << nr;
                continue;
              }
              double want = acc ? c0[idx] : 0.0, bound = acc ? std::fabs(c0[idx]) : 0.0;
              for (int64_t p = 0; p < k; ++p) {
                const double prod =
                    static_cast<double>(a[static_cast<size_t>(i * rs_a + p * cs_a)]) *
                    b[static_cast<size_t>(p * ldb + j)];
                want += prod;
                bound += std::fabs(prod);
              }
              const double tol = 2.0 * static_cast<double>(k + 2) * kUnitRoundoff * bound + 1e-30;
              ASSERT_LE(std::fabs(c[idx] - want), tol)
                  << "mr=" << mr << " nr=" << nr << " k=" << k << " acc=" << acc
                  << " a_col_major=" << a_col_major << " at (" << i << ", " << j << ")";
            }
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, GemmTest,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512), isa_param_name);

// The helper itself: touching one element past the end (or before the start
// with Place::kStart) must kill the process, or the sweeps above prove nothing.
TEST(GuardedBufferDeathTest, AccessOutsideTheArrayFaults) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (size_t n : {size_t{1}, size_t{5}, size_t{1024}, size_t{1031}}) {
    GuardedFloats end(n);
    GuardedFloats start(n, Place::kStart);
    end[0] = end[n - 1] = 1.0f;  // the whole array is usable
    start[0] = start[n - 1] = 1.0f;
    volatile float* past_end = end.data() + n;
    volatile float* before_start = start.data() - 1;
    EXPECT_DEATH(*past_end = 1.0f, "") << "n=" << n;
    EXPECT_DEATH(*before_start = 1.0f, "") << "n=" << n;
    if (lamina_test::guard_reads_fault()) {
      EXPECT_DEATH(std::printf("%f", static_cast<double>(*past_end)), "") << "n=" << n;
      EXPECT_DEATH(std::printf("%f", static_cast<double>(*before_start)), "") << "n=" << n;
    }
  }
}

// The f64 reference itself, on a case small enough to write out by hand.
TEST(GemmReference, HandWorkedExample) {
  const double a[] = {1, 2, 3, 4, 5, 6};     // [2, 3]
  const double b[] = {7, 8, 9, 10, 11, 12};  // [3, 2]
  double c[] = {1, 1, 1, 1};
  lamina::gemm_f64_ref(false, false, 2, 2, 3, a, 3, b, 2, c, 2, true);
  EXPECT_EQ(c[0], 1 + 58.0);
  EXPECT_EQ(c[1], 1 + 64.0);
  EXPECT_EQ(c[2], 1 + 139.0);
  EXPECT_EQ(c[3], 1 + 154.0);
  // A^T B^T with A stored [3, 2] and B stored [2, 3] gives the same product.
  const double at[] = {1, 4, 2, 5, 3, 6};
  const double bt[] = {7, 9, 11, 8, 10, 12};
  double d[4];
  lamina::gemm_f64_ref(true, true, 2, 2, 3, at, 2, bt, 3, d, 2, false);
  EXPECT_EQ(d[0], 58.0);
  EXPECT_EQ(d[1], 64.0);
  EXPECT_EQ(d[2], 139.0);
  EXPECT_EQ(d[3], 154.0);
}

}  // namespace

namespace {

// The fused epilogue equals GEMM, then bias, then the activation, on every
// path and both depths of blocking; bit for bit, since it runs the same
// activation kernel on the same values.
TEST(GemmEpilogue, MatchesSeparatePasses) {
  std::mt19937 rng(31);
  const lamina::ActivationSpec relu = lamina::activation_spec("relu");
  const lamina::ActivationSpec tanh = lamina::activation_spec("tanh");
  const lamina::ActivationSpec sigmoid = lamina::activation_spec("sigmoid");
  const lamina::ActivationSpec* acts[] = {nullptr, &relu, &tanh, &sigmoid};
  const int64_t shapes[][3] = {{5, 37, 19}, {130, 300, 270}, {600, 290, 140}};
  for (lamina::GemmPath path :
       {lamina::GemmPath::kAuto, lamina::GemmPath::kDirect, lamina::GemmPath::kPacked}) {
    PathScope scope(path);
    for (const auto& s : shapes) {
      for (int combo = 0; combo < 4; ++combo) {
        const bool ta = (combo & 1) != 0, tb = (combo & 2) != 0;
        const int64_t m = s[0], n = s[1], k = s[2];
        GuardedFloats a = make_operand(ta ? k : m, ta ? m : k, ta ? m : k, rng);
        GuardedFloats b = make_operand(tb ? n : k, tb ? k : n, tb ? k : n, rng);
        GuardedFloats bias = make_operand(1, n, n, rng);
        for (const lamina::ActivationSpec* act : acts) {
          lamina::GemmEpilogue ep;
          ep.bias = bias.data();
          ep.activation = act;
          GuardedFloats fused(static_cast<size_t>(m * n)), plain(static_cast<size_t>(m * n));
          lamina::gemm_f32(ta, tb, m, n, k, a.data(), ta ? m : k, b.data(), tb ? k : n,
                           fused.data(), n, false, ep);
          lamina::gemm_f32(ta, tb, m, n, k, a.data(), ta ? m : k, b.data(), tb ? k : n,
                           plain.data(), n, false);
          lamina::bias_add(plain.data(), bias.data(), m, n);
          if (act != nullptr) lamina::activation_forward(*act, plain.data(), plain.data(), m, n);
          ASSERT_EQ(0, std::memcmp(fused.data(), plain.data(), sizeof(float) * m * n))
              << "m=" << m << " n=" << n << " k=" << k << " ta=" << ta << " tb=" << tb;
        }
      }
    }
  }
}

TEST(GemmEpilogue, RejectsSoftmax) {
  const lamina::ActivationSpec softmax = lamina::activation_spec("softmax");
  lamina::GemmEpilogue ep;
  ep.activation = &softmax;
  float a = 1.0f, b = 1.0f, c = 0.0f;
  EXPECT_THROW(lamina::gemm_f32(false, false, 1, 1, 1, &a, 1, &b, 1, &c, 1, false, ep),
               lamina::ValueError);
}

}  // namespace

namespace {

// Batch-1 rows take the GEMV kernel where the table has one; a row's result
// must not depend on the batch it came in (predict on one sample equals that
// sample's row of a batch), for widths that give each thread's share of the
// columns every one of the one-row kernel's blocks (256, 128, 64, 32 and
// masked 16 columns), and depths across the 512-deep passes.
TEST_P(GemmTest, SingleRowMatchesItsRowInABatch) {
  std::mt19937 rng(41);
  for (int64_t n :
       {1, 15, 16, 17, 32, 48, 64, 100, 128, 160, 200, 255, 256, 257, 300, 384, 512, 530}) {
    for (int64_t k : {1, 7, 256, 300, 512, 513, 784, 1100}) {
      for (bool acc : {false, true}) {
        const int64_t m = 5;
        GuardedFloats a = make_operand(m, k, k, rng);
        GuardedFloats b = make_operand(k, n, n, rng);
        GuardedFloats batch = make_operand(m, n, n, rng);
        GuardedFloats single(static_cast<size_t>(n));
        for (int64_t j = 0; j < n; ++j)
          single[static_cast<size_t>(j)] = batch[static_cast<size_t>(2 * n + j)];
        lamina::gemm_f32(kt(), false, false, m, n, k, a.data(), k, b.data(), n, batch.data(), n,
                         acc);
        lamina::gemm_f32(kt(), false, false, 1, n, k, a.data() + 2 * k, k, b.data(), n,
                         single.data(), n, acc);
        ASSERT_EQ(0, std::memcmp(single.data(), batch.data() + 2 * n, sizeof(float) * n))
            << "n=" << n << " k=" << k << " accumulate=" << acc;
      }
    }
  }
}

// The same holds when the batch is large enough for the packed path: every
// path sums K in the same passes.
TEST_P(GemmTest, SingleRowMatchesItsRowInAPackedBatch) {
  std::mt19937 rng(43);
  const int64_t m = 600, n = 300, k = 1100;
  GuardedFloats a = make_operand(m, k, k, rng);
  GuardedFloats b = make_operand(k, n, n, rng);
  GuardedFloats batch(static_cast<size_t>(m * n));
  GuardedFloats single(static_cast<size_t>(n));
  lamina::gemm_f32(kt(), false, false, m, n, k, a.data(), k, b.data(), n, batch.data(), n, false);
  for (int64_t row : {0, 7, 599}) {
    lamina::gemm_f32(kt(), false, false, 1, n, k, a.data() + row * k, k, b.data(), n, single.data(),
                     n, false);
    ASSERT_EQ(0, std::memcmp(single.data(), batch.data() + row * n, sizeof(float) * n))
        << "row " << row;
  }
}

}  // namespace
