// Turns a layer's ConvSpec and the per-sample input shape into the kernels'
// ConvGeometry, with the layer's name in every error.
#pragma once

#include <string>

#include "lamina/errors.h"
#include "lamina/kernels/conv.h"
#include "lamina/ops.h"
#include "lamina/ops/conv.h"

namespace lamina {

// Spatial sizes and channels of a per-sample input: (h, w, c), h = 1 for 1-D.
struct SpatialInput {
  int64_t h = 1, w = 1, c = 1;
};

inline SpatialInput spatial_input(const std::string& layer, const std::string& kind,
                                  const ConvSpec& spec, const Shape& input) {
  const size_t rank = spec.one_d ? 2 : 3;
  if (input.size() != rank) {
    throw ValueError("Input 0 of layer \"" + layer + "\" (" + kind + ") is incompatible with the " +
                     "layer: expected ndim=" + std::to_string(rank + 1) +
                     ", found ndim=" + std::to_string(input.size() + 1) +
                     ". Full shape received: " + shape_str(input));
  }
  SpatialInput s;
  if (spec.one_d) {
    s.w = input[0];
    s.c = input[1];
  } else {
    s.h = input[0];
    s.w = input[1];
    s.c = input[2];
  }
  return s;
}

// The convolution over `in` with `in_c`/`out_c` channels, pads from Keras's
// padding mode. Errors (a kernel larger than a valid-padded input, ...) name
// the layer and the input shape.
inline ConvGeometry conv_geometry(const std::string& layer, const std::string& kind,
                                  const ConvSpec& spec, const SpatialInput& in, int64_t out_c,
                                  int64_t groups, const Shape& input) {
  ConvGeometry g;
  g.in_h = in.h;
  g.in_w = in.w;
  g.in_c = in.c;
  g.out_c = out_c;
  g.kernel_h = spec.kernel_h;
  g.kernel_w = spec.kernel_w;
  g.stride_h = spec.stride_h;
  g.stride_w = spec.stride_w;
  g.dilation_h = spec.dilation_h;
  g.dilation_w = spec.dilation_w;
  g.groups = groups;
  try {
    const Padding padding = parse_padding(spec.padding);
    if (padding == Padding::kCausal && !spec.one_d) {
      throw ValueError("padding=\"causal\" is only available for 1-D convolutions.");
    }
    if (!spec.one_d) {
      const ConvOutput h =
          conv_output_size(in.h, spec.kernel_h, spec.stride_h, spec.dilation_h, padding);
      g.pad_top = h.pad_before;
      g.pad_bottom = h.pad_after;
    }
    const ConvOutput w =
        conv_output_size(in.w, spec.kernel_w, spec.stride_w, spec.dilation_w, padding);
    g.pad_left = w.pad_before;
    g.pad_right = w.pad_after;
    g.validate();
  } catch (const ValueError& e) {
    throw ValueError("Layer \"" + layer + "\" (" + kind + ") cannot take an input of shape " +
                     shape_str(input) + ": " + e.what());
  }
  return g;
}

inline Shape spatial_output(const ConvSpec& spec, int64_t h, int64_t w, int64_t c) {
  return spec.one_d ? Shape{w, c} : Shape{h, w, c};
}

}  // namespace lamina
