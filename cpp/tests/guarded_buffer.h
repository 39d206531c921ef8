// Test arrays fenced by inaccessible (PROT_NONE) guard pages. By default the array
// ENDS exactly where a guard page begins, so a SIMD kernel that reads or writes
// one element past its tail faults in the test instead of silently corrupting
// a neighbour in a user's process. With Place::kStart the array instead BEGINS
// right after a guard page, which catches accesses before the first element.
//
// Layout: [guard page][data pages][guard page], data placed flush against one
// of the two guards. Elements are trivially copyable numbers (float, double,
// int64_t); the memory is zero-filled by mmap.
//
// LAMINA_TEST_READABLE_GUARDS=1 makes the guards read-only instead of
// unmapped: writes past either end still fault, reads do not. check_cpp.sh
// sets it for the run under qemu-user, whose TCG emulation of AVX2 VMASKMOVPS
// loads (QEMU 7.2) faults on masked-off lanes that real CPUs never touch, so
// a correct masked tail would otherwise crash there.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <random>
#include <type_traits>
#include <utility>
#include <vector>

namespace lamina_test {

enum class Place { kEnd, kStart };

// False when LAMINA_TEST_READABLE_GUARDS is set (to anything but "0").
inline bool guard_reads_fault() {
  static const bool fault = [] {
    const char* env = std::getenv("LAMINA_TEST_READABLE_GUARDS");
    return env == nullptr || *env == '\0' || *env == '0';
  }();
  return fault;
}

template <typename T>
class GuardedBuffer {
  static_assert(std::is_trivially_copyable<T>::value, "GuardedBuffer holds plain numbers");

 public:
  GuardedBuffer() = default;
  explicit GuardedBuffer(size_t n, Place place = Place::kEnd) { allocate(n, place); }
  // Copies `values` into a fresh guarded array of the same length.
  GuardedBuffer(const std::vector<T>& values, Place place) {
    allocate(values.size(), place);
    if (!values.empty()) std::memcpy(data_, values.data(), values.size() * sizeof(T));
  }
  ~GuardedBuffer() { release(); }

  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;
  GuardedBuffer(GuardedBuffer&& other) noexcept { swap(other); }
  GuardedBuffer& operator=(GuardedBuffer&& other) noexcept {
    if (this != &other) {
      release();
      swap(other);
    }
    return *this;
  }

  // For n == 0, data() still points at a guard boundary: any access faults.
  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

  std::vector<T> to_vector() const { return std::vector<T>(data_, data_ + size_); }
  void fill(T value) {
    for (size_t i = 0; i < size_; ++i) data_[i] = value;
  }
  // Uniform values in [lo, hi).
  template <typename Rng>
  void fill_uniform(Rng& rng, double lo, double hi) {
    std::uniform_real_distribution<double> dist(lo, hi);
    for (size_t i = 0; i < size_; ++i) data_[i] = static_cast<T>(dist(rng));
  }

 private:
  static size_t page_size() {
    static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return page;
  }

  void allocate(size_t n, Place place) {
    const size_t page = page_size();
    const size_t bytes = n * sizeof(T);
    const size_t data_pages = (bytes + page - 1) / page;
    map_bytes_ = (data_pages + 2) * page;
    void* p = mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    map_ = static_cast<unsigned char*>(p);
    unsigned char* first_data = map_ + page;
    unsigned char* back_guard = map_ + page + data_pages * page;
    const int guard_prot = guard_reads_fault() ? PROT_NONE : PROT_READ;
    if (mprotect(map_, page, guard_prot) != 0 || mprotect(back_guard, page, guard_prot) != 0) {
      munmap(map_, map_bytes_);
      map_ = nullptr;
      throw std::bad_alloc();
    }
    // kEnd: the last element's last byte is the byte before the back guard.
    // Its alignment is then only that of T (enough for unaligned SIMD loads).
    unsigned char* start = place == Place::kEnd ? back_guard - bytes : first_data;
    data_ = reinterpret_cast<T*>(start);
    size_ = n;
  }

  void release() {
    if (map_ != nullptr) munmap(map_, map_bytes_);
    map_ = nullptr;
    data_ = nullptr;
    size_ = 0;
    map_bytes_ = 0;
  }

  void swap(GuardedBuffer& other) noexcept {
    std::swap(map_, other.map_);
    std::swap(map_bytes_, other.map_bytes_);
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
  }

  unsigned char* map_ = nullptr;
  size_t map_bytes_ = 0;
  T* data_ = nullptr;
  size_t size_ = 0;
};

using GuardedFloats = GuardedBuffer<float>;
using GuardedDoubles = GuardedBuffer<double>;

// Number of elements a strided 2-D operand really spans: `rows` rows of
// `cols` elements, `ld` apart. The last row stops at its last used element,
// so a guarded buffer of this length ends exactly after the final element.
inline size_t strided_extent(int64_t rows, int64_t cols, int64_t ld) {
  if (rows <= 0 || cols <= 0) return 0;
  return static_cast<size_t>((rows - 1) * ld + cols);
}

}  // namespace lamina_test
