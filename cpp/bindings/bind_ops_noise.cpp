// Factories for the noise ops (GaussianNoise, GaussianDropout, SpatialDropout).
#include <pybind11/stl.h>

#include <string>

#include "bind_ops.h"
#include "lamina/errors.h"
#include "lamina/ops/noise.h"

namespace lamina_bind {

void register_ops_noise(py::module_& ops) {
  ops.def(
      "gaussian_noise",
      [](const std::string& name, float stddev, uint64_t seed) {
        return handle(lamina::make_gaussian_noise_op(name, stddev, seed));
      },
      py::arg("name"), py::arg("stddev"), py::arg("seed"));
  ops.def(
      "gaussian_dropout",
      [](const std::string& name, float rate, uint64_t seed) {
        return handle(lamina::make_gaussian_dropout_op(name, rate, seed));
      },
      py::arg("name"), py::arg("rate"), py::arg("seed"));
  ops.def(
      "spatial_dropout",
      [](const std::string& name, int rank, float rate, uint64_t seed, bool channels_first) {
        if (rank != 1 && rank != 2) throw lamina::ValueError("SpatialDropout rank must be 1 or 2.");
        const char* kind = rank == 1 ? "SpatialDropout1D" : "SpatialDropout2D";
        return handle(lamina::make_spatial_dropout_op(name, kind, rate, seed, channels_first));
      },
      py::arg("name"), py::arg("rank"), py::arg("rate"), py::arg("seed"),
      py::arg("channels_first") = false);
}

}  // namespace lamina_bind
