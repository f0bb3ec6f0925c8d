// Op-table cases: pooling. Max pooling draws distinct inputs (finite
// differences are meaningless at ties); indices are compared as doubles
// from an input that takes no gradient.
#include "testing/op_table.h"

namespace nabla::testing {
namespace {

constexpr double kNoTolerance = 1.0;

Tensor as_double(const Tensor& indices) {
  return indices.to(kFloat64);
}

const bool registered = register_cases({
    // ---- max_pool2d
    {"max_pool2d/k2",
     "lambda a: F.max_pool2d(a, 2)",
     {In({2, 3, 6, 6}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool2d(x[0], 2); }},
    // 2×2 stride 2 has kernels of its own: rows of ≥ 8 windows (8-lane
    // steps and an overlapping last step), 4..7 (4-lane), < 4 (scalar), and
    // with ceil_mode the clipped last row and column.
    {"max_pool2d/k2_rows_of_11",
     "lambda a: F.max_pool2d(a, 2)",
     {In({2, 3, 8, 22}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool2d(x[0], 2); }},
    {"max_pool2d/k2_ceil_odd_rows_of_7",
     "lambda a: F.max_pool2d(a, 2, ceil_mode=True)",
     {In({2, 2, 9, 13}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool2d(x[0], 2, 2, 0, 1, true); }},
    {"max_pool2d/k2_floor_odd_rows_of_5",
     "lambda a: F.max_pool2d(a, 2)",
     {In({1, 2, 7, 11}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool2d(x[0], 2); }},
    {"max_pool2d/k2_pad1",
     "lambda a: F.max_pool2d(a, 2, 2, 1)",
     {In({2, 2, 7, 10}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool2d(x[0], 2, 2, 1); }},
    {"max_pool2d/k2_noncontiguous_rows_of_9",
     "lambda a: F.max_pool2d(a, 2)",
     {In({2, 3, 18, 8}, Draw::Distinct).transposed()},
     [](const Args& x) { return F::max_pool2d(x[0], 2); }},
    {"max_pool2d/k3_s1_odd",
     "lambda a: F.max_pool2d(a, 3, 1)",
     {In({1, 2, 5, 7}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool2d(x[0], 3, 1); }},
    {"max_pool2d/k3_s2_pad1",
     "lambda a: F.max_pool2d(a, 3, 2, 1)",
     {In({2, 2, 7, 8}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool2d(x[0], 3, 2, 1); }},
    {"max_pool2d/k2_s1_dilation2",
     "lambda a: F.max_pool2d(a, 2, 1, 0, 2)",
     {In({1, 2, 6, 7}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool2d(x[0], 2, 1, 0, 2); }},
    // Wide rows: the interior windows are vectors' lanes.
    {"max_pool2d/k3_s2_pad1_wide",
     "lambda a: F.max_pool2d(a, 3, 2, 1)",
     {In({2, 2, 7, 36}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool2d(x[0], 3, 2, 1); }},
    {"max_pool2d/k3_s1_pad1_wide",
     "lambda a: F.max_pool2d(a, 3, 1, 1)",
     {In({1, 2, 5, 21}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool2d(x[0], 3, 1, 1); }},
    {"max_pool2d/indices_k3_s2_pad1_wide",
     "lambda a: F.max_pool2d(a, 3, 2, 1, return_indices=True)[1].double()",
     {In({1, 2, 7, 26}, Draw::Distinct).no_grad()},
     [](const Args& x) { return as_double(F::max_pool2d_with_indices(x[0], 3, 2, 1).second); },
     kNoTolerance,
     false},
    {"max_pool2d/k3_s2_pad1_dilation2",
     "lambda a: F.max_pool2d(a, 3, 2, 1, 2)",
     {In({2, 1, 9, 8}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool2d(x[0], 3, 2, 1, 2); }},
    {"max_pool2d/k3_s2_ceil",
     "lambda a: F.max_pool2d(a, 3, 2, ceil_mode=True)",
     {In({2, 2, 8, 6}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool2d(x[0], 3, 2, 0, 1, true); }},
    // ceil_mode with padding: the last window would start in the right
    // padding (6 ≥ 5 + 1) and is dropped, so the output is 3 wide, not 4.
    {"max_pool2d/k2_s2_pad1_ceil_drops_last",
     "lambda a: F.max_pool2d(a, 2, 2, 1, ceil_mode=True)",
     {In({1, 2, 5, 5}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool2d(x[0], 2, 2, 1, 1, true); }},
    {"max_pool2d/k3_s3_ceil",
     "lambda a: F.max_pool2d(a, 3, 3, ceil_mode=True)",
     {In({1, 3, 7, 8}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool2d(x[0], 3, 3, 0, 1, true); }},
    {"max_pool2d/rectangular",
     "lambda a: F.max_pool2d(a, (2, 3), (1, 2), (1, 1))",
     {In({2, 2, 5, 7}, Draw::Distinct)},
     [](const Args& x) {
       return F::max_pool2d(x[0], {2, 3}, Size2{1, 2}, {1, 1});
     }},
    {"max_pool2d/noncontiguous",
     "lambda a: F.max_pool2d(a, 3, 2, 1)",
     {In({2, 3, 6, 7}, Draw::Distinct).transposed()},
     [](const Args& x) { return F::max_pool2d(x[0], 3, 2, 1); }},
    {"max_pool2d/unbatched",
     "lambda a: F.max_pool2d(a, 2, 1)",
     {In({3, 4, 5}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool2d(x[0], 2, 1); }},
    {"max_pool2d/indices",
     "lambda a: F.max_pool2d(a, 3, 2, 1, return_indices=True)[1].double()",
     {In({2, 2, 7, 8}, Draw::Distinct).no_grad()},
     [](const Args& x) { return as_double(F::max_pool2d_with_indices(x[0], 3, 2, 1).second); },
     kNoTolerance,
     false},
    {"max_pool2d/indices_dilation_ceil",
     "lambda a: F.max_pool2d(a, 2, 2, 1, 2, ceil_mode=True, return_indices=True)[1].double()",
     {In({1, 3, 7, 6}, Draw::Distinct).no_grad().transposed()},
     [](const Args& x) {
       return as_double(F::max_pool2d_with_indices(x[0], 2, 2, 1, 2, true).second);
     },
     kNoTolerance,
     false},
    {"max_pool2d/indices_k2_rows_of_9",
     "lambda a: F.max_pool2d(a, 2, return_indices=True)[1].double()",
     {In({2, 2, 6, 19}, Draw::Distinct).no_grad()},
     [](const Args& x) { return as_double(F::max_pool2d_with_indices(x[0], 2).second); },
     kNoTolerance,
     false},
    {"max_pool2d/indices_k2_ceil_rows_of_5",
     "lambda a: F.max_pool2d(a, 2, ceil_mode=True, return_indices=True)[1].double()",
     {In({1, 3, 7, 9}, Draw::Distinct).no_grad()},
     [](const Args& x) {
       return as_double(F::max_pool2d_with_indices(x[0], 2, 2, 0, 1, true).second);
     },
     kNoTolerance,
     false},
    {"max_pool2d/indices_unbatched",
     "lambda a: F.max_pool2d(a, 2, return_indices=True)[1].double()",
     {In({2, 5, 4}, Draw::Distinct).no_grad()},
     [](const Args& x) { return as_double(F::max_pool2d_with_indices(x[0], 2).second); },
     kNoTolerance,
     false},

    // ---- max_unpool2d: SegNet's decoder after the encoder's pooling
    {"max_unpool2d/pool_unpool",
     "lambda a: F.max_unpool2d(*F.max_pool2d(a, 2, return_indices=True), 2)",
     {In({2, 3, 6, 6}, Draw::Distinct)},
     [](const Args& x) {
       auto [values, indices] = F::max_pool2d_with_indices(x[0], 2);
       return F::max_unpool2d(values, indices, 2);
     }},
    {"max_unpool2d/odd_output_size",
     "lambda a: F.max_unpool2d(*F.max_pool2d(a, 2, return_indices=True), 2, output_size=(5, 7))",
     {In({1, 2, 5, 7}, Draw::Distinct)},
     [](const Args& x) {
       auto [values, indices] = F::max_pool2d_with_indices(x[0], 2);
       return F::max_unpool2d(values, indices, 2, std::nullopt, 0, Size2{5, 7});
     }},
    {"max_unpool2d/k2_s2_pad1",
     "lambda a: F.max_unpool2d(*F.max_pool2d(a, 2, 2, 1, return_indices=True), 2, 2, 1, "
     "output_size=(5, 7))",
     {In({2, 2, 5, 7}, Draw::Distinct)},
     [](const Args& x) {
       auto [values, indices] = F::max_pool2d_with_indices(x[0], 2, 2, 1);
       return F::max_unpool2d(values, indices, 2, 2, 1, Size2{5, 7});
     }},
    // Overlapping windows share argmaxes, so indices repeat: unpool writes
    // such a position once, but its gradient (PyTorch's) reaches every copy.
    // The composition's true derivative there is 1, autograd's the number of
    // copies: compared with PyTorch only.
    {"max_unpool2d/overlapping",
     "lambda a: F.max_unpool2d(*F.max_pool2d(a, 3, 2, 1, return_indices=True), 3, 2, 1)",
     {In({1, 2, 5, 5}, Draw::Distinct)},
     [](const Args& x) {
       auto [values, indices] = F::max_pool2d_with_indices(x[0], 3, 2, 1);
       return F::max_unpool2d(values, indices, 3, 2, 1);
     },
     kNoTolerance,
     false},
    {"max_unpool2d/values_from_other_input",
     "lambda a, b: F.max_unpool2d(b, F.max_pool2d(a, 2, return_indices=True)[1], 2)",
     {In({2, 2, 4, 6}, Draw::Distinct).no_grad(), In({2, 2, 2, 3}).transposed()},
     [](const Args& x) {
       return F::max_unpool2d(x[1], F::max_pool2d_with_indices(x[0], 2).second, 2);
     }},
    {"max_unpool2d/unbatched",
     "lambda a, b: F.max_unpool2d(b, F.max_pool2d(a, 2, return_indices=True)[1], 2)",
     {In({3, 4, 4}, Draw::Distinct).no_grad(), In({3, 2, 2})},
     [](const Args& x) {
       return F::max_unpool2d(x[1], F::max_pool2d_with_indices(x[0], 2).second, 2);
     }},

    // ---- avg_pool2d
    {"avg_pool2d/k2",
     "lambda a: F.avg_pool2d(a, 2)",
     {In({2, 3, 6, 6})},
     [](const Args& x) { return F::avg_pool2d(x[0], 2); }},
    {"avg_pool2d/k3_s1_pad1",
     "lambda a: F.avg_pool2d(a, 3, 1, 1)",
     {In({1, 2, 5, 6})},
     [](const Args& x) { return F::avg_pool2d(x[0], 3, 1, 1); }},
    {"avg_pool2d/k3_s2_pad1_exclude_pad",
     "lambda a: F.avg_pool2d(a, 3, 2, 1, count_include_pad=False)",
     {In({2, 2, 7, 8})},
     [](const Args& x) { return F::avg_pool2d(x[0], 3, 2, 1, false, false); }},
    {"avg_pool2d/k3_s2_ceil",
     "lambda a: F.avg_pool2d(a, 3, 2, ceil_mode=True)",
     {In({1, 2, 6, 8})},
     [](const Args& x) { return F::avg_pool2d(x[0], 3, 2, 0, true); }},
    {"avg_pool2d/k3_s3_pad1_ceil_exclude_pad",
     "lambda a: F.avg_pool2d(a, 3, 3, 1, ceil_mode=True, count_include_pad=False)",
     {In({2, 1, 8, 9})},
     [](const Args& x) { return F::avg_pool2d(x[0], 3, 3, 1, true, false); }},
    {"avg_pool2d/k2_s2_pad1_ceil",
     "lambda a: F.avg_pool2d(a, 2, 2, 1, ceil_mode=True)",
     {In({1, 2, 5, 6})},
     [](const Args& x) { return F::avg_pool2d(x[0], 2, 2, 1, true); }},
    {"avg_pool2d/divisor_override",
     "lambda a: F.avg_pool2d(a, 3, 2, 1, divisor_override=4)",
     {In({2, 2, 7, 6})},
     [](const Args& x) { return F::avg_pool2d(x[0], 3, 2, 1, false, true, 4); }},
    {"avg_pool2d/rectangular",
     "lambda a: F.avg_pool2d(a, (3, 2), (2, 1), (1, 0))",
     {In({1, 3, 7, 5})},
     [](const Args& x) {
       return F::avg_pool2d(x[0], {3, 2}, Size2{2, 1}, {1, 0});
     }},
    {"avg_pool2d/noncontiguous",
     "lambda a: F.avg_pool2d(a, 2, 1)",
     {In({2, 3, 5, 6}).transposed()},
     [](const Args& x) { return F::avg_pool2d(x[0], 2, 1); }},
    {"avg_pool2d/unbatched",
     "lambda a: F.avg_pool2d(a, 3, 2, 1, count_include_pad=False)",
     {In({2, 5, 5})},
     [](const Args& x) { return F::avg_pool2d(x[0], 3, 2, 1, false, false); }},

    // ---- adaptive pooling
    {"adaptive_avg_pool2d/divides",
     "lambda a: F.adaptive_avg_pool2d(a, 3)",
     {In({2, 3, 6, 9})},
     [](const Args& x) { return F::adaptive_avg_pool2d(x[0], 3); }},
    {"adaptive_avg_pool2d/uneven",
     "lambda a: F.adaptive_avg_pool2d(a, (3, 2))",
     {In({2, 2, 7, 5})},
     [](const Args& x) {
       return F::adaptive_avg_pool2d(x[0], {3, 2});
     }},
    {"adaptive_avg_pool2d/global",
     "lambda a: F.adaptive_avg_pool2d(a, 1)",
     {In({2, 3, 5, 4})},
     [](const Args& x) { return F::adaptive_avg_pool2d(x[0], 1); }},
    {"adaptive_avg_pool2d/larger_than_input",
     "lambda a: F.adaptive_avg_pool2d(a, (5, 4))",
     {In({1, 2, 3, 3})},
     [](const Args& x) {
       return F::adaptive_avg_pool2d(x[0], {5, 4});
     }},
    {"adaptive_avg_pool2d/noncontiguous_unbatched",
     "lambda a: F.adaptive_avg_pool2d(a, (2, 3))",
     {In({3, 5, 7}).transposed()},
     [](const Args& x) {
       return F::adaptive_avg_pool2d(x[0], {2, 3});
     }},
    {"adaptive_max_pool2d/divides",
     "lambda a: F.adaptive_max_pool2d(a, 2)",
     {In({2, 3, 6, 4}, Draw::Distinct)},
     [](const Args& x) { return F::adaptive_max_pool2d(x[0], 2); }},
    {"adaptive_max_pool2d/uneven",
     "lambda a: F.adaptive_max_pool2d(a, (3, 4))",
     {In({2, 2, 7, 5}, Draw::Distinct).transposed()},
     [](const Args& x) {
       return F::adaptive_max_pool2d(x[0], {3, 4});
     }},
    {"adaptive_max_pool2d/global_unbatched",
     "lambda a: F.adaptive_max_pool2d(a, 1)",
     {In({3, 5, 4}, Draw::Distinct)},
     [](const Args& x) { return F::adaptive_max_pool2d(x[0], 1); }},
    {"adaptive_max_pool2d/indices",
     "lambda a: F.adaptive_max_pool2d(a, (3, 2), return_indices=True)[1].double()",
     {In({2, 2, 7, 5}, Draw::Distinct).no_grad()},
     [](const Args& x) {
       return as_double(F::adaptive_max_pool2d_with_indices(x[0], {3, 2}).second);
     },
     kNoTolerance,
     false},

    // ---- 1-D
    {"max_pool1d/k3_s2_pad1",
     "lambda a: F.max_pool1d(a, 3, 2, 1)",
     {In({2, 3, 9}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool1d(x[0], 3, 2, 1); }},
    {"max_pool1d/k2_dilation2_ceil",
     "lambda a: F.max_pool1d(a, 2, 2, 1, 2, ceil_mode=True)",
     {In({1, 2, 8}, Draw::Distinct).transposed()},
     [](const Args& x) { return F::max_pool1d(x[0], 2, 2, 1, 2, true); }},
    {"max_pool1d/unbatched",
     "lambda a: F.max_pool1d(a, 2)",
     {In({3, 7}, Draw::Distinct)},
     [](const Args& x) { return F::max_pool1d(x[0], 2); }},
    {"max_pool1d/indices",
     "lambda a: F.max_pool1d(a, 3, 2, 1, return_indices=True)[1].double()",
     {In({2, 3, 9}, Draw::Distinct).no_grad()},
     [](const Args& x) { return as_double(F::max_pool1d_with_indices(x[0], 3, 2, 1).second); },
     kNoTolerance,
     false},
    {"avg_pool1d/k3_s2_pad1_exclude_pad",
     "lambda a: F.avg_pool1d(a, 3, 2, 1, count_include_pad=False)",
     {In({2, 3, 9})},
     [](const Args& x) { return F::avg_pool1d(x[0], 3, 2, 1, false, false); }},
    {"avg_pool1d/k2_ceil",
     "lambda a: F.avg_pool1d(a, 2, ceil_mode=True)",
     {In({1, 2, 7})},
     [](const Args& x) { return F::avg_pool1d(x[0], 2, std::nullopt, 0, true); }},
    {"avg_pool1d/unbatched_noncontiguous",
     "lambda a: F.avg_pool1d(a, 3, 1, 1)",
     {In({4, 6}).transposed()},
     [](const Args& x) { return F::avg_pool1d(x[0], 3, 1, 1); }},
    {"adaptive_avg_pool1d/uneven",
     "lambda a: F.adaptive_avg_pool1d(a, 3)",
     {In({2, 3, 7})},
     [](const Args& x) { return F::adaptive_avg_pool1d(x[0], 3); }},
    {"adaptive_avg_pool1d/global",
     "lambda a: F.adaptive_avg_pool1d(a, 1)",
     {In({2, 8})},
     [](const Args& x) { return F::adaptive_avg_pool1d(x[0], 1); }},

    // ---- modules against torch.nn
    {"nn/MaxPool2d",
     "lambda a: torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)(a)",
     {In({2, 2, 6, 7}, Draw::Distinct)},
     [](const Args& x) {
       return nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1).ceil_mode(true))(x[0]);
     }},
    {"nn/MaxPool1d",
     "lambda a: torch.nn.MaxPool1d(2, 1, dilation=2)(a)",
     {In({2, 3, 7}, Draw::Distinct)},
     [](const Args& x) {
       return nn::MaxPool1d(nn::MaxPool1dOptions(2).stride(1).dilation(2))(x[0]);
     }},
    {"nn/MaxPool2d_MaxUnpool2d",
     "lambda a: torch.nn.MaxUnpool2d(2)(*torch.nn.MaxPool2d(2, return_indices=True)(a))",
     {In({1, 3, 4, 6}, Draw::Distinct)},
     [](const Args& x) {
       nn::MaxPool2d pool(nn::MaxPool2dOptions(2).return_indices(true));
       nn::MaxUnpool2d unpool(2);
       auto [values, indices] = pool.forward_with_indices(x[0]);
       return unpool.forward(values, indices);
     }},
    {"nn/AvgPool2d",
     "lambda a: torch.nn.AvgPool2d(3, 2, 1, count_include_pad=False, divisor_override=None)(a)",
     {In({2, 2, 7, 6})},
     [](const Args& x) {
       return nn::AvgPool2d(nn::AvgPool2dOptions(3).stride(2).padding(1).count_include_pad(false))(
           x[0]);
     }},
    {"nn/AvgPool1d",
     "lambda a: torch.nn.AvgPool1d(3, 2, 1)(a)",
     {In({2, 3, 8})},
     [](const Args& x) {
       return nn::AvgPool1d(nn::AvgPool1dOptions(3).stride(2).padding(1))(x[0]);
     }},
    {"nn/AdaptiveAvgPool2d",
     "lambda a: torch.nn.AdaptiveAvgPool2d((2, 3))(a)",
     {In({2, 3, 5, 7})},
     [](const Args& x) {
       return nn::AdaptiveAvgPool2d({2, 3})(x[0]);
     }},
    {"nn/AdaptiveMaxPool2d",
     "lambda a: torch.nn.AdaptiveMaxPool2d(3)(a)",
     {In({1, 2, 7, 8}, Draw::Distinct)},
     [](const Args& x) { return nn::AdaptiveMaxPool2d(3)(x[0]); }},
    {"nn/AdaptiveAvgPool1d",
     "lambda a: torch.nn.AdaptiveAvgPool1d(4)(a)",
     {In({2, 3, 9})},
     [](const Args& x) { return nn::AdaptiveAvgPool1d(4)(x[0]); }},
});

}  // namespace
}  // namespace nabla::testing
