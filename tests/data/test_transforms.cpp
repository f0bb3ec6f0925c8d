// Image transforms, batch transforms and parse_transforms: exact results on
// small known images, statistics of the random ones, torchvision's affine as
// the reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "nabla/nabla.h"
#include "testing/errors.h"

namespace nabla::data {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

// A (C, H, W) image whose pixel (c, y, x) is value(c, y, x).
template <class F>
Tensor make_image(int64_t C, int64_t H, int64_t W, F value) {
  std::vector<float> v;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x) v.push_back(static_cast<float>(value(c, y, x)));
  return tensor(v, {C, H, W});
}

// Every pixel different, so a misplaced pixel shows.
Tensor asymmetric(int64_t C, int64_t H, int64_t W) {
  return make_image(C, H, W, [&](int64_t c, int64_t y, int64_t x) {
    return 1.0 + static_cast<double>((c * H + y) * W + x) / 100.0;
  });
}

float px(const Tensor& t, int64_t c, int64_t y, int64_t x) {
  return t.data_ptr<float>()[(c * t.size(1) + y) * t.size(2) + x];
}

void expect_near_all(const Tensor& a, const Tensor& b, double tol) {
  ASSERT_EQ(a.shape(), b.shape());
  const std::vector<double> va = a.to_vector(), vb = b.to_vector();
  for (size_t i = 0; i < va.size(); ++i) EXPECT_NEAR(va[i], vb[i], tol) << "element " << i;
}

// ---- affine

TEST(Affine, IdentityIsExact) {
  Tensor img = asymmetric(2, 5, 7);
  EXPECT_THAT(affine(img, 0, 0, 0, 1, 0).to_vector(), ElementsAreArray(img.to_vector()));
}

TEST(Affine, PositiveAngleTurnsClockwiseAsTorchvision) {
  // torchvision.transforms.functional.affine(img, angle=90, ...) moves the
  // top row to the right column: out[y][x] = in[N-1-x][y].
  const int64_t N = 6;
  Tensor img = asymmetric(2, N, N);
  Tensor cw = affine(img, 90, 0, 0, 1, 0);
  Tensor ccw = affine(img, -90, 0, 0, 1, 0);
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t y = 0; y < N; ++y)
      for (int64_t x = 0; x < N; ++x) {
        EXPECT_NEAR(px(cw, c, y, x), px(img, c, N - 1 - x, y), 1e-5) << c << " " << y << " " << x;
        EXPECT_NEAR(px(ccw, c, y, x), px(img, c, x, N - 1 - y), 1e-5) << c << " " << y << " " << x;
      }
}

TEST(Affine, TranslationMovesRightAndDownWithZeroFill) {
  Tensor img = asymmetric(1, 4, 5);
  Tensor out = affine(img, 0, 2, 1, 1, 0);
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t x = 0; x < 5; ++x)
      EXPECT_EQ(px(out, 0, y, x), (y >= 1 && x >= 2) ? px(img, 0, y - 1, x - 2) : 0.0f);
}

TEST(Affine, MatchesTorchvision) {
  // Reference from torchvision 0.14 (Debian's python3-torchvision):
  //   img = ((torch.arange(40.).reshape(2, 4, 5) % 7 + 1) / 7).float()
  //   TF.affine(img, angle=30.0, translate=[1, -1], scale=1.2, shear=[10.0, 0.0],
  //             interpolation=TF.InterpolationMode.BILINEAR).flatten()
  const std::vector<float> expected = {
      0.3605462f, 0.6409464f, 0.8171415f, 0.4375179f, 0.2758971f, 0.2956196f, 0.5124527f,
      0.7241029f, 0.7965970f, 0.5915807f, 0.0686912f, 0.2936899f, 0.5956092f, 0.8072594f,
      0.6317896f, 0.0000000f, 0.0000000f, 0.1878667f, 0.5327489f, 0.7705953f, 0.2486340f,
      0.4980893f, 0.7097395f, 0.9213897f, 0.5836866f, 0.1685973f, 0.3695956f, 0.5812457f,
      0.7550511f, 0.4930902f, 0.0447672f, 0.2102421f, 0.4527521f, 0.6644022f, 0.8760525f,
      0.0000000f, 0.0000000f, 0.1479934f, 0.4333518f, 0.7404290f};
  Tensor img = make_image(2, 4, 5, [](int64_t c, int64_t y, int64_t x) {
    return static_cast<double>(((c * 4 + y) * 5 + x) % 7 + 1) / 7.0;
  });
  expect_near_all(affine(img, 30, 1, -1, 1.2, 10), tensor(expected, {2, 4, 5}), 1e-5);
}

