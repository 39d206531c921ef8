#include <pybind11/pybind11.h>

#include <atomic>

#include "lamina/cpu.h"
#include "lamina/kernels.h"
#include "lamina/runtime.h"

namespace py = pybind11;

namespace lamina_bind {

void register_config(py::module_& m) {
  m.def("cpu_info", [] {
    lamina::CpuInfo info = lamina::detect_cpu();
    py::dict d;
    d["isa"] = lamina::isa_name(lamina::active_kernels().isa);
    d["best_isa"] = lamina::isa_name(info.best);
    d["avx2_fma"] = info.has_avx2_fma;
    d["avx512"] = info.has_avx512;
    d["cores"] = info.logical_cores;
    d["threads"] = lamina::num_threads();
    return d;
  });
  m.def("num_threads", &lamina::num_threads);
  m.def("set_num_threads", &lamina::set_num_threads, py::arg("n"));
  m.def(
      "set_isa", [](const std::string& name) { lamina::set_active_isa(lamina::parse_isa(name)); },
      py::arg("name"));
  m.def("supported_isas", [] {
    py::list out;
    for (auto isa : {lamina::Isa::kScalar, lamina::Isa::kAvx2, lamina::Isa::kAvx512}) {
      if (static_cast<int>(isa) <= static_cast<int>(lamina::detect_cpu().best)) {
        out.append(lamina::isa_name(isa));
      }
    }
    return out;
  });
  m.def("allocation_count", &lamina::allocation_count);
  m.def("in_forked_child", &lamina::in_forked_child);
  m.def("parallel_sum_test", [](int64_t n) {
    // Runs a parallel region (for the fork-safety test) and returns sum(0..n).
    std::atomic<int64_t> total{0};
    lamina::parallel_for(n, 1, [&](int64_t b, int64_t e) {
      int64_t s = 0;
      for (int64_t i = b; i < e; ++i) s += i;
      total.fetch_add(s);
    });
    return total.load();
  });
}

}  // namespace lamina_bind
