// The recurrent layers' dropout masks (Keras's DropoutRNNCell): drawn once
// per batch and applied at every timestep.
#include <algorithm>

#include "cell_math.h"
#include "lamina/runtime.h"

namespace lamina {
namespace rnn {

void draw_dropout_masks(float* out, int64_t count, int64_t n, float rate, uint64_t seed,
                        uint64_t step) {
  const int64_t total = count * n;
  std::fill(out, out + total, 1.0f);
  // The dropout kernel on ones: the same keep rule and scaling as Dropout.
  dropout_forward(out, out, total, rate, seed, step);
}

void mask_over_time(const float* x, const float* mask, float* out, int64_t batch, int64_t steps,
                    int64_t width) {
  parallel_for(batch * steps, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, width)),
               [&](int64_t r0, int64_t r1) {
                 for (int64_t r = r0; r < r1; ++r) {
                   const float* m = mask + (r / steps) * width;
                   const float* a = x + r * width;
                   float* o = out + r * width;
                   for (int64_t j = 0; j < width; ++j) o[j] = a[j] * m[j];
                 }
               });
}

void add_masked_over_time(const float* x, const float* mask, float* out, int64_t batch,
                          int64_t steps, int64_t width) {
  parallel_for(batch * steps, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, width)),
               [&](int64_t r0, int64_t r1) {
                 for (int64_t r = r0; r < r1; ++r) {
                   const float* m = mask + (r / steps) * width;
                   const float* a = x + r * width;
                   float* o = out + r * width;
                   for (int64_t j = 0; j < width; ++j) o[j] += a[j] * m[j];
                 }
               });
}

}  // namespace rnn
}  // namespace lamina