TEST(Affine, RandomAffineIsSeededAndBounded) {
  auto t = random_affine(
      {.degrees = 15, .translate = 0.1, .scale_min = 0.9, .scale_max = 1.1, .shear = 5});
  Tensor img = asymmetric(1, 8, 8);
  Generator g1(7), g2(7), g3(8);
  Tensor a = (*t)(img, g1), b = (*t)(img, g2), c = (*t)(img, g3);
  EXPECT_THAT(a.to_vector(), ElementsAreArray(b.to_vector()));
  EXPECT_NE(a.to_vector(), c.to_vector());
  EXPECT_EQ(t->repr(),
            "RandomAffine(degrees=[-15.0, 15.0], translate=(0.1, 0.1), scale=(0.9, 1.1), "
            "shear=[-5.0, 5.0], interpolation=bilinear)");
  // Zero ranges are the identity.
  Generator g(1);
  EXPECT_THAT((*random_affine({}))(img, g).to_vector(), ElementsAreArray(img.to_vector()));
  EXPECT_ERROR(random_affine({.scale_min = 0}), "RandomAffine", "scale");
}

// ---- flips, crop

TEST(Flip, TwiceIsIdentityAndOnceReverses) {
  Tensor img = asymmetric(2, 3, 4);
  Generator gen(0);
  auto h = random_horizontal_flip(1.0), v = random_vertical_flip(1.0);
  Tensor once = (*h)(img, gen);
  EXPECT_EQ(px(once, 1, 2, 0), px(img, 1, 2, 3));
  EXPECT_EQ(px(once, 0, 1, 1), px(img, 0, 1, 2));
  EXPECT_THAT((*h)(once, gen).to_vector(), ElementsAreArray(img.to_vector()));
  Tensor vonce = (*v)(img, gen);
  EXPECT_EQ(px(vonce, 1, 0, 3), px(img, 1, 2, 3));
  EXPECT_THAT((*v)(vonce, gen).to_vector(), ElementsAreArray(img.to_vector()));
  // p = 0 never flips; p = 0.5 flips about half the time.
  EXPECT_THAT((*random_horizontal_flip(0.0))(img, gen).to_vector(),
              ElementsAreArray(img.to_vector()));
  int flipped = 0;
  auto half = random_horizontal_flip();
  for (int i = 0; i < 400; ++i) flipped += (*half)(img, gen).to_vector() != img.to_vector();
  EXPECT_GT(flipped, 140);
  EXPECT_LT(flipped, 260);
  EXPECT_EQ(half->repr(), "RandomHorizontalFlip(p=0.5)");
  EXPECT_EQ(random_vertical_flip(0.25)->repr(), "RandomVerticalFlip(p=0.25)");
}

TEST(RandomCrop, PaddingShiftsTheContentWithZerosAround) {
  const int64_t H = 6, P = 2;
  auto crop = random_crop(6, P);
  std::set<std::pair<int64_t, int64_t>> offsets;
  Tensor img = asymmetric(2, H, H);  // no zero pixel
  for (uint64_t seed = 0; seed < 300; ++seed) {
    Generator gen(seed);
    Tensor out = (*crop)(img, gen);
    ASSERT_EQ(out.shape(), (Shape{2, H, H}));
    // The output is the input shifted by one (dy, dx) in [-P, P]², zeros elsewhere.
    bool found = false;
    for (int64_t dy = -P; dy <= P && !found; ++dy)
      for (int64_t dx = -P; dx <= P && !found; ++dx) {
        bool match = true;
        for (int64_t c = 0; c < 2 && match; ++c)
          for (int64_t y = 0; y < H && match; ++y)
            for (int64_t x = 0; x < H && match; ++x) {
              const int64_t sy = y + dy, sx = x + dx;
              const float want = (sy >= 0 && sy < H && sx >= 0 && sx < H) ? px(img, c, sy, sx) : 0;
              match = px(out, c, y, x) == want;
            }
        if (match) {
          offsets.insert({dy, dx});
          found = true;
        }
      }
    EXPECT_TRUE(found) << "seed " << seed;
  }
  EXPECT_EQ(offsets.size(), 25u);  // every offset is drawn
  EXPECT_EQ(crop->repr(), "RandomCrop(size=6, padding=2)");
}

