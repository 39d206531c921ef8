// The baseline build of the cells' step math (cell_math.inc) and the choice
// of build by the active kernel table's ISA.
#include "cell_math.inc"
#include "lamina/kernels/kernel_table.h"

namespace lamina {
namespace rnn {

CellKernels cell_kernels_baseline() { return make_cell_kernels(); }

const CellKernels& cell_kernels() {
  // The active table only ever names an ISA this CPU runs.
#if defined(LAMINA_X86)
  switch (active_kernels().isa) {
    case Isa::kAvx512: {
      static const CellKernels avx512 = cell_kernels_avx512();
      return avx512;
    }
    case Isa::kAvx2: {
      static const CellKernels avx2 = cell_kernels_avx2();
      return avx2;
    }
    case Isa::kScalar:
      break;
  }
#endif
  static const CellKernels baseline = cell_kernels_baseline();
  return baseline;
}

}  // namespace rnn
}  // namespace lamina
