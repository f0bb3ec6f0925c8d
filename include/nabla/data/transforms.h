// Transforms of one example's input, composable and seeded. Each takes an
// f32 (C, H, W) image and a Generator, and returns a new image; random ones
// draw only from the Generator they are given, so the DataLoader can make
// every example's augmentation depend on (seed, epoch, index) alone and a
// run is reproducible whatever the number of worker threads.
//
// Batch transforms (mixup, cutmix) act on a whole collated batch and turn
// class-index targets into soft targets for cross_entropy's probability
// form (ops/loss.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nabla/core/generator.h"
#include "nabla/core/tensor.h"

namespace nabla::data {

class Transform {
 public:
  virtual ~Transform() = default;
  virtual Tensor operator()(const Tensor& image, Generator& gen) const = 0;
  // "RandomCrop(size=28, padding=4)", for logs and config.json.
  virtual std::string repr() const = 0;
};
using TransformPtr = std::shared_ptr<const Transform>;

// Applies its transforms in order.
class Compose : public Transform {
 public:
  explicit Compose(std::vector<TransformPtr> transforms);
  Tensor operator()(const Tensor& image, Generator& gen) const override;
  std::string repr() const override;
  const std::vector<TransformPtr>& transforms() const { return transforms_; }

 private:
  std::vector<TransformPtr> transforms_;
};

// (x - mean[c]) / std[c] per channel; one value broadcasts to all channels.
TransformPtr normalize(std::vector<double> mean, std::vector<double> std);
// Pads by `padding` (zeros) on every side, then crops a random size×size window.
TransformPtr random_crop(int64_t size, int64_t padding = 0);
TransformPtr random_horizontal_flip(double p = 0.5);
TransformPtr random_vertical_flip(double p = 0.5);
// torchvision's RandomAffine: rotation by U(-degrees, degrees), translation
// by up to translate·(W, H) pixels, scale U(scale_min, scale_max), shear
// U(-shear, shear) degrees along x; bilinear interpolation, zero fill, about
// the image centre.
struct AffineOptions {
  double degrees = 0;
  double translate = 0;  // fraction of the width and height
  double scale_min = 1, scale_max = 1;
  double shear = 0;  // degrees
};
TransformPtr random_affine(AffineOptions options);
// The fixed affine map random_affine draws from (for tests and examples):
// rotation by degrees, translation by (tx, ty) pixels, scale, shear degrees.
Tensor affine(const Tensor& image, double degrees, double tx, double ty, double scale,
              double shear);
// Brightness: x·b, b ~ U(1-brightness, 1+brightness); contrast: blends with
// the image's mean, c ~ U(1-contrast, 1+contrast); results clamped to [0, 1].
TransformPtr color_jitter(double brightness, double contrast);
// x + N(0, std²) per pixel.
TransformPtr gaussian_noise(double std);
// x · N(1, std²) per pixel (the seed report's noisy-digit contest).
TransformPtr multiplicative_noise(double std);
// Stroke thickening: with probability p, each pixel becomes the maximum of
// its 3×3 neighbourhood (the seed report's filter).
TransformPtr thicken(double p = 0.5);
// Random erasing (cutout when value = 0 and ratio 1): with probability p,
// a rectangle of area U(scale_min, scale_max)·H·W and aspect ratio in
// [ratio_min, ratio_max] is set to value.
struct ErasingOptions {
  double p = 0.5;
  double scale_min = 0.02, scale_max = 0.33;
  double ratio_min = 0.3, ratio_max = 3.3;
  double value = 0;
};
TransformPtr random_erasing(ErasingOptions options = {});

// A transform list from its command-line form, comma-separated, each with
// optional "name=value" arguments after a colon:
//   "crop:padding=2,flip,affine:degrees=10:translate=0.1,noise:std=0.1,erasing"
// Names: crop, flip, vflip, affine, jitter, noise, mulnoise, thicken,
// erasing (cutout), normalize. image_size is the crop size. Unknown names
// or arguments throw an Error listing the known ones.
TransformPtr parse_transforms(const std::string& spec, int64_t image_size);

// ---- batch transforms: inputs (N, C, H, W), targets i64 (N) → soft f32 (N, classes)

// mixup: x = λ x_i + (1-λ) x_j, y likewise, λ ~ Beta(alpha, alpha), j a
// random permutation of the batch.
std::pair<Tensor, Tensor> mixup(const Tensor& inputs, const Tensor& targets, int64_t num_classes,
                                double alpha, Generator& gen);
// cutmix: a box of area (1-λ) from x_j pasted into x_i; y mixed by the
// box's exact area.
std::pair<Tensor, Tensor> cutmix(const Tensor& inputs, const Tensor& targets, int64_t num_classes,
                                 double alpha, Generator& gen);
// One-hot targets smoothed: (1-ε)·onehot + ε/classes.
Tensor smooth_labels(const Tensor& targets, int64_t num_classes, double epsilon);

}  // namespace nabla::data
