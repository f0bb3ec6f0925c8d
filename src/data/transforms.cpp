// Per-image transforms: plain loops over f32 (C, H, W) buffers. None of them
// modifies its input (a dataset may hand out views of its own storage); an
// image a random transform leaves as it is comes back as the same tensor.
#include "nabla/data/transforms.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>

#include "transform_util.h"

namespace nabla::data {

namespace detail {

Tensor check_image(const Tensor& image, const char* name) {
  NABLA_CHECK(image.defined(), name, ": the image is an undefined tensor");
  NABLA_CHECK(image.dim() == 3 && image.dtype() == kFloat32 && image.device().is_cpu(), name,
              ": expected an f32 (C, H, W) image on the CPU, got ", image.dtype(), " ",
              image.shape(), " on ", image.device());
  return image.is_contiguous() ? image : image.contiguous();
}

Tensor copy_image(const Tensor& image) {
  Tensor out = Tensor::empty(image.shape(), kFloat32);
  std::memcpy(out.data_ptr<float>(), image.data_ptr<float>(),
              static_cast<size_t>(image.numel()) * sizeof(float));
  return out;
}

void fill_standard_normal(float* out, int64_t n, std::mt19937_64& engine) {
  constexpr float kTwoPi = 6.283185307179586f, kTwoTo32 = 2.3283064365386963e-10f;  // 2^-32
  for (int64_t i = 0; i < n; i += 2) {
    const uint64_t bits = engine();
    // u1 in (0, 1], so log(u1) is finite; u2 in [0, 1).
    const float u1 = (static_cast<float>(bits >> 32) + 0.5f) * kTwoTo32;
    const float u2 = static_cast<float>(bits & 0xffffffffu) * kTwoTo32;
    const float r = std::sqrt(-2.0f * std::log(std::min(u1, 1.0f)));
    out[i] = r * std::cos(kTwoPi * u2);
    if (i + 1 < n) out[i + 1] = r * std::sin(kTwoPi * u2);
  }
}

std::string py_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, end);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string py_tuple(double a, double b) {
  std::string s = "(";
  s += py_float(a);
  s += ", ";
  s += py_float(b);
  s += ")";
  return s;
}

std::string py_list(const std::vector<double>& values) {
  std::string s = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) s += ", ";
    s += py_float(values[i]);
  }
  s += "]";
  return s;
}

}  // namespace detail

namespace {

using detail::check_image;
using detail::py_float;
using detail::py_tuple;

void check_probability(double p, const char* name) {
  NABLA_CHECK(p >= 0 && p <= 1, name, ": p must be in [0, 1], got ", p);
}

// ---- Compose

}  // namespace

Compose::Compose(std::vector<TransformPtr> transforms) : transforms_(std::move(transforms)) {
  for (size_t i = 0; i < transforms_.size(); ++i)
    NABLA_CHECK(transforms_[i] != nullptr, "Compose: transform ", i, " is null");
}

Tensor Compose::operator()(const Tensor& image, Generator& gen) const {
  Tensor x = image;
  for (const TransformPtr& t : transforms_) x = (*t)(x, gen);
  return x;
}

std::string Compose::repr() const {
  // torchvision's layout: one transform a line, indented by four spaces.
  std::string s = "Compose(";
  for (const TransformPtr& t : transforms_) s += "\n    " + t->repr();
  return s + "\n)";
}

namespace {

// ---- Normalize: y = (x - mean[c]) / std[c]

class Normalize final : public Transform {
 public:
  Normalize(std::vector<double> mean, std::vector<double> std)
      : mean_(std::move(mean)), std_(std::move(std)) {
    NABLA_CHECK(!mean_.empty() && !std_.empty(), "Normalize: mean and std must not be empty");
    for (double s : std_) NABLA_CHECK(s != 0, "Normalize: std ", detail::py_list(std_), " has a 0");
  }

  Tensor operator()(const Tensor& input, Generator&) const override {
    Tensor image = check_image(input, "Normalize");
    const int64_t C = image.size(0), plane = image.size(1) * image.size(2);
    for (const auto* v : {&mean_, &std_})
      NABLA_CHECK(v->size() == 1 || static_cast<int64_t>(v->size()) == C, "Normalize: mean ",
                  detail::py_list(mean_), " and std ", detail::py_list(std_),
                  " need 1 or C values for an image ", image.shape());
    Tensor out = Tensor::empty(image.shape(), kFloat32);
    const float* x = image.data_ptr<float>();
    float* y = out.data_ptr<float>();
    for (int64_t c = 0; c < C; ++c) {
      const float m = static_cast<float>(mean_[mean_.size() == 1 ? 0 : c]);
      const float inv = static_cast<float>(1.0 / std_[std_.size() == 1 ? 0 : c]);
      for (int64_t i = 0; i < plane; ++i) y[c * plane + i] = (x[c * plane + i] - m) * inv;
    }
    return out;
  }

