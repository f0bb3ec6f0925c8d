#include "train.h"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

#include "checkpoint.h"
#include "eval.h"
#include "nabla/autograd/grad_mode.h"
#include "nabla/core/error.h"
#include "nabla/core/generator.h"
#include "nabla/data/datasets.h"
#include "nabla/data/loader.h"
#include "nabla/io/plot.h"
#include "nabla/io/safetensors.h"
#include "nabla/ops/elementwise.h"
#include "nabla/ops/factory.h"
#include "nabla/ops/loss.h"
#include "nabla/ops/reduce.h"
#include "nabla/optim/adadelta.h"
#include "nabla/optim/adagrad.h"
#include "nabla/optim/adam.h"
#include "nabla/optim/lr_scheduler.h"
#include "nabla/optim/rmsprop.h"
#include "nabla/optim/sgd.h"
#include "progress.h"
#include "run_dir.h"
#include "signals.h"

namespace nabla::cli {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// ---- building blocks

std::unique_ptr<optim::Optimizer> make_optimizer(const TrainConfig& c, std::vector<Tensor> params) {
  const double lr = c.resolved_lr(), wd = c.resolved_weight_decay();
  const std::string& name = c.optimizer;
  if (name == "sgd")
    return std::make_unique<optim::SGD>(params, optim::SGDOptions(lr).weight_decay(wd));
  if (name == "momentum")
    return std::make_unique<optim::SGD>(params,
                                        optim::SGDOptions(lr).momentum(0.9).weight_decay(wd));
  if (name == "nesterov")
    return std::make_unique<optim::SGD>(
        params, optim::SGDOptions(lr).momentum(0.9).nesterov(true).weight_decay(wd));
  if (name == "adagrad")
    return std::make_unique<optim::Adagrad>(params, optim::AdagradOptions(lr).weight_decay(wd));
  if (name == "rmsprop")
    return std::make_unique<optim::RMSprop>(params, optim::RMSpropOptions(lr).weight_decay(wd));
  if (name == "adadelta")
    return std::make_unique<optim::Adadelta>(params, optim::AdadeltaOptions(lr).weight_decay(wd));
  if (name == "adam")
    return std::make_unique<optim::Adam>(params, optim::AdamOptions(lr).weight_decay(wd));
  if (name == "adamw")
    return std::make_unique<optim::AdamW>(params, optim::AdamWOptions(lr).weight_decay(wd));
  NABLA_FAIL("unknown optimizer '", name, "'; known: ", join(optimizer_names()));
}

// The schedule: an LRScheduler stepped per epoch (or per batch: onecycle), or
// ReduceLROnPlateau stepped with the test loss.
struct Schedule {
  std::unique_ptr<optim::LRScheduler> scheduler;
  std::unique_ptr<optim::ReduceLROnPlateau> plateau;
  bool per_batch = false;

