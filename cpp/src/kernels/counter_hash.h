// The 32-bit counter hash behind dropout and the noise layers: element i of a
// stream keyed by (key_lo, key_hi) gets hash(key, i), so a value depends on
// its index alone, never on how the work was split. Multiply-xorshift rounds
// on 32-bit lanes, which vectorise. static: each ISA's file that includes
// this compiles its own copy, never shared with baseline code.
#pragma once

#include <cstdint>

namespace lamina {

static inline uint32_t counter_hash32(uint32_t key_lo, uint32_t key_hi, uint32_t i) {
  uint32_t x = i ^ key_lo;
  x *= 0x9E3779B1u;
  x ^= x >> 16;
  x *= 0x85EBCA6Bu;
  x ^= x >> 13;
  x ^= key_hi;
  x *= 0xC2B2AE35u;
  x ^= x >> 16;
  return x;
}

}  // namespace lamina