  std::string repr() const override {
    return "Normalize(mean=" + detail::py_list(mean_) + ", std=" + detail::py_list(std_) + ")";
  }

 private:
  std::vector<double> mean_, std_;
};

// ---- RandomCrop: zero padding, then a size×size window at a uniform offset

class RandomCrop final : public Transform {
 public:
  RandomCrop(int64_t size, int64_t padding) : size_(size), padding_(padding) {
    NABLA_CHECK(size > 0, "RandomCrop: size must be positive, got ", size);
    NABLA_CHECK(padding >= 0, "RandomCrop: padding must be non-negative, got ", padding);
  }

  Tensor operator()(const Tensor& input, Generator& gen) const override {
    Tensor image = check_image(input, "RandomCrop");
    const int64_t C = image.size(0), H = image.size(1), W = image.size(2), S = size_;
    NABLA_CHECK(H + 2 * padding_ >= S && W + 2 * padding_ >= S, "RandomCrop: image ", image.shape(),
                " padded by ", padding_, " is smaller than the crop size ", S);
    // torchvision draws the top row, then the left column, of the padded image.
    const int64_t top = gen.randint(0, H + 2 * padding_ - S + 1) - padding_;
    const int64_t left = gen.randint(0, W + 2 * padding_ - S + 1) - padding_;
    Tensor out = Tensor::empty({C, S, S}, kFloat32);
    const float* src = image.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    // Output columns [x0, x1) come from source columns [left + x0, left + x1).
    const int64_t x0 = std::clamp<int64_t>(-left, 0, S);
    const int64_t x1 = std::clamp<int64_t>(W - left, x0, S);
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t y = 0; y < S; ++y) {
        float* row = dst + (c * S + y) * S;
        const int64_t sy = top + y;
        if (sy < 0 || sy >= H || x1 == x0) {
          std::fill(row, row + S, 0.0f);
          continue;
        }
        std::fill(row, row + x0, 0.0f);
        std::memcpy(row + x0, src + (c * H + sy) * W + left + x0,
                    static_cast<size_t>(x1 - x0) * sizeof(float));
        std::fill(row + x1, row + S, 0.0f);
      }
    }
    return out;
  }

  std::string repr() const override {
    std::ostringstream os;
    os << "RandomCrop(size=" << size_ << ", padding=" << padding_ << ")";
    return os.str();
  }

 private:
  int64_t size_, padding_;
};

// ---- RandomHorizontalFlip / RandomVerticalFlip

class RandomFlip final : public Transform {
 public:
  RandomFlip(double p, bool horizontal) : p_(p), horizontal_(horizontal) {
    check_probability(p, name());
  }

  Tensor operator()(const Tensor& input, Generator& gen) const override {
    Tensor image = check_image(input, name());
    if (!(gen.uniform() < p_)) return image;
    const int64_t C = image.size(0), H = image.size(1), W = image.size(2);
    Tensor out = Tensor::empty(image.shape(), kFloat32);
    const float* src = image.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t y = 0; y < H; ++y) {
        float* row = dst + (c * H + y) * W;
        if (horizontal_) {
          const float* s = src + (c * H + y) * W;
          std::reverse_copy(s, s + W, row);
        } else {
          std::memcpy(row, src + (c * H + (H - 1 - y)) * W, static_cast<size_t>(W) * sizeof(float));
        }
      }
    }
    return out;
  }

  std::string repr() const override { return std::string(name()) + "(p=" + py_float(p_) + ")"; }

 private:
  const char* name() const { return horizontal_ ? "RandomHorizontalFlip" : "RandomVerticalFlip"; }
  double p_;
  bool horizontal_;
};

// ---- ColorJitter (brightness and contrast), applied in a random order as
// torchvision does; both blends are clamped to [0, 1].

class ColorJitter final : public Transform {
 public:
  ColorJitter(double brightness, double contrast) : brightness_(brightness), contrast_(contrast) {
    NABLA_CHECK(brightness >= 0 && contrast >= 0,
                "ColorJitter: brightness and contrast must be non-negative, got ", brightness,
                " and ", contrast);
  }

