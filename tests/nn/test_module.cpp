// nn::Module: registration, listings and their names, modes, state_dict
// save/load, conversion, printing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <sstream>

#include "testing/errors.h"

namespace nabla::nn {
namespace {

using ::nabla::testing::error_message;

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> names_of(const std::vector<NamedTensor>& entries) {
  std::vector<std::string> out;
  for (const auto& [name, t] : entries) out.push_back(name);
  return out;
}

std::shared_ptr<Sequential> make_mlp() {
  return std::make_shared<Sequential>(std::make_shared<Linear>(4, 8), std::make_shared<Identity>(),
                                      std::make_shared<Linear>(LinearOptions(8, 3).bias(false)),
                                      std::make_shared<Sequential>(std::make_shared<Linear>(3, 2)));
}

// A module with a parameter, a buffer and a child, registered child first:
// listings still put its own entries before the child's, as PyTorch.
struct Block : Module {
  Block() {
    fc = register_module("fc", std::make_shared<Linear>(3, 3));
    scale = register_parameter("scale", ones({3}));
    register_buffer("running", zeros({3}));
    register_buffer("steps", zeros({}, kInt64));
  }
  Tensor forward(const Tensor& x) override { return (*fc)(x)*scale; }
  std::shared_ptr<Linear> fc;
  Tensor scale;
};

TEST(Module, NamedParametersOfNestedSequential) {
  auto mlp = make_mlp();
  EXPECT_THAT(names_of(mlp->named_parameters()),
              ElementsAre("0.weight", "0.bias", "2.weight", "3.0.weight", "3.0.bias"));
  EXPECT_EQ(mlp->parameters().size(), 5u);
  EXPECT_EQ(mlp->named_parameters()[2].second.shape(), (Shape{3, 8}));
  EXPECT_TRUE(mlp->named_parameters(/*recurse=*/false).empty());

  std::vector<std::string> children;
  for (const auto& [name, m] : mlp->named_children()) children.push_back(name);
  EXPECT_THAT(children, ElementsAre("0", "1", "2", "3"));

  std::vector<std::string> modules;
  for (const auto& [name, m] : mlp->named_modules()) modules.push_back(name + ":" + m->name());
  EXPECT_THAT(modules, ElementsAre(":Sequential", "0:Linear", "1:Identity", "2:Linear",
                                   "3:Sequential", "3.0:Linear"));
  EXPECT_EQ(mlp->modules(/*include_self=*/false).size(), 5u);
}

TEST(Module, OwnEntriesComeBeforeChildren) {
  auto block = std::make_shared<Block>();
  EXPECT_THAT(names_of(block->named_parameters()), ElementsAre("scale", "fc.weight", "fc.bias"));
  EXPECT_THAT(names_of(block->named_buffers()), ElementsAre("running", "steps"));
  EXPECT_THAT(block->state_dict().keys(),
              ElementsAre("scale", "running", "steps", "fc.weight", "fc.bias"));
  Sequential seq{block, std::make_shared<Block>()};
  EXPECT_THAT(seq.state_dict().keys(),
              ElementsAre("0.scale", "0.running", "0.steps", "0.fc.weight", "0.fc.bias", "1.scale",
                          "1.running", "1.steps", "1.fc.weight", "1.fc.bias"));
}

TEST(Module, ForwardHooksSeeEveryCallThroughOperatorCall) {
  auto seq = std::make_shared<Sequential>(std::make_shared<Linear>(3, 4), std::make_shared<ReLU>());
  std::vector<std::string> calls;
  auto record = [&](Module& m, const Tensor& in, const Tensor& out) {
    calls.push_back(m.name() + " " + to_string(in.shape()) + "->" + to_string(out.shape()));
  };
  int64_t outer = seq->register_forward_hook(record);
  for (auto& child : seq->children()) child->register_forward_hook(record);
  (*seq)(zeros({2, 3}));
  EXPECT_THAT(calls, ElementsAre("Linear [2, 3]->[2, 4]", "ReLU [2, 4]->[2, 4]",
                                 "Sequential [2, 3]->[2, 4]"));
  seq->remove_forward_hook(outer);
  calls.clear();
  (*seq)(zeros({2, 3}));
  EXPECT_EQ(calls.size(), 2u);
}

TEST(Module, RegistrationChecks) {
  Module m;
  m.register_parameter("w", zeros({2}));
  EXPECT_THAT(error_message([&] { m.register_buffer("w", zeros({2})); }),
              HasSubstr("'w' is already the name"));
  EXPECT_THAT(error_message([&] { m.register_parameter("a.b", zeros({2})); }),
              HasSubstr("must not contain '.'"));
  EXPECT_THAT(error_message([&] { m.register_module("", std::make_shared<Identity>()); }),
              HasSubstr("must not be empty"));
  Tensor leaf = ones({2}).requires_grad_();
  EXPECT_THAT(error_message([&] { m.register_parameter("v", leaf * 2.0); }),
              HasSubstr("must be a leaf"));
  // A registered parameter requires grad unless told otherwise.
  EXPECT_TRUE(m.named_parameters()[0].second.requires_grad());
  EXPECT_FALSE(m.register_parameter("frozen", zeros({2}), false).requires_grad());
}

TEST(Module, AbsentParameterIsSkipped) {
  Linear lin(LinearOptions(3, 2).bias(false));
  EXPECT_FALSE(lin.bias.defined());
  EXPECT_THAT(names_of(lin.named_parameters()), ElementsAre("weight"));
  EXPECT_THAT(lin.state_dict().keys(), ElementsAre("weight"));
  EXPECT_EQ(lin(ones({5, 3})).shape(), (Shape{5, 2}));
}

TEST(Module, ReplacingAParameterTiesWeights) {
  auto a = std::make_shared<Linear>(4, 3);
  auto b = std::make_shared<Linear>(4, 3);
  Sequential tied{a, b};
  b->register_parameter("weight", a->weight);
  EXPECT_EQ(b->weight.impl(), a->weight.impl());  // the member sees the replacement
  // Listed once (as PyTorch's parameters()), saved under both names.
  EXPECT_THAT(names_of(tied.named_parameters()), ElementsAre("0.weight", "0.bias", "1.bias"));
  EXPECT_THAT(tied.state_dict().keys(), ElementsAre("0.weight", "0.bias", "1.weight", "1.bias"));
  // Both uses accumulate into the one tensor.
  Tensor x = randn({2, 4});
  sum((*a)(x) + (*b)(x)).backward();
  Tensor expected = sum(x, {0}).unsqueeze(0).expand({3, 4}) * 2.0;
  EXPECT_TRUE(allclose(a->weight.grad(), expected, 1e-5, 1e-5));
  // Assigning through the member reference also re-binds the parameter.
  Tensor w = zeros({3, 4}).requires_grad_();
  b->weight = w;
  EXPECT_EQ(b->named_parameters()[0].second.impl(), w.impl());
}

TEST(Module, StateDictRoundTripIntoAFreshModule) {
  manual_seed(1);
  auto src = make_mlp();
  manual_seed(2);
  auto dst = make_mlp();
  Tensor x = randn({5, 4});
  ASSERT_FALSE(allclose((*src)(x), (*dst)(x)));

  StateDict state = src->state_dict();
  EXPECT_EQ(state.keys(), names_of(src->named_parameters()));
  for (const auto& [name, t] : state) EXPECT_FALSE(t.requires_grad()) << name;
  auto result = dst->load_state_dict(state);
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(allclose((*src)(x), (*dst)(x)));
  for (const auto& [name, p] : dst->named_parameters()) {
    EXPECT_TRUE(p.is_leaf() && p.requires_grad()) << name;
    EXPECT_NE(p.storage(), state.at(name).storage()) << name;  // copied, not shared
    EXPECT_EQ(p.to_vector(), state.at(name).to_vector()) << name;
  }
  // The members see the loaded values (the load is in place).
  EXPECT_EQ(dst->at<Linear>(0)->weight.to_vector(), src->at<Linear>(0)->weight.to_vector());
}

TEST(Module, LoadStateDictConvertsDtype) {
  Linear a(3, 2), b(3, 2);
  StateDict state;
  for (const auto& [k, v] : a.state_dict()) state.set(k, v.to(kFloat64));
  b.load_state_dict(state);
  EXPECT_EQ(b.weight.dtype(), kFloat32);
  EXPECT_EQ(b.weight.to_vector(), a.weight.to_vector());
}

TEST(Module, StrictLoadListsEveryProblemAndLoadsNothing) {
  auto model = make_mlp();
  const auto before = model->at<Linear>(0)->weight.to_vector();
  StateDict state = make_mlp()->state_dict();
  StateDict broken;
  for (const auto& [k, v] : state) {
    if (k == "0.bias" || k == "3.0.bias") continue;  // missing
    if (k == "2.weight")
      broken.set(k, zeros({4, 8}));  // wrong shape
    else
      broken.set(k, v);
  }
  broken.set("extra.weight", zeros({1}));  // unexpected
  broken.set("3.1.bias", zeros({1}));      // unexpected

  const std::string msg = error_message([&] { model->load_state_dict(broken); });
  EXPECT_THAT(msg, HasSubstr("load_state_dict"));
  EXPECT_THAT(msg, HasSubstr("Missing key(s) in state_dict: \"0.bias\", \"3.0.bias\""));
  EXPECT_THAT(msg, HasSubstr("Unexpected key(s) in state_dict: \"extra.weight\", \"3.1.bias\""));
  EXPECT_THAT(msg, HasSubstr("2.weight"));
  EXPECT_THAT(msg, HasSubstr("[4, 8]"));
  EXPECT_THAT(msg, HasSubstr("[3, 8]"));
  EXPECT_EQ(model->at<Linear>(0)->weight.to_vector(), before);
}

TEST(Module, NonStrictLoadLoadsWhatMatches) {
  auto model = make_mlp();
  auto other = make_mlp();
  StateDict state;
  state.set("0.weight", other->at<Linear>(0)->weight.detach());
  state.set("2.weight", zeros({1, 1}));
  state.set("unknown", zeros({1}));
  const auto bias_before = model->at<Linear>(0)->bias.to_vector();

  LoadStateDictResult r = model->load_state_dict(state, /*strict=*/false);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.missing_keys, ElementsAre("0.bias", "3.0.weight", "3.0.bias"));
  EXPECT_THAT(r.unexpected_keys, ElementsAre("unknown"));
  ASSERT_EQ(r.shape_mismatches.size(), 1u);
  EXPECT_THAT(r.shape_mismatches[0], HasSubstr("2.weight"));
  EXPECT_EQ(model->at<Linear>(0)->weight.to_vector(), other->at<Linear>(0)->weight.to_vector());
  EXPECT_EQ(model->at<Linear>(0)->bias.to_vector(), bias_before);
  EXPECT_EQ(model->at<Linear>(2)->weight.shape(), (Shape{3, 8}));
}

TEST(Module, TrainEvalPropagates) {
  auto mlp = make_mlp();
  for (const auto& m : mlp->modules()) EXPECT_TRUE(m->is_training());
  mlp->eval();
  for (const auto& m : mlp->modules()) EXPECT_FALSE(m->is_training());
  mlp->at<Sequential>(3)->train();
  EXPECT_FALSE(mlp->is_training());
  EXPECT_TRUE(mlp->at<Sequential>(3)->ptr(0)->is_training());
  mlp->train();
  for (const auto& m : mlp->modules()) EXPECT_TRUE(m->is_training());
}

TEST(Module, ZeroGradSetsGradientsToUndefined) {
  auto mlp = make_mlp();
  sum((*mlp)(randn({2, 4}))).backward();
  for (const auto& p : mlp->parameters()) EXPECT_TRUE(p.grad().defined());
  mlp->zero_grad();
  for (const auto& p : mlp->parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Module, ToFloat64ConvertsInPlace) {
  auto block = std::make_shared<Block>();
  sum((*block)(randn({2, 3}))).backward();
  const Tensor weight_handle = block->fc->weight;
  const auto values = weight_handle.to_vector();

  block->to(kFloat64);
  EXPECT_EQ(weight_handle.dtype(), kFloat64);  // the same tensor object, converted
  EXPECT_EQ(weight_handle.impl(), block->fc->weight.impl());
  EXPECT_EQ(weight_handle.to_vector(), values);
  for (const auto& [name, p] : block->named_parameters()) {
    EXPECT_EQ(p.dtype(), kFloat64) << name;
    EXPECT_TRUE(p.is_leaf() && p.requires_grad()) << name;
    EXPECT_EQ(p.grad().dtype(), kFloat64) << name;
  }
  // Floating buffers convert, integer ones stay.
  EXPECT_EQ(block->state_dict().at("running").dtype(), kFloat64);
  EXPECT_EQ(block->state_dict().at("steps").dtype(), kInt64);

  block->zero_grad();
  Tensor y = (*block)(randn({2, 3}, kFloat64));
  EXPECT_EQ(y.dtype(), kFloat64);
  sum(y).backward();
  EXPECT_EQ(block->fc->weight.grad().dtype(), kFloat64);
  EXPECT_THAT(error_message([&] { block->to(kInt64); }), HasSubstr("floating-point"));
}

TEST(Module, DefaultForwardSaysTheModuleTakesOtherInputs) {
  struct PairLoss : Module {
    Tensor forward(const Tensor& a, const Tensor& b) { return mse_loss(a, b); }
    using Module::forward;
  };
  PairLoss loss;
  EXPECT_THAT(error_message([&] { loss(zeros({2})); }), HasSubstr("PairLoss: forward"));
  EXPECT_THAT(error_message([&] { loss.named_modules(); }), HasSubstr("std::shared_ptr"));
}

TEST(Module, ApplyVisitsChildrenThenSelf) {
  auto mlp = make_mlp();
  std::vector<std::string> visited;
  mlp->apply([&](Module& m) { visited.push_back(m.name()); });
  EXPECT_THAT(visited,
              ElementsAre("Linear", "Identity", "Linear", "Linear", "Sequential", "Sequential"));
}

TEST(Module, PrintsLikePyTorch) {
  auto inner =
      std::make_shared<Sequential>(std::make_shared<Identity>(), std::make_shared<Flatten>(0, 2));
  Sequential model{std::make_shared<Linear>(784, 256), std::make_shared<Dropout>(0.2),
                   std::make_shared<Flatten>(), inner};
  std::ostringstream os;
  os << model;
  EXPECT_EQ(os.str(),
            "Sequential(\n"
            "  (0): Linear(in_features=784, out_features=256, bias=True)\n"
            "  (1): Dropout(p=0.2)\n"
            "  (2): Flatten(start_dim=1, end_dim=-1)\n"
            "  (3): Sequential(\n"
            "    (0): Identity()\n"
            "    (1): Flatten(start_dim=0, end_dim=2)\n"
            "  )\n"
            ")");
  // A user-defined module prints under its class name, without namespaces.
  EXPECT_THAT(Block().repr(), HasSubstr("Block(\n  (fc): Linear(in_features=3"));
}

TEST(Module, FormatsFloatsAsPython) {
  EXPECT_EQ(format_double(1.0), "1.0");
  EXPECT_EQ(format_double(0.01), "0.01");
  EXPECT_EQ(format_double(0.2), "0.2");
  EXPECT_EQ(format_double(-20.0), "-20.0");
  EXPECT_EQ(format_double(1e-5), "1e-05");
}

}  // namespace
}  // namespace nabla::nn
