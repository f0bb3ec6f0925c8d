// Embedding: a lookup table of num_embeddings vectors of size embedding_dim.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "nabla/nn/module.h"
#include "nabla/nn/options.h"

namespace nabla::nn {

struct EmbeddingOptions {
  EmbeddingOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  NABLA_ARG(int64_t, num_embeddings);
  NABLA_ARG(int64_t, embedding_dim);
  // The row that stays zero and gets no gradient; negative counts from the end.
  NABLA_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
};

// indices (…) i64 → (…, embedding_dim). weight starts as N(0, 1) with the
// padding row zeroed, as PyTorch.
class Embedding : public Module {
 public:
  explicit Embedding(const EmbeddingOptions& options);
  Embedding(int64_t num_embeddings, int64_t embedding_dim,
            std::optional<int64_t> padding_idx = std::nullopt)
      : Embedding(EmbeddingOptions(num_embeddings, embedding_dim).padding_idx(padding_idx)) {}

  void reset_parameters();
  Tensor forward(const Tensor& indices) override;
  std::string extra_repr() const override;

  EmbeddingOptions options;  // padding_idx is stored non-negative
  Tensor& weight;            // (num_embeddings, embedding_dim)
};

}  // namespace nabla::nn