TEST(RandomCrop, WithoutPaddingCutsAWindow) {
  Tensor img = asymmetric(1, 10, 10);
  Generator gen(3);
  Tensor out = (*random_crop(4))(img, gen);
  ASSERT_EQ(out.shape(), (Shape{1, 4, 4}));
  // The window's top-left pixel tells where it is; the rest must follow.
  const auto first = static_cast<int64_t>(std::lround((px(out, 0, 0, 0) - 1.0) * 100.0));
  const int64_t top = first / 10, left = first % 10;
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t x = 0; x < 4; ++x) EXPECT_EQ(px(out, 0, y, x), px(img, 0, top + y, left + x));
  EXPECT_ERROR((*random_crop(11))(img, gen), "RandomCrop", "smaller than the crop size 11");
}

// ---- pixel transforms

TEST(Normalize, PerChannelAndBroadcast) {
  Tensor img =
      make_image(2, 1, 2, [](int64_t c, int64_t, int64_t x) { return 0.5 * c + 0.25 * x; });
  Generator gen;
  Tensor out = (*normalize({0.5, 0.25}, {0.5, 0.25}))(img, gen);
  EXPECT_THAT(out.to_vector(), ElementsAreArray({-1.0, -0.5, 1.0, 2.0}));
  Tensor one = (*normalize({0.25}, {0.5}))(img, gen);
  EXPECT_THAT(one.to_vector(), ElementsAreArray({-0.5, 0.0, 0.5, 1.0}));
  EXPECT_ERROR((*normalize({0.1, 0.2, 0.3}, {1}))(img, gen), "Normalize", "[2, 1, 2]");
  EXPECT_ERROR(normalize({0.5}, {0}), "Normalize", "std");
  EXPECT_EQ(normalize({0.1307}, {0.3081})->repr(), "Normalize(mean=[0.1307], std=[0.3081])");
}

TEST(Noise, AdditiveAndMultiplicativeStatistics) {
  const int64_t S = 200;  // 40,000 samples: the mean's std is 0.1/200 = 5e-4
  Tensor img = full({1, S, S}, 0.5);
  Generator gen(11);
  auto stats = [](const std::vector<double>& d) {
    double mean = 0, sq = 0;
    for (double v : d) mean += v;
    mean /= static_cast<double>(d.size());
    for (double v : d) sq += (v - mean) * (v - mean);
    return std::pair{mean, std::sqrt(sq / static_cast<double>(d.size()))};
  };
  std::vector<double> added = (*gaussian_noise(0.1))(img, gen).to_vector();
  for (double& v : added) v -= 0.5;  // x + N(0, 0.1²)
  auto [m1, s1] = stats(added);
  EXPECT_NEAR(m1, 0.0, 0.003);
  EXPECT_NEAR(s1, 0.1, 0.003);
  // Gaussian, not just any noise of that spread: 68.3% within one σ, 95.4% within two.
  const auto within = [&](double k) {
    return static_cast<double>(std::count_if(added.begin(), added.end(),
                                             [&](double v) { return std::abs(v) < k * 0.1; })) /
           static_cast<double>(added.size());
  };
  EXPECT_NEAR(within(1), 0.6827, 0.01);
  EXPECT_NEAR(within(2), 0.9545, 0.006);
  std::vector<double> factor = (*multiplicative_noise(0.2))(img, gen).to_vector();
  for (double& v : factor) v /= 0.5;  // x · N(1, 0.2²)
  auto [m2, s2] = stats(factor);
  EXPECT_NEAR(m2, 1.0, 0.006);
  EXPECT_NEAR(s2, 0.2, 0.006);
  EXPECT_EQ(gaussian_noise(0.1)->repr(), "GaussianNoise(std=0.1)");
  EXPECT_EQ(multiplicative_noise(0.3)->repr(), "MultiplicativeNoise(std=0.3)");
}

