#include <sstream>

#include "lamina/ops.h"

namespace lamina {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_str(const Shape& shape) {
  std::ostringstream s;
  s << "(None";
  for (int64_t d : shape) s << ", " << d;
  s << ")";
  return s.str();
}

}  // namespace lamina
