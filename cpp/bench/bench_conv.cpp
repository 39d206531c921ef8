// Convolution at the Keras MNIST convnet's shapes (batch 128): forward,
// input gradient and kernel gradient.
#include <cstdint>

#include "bench_util.h"
#include "lamina/kernels/conv.h"

namespace {

using lamina_bench::random_vector;

lamina::ConvGeometry mnist_conv(int which) {
  lamina::ConvGeometry g;
  g.batch = 128;
  g.kernel_h = g.kernel_w = 3;
  if (which == 1) {
    g.in_h = g.in_w = 28;
    g.in_c = 1;
    g.out_c = 32;
  } else {
    g.in_h = g.in_w = 13;
    g.in_c = 32;
    g.out_c = 64;
  }
  return g;
}

double conv_flops(const lamina::ConvGeometry& g) {
  return 2.0 * static_cast<double>(g.y_size()) * g.kernel_h * g.kernel_w * g.in_c_per_group();
}

// Args: layer (1 or 2), pass (0 forward, 1 input gradient, 2 kernel gradient).
void BM_ConvMnist(benchmark::State& state) {
  const lamina::ConvGeometry g = mnist_conv(static_cast<int>(state.range(0)));
  const auto x = random_vector(g.x_size(), 1), w = random_vector(g.w_size(), 2);
  const auto dy = random_vector(g.y_size(), 3);
  std::vector<float> y(static_cast<size_t>(g.y_size())), dx(static_cast<size_t>(g.x_size()));
  std::vector<float> dw(static_cast<size_t>(g.w_size()));
  for (auto _ : state) {
    switch (state.range(1)) {
      case 0:
        lamina::conv2d_forward_f32(g, x.data(), w.data(), nullptr, y.data());
        break;
      case 1:
        lamina::conv2d_backward_data_f32(g, dy.data(), w.data(), dx.data());
        break;
      default:
        lamina::conv2d_backward_weights_f32(g, x.data(), dy.data(), dw.data(), false);
    }
    benchmark::ClobberMemory();
  }
  lamina_bench::report_flops(state, conv_flops(g));
}

BENCHMARK(BM_ConvMnist)
    ->ArgsProduct({{1, 2}, {0, 1, 2}})
    ->ArgNames({"layer", "pass"})
    ->UseRealTime();

// Depthwise 3x3 (MobileNet-like block: 56x56x64, batch 8).
void BM_DepthwiseConv(benchmark::State& state) {
  lamina::ConvGeometry g;
  g.batch = 8;
  g.in_h = g.in_w = 56;
  g.in_c = g.out_c = g.groups = 64;
  g.kernel_h = g.kernel_w = 3;
  g.pad_top = g.pad_left = g.pad_bottom = g.pad_right = 1;
  const auto x = random_vector(g.x_size(), 1), w = random_vector(g.w_size(), 2);
  const auto dy = random_vector(g.y_size(), 3);
  std::vector<float> y(static_cast<size_t>(g.y_size())), dx(static_cast<size_t>(g.x_size()));
  std::vector<float> dw(static_cast<size_t>(g.w_size()));
  for (auto _ : state) {
    switch (state.range(0)) {
      case 0:
        lamina::conv2d_forward_f32(g, x.data(), w.data(), nullptr, y.data());
        break;
      case 1:
        lamina::conv2d_backward_data_f32(g, dy.data(), w.data(), dx.data());
        break;
      default:
        lamina::conv2d_backward_weights_f32(g, x.data(), dy.data(), dw.data(), false);
    }
    benchmark::ClobberMemory();
  }
  lamina_bench::report_flops(state, conv_flops(g));
}

BENCHMARK(BM_DepthwiseConv)->DenseRange(0, 2)->ArgName("pass")->UseRealTime();

}  // namespace
