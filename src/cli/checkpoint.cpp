#include "checkpoint.h"

#include <algorithm>
#include <fstream>

#include "config.h"
#include "nabla/core/error.h"
#include "nabla/io/safetensors.h"
#include "nabla/models/spec.h"
#include "nabla/ops/reduce.h"

namespace nabla::cli {

std::string ModelSource::display_name() const {
  return spec_json.empty() ? name : "spec";
}

std::shared_ptr<nn::Module> build_model(const ModelSource& source,
                                        const models::ModelConfig& config) {
  if (!source.spec_json.empty()) return models::sequential_from_json(source.spec_json, config);
  return models::create(source.name, config);
}

std::string read_spec_file(const std::string& path) {
  std::ifstream in(path);
  NABLA_CHECK(in.good(), "--spec: cannot open '", path, "'");
  try {
    // Specs may hold // and /* */ comments (models/spec.h); the stored form drops them.
    return nlohmann::json::parse(in, nullptr, true, /*ignore_comments=*/true).dump();
  } catch (const nlohmann::json::parse_error& e) {
    NABLA_FAIL("--spec: '", path, "' is not valid JSON (byte ", e.byte, ")");
  }
}

namespace {

// The classes the training labels use: the largest label + 1. A dataset's
// list of names may be longer (an IDX folder is named by the ten digits
// whatever its labels), and a model with outputs no label asks for would
// only report empty rows.
int64_t count_classes(const data::Dataset& train) {
  int64_t max_label = -1;
  if (const auto* tensors = dynamic_cast<const data::TensorDataset*>(&train)) {
    const Tensor& t = tensors->targets();
    NABLA_CHECK(t.dtype() == kInt64, "the training data's targets are ", t.dtype(),
                ", not class indices (int64); nabla train fits classifiers");
    if (t.numel() > 0) max_label = static_cast<int64_t>(max(t).item_double());
  } else if (!train.classes().empty()) {
    return static_cast<int64_t>(train.classes().size());
  } else {
    for (int64_t i = 0; i < train.size(); ++i) {
      const Tensor target = train.get(i).target;
      NABLA_CHECK(target.dtype() == kInt64 && target.numel() == 1,
                  "the training data's targets are ", target.dtype(), " ", target.shape(),
                  ", not class indices");
      max_label = std::max(max_label, static_cast<int64_t>(target.item_double()));
    }
  }
  NABLA_CHECK(max_label >= 0, "the training data has no examples");
  return max_label + 1;
}

}  // namespace

models::ModelConfig model_config_for(const data::Dataset& train) {
  const Shape shape = train.input_shape();
  models::ModelConfig config;
  if (shape.size() == 1) {
    config.in_channels = shape[0];
    config.image_size = 1;
  } else {
    NABLA_CHECK(shape.size() == 3 && shape[1] == shape[2], "the data's inputs are ", shape,
                "; the models take square images (C, H, H) or feature rows (F)");
    config.in_channels = shape[0];
    config.image_size = shape[1];
  }
  config.num_classes = count_classes(train);
  return config;
}

std::vector<std::string> class_names_for(const data::Dataset& train, int64_t num_classes) {
  std::vector<std::string> names = train.classes();
  if (static_cast<int64_t>(names.size()) >= num_classes) {
    names.resize(num_classes);
    return names;
  }
  names.clear();
  for (int64_t i = 0; i < num_classes; ++i) names.push_back(std::to_string(i));
  return names;
}

nlohmann::json model_config_json(const models::ModelConfig& c) {
  return {
      {"in_channels", c.in_channels}, {"image_size", c.image_size}, {"num_classes", c.num_classes}};
}

models::ModelConfig model_config_from_json(const nlohmann::json& j) {
  models::ModelConfig c;
  c.in_channels = j.at("in_channels").get<int64_t>();
  c.image_size = j.at("image_size").get<int64_t>();
  c.num_classes = j.at("num_classes").get<int64_t>();
  return c;
}

std::map<std::string, std::string> checkpoint_metadata(
    const CheckpointInfo& info, const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> meta = extra;
  meta["nabla.model"] = info.model.spec_json.empty() ? info.model.name : "";
  meta["nabla.spec"] = info.model.spec_json;
  meta["nabla.model_config"] = model_config_json(info.model_config).dump();
  meta["nabla.classes"] = nlohmann::json(info.classes).dump();
  meta["nabla.config"] = info.config.dump();
  return meta;
}

CheckpointInfo read_checkpoint_info(const std::string& path) {
  const auto meta = load_metadata(path);
  NABLA_CHECK(meta.count("nabla.model_config") && meta.count("nabla.model"), "'", path,
              "' is not a checkpoint of `nabla train` (its metadata names no model); give the "
              "model with --model or --spec");
  CheckpointInfo info;
  try {
    info.model.name = meta.at("nabla.model");
    if (meta.count("nabla.spec")) info.model.spec_json = meta.at("nabla.spec");
    info.model_config =
        model_config_from_json(nlohmann::json::parse(meta.at("nabla.model_config")));
    if (meta.count("nabla.classes"))
      info.classes =
          nlohmann::json::parse(meta.at("nabla.classes")).get<std::vector<std::string>>();
    if (meta.count("nabla.config")) info.config = nlohmann::json::parse(meta.at("nabla.config"));
  } catch (const nlohmann::json::exception& e) {
    NABLA_FAIL("'", path, "': its nabla metadata is corrupt (", e.what(), ")");
  }
  return info;
}

std::shared_ptr<nn::Module> load_model(const std::string& path, const ModelSource& source,
                                       const models::ModelConfig& config) {
  std::shared_ptr<nn::Module> model = build_model(source, config);
  const StateDict entries = model_entries(load(path));
  try {
    model->load_state_dict(entries, true);
  } catch (const Error& e) {
    NABLA_FAIL("'", path, "' is not a checkpoint of the model ", source.display_name(), ": ",
               e.what());
  }
  return model;
}

StateDict model_entries(const StateDict& checkpoint) {
  const bool prefixed = std::any_of(checkpoint.begin(), checkpoint.end(), [](const auto& item) {
    return item.first.rfind("model.", 0) == 0;
  });
  return prefixed ? checkpoint.sub("model.") : checkpoint;
}

data::TransformPtr eval_transform(const std::string& augment, int64_t image_size) {
  std::vector<std::string> kept;
  for (const std::string& item : split(augment, ','))
    if (item.substr(0, item.find(':')) == "normalize") kept.push_back(item);
  if (kept.empty()) return nullptr;
  return data::parse_transforms(join(kept, ","), image_size);
}

}  // namespace nabla::cli
