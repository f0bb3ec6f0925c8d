// Models and checkpoints. A checkpoint written by `nabla train` holds the
// model's state_dict under "model." (last.safetensors also "optimizer." and
// "scheduler.") and, in its metadata, all that rebuilds the model without
// anything else: the zoo name or the spec, the ModelConfig, the class names
// and the run's config.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nabla/core/state_dict.h"
#include "nabla/data/dataset.h"
#include "nabla/data/transforms.h"
#include "nabla/models/registry.h"
#include "nabla/nn/module.h"

namespace nabla::cli {

// A zoo name, or a Sequential's JSON spec (models/spec.h) when spec_json is set.
struct ModelSource {
  std::string name;
  std::string spec_json;
  std::string display_name() const;  // the zoo name, or "spec"
};

std::shared_ptr<nn::Module> build_model(const ModelSource& source,
                                        const models::ModelConfig& config);

// A --spec file's text, checked to be JSON (compact, as stored in configs and
// checkpoints). Errors name the file and the byte where the JSON breaks.
std::string read_spec_file(const std::string& path);

// What the data asks of a model: channels, image size and classes (the
// largest training label + 1). Tabular
// rows of F features become in_channels = F, image_size = 1, so a model that
// flattens its C·H·W input (mlp, a spec) takes them as they are.
models::ModelConfig model_config_for(const data::Dataset& train);
// The dataset's first num_classes class names, or "0", "1", ... when it has
// fewer.
std::vector<std::string> class_names_for(const data::Dataset& train, int64_t num_classes);

nlohmann::json model_config_json(const models::ModelConfig& config);
models::ModelConfig model_config_from_json(const nlohmann::json& j);

// What a checkpoint's metadata says.
struct CheckpointInfo {
  ModelSource model;
  models::ModelConfig model_config;
  std::vector<std::string> classes;
  nlohmann::json config;  // the run's TrainConfig (to_json)
};

// Metadata keys "nabla.model", "nabla.spec", "nabla.model_config",
// "nabla.classes", "nabla.config", merged with extra.
std::map<std::string, std::string> checkpoint_metadata(
    const CheckpointInfo& info, const std::map<std::string, std::string>& extra = {});
// Reads a checkpoint's metadata. Throws an Error naming the file when it is
// missing, unreadable, or not a checkpoint of `nabla train`.
CheckpointInfo read_checkpoint_info(const std::string& path);

// Builds the model `source` names for `config` and loads the checkpoint's
// model entries into it strictly; a checkpoint of another model throws an
// Error listing every missing, unexpected and mis-shaped entry.
std::shared_ptr<nn::Module> load_model(const std::string& path, const ModelSource& source,
                                       const models::ModelConfig& config);

// The model's entries: those under "model." with the prefix removed, or all
// of them for a plain state_dict (one saved by nabla::save or exported from
// PyTorch).
StateDict model_entries(const StateDict& checkpoint);

// The transform test and prediction data get: the "normalize" entries of
// the run's --augment list (the random ones are for training only). Null
// when there are none.
data::TransformPtr eval_transform(const std::string& augment, int64_t image_size);

}  // namespace nabla::cli
