// Pooling at the Keras MNIST convnet's shapes (batch 128), in GB/s of the
// arrays each kernel must read and write (pooling is memory bound).
#include <cstdint>

#include "bench_util.h"
#include "lamina/kernels/pool.h"

namespace {

using lamina_bench::random_vector;

lamina::PoolGeometry mnist_pool(int which) {
  lamina::PoolGeometry g;
  g.batch = 128;
  g.in_h = g.in_w = which == 1 ? 26 : 11;
  g.channels = which == 1 ? 32 : 64;
  g.pool_h = g.pool_w = g.stride_h = g.stride_w = 2;
  return g;
}

// Args: layer (1 or 2), kind (0 max, 1 average), pass (0 forward, 1 backward).
void BM_PoolMnist(benchmark::State& state) {
  const lamina::PoolGeometry g = mnist_pool(static_cast<int>(state.range(0)));
  const bool max = state.range(1) == 0, backward = state.range(2) != 0;
  const auto x = random_vector(g.x_size(), 1), dy = random_vector(g.y_size(), 2);
  std::vector<float> y(static_cast<size_t>(g.y_size())), dx(static_cast<size_t>(g.x_size()));
  for (auto _ : state) {
    if (!backward) {
      max ? lamina::max_pool2d_forward_f32(g, x.data(), y.data())
          : lamina::avg_pool2d_forward_f32(g, x.data(), y.data());
    } else {
      max ? lamina::max_pool2d_backward_f32(g, x.data(), dy.data(), dx.data())
          : lamina::avg_pool2d_backward_f32(g, dy.data(), dx.data());
    }
    benchmark::ClobberMemory();
  }
  // forward: read x, write y; max backward: read x and dy, write dx;
  // average backward: read dy, write dx.
  const double xs = 4.0 * g.x_size(), ys = 4.0 * g.y_size();
  lamina_bench::report_bytes(state, !backward ? xs + ys : (max ? 2 * xs + ys : xs + ys));
}

BENCHMARK(BM_PoolMnist)
    ->ArgsProduct({{1, 2}, {0, 1}, {0, 1}})
    ->ArgNames({"layer", "avg", "bwd"})
    ->UseRealTime();

void BM_GlobalAvgPool(benchmark::State& state) {
  const int64_t batch = 128, spatial = 121, channels = 64;
  const auto x = random_vector(batch * spatial * channels, 1);
  std::vector<float> y(static_cast<size_t>(batch * channels));
  for (auto _ : state) {
    lamina::global_avg_pool_forward_f32(batch, spatial, channels, x.data(), y.data());
    benchmark::ClobberMemory();
  }
  lamina_bench::report_bytes(state, 4.0 * batch * spatial * channels);
}

BENCHMARK(BM_GlobalAvgPool)->UseRealTime();

}  // namespace
