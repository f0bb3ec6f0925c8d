#include "nabla/models/registry.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "nabla/core/error.h"

namespace nabla::models {
namespace {

// Filled at load time by NABLA_REGISTER_MODEL; a function-local static so it
// exists before the first registration whatever the order of the objects.
std::map<std::string, ModelInfo>& registry() {
  static std::map<std::string, ModelInfo> models;
  return models;
}

}  // namespace

bool register_model(std::string name, std::string description, ModelFactory factory) {
  NABLA_CHECK(!registry().count(name), "models: '", name, "' is registered twice");
  registry().emplace(name, ModelInfo{name, std::move(description), std::move(factory)});
  return true;
}

std::vector<ModelInfo> list() {
  std::vector<ModelInfo> out;
  for (const auto& [name, info] : registry()) out.push_back(info);
  return out;
}

std::shared_ptr<nn::Module> create(const std::string& name, const ModelConfig& config) {
  auto it = registry().find(name);
  if (it == registry().end()) {
    std::ostringstream known;
    for (const auto& [n, info] : registry()) known << (known.tellp() ? ", " : "") << n;
    NABLA_FAIL("unknown model '", name, "'; known models: ", known.str());
  }
  NABLA_CHECK(config.in_channels > 0 && config.image_size > 0 && config.num_classes > 0,
              "models: ", name, " needs positive in_channels, image_size and num_classes, got ",
              config.in_channels, ", ", config.image_size, ", ", config.num_classes);
  return it->second.factory(config);
}

}  // namespace nabla::models
