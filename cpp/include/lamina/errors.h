// Exceptions the core throws for bad input. The Python binding maps them to
// the classes Keras raises (ValueError, TypeError), so users' except clauses
// keep working. Never thrown from inside a parallel region.
#pragma once

#include <stdexcept>
#include <string>

namespace lamina {

class ValueError : public std::invalid_argument {
 public:
  explicit ValueError(const std::string& what) : std::invalid_argument(what) {}
};

}  // namespace lamina
