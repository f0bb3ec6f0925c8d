#include "config.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "nabla/core/error.h"
#include "nabla/cuda.h"

namespace nabla::cli {

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = {"sgd",     "momentum", "nesterov", "adagrad",
                                                 "rmsprop", "adadelta", "adam",     "adamw"};
  return names;
}

const std::vector<std::string>& scheduler_names() {
  static const std::vector<std::string> names = {"none",   "step",   "multistep", "exponential",
                                                 "cosine", "linear", "onecycle",  "plateau"};
  return names;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, sep)) {
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
  }
  return out;
}

namespace {

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

double TrainConfig::resolved_lr() const {
  if (lr >= 0) return lr;
  // Each optimizer's usual starting rate for a small CNN: PyTorch's defaults
  // where it has one that trains (Adam, Adagrad, Adadelta), RMSprop's
  // Keras default (PyTorch's 0.01 diverges on LeNet), 0.05 / 0.01 for SGD
  // without / with momentum.
  static const std::map<std::string, double> defaults = {
      {"sgd", 0.05},     {"momentum", 0.01}, {"nesterov", 0.01}, {"adagrad", 0.01},
      {"rmsprop", 1e-3}, {"adadelta", 1.0},  {"adam", 1e-3},     {"adamw", 1e-3}};
  auto it = defaults.find(optimizer);
  double base = it == defaults.end() ? 1e-3 : it->second;
  // One-cycle spends most steps well below its peak, so its peak may be
  // higher: 3e-3 gave LeNet-5 on Fashion-MNIST 0.909 after 8 epochs where
  // 1e-3 gave 0.889 and 2e-3 0.901 (AdamW, batch 64).
  const bool momentum = optimizer == "adam" || optimizer == "adamw" || optimizer == "momentum" ||
                        optimizer == "nesterov";
  if (momentum && parse_named_args(scheduler).name == "onecycle") base *= 3;
  return base;
}

double TrainConfig::resolved_weight_decay() const {
  if (weight_decay >= 0) return weight_decay;
  return optimizer == "adamw" ? 1e-2 : 0.0;  // PyTorch's defaults
}

void TrainConfig::validate() const {
  NABLA_CHECK(contains(optimizer_names(), optimizer), "unknown optimizer '", optimizer,
              "'; known: ", join(optimizer_names()));
  const std::string sched = parse_named_args(scheduler).name;
  NABLA_CHECK(contains(scheduler_names(), sched), "unknown scheduler '", sched,
              "'; known: ", join(scheduler_names()));
  NABLA_CHECK(epochs >= 0, "--epochs must be >= 0, got ", epochs);
  NABLA_CHECK(batch_size >= 1, "--batch-size must be >= 1, got ", batch_size);
  NABLA_CHECK(std::isfinite(lr), "--lr must be a finite number, got ", lr);
  NABLA_CHECK(label_smoothing >= 0 && label_smoothing < 1,
              "--label-smoothing must be in [0, 1), got ", label_smoothing);
  NABLA_CHECK(mixup >= 0 && cutmix >= 0, "--mixup and --cutmix take an alpha >= 0 (0 is off), got ",
              mixup, " and ", cutmix);
  NABLA_CHECK(early_stopping >= 0, "--early-stopping takes a patience >= 0 (0 is off), got ",
              early_stopping);
  NABLA_CHECK(threads >= 0, "--threads must be >= 0, got ", threads);
  NABLA_CHECK(workers >= 0, "--workers must be >= 0, got ", workers);
  NABLA_CHECK(device == "cpu" || device == "cuda", "unknown device '", device,
              "'; known: cpu, cuda");
  NABLA_CHECK(device != "cuda" || cuda::is_available(),
              "--device cuda: ", cuda::unavailable_reason(), "; use --device cpu");
  NABLA_CHECK(!(reset_head && init.empty()), "--reset-head needs --init FILE");
}

nlohmann::json to_json(const TrainConfig& c) {
  nlohmann::json j;
  j["model"] = c.spec_json.empty() ? c.model : "";
  j["spec"] = c.spec;
  // The spec as an object, readable in config.json.
  j["spec_json"] =
      c.spec_json.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(c.spec_json);
  j["data"] = c.data;
  j["epochs"] = c.epochs;
  j["batch_size"] = c.batch_size;
  j["optimizer"] = c.optimizer;
  j["lr"] = c.resolved_lr();
  j["weight_decay"] = c.resolved_weight_decay();
  j["scheduler"] = c.scheduler;
  j["augment"] = c.augment;
  j["label_smoothing"] = c.label_smoothing;
  j["mixup"] = c.mixup;
  j["cutmix"] = c.cutmix;
  j["early_stopping"] = c.early_stopping;
  j["threads"] = c.threads;
  j["seed"] = c.seed;
  j["workers"] = c.workers;
  j["device"] = c.device;
  j["init"] = c.init;
  j["freeze"] = c.freeze;
  j["reset_head"] = c.reset_head;
  j["out"] = c.out;
  j["name"] = c.name;
  return j;
}

TrainConfig train_config_from_json(const nlohmann::json& j, const std::string& source) {
  NABLA_CHECK(j.is_object(), source, ": a training config must be a JSON object");
  TrainConfig c;
  auto get = [&](const char* key, auto& field) {
    if (!j.contains(key) || j.at(key).is_null()) return;
    try {
      j.at(key).get_to(field);
    } catch (const nlohmann::json::exception&) {
      NABLA_FAIL(source, ": \"", key, "\" has the wrong type (", j.at(key).type_name(), ")");
    }
  };
  static const std::vector<std::string> keys = {
      "model",     "spec",   "spec_json",      "data",       "epochs",  "batch_size",
      "optimizer", "lr",     "weight_decay",   "scheduler",  "augment", "label_smoothing",
      "mixup",     "cutmix", "early_stopping", "threads",    "seed",    "workers",
      "device",    "init",   "freeze",         "reset_head", "out",     "name"};
  for (const auto& item : j.items())
    NABLA_CHECK(contains(keys, item.key()), source, ": unknown setting \"", item.key(),
                "\"; known: ", join(keys));
  get("model", c.model);
  get("spec", c.spec);
  if (j.contains("spec_json") && !j.at("spec_json").is_null())
    c.spec_json = j.at("spec_json").dump();
  get("data", c.data);
  get("epochs", c.epochs);
  get("batch_size", c.batch_size);
  get("optimizer", c.optimizer);
  get("lr", c.lr);
  get("weight_decay", c.weight_decay);
  get("scheduler", c.scheduler);
  get("augment", c.augment);
  get("label_smoothing", c.label_smoothing);
  get("mixup", c.mixup);
  get("cutmix", c.cutmix);
  get("early_stopping", c.early_stopping);
  get("threads", c.threads);
  get("seed", c.seed);
  get("workers", c.workers);
  get("device", c.device);
  get("init", c.init);
  get("freeze", c.freeze);
  get("reset_head", c.reset_head);
  get("out", c.out);
  get("name", c.name);
  return c;
}

TrainConfig load_train_config(const std::string& path) {
  std::ifstream in(path);
  NABLA_CHECK(in.good(), "--config: cannot open '", path, "'");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    NABLA_FAIL("--config: '", path, "' is not valid JSON (byte ", e.byte, ")");
  }
  return train_config_from_json(j, path);
}

NamedArgs parse_named_args(const std::string& text) {
  NamedArgs out;
  std::vector<std::string> parts = split(text, ':');
  NABLA_CHECK(!parts.empty(), "empty name in '", text, "'");
  out.name = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) {
    const auto eq = parts[i].find('=');
    NABLA_CHECK(eq != std::string::npos && eq > 0, "'", text, "': argument '", parts[i],
                "' is not key=value");
    out.args[parts[i].substr(0, eq)] = parts[i].substr(eq + 1);
  }
  return out;
}

double NamedArgs::number(const std::string& key, double fallback) const {
  auto it = args.find(key);
  if (it == args.end()) return fallback;
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(it->second, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  NABLA_CHECK(used == it->second.size() && used > 0, name, ": ", key, "=", it->second,
              " is not a number");
  return value;
}

void NamedArgs::check_keys(const std::vector<std::string>& known, const std::string& what) const {
  for (const auto& [key, value] : args)
    NABLA_CHECK(contains(known, key), what, " '", name, "': unknown argument '", key,
                "'; known: ", known.empty() ? std::string("none") : join(known));
}

}  // namespace nabla::cli