  Tensor operator()(const Tensor& input, Generator& gen) const override {
    Tensor image = check_image(input, "ColorJitter");
    if (brightness_ == 0 && contrast_ == 0) return image;
    const bool brightness_first = gen.uniform() < 0.5;
    const double b = brightness_ > 0 ? gen.uniform(lo(brightness_), 1 + brightness_) : 1.0;
    const double c = contrast_ > 0 ? gen.uniform(lo(contrast_), 1 + contrast_) : 1.0;
    Tensor out = detail::copy_image(image);
    const int64_t C = image.size(0), plane = image.size(1) * image.size(2), n = C * plane;
    float* x = out.data_ptr<float>();
    auto brightness = [&] {
      if (brightness_ > 0) blend(x, n, static_cast<float>(b), 0.0f);
    };
    auto contrast = [&] {
      if (contrast_ > 0) blend(x, n, static_cast<float>(c), gray_mean(x, C, plane));
    };
    if (brightness_first) {
      brightness();
      contrast();
    } else {
      contrast();
      brightness();
    }
    return out;
  }

  std::string repr() const override {
    auto range = [&](double v) { return v > 0 ? py_tuple(lo(v), 1 + v) : std::string("None"); };
    return "ColorJitter(brightness=" + range(brightness_) + ", contrast=" + range(contrast_) + ")";
  }

 private:
  static double lo(double v) { return std::max(0.0, 1 - v); }
  // x = clamp(r·x + (1-r)·other, 0, 1)
  static void blend(float* x, int64_t n, float r, float other) {
    const float o = (1 - r) * other;
    for (int64_t i = 0; i < n; ++i) x[i] = std::clamp(r * x[i] + o, 0.0f, 1.0f);
  }
  // The mean of the grayscale image (ITU-R 601-2 luma for RGB, as
  // torchvision's rgb_to_grayscale), or of all values for other channel counts.
  static float gray_mean(const float* x, int64_t C, int64_t plane) {
    double sum = 0;
    if (C == 3) {
      for (int64_t i = 0; i < plane; ++i)
        sum += 0.2989 * x[i] + 0.587 * x[plane + i] + 0.114 * x[2 * plane + i];
      return static_cast<float>(sum / static_cast<double>(plane));
    }
    for (int64_t i = 0; i < C * plane; ++i) sum += x[i];
    return static_cast<float>(sum / static_cast<double>(C * plane));
  }

  double brightness_, contrast_;
};

// ---- Additive and multiplicative Gaussian noise

class GaussianNoise final : public Transform {
 public:
  GaussianNoise(double std, bool multiplicative) : std_(std), multiplicative_(multiplicative) {
    NABLA_CHECK(std >= 0, name(), ": std must be non-negative, got ", std);
  }

  Tensor operator()(const Tensor& input, Generator& gen) const override {
    Tensor image = check_image(input, name());
    const int64_t n = image.numel();
    Tensor out = Tensor::empty(image.shape(), kFloat32);
    const float* x = image.data_ptr<float>();
    float* y = out.data_ptr<float>();
    detail::fill_standard_normal(y, n, gen.engine());  // z ~ N(0, 1), then y from z in place
    const auto s = static_cast<float>(std_);
    if (multiplicative_) {
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] * (1.0f + s * y[i]);  // x · N(1, std²)
    } else {
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] + s * y[i];  // x + N(0, std²)
    }
    return out;
  }

  std::string repr() const override { return std::string(name()) + "(std=" + py_float(std_) + ")"; }

 private:
  const char* name() const { return multiplicative_ ? "MultiplicativeNoise" : "GaussianNoise"; }
  double std_;
  bool multiplicative_;
};

// ---- Thicken: a 3×3 max filter (grey-scale dilation), the window clipped at
// the borders. Separable: the max over rows of the max over columns.

class Thicken final : public Transform {
 public:
  explicit Thicken(double p) : p_(p) { check_probability(p, "Thicken"); }

  Tensor operator()(const Tensor& input, Generator& gen) const override {
    Tensor image = check_image(input, "Thicken");
    if (!(gen.uniform() < p_)) return image;
    const int64_t C = image.size(0), H = image.size(1), W = image.size(2);
    Tensor out = Tensor::empty(image.shape(), kFloat32);
    const float* src = image.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    std::vector<float> row_max(static_cast<size_t>(H * W));  // max over x-1..x+1
    for (int64_t c = 0; c < C; ++c) {
      const float* s = src + c * H * W;
      for (int64_t y = 0; y < H; ++y) {
        for (int64_t x = 0; x < W; ++x) {
          float m = s[y * W + x];
          if (x > 0) m = std::max(m, s[y * W + x - 1]);
          if (x + 1 < W) m = std::max(m, s[y * W + x + 1]);
          row_max[y * W + x] = m;
        }
      }
      float* d = dst + c * H * W;
      for (int64_t y = 0; y < H; ++y) {
        for (int64_t x = 0; x < W; ++x) {
          float m = row_max[y * W + x];
          if (y > 0) m = std::max(m, row_max[(y - 1) * W + x]);
          if (y + 1 < H) m = std::max(m, row_max[(y + 1) * W + x]);
          d[y * W + x] = m;
        }
      }
    }
    return out;
  }

