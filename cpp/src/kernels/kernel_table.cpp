#include <atomic>
#include <string>

#include "lamina/errors.h"
#include "lamina/kernels.h"

namespace lamina {

// The activation kernels' fill functions (activation_f32_*.cpp).
void fill_activation_scalar(KernelTable& t);
void fill_activation_avx2(KernelTable& t);
void fill_activation_avx512(KernelTable& t);

namespace {

KernelTable with_activations(KernelTable t, void (*fill)(KernelTable&)) {
  fill(t);
  return t;
}

bool cpu_supports(Isa isa) {
  CpuInfo info = detect_cpu();
  return static_cast<int>(isa) <= static_cast<int>(info.best);
}

// Built on first use, only for ISAs this CPU runs: constructing a table takes
// function addresses only, but keep the rule simple and visible.
const KernelTable* table_ptr(Isa isa) {
  static const KernelTable scalar = with_activations(make_scalar_kernels(), fill_activation_scalar);
#if defined(LAMINA_X86)
  static const KernelTable avx2 = cpu_supports(Isa::kAvx2)
                                      ? with_activations(make_avx2_kernels(), fill_activation_avx2)
                                      : scalar;
  static const KernelTable avx512 =
      cpu_supports(Isa::kAvx512) ? with_activations(make_avx512_kernels(), fill_activation_avx512)
                                 : scalar;
  if (isa == Isa::kAvx512 && cpu_supports(isa)) return &avx512;
  if (isa == Isa::kAvx2 && cpu_supports(isa)) return &avx2;
#endif
  if (isa == Isa::kScalar) return &scalar;
  return nullptr;
}

std::atomic<const KernelTable*>& active_slot() {
  static std::atomic<const KernelTable*> slot{table_ptr(detect_cpu().active)};
  return slot;
}

}  // namespace

const KernelTable& active_kernels() { return *active_slot().load(std::memory_order_acquire); }

const KernelTable& kernels_for(Isa isa) {
  const KernelTable* t = table_ptr(isa);
  if (t == nullptr) {
    throw ValueError(std::string("This CPU cannot run the '") + isa_name(isa) + "' kernels.");
  }
  return *t;
}

void set_active_isa(Isa isa) { active_slot().store(&kernels_for(isa), std::memory_order_release); }

}  // namespace lamina