  StateDict state_dict() const {
    if (scheduler) return scheduler->state_dict();
    if (plateau) return plateau->state_dict();
    return {};
  }
  void load_state_dict(const StateDict& state) {
    if (scheduler) scheduler->load_state_dict(state);
    if (plateau) plateau->load_state_dict(state);
  }
};

Schedule make_schedule(const TrainConfig& c, optim::Optimizer& opt, int64_t batches_per_epoch) {
  const NamedArgs s = parse_named_args(c.scheduler);
  const int64_t epochs = std::max<int64_t>(c.epochs, 1);
  Schedule out;
  if (s.name == "none") {
    s.check_keys({}, "--scheduler");
  } else if (s.name == "step") {
    s.check_keys({"step_size", "gamma"}, "--scheduler");
    out.scheduler = std::make_unique<optim::StepLR>(
        opt, static_cast<int64_t>(s.number("step_size", std::max<int64_t>(1, epochs / 3))),
        s.number("gamma", 0.1));
  } else if (s.name == "multistep") {
    // milestones=4/6 (epochs); by default at half and three quarters of the run.
    s.check_keys({"milestones", "gamma"}, "--scheduler");
    std::vector<int64_t> milestones;
    if (s.args.count("milestones")) {
      for (const auto& m : split(s.args.at("milestones"), '/')) {
        NamedArgs one;
        one.name = "multistep";
        one.args["milestones"] = m;
        milestones.push_back(static_cast<int64_t>(one.number("milestones", 0)));
      }
    } else {
      milestones = {std::max<int64_t>(1, epochs / 2), std::max<int64_t>(1, epochs * 3 / 4)};
    }
    out.scheduler = std::make_unique<optim::MultiStepLR>(opt, milestones, s.number("gamma", 0.1));
  } else if (s.name == "exponential") {
    s.check_keys({"gamma"}, "--scheduler");
    out.scheduler = std::make_unique<optim::ExponentialLR>(opt, s.number("gamma", 0.9));
  } else if (s.name == "cosine") {
    s.check_keys({"T_max", "eta_min"}, "--scheduler");
    out.scheduler = std::make_unique<optim::CosineAnnealingLR>(
        opt, static_cast<int64_t>(s.number("T_max", static_cast<double>(epochs))),
        s.number("eta_min", 0.0));
  } else if (s.name == "linear") {
    s.check_keys({"start_factor", "end_factor", "total_iters"}, "--scheduler");
    out.scheduler = std::make_unique<optim::LinearLR>(
        opt, s.number("start_factor", 1.0 / 3), s.number("end_factor", 1.0),
        static_cast<int64_t>(s.number("total_iters", 5)));
  } else if (s.name == "onecycle") {
    s.check_keys({"max_lr", "pct_start", "div_factor", "final_div_factor", "anneal_strategy",
                  "cycle_momentum"},
                 "--scheduler");
    // Momentum cycles only where the optimizer has one to cycle (PyTorch
    // would otherwise add momentum to plain SGD or RMSprop).
    const bool has_momentum = c.optimizer == "momentum" || c.optimizer == "nesterov" ||
                              c.optimizer == "adam" || c.optimizer == "adamw";
    optim::OneCycleLROptions o(s.number("max_lr", c.resolved_lr()), epochs * batches_per_epoch);
    o.pct_start(s.number("pct_start", 0.3))
        .div_factor(s.number("div_factor", 25.0))
        .final_div_factor(s.number("final_div_factor", 1e4))
        .cycle_momentum(s.number("cycle_momentum", has_momentum ? 1 : 0) != 0);
    if (s.args.count("anneal_strategy")) o.anneal_strategy(s.args.at("anneal_strategy"));
    out.scheduler = std::make_unique<optim::OneCycleLR>(opt, o);
    out.per_batch = true;
  } else if (s.name == "plateau") {
    // Patience 2 rather than PyTorch's 10: runs here last a few epochs.
    s.check_keys({"factor", "patience", "threshold", "cooldown", "min_lr"}, "--scheduler");
    optim::ReduceLROnPlateauOptions o;
    o.factor(s.number("factor", 0.1))
        .patience(static_cast<int64_t>(s.number("patience", 2)))
        .threshold(s.number("threshold", 1e-4))
        .cooldown(static_cast<int64_t>(s.number("cooldown", 0)))
        .min_lr(s.number("min_lr", 0.0));
    out.plateau = std::make_unique<optim::ReduceLROnPlateau>(opt, o);
  } else {
    NABLA_FAIL("unknown scheduler '", s.name, "'; known: ", join(scheduler_names()));
  }
  return out;
}

// Whether parameter `name` lies under `prefix`: the prefix is a dotted
// module path ("features.0" covers "features.0.weight", not "features.01.weight").
bool under_prefix(const std::string& name, const std::string& prefix) {
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  return name.size() == prefix.size() || prefix.back() == '.' || name[prefix.size()] == '.';
}

// A 64-bit mix of the run's seed and a batch's position (splitmix64), for the
// batch's mixup/cutmix draws: they depend on where the batch is, not on how
// many batches ran before in this process.
uint64_t batch_seed(uint64_t seed, int64_t epoch, int64_t batch) {
  uint64_t z = seed ^ (static_cast<uint64_t>(epoch) * 0x9E3779B97F4A7C15ull) ^
               (static_cast<uint64_t>(batch) * 0xBF58476D1CE4E5B9ull) ^ 0x6d6978ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string rng_state() {
  std::ostringstream s;
  s << default_generator().engine();
  return s.str();
}

void set_rng_state(const std::string& state, const std::string& path) {
  std::istringstream s(state);
  s >> default_generator().engine();
  NABLA_CHECK(!s.fail(), "'", path, "': the saved RNG state is corrupt");
}

Tensor scalar(double v) {
  return scalar_tensor(v, kFloat64);
}

std::string basename_of(const std::string& data) {
  const fs::path p(data);
  std::string base = p.filename().string();
  if (base.empty()) base = p.parent_path().filename().string();
  const auto dot = base.find('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

std::string format_count(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// ---- the run

class Trainer {
 public:
  Trainer(TrainConfig config, std::ostream& out, ConsoleOptions console)
      : c_(std::move(config)), out_(out), console_(console) {}

  // A new run: everything is checked and built before the directory is made.
  int start() {
    c_.validate();
    setup_threads();
    load_data();
    manual_seed(c_.seed);
    build_model();
    apply_init();
    build_optimizer();
    dir_ = run_directory();
    prepare_new_run_dir(dir_);
    write_text_atomic(path("config.json"), to_json(c_).dump(2) + "\n");
    print_header(false);
    return train();
  }

  int resume(const std::string& dir, const ResumeOverrides& o) {
    dir_ = dir;
    check_resume_dir(dir_);
    const std::string last = path("last.safetensors");
    const CheckpointInfo info = read_checkpoint_info(last);
    c_ = train_config_from_json(info.config, last);
    const bool extended = o.epochs && *o.epochs != c_.epochs;
    if (o.epochs) c_.epochs = *o.epochs;
    if (o.threads) c_.threads = *o.threads;
    if (o.workers) c_.workers = *o.workers;
    c_.out = dir_;
    NABLA_CHECK(!extended || parse_named_args(c_.scheduler).name != "onecycle",
                "--resume: --epochs cannot change a onecycle schedule, whose length is fixed "
                "when the run starts");
    c_.validate();
    setup_threads();
    load_data();
    NABLA_CHECK(model_config_json(model_config_) == model_config_json(info.model_config),
                "--resume: the data '", c_.data, "' now gives models ",
                model_config_json(model_config_).dump(), ", the checkpoint was trained for ",
                model_config_json(info.model_config).dump());
    manual_seed(c_.seed);
    build_model();
    build_optimizer();

    try {
      restore(load(last), load_metadata(last));
    } catch (const Error& e) {
      NABLA_FAIL("--resume: '", last, "' cannot be resumed: ", e.what());
    }

    // Rows of epochs the checkpoint has not reached (written just before a
    // crash) are dropped: they will be run again.
    rows_ = read_metrics(path("metrics.csv"));
    std::erase_if(rows_, [&](const EpochMetrics& r) { return r.epoch > epoch_; });
    if (extended) write_text_atomic(path("config.json"), to_json(c_).dump(2) + "\n");

    print_header(true);
    if (stopped_early_) {
      out_ << "the run had stopped early at epoch " << epoch_ << "; nothing to resume\n";
      return 0;
    }
    return train();
  }

 private:
  std::string path(const std::string& file) const { return (fs::path(dir_) / file).string(); }

  // The state save_last wrote.
  void restore(const StateDict& state, const std::map<std::string, std::string>& metadata) {
    model_->load_state_dict(state.sub("model."));
    optimizer_->load_state_dict(state.sub("optimizer."));
    schedule_.load_state_dict(state.sub("scheduler."));
    const StateDict t = state.sub("trainer.");
    epoch_ = static_cast<int64_t>(t.at("epoch").item_double());
    batch_ = static_cast<int64_t>(t.at("batch").item_double());
    loss_sum_ = t.at("loss_sum").item_double();
    correct_ = t.at("correct").item_double();
    seen_ = static_cast<int64_t>(t.at("seen").item_double());
    train_seconds_ = t.at("train_seconds").item_double();
    best_acc_ = t.at("best_acc").item_double();
    best_loss_ = t.at("best_loss").item_double();
    bad_epochs_ = static_cast<int64_t>(t.at("bad_epochs").item_double());
    stopped_early_ = t.at("stopped_early").item_double() != 0;
    last_lr_ = t.at("last_lr").item_double();
    NABLA_CHECK(metadata.count("nabla.rng"), "its metadata holds no RNG state");
    set_rng_state(metadata.at("nabla.rng"), path("last.safetensors"));
  }

  void setup_threads() {
    if (c_.threads > 0) omp_set_num_threads(static_cast<int>(c_.threads));
  }

  void load_data() {
    split_ = data::load_dataset(c_.data);
    NABLA_CHECK(split_.train && split_.test && split_.train->size() > 0, "--data '", c_.data,
                "': the training half is empty");
    model_config_ = model_config_for(*split_.train);
    classes_ = class_names_for(*split_.train, model_config_.num_classes);
    eval_transform_ = eval_transform(c_.augment, model_config_.image_size);
    train_transform_ =
        c_.augment.empty() ? nullptr : data::parse_transforms(c_.augment, model_config_.image_size);
    data::DataLoaderOptions o;
    o.batch_size = c_.batch_size;
    o.shuffle = true;
    o.num_workers = static_cast<int>(c_.workers);
    o.seed = c_.seed;
    loader_ = std::make_unique<data::DataLoader>(split_.train, o, train_transform_);
  }

  // The model is built on the CPU (initialisers draw there, so a seed gives
  // the same weights on every device) and then moved to --device.
  void build_model() {
    source_ = ModelSource{c_.model, c_.spec_json};
    model_ = cli::build_model(source_, model_config_);
    model_->to(device());
  }

  Device device() const { return c_.device == "cuda" ? kCUDA : kCPU; }

  // --init: the weights of another run's checkpoint (or any state_dict).
  void apply_init() {
    if (c_.init.empty()) return;
    const StateDict entries = model_entries(load(c_.init));
    if (!c_.reset_head) {
      try {
        model_->load_state_dict(entries, true);
      } catch (const Error& e) {
        NABLA_FAIL("--init '", c_.init, "' does not fit the model ", source_.display_name(),
                   " (add --reset-head to keep the entries of another shape freshly "
                   "initialised): ",
                   e.what());
      }
      out_ << "init: loaded " << entries.size() << " tensors from " << c_.init << "\n";
      return;
    }
    const nn::LoadStateDictResult r = model_->load_state_dict(entries, false);
    const size_t expected = model_->state_dict().size();
    const size_t loaded = expected - r.missing_keys.size() - r.shape_mismatches.size();
    NABLA_CHECK(loaded > 0, "--init '", c_.init, "': none of its tensors fits the model ",
                source_.display_name(), ": ", r.to_string());
    out_ << "init: loaded " << loaded << " of " << expected << " tensors from " << c_.init;
    if (!r.ok()) out_ << "; skipped (kept fresh or ignored): " << r.to_string();
    out_ << "\n";
  }

  // --freeze: the parameters under the prefixes get no gradient and stay out
  // of the optimizer.
  void build_optimizer() {
    const std::vector<std::string> prefixes = split(c_.freeze, ',');
    std::vector<Tensor> trainable;
    std::vector<bool> used(prefixes.size(), false);
    frozen_tensors_ = 0;
    frozen_params_ = 0;
    for (auto& [name, p] : model_->named_parameters()) {
      bool frozen = false;
      for (size_t i = 0; i < prefixes.size(); ++i)
        if (under_prefix(name, prefixes[i])) frozen = used[i] = true;
      if (frozen) {
        p.requires_grad_(false);
        ++frozen_tensors_;
        frozen_params_ += p.numel();
      } else {
        trainable.push_back(p);
      }
    }
    for (size_t i = 0; i < prefixes.size(); ++i) {
      if (used[i]) continue;
      std::vector<std::string> names;
      for (const auto& [name, p] : model_->named_parameters()) names.push_back(name);
      NABLA_FAIL("--freeze: no parameter of ", source_.display_name(), " is under '", prefixes[i],
                 "'; its parameters: ", join(names));
    }
    NABLA_CHECK(!trainable.empty(), "--freeze '", c_.freeze,
                "' freezes every parameter: nothing would train");
    optimizer_ = make_optimizer(c_, trainable);
    schedule_ = make_schedule(c_, *optimizer_, loader_->num_batches());
    last_lr_ = optimizer_->param_groups()[0].lr();
  }

  std::string run_directory() const {
    if (!c_.out.empty()) return c_.out;
    if (!c_.name.empty()) return (fs::path("runs") / c_.name).string();
    return fresh_run_dir("runs",
                         source_.display_name() + "-" + basename_of(c_.data) + "-" + timestamp());
  }

  void print_header(bool resuming) {
    const Shape shape = split_.train->input_shape();
    std::string dims;
    for (size_t i = 0; i < shape.size(); ++i) {
      if (i) dims += 'x';
      dims += std::to_string(shape[i]);
    }
    int64_t total = 0;
    for (const auto& p : model_->parameters()) total += p.numel();
    out_ << (resuming ? "resuming " : "training ") << source_.display_name() << " on " << c_.data
         << ": " << split_.train->size() << " train / " << split_.test->size() << " test, " << dims
         << ", " << model_config_.num_classes << " classes\n";
    out_ << "model: " << format_count(total) << " parameters";
    if (frozen_tensors_ > 0)
      out_ << " (" << format_count(frozen_params_) << " frozen in " << frozen_tensors_
           << " tensors under " << c_.freeze << ")";
    char lr[32];
    std::snprintf(lr, sizeof lr, "%g", c_.resolved_lr());
    out_ << "; " << c_.optimizer << " lr " << lr << ", " << c_.scheduler << " schedule, batch "
         << c_.batch_size << ", " << c_.epochs << (c_.epochs == 1 ? " epoch" : " epochs");
    if (!c_.augment.empty()) out_ << ", augment " << c_.augment;
    out_ << "\n";
    if (resuming)
      out_ << "at epoch " << epoch_ + 1 << ", batch " << batch_ << " of " << loader_->num_batches()
           << "\n";
    out_ << "run directory: " << dir_ << "\n" << std::flush;
  }

  // ---- the loop

  int train() {
    std::unique_ptr<StopSignalGuard> guard;
    if (console_.handle_signals) guard = std::make_unique<StopSignalGuard>();
    clear_stop();
    auto* aux = dynamic_cast<models::AuxiliaryOutputs*>(model_.get());
    const int64_t batches = loader_->num_batches();

    while (epoch_ < c_.epochs) {
      if (const int sig = stop_requested()) return interrupted(sig);
      model_->train();
      loader_->set_epoch(epoch_);
      char label[64];
      std::snprintf(label, sizeof label, "epoch %lld/%lld", static_cast<long long>(epoch_ + 1),
                    static_cast<long long>(c_.epochs));
      Progress progress(out_, console_.tty, label, batches, batch_);
      int64_t images = 0;
      if (batch_ < batches) {
        for (auto it = loader_->begin_at(batch_); it != loader_->end(); ++it) {
          const data::Batch& b = *it;
          step(b, aux);
          images += b.inputs.size(0);
          ++batch_;
          count_batch();
          progress.update(batch_, loss_sum_ / seen_, correct_ / seen_, images);
          if (stop_requested()) break;
        }
      }
      train_seconds_ += progress.seconds();
      progress.finish();
      if (const int sig = stop_requested()) {
        // Each step is complete: weights, optimizer and position agree.
        return interrupted(sig);
      }
      end_epoch(progress.images_per_second());
      if (stopped_early_) break;
    }
    print_done();
    return 0;
  }

  // Batches are loaded, augmented and mixed on the CPU, then moved.
  void step(const data::Batch& b, models::AuxiliaryOutputs* aux) {
    Tensor x = b.inputs, y = b.targets;
    const int64_t classes = model_config_.num_classes;
    bool soft = y.is_floating_point();
    if (c_.mixup > 0 || c_.cutmix > 0) {
      NABLA_CHECK(!soft, "--mixup/--cutmix need class-index targets");
      Generator gen(batch_seed(c_.seed, epoch_, b.index));
      // Both given: each batch takes one of them, as timm does.
      const bool use_cutmix = c_.cutmix > 0 && (c_.mixup <= 0 || gen.uniform() < 0.5);
      std::tie(x, y) = use_cutmix ? data::cutmix(x, y, classes, c_.cutmix, gen)
                                  : data::mixup(x, y, classes, c_.mixup, gen);
      soft = true;
    }
    x = x.to(device());
    y = y.to(device());
    // Label smoothing on soft targets: (1-ε)·y + ε/C, as cross_entropy does
    // for class indices.
    if (soft && c_.label_smoothing > 0)
      y = add(mul(y, 1.0 - c_.label_smoothing), c_.label_smoothing / classes);
    const double smoothing = soft ? 0.0 : c_.label_smoothing;

    last_lr_ = optimizer_->param_groups()[0].lr();
    const Tensor logits = (*model_)(x);
    Tensor loss = cross_entropy(logits, y, {}, -100, "mean", smoothing);
    if (aux)
      for (const auto& [aux_logits, weight] : aux->auxiliary())
        loss = add(loss, mul(cross_entropy(aux_logits, y, {}, -100, "mean", smoothing), weight));
    const double loss_value = loss.item_double();
    NABLA_CHECK(std::isfinite(loss_value), "training diverged: the loss is ", loss_value,
                " at epoch ", epoch_ + 1, ", batch ", b.index + 1,
                " (last.safetensors keeps the last good epoch); try a lower --lr");
    optimizer_->zero_grad();
    loss.backward();
    optimizer_->step();
    if (schedule_.per_batch) schedule_.scheduler->step();

    NoGradGuard no_grad;
    const int64_t n = x.size(0);
    const Tensor labels = soft ? argmax(y, 1) : y;
    loss_sum_ += loss_value * static_cast<double>(n);
    correct_ += sum(eq(argmax(logits.detach(), 1), labels)).item_double();
    seen_ += n;
  }

  // Evaluates, records the epoch's row, keeps the best weights, steps the
  // epoch's schedule and decides on early stopping.
  void end_epoch(double images_per_sec) {
    const auto eval_start = Clock::now();
    const EvalResult test = evaluate(*model_, split_.test, eval_transform_,
                                     model_config_.num_classes, 500, static_cast<int>(c_.workers));
    EpochMetrics row;
    row.epoch = epoch_ + 1;
    row.train_loss = seen_ ? loss_sum_ / seen_ : NAN;
    row.train_acc = seen_ ? correct_ / seen_ : NAN;
    row.test_loss = test.loss;
    row.test_acc = test.accuracy;
    row.lr = last_lr_;
    row.images_per_sec = images_per_sec;
    // The epoch's training time (summed across interruptions) and its test pass.
    row.seconds = train_seconds_ + std::chrono::duration<double>(Clock::now() - eval_start).count();
    rows_.push_back(row);

    const bool best = test.accuracy > best_acc_;
    if (best) {
      best_acc_ = test.accuracy;
      save(model_->state_dict(), path("best.safetensors"), metadata());
    }
    // Early stopping on the test loss.
    if (test.loss < best_loss_) {
      best_loss_ = test.loss;
      bad_epochs_ = 0;
    } else {
      ++bad_epochs_;
    }
    if (schedule_.plateau) schedule_.plateau->step(test.loss);
    if (schedule_.scheduler && !schedule_.per_batch) schedule_.scheduler->step();
    ++epoch_;
    batch_ = 0;
    loss_sum_ = correct_ = 0;
    seen_ = 0;
    train_seconds_ = 0;
    if (c_.early_stopping > 0 && bad_epochs_ >= c_.early_stopping && epoch_ < c_.epochs)
      stopped_early_ = true;

    write_metrics(path("metrics.csv"), rows_);
    plot();
    save_last();

    char line[256];
    std::snprintf(line, sizeof line,
                  "epoch %lld/%lld  train loss %.4f acc %.4f | test loss %.4f acc %.4f | lr %.3g | "
                  "%.0f img/s | %.1f s%s\n",
                  static_cast<long long>(row.epoch), static_cast<long long>(c_.epochs),
                  row.train_loss, row.train_acc, row.test_loss, row.test_acc, row.lr,
                  row.images_per_sec, row.seconds, best ? "  *best" : "");
    out_ << line << std::flush;
    if (stopped_early_)
      out_ << "early stopping: the test loss has not improved for " << bad_epochs_
           << " epochs (best " << best_loss_ << ")\n";
  }

  std::map<std::string, std::string> metadata() const {
    CheckpointInfo info{source_, model_config_, classes_, to_json(c_)};
    return checkpoint_metadata(
        info, {{"nabla.epoch", std::to_string(epoch_)}, {"nabla.batch", std::to_string(batch_)}});
  }

  void save_last() {
    StateDict state;
    state.merge(model_->state_dict(), "model.");
    state.merge(optimizer_->state_dict(), "optimizer.");
    state.merge(schedule_.state_dict(), "scheduler.");
    state.set("trainer.epoch", scalar(static_cast<double>(epoch_)));
    state.set("trainer.batch", scalar(static_cast<double>(batch_)));
    state.set("trainer.loss_sum", scalar(loss_sum_));
    state.set("trainer.correct", scalar(correct_));
    state.set("trainer.seen", scalar(static_cast<double>(seen_)));
    state.set("trainer.train_seconds", scalar(train_seconds_));
    state.set("trainer.best_acc", scalar(best_acc_));
    state.set("trainer.best_loss", scalar(best_loss_));
    state.set("trainer.bad_epochs", scalar(static_cast<double>(bad_epochs_)));
    state.set("trainer.stopped_early", scalar(stopped_early_ ? 1.0 : 0.0));
    state.set("trainer.last_lr", scalar(last_lr_));
    auto meta = metadata();
    meta["nabla.rng"] = rng_state();
    save(state, path("last.safetensors"), meta);
  }

  void plot() {
    Series train_loss{"train", {}, {}}, test_loss{"test", {}, {}};
    Series train_acc{"train", {}, {}}, test_acc{"test", {}, {}};
    for (const auto& r : rows_) {
      const double e = static_cast<double>(r.epoch);
      train_loss.x.push_back(e), train_loss.y.push_back(r.train_loss);
      test_loss.x.push_back(e), test_loss.y.push_back(r.test_loss);
      train_acc.x.push_back(e), train_acc.y.push_back(r.train_acc);
      test_acc.x.push_back(e), test_acc.y.push_back(r.test_acc);
    }
    try {
      save_plot({Chart{"loss", "epoch", "cross-entropy", {train_loss, test_loss}, false},
                 Chart{"accuracy", "epoch", "accuracy", {train_acc, test_acc}, false}},
                path("curves.png"));
    } catch (const Error& e) {
      // The curves are a convenience; the run goes on without them.
      if (!plot_warned_) out_ << "warning: curves.png not written: " << e.what() << "\n";
      plot_warned_ = true;
    }
  }

  int interrupted(int sig) {
    save_last();
    out_ << "\n"
         << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ": stopped at epoch " << epoch_ + 1
         << ", batch " << batch_ << " of " << loader_->num_batches() << "; saved "
         << path("last.safetensors") << "\ncontinue with: nabla train --resume " << dir_ << "\n"
         << std::flush;
    clear_stop();
    return 128 + sig;
  }

  void print_done() {
    if (rows_.empty()) {
      // --epochs 0: the initial weights, as a checkpoint to start from.
      save_last();
      out_ << "no epochs to run; saved the initial weights in " << path("last.safetensors") << "\n";
      return;
    }
    int64_t best_epoch = 0;
    for (const auto& r : rows_)
      if (r.test_acc == best_acc_) best_epoch = r.epoch;
    char line[160];
    std::snprintf(line, sizeof line, "best test accuracy %.4f (epoch %lld)\n", best_acc_,
                  static_cast<long long>(best_epoch));
    out_ << line << "saved " << path("best.safetensors") << ", " << path("last.safetensors") << ", "
         << path("metrics.csv") << ", " << path("curves.png") << "\n"
         << std::flush;
  }

  TrainConfig c_;
  std::ostream& out_;
  ConsoleOptions console_;
  std::string dir_;

  data::Split split_;
  models::ModelConfig model_config_;
  std::vector<std::string> classes_;
  data::TransformPtr train_transform_, eval_transform_;
  std::unique_ptr<data::DataLoader> loader_;
  ModelSource source_;
  std::shared_ptr<nn::Module> model_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  Schedule schedule_;
  int64_t frozen_tensors_ = 0, frozen_params_ = 0;

  // Where the run is, and the running sums of the current epoch.
  int64_t epoch_ = 0, batch_ = 0;
  double loss_sum_ = 0, correct_ = 0;
  int64_t seen_ = 0;
  double train_seconds_ = 0;
  double best_acc_ = -1, best_loss_ = std::numeric_limits<double>::infinity();
  int64_t bad_epochs_ = 0;
  bool stopped_early_ = false;
  double last_lr_ = 0;
  std::vector<EpochMetrics> rows_;
  bool plot_warned_ = false;
};

}  // namespace

int run_train(const TrainConfig& config, std::ostream& out, const ConsoleOptions& console) {
  Trainer trainer(config, out, console);
  return trainer.start();
}

int run_resume(const std::string& dir, const ResumeOverrides& overrides, std::ostream& out,
               const ConsoleOptions& console) {
  Trainer trainer(TrainConfig{}, out, console);
  return trainer.resume(dir, overrides);
}

}  // namespace nabla::cli
