#include "eval.h"

#include <omp.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "checkpoint.h"
#include "config.h"
#include "nabla/autograd/grad_mode.h"
#include "nabla/core/error.h"
#include "nabla/data/datasets.h"
#include "nabla/data/loader.h"
#include "nabla/io/safetensors.h"
#include "nabla/ops/loss.h"
#include "nabla/ops/reduce.h"

namespace nabla::cli {

EvalResult evaluate(nn::Module& model, std::shared_ptr<const data::Dataset> dataset,
                    data::TransformPtr transform, int64_t num_classes, int64_t batch_size,
                    int workers) {
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  EvalResult r;
  r.confusion.assign(num_classes, std::vector<int64_t>(num_classes, 0));
  double loss_sum = 0;
  int64_t correct = 0;
  data::DataLoaderOptions o;
  o.batch_size = batch_size;
  o.num_workers = workers;
  data::DataLoader loader(std::move(dataset), o, std::move(transform));
  // Batches go where the model's parameters are.
  const std::vector<Tensor> params = model.parameters();
  const Device device = params.empty() ? kCPU : params.front().device();
  for (const data::Batch& b : loader) {
    NABLA_CHECK(b.targets.dtype() == kInt64, "evaluate: the targets are ", b.targets.dtype(),
                ", not class indices");
    const Tensor logits = model(b.inputs.to(device));
    NABLA_CHECK(logits.dim() == 2 && logits.size(1) == num_classes, "evaluate: the model gives ",
                logits.shape(), " for a batch of ", b.inputs.shape(), "; expected (N, ",
                num_classes, ")");
    loss_sum += cross_entropy(logits, b.targets.to(device), {}, -100, "sum").item_double();
    const std::vector<int64_t> predicted = argmax(logits, 1).to_vector_as<int64_t>();
    const std::vector<int64_t> truth = b.targets.to_vector_as<int64_t>();
    for (size_t i = 0; i < truth.size(); ++i) {
      NABLA_CHECK(truth[i] >= 0 && truth[i] < num_classes, "evaluate: label ", truth[i],
                  " is not a class of the model (", num_classes, " classes)");
      ++r.confusion[truth[i]][predicted[i]];
      correct += truth[i] == predicted[i];
    }
    r.samples += static_cast<int64_t>(truth.size());
  }
  model.train(was_training);
  r.loss = r.samples ? loss_sum / r.samples : NAN;
  r.accuracy = r.samples ? static_cast<double>(correct) / r.samples : NAN;
  for (int64_t c = 0; c < num_classes; ++c) {
    int64_t n = 0;
    for (int64_t p = 0; p < num_classes; ++p) n += r.confusion[c][p];
    r.per_class.push_back(n ? static_cast<double>(r.confusion[c][c]) / n : NAN);
  }
  return r;
}

nlohmann::json EvalResult::to_json() const {
  nlohmann::json per = nlohmann::json::array();
  for (double a : per_class)
    per.push_back(std::isnan(a) ? nlohmann::json(nullptr) : nlohmann::json(a));
  return {{"accuracy", accuracy}, {"loss", loss},     {"samples", samples},
          {"classes", classes},   {"per_class", per}, {"confusion", confusion}};
}

std::string EvalResult::to_table() const {
  std::ostringstream os;
  char buf[256];
  std::snprintf(buf, sizeof buf, "samples %lld  loss %.4f  accuracy %.4f\n\n",
                static_cast<long long>(samples), loss, accuracy);
  os << buf;
  size_t width = 5;
  for (const auto& c : classes) width = std::max(width, c.size());
  std::snprintf(buf, sizeof buf, "%-*s  %8s  %s\n", static_cast<int>(width), "class", "accuracy",
                "confusion (row: true class, column: predicted)");
  os << buf;
  for (size_t c = 0; c < per_class.size(); ++c) {
    const std::string name = c < classes.size() ? classes[c] : std::to_string(c);
    std::snprintf(buf, sizeof buf, "%-*s  %8.4f ", static_cast<int>(width), name.c_str(),
                  per_class[c]);
    os << buf;
    for (int64_t n : confusion[c]) {
      std::snprintf(buf, sizeof buf, " %5lld", static_cast<long long>(n));
      os << buf;
    }
    os << "\n";
  }
  return os.str();
}

int run_eval(const EvalOptions& o, std::ostream& out) {
  NABLA_CHECK(!o.checkpoint.empty(), "eval: --checkpoint FILE is required");
  NABLA_CHECK(o.batch_size >= 1, "--batch-size must be >= 1, got ", o.batch_size);
  if (o.threads > 0) omp_set_num_threads(static_cast<int>(o.threads));
  const bool override_model = !o.model.empty() || !o.spec.empty();
  CheckpointInfo info;
  if (override_model) {
    // The metadata, when the file has it, still gives the classes and data.
    try {
      info = read_checkpoint_info(o.checkpoint);
    } catch (const Error&) {
      load_metadata(o.checkpoint);  // a missing or corrupt file is still an error
    }
    info.model = ModelSource{o.model, o.spec.empty() ? "" : read_spec_file(o.spec)};
  } else {
    info = read_checkpoint_info(o.checkpoint);
  }
  std::string data_name = o.data;
  if (data_name.empty() && info.config.is_object() && info.config.contains("data"))
    data_name = info.config.at("data").get<std::string>();
  NABLA_CHECK(!data_name.empty(), "eval: the checkpoint names no dataset; give --data");
  const data::Split split = data::load_dataset(data_name);
  const models::ModelConfig data_config = model_config_for(*split.train);
  if (override_model && info.classes.empty()) info.model_config = data_config;
  NABLA_CHECK(data_config.in_channels == info.model_config.in_channels &&
                  data_config.image_size == info.model_config.image_size,
              "eval: the data '", data_name, "' has inputs ", model_config_json(data_config).dump(),
              "; the model was built for ", model_config_json(info.model_config).dump());
  NABLA_CHECK(data_config.num_classes <= info.model_config.num_classes, "eval: the data '",
              data_name, "' has ", data_config.num_classes, " classes; the model has ",
              info.model_config.num_classes);
  const auto model = load_model(o.checkpoint, info.model, info.model_config);
  std::string augment;
  if (info.config.is_object() && info.config.contains("augment"))
    augment = info.config.at("augment").get<std::string>();
  EvalResult r = evaluate(*model, split.test, eval_transform(augment, info.model_config.image_size),
                          info.model_config.num_classes, o.batch_size, static_cast<int>(o.workers));
  r.classes = info.classes.empty() ? class_names_for(*split.train, info.model_config.num_classes)
                                   : info.classes;
  if (o.json)
    out << r.to_json().dump() << "\n";
  else
    out << "checkpoint " << o.checkpoint << " on " << data_name << " (test)\n" << r.to_table();
  return 0;
}

}  // namespace nabla::cli
