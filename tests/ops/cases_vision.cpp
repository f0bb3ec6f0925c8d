// Op-table cases: padding, interpolation, pixel shuffle, channel dropout, the
// vision modules, and the graph shapes of U-Net (skip concatenation),
// FCN (upsampled scores added to a skip), DenseNet (repeated channel
// concatenation) and ResNet (residual addition) through autograd.
#include "testing/op_table.h"

namespace nabla::testing {
namespace {

// A 1×1 "convolution" without conv: mixes channels of (N, C, H, W) by
// w (C_out, C) as a linear map over the channel dim.
Tensor channel_linear(const Tensor& x, const Tensor& w) {
  return linear(x.permute({0, 2, 3, 1}), w).permute({0, 3, 1, 2});
}
const char* const kChannelLinear =
    "(lambda t, w: F.linear(t.permute(0, 2, 3, 1), w).permute(0, 3, 1, 2))";

std::string with_channel_linear(const std::string& body) {
  return "lambda *a: (lambda cl: " + body + ")(" + kChannelLinear + ")";
}

const bool registered = register_cases({
    // ---- pad, constant
    {"pad/constant_last_dim",
     "lambda a: F.pad(a, (1, 2))",
     {In({2, 3, 4})},
     [](const Args& x) {
       return F::pad(x[0], {1, 2});
     }},
    {"pad/constant_4d_asymmetric_value",
     "lambda a: F.pad(a, (1, 0, 2, 3), value=1.5)",
     {In({2, 2, 3, 4})},
     [](const Args& x) {
       return F::pad(x[0], {1, 0, 2, 3}, "constant", 1.5);
     }},
    {"pad/constant_negative_crops",
     "lambda a: F.pad(a, (-1, 2, 1, -2))",
     {In({2, 3, 5, 4})},
     [](const Args& x) {
       return F::pad(x[0], {-1, 2, 1, -2});
     }},
    {"pad/constant_three_dims",
     "lambda a: F.pad(a, (1, 1, 0, 2, 1, 0), value=-1.0)",
     {In({2, 3, 4})},
     [](const Args& x) {
       return F::pad(x[0], {1, 1, 0, 2, 1, 0}, "constant", -1.0);
     }},
    {"pad/constant_noncontiguous",
     "lambda a: F.pad(a, (2, 1, 1, 0))",
     {In({2, 3, 4, 5}).transposed()},
     [](const Args& x) {
       return F::pad(x[0], {2, 1, 1, 0});
     }},
    // ---- pad, reflect
    {"pad/reflect_4d_symmetric",
     "lambda a: F.pad(a, (2, 2, 2, 2), mode='reflect')",
     {In({2, 3, 4, 5})},
     [](const Args& x) {
       return F::pad(x[0], {2, 2, 2, 2}, "reflect");
     }},
    {"pad/reflect_4d_asymmetric",
     "lambda a: F.pad(a, (1, 3, 0, 2), mode='reflect')",
     {In({1, 2, 4, 5})},
     [](const Args& x) {
       return F::pad(x[0], {1, 3, 0, 2}, "reflect");
     }},
    {"pad/reflect_3d_last_dim",
     "lambda a: F.pad(a, (2, 1), mode='reflect')",
     {In({2, 3, 4})},
     [](const Args& x) {
       return F::pad(x[0], {2, 1}, "reflect");
     }},
    {"pad/reflect_2d_input",
     "lambda a: F.pad(a, (3, 1), mode='reflect')",
     {In({3, 4})},
     [](const Args& x) {
       return F::pad(x[0], {3, 1}, "reflect");
     }},
    {"pad/reflect_3d_unbatched_image",
     "lambda a: F.pad(a, (1, 1, 2, 0), mode='reflect')",
     {In({3, 4, 5})},
     [](const Args& x) {
       return F::pad(x[0], {1, 1, 2, 0}, "reflect");
     }},
    {"pad/reflect_negative",
     "lambda a: F.pad(a, (-1, 2, 1, -2), mode='reflect')",
     {In({1, 2, 4, 5})},
     [](const Args& x) {
       return F::pad(x[0], {-1, 2, 1, -2}, "reflect");
     }},
    {"pad/reflect_noncontiguous",
     "lambda a: F.pad(a, (1, 2, 2, 1), mode='reflect')",
     {In({2, 2, 4, 5}).transposed()},
     [](const Args& x) {
       return F::pad(x[0], {1, 2, 2, 1}, "reflect");
     }},
    // ---- pad, replicate
    {"pad/replicate_4d_asymmetric",
     "lambda a: F.pad(a, (2, 3, 1, 0), mode='replicate')",
     {In({2, 2, 3, 4})},
     [](const Args& x) {
       return F::pad(x[0], {2, 3, 1, 0}, "replicate");
     }},
    {"pad/replicate_4d_symmetric_wide",
     "lambda a: F.pad(a, (5, 5, 4, 4), mode='replicate')",
     {In({1, 2, 2, 3})},
     [](const Args& x) {
       return F::pad(x[0], {5, 5, 4, 4}, "replicate");
     }},
    {"pad/replicate_3d_last_dim",
     "lambda a: F.pad(a, (3, 1), mode='replicate')",
     {In({2, 3, 4})},
     [](const Args& x) {
       return F::pad(x[0], {3, 1}, "replicate");
     }},
    {"pad/replicate_negative",
     "lambda a: F.pad(a, (-1, 2, 1, -1), mode='replicate')",
     {In({1, 2, 4, 5})},
     [](const Args& x) {
       return F::pad(x[0], {-1, 2, 1, -1}, "replicate");
     }},
    {"pad/replicate_noncontiguous",
     "lambda a: F.pad(a, (1, 0, 0, 2), mode='replicate')",
     {In({2, 3, 4}).transposed()},
     [](const Args& x) {
       return F::pad(x[0], {1, 0, 0, 2}, "replicate");
     }},
    // ---- interpolate, nearest
    {"interpolate/nearest_size",
     "lambda a: F.interpolate(a, size=(5, 7))",
     {In({2, 3, 3, 4})},
     [](const Args& x) {
       return F::interpolate(x[0], {5, 7});
     }},
    {"interpolate/nearest_scale_2",
     "lambda a: F.interpolate(a, scale_factor=2)",
     {In({1, 2, 3, 4})},
     [](const Args& x) { return F::interpolate(x[0], {}, {2.0}); }},
    {"interpolate/nearest_scale_noninteger",
     "lambda a: F.interpolate(a, scale_factor=1.7)",
     {In({1, 2, 3, 5})},
     [](const Args& x) { return F::interpolate(x[0], {}, {1.7}); }},
    {"interpolate/nearest_scale_recomputed",
     "lambda a: F.interpolate(a, scale_factor=1.7, recompute_scale_factor=True)",
     {In({1, 2, 3, 5})},
     [](const Args& x) { return F::interpolate(x[0], {}, {1.7}, "nearest", {}, true); }},
    {"interpolate/nearest_downsample",
     "lambda a: F.interpolate(a, scale_factor=(0.5, 0.6))",
     {In({1, 2, 6, 5})},
     [](const Args& x) {
       return F::interpolate(x[0], {}, {0.5, 0.6});
     }},
    {"interpolate/nearest_downsample_size",
     "lambda a: F.interpolate(a, size=(3, 2))",
     {In({2, 1, 7, 5})},
     [](const Args& x) {
       return F::interpolate(x[0], {3, 2});
     }},
    {"interpolate/nearest_3d_size",
     "lambda a: F.interpolate(a, size=7)",
     {In({2, 3, 4})},
     [](const Args& x) { return F::interpolate(x[0], {7}); }},
    {"interpolate/nearest_3d_scale",
     "lambda a: F.interpolate(a, scale_factor=2.5)",
     {In({2, 3, 3})},
     [](const Args& x) { return F::interpolate(x[0], {}, {2.5}); }},
    {"interpolate/nearest_noncontiguous",
     "lambda a: F.interpolate(a, size=(6, 4))",
     {In({1, 2, 3, 4}).transposed()},
     [](const Args& x) {
       return F::interpolate(x[0], {6, 4});
     }},
    // ---- interpolate, bilinear and linear
    {"interpolate/bilinear_size",
     "lambda a: F.interpolate(a, size=(5, 7), mode='bilinear', align_corners=False)",
     {In({2, 2, 3, 4})},
     [](const Args& x) {
       return F::interpolate(x[0], {5, 7}, {}, "bilinear", false);
     }},
    {"interpolate/bilinear_size_align_corners",
     "lambda a: F.interpolate(a, size=(5, 7), mode='bilinear', align_corners=True)",
     {In({2, 2, 3, 4})},
     [](const Args& x) {
       return F::interpolate(x[0], {5, 7}, {}, "bilinear", true);
     }},
    {"interpolate/bilinear_scale_noninteger",
     "lambda a: F.interpolate(a, scale_factor=1.5, mode='bilinear')",
     {In({1, 2, 3, 5})},
     [](const Args& x) { return F::interpolate(x[0], {}, {1.5}, "bilinear"); }},
    {"interpolate/bilinear_scale_2_align_corners",
     "lambda a: F.interpolate(a, scale_factor=2, mode='bilinear', align_corners=True)",
     {In({1, 2, 3, 3})},
     [](const Args& x) { return F::interpolate(x[0], {}, {2.0}, "bilinear", true); }},
    {"interpolate/bilinear_downsample",
     "lambda a: F.interpolate(a, size=(2, 3), mode='bilinear')",
     {In({1, 2, 5, 7})},
     [](const Args& x) {
       return F::interpolate(x[0], {2, 3}, {}, "bilinear");
     }},
    {"interpolate/bilinear_downsample_align_corners",
     "lambda a: F.interpolate(a, size=(3, 2), mode='bilinear', align_corners=True)",
     {In({1, 2, 5, 7})},
     [](const Args& x) {
       return F::interpolate(x[0], {3, 2}, {}, "bilinear", true);
     }},
    {"interpolate/bilinear_odd_sizes",
     "lambda a: F.interpolate(a, size=(7, 3), mode='bilinear')",
     {In({2, 1, 4, 5})},
     [](const Args& x) {
       return F::interpolate(x[0], {7, 3}, {}, "bilinear");
     }},
    {"interpolate/bilinear_to_one_pixel_align_corners",
     "lambda a: F.interpolate(a, size=(1, 3), mode='bilinear', align_corners=True)",
     {In({1, 2, 3, 4})},
     [](const Args& x) {
       return F::interpolate(x[0], {1, 3}, {}, "bilinear", true);
     }},
    {"interpolate/bilinear_noncontiguous",
     "lambda a: F.interpolate(a, size=(5, 6), mode='bilinear')",
     {In({2, 2, 3, 4}).transposed()},
     [](const Args& x) {
       return F::interpolate(x[0], {5, 6}, {}, "bilinear");
     }},
    {"interpolate/linear_size",
     "lambda a: F.interpolate(a, size=7, mode='linear')",
     {In({2, 3, 4})},
     [](const Args& x) { return F::interpolate(x[0], {7}, {}, "linear"); }},
    {"interpolate/linear_scale_align_corners",
     "lambda a: F.interpolate(a, scale_factor=2.5, mode='linear', align_corners=True)",
     {In({2, 2, 4})},
     [](const Args& x) { return F::interpolate(x[0], {}, {2.5}, "linear", true); }},
    {"interpolate/linear_downsample",
     "lambda a: F.interpolate(a, size=3, mode='linear')",
     {In({1, 3, 8})},
     [](const Args& x) { return F::interpolate(x[0], {3}, {}, "linear"); }},
    {"interpolate/linear_noncontiguous",
     "lambda a: F.interpolate(a, size=5, mode='linear')",
     {In({2, 3, 4}).transposed()},
     [](const Args& x) { return F::interpolate(x[0], {5}, {}, "linear"); }},
    // ---- pixel shuffle, channel shuffle (PyTorch 1.13 has no derivative for
    // F.channel_shuffle, so its cases are written as the same reshape in torch;
    // tests/nn/test_vision.cpp compares the forward with F.channel_shuffle's values)
    {"pixel_shuffle/4d",
     "lambda a: F.pixel_shuffle(a, 2)",
     {In({1, 8, 3, 2})},
     [](const Args& x) { return F::pixel_shuffle(x[0], 2); }},
    {"pixel_shuffle/3d",
     "lambda a: F.pixel_shuffle(a, 2)",
     {In({4, 2, 3})},
     [](const Args& x) { return F::pixel_shuffle(x[0], 2); }},
    {"pixel_shuffle/5d_factor_3",
     "lambda a: F.pixel_shuffle(a, 3)",
     {In({2, 2, 9, 2, 1})},
     [](const Args& x) { return F::pixel_shuffle(x[0], 3); }},
    {"pixel_shuffle/noncontiguous",
     "lambda a: F.pixel_shuffle(a, 2)",
     {In({2, 4, 3, 2}).transposed()},
     [](const Args& x) { return F::pixel_shuffle(x[0], 2); }},
    {"pixel_unshuffle/4d",
     "lambda a: F.pixel_unshuffle(a, 2)",
     {In({1, 2, 4, 6})},
     [](const Args& x) { return F::pixel_unshuffle(x[0], 2); }},
    {"pixel_unshuffle/3d_factor_3",
     "lambda a: F.pixel_unshuffle(a, 3)",
     {In({2, 6, 3})},
     [](const Args& x) { return F::pixel_unshuffle(x[0], 3); }},
    {"pixel_unshuffle/noncontiguous",
     "lambda a: F.pixel_unshuffle(a, 2)",
     {In({1, 3, 2, 4}).transposed()},
     [](const Args& x) { return F::pixel_unshuffle(x[0], 2); }},
    {"pixel_shuffle/unshuffle_roundtrip",
     "lambda a: F.pixel_shuffle(F.pixel_unshuffle(a, 2), 2) * 2",
     {In({1, 2, 4, 4})},
     [](const Args& x) { return F::pixel_shuffle(F::pixel_unshuffle(x[0], 2), 2) * 2.0; }},
    {"channel_shuffle/3d",
     "lambda a: a.reshape(2, 2, 3, 3).transpose(1, 2).reshape(2, 6, 3)",
     {In({2, 6, 3})},
     [](const Args& x) { return F::channel_shuffle(x[0], 2); }},
    {"channel_shuffle/4d",
     "lambda a: a.reshape(1, 3, 2, 2, 2).transpose(1, 2).reshape(1, 6, 2, 2)",
     {In({1, 6, 2, 2})},
     [](const Args& x) { return F::channel_shuffle(x[0], 3); }},
    // ---- dropout2d (the random mask is tested in tests/nn/test_vision.cpp)
    {"F/dropout2d_eval",
     "lambda a: F.dropout2d(a * 2, 0.5, training=False)",
     {In({2, 3, 4, 4})},
     [](const Args& x) { return F::dropout2d(x[0] * 2.0, 0.5, /*training=*/false); }},
    {"F/dropout2d_p0",
     "lambda a: F.dropout2d(a * 2, 0.0)",
     {In({2, 3, 4, 5}).transposed()},
     [](const Args& x) { return F::dropout2d(x[0] * 2.0, 0.0); }},
    // ---- modules
    {"nn/Upsample_nearest",
     "lambda a: torch.nn.Upsample(scale_factor=2)(a)",
     {In({1, 2, 3, 3})},
     [](const Args& x) { return nn::Upsample(nn::UpsampleOptions().scale_factor({2.0}))(x[0]); }},
    {"nn/Upsample_bilinear",
     "lambda a: torch.nn.Upsample(size=(4, 5), mode='bilinear', align_corners=True)(a)",
     {In({2, 2, 3, 3})},
     [](const Args& x) {
       return nn::Upsample(nn::UpsampleOptions().size({4, 5}).mode("bilinear").align_corners(true))(
           x[0]);
     }},
    {"nn/PixelShuffle_PixelUnshuffle",
     "lambda a: torch.nn.PixelUnshuffle(2)(torch.nn.PixelShuffle(2)(a) * a.reshape(1, 2, 4, 6))",
     {In({1, 8, 2, 3})},
     [](const Args& x) {
       return nn::PixelUnshuffle(2)(nn::PixelShuffle(2)(x[0]) * x[0].reshape({1, 2, 4, 6}));
     }},
    {"nn/ChannelShuffle",
     "lambda a: a.reshape(1, 2, 2, 2, 2).transpose(1, 2).reshape(1, 4, 2, 2)",
     {In({1, 4, 2, 2})},
     [](const Args& x) { return nn::ChannelShuffle(2)(x[0]); }},
    {"nn/Dropout2d_eval",
     "lambda a: torch.nn.Dropout2d(0.3).eval()(a * 2)",
     {In({2, 3, 2, 2})},
     [](const Args& x) {
       nn::Dropout2d drop(0.3);
       drop.eval();
       return drop(x[0] * 2.0);
     }},
    {"nn/ZeroPad2d_ConstantPad2d",
     "lambda a: torch.nn.ZeroPad2d((1, 0, 0, 1))(a) * torch.nn.ConstantPad2d(1, 0.5)(a[..., :2, "
     ":3])",
     {In({2, 2, 3, 4})},
     [](const Args& x) {
       return nn::ZeroPad2d({1, 0, 0, 1})(x[0]) *
              nn::ConstantPad2d(1, 0.5)(x[0].slice(2, 0, 2).slice(3, 0, 3));
     }},
    {"nn/ReflectionPad2d",
     "lambda a: torch.nn.ReflectionPad2d((1, 0, 2, 1))(a)",
     {In({2, 2, 3, 4})},
     [](const Args& x) {
       return nn::ReflectionPad2d({1, 0, 2, 1})(x[0]);
     }},
    {"nn/ReplicationPad2d",
     "lambda a: torch.nn.ReplicationPad2d(2)(a)",
     {In({1, 2, 3, 3})},
     [](const Args& x) { return nn::ReplicationPad2d(2)(x[0]); }},
    // ---- graphs of vision models through autograd
    // U-Net: the decoder upsamples and concatenates the encoder's feature map.
    {"graph/unet_skip_cat",
     "lambda x, y: torch.cat([F.interpolate(x, scale_factor=2), y], 1)",
     {In({1, 2, 3, 3}), In({1, 3, 6, 6})},
     [](const Args& x) {
       return cat({F::interpolate(x[0], {}, {2.0}), x[1]}, 1);
     }},
    {"graph/unet_decoder_step",
     with_channel_linear("torch.sigmoid(cl(torch.cat([F.interpolate(torch.relu(a[0]), "
                         "scale_factor=2, mode='bilinear'), a[1]], 1), a[2]))"),
     {In({2, 3, 2, 3}), In({2, 2, 4, 6}), In({4, 5})},
     [](const Args& x) {
       Tensor up = F::interpolate(relu(x[0]), {}, {2.0}, "bilinear");
       return sigmoid(channel_linear(cat({up, x[1]}, 1), x[2]));
     }},
    // FCN: coarse scores upsampled to the skip's size and added to it.
    {"graph/fcn_score_fusion",
     "lambda s, k: F.interpolate(s, size=(6, 6), mode='bilinear', align_corners=False) + k",
     {In({1, 3, 3, 3}), In({1, 3, 6, 6})},
     [](const Args& x) {
       return F::interpolate(x[0], {6, 6}, {}, "bilinear", false) + x[1];
     }},
    // DenseNet: each layer's output (growth rate 2) is concatenated to all before it.
    {"graph/densenet_block",
     with_channel_linear("(lambda f: f(f(f(a[0], a[1]), a[2]), a[3]))"
                         "(lambda t, w: torch.cat([t, torch.relu(cl(t, w))], 1))"),
     {In({2, 3, 3, 3}), In({2, 3}), In({2, 5}), In({2, 7})},
     [](const Args& x) {
       Tensor features = x[0];
       for (int i = 1; i <= 3; ++i)
         features = cat({features, relu(channel_linear(features, x[i]))}, 1);
       return features;
     }},
    // ResNet: y = relu(x + F(x)) with F two channel mixings around a nonlinearity.
    {"graph/resnet_residual",
     with_channel_linear("torch.relu(a[0] + cl(torch.tanh(cl(a[0], a[1])), a[2]))"),
     {In({2, 3, 4, 4}), In({5, 3}), In({3, 5})},
     [](const Args& x) {
       return relu(x[0] + channel_linear(tanh(channel_linear(x[0], x[1])), x[2]));
     }},
    {"graph/resnet_residual_features",
     "lambda x, w1, w2: torch.relu(x + F.linear(torch.relu(F.linear(x, w1)), w2))",
     {In({4, 5}), In({6, 5}), In({5, 6})},
     [](const Args& x) { return relu(x[0] + linear(relu(linear(x[0], x[1])), x[2])); }},
    // Super-resolution head: sub-pixel convolution output, reflect-padded.
    {"graph/pixel_shuffle_reflect_pad",
     "lambda a: F.pad(torch.tanh(F.pixel_shuffle(a, 2)), (1, 1, 1, 1), mode='reflect')",
     {In({1, 4, 2, 3})},
     [](const Args& x) {
       return F::pad(tanh(F::pixel_shuffle(x[0], 2)), {1, 1, 1, 1}, "reflect");
     }},
});

}  // namespace
}  // namespace nabla::testing
