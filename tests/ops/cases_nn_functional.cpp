// Op-table cases for nn modules and nn::functional: the module's forward and
// backward against torch.nn.functional, with the module's parameters taken
// from the case's inputs (assigned by name, as weight tying does).
#include "testing/op_table.h"

namespace nabla::testing {
namespace {

Tensor linear_module(const Tensor& x, const Tensor& w, const Tensor& b) {
  nn::Linear lin(nn::LinearOptions(w.size(1), w.size(0)).bias(b.defined()));
  lin.weight = w;
  lin.bias = b;
  return lin(x);
}

const bool registered = register_cases({
    {"nn/Linear",
     "lambda x, w, b: F.linear(x, w, b)",
     {In({4, 3}), In({5, 3}), In({5})},
     [](const Args& x) { return linear_module(x[0], x[1], x[2]); }},
    {"nn/Linear_batched_noncontiguous",
     "lambda x, w, b: F.linear(x, w, b)",
     {In({2, 3, 4}), In({5, 4}).transposed(), In({5})},
     [](const Args& x) { return linear_module(x[0], x[1], x[2]); }},
    {"nn/Linear_nobias",
     "lambda x, w: F.linear(x, w)",
     {In({4, 3}).transposed(), In({2, 3})},
     [](const Args& x) { return linear_module(x[0], x[1], Tensor()); }},
    {"nn/Sequential_flatten_linear",
     "lambda x, w, b: F.linear(torch.flatten(x, 1), w, b) * 2",
     {In({2, 3, 4}), In({5, 12}), In({5})},
     [](const Args& x) {
       nn::Sequential seq{std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(12, 5),
                          std::make_shared<nn::Identity>()};
       seq.at<nn::Linear>(1)->weight = x[1];
       seq.at<nn::Linear>(1)->bias = x[2];
       return seq(x[0]) * 2.0;
     }},
    {"F/dropout_eval",
     "lambda a: F.dropout(a * 2, 0.5, training=False)",
     {In({3, 4})},
     [](const Args& x) { return F::dropout(x[0] * 2.0, 0.5, /*training=*/false); }},
    {"F/dropout_p0",
     "lambda a: F.dropout(a * 2, 0.0)",
     {In({3, 4}).transposed()},
     [](const Args& x) { return F::dropout(x[0] * 2.0, 0.0); }},
    {"nn/Dropout_eval",
     "lambda a: F.dropout(a * 2, 0.3, training=False)",
     {In({2, 5})},
     [](const Args& x) {
       nn::Dropout drop(0.3);
       drop.eval();
       return drop(x[0] * 2.0);
     }},
});

}  // namespace
}  // namespace nabla::testing
