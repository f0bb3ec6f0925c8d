// Op-table cases: joining, splitting and indexing. Index inputs are drawn in
// [0, size of the indexed dim) and take no gradient.
#include "testing/op_table.h"

namespace nabla::testing {
namespace {

// Each piece scaled by its position + 1 and joined again, so every piece's
// gradient is checked (and told apart).
Tensor scaled_cat(const std::vector<Tensor>& pieces, int64_t dim) {
  std::vector<Tensor> scaled;
  for (size_t i = 0; i < pieces.size(); ++i)
    scaled.push_back(pieces[i] * static_cast<double>(i + 1));
  return cat(scaled, dim);
}
const bool registered = register_cases({
    // Joining
    {"cat/dim0",
     "lambda a, b, c: torch.cat([a, b, c], 0)",
     {In({2, 3}), In({4, 3}), In({1, 3})},
     [](const Args& x) {
       return cat({x[0], x[1], x[2]}, 0);
     }},
    {"cat/dim1_noncontiguous",
     "lambda a, b, c: torch.cat([a, b, c], 1)",
     {In({3, 2}), In({3, 4}).transposed(), In({3, 1})},
     [](const Args& x) {
       return cat({x[0], x[1], x[2]}, 1);
     }},
    {"cat/dim_last_3d",
     "lambda a, b: torch.cat([a, b], -1)",
     {In({2, 3, 2}), In({2, 3, 4})},
     [](const Args& x) {
       return cat({x[0], x[1]}, -1);
     }},
    {"cat/same_input_twice",
     "lambda a, b: torch.cat([a, b, a], 0) * 2",
     {In({2, 3}), In({1, 3})},
     [](const Args& x) {
       return cat({x[0], x[1], x[0]}, 0) * 2.0;
     }},
    {"stack/dim0",
     "lambda a, b, c: torch.stack([a, b, c], 0)",
     {In({2, 3}), In({2, 3}), In({2, 3})},
     [](const Args& x) {
       return stack({x[0], x[1], x[2]}, 0);
     }},
    {"stack/dim_last_noncontiguous",
     "lambda a, b: torch.stack([a, b], -1)",
     {In({3, 4}).transposed(), In({3, 4})},
     [](const Args& x) {
       return stack({x[0], x[1]}, -1);
     }},
    // Splitting: views whose gradients flow back
    {"split/size",
     "lambda a: torch.cat([p * (i + 1) for i, p in enumerate(torch.split(a, 2, 1))], 1)",
     {In({3, 5})},
     [](const Args& x) { return scaled_cat(split(x[0], 2, 1), 1); }},
    {"split/sizes",
     "lambda a: torch.cat([p * (i + 1) for i, p in enumerate(torch.split(a, [1, 3, 2], 0))], 0)",
     {In({6, 3})},
     [](const Args& x) {
       return scaled_cat(split(x[0], std::vector<int64_t>{1, 3, 2}, 0), 0);
     }},
    {"split/second_piece",
     "lambda a: torch.split(a, 2, 0)[1] * 3",
     {In({5, 2}).transposed()},
     [](const Args& x) { return split(x[0], 2, 0)[1] * 3.0; }},
    {"chunk/uneven",
     "lambda a: torch.cat([p * (i + 1) for i, p in enumerate(torch.chunk(a, 3, -1))], -1)",
     {In({2, 7})},
     [](const Args& x) { return scaled_cat(chunk(x[0], 3, -1), -1); }},
    {"chunk/even_noncontiguous",
     "lambda a: torch.cat([p * (i + 1) for i, p in enumerate(torch.chunk(a, 2, 0))], 0)",
     {In({4, 3}).transposed()},
     [](const Args& x) { return scaled_cat(chunk(x[0], 2, 0), 0); }},
    // Indexing
    {"gather/dim0",
     "lambda a, i: torch.gather(a, 0, i)",
     {In({4, 3}), In({5, 3}, Draw::Index, 4).no_grad()},
     [](const Args& x) { return gather(x[0], 0, x[1]); }},
    {"gather/dim1_smaller_index",
     "lambda a, i: torch.gather(a, 1, i)",
     {In({3, 5}), In({2, 4}, Draw::Index, 5).no_grad()},
     [](const Args& x) { return gather(x[0], 1, x[1]); }},
    {"gather/noncontiguous_3d",
     "lambda a, i: torch.gather(a, -1, i)",
     {In({2, 3, 4}).transposed(), In({2, 2, 6}, Draw::Index, 4).no_grad()},
     [](const Args& x) { return gather(x[0], -1, x[1]); }},
    {"scatter_add/dim0",
     "lambda a, i, s: torch.scatter_add(a, 0, i, s)",
     {In({4, 3}), In({6, 3}, Draw::Index, 4).no_grad(), In({6, 3})},
     [](const Args& x) { return scatter_add(x[0], 0, x[1], x[2]); }},
    {"scatter_add/dim1_noncontiguous",
     "lambda a, i, s: torch.scatter_add(a, 1, i, s)",
     {In({3, 4}).transposed(), In({3, 6}, Draw::Index, 4).no_grad(), In({3, 6}).transposed()},
     [](const Args& x) { return scatter_add(x[0], 1, x[1], x[2]); }},
    {"scatter_add/smaller_index",
     "lambda a, i, s: torch.scatter_add(a, 1, i, s)",
     {In({3, 4}), In({2, 3}, Draw::Index, 4).no_grad(), In({2, 3})},
     [](const Args& x) { return scatter_add(x[0], 1, x[1], x[2]); }},
    {"index_select/dim0",
     "lambda a, i: torch.index_select(a, 0, i)",
     {In({5, 3}), In({7}, Draw::Index, 5).no_grad()},
     [](const Args& x) { return index_select(x[0], 0, x[1]); }},
    {"index_select/dim1_noncontiguous",
     "lambda a, i: torch.index_select(a, 1, i)",
     {In({3, 4}).transposed(), In({6}, Draw::Index, 4).no_grad()},
     [](const Args& x) { return index_select(x[0], 1, x[1]); }},
    {"index_select/dim_last_3d",
     "lambda a, i: torch.index_select(a, -1, i)",
     {In({2, 3, 4}), In({3}, Draw::Index, 4).no_grad()},
     [](const Args& x) { return index_select(x[0], -1, x[1]); }},
    {"masked_fill",
     "lambda a, m: a.masked_fill(m, -2.5)",
     {In({3, 4}), In({3, 4}, Draw::Mask)},
     [](const Args& x) { return masked_fill(x[0], x[1], -2.5); }},
    {"masked_fill/broadcast_mask",
     "lambda a, m: a.masked_fill(m, 0.5)",
     {In({2, 3, 4}), In({4}, Draw::Mask)},
     [](const Args& x) { return masked_fill(x[0], x[1], 0.5); }},
    {"masked_fill/broadcast_input",
     "lambda a, m: a.masked_fill(m, 1.0)",
     {In({3, 1}), In({2, 3, 4}, Draw::Mask)},
     [](const Args& x) { return masked_fill(x[0], x[1], 1.0); }},
    {"masked_fill/noncontiguous",
     "lambda a, m: a.masked_fill(m, 3.0)",
     {In({4, 5}).transposed(), In({4, 5}, Draw::Mask)},
     [](const Args& x) { return masked_fill(x[0], x[1], 3.0); }},
    {"embedding",
     "lambda w, i: F.embedding(i, w)",
     {In({6, 4}), In({2, 5}, Draw::Index, 6).no_grad()},
     [](const Args& x) { return embedding(x[0], x[1]); }},
    // 24 draws from 5 rows: row 2 is among them (the seed is fixed by the
    // name). The padding row's gradient is zero by definition, not the
    // derivative, so finite differences disagree there by design; the
    // PyTorch comparison of the gradient checks it instead.
    {"embedding/padding_idx",
     "lambda w, i: F.embedding(i, w, padding_idx=2)",
     {In({5, 3}), In({4, 6}, Draw::Index, 5).no_grad()},
     [](const Args& x) { return embedding(x[0], x[1], 2); },
     1.0,
     false},
    {"embedding/noncontiguous_weight",
     "lambda w, i: F.embedding(i, w)",
     {In({4, 3}).transposed(), In({7}, Draw::Index, 4).no_grad()},
     [](const Args& x) { return embedding(x[0], x[1]); }},
    // one_hot is not differentiable: its values are compared as float64.
    {"one_hot",
     "lambda i: F.one_hot(i, 6).double()",
     {In({2, 3}, Draw::Index, 5).no_grad()},
     [](const Args& x) { return one_hot(x[0], 6).to(kFloat64); },
     1.0,
     false},
    {"one_hot/infer",
     "lambda i: F.one_hot(i).double()",
     {In({7}, Draw::Index, 4).no_grad()},
     [](const Args& x) { return one_hot(x[0]).to(kFloat64); },
     1.0,
     false},
});

}  // namespace
}  // namespace nabla::testing
