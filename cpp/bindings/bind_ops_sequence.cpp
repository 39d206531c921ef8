// Factories for the sequence-input ops: Embedding and Masking.
#include <string>

#include "bind_ops.h"
#include "lamina/ops/embedding.h"
#include "lamina/ops/masking.h"

namespace lamina_bind {

void register_ops_sequence(py::module_& ops) {
  ops.attr("max_exact_float_id") = lamina::kMaxExactFloatId;
  ops.def(
      "embedding",
      [](const std::string& name, int64_t input_dim, int64_t output_dim, bool mask_zero) {
        return handle(lamina::make_embedding_op(name, input_dim, output_dim, mask_zero));
      },
      py::arg("name"), py::arg("input_dim"), py::arg("output_dim"), py::arg("mask_zero") = false,
      "Embedding table lookup; weights: [embeddings (input_dim, output_dim)].");
  ops.def(
      "masking",
      [](const std::string& name, float mask_value) {
        return handle(lamina::make_masking_op(name, mask_value));
      },
      py::arg("name"), py::arg("mask_value") = 0.0f,
      "Masking: zeroes and masks steps whose features all equal mask_value.");
}

}  // namespace lamina_bind
