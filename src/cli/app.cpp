#include "app.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <functional>
#include <memory>

#include "checkpoint.h"
#include "config.h"
#include "eval.h"
#include "nabla/core/error.h"
#include "nabla/models/registry.h"
#include "predict.h"
#include "summary.h"
#include "train.h"

namespace nabla::cli {

namespace {

// One train option: the CLI11 option and how to copy its field into the
// final config (only options given on the command line override --config).
struct Binding {
  CLI::Option* option;
  std::string name;
  std::function<void(TrainConfig&, const TrainConfig&)> copy;
};

template <class T>
void add_train_option(CLI::App* app, std::vector<Binding>& bindings, TrainConfig& parsed,
                      const std::string& name, T TrainConfig::*field, const std::string& help,
                      bool show_default = true) {
  CLI::Option* o = app->add_option(name, parsed.*field, help)
                       ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  if (show_default) o->capture_default_str();
  bindings.push_back(
      {o, name, [field](TrainConfig& to, const TrainConfig& from) { to.*field = from.*field; }});
}

std::string one_line(std::string s) {
  for (char& ch : s)
    if (ch == '\n') ch = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                bool tty) {
  CLI::App app{
      "nabla: train, evaluate and run neural networks.\n"
      "`nabla train` with no options trains LeNet-5 on Fashion-MNIST."};
  app.name("nabla");
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Every subcommand's options");

  // ---- train
  CLI::App* train = app.add_subcommand("train", "Train a model; every run writes runs/<name>/");
  TrainConfig parsed;
  std::vector<Binding> b;
  add_train_option(train, b, parsed, "--model", &TrainConfig::model,
                   "Zoo model (see `nabla models`)");
  add_train_option(train, b, parsed, "--spec", &TrainConfig::spec,
                   "A Sequential described in a JSON file");
  add_train_option(
      train, b, parsed, "--data", &TrainConfig::data,
      "fashion-mnist, mnist, cifar10, or a path (IDX/CIFAR directory, image folders, CSV)");
  add_train_option(train, b, parsed, "--epochs", &TrainConfig::epochs, "Epochs in all");
  add_train_option(train, b, parsed, "--batch-size", &TrainConfig::batch_size,
                   "Training batch size");
  add_train_option(train, b, parsed, "--optimizer", &TrainConfig::optimizer,
                   "sgd|momentum|nesterov|adagrad|rmsprop|adadelta|adam|adamw");
  add_train_option(
      train, b, parsed, "--lr", &TrainConfig::lr,
      "Learning rate; with onecycle, its peak (default: 3e-3 for adamw, adam with onecycle; "
      "see the README for the others)",
      false);
  add_train_option(train, b, parsed, "--weight-decay", &TrainConfig::weight_decay,
                   "Weight decay (default: 0; adamw 0.01)", false);
  add_train_option(
      train, b, parsed, "--scheduler", &TrainConfig::scheduler,
      "none|step|multistep|exponential|cosine|linear|onecycle|plateau, with :key=value "
      "arguments (step:step_size=3:gamma=0.1)");
  add_train_option(
      train, b, parsed, "--augment", &TrainConfig::augment,
      "Training transforms: crop:padding=2,flip,affine:degrees=10,noise:std=0.1,erasing,... "
      "(normalize entries apply to test data too)");
  add_train_option(train, b, parsed, "--label-smoothing", &TrainConfig::label_smoothing,
                   "Label smoothing ε");
  add_train_option(train, b, parsed, "--mixup", &TrainConfig::mixup,
                   "Mixup with Beta(α, α); 0 off");
  add_train_option(train, b, parsed, "--cutmix", &TrainConfig::cutmix,
                   "CutMix with Beta(α, α); 0 off");
  add_train_option(train, b, parsed, "--early-stopping", &TrainConfig::early_stopping,
                   "Stop after this many epochs without a lower test loss; 0 off");
  add_train_option(train, b, parsed, "--threads", &TrainConfig::threads,
                   "Compute threads (0: OMP_NUM_THREADS or all cores)");
  add_train_option(train, b, parsed, "--seed", &TrainConfig::seed,
                   "Seed of the weights, order and augmentation");
  add_train_option(train, b, parsed, "--workers", &TrainConfig::workers,
                   "Data-loader threads (results do not depend on it)");
  add_train_option(train, b, parsed, "--device", &TrainConfig::device, "cpu or cuda");
  add_train_option(train, b, parsed, "--init", &TrainConfig::init,
                   "Start from this checkpoint's model weights (transfer learning)");
  add_train_option(train, b, parsed, "--freeze", &TrainConfig::freeze,
                   "Comma-separated parameter-name prefixes to keep fixed (features.0,features.3)");
  add_train_option(train, b, parsed, "--out", &TrainConfig::out,
                   "Run directory (must be new or empty)");
  add_train_option(train, b, parsed, "--name", &TrainConfig::name,
                   "Run name: the directory runs/NAME");
  {
    CLI::Option* o = train->add_flag("--reset-head", parsed.reset_head,
                                     "With --init: entries of another shape (the classifier for "
                                     "other classes) stay freshly initialised");
    b.push_back({o, "--reset-head", [](TrainConfig& to, const TrainConfig& from) {
                   to.reset_head = from.reset_head;
                 }});
  }
  std::string config_file, resume_dir;
  CLI::Option* config_opt =
      train->add_option("--config", config_file, "Rerun the settings of a run's config.json");
  CLI::Option* resume_opt = train->add_option("--resume", resume_dir,
                                              "Continue the run in DIR from its last.safetensors");
  resume_opt->excludes(config_opt);

  // ---- eval
  CLI::App* eval =
      app.add_subcommand("eval", "Loss, accuracy and confusion matrix of a checkpoint");
  EvalOptions eo;
  eval->add_option("--checkpoint", eo.checkpoint, "A .safetensors file of `nabla train`")
      ->required();
  eval->add_option("--data", eo.data,
                   "Dataset (default: the one it was trained on); its test half");
  eval->add_option("--model", eo.model, "Build this zoo model instead (for a plain state_dict)");
  eval->add_option("--spec", eo.spec, "Build this spec instead (for a plain state_dict)");
  eval->add_flag("--json", eo.json, "Print one JSON object");
  eval->add_option("--batch-size", eo.batch_size)->capture_default_str();
  eval->add_option("--workers", eo.workers)->capture_default_str();
  eval->add_option("--threads", eo.threads)->capture_default_str();

  // ---- predict
  CLI::App* predict = app.add_subcommand("predict", "Top-k classes of images");
  PredictOptions po;
  predict->add_option("--checkpoint", po.checkpoint, "A .safetensors file of `nabla train`")
      ->required();
  predict->add_option("images", po.inputs, "PNG/JPEG files or IDX files of images")->required();
  predict->add_option("--top-k", po.top_k, "Classes shown per image")->capture_default_str();
  predict->add_flag("--json", po.json, "Print one JSON object");
  predict->add_option("--threads", po.threads)->capture_default_str();

  // ---- summary
  CLI::App* summary = app.add_subcommand("summary", "Layers, output shapes, parameters and MACs");
  SummaryOptions so;
  summary->add_option("model", so.model, "Zoo model name, or a spec .json file")->required();
  summary->add_option("--input", so.input, "Input shape CxHxW, or F")->capture_default_str();
  summary->add_option("--classes", so.classes, "Number of classes")->capture_default_str();
  summary->add_flag("--json", so.json, "Print JSON");

  // ---- models
  CLI::App* list = app.add_subcommand("models", "List the zoo's models");

  std::vector<std::string> argv_storage = {"nabla"};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());

  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp&) {
    CLI::App* target = &app;
    for (CLI::App* sub : app.get_subcommands()) target = sub;
    out << target->help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string where = "nabla";
    for (CLI::App* sub : app.get_subcommands()) where += " " + sub->get_name();
    err << "nabla: error: " << one_line(e.what()) << " (see " << where << " --help)\n";
    return 1;
  }

