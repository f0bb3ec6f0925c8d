// `nabla eval`: a checkpoint's loss, accuracy, per-class accuracy and
// confusion matrix on a dataset's test half.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "nabla/data/dataset.h"
#include "nabla/data/transforms.h"
#include "nabla/nn/module.h"

namespace nabla::cli {

struct EvalResult {
  double loss = 0;  // mean cross-entropy
  double accuracy = 0;
  int64_t samples = 0;
  std::vector<double> per_class;                // accuracy of each true class (NaN: no examples)
  std::vector<std::vector<int64_t>> confusion;  // [true class][predicted class]
  std::vector<std::string> classes;

  // {"accuracy":…,"loss":…,"samples":…,"classes":[…],"per_class":[…],"confusion":[[…]]}
  nlohmann::json to_json() const;
  std::string to_table() const;
};

// Runs the model in eval mode, without recording, over every example of
// dataset (after transform), and restores the model's mode.
EvalResult evaluate(nn::Module& model, std::shared_ptr<const data::Dataset> dataset,
                    data::TransformPtr transform, int64_t num_classes, int64_t batch_size = 500,
                    int workers = 0);

struct EvalOptions {
  std::string checkpoint;
  std::string data;  // empty: the data the checkpoint was trained on
  // Build this model instead of the checkpoint's (for a plain state_dict).
  std::string model, spec;
  bool json = false;
  int64_t batch_size = 500;
  int64_t workers = 0;
  int64_t threads = 0;
};

int run_eval(const EvalOptions& options, std::ostream& out);

}  // namespace nabla::cli
