// Sums over many rows (a kernel gradient over every output position of the
// batch, a bias gradient over every row of dy) in parallel. The rows are cut
// into blocks fixed by the shapes alone, each block's partial sum is computed
// independently (by whichever thread) and the partials are added in block
// order, so the result does not depend on the thread count.
#pragma once

#include <cstdint>

namespace lamina {

// How many blocks to cut `rows` rows into when each block produces a partial
// of `partial_size` floats.
int64_t reduction_blocks(int64_t rows, int64_t partial_size);

// dw (+)= the sum of partial[b] (each `size` floats) over b < blocks, in block
// order.
void sum_partials(const float* partial, int64_t blocks, int64_t size, float* dw, bool accumulate);
void sum_partials(const double* partial, int64_t blocks, int64_t size, double* dw, bool accumulate);

}  // namespace lamina
