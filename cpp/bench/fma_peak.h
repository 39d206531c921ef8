// The machine's FMA peak, measured by a small kernel of independent FMAs
// (no loads) on every benchmark thread at once, so "% of peak" in the
// benchmarks is relative to what this CPU really sustains, not a datasheet.
#pragma once

namespace lamina_bench {

// FLOP/s of `threads` threads running the FMA probe concurrently with the
// widest vectors the active kernel table uses. Measured once per thread
// count and cached.
double fma_peak_flops(int threads);

}  // namespace lamina_bench
