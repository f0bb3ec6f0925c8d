// Op-table cases: sums and means, matrix products.
#include "testing/op_table.h"

namespace nabla::testing {
namespace {

const bool registered = register_cases({
    {"sum/all", "lambda a: a.sum()", {In({3, 4})}, [](const Args& x) { return sum(x[0]); }},
    {"sum/dims_keepdim",
     "lambda a: a.sum(dim=(0, 2), keepdim=True)",
     {In({2, 3, 4})},
     [](const Args& x) {
       return sum(x[0], {0, 2}, true);
     }},
    {"sum/last_noncontiguous",
     "lambda a: a.sum(-1)",
     {In({5, 6}).transposed()},
     [](const Args& x) { return sum(x[0], {-1}); }},
    {"mean/all", "lambda a: a.mean()", {In({3, 4})}, [](const Args& x) { return mean(x[0]); }},
    {"mean/dim",
     "lambda a: a.mean(1)",
     {In({2, 3, 4})},
     [](const Args& x) { return mean(x[0], {1}); }},
    {"matmul/2d",
     "lambda a, b: a @ b",
     {In({3, 4}), In({4, 5})},
     [](const Args& x) { return matmul(x[0], x[1]); }},
    {"matmul/transposed",
     "lambda a, b: a @ b",
     {In({3, 4}).transposed(), In({4, 5}).transposed()},
     [](const Args& x) { return matmul(x[0], x[1]); }},
    {"matmul/vector_matrix",
     "lambda a, b: a @ b",
     {In({4}), In({4, 5})},
     [](const Args& x) { return matmul(x[0], x[1]); }},
    {"matmul/matrix_vector",
     "lambda a, b: a @ b",
     {In({3, 4}), In({4})},
     [](const Args& x) { return matmul(x[0], x[1]); }},
    {"matmul/dot",
     "lambda a, b: a @ b",
     {In({4}), In({4})},
     [](const Args& x) { return matmul(x[0], x[1]); }},
    {"matmul/batched_broadcast",
     "lambda a, b: a @ b",
     {In({2, 1, 3, 4}), In({3, 4, 2})},
     [](const Args& x) { return matmul(x[0], x[1]); }},
    {"matmul/batch_times_matrix",
     "lambda a, b: a @ b",
     {In({2, 3, 4}), In({4, 5})},
     [](const Args& x) { return matmul(x[0], x[1]); }},
    {"bmm",
     "lambda a, b: torch.bmm(a, b)",
     {In({2, 3, 4}), In({2, 4, 5})},
     [](const Args& x) { return bmm(x[0], x[1]); }},
    {"linear",
     "lambda x, w, b: F.linear(x, w, b)",
     {In({5, 4}), In({3, 4}), In({3})},
     [](const Args& x) { return linear(x[0], x[1], x[2]); }},
});

}  // namespace
}  // namespace nabla::testing