  try {
    if (*train) {
      ConsoleOptions console{tty, true};
      if (!resume_dir.empty()) {
        ResumeOverrides ro;
        for (const Binding& x : b) {
          if (x.option->count() == 0) continue;
          if (x.name == "--epochs")
            ro.epochs = parsed.epochs;
          else if (x.name == "--threads")
            ro.threads = parsed.threads;
          else if (x.name == "--workers")
            ro.workers = parsed.workers;
          else
            NABLA_FAIL("--resume continues a run with its own settings (its config.json); ", x.name,
                       " cannot be changed (only --epochs, --threads and --workers can)");
        }
        return run_resume(resume_dir, ro, out, console);
      }
      TrainConfig config = config_file.empty() ? TrainConfig{} : load_train_config(config_file);
      if (!config_file.empty()) {
        // A rerun goes to a fresh directory unless told otherwise.
        config.out.clear();
        config.name.clear();
      }
      const bool model_given = train->get_option("--model")->count() > 0;
      const bool spec_given = train->get_option("--spec")->count() > 0;
      NABLA_CHECK(!(model_given && spec_given), "give --model or --spec, not both");
      for (const Binding& x : b)
        if (x.option->count() > 0) x.copy(config, parsed);
      if (spec_given) {
        config.spec_json = read_spec_file(config.spec);
        config.model.clear();
      } else if (model_given) {
        config.spec.clear();
        config.spec_json.clear();
      }
      return run_train(config, out, console);
    }
    if (*eval) return run_eval(eo, out);
    if (*predict) return run_predict(po, out);
    if (*summary) return run_summary(so, out);
    if (*list) {
      // Names in one column, descriptions aligned after the longest name.
      const auto infos = models::list();
      size_t width = 0;
      for (const auto& info : infos) width = std::max(width, info.name.size());
      for (const auto& info : infos)
        out << info.name << std::string(width - info.name.size() + 2, ' ') << info.description
            << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    err << "nabla: error: " << one_line(e.what()) << "\n";
    return 1;
  }
  return 1;
}

}  // namespace nabla::cli
