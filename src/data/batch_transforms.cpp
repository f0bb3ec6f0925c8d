// Batch transforms: mixup, cutmix, label smoothing. Inputs (N, ...) f32;
// targets i64 class indices (N), or soft f32 (N, classes) from an earlier
// batch transform; results are soft f32 (N, classes) targets for
// cross_entropy's probability form.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "nabla/data/transforms.h"

namespace nabla::data {
namespace {

void check_inputs(const Tensor& inputs, const Tensor& targets, int64_t min_dims, const char* op) {
  NABLA_CHECK(inputs.defined() && targets.defined(), op, ": inputs and targets must be defined");
  NABLA_CHECK(inputs.dtype() == kFloat32 && inputs.device().is_cpu() && inputs.dim() >= min_dims,
              op, ": inputs must be f32 on the CPU with at least ", min_dims, " dims, got ",
              inputs.dtype(), " ", inputs.shape(), " on ", inputs.device());
  NABLA_CHECK(targets.dim() >= 1 && targets.size(0) == inputs.size(0), op, ": targets ",
              targets.shape(), " do not match inputs ", inputs.shape());
}

// Class indices (N) → one-hot f32 (N, classes); soft f32 (N, classes) → a copy.
std::vector<float> soft_targets(const Tensor& targets, int64_t num_classes, const char* op) {
  NABLA_CHECK(num_classes > 0, op, ": num_classes must be positive, got ", num_classes);
  NABLA_CHECK(targets.device().is_cpu(), op, ": targets must be on the CPU");
  const int64_t n = targets.size(0);
  std::vector<float> soft(static_cast<size_t>(n * num_classes), 0.0f);
  if (targets.dtype() == kInt64 && targets.dim() == 1) {
    const Tensor t = targets.contiguous();
    const int64_t* y = t.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      NABLA_CHECK(y[i] >= 0 && y[i] < num_classes, op, ": target ", y[i], " of example ", i,
                  " is out of range for ", num_classes, " classes");
      soft[i * num_classes + y[i]] = 1.0f;
    }
    return soft;
  }
  NABLA_CHECK(targets.dtype() == kFloat32 && targets.dim() == 2 && targets.size(1) == num_classes,
              op, ": targets must be i64 (N) class indices or f32 (N, ", num_classes,
              ") probabilities, got ", targets.dtype(), " ", targets.shape());
  const Tensor t = targets.contiguous();
  std::memcpy(soft.data(), t.data_ptr<float>(), soft.size() * sizeof(float));
  return soft;
}

// λ ~ Beta(α, α) as X / (X + Y) with X, Y ~ Gamma(α, 1).
double sample_beta(double alpha, Generator& gen, const char* op) {
  NABLA_CHECK(alpha > 0, op, ": alpha must be positive, got ", alpha);
  std::gamma_distribution<double> gamma(alpha, 1.0);
  const double x = gamma(gen.engine()), y = gamma(gen.engine());
  return x + y > 0 ? x / (x + y) : 0.5;
}

// A uniform random permutation of [0, n) (Fisher–Yates).
std::vector<int64_t> permutation(int64_t n, Generator& gen) {
  std::vector<int64_t> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[gen.randint(0, i + 1)]);
  return p;
}

// y = λ·y_i + (1-λ)·y_perm[i], row by row.
Tensor mix_targets(const std::vector<float>& soft, const std::vector<int64_t>& perm,
                   int64_t num_classes, double lambda) {
  const auto n = static_cast<int64_t>(perm.size());
  Tensor out = Tensor::empty({n, num_classes}, kFloat32);
  float* y = out.data_ptr<float>();
  const auto l = static_cast<float>(lambda);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < num_classes; ++k)
      y[i * num_classes + k] =
          l * soft[i * num_classes + k] + (1 - l) * soft[perm[i] * num_classes + k];
  return out;
}

}  // namespace