TEST(Thicken, OnePixelBecomesABlock) {
  Tensor img = zeros({2, 7, 7});
  img.data_ptr<float>()[3 * 7 + 3] = 1;       // channel 0, centre
  img.data_ptr<float>()[49 + 0 * 7 + 6] = 2;  // channel 1, top-right corner
  Generator gen;
  Tensor out = (*thicken(1.0))(img, gen);
  for (int64_t y = 0; y < 7; ++y)
    for (int64_t x = 0; x < 7; ++x) {
      const bool centre = std::abs(y - 3) <= 1 && std::abs(x - 3) <= 1;
      const bool corner = y <= 1 && x >= 5;
      EXPECT_EQ(px(out, 0, y, x), centre ? 1.0f : 0.0f) << y << " " << x;
      EXPECT_EQ(px(out, 1, y, x), corner ? 2.0f : 0.0f) << y << " " << x;
    }
  EXPECT_THAT((*thicken(0.0))(img, gen).to_vector(), ElementsAreArray(img.to_vector()));
  EXPECT_EQ(thicken()->repr(), "Thicken(p=0.5)");
}

TEST(ColorJitter, BrightnessScalesAndContrastKeepsTheMean) {
  Tensor img =
      make_image(1, 4, 4, [](int64_t, int64_t y, int64_t x) { return 0.3 + 0.02 * (y * 4 + x); });
  const std::vector<double> in = img.to_vector();
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Generator gen(seed);
    const std::vector<double> b = (*color_jitter(0.2, 0))(img, gen).to_vector();
    const double ratio = b[5] / in[5];
    EXPECT_GE(ratio, 0.8 - 1e-6);
    EXPECT_LE(ratio, 1.2 + 1e-6);
    for (size_t i = 0; i < in.size(); ++i) EXPECT_NEAR(b[i], in[i] * ratio, 1e-5);
    const std::vector<double> c = (*color_jitter(0, 0.5))(img, gen).to_vector();
    double mean_in = 0, mean_out = 0;
    for (size_t i = 0; i < in.size(); ++i) mean_in += in[i], mean_out += c[i];
    EXPECT_NEAR(mean_out, mean_in, 1e-4);
  }
  EXPECT_EQ(color_jitter(0.2, 0)->repr(), "ColorJitter(brightness=(0.8, 1.2), contrast=None)");
}

TEST(RandomErasing, ErasesOneRectangleInsideTheImage) {
  const int64_t H = 32, W = 24;
  Tensor img = ones({3, H, W});
  const ErasingOptions o{.p = 1, .scale_min = 0.05, .scale_max = 0.2, .value = 0.25};
  auto erase = random_erasing(o);
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Generator gen(seed);
    Tensor out = (*erase)(img, gen);
    int64_t y0 = H, y1 = -1, x0 = W, x1 = -1, count = 0;
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x) {
        if (px(out, 0, y, x) == 1.0f) continue;
        EXPECT_EQ(px(out, 0, y, x), 0.25f);
        for (int64_t c = 1; c < 3; ++c) EXPECT_EQ(px(out, c, y, x), px(out, 0, y, x));
        y0 = std::min(y0, y), y1 = std::max(y1, y), x0 = std::min(x0, x), x1 = std::max(x1, x);
        ++count;
      }
    ASSERT_GT(count, 0) << "seed " << seed;
    const int64_t h = y1 - y0 + 1, w = x1 - x0 + 1;
    EXPECT_EQ(count, h * w);  // one filled rectangle
    EXPECT_LT(h, H);
    EXPECT_LT(w, W);
    // h·w = round(√(a·r))·round(√(a/r)) for an area a in [0.05, 0.2]·H·W and
    // r in [0.3, 3.3]: rounding each side moves the area by < √(a·r) + √(a/r) + 1/4.
    const double lo = 0.05 * H * W, hi = 0.2 * H * W;
    const double slack = std::sqrt(hi * 3.3) + std::sqrt(hi / 0.3) + 0.25;
    EXPECT_GE(static_cast<double>(count), lo - slack);
    EXPECT_LE(static_cast<double>(count), hi + slack);
  }
  // Cutout: square boxes.
  auto cutout = parse_transforms("cutout:p=1", 32);
  Generator gen(5);
  const std::vector<double> v = (*cutout)(ones({1, 32, 32}), gen).to_vector();
  const auto zeros_count = std::count(v.begin(), v.end(), 0.0);
  const auto side = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(zeros_count))));
  EXPECT_EQ(side * side, zeros_count);
  EXPECT_EQ(random_erasing()->repr(),
            "RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0.0)");
}

