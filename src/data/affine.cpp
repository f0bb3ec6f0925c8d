// Affine transforms as torchvision.transforms.functional.affine computes them
// on tensors: every output pixel is mapped back through the inverse of
//   M = T(tx, ty) · C · R(angle) · S(scale) · Shx(shear) · C⁻¹
// (C moves the origin to the image centre ((W-1)/2, (H-1)/2), y points down)
// and the input is sampled there bilinearly, zero outside, as grid_sample
// with align_corners=False and padding_mode="zeros" does.
#include <cmath>
#include <numbers>

#include "nabla/data/transforms.h"
#include "transform_util.h"

namespace nabla::data {
namespace {

// The inverse map, output centred coordinates → input centred coordinates:
//   x_in = m[0]·x + m[1]·y + m[2],  y_in = m[3]·x + m[4]·y + m[5]
// torchvision's _get_inverse_affine_matrix with centre (0, 0) and no y-shear:
//   R·Shx = [[a, b], [c, d]] = [[cos θ, -cos θ·tan φ - sin θ], [sin θ, -sin θ·tan φ + cos θ]]
// whose determinant is 1, so its inverse is [[d, -b], [-c, a]]; divided by
// the scale, then composed with the inverse translation.
struct InverseAffine {
  double m[6];
};

InverseAffine inverse_affine(double degrees, double tx, double ty, double scale, double shear) {
  const double theta = degrees * std::numbers::pi / 180.0;
  const double phi = shear * std::numbers::pi / 180.0;
  const double a = std::cos(theta), c = std::sin(theta);
  const double b = -std::cos(theta) * std::tan(phi) - std::sin(theta);
  const double d = -std::sin(theta) * std::tan(phi) + std::cos(theta);
  InverseAffine inv{{d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0}};
  inv.m[2] = inv.m[0] * -tx + inv.m[1] * -ty;
  inv.m[5] = inv.m[3] * -tx + inv.m[4] * -ty;
  return inv;
}

// out (C, H, W) ← src (C, H, W) sampled at the inverse-mapped positions.
void affine_sample(const float* src, float* out, int64_t C, int64_t H, int64_t W,
                   const InverseAffine& inv) {
  const double cx = 0.5 * static_cast<double>(W - 1), cy = 0.5 * static_cast<double>(H - 1);
  const int64_t plane = H * W;
  for (int64_t i = 0; i < H; ++i) {
    const double yc = static_cast<double>(i) - cy;
    for (int64_t j = 0; j < W; ++j) {
      const double xc = static_cast<double>(j) - cx;
      const double sx = inv.m[0] * xc + inv.m[1] * yc + inv.m[2] + cx;
      const double sy = inv.m[3] * xc + inv.m[4] * yc + inv.m[5] + cy;
      const double fx0 = std::floor(sx), fy0 = std::floor(sy);
      const auto x0 = static_cast<int64_t>(fx0), y0 = static_cast<int64_t>(fy0);
      const auto fx = static_cast<float>(sx - fx0), fy = static_cast<float>(sy - fy0);
      // The four neighbours and their bilinear weights; taps outside the image read 0.
      int64_t offset[4] = {0, 0, 0, 0};
      float weight[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
      for (int k = 0; k < 4; ++k) {
        const int64_t x = x0 + (k & 1), y = y0 + (k >> 1);
        if (x < 0 || x >= W || y < 0 || y >= H)
          weight[k] = 0;
        else
          offset[k] = y * W + x;
      }
      for (int64_t c = 0; c < C; ++c) {
        const float* s = src + c * plane;
        out[c * plane + i * W + j] = weight[0] * s[offset[0]] + weight[1] * s[offset[1]] +
                                     weight[2] * s[offset[2]] + weight[3] * s[offset[3]];
      }
    }
  }
}

void check_affine(double scale, double shear, const char* name) {
  NABLA_CHECK(scale > 0, name, ": scale must be positive, got ", scale);
  NABLA_CHECK(std::abs(shear) < 90, name, ": shear must be in (-90, 90) degrees, got ", shear);
}

class RandomAffine final : public Transform {
 public:
  explicit RandomAffine(AffineOptions o) : o_(o) {
    NABLA_CHECK(o.degrees >= 0, "RandomAffine: degrees must be non-negative, got ", o.degrees);
    NABLA_CHECK(o.translate >= 0 && o.translate <= 1,
                "RandomAffine: translate must be in [0, 1], got ", o.translate);
    NABLA_CHECK(0 < o.scale_min && o.scale_min <= o.scale_max,
                "RandomAffine: scale must satisfy 0 < min <= max, got ",
                detail::py_tuple(o.scale_min, o.scale_max));
    NABLA_CHECK(o.shear >= 0 && o.shear < 90, "RandomAffine: shear must be in [0, 90), got ",
                o.shear);
  }

  Tensor operator()(const Tensor& input, Generator& gen) const override {
    Tensor image = detail::check_image(input, "RandomAffine");
    const int64_t C = image.size(0), H = image.size(1), W = image.size(2);
    // torchvision's get_params, in its order: angle, translation (whole
    // pixels, rounded half to even as Python's round), scale, shear.
    const double angle = gen.uniform(-o_.degrees, o_.degrees);
    const double max_dx = o_.translate * static_cast<double>(W);
    const double max_dy = o_.translate * static_cast<double>(H);
    const double tx = std::nearbyint(gen.uniform(-max_dx, max_dx));
    const double ty = std::nearbyint(gen.uniform(-max_dy, max_dy));
    const double scale = gen.uniform(o_.scale_min, o_.scale_max);
    const double shear = gen.uniform(-o_.shear, o_.shear);
    Tensor out = Tensor::empty(image.shape(), kFloat32);
    affine_sample(image.data_ptr<float>(), out.data_ptr<float>(), C, H, W,
                  inverse_affine(angle, tx, ty, scale, shear));
    return out;
  }

  std::string repr() const override {
    // torchvision prints the arguments that were given; ours are given when
    // they differ from the identity.
    std::string s = "RandomAffine(degrees=" + detail::py_list({-o_.degrees, o_.degrees});
    if (o_.translate != 0) s += ", translate=" + detail::py_tuple(o_.translate, o_.translate);
    if (o_.scale_min != 1 || o_.scale_max != 1)
      s += ", scale=" + detail::py_tuple(o_.scale_min, o_.scale_max);
    if (o_.shear != 0) s += ", shear=" + detail::py_list({-o_.shear, o_.shear});
    return s + ", interpolation=bilinear)";
  }

 private:
  AffineOptions o_;
};

}  // namespace

Tensor affine(const Tensor& input, double degrees, double tx, double ty, double scale,
              double shear) {
  Tensor image = detail::check_image(input, "affine");
  check_affine(scale, shear, "affine");
  Tensor out = Tensor::empty(image.shape(), kFloat32);
  affine_sample(image.data_ptr<float>(), out.data_ptr<float>(), image.size(0), image.size(1),
                image.size(2), inverse_affine(degrees, tx, ty, scale, shear));
  return out;
}

TransformPtr random_affine(AffineOptions options) {
  return std::make_shared<RandomAffine>(options);
}

}  // namespace nabla::data
