// Named numeric parameters of a loss, metric or optimizer, as Python passes
// them (a dict of floats). Read once when the object is made, never per step.
#pragma once

#include <map>
#include <string>

namespace lamina {

using Params = std::map<std::string, double>;

inline double param(const Params& p, const std::string& key, double fallback) {
  auto it = p.find(key);
  return it == p.end() ? fallback : it->second;
}

}  // namespace lamina