TEST(Transforms, RejectWhatIsNotAnF32Image) {
  Generator gen;
  EXPECT_ERROR((*random_crop(28, 2))(zeros({28, 28}), gen), "RandomCrop", "f32 (C, H, W)",
               "[28, 28]");
  EXPECT_ERROR((*thicken(1))(zeros({1, 4, 4}, kFloat64), gen), "Thicken", "float64");
  EXPECT_ERROR(random_horizontal_flip(1.5), "RandomHorizontalFlip", "p must be in [0, 1]");
  // A strided view is accepted (copied first).
  Tensor t = asymmetric(1, 4, 6).transpose(1, 2);
  Tensor out = (*random_horizontal_flip(0))(t, gen);
  EXPECT_THAT(out.to_vector(), ElementsAreArray(t.to_vector()));
}

TEST(Compose, AppliesInOrderAndPrintsLikeTorchvision) {
  Compose c({random_crop(4, 0), random_horizontal_flip(1)});
  Tensor img = asymmetric(1, 4, 4);
  Generator gen;
  Tensor out = c(img, gen);
  EXPECT_EQ(px(out, 0, 1, 0), px(img, 0, 1, 3));
  EXPECT_EQ(c.repr(),
            "Compose(\n    RandomCrop(size=4, padding=0)\n    RandomHorizontalFlip(p=1.0)\n)");
  EXPECT_ERROR(Compose({nullptr}), "Compose", "null");
}

// ---- parse_transforms

TEST(ParseTransforms, DocumentedExamples) {
  auto t = parse_transforms(
      "crop:padding=2,flip,affine:degrees=10:translate=0.1,noise:std=0.1,erasing", 28);
  auto compose = std::dynamic_pointer_cast<const Compose>(t);
  ASSERT_NE(compose, nullptr);
  ASSERT_EQ(compose->transforms().size(), 5u);
  EXPECT_EQ(compose->transforms()[0]->repr(), "RandomCrop(size=28, padding=2)");
  EXPECT_EQ(compose->transforms()[1]->repr(), "RandomHorizontalFlip(p=0.5)");
  EXPECT_EQ(compose->transforms()[2]->repr(),
            "RandomAffine(degrees=[-10.0, 10.0], translate=(0.1, 0.1), interpolation=bilinear)");
  EXPECT_EQ(compose->transforms()[3]->repr(), "GaussianNoise(std=0.1)");
  EXPECT_THAT(compose->transforms()[4]->repr(), HasSubstr("RandomErasing(p=0.5"));
  Generator gen;
  EXPECT_EQ((*t)(asymmetric(1, 28, 28), gen).shape(), (Shape{1, 28, 28}));

  EXPECT_EQ(parse_transforms("crop", 32)->repr(), "RandomCrop(size=32, padding=4)");
  EXPECT_EQ(parse_transforms(" flip:p=0.3 ", 32)->repr(), "RandomHorizontalFlip(p=0.3)");
  EXPECT_EQ(
      parse_transforms("vflip,thicken:p=1,mulnoise:std=0.2,jitter:brightness=0.1", 28)->repr(),
      "Compose(\n    RandomVerticalFlip(p=0.5)\n    Thicken(p=1.0)\n    "
      "MultiplicativeNoise(std=0.2)\n    ColorJitter(brightness=(0.9, 1.1), contrast=(0.8, "
      "1.2))\n)");
  EXPECT_EQ(parse_transforms("affine:scale=0.1", 28)->repr(),
            "RandomAffine(degrees=[-0.0, 0.0], scale=(0.9, 1.1), interpolation=bilinear)");
  EXPECT_EQ(parse_transforms("normalize:mean=0.49/0.48/0.45:std=0.25", 32)->repr(),
            "Normalize(mean=[0.49, 0.48, 0.45], std=[0.25])");
  EXPECT_EQ(parse_transforms("", 28), nullptr);
  EXPECT_EQ(parse_transforms("none", 28), nullptr);
}

