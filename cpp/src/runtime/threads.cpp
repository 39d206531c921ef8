// lamina's thread pool and parallel_for.
//
// Why not OpenMP: an OpenMP region ends with a join, so every parallel kernel
// waits for every thread to be scheduled. With one other busy process on a
// 2-core machine (a data-loading worker, say) that wait costs a scheduler
// time slice per region, and training ran 4x slower on two threads than on
// one. Here the caller takes part in its own job and claims any chunk that
// no worker has started, so a descheduled worker delays nothing; it only
// waits for chunks a running worker has already begun.
//
// Chunks are fixed by (n, grain, thread count), never by who runs them, so
// results do not depend on scheduling. Workers are created lazily, set
// flush-to-zero for themselves, spin briefly between jobs and then sleep.
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "lamina/cpu.h"
#include "lamina/runtime.h"

#if defined(LAMINA_X86)
#include <xmmintrin.h>
#endif

namespace lamina {
namespace {

using ChunkFn = std::function<void(int64_t, int64_t)>;

constexpr int kMaxThreads = 256;
// How long an idle worker spins before sleeping: long enough to span the
// Python code between two native calls of a training loop. LAMINA_SPIN_US
// overrides it (0 = sleep at once); bench/README.md has figures for both.
std::chrono::microseconds spin_time() {
  static const std::chrono::microseconds spin = [] {
    if (const char* env = std::getenv("LAMINA_SPIN_US")) {
      const long us = std::atol(env);
      if (us >= 0) return std::chrono::microseconds(us);
    }
    return std::chrono::microseconds(300);
  }();
  return spin;
}

std::atomic<bool> g_forked_child{false};
void mark_forked_child() { g_forked_child.store(true); }

thread_local bool t_inside_job = false;

void cpu_relax() {
#if defined(LAMINA_X86)
  _mm_pause();
#endif
}

class ThreadPool {
 public:
  // Runs fn on `chunks` fixed pieces of [0, n) with the caller taking part.
  // Returns false (having done nothing) if another thread's job is running.
  bool try_run(int64_t n, int chunks, const ChunkFn& fn) {
    std::unique_lock<std::mutex> lock(run_mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return false;
    ensure_workers(chunks - 1);
    const uint64_t g = generation_.load(std::memory_order_relaxed) + 1;
    fn_.store(&fn, std::memory_order_relaxed);
    n_.store(n, std::memory_order_relaxed);
    chunks_.store(chunks, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    // Chunks this job does not have count as taken, so a worker still
    // holding an older job's description can never claim them.
    for (int k = chunks; k < kMaxThreads; ++k) claims_[k].store(g, std::memory_order_relaxed);
    generation_.store(g, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> sleep_lock(sleep_mutex_);
      wake_.notify_all();
    }
    t_inside_job = true;
    for (int k = 0; k < chunks; ++k) run_chunk_if_free(g, k, fn, n, chunks);
    t_inside_job = false;
    while (done_.load(std::memory_order_acquire) < chunks) cpu_relax();
    return true;
  }

 private:
  void ensure_workers(int count) {
    count = std::min(count, kMaxThreads - 1);
    while (static_cast<int>(workers_) < count) {
      const int index = static_cast<int>(++workers_);
      // Detached: the pool lives for the whole process (and in a forked
      // child these threads do not exist, so nothing may join them).
      std::thread(&ThreadPool::worker_main, this, index).detach();
    }
  }

  // Claims chunk k of job g if nobody has; a successful claim also proves
  // job g is still running, so its function and sizes are still valid.
  bool claim(uint64_t g, int k) {
    uint64_t seen = claims_[k].load(std::memory_order_relaxed);
    while (seen < g) {
      if (claims_[k].compare_exchange_weak(seen, g, std::memory_order_acq_rel)) return true;
    }
    return false;
  }

  void run_chunk_if_free(uint64_t g, int k, const ChunkFn& fn, int64_t n, int chunks) {
    if (!claim(g, k)) return;
    fn(n * k / chunks, n * (k + 1) / chunks);
    done_.fetch_add(1, std::memory_order_release);
  }

  uint64_t wait_for_job(uint64_t seen) {
    const auto until = std::chrono::steady_clock::now() + spin_time();
    for (int i = 0;; ++i) {
      uint64_t g = generation_.load(std::memory_order_acquire);
      if (g != seen) return g;
      cpu_relax();
      if ((i & 255) == 255 && std::chrono::steady_clock::now() > until) break;
    }
    std::unique_lock<std::mutex> lock(sleep_mutex_);
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    wake_.wait(lock, [&] { return generation_.load(std::memory_order_seq_cst) != seen; });
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
    return generation_.load(std::memory_order_acquire);
  }

  void worker_main(int index) {
#if defined(LAMINA_X86)
    _mm_setcsr(_mm_getcsr() | 0x8040);  // this thread is ours: FTZ + DAZ for good
#endif
    t_inside_job = true;  // a kernel called from a chunk never re-enters the pool
    uint64_t seen = 0;
    for (;;) {
      const uint64_t g = wait_for_job(seen);
      seen = g;
      const ChunkFn* fn = fn_.load(std::memory_order_relaxed);
      const int64_t n = n_.load(std::memory_order_relaxed);
      const int chunks = chunks_.load(std::memory_order_relaxed);
      if (index < chunks) run_chunk_if_free(g, index, *fn, n, chunks);  // its own chunk first
      for (int k = 0; k < chunks; ++k) run_chunk_if_free(g, k, *fn, n, chunks);
    }
  }

  std::mutex run_mutex_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<const ChunkFn*> fn_{nullptr};
  std::atomic<int64_t> n_{0};
  std::atomic<int> chunks_{0};
  std::atomic<int> done_{0};
  std::atomic<uint64_t> claims_[kMaxThreads] = {};
  std::atomic<int> workers_{0};
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
  std::atomic<int> sleepers_{0};
};

ThreadPool& pool() {
  static ThreadPool* p = new ThreadPool();  // never destroyed: see ensure_workers
  return *p;
}

int initial_threads() {
  // Registered at load, before any worker exists.
  pthread_atfork(nullptr, nullptr, mark_forked_child);
  if (const char* env = std::getenv("LAMINA_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1) return std::min(n, kMaxThreads);
  }
  return std::max(1, std::min(detect_cpu().logical_cores, kMaxThreads));
}

std::atomic<int> g_threads{initial_threads()};

}  // namespace

int num_threads() { return g_threads.load(std::memory_order_relaxed); }

void set_num_threads(int n) { g_threads.store(std::max(1, std::min(n, kMaxThreads))); }

bool in_forked_child() { return g_forked_child.load(std::memory_order_relaxed); }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int64_t max_chunks = (n + grain - 1) / grain;
  const int chunks = static_cast<int>(std::min<int64_t>(num_threads(), max_chunks));
  // Inline: one chunk, a nested call, or a forked child (the parent's
  // workers do not exist there). Another thread's job in flight also runs
  // inline rather than wait -- same chunks, so the same result.
  if (chunks > 1 && !t_inside_job && !in_forked_child()) {
    DenormalGuard guard;
    if (pool().try_run(n, chunks, fn)) return;
  }
  DenormalGuard guard;
  for (int k = 0; k < std::max(chunks, 1); ++k) {
    const int c = std::max(chunks, 1);
    fn(n * k / c, n * (k + 1) / c);
  }
}

void parallel_for_each(int64_t n, const std::function<void(int64_t)>& fn) {
  if (n <= 0) return;
  std::atomic<int64_t> next{0};
  parallel_for(std::min<int64_t>(n, num_threads()), 1, [&](int64_t, int64_t) {
    for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < n;
         i = next.fetch_add(1, std::memory_order_relaxed)) {
      fn(i);
    }
  });
}

#if defined(LAMINA_X86)
// Writing MXCSR serialises the pipeline; nested guards (every kernel entry
// inside a training step) find the bits already set and leave it alone.
DenormalGuard::DenormalGuard() : saved_(_mm_getcsr()) {
  if ((saved_ & 0x8040u) != 0x8040u) _mm_setcsr(saved_ | 0x8040u);  // FTZ (bit 15) | DAZ (bit 6)
}
DenormalGuard::~DenormalGuard() {
  if ((saved_ & 0x8040u) != 0x8040u) _mm_setcsr(saved_);
}
#else
DenormalGuard::DenormalGuard() : saved_(0) {}
DenormalGuard::~DenormalGuard() {}
#endif

}  // namespace lamina
