// Factories for the wrapper ops (Bidirectional, TimeDistributed); they take
// ownership of the handles of the ops they wrap.
#include <pybind11/stl.h>

#include <string>

#include "bind_ops.h"
#include "lamina/errors.h"
#include "lamina/ops/wrappers.h"

namespace lamina_bind {
namespace {

std::unique_ptr<lamina::Op> take(OpHandle& h, const char* what) {
  if (!h.op) throw lamina::ValueError(std::string(what) + " op was already used.");
  return std::move(h.op);
}

}  // namespace

void register_ops_wrappers(py::module_& ops) {
  ops.def(
      "bidirectional",
      [](const std::string& name, OpHandle& forward, OpHandle& backward,
         const std::string& merge_mode, bool return_sequences) {
        lamina::MergeMode merge;
        if (merge_mode == "concat") {
          merge = lamina::MergeMode::kConcat;
        } else if (merge_mode == "sum") {
          merge = lamina::MergeMode::kSum;
        } else if (merge_mode == "mul") {
          merge = lamina::MergeMode::kMul;
        } else if (merge_mode == "ave") {
          merge = lamina::MergeMode::kAve;
        } else {
          throw lamina::ValueError("Invalid merge mode '" + merge_mode + "'.");
        }
        auto f = take(forward, "The forward");
        auto b = take(backward, "The backward");
        return handle(lamina::make_bidirectional_op(name, std::move(f), std::move(b), merge,
                                                    return_sequences));
      },
      py::arg("name"), py::arg("forward"), py::arg("backward"), py::arg("merge_mode"),
      py::arg("return_sequences"));
  ops.def(
      "time_distributed",
      [](const std::string& name, OpHandle& inner) {
        return handle(lamina::make_time_distributed_op(name, take(inner, "The wrapped")));
      },
      py::arg("name"), py::arg("inner"));
}

}  // namespace lamina_bind
