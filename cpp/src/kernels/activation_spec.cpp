// Activation names and parameters: Keras's string identifiers (with the
// swish/hard_swish aliases) to a spec, and what each backward needs.
#include <cmath>
#include <initializer_list>
#include <string>

#include "lamina/errors.h"
#include "lamina/kernels/activation.h"

namespace lamina {
namespace {

struct NamedActivation {
  const char* name;
  Activation kind;
};

// Canonical names first (activation_name returns the first match of a kind).
constexpr NamedActivation kNames[] = {
    {"linear", Activation::kLinear},
    {"relu", Activation::kRelu},
    {"sigmoid", Activation::kSigmoid},
    {"tanh", Activation::kTanh},
    {"softmax", Activation::kSoftmax},
    {"relu6", Activation::kRelu6},
    {"leaky_relu", Activation::kLeakyRelu},
    {"elu", Activation::kElu},
    {"selu", Activation::kSelu},
    {"gelu", Activation::kGelu},
    {"silu", Activation::kSilu},
    {"softplus", Activation::kSoftplus},
    {"softsign", Activation::kSoftsign},
    {"hard_sigmoid", Activation::kHardSigmoid},
    {"hard_silu", Activation::kHardSilu},
    {"exponential", Activation::kExponential},
    {"log_softmax", Activation::kLogSoftmax},
    {"mish", Activation::kMish},
    {"swish", Activation::kSilu},
    {"hard_swish", Activation::kHardSilu},
};

// Throws unless every key of params is one of allowed.
void check_params(const std::string& name, const Params& params,
                  std::initializer_list<const char*> allowed) {
  for (const auto& kv : params) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || kv.first == a;
    if (!ok) {
      throw ValueError("Activation '" + name + "' does not take the argument '" + kv.first + "'.");
    }
  }
}

}  // namespace

ActivationSpec::ActivationSpec(Activation k) : kind(k) {
  if (k == Activation::kLeakyRelu) negative_slope = 0.2;  // Keras's leaky_relu default
}

Activation activation_from_name(const std::string& name) {
  for (const NamedActivation& n : kNames) {
    if (name == n.name) return n.kind;
  }
  std::string known;
  for (const NamedActivation& n : kNames) known += std::string(known.empty() ? "" : ", ") + n.name;
  throw ValueError("Unknown activation '" + name + "'. Known: " + known + ".");
}

const char* activation_name(Activation kind) {
  for (const NamedActivation& n : kNames) {
    if (n.kind == kind) return n.name;
  }
  return "unknown";
}

ActivationSpec activation_spec(const std::string& name, const Params& params) {
  ActivationSpec spec(activation_from_name(name));
  switch (spec.kind) {
    case Activation::kRelu:
      check_params(name, params, {"negative_slope", "max_value", "threshold"});
      spec.negative_slope = param(params, "negative_slope", 0.0);
      spec.max_value = param(params, "max_value", spec.max_value);
      spec.threshold = param(params, "threshold", 0.0);
      if (std::isnan(spec.max_value)) spec.max_value = INFINITY;
      break;
    case Activation::kLeakyRelu:
      check_params(name, params, {"negative_slope"});
      spec.negative_slope = param(params, "negative_slope", spec.negative_slope);
      break;
    case Activation::kElu:
      check_params(name, params, {"alpha"});
      spec.alpha = param(params, "alpha", 1.0);
      break;
    case Activation::kGelu:
      check_params(name, params, {"approximate"});
      spec.approximate = param(params, "approximate", 0.0) != 0.0;
      break;
    default:
      check_params(name, params, {});
      break;
  }
  return spec;
}

bool activation_is_rowwise(Activation kind) {
  return kind == Activation::kSoftmax || kind == Activation::kLogSoftmax;
}

bool activation_is_plain_relu(const ActivationSpec& spec) {
  return spec.kind == Activation::kRelu && spec.negative_slope == 0.0 && spec.threshold == 0.0 &&
         std::isinf(spec.max_value);
}

bool activation_backward_needs_x(const ActivationSpec& spec) {
  switch (spec.kind) {
    case Activation::kLinear:
    case Activation::kSigmoid:
    case Activation::kTanh:
    case Activation::kSoftmax:
    case Activation::kLogSoftmax:
    case Activation::kRelu6:
    case Activation::kExponential:
      return false;
    case Activation::kRelu:
      return !(spec.negative_slope == 0.0 && spec.threshold == 0.0 && std::isinf(spec.max_value));
    default:
      return true;
  }
}

}  // namespace lamina
