// An 8 x 8 float transpose in AVX registers, for the GEMM packing routines of
// the AVX2 and AVX-512 builds. static inline: each ISA's translation unit
// keeps its own copy (one compiled for another ISA must never be shared).
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace lamina {

// r[i] holds row i on entry and column i on return.
static inline void transpose8x8_regs(__m256 r[8]) {
  __m256 t[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);      // x0 y0 x1 y1 | x4 y4 x5 y5
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);  // x2 y2 x3 y3 | x6 y6 x7 y7
  }
  __m256 u[8];
  for (int h = 0; h < 8; h += 4) {                                          // rows 0-3, then 4-7
    u[h] = _mm256_shuffle_ps(t[h], t[h + 2], _MM_SHUFFLE(1, 0, 1, 0));      // col 0 | 4
    u[h + 1] = _mm256_shuffle_ps(t[h], t[h + 2], _MM_SHUFFLE(3, 2, 3, 2));  // col 1 | 5
    u[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(1, 0, 1, 0));  // col 2 | 6
    u[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(3, 2, 3, 2));  // col 3 | 7
  }
  for (int q = 0; q < 4; ++q) {
    r[q] = _mm256_permute2f128_ps(u[q], u[q + 4], 0x20);
    r[q + 4] = _mm256_permute2f128_ps(u[q], u[q + 4], 0x31);
  }
}

// dst[q * ldd + i] = src[i * lds + q] for one 8 x 8 block.
static inline void transpose8x8(const float* src, int64_t lds, float* dst, int64_t ldd) {
  __m256 r[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * lds);
  transpose8x8_regs(r);
  for (int q = 0; q < 8; ++q) _mm256_storeu_ps(dst + q * ldd, r[q]);
}

}  // namespace lamina
