#include <atomic>
#include <cstdlib>
#include <new>
#include <utility>

#include "lamina/runtime.h"

namespace lamina {
namespace {
std::atomic<int64_t> g_allocations{0};
constexpr size_t kAlign = 64;
}  // namespace

int64_t allocation_count() { return g_allocations.load(); }

Buffer::~Buffer() { std::free(data_); }

Buffer::Buffer(Buffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), capacity_(std::exchange(other.capacity_, 0)) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = std::exchange(other.data_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

float* Buffer::reserve(size_t n) {
  if (n <= capacity_ && data_ != nullptr) return data_;
  // Pad to whole cache lines plus one so SIMD tails stay inside the block.
  size_t bytes = ((n * sizeof(float) + kAlign - 1) / kAlign + 1) * kAlign;
  void* p = std::aligned_alloc(kAlign, bytes);
  if (p == nullptr) throw std::bad_alloc();
  std::free(data_);
  data_ = static_cast<float*>(p);
  capacity_ = n;
  g_allocations.fetch_add(1);
  return data_;
}

}  // namespace lamina