TEST(ParseTransforms, ErrorsNameWhatIsKnown) {
  const std::string unknown = testing::error_message([] { parse_transforms("crop,blur", 28); });
  for (const char* known : {"'blur'", "crop(padding, size)", "flip(p)", "vflip(p)",
                            "affine(degrees, translate, scale, scale_min, scale_max, shear)",
                            "jitter(brightness, contrast)", "noise(std)", "mulnoise(std)",
                            "thicken(p)", "erasing(", "cutout(", "normalize(mean, std)"})
    EXPECT_THAT(unknown, HasSubstr(known));
  EXPECT_ERROR(parse_transforms("crop:pad=2", 28), "crop has no argument 'pad'",
               "its arguments: padding, size");
  EXPECT_ERROR(parse_transforms("noise:std=abc", 28), "'abc' is not a number");
  EXPECT_ERROR(parse_transforms("noise:0.1", 28), "'0.1' is not name=value");
  EXPECT_ERROR(parse_transforms("crop:padding=1.5", 28), "padding must be an integer");
  EXPECT_ERROR(parse_transforms("flip,,crop", 28), "empty transform");
  EXPECT_ERROR(parse_transforms("flip:p=0.1:p=0.2", 28), "p is given twice");
  EXPECT_ERROR(parse_transforms("flip:p=0.1/0.2", 28), "p takes one number");
  EXPECT_ERROR(parse_transforms("normalize:mean=0.5", 28), "normalize needs mean= and std=");
  EXPECT_ERROR(parse_transforms("flip:p=2", 28), "p must be in [0, 1]");
}

// ---- batch transforms

TEST(Mixup, ConvexMixOfTheBatchAndItsPermutation) {
  const int64_t N = 6, K = 8;
  Tensor x = rand({N, 1, 3, 3});
  Tensor y = tensor(std::vector<int64_t>{0, 1, 2, 3, 4, 5});
  Generator gen(4);
  auto [mx, my] = mixup(x, y, K, 0.4, gen);
  ASSERT_EQ(mx.shape(), x.shape());
  ASSERT_EQ(my.shape(), (Shape{N, K}));
  EXPECT_EQ(my.dtype(), kFloat32);
  // Targets are distinct, so row i is λ·e_i + (1-λ)·e_j: read j and λ from it.
  double lambda = -1;
  std::set<int64_t> partners;
  for (int64_t i = 0; i < N; ++i) {
    double sum = 0;
    int64_t j = i;
    for (int64_t k = 0; k < K; ++k) {
      sum += my.at({i, k});
      if (k != i && my.at({i, k}) > 0) j = k;
    }
    EXPECT_NEAR(sum, 1.0, 1e-6);
    partners.insert(j);
    if (j != i) {
      const double l = my.at({i, i});
      if (lambda < 0) lambda = l;
      EXPECT_NEAR(l, lambda, 1e-6);  // one λ for the batch
      EXPECT_NEAR(my.at({i, j}), 1 - lambda, 1e-6);
    }
    for (int64_t p = 0; p < 9; ++p) {
      const double want = lambda < 0 || j == i ? x.at({i, 0, p / 3, p % 3})
                                               : lambda * x.at({i, 0, p / 3, p % 3}) +
                                                     (1 - lambda) * x.at({j, 0, p / 3, p % 3});
      EXPECT_NEAR(mx.at({i, 0, p / 3, p % 3}), want, 1e-6);
    }
  }
  EXPECT_EQ(partners.size(), static_cast<size_t>(N));  // j is a permutation
  EXPECT_GT(lambda, 0);
  EXPECT_LT(lambda, 1);
  EXPECT_ERROR(mixup(x, tensor(std::vector<int64_t>{0, 1, 2, 3, 4, 9}), 8, 0.4, gen), "mixup",
               "target 9 of example 5", "8 classes");
  EXPECT_ERROR(mixup(x, y, K, 0, gen), "alpha must be positive");
}

