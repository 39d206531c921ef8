// parallel_for and the thread pool: every index exactly once, whatever the
// thread count, with concurrent callers and nested calls. Also run under
// ThreadSanitizer by tools/check_cpp.sh.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "lamina/runtime.h"

namespace lamina {
namespace {

class ThreadCount {
 public:
  explicit ThreadCount(int n) : saved_(num_threads()) { set_num_threads(n); }
  ~ThreadCount() { set_num_threads(saved_); }

 private:
  int saved_;
};

void expect_each_index_once(int64_t n, int64_t grain) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
  parallel_for(n, grain, [&](int64_t b, int64_t e) {
    ASSERT_LE(0, b);
    ASSERT_LE(b, e);
    ASSERT_LE(e, n);
    for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
  });
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << i;
}

TEST(ParallelFor, CoversEveryIndexOnceForAnyThreadCount) {
  for (int threads : {1, 2, 3, 4}) {
    ThreadCount tc(threads);
    for (int64_t n : {0, 1, 2, 3, 7, 64, 1000, 4097}) {
      for (int64_t grain : {1, 3, 64, 100000}) expect_each_index_once(n, grain);
    }
  }
}

TEST(ParallelForEach, CallsEveryItemOnceForAnyThreadCount) {
  for (int threads : {1, 2, 3, 4}) {
    ThreadCount tc(threads);
    for (int64_t n : {0, 1, 2, 3, 7, 64, 1001}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      lamina::parallel_for_each(n, [&](int64_t i) {
        ASSERT_LE(0, i);
        ASSERT_LT(i, n);
        hits[static_cast<size_t>(i)].fetch_add(1);
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << i;
    }
  }
}

TEST(ParallelFor, ChunksDependOnlyOnSizesAndThreadCount) {
  ThreadCount tc(2);
  std::vector<std::pair<int64_t, int64_t>> first, second;
  std::mutex m;
  for (auto* out : {&first, &second}) {
    parallel_for(1000, 1, [&](int64_t b, int64_t e) {
      std::lock_guard<std::mutex> lock(m);
      out->push_back({b, e});
    });
    std::sort(out->begin(), out->end());
  }
  EXPECT_EQ(first, second);
  ASSERT_EQ(first.size(), 2u);
  const std::pair<int64_t, int64_t> first_chunk{0, 500};
  EXPECT_EQ(first[0], first_chunk);
}

TEST(ParallelFor, ConcurrentCallersAllFinishCorrectly) {
  ThreadCount tc(2);
  std::vector<std::thread> callers;
  std::atomic<int> failures{0};
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      for (int rep = 0; rep < 300; ++rep) {
        const int64_t n = 100 + 37 * c + rep;
        std::atomic<int64_t> sum{0};
        parallel_for(n, 1, [&](int64_t b, int64_t e) {
          int64_t s = 0;
          for (int64_t i = b; i < e; ++i) s += i;
          sum.fetch_add(s);
        });
        if (sum.load() != n * (n - 1) / 2) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(ParallelFor, NestedCallsRunInline) {
  ThreadCount tc(2);
  std::atomic<int64_t> total{0};
  parallel_for(8, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      parallel_for(100, 1, [&](int64_t b2, int64_t e2) { total.fetch_add(e2 - b2); });
    }
  });
  EXPECT_EQ(total.load(), 800);
}

TEST(ParallelFor, WorkersSetFlushToZero) {
  ThreadCount tc(2);
  std::atomic<int> denormal_results{0};
  volatile float tiny = 1e-38f;
  parallel_for(2, 1, [&](int64_t, int64_t) {
    float r = tiny * 0.001f;  // a denormal unless FTZ is on
    if (r != 0.0f) denormal_results.fetch_add(1);
  });
  EXPECT_EQ(denormal_results.load(), 0);
  // The caller's own state is restored afterwards.
  float r = tiny * 0.001f;
  EXPECT_NE(r, 0.0f);
}

}  // namespace
}  // namespace lamina
