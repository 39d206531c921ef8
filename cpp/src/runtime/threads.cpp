#include <omp.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>

#include "lamina/cpu.h"
#include "lamina/runtime.h"

#if defined(LAMINA_X86)
#include <xmmintrin.h>
#endif

namespace lamina {
namespace {

std::atomic<bool> g_forked_child{false};

void mark_forked_child() { g_forked_child.store(true); }

int initial_threads() {
  // Registered here because this runs at load, before any OpenMP region.
  pthread_atfork(nullptr, nullptr, mark_forked_child);
  if (const char* env = std::getenv("LAMINA_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1) return n;
  }
  return std::max(1, detect_cpu().logical_cores);
}

std::atomic<int> g_threads{initial_threads()};

}  // namespace

int num_threads() { return g_threads.load(std::memory_order_relaxed); }

void set_num_threads(int n) { g_threads.store(std::max(1, n)); }

bool in_forked_child() { return g_forked_child.load(std::memory_order_relaxed); }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  int64_t max_chunks = (n + grain - 1) / grain;
  int threads = static_cast<int>(std::min<int64_t>(num_threads(), max_chunks));
  // A forked child must never enter OpenMP: libgomp's pool from the parent is
  // gone and the child would hang waiting for it.
  if (threads <= 1 || in_forked_child()) {
    fn(0, n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    DenormalGuard guard;
    int t = omp_get_thread_num();
    int nt = omp_get_num_threads();
    int64_t begin = n * t / nt;
    int64_t end = n * (t + 1) / nt;
    if (begin < end) fn(begin, end);
  }
}

#if defined(LAMINA_X86)
DenormalGuard::DenormalGuard() : saved_(_mm_getcsr()) {
  _mm_setcsr(saved_ | 0x8040);  // FTZ (bit 15) | DAZ (bit 6)
}
DenormalGuard::~DenormalGuard() { _mm_setcsr(saved_); }
#else
DenormalGuard::DenormalGuard() : saved_(0) {}
DenormalGuard::~DenormalGuard() {}
#endif

}  // namespace lamina
