#include "nabla/optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "nabla/ops/factory.h"

namespace nabla::optim {
namespace {

Tensor scalar(double v) {
  return scalar_tensor(v, kFloat64);
}
Tensor list(const std::vector<double>& v) {
  return tensor(v, {static_cast<int64_t>(v.size())}, kFloat64);
}
double get_scalar(const StateDict& s, const std::string& key) {
  return s.at(key).item_double();
}
int64_t get_int(const StateDict& s, const std::string& key) {
  return std::llround(s.at(key).item_double());
}

}  // namespace

// ---- LRScheduler

LRScheduler::LRScheduler(Optimizer& optimizer, int64_t last_epoch)
    : optimizer_(optimizer), last_epoch_(last_epoch) {
  auto& groups = optimizer_.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    if (last_epoch == -1) {
      if (!groups[i].contains("initial_lr")) groups[i].set("initial_lr", groups[i].lr());
    } else {
      NABLA_CHECK(groups[i].contains("initial_lr"),
                  "LRScheduler: param 'initial_lr' is not "
                  "specified in param_groups[",
                  i, "] when resuming an optimizer (last_epoch ", last_epoch, ")");
    }
    base_lrs_.push_back(groups[i].get("initial_lr"));
  }
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  const std::vector<double> lrs = get_lr();
  auto& groups = optimizer_.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].set("lr", lrs[i]);
  last_lr_ = group_lrs();
}

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> lrs;
  for (const auto& g : optimizer_.param_groups()) lrs.push_back(g.lr());
  return lrs;
}

StateDict LRScheduler::state_dict() const {
  StateDict s;
  s.set("last_epoch", scalar(double(last_epoch_)));
  s.set("_step_count", scalar(double(step_count_)));
  s.set("base_lrs", list(base_lrs_));
  s.set("_last_lr", list(last_lr_));
  save_settings(s);
  return s;
}

void LRScheduler::load_state_dict(const StateDict& s) {
  const auto base_lrs = s.at("base_lrs").to_vector();
  NABLA_CHECK(base_lrs.size() == optimizer_.param_groups().size(),
              "LRScheduler.load_state_dict: the state has ", base_lrs.size(),
              " base_lrs, the optimizer ", optimizer_.param_groups().size(), " param groups");
  last_epoch_ = get_int(s, "last_epoch");
  step_count_ = get_int(s, "_step_count");
  base_lrs_ = base_lrs;
  last_lr_ = s.at("_last_lr").to_vector();
  load_settings(s);
}

// ---- StepLR

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), step_size_(step_size), gamma_(gamma) {
  NABLA_CHECK(step_size > 0, "StepLR: step_size must be positive, got ", step_size);
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

void StepLR::save_settings(StateDict& s) const {
  s.set("step_size", scalar(double(step_size_)));
  s.set("gamma", scalar(gamma_));
}

void StepLR::load_settings(const StateDict& s) {
  step_size_ = get_int(s, "step_size");
  gamma_ = get_scalar(s, "gamma");
}

// ---- MultiStepLR

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma,
                         int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), milestones_(std::move(milestones)), gamma_(gamma) {
  std::sort(milestones_.begin(), milestones_.end());
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  const auto hits = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (hits == 0) return lrs;
  for (double& lr : lrs) lr *= std::pow(gamma_, double(hits));
  return lrs;
}

void MultiStepLR::save_settings(StateDict& s) const {
  s.set("milestones", tensor(milestones_));
  s.set("gamma", scalar(gamma_));
}

void MultiStepLR::load_settings(const StateDict& s) {
  milestones_ = s.at("milestones").to_vector_as<int64_t>();
  gamma_ = get_scalar(s, "gamma");
}

// ---- ExponentialLR

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

void ExponentialLR::save_settings(StateDict& s) const {
  s.set("gamma", scalar(gamma_));
}
void ExponentialLR::load_settings(const StateDict& s) {
  gamma_ = get_scalar(s, "gamma");
}

// ---- CosineAnnealingLR

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min,
                                     int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), T_max_(T_max), eta_min_(eta_min) {
  NABLA_CHECK(T_max > 0, "CosineAnnealingLR: T_max must be positive, got ", T_max);
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  constexpr double pi = std::numbers::pi;
  const double t = double(last_epoch_), T = double(T_max_);
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (size_t i = 0; i < lrs.size(); ++i) {
    const double base = base_lrs_[i];
    if (step_count_ == 1 && last_epoch_ > 0) {
      // Resuming: the closed form.
      lrs[i] = eta_min_ + (base - eta_min_) * (1 + std::cos(t * pi / T)) / 2;
    } else if ((last_epoch_ - 1 - T_max_) % (2 * T_max_) == 0) {
      // Just past the minimum, where the ratio below would divide by 1 + cos π = 0.
      lrs[i] = lrs[i] + (base - eta_min_) * (1 - std::cos(pi / T)) / 2;
    } else {
      // η_t − η_min = (η_{t−1} − η_min) · (1 + cos(πt/T)) / (1 + cos(π(t−1)/T))
      lrs[i] = (1 + std::cos(pi * t / T)) / (1 + std::cos(pi * (t - 1) / T)) * (lrs[i] - eta_min_) +
               eta_min_;
    }
  }
  return lrs;
}

