// The AVX512 build of the cells' step math; see cell_math.inc.
#include "cell_math.inc"

namespace lamina {
namespace rnn {

CellKernels cell_kernels_avx512() { return make_cell_kernels(); }

}  // namespace rnn
}  // namespace lamina
