// Vectorisable float32 exp for the baseline activation and softmax kernels:
// straight-line code (clamps, a polynomial, integer bit moves) that the
// compiler turns into SIMD, unlike a call to std::exp. Within 2 ulp of
// std::exp over float's range (tests check it). Included only by baseline
// (non-ISA) files, so no ISA-specific copy of these inlines exists.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace lamina {
namespace vec_math {

inline float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline uint32_t float_to_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// e^x. Below -104 the true value rounds to 0; above 88.73 it overflows to
// inf (the clamp at 89 still overflows); NaN propagates through the clamps.
inline float exp_f32(float x) {
  float xc = x < -104.0f ? -104.0f : x;
  xc = xc > 89.0f ? 89.0f : xc;
  // n = round(x / ln2) via the 1.5 * 2^23 shifter, which leaves n in the low
  // mantissa bits of t (no float-to-int conversion, so NaN is harmless).
  const float shifter = 12582912.0f;
  const float t = xc * 1.44269504088896341f + shifter;
  const float n = t - shifter;
  const int32_t ni = static_cast<int32_t>(float_to_bits(t) - float_to_bits(shifter));
  // r = x - n ln2 in two steps (Cody-Waite), |r| <= ln2 / 2.
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  // Cephes expf polynomial: e^r ~ 1 + r + r^2 p(r).
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * (r * r) + r + 1.0f;
  // 2^n as two factors so n in [-150, 129] stays within normal exponents; the
  // second multiply rounds once into the subnormal range when it must.
  const int32_t n1 = ni >> 1;  // floor(n / 2)
  const int32_t n2 = ni - n1;
  const float s1 = bits_to_float(static_cast<uint32_t>(n1 + 127) << 23);
  const float s2 = bits_to_float(static_cast<uint32_t>(n2 + 127) << 23);
  return er * s1 * s2;
}

// The exp each activation uses: the vectorisable one for float32, the libm
// one on the float64 reference path.
inline float exp_t(float x) { return exp_f32(x); }
inline double exp_t(double x) { return std::exp(x); }

}  // namespace vec_math
}  // namespace lamina
