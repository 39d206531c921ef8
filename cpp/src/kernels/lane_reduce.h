// Reductions over a row in kLanes interleaved partials combined pairwise in
// a fixed order: the compiler vectorises them (one running value is a chain
// of dependent operations, ~4 cycles an element), and the order depends only
// on the row length -- never on the ISA's vector width or the thread count.
// Rows shorter than 2 * kLanes are reduced in order, where the partials would
// cost more than they save. Templates in an anonymous namespace: the per-ISA
// files include this header with their own -m flags, and no copy may be
// shared between them.
#pragma once

#include <cstdint>

namespace lamina {
namespace {

constexpr int64_t kLanes = 16;

// The sum of term(j) over j < n, accumulated in T.
template <typename T, typename Term>
T lane_sum(int64_t n, Term term) {
  if (n < 2 * kLanes) {
    T sum = T(0);
    for (int64_t j = 0; j < n; ++j) sum += term(j);
    return sum;
  }
  T part[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    for (int64_t l = 0; l < kLanes; ++l) part[l] += term(j + l);
  }
  for (int64_t l = 0; j + l < n; ++l) part[l] += term(j + l);
  for (int64_t w = kLanes / 2; w > 0; w /= 2) {
    for (int64_t l = 0; l < w; ++l) part[l] += part[l + w];
  }
  return part[0];
}

// The maximum of v[0..n), n >= 1 (every lane starts at v[0], a real element).
template <typename T>
T lane_max(const T* v, int64_t n) {
  if (n < 2 * kLanes) {
    T mx = v[0];
    for (int64_t j = 1; j < n; ++j) mx = v[j] > mx ? v[j] : mx;
    return mx;
  }
  T part[kLanes];
  for (int64_t l = 0; l < kLanes; ++l) part[l] = v[0];
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    for (int64_t l = 0; l < kLanes; ++l) part[l] = v[j + l] > part[l] ? v[j + l] : part[l];
  }
  for (int64_t l = 0; j + l < n; ++l) part[l] = v[j + l] > part[l] ? v[j + l] : part[l];
  for (int64_t w = kLanes / 2; w > 0; w /= 2) {
    for (int64_t l = 0; l < w; ++l) part[l] = part[l + w] > part[l] ? part[l + w] : part[l];
  }
  return part[0];
}

}  // namespace
}  // namespace lamina
