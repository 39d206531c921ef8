#include "lamina/cpu.h"

#include <sched.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "lamina/errors.h"

#if defined(LAMINA_X86)
#include <cpuid.h>
#endif

namespace lamina {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "unknown";
}

Isa parse_isa(const std::string& name) {
  if (name == "scalar") return Isa::kScalar;
  if (name == "avx2") return Isa::kAvx2;
  if (name == "avx512") return Isa::kAvx512;
  throw ValueError("Unknown ISA '" + name + "'; expected one of: scalar, avx2, avx512.");
}

namespace {

#if defined(LAMINA_X86)
// XGETBV without needing -mxsave on this baseline file.
uint64_t read_xcr0() {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}
#endif

int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

CpuInfo detect_once() {
  CpuInfo info{};
  info.logical_cores = usable_cores();
#if defined(LAMINA_X86)
  unsigned a = 0, b = 0, c = 0, d = 0;
  bool osxsave = false, fma = false, avx = false;
  if (__get_cpuid(1, &a, &b, &c, &d)) {
    fma = (c >> 12) & 1;
    osxsave = (c >> 27) & 1;
    avx = (c >> 28) & 1;
  }
  uint64_t xcr0 = osxsave ? read_xcr0() : 0;
  bool os_ymm = (xcr0 & 0x6) == 0x6;    // SSE + AVX state
  bool os_zmm = (xcr0 & 0xE6) == 0xE6;  // + opmask, ZMM_Hi256, Hi16_ZMM
  bool avx2 = false, avx512 = false;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    avx2 = (b >> 5) & 1;
    bool f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    avx512 = f && dq && bw && vl;
  }
  info.has_avx2_fma = avx && avx2 && fma && os_ymm;
  info.has_avx512 = info.has_avx2_fma && avx512 && os_zmm;
#endif
  info.best = info.has_avx512 ? Isa::kAvx512 : info.has_avx2_fma ? Isa::kAvx2 : Isa::kScalar;
  info.active = info.best;
  if (const char* cap = std::getenv("LAMINA_ISA")) {
    if (*cap != '\0') {
      Isa wanted = parse_isa(cap);
      if (static_cast<int>(wanted) < static_cast<int>(info.active)) info.active = wanted;
    }
  }
  return info;
}

}  // namespace

CpuInfo detect_cpu() {
  static const CpuInfo info = detect_once();
  return info;
}

}  // namespace lamina
