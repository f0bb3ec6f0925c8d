#include "nabla/nn/embedding.h"

#include "nabla/autograd/grad_mode.h"
#include "nabla/nn/init.h"
#include "nabla/ops/index.h"

namespace nabla::nn {

namespace {
EmbeddingOptions checked(EmbeddingOptions options) {
  NABLA_CHECK(options.num_embeddings() >= 0 && options.embedding_dim() >= 0,
              "Embedding: sizes must be non-negative, got num_embeddings=",
              options.num_embeddings(), ", embedding_dim=", options.embedding_dim());
  if (auto& idx = options.padding_idx()) {
    const int64_t n = options.num_embeddings();
    NABLA_CHECK(*idx >= -n && *idx < n, "Embedding: padding_idx ", *idx,
                " must be within num_embeddings (", n, ")");
    if (*idx < 0) *idx += n;
  }
  return options;
}
}  // namespace

Embedding::Embedding(const EmbeddingOptions& options)
    : options(checked(options)),
      weight(register_parameter("weight", Tensor::empty({this->options.num_embeddings(),
                                                         this->options.embedding_dim()}))) {
  reset_parameters();
}

void Embedding::reset_parameters() {
  init::normal_(weight);
  if (options.padding_idx()) {
    NoGradGuard no_grad;
    weight.select(0, *options.padding_idx()).fill_(0.0);
  }
}

Tensor Embedding::forward(const Tensor& indices) {
  return embedding(weight, indices, options.padding_idx().value_or(-1));
}

std::string Embedding::extra_repr() const {
  std::string s = detail::concat(options.num_embeddings(), ", ", options.embedding_dim());
  if (options.padding_idx()) s += detail::concat(", padding_idx=", *options.padding_idx());
  return s;
}

}  // namespace nabla::nn
