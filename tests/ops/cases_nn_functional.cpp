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
    // Activation modules and Embedding (PyTorch's modules as the reference)
    {"nn/ReLU",
     "lambda a: torch.nn.ReLU()(a)",
     {In({3, 4})},
     [](const Args& x) { return nn::ReLU()(x[0]); }},
    {"nn/LeakyReLU",
     "lambda a: torch.nn.LeakyReLU(0.2)(a)",
     {In({3, 4}).transposed()},
     [](const Args& x) { return nn::LeakyReLU(0.2)(x[0]); }},
    {"nn/ELU",
     "lambda a: torch.nn.ELU(alpha=0.7)(a)",
     {In({3, 4})},
     [](const Args& x) { return nn::ELU(0.7)(x[0]); }},
    {"nn/GELU_tanh",
     "lambda a: torch.nn.GELU(approximate='tanh')(a)",
     {In({3, 4})},
     [](const Args& x) { return nn::GELU("tanh")(x[0]); }},
    {"nn/SiLU_Sigmoid_Tanh",
     "lambda a: torch.nn.SiLU()(a) + torch.nn.Sigmoid()(a) * torch.nn.Tanh()(a)",
     {In({2, 5})},
     [](const Args& x) { return nn::SiLU()(x[0]) + nn::Sigmoid()(x[0]) * nn::Tanh()(x[0]); }},
    {"nn/Softplus",
     "lambda a: torch.nn.Softplus(beta=2.0, threshold=1.0)(a)",
     {In({3, 4})},
     [](const Args& x) { return nn::Softplus(2.0, 1.0)(x[0]); }},
    {"nn/Softmax_LogSoftmax",
     "lambda a: torch.nn.Softmax(dim=0)(a) * torch.nn.LogSoftmax(dim=1)(a)",
     {In({3, 4})},
     [](const Args& x) { return nn::Softmax(0)(x[0]) * nn::LogSoftmax(1)(x[0]); }},
    {"nn/Embedding",
     "lambda w, i: F.embedding(i, w)",
     {In({6, 3}), In({2, 4}, Draw::Index, 6)},
     [](const Args& x) {
       nn::Embedding emb(6, 3);
       emb.weight = x[0];
       return emb(x[1]);
     }},
    // The padding row's gradient is zero by definition, not the finite
    // difference: compared with PyTorch only.
    {"nn/Embedding_padding",
     "lambda w, i: F.embedding(i, w, padding_idx=4)",
     {In({6, 3}), In({3, 4}, Draw::Index, 6)},
     [](const Args& x) {
       nn::Embedding emb(nn::EmbeddingOptions(6, 3).padding_idx(-2));
       emb.weight = x[0];
       return emb(x[1]);
     },
     1.0,
     /*gradcheck=*/false},
});

}  // namespace
}  // namespace nabla::testing
