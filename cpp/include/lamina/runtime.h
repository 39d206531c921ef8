// Threads, floating-point environment and workspace buffers.
//
// One parallel_for owns the threads (lamina's own pool; see threads.cpp for
// why not OpenMP): kernels take index ranges and never spawn threads
// themselves. In a forked child (data workers are forked on Linux) the
// parent's workers do not exist, so parallel_for runs inline there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace lamina {

// Thread count used by parallel_for. Defaults to LAMINA_NUM_THREADS or the
// cores in this process's affinity mask.
int num_threads();
void set_num_threads(int n);  // n >= 1
bool in_forked_child();

// Calls fn(begin, end) on disjoint chunks covering [0, n) and returns when all
// are done. Chunks depend only on n, grain and the thread count (never on
// which thread runs them), so a kernel whose chunks do not reduce across each
// other gives bit-identical results for any count. The caller runs chunks
// too, and takes over any a busy or descheduled worker has not started.
// grain: minimum items per chunk.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Calls fn(i) once for every i in [0, n), the threads claiming items one at a
// time, so a thread slowed by a neighbour on the machine does fewer. For
// items that write disjoint outputs (which thread runs an item then never
// changes a result); use parallel_for where an item's work varies by range.
void parallel_for_each(int64_t n, const std::function<void(int64_t)>& fn);

// Sets flush-to-zero and denormals-are-zero for its scope and restores the
// caller's MXCSR on exit (untrained nets produce denormals that slow SIMD
// code 10x). No-op off x86.
class DenormalGuard {
 public:
  DenormalGuard();
  ~DenormalGuard();
  DenormalGuard(const DenormalGuard&) = delete;
  DenormalGuard& operator=(const DenormalGuard&) = delete;

 private:
  unsigned saved_;
};

// Number of workspace allocations since load. Tests use it to show a
// training step allocates nothing after warm-up.
int64_t allocation_count();

// A 64-byte aligned float buffer that only grows. Every (re)allocation is
// counted by allocation_count().
class Buffer {
 public:
  Buffer() = default;
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;

  // Ensures room for n floats; contents are not preserved on growth.
  float* reserve(size_t n);
  float* data() const { return data_; }
  size_t capacity() const { return capacity_; }

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace lamina
