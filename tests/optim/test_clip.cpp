// clip_grad_norm_ and clip_grad_value_ against torch.nn.utils.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <optional>

#include "nabla/nabla.h"
#include "optim/torch_reference.h"
#include "testing/oracle.h"

namespace nabla::optim {
namespace {

using nabla::testing::compare_values;
using nabla::testing::tensor_json;

// Gradients of three parameters: (3, 4), (5) and none.
std::vector<Tensor> params_with_grads(double scale = 1.0) {
  std::vector<double> g1(12), g2(5);
  for (int i = 0; i < 12; ++i) g1[i] = scale * 2.0 * std::sin(i + 0.5);
  for (int i = 0; i < 5; ++i) g2[i] = scale * 3.0 * std::cos(1.7 * i);
  std::vector<Tensor> P = {zeros({3, 4}, TensorOptions(kFloat64).requires_grad()),
                           zeros({5}, TensorOptions(kFloat64).requires_grad()),
                           zeros({2}, TensorOptions(kFloat64).requires_grad())};
  P[0].set_grad(tensor(g1, {3, 4}, kFloat64));
  P[1].set_grad(tensor(g2, {5}, kFloat64));
  return P;
}

struct Case {
  std::string name;
  std::string torch;  // lambda P: ...
  std::function<std::optional<double>(const std::vector<Tensor>&)> run;
  double scale = 1.0;
};

std::vector<Case> cases() {
  auto norm = [](double max_norm, double type) {
    return [=](const std::vector<Tensor>& P) -> std::optional<double> {
      return clip_grad_norm_(P, max_norm, type);
    };
  };
  return {
      {"norm2", "lambda P: clip_grad_norm_(P, 1.0)", norm(1.0, 2.0)},
      {"norm2_no_clip", "lambda P: clip_grad_norm_(P, 100.0)", norm(100.0, 2.0)},
      {"norm2_small", "lambda P: clip_grad_norm_(P, 0.5)", norm(0.5, 2.0), 1e-3},
      {"norm1", "lambda P: clip_grad_norm_(P, 2.0, norm_type=1)", norm(2.0, 1.0)},
      {"norm3", "lambda P: clip_grad_norm_(P, 1.5, norm_type=3)", norm(1.5, 3.0)},
      {"norm_inf", "lambda P: clip_grad_norm_(P, 0.5, norm_type=math.inf)", norm(0.5, INFINITY)},
      {"value", "lambda P: clip_grad_value_(P, 0.7)",
       [](const std::vector<Tensor>& P) -> std::optional<double> {
         clip_grad_value_(P, 0.7);
         return std::nullopt;
       }},
  };
}

TEST(Clip, FollowsTorch) {
  if (!nabla::testing::torch_available()) GTEST_SKIP() << "PyTorch is not available";
  const auto all = cases();
  nlohmann::json request;
  for (const auto& c : all) {
    const auto P = params_with_grads(c.scale);
    request["clip"]["cases"].push_back(
        {{"name", c.name},
         {"call", c.torch},
         {"grads", {tensor_json(P[0].grad()), tensor_json(P[1].grad()), nullptr}}});
  }
  const auto response = nabla::testing::run_torch_reference(request)["clip"];

  for (const auto& c : all) {
    SCOPED_TRACE(c.name);
    const auto& answer = response.at(c.name);
    ASSERT_FALSE(answer.contains("error")) << answer["error"];
    const auto P = params_with_grads(c.scale);
    const auto before = P[0].grad().to_vector();
    const std::optional<double> total = c.run(P);
    if (answer["total"].is_null()) {
      EXPECT_FALSE(total.has_value());
    } else {
      ASSERT_TRUE(total.has_value());
      EXPECT_NEAR(*total, answer["total"].get<double>(), 1e-12 * answer["total"].get<double>());
    }
    EXPECT_EQ(compare_values(P[0].grad().to_vector(), answer["grads"][0].get<std::vector<double>>(),
                             1e-14, 1e-12),
              "");
    EXPECT_EQ(compare_values(P[1].grad().to_vector(), answer["grads"][1].get<std::vector<double>>(),
                             1e-14, 1e-12),
              "");
    EXPECT_TRUE(answer["grads"][2].is_null());
    EXPECT_FALSE(P[2].grad().defined());
    if (c.name != "norm2_no_clip" && c.name != "norm2_small") {
      EXPECT_NE(P[0].grad().to_vector(), before);  // these cases do clip
    }
  }
}

TEST(Clip, NoGradients) {
  Tensor p = zeros({3}, TensorOptions(kFloat64).requires_grad());
  EXPECT_EQ(clip_grad_norm_({p}, 1.0), 0.0);
  clip_grad_value_({p}, 1.0);
  EXPECT_FALSE(p.grad().defined());
}

TEST(Clip, NonFinite) {
  Tensor p = zeros({3}, TensorOptions(kFloat64).requires_grad());
  p.set_grad(tensor({1.0, NAN, 2.0}, {3}, kFloat64));
  EXPECT_THAT([&] { clip_grad_norm_({p}, 1.0, 2.0, /*error_if_nonfinite=*/true); },
              ::testing::ThrowsMessage<Error>(::testing::HasSubstr("the total norm of order 2")));
  EXPECT_TRUE(std::isnan(clip_grad_norm_({p}, 1.0, INFINITY)));
  EXPECT_THAT([] { clip_grad_norm_({}, 1.0, -1.0); },
              ::testing::ThrowsMessage<Error>(::testing::HasSubstr("norm_type")));
}

TEST(Clip, Float32) {
  Tensor p = zeros({4}, TensorOptions(kFloat32).requires_grad());
  p.set_grad(tensor({3.0, 4.0, 0.0, 0.0}, {4}));
  EXPECT_NEAR(clip_grad_norm_({p}, 1.0), 5.0, 1e-6);
  const auto g = p.grad().to_vector();
  EXPECT_NEAR(g[0], 0.6, 1e-6);
  EXPECT_NEAR(g[1], 0.8, 1e-6);
}

}  // namespace
}  // namespace nabla::optim