  std::string repr() const override { return "Thicken(p=" + py_float(p_) + ")"; }

 private:
  double p_;
};

// ---- RandomErasing, as torchvision's: up to 10 tries to draw a box of area
// s·H·W, s ~ U(scale), aspect ratio r = exp(U(log ratio_min, log ratio_max)),
// h = round(√(s·H·W·r)), w = round(√(s·H·W/r)), that fits inside the image.

class RandomErasing final : public Transform {
 public:
  explicit RandomErasing(ErasingOptions o) : o_(o) {
    check_probability(o.p, "RandomErasing");
    NABLA_CHECK(0 <= o.scale_min && o.scale_min <= o.scale_max && o.scale_max <= 1,
                "RandomErasing: scale must satisfy 0 <= min <= max <= 1, got ",
                py_tuple(o.scale_min, o.scale_max));
    NABLA_CHECK(0 < o.ratio_min && o.ratio_min <= o.ratio_max,
                "RandomErasing: ratio must satisfy 0 < min <= max, got ",
                py_tuple(o.ratio_min, o.ratio_max));
  }

  Tensor operator()(const Tensor& input, Generator& gen) const override {
    Tensor image = check_image(input, "RandomErasing");
    if (!(gen.uniform() < o_.p)) return image;
    const int64_t C = image.size(0), H = image.size(1), W = image.size(2);
    const double area = static_cast<double>(H * W);
    for (int attempt = 0; attempt < 10; ++attempt) {
      const double erase_area = area * gen.uniform(o_.scale_min, o_.scale_max);
      const double ratio =
          o_.ratio_min == o_.ratio_max
              ? o_.ratio_min
              : std::exp(gen.uniform(std::log(o_.ratio_min), std::log(o_.ratio_max)));
      const auto h = static_cast<int64_t>(std::llround(std::sqrt(erase_area * ratio)));
      const auto w = static_cast<int64_t>(std::llround(std::sqrt(erase_area / ratio)));
      if (!(h < H && w < W)) continue;
      const int64_t top = gen.randint(0, H - h + 1), left = gen.randint(0, W - w + 1);
      Tensor out = detail::copy_image(image);
      float* x = out.data_ptr<float>();
      for (int64_t c = 0; c < C; ++c)
        for (int64_t y = top; y < top + h; ++y) {
          float* row = x + (c * H + y) * W + left;
          std::fill(row, row + w, static_cast<float>(o_.value));
        }
      return out;
    }
    return image;
  }

  std::string repr() const override {
    return "RandomErasing(p=" + py_float(o_.p) + ", scale=" + py_tuple(o_.scale_min, o_.scale_max) +
           ", ratio=" + py_tuple(o_.ratio_min, o_.ratio_max) + ", value=" + py_float(o_.value) +
           ")";
  }

 private:
  ErasingOptions o_;
};

}  // namespace

TransformPtr normalize(std::vector<double> mean, std::vector<double> std) {
  return std::make_shared<Normalize>(std::move(mean), std::move(std));
}
TransformPtr random_crop(int64_t size, int64_t padding) {
  return std::make_shared<RandomCrop>(size, padding);
}
TransformPtr random_horizontal_flip(double p) {
  return std::make_shared<RandomFlip>(p, true);
}
TransformPtr random_vertical_flip(double p) {
  return std::make_shared<RandomFlip>(p, false);
}
TransformPtr color_jitter(double brightness, double contrast) {
  return std::make_shared<ColorJitter>(brightness, contrast);
}
TransformPtr gaussian_noise(double std) {
  return std::make_shared<GaussianNoise>(std, false);
}
TransformPtr multiplicative_noise(double std) {
  return std::make_shared<GaussianNoise>(std, true);
}
TransformPtr thicken(double p) {
  return std::make_shared<Thicken>(p);
}
TransformPtr random_erasing(ErasingOptions options) {
  return std::make_shared<RandomErasing>(options);
}

}  // namespace nabla::data
