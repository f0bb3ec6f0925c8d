#include "testing/oracle.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace nabla::testing {
namespace {

using nlohmann::json;

json to_json(const Tensor& t) {
  json j;
  j["shape"] = t.shape();
  j["dtype"] = dtype_name(t.dtype());
  j["data"] = t.to_vector();
  return j;
}

Tensor from_json(const json& j) {
  const std::string dt = j.at("dtype");
  DType dtype = dt == "float32"   ? kFloat32
                : dt == "float64" ? kFloat64
                : dt == "int64"   ? kInt64
                                  : kUInt8;
  Shape shape = j.at("shape").get<Shape>();
  std::vector<double> data;
  for (const auto& v : j.at("data")) data.push_back(v.is_null() ? NAN : v.get<double>());
  if (shape.empty()) return tensor(data, {1}, dtype).reshape({});
  return tensor(data, shape, dtype);
}

std::string temp_path(const std::string& stem) {
  return (std::filesystem::temp_directory_path() /
          (stem + "." + std::to_string(::getpid()) + ".json"))
      .string();
}

}  // namespace

bool torch_available() {
  static const bool ok = std::system(NABLA_TORCH_PYTHON " -c 'import torch' >/dev/null 2>&1") == 0;
  return ok;
}

std::map<std::string, OracleResult> run_torch(const std::vector<OracleCase>& cases) {
  json request = json::array();
  for (const auto& c : cases) {
    json jc;
    jc["name"] = c.name;
    jc["torch"] = c.torch;
    jc["inputs"] = json::array();
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      json ji = to_json(c.inputs[i]);
      ji["requires_grad"] = c.requires_grad[i];
      jc["inputs"].push_back(ji);
    }
    if (c.grad_output.defined()) jc["grad_output"] = to_json(c.grad_output);
    request.push_back(jc);
  }
  const std::string in = temp_path("nabla_oracle_in"), out = temp_path("nabla_oracle_out");
  std::ofstream(in) << request.dump();
  const std::string cmd = std::string(NABLA_TORCH_PYTHON " ") + NABLA_SOURCE_DIR +
                          "/tests/oracle/torch_oracle.py " + in + " " + out;
  const int rc = std::system(cmd.c_str());
  std::filesystem::remove(in);
  NABLA_CHECK(rc == 0, "oracle: '", cmd, "' failed with status ", rc);
  json response;
  std::ifstream(out) >> response;
  std::filesystem::remove(out);

  std::map<std::string, OracleResult> results;
  for (const auto& jr : response) {
    OracleResult r;
    if (jr.contains("error")) {
      r.error = jr["error"];
    } else {
      r.output = from_json(jr["output"]);
      for (const auto& g : jr["grads"]) r.grads.push_back(g.is_null() ? Tensor() : from_json(g));
    }
    results[jr["name"]] = std::move(r);
  }
  return results;
}

std::string compare(const Tensor& actual, const Tensor& expected, double atol, double rtol) {
  std::ostringstream os;
  if (actual.shape() != expected.shape()) {
    os << "shape " << actual.shape() << " vs expected " << expected.shape();
    return os.str();
  }
  const auto a = actual.to_vector(), e = expected.to_vector();
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(e[i])) continue;
    const double excess = std::abs(a[i] - e[i]) - (atol + rtol * std::abs(e[i]));
    if (!(excess <= worst)) {  // NaN on one side counts as a mismatch
      worst = std::isnan(excess) ? INFINITY : excess;
      at = i;
    }
  }
  if (worst > 0) {
    os << "element " << at << ": " << a[at] << " vs expected " << e[at] << " (atol " << atol
       << ", rtol " << rtol << ")";
  }
  return os.str();
}

}  // namespace nabla::testing
