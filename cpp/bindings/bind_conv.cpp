// lamina._core.kernels: convolution and pooling kernels (NHWC), the float32
// paths through a kernel table and their float64 references. Shapes are
// checked here (ValueError naming the argument) before any kernel runs, so a
// wrong shape can never read or write out of bounds.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "bind_util.h"
#include "lamina/errors.h"
#include "lamina/kernels/conv.h"
#include "lamina/kernels/pool.h"

namespace lamina_bind {
namespace {

using Pair = std::array<int64_t, 2>;
using Quad = std::array<int64_t, 4>;  // (top, left, bottom, right)

std::string shape_str(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    s += std::to_string(a.shape(i));
    s += a.ndim() == 1 || i + 1 < a.ndim() ? (i + 1 < a.ndim() ? ", " : ",") : "";
  }
  return s + ")";
}

void require_ndim(const py::array& a, int ndim, const char* fn, const char* name) {
  if (a.ndim() != ndim) {
    throw lamina::ValueError(std::string(fn) + ": " + name + " must be " + std::to_string(ndim) +
                             "-D. Received: " + name + ".shape=" + shape_str(a));
  }
}

void require_shape(const py::array& a, const std::vector<int64_t>& shape, const char* fn,
                   const char* name) {
  bool same = a.ndim() == static_cast<py::ssize_t>(shape.size());
  for (size_t i = 0; same && i < shape.size(); ++i) same = a.shape(i) == shape[i];
  if (!same) {
    std::string want = "(";
    for (size_t i = 0; i < shape.size(); ++i) {
      want += std::to_string(shape[i]) + (i + 1 < shape.size() ? ", " : "");
    }
    throw lamina::ValueError(std::string(fn) + ": expected " + name + ".shape=" + want +
                             "). Received: " + name + ".shape=" + shape_str(a));
  }
}

// The geometry of a convolution of an input [batch, in_h, in_w, in_c] with a
// Keras kernel w [kh, kw, in_c / groups, out_c].
lamina::ConvGeometry conv_geometry(int64_t batch, int64_t in_h, int64_t in_w, const py::array& w,
                                   Pair strides, Quad pads, Pair dilation, int64_t groups,
                                   const char* fn) {
  require_ndim(w, 4, fn, "w");
  lamina::ConvGeometry g;
  g.batch = batch;
  g.in_h = in_h;
  g.in_w = in_w;
  g.in_c = w.shape(2) * groups;
  g.out_c = w.shape(3);
  g.kernel_h = w.shape(0);
  g.kernel_w = w.shape(1);
  g.stride_h = strides[0];
  g.stride_w = strides[1];
  g.dilation_h = dilation[0];
  g.dilation_w = dilation[1];
  g.pad_top = pads[0];
  g.pad_left = pads[1];
  g.pad_bottom = pads[2];
  g.pad_right = pads[3];
  g.groups = groups;
  g.validate();
  return g;
}

std::vector<int64_t> x_shape(const lamina::ConvGeometry& g) {
  return {g.batch, g.in_h, g.in_w, g.in_c};
}
std::vector<int64_t> y_shape(const lamina::ConvGeometry& g) {
  return {g.batch, g.out_h(), g.out_w(), g.out_c};
}

template <typename T>
void check_bias(const std::optional<Arr<T>>& bias, const lamina::ConvGeometry& g, const char* fn) {
  if (bias) require_shape(*bias, {g.out_c}, fn, "bias");
}

lamina::PoolGeometry pool_geometry(const py::array& x, Pair pool, Pair strides, Quad pads,
                                   const char* fn) {
  require_ndim(x, 4, fn, "x");
  lamina::PoolGeometry g;
  g.batch = x.shape(0);
  g.in_h = x.shape(1);
  g.in_w = x.shape(2);
  g.channels = x.shape(3);
  g.pool_h = pool[0];
  g.pool_w = pool[1];
  g.stride_h = strides[0];
  g.stride_w = strides[1];
  g.pad_top = pads[0];
  g.pad_left = pads[1];
  g.pad_bottom = pads[2];
  g.pad_right = pads[3];
  g.validate();
  return g;
}

std::vector<int64_t> y_shape(const lamina::PoolGeometry& g) {
  return {g.batch, g.out_h(), g.out_w(), g.channels};
}

std::vector<py::ssize_t> dims(const std::vector<int64_t>& shape) {
  return std::vector<py::ssize_t>(shape.begin(), shape.end());
}

// The geometry of a pooling backward that has dy and x's height and width
// but not x (only x's shape matters: a zero-strided stand-in); checks dy.
lamina::PoolGeometry pool_geometry_of_dy(const py::array& dy, Pair input_hw, Pair pool,
                                         Pair strides, Quad pads, const char* fn) {
  require_ndim(dy, 4, fn, "dy");
  py::array_t<float> x_stub(
      std::vector<py::ssize_t>{dy.shape(0), input_hw[0], input_hw[1], dy.shape(3)},
      std::vector<py::ssize_t>{0, 0, 0, 0});
  auto g = pool_geometry(x_stub, pool, strides, pads, fn);
  require_shape(dy, y_shape(g), fn, "dy");
  return g;
}

// Global pooling views x as [batch, spatial, channels] (every axis between
// the first and the last is spatial).
struct GlobalView {
  int64_t batch, spatial, channels;
};
GlobalView global_view(const py::array& x, const char* fn) {
  if (x.ndim() < 3) {
    throw lamina::ValueError(std::string(fn) +
                             ": x must have a batch, spatial and channel axes (>= 3-D). "
                             "Received: x.shape=" +
                             shape_str(x));
  }
  GlobalView v{x.shape(0), 1, x.shape(x.ndim() - 1)};
  for (py::ssize_t i = 1; i + 1 < x.ndim(); ++i) v.spatial *= x.shape(i);
  return v;
}

template <typename T>
Arr<T> like(const py::array& x) {
  return Arr<T>(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
}

py::tuple output_tuple(const lamina::ConvOutput& o) {
  return py::make_tuple(o.size, o.pad_before, o.pad_after);
}

// Registers the forward / backward-data / backward-weights trio for one dtype
// under the given suffix ("" for float32 with isa=, "_f64_ref").
template <typename T, typename Forward, typename Data, typename Weights>
void register_conv_trio(py::module_& km, const std::string& suffix, Forward forward, Data data,
                        Weights weights) {
  auto isa_arg = [&]() { return py::arg("isa") = py::none(); };
  km.def(("conv2d_forward" + suffix).c_str(),
         [forward](Arr<T> x, Arr<T> w, std::optional<Arr<T>> bias, Pair strides, Quad pads,
                   Pair dilation, int64_t groups, std::optional<std::string> isa) {
           const char* fn = "conv2d_forward";
           require_ndim(x, 4, fn, "x");
           auto g = conv_geometry(x.shape(0), x.shape(1), x.shape(2), w, strides, pads, dilation,
                                  groups, fn);
           require_shape(x, x_shape(g), fn, "x");
           check_bias(bias, g, fn);
           Arr<T> y(dims(y_shape(g)));
           const T* bp = bias ? bias->data() : nullptr;
           T* yp = y.mutable_data();
           forward(g, x.data(), w.data(), bp, yp, isa);
           return y;
         },
         py::arg("x"), py::arg("w"), py::arg("bias") = py::none(), py::arg("strides") = Pair{1, 1},
         py::arg("pads") = Quad{0, 0, 0, 0}, py::arg("dilation") = Pair{1, 1},
         py::arg("groups") = 1, isa_arg());
  km.def(("conv2d_backward_data" + suffix).c_str(),
         [data](Arr<T> dy, Arr<T> w, Pair input_hw, Pair strides, Quad pads, Pair dilation,
                int64_t groups, std::optional<std::string> isa) {
           const char* fn = "conv2d_backward_data";
           require_ndim(dy, 4, fn, "dy");
           auto g = conv_geometry(dy.shape(0), input_hw[0], input_hw[1], w, strides, pads, dilation,
                                  groups, fn);
           require_shape(dy, y_shape(g), fn, "dy");
           Arr<T> dx(dims(x_shape(g)));
           T* dxp = dx.mutable_data();
           data(g, dy.data(), w.data(), dxp, isa);
           return dx;
         },
         py::arg("dy"), py::arg("w"), py::arg("input_hw"), py::arg("strides") = Pair{1, 1},
         py::arg("pads") = Quad{0, 0, 0, 0}, py::arg("dilation") = Pair{1, 1},
         py::arg("groups") = 1, isa_arg());
  km.def(
      ("conv2d_backward_weights" + suffix).c_str(),
      [weights](Arr<T> x, Arr<T> dy, Pair kernel_hw, Pair strides, Quad pads, Pair dilation,
                int64_t groups, std::optional<Arr<T>> dw, std::optional<std::string> isa) {
        const char* fn = "conv2d_backward_weights";
        require_ndim(x, 4, fn, "x");
        require_ndim(dy, 4, fn, "dy");
        if (x.shape(3) % groups != 0) {
          throw lamina::ValueError(std::string(fn) + ": x's channels (" +
                                   std::to_string(x.shape(3)) +
                                   ") are not divisible by groups=" + std::to_string(groups));
        }
        // A kernel-shaped stand-in for conv_geometry (only its shape is read).
        py::array_t<T> w_shape({kernel_hw[0], kernel_hw[1],
                                static_cast<int64_t>(x.shape(3) / std::max<int64_t>(groups, 1)),
                                static_cast<int64_t>(dy.shape(3))});
        auto g = conv_geometry(x.shape(0), x.shape(1), x.shape(2), w_shape, strides, pads, dilation,
                               groups, fn);
        require_shape(dy, y_shape(g), fn, "dy");
        const std::vector<int64_t> w_dims = {g.kernel_h, g.kernel_w, g.in_c_per_group(), g.out_c};
        Arr<T> out = dw ? *dw : Arr<T>(dims(w_dims));
        require_shape(out, w_dims, fn, "dw");
        T* op = out.mutable_data();
        weights(g, x.data(), dy.data(), op, dw.has_value(), isa);
        return out;
      },
      py::arg("x"), py::arg("dy"), py::arg("kernel_hw"), py::arg("strides") = Pair{1, 1},
      py::arg("pads") = Quad{0, 0, 0, 0}, py::arg("dilation") = Pair{1, 1}, py::arg("groups") = 1,
      py::arg("accumulate_into") = py::none(), isa_arg());
}

template <typename T, typename Fwd>
void def_pool_forward(py::module_& km, const char* name, Fwd fwd) {
  km.def(
      name,
      [fwd, name](Arr<T> x, Pair pool, Pair strides, Quad pads, std::optional<std::string> isa) {
        auto g = pool_geometry(x, pool, strides, pads, name);
        Arr<T> y(dims(y_shape(g)));
        T* yp = y.mutable_data();
        fwd(g, x.data(), yp, isa);
        return y;
      },
      py::arg("x"), py::arg("pool"), py::arg("strides"), py::arg("pads") = Quad{0, 0, 0, 0},
      py::arg("isa") = py::none());
}

}  // namespace

void register_conv_kernels(py::module_& km) {
  using lamina::ConvGeometry;
  using Isa = std::optional<std::string>;
  register_conv_trio<float>(
      km, "",
      [](const ConvGeometry& g, const float* x, const float* w, const float* b, float* y,
         const Isa& isa) {
        const lamina::KernelTable& kt = table(isa);
        py::gil_scoped_release release;
        lamina::conv2d_forward_f32(kt, g, x, w, b, y);
      },
      [](const ConvGeometry& g, const float* dy, const float* w, float* dx, const Isa& isa) {
        const lamina::KernelTable& kt = table(isa);
        py::gil_scoped_release release;
        lamina::conv2d_backward_data_f32(kt, g, dy, w, dx);
      },
      [](const ConvGeometry& g, const float* x, const float* dy, float* dw, bool acc,
         const Isa& isa) {
        const lamina::KernelTable& kt = table(isa);
        py::gil_scoped_release release;
        lamina::conv2d_backward_weights_f32(kt, g, x, dy, dw, acc);
      });
  register_conv_trio<double>(
      km, "_f64_ref",
      [](const ConvGeometry& g, const double* x, const double* w, const double* b, double* y,
         const Isa&) { lamina::conv2d_forward_f64_ref(g, x, w, b, y); },
      [](const ConvGeometry& g, const double* dy, const double* w, double* dx, const Isa&) {
        lamina::conv2d_backward_data_f64_ref(g, dy, w, dx);
      },
      [](const ConvGeometry& g, const double* x, const double* dy, double* dw, bool acc,
         const Isa&) { lamina::conv2d_backward_weights_f64_ref(g, x, dy, dw, acc); });

  km.def(
      "conv2d_transpose",
      [](Arr<float> x, Arr<float> w, Pair output_hw, Pair strides, Quad pads, Pair dilation,
         Isa isa) {
        const char* fn = "conv2d_transpose";
        require_ndim(x, 4, fn, "x");
        auto g = conv_geometry(x.shape(0), output_hw[0], output_hw[1], w, strides, pads, dilation,
                               1, fn);
        require_shape(x, y_shape(g), fn, "x");
        Arr<float> y(dims(x_shape(g)));
        const lamina::KernelTable& kt = table(isa);
        float* yp = y.mutable_data();
        py::gil_scoped_release release;
        lamina::conv2d_transpose_f32(kt, g, x.data(), w.data(), yp);
        return y;
      },
      py::arg("x"), py::arg("w"), py::arg("output_hw"), py::arg("strides") = Pair{1, 1},
      py::arg("pads") = Quad{0, 0, 0, 0}, py::arg("dilation") = Pair{1, 1},
      py::arg("isa") = py::none());

  km.def(
      "conv_output_size",
      [](int64_t in, int64_t kernel, int64_t stride, int64_t dilation, const std::string& padding) {
        return output_tuple(
            lamina::conv_output_size(in, kernel, stride, dilation, lamina::parse_padding(padding)));
      },
      py::arg("length"), py::arg("kernel"), py::arg("stride") = 1, py::arg("dilation") = 1,
      py::arg("padding") = "valid");
  km.def(
      "conv_transpose_output_size",
      [](int64_t in, int64_t kernel, int64_t stride, int64_t dilation, const std::string& padding,
         std::optional<int64_t> output_padding) {
        return output_tuple(lamina::conv_transpose_output_size(
            in, kernel, stride, dilation, lamina::parse_padding(padding),
            output_padding ? *output_padding : -1));
      },
      py::arg("length"), py::arg("kernel"), py::arg("stride") = 1, py::arg("dilation") = 1,
      py::arg("padding") = "valid", py::arg("output_padding") = py::none());

  // Windowed pooling.
  using lamina::PoolGeometry;
  def_pool_forward<float>(km, "max_pool2d_forward",
                          [](const PoolGeometry& g, const float* x, float* y, const Isa& isa) {
                            const lamina::KernelTable& kt = table(isa);
                            py::gil_scoped_release release;
                            lamina::max_pool2d_forward_f32(kt, g, x, y);
                          });
  def_pool_forward<float>(km, "avg_pool2d_forward",
                          [](const PoolGeometry& g, const float* x, float* y, const Isa& isa) {
                            const lamina::KernelTable& kt = table(isa);
                            py::gil_scoped_release release;
                            lamina::avg_pool2d_forward_f32(kt, g, x, y);
                          });
  def_pool_forward<double>(km, "max_pool2d_forward_f64_ref",
                           [](const PoolGeometry& g, const double* x, double* y, const Isa&) {
                             lamina::max_pool2d_forward_f64_ref(g, x, y);
                           });
  def_pool_forward<double>(km, "avg_pool2d_forward_f64_ref",
                           [](const PoolGeometry& g, const double* x, double* y, const Isa&) {
                             lamina::avg_pool2d_forward_f64_ref(g, x, y);
                           });

  auto max_backward = [](auto tag, const char* name, auto run) {
    using T = decltype(tag);
    return [name, run](Arr<T> x, Arr<T> dy, Pair pool, Pair strides, Quad pads, Isa isa,
                       bool relu_gate) {
      auto g = pool_geometry(x, pool, strides, pads, name);
      g.relu_gate = relu_gate;
      require_shape(dy, y_shape(g), name, "dy");
      Arr<T> dx = like<T>(x);
      T* dxp = dx.mutable_data();
      run(g, x.data(), dy.data(), dxp, isa);
      return dx;
    };
  };
  km.def("max_pool2d_backward",
         max_backward(
             float{}, "max_pool2d_backward",
             [](const PoolGeometry& g, const float* x, const float* dy, float* dx, const Isa& isa) {
               const lamina::KernelTable& kt = table(isa);
               py::gil_scoped_release release;
               lamina::max_pool2d_backward_f32(kt, g, x, dy, dx);
             }),
         py::arg("x"), py::arg("dy"), py::arg("pool"), py::arg("strides"),
         py::arg("pads") = Quad{0, 0, 0, 0}, py::arg("isa") = py::none(),
         py::arg("relu_gate") = false);
  km.def("max_pool2d_backward_f64_ref",
         max_backward(double{}, "max_pool2d_backward",
                      [](const PoolGeometry& g, const double* x, const double* dy, double* dx,
                         const Isa&) { lamina::max_pool2d_backward_f64_ref(g, x, dy, dx); }),
         py::arg("x"), py::arg("dy"), py::arg("pool"), py::arg("strides"),
         py::arg("pads") = Quad{0, 0, 0, 0}, py::arg("isa") = py::none(),
         py::arg("relu_gate") = false);

  // MaxPooling2D(2)'s training path: the forward also returns the window
  // records (uint8, y's shape) that the backward reads instead of x.
  km.def(
      "max_pool2d_forward_argmax",
      [](Arr<float> x, Pair pool, Pair strides, Isa isa, bool relu_gate) {
        auto g = pool_geometry(x, pool, strides, Quad{0, 0, 0, 0}, "max_pool2d_forward_argmax");
        g.relu_gate = relu_gate;  // any other geometry: the kernel raises ValueError
        const auto y_dims = dims(y_shape(g));
        Arr<float> y(y_dims);
        py::array_t<uint8_t> argmax(y_dims);
        float* yp = y.mutable_data();
        uint8_t* ap = argmax.mutable_data();
        const lamina::KernelTable& kt = table(isa);
        {
          py::gil_scoped_release release;
          lamina::max_pool2d_forward_argmax_f32(kt, g, x.data(), yp, ap);
        }
        return py::make_tuple(y, argmax);
      },
      py::arg("x"), py::arg("pool"), py::arg("strides"), py::arg("isa") = py::none(),
      py::arg("relu_gate") = false);
  km.def(
      "max_pool2d_backward_argmax",
      [](py::array_t<uint8_t, py::array::c_style | py::array::forcecast> argmax, Arr<float> dy,
         Pair input_hw, Pair pool, Pair strides, Isa isa) {
        const char* fn = "max_pool2d_backward_argmax";
        const auto g = pool_geometry_of_dy(dy, input_hw, pool, strides, Quad{0, 0, 0, 0}, fn);
        require_shape(argmax, y_shape(g), fn, "argmax");
        Arr<float> dx(dims({g.batch, g.in_h, g.in_w, g.channels}));
        float* dxp = dx.mutable_data();
        const lamina::KernelTable& kt = table(isa);
        {
          py::gil_scoped_release release;
          lamina::max_pool2d_backward_argmax_f32(kt, g, argmax.data(), dy.data(), dxp);
        }
        return dx;
      },
      py::arg("argmax"), py::arg("dy"), py::arg("input_hw"), py::arg("pool"), py::arg("strides"),
      py::arg("isa") = py::none());

  auto avg_backward = [](auto tag, const char* name, auto run) {
    using T = decltype(tag);
    return [name, run](Arr<T> dy, Pair input_hw, Pair pool, Pair strides, Quad pads, Isa isa) {
      const auto g = pool_geometry_of_dy(dy, input_hw, pool, strides, pads, name);
      Arr<T> dx(dims({g.batch, g.in_h, g.in_w, g.channels}));
      T* dxp = dx.mutable_data();
      run(g, dy.data(), dxp, isa);
      return dx;
    };
  };
  km.def("avg_pool2d_backward",
         avg_backward(float{}, "avg_pool2d_backward",
                      [](const PoolGeometry& g, const float* dy, float* dx, const Isa& isa) {
                        const lamina::KernelTable& kt = table(isa);
                        py::gil_scoped_release release;
                        lamina::avg_pool2d_backward_f32(kt, g, dy, dx);
                      }),
         py::arg("dy"), py::arg("input_hw"), py::arg("pool"), py::arg("strides"),
         py::arg("pads") = Quad{0, 0, 0, 0}, py::arg("isa") = py::none());
  km.def("avg_pool2d_backward_f64_ref",
         avg_backward(double{}, "avg_pool2d_backward",
                      [](const PoolGeometry& g, const double* dy, double* dx, const Isa&) {
                        lamina::avg_pool2d_backward_f64_ref(g, dy, dx);
                      }),
         py::arg("dy"), py::arg("input_hw"), py::arg("pool"), py::arg("strides"),
         py::arg("pads") = Quad{0, 0, 0, 0}, py::arg("isa") = py::none());

  // Global pooling over every axis between the first and the last.
  auto global_forward = [](auto tag, const char* name, auto run) {
    using T = decltype(tag);
    return [name, run](Arr<T> x) {
      const GlobalView v = global_view(x, name);
      Arr<T> y(dims({v.batch, v.channels}));
      T* yp = y.mutable_data();
      run(v, x.data(), yp);
      return y;
    };
  };
  km.def("global_max_pool_forward",
         global_forward(float{}, "global_max_pool_forward",
                        [](const GlobalView& v, const float* x, float* y) {
                          py::gil_scoped_release release;
                          lamina::global_max_pool_forward_f32(v.batch, v.spatial, v.channels, x, y);
                        }),
         py::arg("x"));
  km.def("global_avg_pool_forward",
         global_forward(float{}, "global_avg_pool_forward",
                        [](const GlobalView& v, const float* x, float* y) {
                          py::gil_scoped_release release;
                          lamina::global_avg_pool_forward_f32(v.batch, v.spatial, v.channels, x, y);
                        }),
         py::arg("x"));
  km.def("global_max_pool_forward_f64_ref",
         global_forward(double{}, "global_max_pool_forward",
                        [](const GlobalView& v, const double* x, double* y) {
                          lamina::global_max_pool_forward_f64_ref(v.batch, v.spatial, v.channels, x,
                                                                  y);
                        }),
         py::arg("x"));
  km.def("global_avg_pool_forward_f64_ref",
         global_forward(double{}, "global_avg_pool_forward",
                        [](const GlobalView& v, const double* x, double* y) {
                          lamina::global_avg_pool_forward_f64_ref(v.batch, v.spatial, v.channels, x,
                                                                  y);
                        }),
         py::arg("x"));

  auto global_max_backward = [](auto tag, auto run) {
    using T = decltype(tag);
    return [run](Arr<T> x, Arr<T> y, Arr<T> dy) {
      const char* name = "global_max_pool_backward";
      const GlobalView v = global_view(x, name);
      require_shape(y, {v.batch, v.channels}, name, "y");
      require_shape(dy, {v.batch, v.channels}, name, "dy");
      Arr<T> dx = like<T>(x);
      T* dxp = dx.mutable_data();
      run(v, x.data(), y.data(), dy.data(), dxp);
      return dx;
    };
  };
  km.def("global_max_pool_backward",
         global_max_backward(
             float{},
             [](const GlobalView& v, const float* x, const float* y, const float* dy, float* dx) {
               py::gil_scoped_release release;
               lamina::global_max_pool_backward_f32(v.batch, v.spatial, v.channels, x, y, dy, dx);
             }),
         py::arg("x"), py::arg("y"), py::arg("dy"));
  km.def(
      "global_max_pool_backward_f64_ref",
      global_max_backward(
          double{},
          [](const GlobalView& v, const double* x, const double* y, const double* dy, double* dx) {
            lamina::global_max_pool_backward_f64_ref(v.batch, v.spatial, v.channels, x, y, dy, dx);
          }),
      py::arg("x"), py::arg("y"), py::arg("dy"));

  auto global_avg_backward = [](auto tag, auto run) {
    using T = decltype(tag);
    return [run](Arr<T> dy, std::vector<int64_t> input_shape) {
      const char* name = "global_avg_pool_backward";
      if (input_shape.size() < 3) {
        throw lamina::ValueError(std::string(name) + ": input_shape must have >= 3 axes.");
      }
      int64_t spatial = 1;
      for (size_t i = 1; i + 1 < input_shape.size(); ++i) spatial *= input_shape[i];
      if (spatial < 1) throw lamina::ValueError(std::string(name) + ": empty spatial axes.");
      require_shape(dy, {input_shape.front(), input_shape.back()}, name, "dy");
      Arr<T> dx(dims(input_shape));
      T* dxp = dx.mutable_data();
      run(input_shape.front(), spatial, input_shape.back(), dy.data(), dxp);
      return dx;
    };
  };
  km.def("global_avg_pool_backward",
         global_avg_backward(float{},
                             [](int64_t b, int64_t s, int64_t c, const float* dy, float* dx) {
                               py::gil_scoped_release release;
                               lamina::global_avg_pool_backward_f32(b, s, c, dy, dx);
                             }),
         py::arg("dy"), py::arg("input_shape"));
  km.def("global_avg_pool_backward_f64_ref",
         global_avg_backward(double{},
                             [](int64_t b, int64_t s, int64_t c, const double* dy, double* dx) {
                               lamina::global_avg_pool_backward_f64_ref(b, s, c, dy, dx);
                             }),
         py::arg("dy"), py::arg("input_shape"));
}

}  // namespace lamina_bind
