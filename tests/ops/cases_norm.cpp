// Op-table cases: batch, layer, instance, group and local response
// normalisation, functional and as modules. Training cases pass no running
// statistics (they are buffers updated in place; tests/nn/test_norm.cpp
// checks their updates); eval cases take them as inputs without gradient.
#include "testing/op_table.h"

namespace nabla::testing {
namespace {

Tensor bn_train(const Args& x) {
  return batch_norm(x[0], {}, {}, x.size() > 1 ? x[1] : Tensor(), x.size() > 2 ? x[2] : Tensor(),
                    true);
}
// x, running_mean, running_var, then optionally weight and bias.
Tensor bn_eval(const Args& x) {
  return batch_norm(x[0], x[1], x[2], x.size() > 3 ? x[3] : Tensor(),
                    x.size() > 4 ? x[4] : Tensor(), false);
}

// relu(batch_norm(...)) in one op: the same arguments as bn_train, bn_eval.
Tensor bn_relu_train(const Args& x) {
  return batch_norm_relu(x[0], {}, {}, x.size() > 1 ? x[1] : Tensor(),
                         x.size() > 2 ? x[2] : Tensor(), true);
}
Tensor bn_relu_eval(const Args& x) {
  return batch_norm_relu(x[0], x[1], x[2], x.size() > 3 ? x[3] : Tensor(),
                         x.size() > 4 ? x[4] : Tensor(), false);
}

In stat(int64_t c) {
  return In({c}).no_grad();
}
In positive_stat(int64_t c) {
  return In({c}, Draw::Positive).no_grad();
}

const char* kBnTrain = "lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True)";
const char* kBnEval = "lambda x, m, v, w, b: F.batch_norm(x, m, v, w, b, training=False)";

const bool registered =
    register_cases(
        {
            // ---- batch_norm, training: the batch's statistics
            {"batch_norm/train_2d", kBnTrain, {In({6, 3}), In({3}), In({3})}, bn_train},
            {"batch_norm/train_3d", kBnTrain, {In({4, 3, 5}), In({3}), In({3})}, bn_train},
            {"batch_norm/train_4d", kBnTrain, {In({2, 3, 4, 5}), In({3}), In({3})}, bn_train},
            {"batch_norm/train_4d_noaffine",
             "lambda x: F.batch_norm(x, None, None, training=True)",
             {In({3, 2, 3, 3})},
             bn_train},
            {"batch_norm/train_2d_noaffine",
             "lambda x: F.batch_norm(x, None, None, training=True)",
             {In({5, 4})},
             bn_train},
            {"batch_norm/train_weight_only",
             "lambda x, w: F.batch_norm(x, None, None, w, training=True)",
             {In({2, 3, 4}), In({3})},
             bn_train},
            {"batch_norm/train_noncontiguous",
             kBnTrain,
             {In({2, 3, 5, 4}).transposed(), In({3}), In({3})},
             bn_train},
            {"batch_norm/train_2d_noncontiguous",
             kBnTrain,
             {In({6, 4}).transposed(), In({4}), In({4})},
             bn_train},
            // ---- batch_norm_relu: relu(batch_norm(...)) in one pass
            {"batch_norm_relu/train_4d",
             "lambda x, w, b: F.relu(F.batch_norm(x, None, None, w, b, training=True))",
             {In({2, 3, 4, 5}), In({3}), In({3})},
             bn_relu_train},
            {"batch_norm_relu/train_2d_noaffine",
             "lambda x: F.relu(F.batch_norm(x, None, None, training=True))",
             {In({6, 4})},
             bn_relu_train},
            {"batch_norm_relu/eval_4d",
             "lambda x, m, v, w, b: F.relu(F.batch_norm(x, m, v, w, b, training=False))",
             {In({2, 3, 4, 5}), stat(3), positive_stat(3), In({3}), In({3})},
             bn_relu_eval},
            // ---- batch_norm, eval: the running statistics
            {"batch_norm/eval_2d",
             kBnEval,
             {In({6, 3}), stat(3), positive_stat(3), In({3}), In({3})},
             bn_eval},
            {"batch_norm/eval_3d",
             kBnEval,
             {In({4, 3, 5}), stat(3), positive_stat(3), In({3}), In({3})},
             bn_eval},
            {"batch_norm/eval_4d",
             kBnEval,
             {In({2, 3, 4, 5}), stat(3), positive_stat(3), In({3}), In({3})},
             bn_eval},
            {"batch_norm/eval_4d_noaffine",
             "lambda x, m, v: F.batch_norm(x, m, v, training=False)",
             {In({2, 3, 3, 3}), stat(3), positive_stat(3)},
             bn_eval},
            {"batch_norm/eval_noncontiguous",
             kBnEval,
             {In({2, 3, 4, 5}).transposed(), stat(3), positive_stat(3), In({3}), In({3})},
             bn_eval},
            {"batch_norm/eval_fresh_stats",
             "lambda x, w, b: F.batch_norm(x, torch.arange(3, dtype=x.dtype) * 0.1, "
             "torch.arange(3, dtype=x.dtype) * 0.5 + 0.5, w, b, training=False, eps=1e-3)",
             {In({2, 3, 4}), In({3}), In({3})},
             [](const Args& x) {
               Tensor m = arange(3, x[0].dtype()) * 0.1, v = arange(3, x[0].dtype()) * 0.5 + 0.5;
               return batch_norm(x[0], m, v, x[1], x[2], false, 0.1, 1e-3);
             }},

            // ---- layer_norm
            {"layer_norm/last_dim",
             "lambda x, w, b: F.layer_norm(x, (5,), w, b)",
             {In({4, 5}), In({5}), In({5})},
             [](const Args& x) { return layer_norm(x[0], {5}, x[1], x[2]); }},
            {"layer_norm/last_two_dims",
             "lambda x, w, b: F.layer_norm(x, (3, 4), w, b)",
             {In({2, 3, 4}), In({3, 4}), In({3, 4})},
             [](const Args& x) {
               return layer_norm(x[0], {3, 4}, x[1], x[2]);
             }},
            {"layer_norm/last_dim_noaffine",
             "lambda x: F.layer_norm(x, (6,))",
             {In({2, 3, 6})},
             [](const Args& x) { return layer_norm(x[0], {6}); }},
            {"layer_norm/last_two_dims_noaffine",
             "lambda x: F.layer_norm(x, (3, 4), eps=1e-3)",
             {In({2, 3, 4})},
             [](const Args& x) {
               return layer_norm(x[0], {3, 4}, {}, {}, 1e-3);
             }},
            {"layer_norm/noncontiguous",
             "lambda x, w, b: F.layer_norm(x, (5,), w, b)",
             {In({4, 5}).transposed(), In({5}), In({5})},
             [](const Args& x) { return layer_norm(x[0], {5}, x[1], x[2]); }},

            // ---- instance_norm
            {"instance_norm/plain",
             "lambda x: F.instance_norm(x)",
             {In({2, 3, 4, 5})},
             [](const Args& x) { return instance_norm(x[0]); }},
            {"instance_norm/affine",
             "lambda x, w, b: F.instance_norm(x, weight=w, bias=b)",
             {In({2, 3, 4, 4}), In({3}), In({3})},
             [](const Args& x) { return instance_norm(x[0], {}, {}, x[1], x[2]); }},
            {"instance_norm/3d_noncontiguous",
             "lambda x, w, b: F.instance_norm(x, weight=w, bias=b)",
             {In({2, 3, 6}).transposed(), In({3}), In({3})},
             [](const Args& x) { return instance_norm(x[0], {}, {}, x[1], x[2]); }},
            {"instance_norm/running_stats_eval",
             "lambda x, m, v, w, b: F.instance_norm(x, m, v, w, b, use_input_stats=False)",
             {In({2, 3, 3, 3}), stat(3), positive_stat(3), In({3}), In({3})},
             [](const Args& x) { return instance_norm(x[0], x[1], x[2], x[3], x[4], false); }},

            // ---- group_norm
            {"group_norm/one_group",
             "lambda x, w, b: F.group_norm(x, 1, w, b)",
             {In({2, 6, 3, 3}), In({6}), In({6})},
             [](const Args& x) { return group_norm(x[0], 1, x[1], x[2]); }},
            {"group_norm/two_groups",
             "lambda x, w, b: F.group_norm(x, 2, w, b)",
             {In({2, 6, 4}), In({6}), In({6})},
             [](const Args& x) { return group_norm(x[0], 2, x[1], x[2]); }},
            {"group_norm/C_groups",
             "lambda x, w, b: F.group_norm(x, 4, w, b)",
             {In({3, 4, 2, 3}), In({4}), In({4})},
             [](const Args& x) { return group_norm(x[0], 4, x[1], x[2]); }},
            {"group_norm/noaffine",
             "lambda x: F.group_norm(x, 2, eps=1e-3)",
             {In({2, 4, 5})},
             [](const Args& x) { return group_norm(x[0], 2, {}, {}, 1e-3); }},
            {"group_norm/2d_input",
             "lambda x, w, b: F.group_norm(x, 3, w, b)",
             {In({4, 6}), In({6}), In({6})},
             [](const Args& x) { return group_norm(x[0], 3, x[1], x[2]); }},
            {"group_norm/noncontiguous",
             "lambda x, w, b: F.group_norm(x, 2, w, b)",
             {In({2, 4, 3, 5}).transposed(), In({4}), In({4})},
             [](const Args& x) { return group_norm(x[0], 2, x[1], x[2]); }},

            // ---- local_response_norm: window over channels, zero-padded
            {"local_response_norm/size2",
             "lambda x: F.local_response_norm(x, 2, alpha=0.5, beta=0.75, k=1.0)",
             {In({2, 5, 3, 3})},
             [](const Args& x) { return local_response_norm(x[0], 2, 0.5, 0.75, 1.0); }},
            {"local_response_norm/size3_3d",
             "lambda x: F.local_response_norm(x, 3, alpha=0.3, beta=0.6, k=2.0)",
             {In({2, 6, 4})},
             [](const Args& x) { return local_response_norm(x[0], 3, 0.3, 0.6, 2.0); }},
            {"local_response_norm/size4_noncontiguous",
             "lambda x: F.local_response_norm(x, 4, alpha=0.2, beta=0.75, k=1.5)",
             {In({2, 5, 3, 4}).transposed()},
             [](const Args& x) { return local_response_norm(x[0], 4, 0.2, 0.75, 1.5); }},
            {"local_response_norm/size5_defaults",
             "lambda x: F.local_response_norm(x, 5)",
             {In({1, 7, 2, 2})},
             [](const Args& x) { return local_response_norm(x[0], 5); }},
            {"local_response_norm/size1",
             "lambda x: F.local_response_norm(x, 1, alpha=0.5)",
             {In({2, 3, 2, 2})},
             [](const Args& x) { return local_response_norm(x[0], 1, 0.5); }},

            // ---- modules: forward and backward of the layer with its parameters
            // taken from the case's inputs
            {"nn/BatchNorm2d_train",
             kBnTrain,
             {In({2, 3, 4, 4}), In({3}), In({3})},
             [](const Args& x) {
               nn::BatchNorm2d bn(3);
               bn.to(x[0].dtype());  // the running statistics take the input's dtype
               bn.weight = x[1];
               bn.bias = x[2];
               return bn(x[0]);
             }},
            {"nn/BatchNorm1d_eval_untracked",
             "lambda x: F.batch_norm(x, None, None, training=True)",
             {In({5, 3})},
             [](const Args& x) {
               nn::BatchNorm1d bn(nn::BatchNormOptions(3).affine(false).track_running_stats(false));
               bn.eval();
               return bn(x[0]);
             }},
            {"nn/LayerNorm",
             "lambda x, w, b: F.layer_norm(x, (4,), w, b, eps=1e-6)",
             {In({2, 3, 4}), In({4}), In({4})},
             [](const Args& x) {
               nn::LayerNorm ln(nn::LayerNormOptions({4}).eps(1e-6));
               ln.weight = x[1];
               ln.bias = x[2];
               return ln(x[0]);
             }},
            {"nn/GroupNorm",
             "lambda x, w, b: F.group_norm(x, 2, w, b)",
             {In({2, 4, 3, 3}), In({4}), In({4})},
             [](const Args& x) {
               nn::GroupNorm gn(2, 4);
               gn.weight = x[1];
               gn.bias = x[2];
               return gn(x[0]);
             }},
            {"nn/InstanceNorm2d",
             "lambda x: F.instance_norm(x)",
             {In({2, 3, 4, 4})},
             [](const Args& x) {
               nn::InstanceNorm2d in(3);
               return in(x[0]);
             }},
            {"nn/LocalResponseNorm",
             "lambda x: F.local_response_norm(x, 3, alpha=0.1)",
             {In({2, 4, 3, 3})},
             [](const Args& x) {
               nn::LocalResponseNorm lrn(nn::LocalResponseNormOptions(3).alpha(0.1));
               return lrn(x[0]);
             }},
        });

}  // namespace
}  // namespace nabla::testing
