// Transforms of one example's input, composable and seeded. Each takes an
// f32 (C, H, W) image and a Generator, and returns a new image; random ones
// draw only from the Generator they are given, so the DataLoader can make
// every example's augmentation depend on (seed, epoch, index) alone and a
// run is reproducible whatever the number of worker threads. A transform
// never modifies its input (a dataset may hand out views of its storage);
// a random one that leaves the image as it is may return the input itself.
// Images that are not f32 (C, H, W) on the CPU are refused with an Error
// naming the transform and the shape.
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
// by up to translate·(W, H) pixels (rounded to whole pixels), scale
// U(scale_min, scale_max), shear U(-shear, shear) degrees along x; bilinear
// interpolation, zero fill, about the image centre ((W-1)/2, (H-1)/2).
struct AffineOptions {
  double degrees = 0;
  double translate = 0;  // fraction of the width and height
  double scale_min = 1, scale_max = 1;
  double shear = 0;  // degrees
};
TransformPtr random_affine(AffineOptions options);
// The fixed affine map random_affine draws from (for tests and examples):
// rotation by degrees, translation by (tx, ty) pixels, scale, shear degrees.
// Conventions of torchvision.transforms.functional.affine (checked against
// it): rows go down the screen; a positive angle turns the image clockwise
// as displayed (90 moves the top row to the right column; F.rotate turns
// the other way); tx > 0 moves it right, ty > 0 down; a positive shear
// moves the top rows right. Each output pixel is the input sampled at the
// inverse map of its position.
Tensor affine(const Tensor& image, double degrees, double tx, double ty, double scale,
              double shear);
// Brightness: x·b, b ~ U(1-brightness, 1+brightness); contrast: blends with
// the image's mean, c ~ U(1-contrast, 1+contrast); results clamped to [0, 1].
// The two are applied in a random order, as torchvision's ColorJitter does.
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
// [ratio_min, ratio_max] (log-uniform) is set to value; as torchvision's,
// it tries 10 draws for a box that fits and else leaves the image as it is.
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
// Names, arguments and defaults:
//   crop:padding=4:size=image_size   flip:p=0.5   vflip:p=0.5
//   affine:degrees=0:translate=0:scale=0:shear=0 (scale=s draws from
//     U(1-s, 1+s); scale_min, scale_max set the range directly)
//   jitter:brightness=0.2:contrast=0.2   noise:std=0.1   mulnoise:std=0.1
//   thicken:p=0.5
//   erasing:p=0.5:scale_min=0.02:scale_max=0.33:ratio_min=0.3:ratio_max=3.3:value=0
//   cutout: erasing with square boxes (ratio 1), same p, scale and value
//   normalize:mean=M:std=S (required; one value per channel as 0.49/0.48/0.45)
// One transform is returned as itself, several as a Compose; "" and "none"
// give nullptr (no transform). Unknown names or arguments, and values that
// are not numbers, throw an Error listing the known ones.
TransformPtr parse_transforms(const std::string& spec, int64_t image_size);

// ---- batch transforms: inputs (N, C, H, W), targets i64 (N) → soft f32 (N, classes)
// (mixup and cutmix also take soft f32 (N, classes) targets, so they chain.)

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
