// Factories for the convolution, pooling and batch-normalization layer ops.
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bind_ops.h"
#include "lamina/errors.h"
#include "lamina/kernels/activation.h"
#include "lamina/ops/conv.h"
#include "lamina/ops/normalization.h"
#include "lamina/ops/pooling.h"

namespace lamina_bind {
namespace {

// (h, w) from Keras's per-axis tuples: one entry for a 1-D layer, two for 2-D.
std::pair<int64_t, int64_t> hw(const std::vector<int64_t>& v, bool one_d, const char* what) {
  if (v.size() != (one_d ? 1u : 2u)) {
    throw lamina::ValueError(std::string(what) + " needs " + (one_d ? "1" : "2") + " value(s).");
  }
  return one_d ? std::make_pair(int64_t{1}, v[0]) : std::make_pair(v[0], v[1]);
}

lamina::ConvSpec conv_spec(const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                           const std::vector<int64_t>& dilation, const std::string& padding) {
  lamina::ConvSpec s;
  s.one_d = kernel.size() == 1;
  std::tie(s.kernel_h, s.kernel_w) = hw(kernel, s.one_d, "kernel_size");
  std::tie(s.stride_h, s.stride_w) = hw(strides, s.one_d, "strides");
  std::tie(s.dilation_h, s.dilation_w) = hw(dilation, s.one_d, "dilation_rate");
  s.padding = padding;
  return s;
}

}  // namespace

void register_ops_conv(py::module_& ops) {
  ops.def(
      "conv",
      [](const std::string& name, const std::vector<int64_t>& kernel,
         const std::vector<int64_t>& strides, const std::vector<int64_t>& dilation,
         const std::string& padding, int64_t filters, int64_t groups, const std::string& activation,
         const lamina::Params& activation_params, bool use_bias) {
        return handle(lamina::make_conv_op(
            name, conv_spec(kernel, strides, dilation, padding), filters, groups,
            lamina::activation_spec(activation, activation_params), use_bias));
      },
      py::arg("name"), py::arg("kernel_size"), py::arg("strides"), py::arg("dilation_rate"),
      py::arg("padding"), py::arg("filters"), py::arg("groups"), py::arg("activation"),
      py::arg("activation_params"), py::arg("use_bias"),
      "Conv1D/Conv2D (groups >= 1) or depthwise (groups = 0, filters = depth multiplier).");
  ops.def(
      "conv_transpose",
      [](const std::string& name, const std::vector<int64_t>& kernel,
         const std::vector<int64_t>& strides, const std::vector<int64_t>& dilation,
         const std::string& padding, int64_t filters, const std::vector<int64_t>& output_padding,
         const std::string& activation, const lamina::Params& activation_params, bool use_bias) {
        const lamina::ConvSpec spec = conv_spec(kernel, strides, dilation, padding);
        int64_t oph = -1, opw = -1;
        if (!output_padding.empty())
          std::tie(oph, opw) = hw(output_padding, spec.one_d, "output_padding");
        if (spec.one_d) oph = -1;
        return handle(lamina::make_conv_transpose_op(
            name, spec, filters, oph, opw, lamina::activation_spec(activation, activation_params),
            use_bias));
      },
      py::arg("name"), py::arg("kernel_size"), py::arg("strides"), py::arg("dilation_rate"),
      py::arg("padding"), py::arg("filters"), py::arg("output_padding"), py::arg("activation"),
      py::arg("activation_params"), py::arg("use_bias"));
  ops.def(
      "separable_conv",
      [](const std::string& name, const std::vector<int64_t>& kernel,
         const std::vector<int64_t>& strides, const std::vector<int64_t>& dilation,
         const std::string& padding, int64_t filters, int64_t depth_multiplier,
         const std::string& activation, const lamina::Params& activation_params, bool use_bias) {
        return handle(lamina::make_separable_conv_op(
            name, conv_spec(kernel, strides, dilation, padding), filters, depth_multiplier,
            lamina::activation_spec(activation, activation_params), use_bias));
      },
      py::arg("name"), py::arg("kernel_size"), py::arg("strides"), py::arg("dilation_rate"),
      py::arg("padding"), py::arg("filters"), py::arg("depth_multiplier"), py::arg("activation"),
      py::arg("activation_params"), py::arg("use_bias"));
  ops.def(
      "pool",
      [](const std::string& name, const std::string& kind, const std::vector<int64_t>& pool_size,
         const std::vector<int64_t>& strides, const std::string& padding) {
        lamina::PoolSpec s;
        s.one_d = pool_size.size() == 1;
        std::tie(s.pool_h, s.pool_w) = hw(pool_size, s.one_d, "pool_size");
        std::tie(s.stride_h, s.stride_w) = hw(strides, s.one_d, "strides");
        s.padding = padding;
        return handle(lamina::make_pool_op(
            name, kind == "max" ? lamina::PoolKind::kMax : lamina::PoolKind::kAverage, s));
      },
      py::arg("name"), py::arg("kind"), py::arg("pool_size"), py::arg("strides"),
      py::arg("padding"));
  ops.def(
      "global_pool",
      [](const std::string& name, const std::string& kind, bool one_d, bool keepdims) {
        return handle(lamina::make_global_pool_op(
            name, kind == "max" ? lamina::PoolKind::kMax : lamina::PoolKind::kAverage, one_d,
            keepdims));
      },
      py::arg("name"), py::arg("kind"), py::arg("one_d"), py::arg("keepdims"));
  ops.def(
      "batch_norm",
      [](const std::string& name, double momentum, double epsilon, bool center, bool scale,
         bool frozen) {
        return handle(lamina::make_batch_norm_op(name, momentum, epsilon, center, scale, frozen));
      },
      py::arg("name"), py::arg("momentum"), py::arg("epsilon"), py::arg("center"), py::arg("scale"),
      py::arg("frozen"));
}

}  // namespace lamina_bind
