// The FMA throughput probes themselves, the only code here built with ISA
// flags. 12 independent accumulator chains hide the FMA latency; the result
// is folded into a volatile so the work stays. No std:: templates (their weak
// out-of-line copies could be shared with baseline code).
#include <immintrin.h>
#include <time.h>

namespace lamina_bench {
namespace {

constexpr long kIters = 20000000;

double now_seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

#define LAMINA_FMA_PROBE(V, FMA, SET, LANES)                                                 \
  V a0 = SET(0.0f), a1 = SET(0.1f), a2 = SET(0.2f), a3 = SET(0.3f), a4 = SET(0.4f),          \
    a5 = SET(0.5f), a6 = SET(0.6f), a7 = SET(0.7f), a8 = SET(0.8f), a9 = SET(0.9f),          \
    a10 = SET(1.0f), a11 = SET(1.1f);                                                        \
  const V m = SET(0.999999f), b = SET(1e-7f);                                                \
  const double t0 = now_seconds();                                                           \
  for (long i = 0; i < kIters; ++i) {                                                        \
    a0 = FMA(a0, m, b);                                                                      \
    a1 = FMA(a1, m, b);                                                                      \
    a2 = FMA(a2, m, b);                                                                      \
    a3 = FMA(a3, m, b);                                                                      \
    a4 = FMA(a4, m, b);                                                                      \
    a5 = FMA(a5, m, b);                                                                      \
    a6 = FMA(a6, m, b);                                                                      \
    a7 = FMA(a7, m, b);                                                                      \
    a8 = FMA(a8, m, b);                                                                      \
    a9 = FMA(a9, m, b);                                                                      \
    a10 = FMA(a10, m, b);                                                                    \
    a11 = FMA(a11, m, b);                                                                    \
  }                                                                                          \
  const double seconds = now_seconds() - t0;                                                 \
  V sum = FMA(FMA(FMA(a0, a1, a2), FMA(a3, a4, a5), FMA(a6, a7, a8)), FMA(a9, a10, a11), m); \
  volatile float sink;                                                                       \
  float lanes[LANES];                                                                        \
  __builtin_memcpy(lanes, &sum, sizeof(lanes));                                              \
  sink = lanes[0];                                                                           \
  (void)sink;                                                                                \
  return 12.0 * 2.0 * (LANES) * static_cast<double>(kIters) / seconds;

}  // namespace

double fma_probe_avx512() { LAMINA_FMA_PROBE(__m512, _mm512_fmadd_ps, _mm512_set1_ps, 16) }
double fma_probe_avx2() { LAMINA_FMA_PROBE(__m256, _mm256_fmadd_ps, _mm256_set1_ps, 8) }

#undef LAMINA_FMA_PROBE

}  // namespace lamina_bench
