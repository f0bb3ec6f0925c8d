// Learning-rate schedulers, as torch.optim.lr_scheduler. A scheduler changes
// the "lr" of every param group of an optimizer it refers to (it must outlive
// neither); call step() once per epoch (OneCycleLR: once per batch), after
// optimizer.step(). Construction performs the first step (last_epoch 0), as in
// PyTorch, and records each group's starting lr as "initial_lr".
//
// The schedules are PyTorch's recursive (chainable) forms: each new lr is
// computed from the group's current lr, so other changes to the lr carry on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nabla/core/state_dict.h"
#include "nabla/optim/optimizer.h"

namespace nabla::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  void step();
  // The lr of each group after the last step.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() { return optimizer_; }

  // last_epoch, _step_count, base_lrs, _last_lr and the schedule's own
  // settings (gamma, T_max, ...), scalars as 0-d float64 tensors and lists as
  // 1-D float64 tensors, under PyTorch's attribute names.
  StateDict state_dict() const;
  void load_state_dict(const StateDict& state);

 protected:
  // last_epoch = -1 starts afresh; otherwise every group must hold
  // "initial_lr" (resuming). Each subclass's constructor ends with
  // initial_step().
  LRScheduler(Optimizer& optimizer, int64_t last_epoch);
  void initial_step();
  // The lrs for last_epoch_ (already advanced), one per group.
  virtual std::vector<double> get_lr() = 0;
  virtual void save_settings(StateDict& state) const = 0;
  virtual void load_settings(const StateDict& state) = 0;

  std::vector<double> group_lrs() const;

  Optimizer& optimizer_;
  int64_t last_epoch_;
  int64_t step_count_ = 0;
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;
};

// lr ← lr·γ every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  void save_settings(StateDict& state) const override;
  void load_settings(const StateDict& state) override;

 private:
  int64_t step_size_;
  double gamma_;
};

// lr ← lr·γ at each milestone epoch (γ^k where a milestone is listed k times).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1,
              int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  void save_settings(StateDict& state) const override;
  void load_settings(const StateDict& state) override;

 private:
  std::vector<int64_t> milestones_;
  double gamma_;
};

// lr ← lr·γ every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  void save_settings(StateDict& state) const override;
  void load_settings(const StateDict& state) override;

 private:
  double gamma_;
};

// η_t = η_min + ½(η_max − η_min)(1 + cos(π t / T_max)), in PyTorch's
// recursive form (which also continues past T_max, rising again).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0,
                    int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  void save_settings(StateDict& state) const override;
  void load_settings(const StateDict& state) override;

 private:
  int64_t T_max_;
  double eta_min_;
};

// lr = base_lr · factor, factor going linearly from start_factor to
// end_factor over total_iters epochs, then constant: a linear warmup.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0,
           int64_t total_iters = 5, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  void save_settings(StateDict& state) const override;
  void load_settings(const StateDict& state) override;

 private:
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

struct OneCycleLROptions {
  OneCycleLROptions(double max_lr, int64_t total_steps)
      : max_lr_(max_lr), total_steps_(total_steps) {}

  NABLA_OPTIM_ARG(double, max_lr);
  NABLA_OPTIM_ARG(int64_t, total_steps);
  NABLA_OPTIM_ARG(double, pct_start) = 0.3;
  NABLA_OPTIM_ARG(std::string, anneal_strategy) = "cos";  // or "linear"
  NABLA_OPTIM_ARG(bool, cycle_momentum) = true;
  NABLA_OPTIM_ARG(double, base_momentum) = 0.85;
  NABLA_OPTIM_ARG(double, max_momentum) = 0.95;
  NABLA_OPTIM_ARG(double, div_factor) = 25.0;
  NABLA_OPTIM_ARG(double, final_div_factor) = 1e4;
  NABLA_OPTIM_ARG(bool, three_phase) = false;
};

// The 1cycle policy: lr rises from max_lr/div_factor to max_lr over the first
// pct_start of total_steps, then anneals to initial_lr/final_div_factor
// (three_phase: back to initial_lr first, then down). With cycle_momentum the
// momentum (SGD, RMSprop) or β₁ (Adam, AdamW) moves inversely, between
// max_momentum and base_momentum. Step once per batch. The same max_lr is
// used for every group (PyTorch also takes a list).
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, OneCycleLROptions options, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  void save_settings(StateDict& state) const override;
  void load_settings(const StateDict& state) override;

 private:
  struct Phase {
    double end_step;
    const char* start_lr;
    const char* end_lr;
    const char* start_momentum;
    const char* end_momentum;
  };
  double anneal(double start, double end, double pct) const;

  OneCycleLROptions options_;
  std::vector<Phase> phases_;
  std::string momentum_key_;  // "momentum" or "beta1"; empty without cycle_momentum
};

struct ReduceLROnPlateauOptions {
  NABLA_OPTIM_ARG(std::string, mode) = "min";  // or "max"
  NABLA_OPTIM_ARG(double, factor) = 0.1;
  NABLA_OPTIM_ARG(int64_t, patience) = 10;
  NABLA_OPTIM_ARG(double, threshold) = 1e-4;
  NABLA_OPTIM_ARG(std::string, threshold_mode) = "rel";  // or "abs"
  NABLA_OPTIM_ARG(int64_t, cooldown) = 0;
  NABLA_OPTIM_ARG(double, min_lr) = 0.0;  // the same for every group
  NABLA_OPTIM_ARG(double, eps) = 1e-8;
};

// lr ← max(lr·factor, min_lr) once the metric has not improved (by threshold,
// relative or absolute) for more than patience steps; then waits cooldown
// steps. A change smaller than eps is skipped. As in PyTorch it is not an
// LRScheduler: step takes the metric.
class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options = {});

  void step(double metric);
  // Before the first step: the groups' lrs (PyTorch has no _last_lr yet).
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  double best() const { return best_; }

  // best, num_bad_epochs, cooldown_counter, last_epoch, _last_lr and the
  // settings (factor, patience, ...; mode and threshold_mode as 0/1: min/max, rel/abs).
  StateDict state_dict() const;
  void load_state_dict(const StateDict& state);

 private:
  bool is_better(double a, double best) const;
  void reduce_lr();

  Optimizer& optimizer_;
  ReduceLROnPlateauOptions options_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
  int64_t last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace nabla::optim
