// Run-time CPU detection and the instruction-set cap.
#pragma once

#include <string>

namespace lamina {

// Ordered: a higher value implies every lower one is usable.
enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

struct CpuInfo {
  Isa best;    // best ISA the CPU and the OS both support
  Isa active;  // what the kernel table uses (best, capped by LAMINA_ISA)
  bool has_avx2_fma;
  bool has_avx512;    // F + DQ + BW + VL with OS-enabled zmm state
  int logical_cores;  // usable by this process (affinity mask)
};

const char* isa_name(Isa isa);
// Parses "scalar" | "avx2" | "avx512"; throws ValueError otherwise.
Isa parse_isa(const std::string& name);
// Detects once; thread-safe.
CpuInfo detect_cpu();

}  // namespace lamina
