// Factories for the reshaping ops: Reshape, Identity, ActivityRegularization,
// Permute, RepeatVector, ZeroPadding/Cropping and UpSampling (1D and 2D).
#include <pybind11/stl.h>

#include <array>
#include <string>
#include <vector>

#include "bind_ops.h"
#include "lamina/errors.h"
#include "lamina/ops/reshaping.h"

namespace lamina_bind {
namespace {

lamina::SpatialLayout layout(int rank, const std::string& data_format) {
  if (rank != 1 && rank != 2) throw lamina::ValueError("Spatial rank must be 1 or 2.");
  if (data_format != "channels_last" && data_format != "channels_first") {
    throw lamina::ValueError("data_format must be 'channels_last' or 'channels_first', got '" +
                             data_format + "'.");
  }
  return lamina::SpatialLayout{rank, data_format == "channels_first"};
}

}  // namespace

void register_ops_reshaping(py::module_& ops) {
  ops.def(
      "reshape",
      [](const std::string& name, const std::vector<int64_t>& target) {
        return handle(lamina::make_reshape_op(name, target));
      },
      py::arg("name"), py::arg("target_shape"));
  ops.def(
      "identity",
      [](const std::string& name) { return handle(lamina::make_identity_op(name, "Identity")); },
      py::arg("name"));
  ops.def(
      "activity_regularization",
      [](const std::string& name) {
        return handle(lamina::make_identity_op(name, "ActivityRegularization"));
      },
      py::arg("name"));
  ops.def(
      "permute",
      [](const std::string& name, const std::vector<int64_t>& dims) {
        return handle(lamina::make_permute_op(name, dims));
      },
      py::arg("name"), py::arg("dims"));
  ops.def(
      "repeat_vector",
      [](const std::string& name, int64_t n) {
        if (n <= 0) throw lamina::ValueError("RepeatVector n must be positive.");
        return handle(lamina::make_repeat_vector_op(name, n));
      },
      py::arg("name"), py::arg("n"));
  ops.def(
      "zero_padding",
      [](const std::string& name, int rank, const std::array<int64_t, 4>& pad,
         const std::string& data_format) {
        for (int64_t p : pad) {
          if (p < 0) throw lamina::ValueError("Padding amounts must be >= 0.");
        }
        const char* kind = rank == 1 ? "ZeroPadding1D" : "ZeroPadding2D";
        return handle(lamina::make_pad_crop_op(name, kind, layout(rank, data_format), pad.data()));
      },
      py::arg("name"), py::arg("rank"), py::arg("padding"), py::arg("data_format"));
  ops.def(
      "cropping",
      [](const std::string& name, int rank, const std::array<int64_t, 4>& crop,
         const std::string& data_format) {
        std::array<int64_t, 4> neg{};
        for (size_t i = 0; i < 4; ++i) {
          if (crop[i] < 0) throw lamina::ValueError("Cropping amounts must be >= 0.");
          neg[i] = -crop[i];
        }
        const char* kind = rank == 1 ? "Cropping1D" : "Cropping2D";
        return handle(lamina::make_pad_crop_op(name, kind, layout(rank, data_format), neg.data()));
      },
      py::arg("name"), py::arg("rank"), py::arg("cropping"), py::arg("data_format"));
  ops.def(
      "upsampling",
      [](const std::string& name, int rank, int64_t size_h, int64_t size_w,
         const std::string& interpolation, const std::string& data_format) {
        if (interpolation != "nearest" && interpolation != "bilinear") {
          throw lamina::ValueError("Upsampling interpolation must be 'nearest' or 'bilinear'.");
        }
        return handle(lamina::make_upsampling_op(name, layout(rank, data_format), size_h, size_w,
                                                 interpolation == "bilinear"));
      },
      py::arg("name"), py::arg("rank"), py::arg("size_h"), py::arg("size_w"),
      py::arg("interpolation"), py::arg("data_format"));
}

}  // namespace lamina_bind
