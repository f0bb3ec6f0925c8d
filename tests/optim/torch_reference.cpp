#include "optim/torch_reference.h"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace nabla::testing {

nlohmann::json tensor_json(const Tensor& t) {
  nlohmann::json j;
  j["shape"] = t.shape();
  j["data"] = t.to_vector();
  return j;
}

nlohmann::json run_torch_reference(const nlohmann::json& request) {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string stem = "nabla_optim." + std::to_string(::getpid());
  const std::string in = (dir / (stem + ".in.json")).string();
  const std::string out = (dir / (stem + ".out.json")).string();
  std::ofstream(in) << request.dump();
  const std::string cmd = std::string(NABLA_TORCH_PYTHON " ") + NABLA_SOURCE_DIR +
                          "/tests/optim/torch_reference.py " + in + " " + out;
  const int rc = std::system(cmd.c_str());
  std::filesystem::remove(in);
  NABLA_CHECK(rc == 0, "torch reference: '", cmd, "' failed with status ", rc);
  nlohmann::json response;
  std::ifstream(out) >> response;
  std::filesystem::remove(out);
  return response;
}

std::string compare_values(const std::vector<double>& a, const std::vector<double>& e, double atol,
                           double rtol) {
  std::ostringstream os;
  if (a.size() != e.size()) {
    os << a.size() << " values vs " << e.size() << " expected";
    return os.str();
  }
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double excess = std::abs(a[i] - e[i]) - (atol + rtol * std::abs(e[i]));
    if (!(excess <= worst)) {  // NaN counts as a mismatch
      worst = std::isnan(excess) ? INFINITY : excess;
      at = i;
    }
  }
  if (worst > 0) os << "element " << at << ": " << a[at] << " vs expected " << e[at];
  return os.str();
}

}  // namespace nabla::testing