std::pair<Tensor, Tensor> mixup(const Tensor& inputs, const Tensor& targets, int64_t num_classes,
                                double alpha, Generator& gen) {
  check_inputs(inputs, targets, 1, "mixup");
  const std::vector<float> soft = soft_targets(targets, num_classes, "mixup");
  const double lambda = sample_beta(alpha, gen, "mixup");
  const int64_t n = inputs.size(0);
  const std::vector<int64_t> perm = permutation(n, gen);
  const Tensor x = inputs.contiguous();
  const int64_t per = n > 0 ? x.numel() / n : 0;
  Tensor out = Tensor::empty(x.shape(), kFloat32);
  const float* src = x.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  const auto l = static_cast<float>(lambda);
  for (int64_t i = 0; i < n; ++i) {
    const float* a = src + i * per;
    const float* b = src + perm[i] * per;
    float* d = dst + i * per;
    for (int64_t k = 0; k < per; ++k) d[k] = l * a[k] + (1 - l) * b[k];
  }
  return {out, mix_targets(soft, perm, num_classes, lambda)};
}

std::pair<Tensor, Tensor> cutmix(const Tensor& inputs, const Tensor& targets, int64_t num_classes,
                                 double alpha, Generator& gen) {
  check_inputs(inputs, targets, 4, "cutmix");
  NABLA_CHECK(inputs.dim() == 4, "cutmix: inputs must be (N, C, H, W), got ", inputs.shape());
  const std::vector<float> soft = soft_targets(targets, num_classes, "cutmix");
  const double lambda = sample_beta(alpha, gen, "cutmix");
  const int64_t n = inputs.size(0), C = inputs.size(1), H = inputs.size(2), W = inputs.size(3);
  const std::vector<int64_t> perm = permutation(n, gen);
  // The box of the CutMix paper: sides √(1-λ)·(W, H) about a uniform centre,
  // clipped to the image; λ then becomes the part of the image kept.
  const double cut = std::sqrt(1.0 - lambda);
  const auto cut_w = static_cast<int64_t>(static_cast<double>(W) * cut);
  const auto cut_h = static_cast<int64_t>(static_cast<double>(H) * cut);
  const int64_t cx = gen.randint(0, W), cy = gen.randint(0, H);
  const int64_t x1 = std::clamp<int64_t>(cx - cut_w / 2, 0, W);
  const int64_t x2 = std::clamp<int64_t>(cx + cut_w / 2, 0, W);
  const int64_t y1 = std::clamp<int64_t>(cy - cut_h / 2, 0, H);
  const int64_t y2 = std::clamp<int64_t>(cy + cut_h / 2, 0, H);
  const double kept = 1.0 - static_cast<double>((x2 - x1) * (y2 - y1)) / static_cast<double>(H * W);

  const Tensor x = inputs.contiguous();
  Tensor out = Tensor::empty(x.shape(), kFloat32);
  const float* src = x.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  const int64_t per = C * H * W;
  std::memcpy(dst, src, static_cast<size_t>(x.numel()) * sizeof(float));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = y1; y < y2; ++y)
        std::memcpy(dst + i * per + (c * H + y) * W + x1,
                    src + perm[i] * per + (c * H + y) * W + x1,
                    static_cast<size_t>(x2 - x1) * sizeof(float));
  return {out, mix_targets(soft, perm, num_classes, kept)};
}

Tensor smooth_labels(const Tensor& targets, int64_t num_classes, double epsilon) {
  NABLA_CHECK(targets.defined(), "smooth_labels: targets must be defined");
  NABLA_CHECK(targets.dtype() == kInt64 && targets.dim() == 1,
              "smooth_labels: targets must be i64 (N) class indices, got ", targets.dtype(), " ",
              targets.shape());
  NABLA_CHECK(epsilon >= 0 && epsilon <= 1, "smooth_labels: epsilon must be in [0, 1], got ",
              epsilon);
  const std::vector<float> onehot = soft_targets(targets, num_classes, "smooth_labels");
  Tensor out = Tensor::empty({targets.size(0), num_classes}, kFloat32);
  float* y = out.data_ptr<float>();
  const auto keep = static_cast<float>(1 - epsilon);
  const auto spread = static_cast<float>(epsilon / static_cast<double>(num_classes));
  for (size_t i = 0; i < onehot.size(); ++i) y[i] = keep * onehot[i] + spread;
  return out;
}

}  // namespace nabla::data