void CosineAnnealingLR::save_settings(StateDict& s) const {
  s.set("T_max", scalar(double(T_max_)));
  s.set("eta_min", scalar(eta_min_));
}

void CosineAnnealingLR::load_settings(const StateDict& s) {
  T_max_ = get_int(s, "T_max");
  eta_min_ = get_scalar(s, "eta_min");
}

// ---- LinearLR

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor,
                   int64_t total_iters, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch),
      start_factor_(start_factor),
      end_factor_(end_factor),
      total_iters_(total_iters) {
  NABLA_CHECK(start_factor >= 0.0 && start_factor <= 1.0,
              "LinearLR: starting multiplicative factor expected to be between 0 and 1, got ",
              start_factor);
  NABLA_CHECK(end_factor >= 0.0 && end_factor <= 1.0,
              "LinearLR: ending multiplicative factor expected to be between 0 and 1, got ",
              end_factor);
  NABLA_CHECK(total_iters > 0, "LinearLR: total_iters must be positive, got ", total_iters);
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr *= start_factor_;
    return lrs;
  }
  if (last_epoch_ > total_iters_) return lrs;
  // factor_t / factor_{t−1} with factor_t = start + (end − start)·t/total
  const double ratio = 1.0 + (end_factor_ - start_factor_) /
                                 (double(total_iters_) * start_factor_ +
                                  double(last_epoch_ - 1) * (end_factor_ - start_factor_));
  for (double& lr : lrs) lr *= ratio;
  return lrs;
}

void LinearLR::save_settings(StateDict& s) const {
  s.set("start_factor", scalar(start_factor_));
  s.set("end_factor", scalar(end_factor_));
  s.set("total_iters", scalar(double(total_iters_)));
}

void LinearLR::load_settings(const StateDict& s) {
  start_factor_ = get_scalar(s, "start_factor");
  end_factor_ = get_scalar(s, "end_factor");
  total_iters_ = get_int(s, "total_iters");
}

// ---- OneCycleLR