TEST(Mixup, LambdaIsBetaDistributed) {
  // Beta(α, α) has mean 1/2 and variance 1/(4(2α+1)): 1/8 for α = 0.5 (a
  // smaller α puts λ so close to 0 or 1 that f32 targets cannot show it).
  // With two examples, λ shows as y[0][0] whenever the permutation swaps them.
  Generator gen(9);
  Tensor x = zeros({2, 1}), y = tensor(std::vector<int64_t>{0, 1});
  std::vector<double> lambdas;
  for (int i = 0; i < 4000; ++i) {
    auto [mx, my] = mixup(x, y, 2, 0.5, gen);
    if (my.at({0, 1}) > 0) lambdas.push_back(my.at({0, 0}));
  }
  ASSERT_GT(lambdas.size(), 1500u);
  double mean = 0, var = 0;
  for (double l : lambdas) mean += l;
  mean /= static_cast<double>(lambdas.size());
  for (double l : lambdas) var += (l - mean) * (l - mean);
  var /= static_cast<double>(lambdas.size());
  EXPECT_NEAR(mean, 0.5, 0.03);
  EXPECT_NEAR(var, 0.125, 0.01);
}

TEST(CutMix, PastesOneBoxAndMixesTargetsByItsArea) {
  const int64_t N = 4, H = 8, W = 10;
  Tensor x = Tensor::empty({N, 2, H, W});
  for (int64_t i = 0; i < N; ++i)
    std::fill_n(x.data_ptr<float>() + i * 2 * H * W, 2 * H * W, static_cast<float>(i + 1));
  Tensor y = tensor(std::vector<int64_t>{0, 1, 2, 3});
  int boxes = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Generator gen(seed);
    auto [mx, my] = cutmix(x, y, 4, 1.0, gen);
    for (int64_t i = 0; i < N; ++i) {
      double row = 0;
      for (int64_t k = 0; k < 4; ++k) row += my.at({i, k});
      EXPECT_NEAR(row, 1.0, 1e-6);
      // Pixels from example j count (1-λ) of the image, and y[i][j] says so.
      std::vector<int64_t> count(N, 0);
      for (int64_t c = 0; c < 2; ++c)
        for (int64_t p = 0; p < H * W; ++p) {
          const float v = mx.data_ptr<float>()[(i * 2 + c) * H * W + p];
          ++count[static_cast<int64_t>(v) - 1];
        }
      for (int64_t k = 0; k < N; ++k)
        EXPECT_NEAR(my.at({i, k}), static_cast<double>(count[k]) / (2.0 * H * W), 1e-6)
            << "seed " << seed << " row " << i << " class " << k;
      boxes += count[i] < 2 * H * W;
    }
  }
  EXPECT_GT(boxes, 0);
  EXPECT_ERROR(cutmix(zeros({4, 10}), y, 4, 1.0, *std::make_unique<Generator>()), "cutmix",
               "[4, 10]");
}

TEST(SmoothLabels, OneHotMixedWithUniform) {
  Tensor s = smooth_labels(tensor(std::vector<int64_t>{2, 0}), 4, 0.1);
  EXPECT_EQ(s.shape(), (Shape{2, 4}));
  const std::vector<double> v = s.to_vector();
  const std::vector<double> want = {0.025, 0.025, 0.925, 0.025, 0.925, 0.025, 0.025, 0.025};
  for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(v[i], want[i], 1e-6);
  EXPECT_ERROR(smooth_labels(tensor(std::vector<int64_t>{4}), 4, 0.1), "out of range");
  EXPECT_ERROR(smooth_labels(zeros({2}), 4, 0.1), "i64 (N)", "float32");
}

}  // namespace
}  // namespace nabla::data
