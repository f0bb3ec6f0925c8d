// Op-table cases: losses. Class-index targets are drawn in [0, C); cases
// with ignored targets set some of them to ignore_index inside both
// expressions. Class weights carry no gradient (PyTorch gives none).
#include <string>

#include "testing/op_table.h"

namespace nabla::testing {
namespace {

const char* const kReductions[] = {"mean", "sum", "none"};

// Targets at flat positions 0, 3, 6, … become `ignored`, so that every
// ignore case ignores some targets whatever is drawn.
Tensor ignore_every_third(const Tensor& t, int64_t ignored = -100) {
  std::vector<double> mask(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < mask.size(); ++i) mask[i] = i % 3 == 0;
  return where(ne(tensor(mask, t.shape()), 0.0), full_like(t, static_cast<double>(ignored)), t);
}
const char* const kIgnoreEveryThird =
    "torch.where(torch.arange(t.numel()).reshape(t.shape) % 3 == 0, torch.full_like(t, -100), t)";

std::vector<OpCase> cases() {
  std::vector<OpCase> c;
  for (std::string r : kReductions) {
    const std::string R = "reduction='" + r + "'";
    // Elementwise regression losses.
    c.push_back({"mse_loss/" + r,
                 "lambda a, b: F.mse_loss(a, b, " + R + ")",
                 {In({3, 4}), In({3, 4})},
                 [r](const Args& x) { return mse_loss(x[0], x[1], r); }});
    c.push_back({"l1_loss/" + r,
                 "lambda a, b: F.l1_loss(a, b, " + R + ")",
                 {In({2, 3, 4}), In({2, 3, 4})},
                 [r](const Args& x) { return l1_loss(x[0], x[1], r); }});
    c.push_back({"smooth_l1_loss/" + r,
                 "lambda a, b: F.smooth_l1_loss(a, b, " + R + ", beta=0.5)",
                 {In({4, 5}), In({4, 5})},
                 [r](const Args& x) { return smooth_l1_loss(x[0], x[1], r, 0.5); }});
    // nll_loss: plain, weighted with ignored targets, (N, C, d).
    c.push_back({"nll_loss/" + r,
                 "lambda x, t: F.nll_loss(x, t, " + R + ")",
                 {In({5, 4}), In({5}, Draw::Index, 4)},
                 [r](const Args& x) { return nll_loss(x[0], x[1], {}, -100, r); }});
    c.push_back(
        {"nll_loss/weight_ignore_" + r,
         "lambda x, t, w: F.nll_loss(x, " + std::string(kIgnoreEveryThird) + ", w, " + R + ")",
         {In({8, 4}), In({8}, Draw::Index, 4), In({4}, Draw::Positive).no_grad()},
         [r](const Args& x) { return nll_loss(x[0], ignore_every_third(x[1]), x[2], -100, r); }});
    c.push_back({"nll_loss/nd_" + r,
                 "lambda x, t: F.nll_loss(x, t, " + R + ")",
                 {In({2, 4, 3, 2}), In({2, 3, 2}, Draw::Index, 4)},
                 [r](const Args& x) { return nll_loss(x[0], x[1], {}, -100, r); }});
    // cross_entropy with class indices.
    c.push_back({"cross_entropy/" + r,
                 "lambda x, t: F.cross_entropy(x, t, " + R + ")",
                 {In({5, 4}), In({5}, Draw::Index, 4)},
                 [r](const Args& x) { return cross_entropy(x[0], x[1], {}, -100, r); }});
    c.push_back(
        {"cross_entropy/weight_ignore_" + r,
         "lambda x, t, w: F.cross_entropy(x, " + std::string(kIgnoreEveryThird) + ", w, " + R + ")",
         {In({8, 4}), In({8}, Draw::Index, 4), In({4}, Draw::Positive).no_grad()},
         [r](const Args& x) {
           return cross_entropy(x[0], ignore_every_third(x[1]), x[2], -100, r);
         }});
    c.push_back({"cross_entropy/smoothing_" + r,
                 "lambda x, t: F.cross_entropy(x, t, " + R + ", label_smoothing=0.2)",
                 {In({5, 4}), In({5}, Draw::Index, 4)},
                 [r](const Args& x) { return cross_entropy(x[0], x[1], {}, -100, r, 0.2); }});
    c.push_back({"cross_entropy/smoothing_ignore_" + r,
                 "lambda x, t: F.cross_entropy(x, " + std::string(kIgnoreEveryThird) + ", " + R +
                     ", label_smoothing=0.1)",
                 {In({8, 4}), In({8}, Draw::Index, 4)},
                 [r](const Args& x) {
                   return cross_entropy(x[0], ignore_every_third(x[1]), {}, -100, r, 0.1);
                 }});
    c.push_back({"cross_entropy/smoothing_weight_ignore_" + r,
                 "lambda x, t, w: F.cross_entropy(x, " + std::string(kIgnoreEveryThird) + ", w, " +
                     R + ", label_smoothing=0.3)",
                 {In({8, 4}), In({8}, Draw::Index, 4), In({4}, Draw::Positive).no_grad()},
                 [r](const Args& x) {
                   return cross_entropy(x[0], ignore_every_third(x[1]), x[2], -100, r, 0.3);
                 }});
    c.push_back({"cross_entropy/nd_smoothing_" + r,
                 "lambda x, t: F.cross_entropy(x, t, " + R + ", label_smoothing=0.1)",
                 {In({2, 4, 3}), In({2, 3}, Draw::Index, 4)},
                 [r](const Args& x) { return cross_entropy(x[0], x[1], {}, -100, r, 0.1); }});
    // cross_entropy with class probabilities.
    c.push_back({"cross_entropy/probs_" + r,
                 "lambda x, t: F.cross_entropy(x, t, " + R + ")",
                 {In({5, 4}), In({5, 4}, Draw::Simplex)},
                 [r](const Args& x) { return cross_entropy(x[0], x[1], {}, -100, r); }});
    c.push_back({"cross_entropy/probs_weight_smoothing_" + r,
                 "lambda x, t, w: F.cross_entropy(x, t, w, " + R + ", label_smoothing=0.2)",
                 {In({5, 4}), In({5, 4}, Draw::Simplex), In({4}, Draw::Positive).no_grad()},
                 [r](const Args& x) { return cross_entropy(x[0], x[1], x[2], -100, r, 0.2); }});
    // (N, C, d): the drawn simplex over the last dim is moved to the class dim.
    c.push_back(
        {"cross_entropy/probs_nd_" + r,
         "lambda x, t: F.cross_entropy(x, t.transpose(1, 2), " + R + ")",
         {In({2, 4, 3}), In({2, 3, 4}, Draw::Simplex)},
         [r](const Args& x) { return cross_entropy(x[0], x[1].transpose(1, 2), {}, -100, r); }});
    // Binary cross-entropy on probabilities and on logits.
    c.push_back({"binary_cross_entropy/" + r,
                 "lambda x, t: F.binary_cross_entropy(x, t, " + R + ")",
                 {In({3, 4}, Draw::Unit), In({3, 4}, Draw::Unit)},
                 [r](const Args& x) { return binary_cross_entropy(x[0], x[1], {}, r); }});
    c.push_back(
        {"binary_cross_entropy/weight_" + r,
         "lambda x, t, w: F.binary_cross_entropy(x, t, w, " + R + ")",
         {In({3, 4}, Draw::Unit), In({3, 4}, Draw::Unit), In({4}, Draw::Positive).no_grad()},
         [r](const Args& x) { return binary_cross_entropy(x[0], x[1], x[2], r); }});
    c.push_back(
        {"bce_with_logits/" + r,
         "lambda x, t: F.binary_cross_entropy_with_logits(x, t, " + R + ")",
         {In({3, 4}), In({3, 4}, Draw::Unit)},
         [r](const Args& x) { return binary_cross_entropy_with_logits(x[0], x[1], {}, r); }});
    c.push_back(
        {"bce_with_logits/weights_" + r,
         "lambda x, t, w, p: F.binary_cross_entropy_with_logits(x, t, w, " + R + ", pos_weight=p)",
         {In({3, 4}), In({3, 4}, Draw::Unit), In({3, 1}, Draw::Positive).no_grad(),
          In({4}, Draw::Positive).no_grad()},
         [r](const Args& x) {
           return binary_cross_entropy_with_logits(x[0], x[1], x[2], r, x[3]);
         }});
    // kl_div: input log-probabilities, target probabilities or log-probabilities.
    c.push_back({"kl_div/" + r,
                 "lambda x, t: F.kl_div(x, t, " + R + ")",
                 {In({3, 4}), In({3, 4}, Draw::Simplex)},
                 [r](const Args& x) { return kl_div(x[0], x[1], r); }});
    c.push_back({"kl_div/log_target_" + r,
                 "lambda x, t: F.kl_div(x, t, " + R + ", log_target=True)",
                 {In({3, 4}), In({3, 4})},
                 [r](const Args& x) { return kl_div(x[0], x[1], r, true); }});
  }

  // Non-contiguous inputs and targets.
  c.push_back({"mse_loss/noncontiguous",
               "lambda a, b: F.mse_loss(a, b)",
               {In({3, 4}).transposed(), In({3, 4}).transposed()},
               [](const Args& x) { return mse_loss(x[0], x[1]); }});
  c.push_back({"l1_loss/noncontiguous",
               "lambda a, b: F.l1_loss(a, b)",
               {In({3, 4}).transposed(), In({3, 4})},
               [](const Args& x) { return l1_loss(x[0], x[1]); }});
  c.push_back({"nll_loss/noncontiguous",
               "lambda x, t: F.nll_loss(x, t)",
               {In({6, 5}).transposed(), In({6}, Draw::Index, 5)},
               [](const Args& x) { return nll_loss(x[0], x[1]); }});
  c.push_back({"cross_entropy/noncontiguous",
               "lambda x, t: F.cross_entropy(x, t)",
               {In({6, 5}).transposed(), In({6}, Draw::Index, 5)},
               [](const Args& x) { return cross_entropy(x[0], x[1]); }});
  c.push_back({"binary_cross_entropy/noncontiguous",
               "lambda x, t: F.binary_cross_entropy(x, t)",
               {In({3, 4}, Draw::Unit).transposed(), In({3, 4}, Draw::Unit)},
               [](const Args& x) { return binary_cross_entropy(x[0], x[1]); }});
  c.push_back({"bce_with_logits/noncontiguous",
               "lambda x, t: F.binary_cross_entropy_with_logits(x, t)",
               {In({3, 4}).transposed(), In({3, 4}, Draw::Unit).transposed()},
               [](const Args& x) { return binary_cross_entropy_with_logits(x[0], x[1]); }});
  c.push_back({"kl_div/noncontiguous",
               "lambda x, t: F.kl_div(x, t, reduction='batchmean')",
               {In({4, 3}).transposed(), In({4, 3}, Draw::Simplex)},
               [](const Args& x) { return kl_div(x[0], x[1], "batchmean"); }});

  // Variants that do not depend on the reduction.
  c.push_back({"smooth_l1_loss/beta0",
               "lambda a, b: F.smooth_l1_loss(a, b, beta=0.0)",
               {In({3, 4}), In({3, 4})},
               [](const Args& x) { return smooth_l1_loss(x[0], x[1], "mean", 0.0); }});
  c.push_back({"smooth_l1_loss/default_beta",
               "lambda a, b: F.smooth_l1_loss(a, b)",
               {In({5, 4}), In({5, 4})},
               [](const Args& x) { return smooth_l1_loss(x[0], x[1]); }});
  // ignore_index inside [0, C): class 2 is ignored.
  c.push_back({"nll_loss/ignore_class",
               "lambda x, t: F.nll_loss(x, torch.where(torch.arange(8) % 3 == 0, 2, t), "
               "ignore_index=2)",
               {In({8, 4}), In({8}, Draw::Index, 4)},
               [](const Args& x) { return nll_loss(x[0], ignore_every_third(x[1], 2), {}, 2); }});
  c.push_back({"nll_loss/nd_weight_ignore",
               "lambda x, t, w: F.nll_loss(x, " + std::string(kIgnoreEveryThird) + ", w)",
               {In({2, 4, 5}), In({2, 5}, Draw::Index, 4), In({4}, Draw::Positive).no_grad()},
               [](const Args& x) { return nll_loss(x[0], ignore_every_third(x[1]), x[2]); }});
  c.push_back({"nll_loss/unbatched",
               "lambda x, t: F.nll_loss(x, t, reduction='none')",
               {In({4}), In({}, Draw::Index, 4)},
               [](const Args& x) { return nll_loss(x[0], x[1], {}, -100, "none"); }});
  c.push_back({"cross_entropy/unbatched_smoothing",
               "lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1)",
               {In({5}), In({}, Draw::Index, 5)},
               [](const Args& x) { return cross_entropy(x[0], x[1], {}, -100, "mean", 0.1); }});
  c.push_back({"cross_entropy/nd_weight_ignore_smoothing",
               "lambda x, t, w: F.cross_entropy(x, " + std::string(kIgnoreEveryThird) +
                   ", w, label_smoothing=0.2)",
               {In({2, 4, 3, 2}), In({2, 3, 2}, Draw::Index, 4), In({4}, Draw::Positive).no_grad()},
               [](const Args& x) {
                 return cross_entropy(x[0], ignore_every_third(x[1]), x[2], -100, "mean", 0.2);
               }});
  c.push_back({"cross_entropy/probs_smoothing",
               "lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1)",
               {In({5, 4}), In({5, 4}, Draw::Simplex)},
               [](const Args& x) { return cross_entropy(x[0], x[1], {}, -100, "mean", 0.1); }});
  c.push_back({"kl_div/batchmean",
               "lambda x, t: F.kl_div(x, t, reduction='batchmean')",
               {In({3, 4}), In({3, 4}, Draw::Simplex)},
               [](const Args& x) { return kl_div(x[0], x[1], "batchmean"); }});
  c.push_back({"kl_div/batchmean_log_target",
               "lambda x, t: F.kl_div(x, t, reduction='batchmean', log_target=True)",
               {In({2, 3, 4}), In({2, 3, 4})},
               [](const Args& x) { return kl_div(x[0], x[1], "batchmean", true); }});
  // Zeros in the target: t·log t is taken as 0 there.
  c.push_back({"kl_div/zero_targets",
               "lambda x, t: F.kl_div(x, torch.where(t > 0.3, t, torch.zeros_like(t)), "
               "reduction='sum')",
               {In({3, 4}), In({3, 4}, Draw::Simplex).no_grad()},
               [](const Args& x) {
                 return kl_div(x[0], where(gt(x[1], 0.3), x[1], zeros_like(x[1])), "sum");
               }});
  // The training-step pattern: logits from a linear layer.
  c.push_back({"cross_entropy/after_linear",
               "lambda x, w, t: F.cross_entropy(x @ w.t(), t)",
               {In({6, 3}), In({5, 3}), In({6}, Draw::Index, 5)},
               [](const Args& x) { return cross_entropy(matmul(x[0], x[1].t()), x[2]); }});
  return c;
}

const bool registered = register_cases(cases());

}  // namespace
}  // namespace nabla::testing