OneCycleLR::OneCycleLR(Optimizer& optimizer, OneCycleLROptions options, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), options_(std::move(options)) {
  const auto& o = options_;
  NABLA_CHECK(o.total_steps() > 0, "OneCycleLR: expected positive integer total_steps, but got ",
              o.total_steps());
  NABLA_CHECK(o.pct_start() >= 0.0 && o.pct_start() <= 1.0,
              "OneCycleLR: expected float between 0 and 1 pct_start, but got ", o.pct_start());
  NABLA_CHECK(o.anneal_strategy() == "cos" || o.anneal_strategy() == "linear",
              "OneCycleLR: anneal_strategy must be one of 'cos' or 'linear', instead got '",
              o.anneal_strategy(), "'");
  const double total = double(o.total_steps());
  if (o.three_phase()) {
    phases_ = {
        {o.pct_start() * total - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
        {2 * o.pct_start() * total - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"},
        {total - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"}};
  } else {
    phases_ = {{o.pct_start() * total - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
               {total - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"}};
  }

  auto& groups = optimizer_.param_groups();
  if (o.cycle_momentum()) {
    const auto& defaults = optimizer_.defaults();
    NABLA_CHECK(defaults.count("momentum") || defaults.count("beta1"),
                "OneCycleLR: ", optimizer_.name(),
                " has no momentum to cycle; pass cycle_momentum(false)");
    momentum_key_ = defaults.count("beta1") ? "beta1" : "momentum";
  }
  if (last_epoch == -1) {
    for (auto& g : groups) {
      g.set("initial_lr", o.max_lr() / o.div_factor());
      g.set("max_lr", o.max_lr());
      g.set("min_lr", g.get("initial_lr") / o.final_div_factor());
      if (!momentum_key_.empty()) {
        g.set(momentum_key_, o.max_momentum());
        g.set("max_momentum", o.max_momentum());
        g.set("base_momentum", o.base_momentum());
      }
    }
  }
  base_lrs_.clear();
  for (const auto& g : groups) base_lrs_.push_back(g.get("initial_lr"));
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy() == "cos")
    return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1);
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lr() {
  const double step_num = double(last_epoch_);
  NABLA_CHECK(last_epoch_ <= options_.total_steps(), "OneCycleLR: tried to step ", last_epoch_ + 1,
              " times. The specified number of total steps is ", options_.total_steps());
  std::vector<double> lrs;
  for (auto& group : optimizer_.param_groups()) {
    double start_step = 0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& phase = phases_[i];
      if (step_num <= phase.end_step || i + 1 == phases_.size()) {
        const double pct = (step_num - start_step) / (phase.end_step - start_step);
        lrs.push_back(anneal(group.get(phase.start_lr), group.get(phase.end_lr), pct));
        if (!momentum_key_.empty())
          group.set(momentum_key_,
                    anneal(group.get(phase.start_momentum), group.get(phase.end_momentum), pct));
        break;
      }
      start_step = phase.end_step;
    }
  }
  return lrs;
}

void OneCycleLR::save_settings(StateDict& s) const {
  s.set("total_steps", scalar(double(options_.total_steps())));
  s.set("cycle_momentum", scalar(momentum_key_.empty() ? 0.0 : 1.0));
}

void OneCycleLR::load_settings(const StateDict& s) {
  NABLA_CHECK(get_int(s, "total_steps") == options_.total_steps(),
              "OneCycleLR.load_state_dict: total_steps ", get_int(s, "total_steps"),
              " in the state, ", options_.total_steps(), " in this scheduler");
}

// ---- ReduceLROnPlateau

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options)
    : optimizer_(optimizer), options_(std::move(options)) {
  const auto& o = options_;
  NABLA_CHECK(o.factor() < 1.0, "ReduceLROnPlateau: factor should be < 1.0, got ", o.factor());
  NABLA_CHECK(o.mode() == "min" || o.mode() == "max", "ReduceLROnPlateau: mode '", o.mode(),
              "' is unknown (min or max)");
  NABLA_CHECK(o.threshold_mode() == "rel" || o.threshold_mode() == "abs",
              "ReduceLROnPlateau: threshold mode '", o.threshold_mode(),
              "' is unknown (rel or abs)");
  best_ = o.mode() == "min" ? INFINITY : -INFINITY;
  for (const auto& g : optimizer_.param_groups()) last_lr_.push_back(g.lr());
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const bool rel = options_.threshold_mode() == "rel";
  const double t = options_.threshold();
  if (options_.mode() == "min") return rel ? a < best * (1.0 - t) : a < best - t;
  return rel ? a > best * (t + 1.0) : a > best + t;
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;  // bad epochs in cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience()) {
    reduce_lr();
    cooldown_counter_ = options_.cooldown();
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const auto& g : optimizer_.param_groups()) last_lr_.push_back(g.lr());
}

void ReduceLROnPlateau::reduce_lr() {
  for (auto& g : optimizer_.param_groups()) {
    const double old_lr = g.lr();
    const double new_lr = std::max(old_lr * options_.factor(), options_.min_lr());
    if (old_lr - new_lr > options_.eps()) g.set("lr", new_lr);
  }
}

StateDict ReduceLROnPlateau::state_dict() const {
  StateDict s;
  s.set("best", scalar(best_));
  s.set("num_bad_epochs", scalar(double(num_bad_epochs_)));
  s.set("cooldown_counter", scalar(double(cooldown_counter_)));
  s.set("last_epoch", scalar(double(last_epoch_)));
  s.set("_last_lr", list(last_lr_));
  s.set("factor", scalar(options_.factor()));
  s.set("patience", scalar(double(options_.patience())));
  s.set("threshold", scalar(options_.threshold()));
  s.set("cooldown", scalar(double(options_.cooldown())));
  s.set("min_lr", scalar(options_.min_lr()));
  s.set("eps", scalar(options_.eps()));
  s.set("mode", scalar(options_.mode() == "max" ? 1.0 : 0.0));
  s.set("threshold_mode", scalar(options_.threshold_mode() == "abs" ? 1.0 : 0.0));
  return s;
}

void ReduceLROnPlateau::load_state_dict(const StateDict& s) {
  best_ = get_scalar(s, "best");
  num_bad_epochs_ = get_int(s, "num_bad_epochs");
  cooldown_counter_ = get_int(s, "cooldown_counter");
  last_epoch_ = get_int(s, "last_epoch");
  last_lr_ = s.at("_last_lr").to_vector();
  options_.factor(get_scalar(s, "factor"))
      .patience(get_int(s, "patience"))
      .threshold(get_scalar(s, "threshold"))
      .cooldown(get_int(s, "cooldown"))
      .min_lr(get_scalar(s, "min_lr"))
      .eps(get_scalar(s, "eps"))
      .mode(get_int(s, "mode") == 1 ? "max" : "min")
      .threshold_mode(get_int(s, "threshold_mode") == 1 ? "abs" : "rel");
}

}  // namespace nabla::optim
