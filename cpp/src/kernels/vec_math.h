// Vectorisable float32 exp, expm1, tanh, log1p and erfc for the activation and
// softmax kernels: straight-line code (clamps, a polynomial, integer bit
// moves) that the compiler turns into SIMD, unlike calls into libm. exp is
// within 2 ulp of the correctly rounded value over float's range, tanh and
// expm1 within a few, erfc within 1e-6 relative (tests check them).
// Every function is static: the per-ISA activation files include this header
// with their own -m flags, and an inline function with external linkage would
// let the linker keep one ISA's copy for every caller (an AVX-512 copy would
// crash an AVX2-only CPU). For the same reason they call __builtin_fabsf, not
// std::fabs (an inline function with external linkage).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

// Static, and always inlined: a call left in a loop (erfc is long enough for
// GCC to decline) stops it vectorising.
#define LAMINA_VEC_MATH_FN static inline __attribute__((always_inline))

namespace lamina {
namespace vec_math {

// a * b + c: one fused multiply-add where the including file is built for
// FMA (the per-ISA files, which turn GCC's own contraction off), two roundings
// elsewhere. Explicit, so a loop's vector body and its scalar tail round
// alike and an element's bits do not depend on where its range starts.
LAMINA_VEC_MATH_FN float mul_add(float a, float b, float c) {
#if defined(__FMA__)
  return __builtin_fmaf(a, b, c);
#else
  return a * b + c;
#endif
}

LAMINA_VEC_MATH_FN float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

LAMINA_VEC_MATH_FN uint32_t float_to_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// e^x. Below -104 the true value rounds to 0; above 88.73 it overflows to
// inf (the clamp at 89 still overflows); NaN propagates through the clamps.
LAMINA_VEC_MATH_FN float exp_f32(float x) {
  float xc = x < -104.0f ? -104.0f : x;
  xc = xc > 89.0f ? 89.0f : xc;
  // n = round(x / ln2) via the 1.5 * 2^23 shifter, which leaves n in the low
  // mantissa bits of t (no float-to-int conversion, so NaN is harmless).
  const float shifter = 12582912.0f;
  const float t = mul_add(xc, 1.44269504088896341f, shifter);
  const float n = t - shifter;
  const int32_t ni = static_cast<int32_t>(float_to_bits(t) - float_to_bits(shifter));
  // r = x - n ln2 in two steps (Cody-Waite), |r| <= ln2 / 2.
  float r = mul_add(n, -0.693359375f, xc);
  r = mul_add(n, 2.12194440e-4f, r);
  // Cephes expf polynomial: e^r ~ 1 + r + r^2 p(r).
  float p = 1.9875691500e-4f;
  p = mul_add(p, r, 1.3981999507e-3f);
  p = mul_add(p, r, 8.3334519073e-3f);
  p = mul_add(p, r, 4.1665795894e-2f);
  p = mul_add(p, r, 1.6666665459e-1f);
  p = mul_add(p, r, 5.0000001201e-1f);
  const float er = mul_add(p, r * r, r) + 1.0f;
  // 2^n as two factors so n in [-150, 129] stays within normal exponents; the
  // second multiply rounds once into the subnormal range when it must.
  const int32_t n1 = ni >> 1;  // floor(n / 2)
  const int32_t n2 = ni - n1;
  const float s1 = bits_to_float(static_cast<uint32_t>(n1 + 127) << 23);
  const float s2 = bits_to_float(static_cast<uint32_t>(n2 + 127) << 23);
  return er * s1 * s2;
}

// e^r - 1 for |r| <= ln2 / 2, from the same polynomial as exp_f32 (no
// cancellation: the result is r + r^2 p(r)).
LAMINA_VEC_MATH_FN float expm1_small_f32(float r) {
  float p = 1.9875691500e-4f;
  p = mul_add(p, r, 1.3981999507e-3f);
  p = mul_add(p, r, 8.3334519073e-3f);
  p = mul_add(p, r, 4.1665795894e-2f);
  p = mul_add(p, r, 1.6666665459e-1f);
  p = mul_add(p, r, 5.0000001201e-1f);
  return mul_add(p, r * r, r);
}

// e^x - 1 with full relative accuracy near 0: the polynomial where
// |x| <= ln2 / 2, else exp_f32(x) - 1 (|result| >= 0.29 there, so the
// subtraction loses nothing). Both are computed and one selected, so the
// loop stays branch-free.
LAMINA_VEC_MATH_FN float expm1_f32(float x) {
  const bool near_zero = __builtin_fabsf(x) <= 0.34f;
  const float small = expm1_small_f32(near_zero ? x : 0.0f);
  const float large = exp_f32(x) - 1.0f;
  return near_zero ? small : large;
}

// tanh(x) = expm1(2x) / (expm1(2x) + 2), with x clamped to +-9 where tanh
// already rounds to +-1 in float32; within 3 ulp.
LAMINA_VEC_MATH_FN float tanh_f32(float x) {
  float xc = x < -9.0f ? -9.0f : x;
  xc = xc > 9.0f ? 9.0f : xc;
  const float u = expm1_f32(2.0f * xc);
  return u / (u + 2.0f);
}

// log(1 + t) for t in [0, 1] (softplus's log1p(exp(-|x|))). u = 1 + t is
// split as 2^e (1 + f) with e in {0, 1} and |f| <= sqrt(2) - 1, log(1 + f)
// from the Cephes logf polynomial, and the rounding of 1 + t corrected by
// (t - (u - 1)) / u, the classic log1p trick.
LAMINA_VEC_MATH_FN float log1p_unit_f32(float t) {
  const float u = 1.0f + t;
  const bool upper = u > 1.41421356f;
  const float f = upper ? 0.5f * u - 1.0f : u - 1.0f;
  const float e = upper ? 1.0f : 0.0f;
  const float z = f * f;
  float p = 7.0376836292e-2f;
  p = mul_add(p, f, -1.1514610310e-1f);
  p = mul_add(p, f, 1.1676998740e-1f);
  p = mul_add(p, f, -1.2420140846e-1f);
  p = mul_add(p, f, 1.4249322787e-1f);
  p = mul_add(p, f, -1.6668057665e-1f);
  p = mul_add(p, f, 2.0000714765e-1f);
  p = mul_add(p, f, -2.4999993993e-1f);
  p = mul_add(p, f, 3.3333331174e-1f);
  float y = p * f * z + e * -2.12194440e-4f - 0.5f * z;
  y = f + y + e * 0.693359375f;
  return y + (t - (u - 1.0f)) / u;
}

// erfc(a), after Cephes erfcf: 1 - a T(a^2) for |a| < 1, else
// exp(-a^2) / |a| * P(1/a^2) (one of two polynomials, split at |a| = 2),
// reflected as 2 - erfc(|a|) for a < 0. Every branch is computed and one
// selected. Relative error below 1e-6 down to erfc(a) ~ 1e-30.
LAMINA_VEC_MATH_FN float erfc_f32(float a) {
  const float x = __builtin_fabsf(a);
  const float a2 = a * a;
  float t = 7.853861353153693e-5f;
  t = mul_add(t, a2, -8.010193625184903e-4f);
  t = mul_add(t, a2, 5.188327685732524e-3f);
  t = mul_add(t, a2, -2.685381193529856e-2f);
  t = mul_add(t, a2, 1.128358514861418e-1f);
  t = mul_add(t, a2, -3.761262582423300e-1f);
  t = mul_add(t, a2, 1.128379165726710e+0f);
  const float near = mul_add(-a, t, 1.0f);
  const float xs = x < 1.0f ? 1.0f : x;
  const float q = 1.0f / xs;
  const float y = q * q;
  float p = 2.326819970068386e-2f;  // 1 <= |a| < 2
  p = mul_add(p, y, -1.387039388740657e-1f);
  p = mul_add(p, y, 3.687424674597105e-1f);
  p = mul_add(p, y, -5.824733027278666e-1f);
  p = mul_add(p, y, 6.210004621745983e-1f);
  p = mul_add(p, y, -4.944515323274145e-1f);
  p = mul_add(p, y, 3.404879937665872e-1f);
  p = mul_add(p, y, -2.741127028184656e-1f);
  p = mul_add(p, y, 5.638259427386472e-1f);
  float r = -1.047766399936249e+1f;  // |a| >= 2
  r = mul_add(r, y, 1.297719955372516e+1f);
  r = mul_add(r, y, -7.495518717768503e+0f);
  r = mul_add(r, y, 2.921019019210786e+0f);
  r = mul_add(r, y, -1.015265279202700e+0f);
  r = mul_add(r, y, 4.218463358204948e-1f);
  r = mul_add(r, y, -2.820767439740514e-1f);
  r = mul_add(r, y, 5.641895067754075e-1f);
  // exp(-a^2) without the rounding of a^2: a = hi + (a - hi) with hi's low
  // 12 mantissa bits cleared, so hi^2 is exact.
  const float hi = bits_to_float(float_to_bits(xs) & 0xFFFFF000u);
  const float gauss = exp_f32(-hi * hi) * exp_f32(-(xs - hi) * (xs + hi));
  const float tail = gauss * q * (xs < 2.0f ? p : r);
  const float far = a < 0.0f ? 2.0f - tail : tail;
  return x < 1.0f ? near : far;
}

// The exp/expm1/tanh each activation uses: the vectorisable ones for
// float32, libm's on the float64 reference path.
LAMINA_VEC_MATH_FN float exp_t(float x) { return exp_f32(x); }
static inline double exp_t(double x) { return std::exp(x); }
LAMINA_VEC_MATH_FN float expm1_t(float x) { return expm1_f32(x); }
static inline double expm1_t(double x) { return std::expm1(x); }
LAMINA_VEC_MATH_FN float tanh_t(float x) { return tanh_f32(x); }
static inline double tanh_t(double x) { return std::tanh(x); }
LAMINA_VEC_MATH_FN float erfc_t(float a) { return erfc_f32(a); }
static inline double erfc_t(double a) { return std::erfc(a); }
LAMINA_VEC_MATH_FN float log1p_unit_t(float t) { return log1p_unit_f32(t); }
static inline double log1p_unit_t(double t) { return std::log1p(t); }

}  // namespace vec_math
}  // namespace lamina

#undef LAMINA_VEC_MATH_FN
