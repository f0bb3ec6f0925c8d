#include "predict.h"

#include <omp.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>

#include "checkpoint.h"
#include "nabla/autograd/grad_mode.h"
#include "nabla/core/error.h"
#include "nabla/core/generator.h"
#include "nabla/data/readers.h"
#include "nabla/io/image.h"
#include "nabla/ops/activation.h"
#include "nabla/ops/elementwise.h"
#include "nabla/ops/index.h"
#include "nabla/ops/vision.h"

namespace nabla::cli {

namespace {

struct Image {
  std::string name;  // "cat.png", or "test.idx[3]"
  Tensor pixels;     // f32 (C, H, W) in the model's form
  std::string note;  // what was done to fit the model
};

bool is_image_file(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

// (C, H, W) of any dtype → f32 in the model's channels and size.
Tensor fit(Tensor image, const models::ModelConfig& config, const std::string& name,
           std::string& note) {
  image = image.dtype() == kUInt8 ? mul(image.to(kFloat32), 1.0 / 255) : image.to(kFloat32);
  const int64_t c = image.size(0);
  if (c != config.in_channels) {
    if (c == 1 && config.in_channels == 3) {
      image = image.expand({3, image.size(1), image.size(2)}).contiguous();
    } else if (c == 3 && config.in_channels == 1) {
      // ITU-R 601 luma, as PIL's convert("L").
      image = add(add(mul(image.select(0, 0), 0.299), mul(image.select(0, 1), 0.587)),
                  mul(image.select(0, 2), 0.114))
                  .unsqueeze(0);
    } else {
      NABLA_FAIL("predict: '", name, "' has ", c, " channels; the model takes ",
                 config.in_channels);
    }
  }
  if (image.size(1) != config.image_size || image.size(2) != config.image_size) {
    note = "resized from " + std::to_string(image.size(1)) + "x" + std::to_string(image.size(2));
    image = interpolate(image.unsqueeze(0), {config.image_size, config.image_size}, {}, "bilinear")
                .squeeze(0);
  }
  return image.contiguous();
}

std::vector<Image> read_inputs(const std::string& path, const models::ModelConfig& config) {
  std::vector<Image> images;
  if (is_image_file(path)) {
    const int channels = config.in_channels == 1 || config.in_channels == 3
                             ? static_cast<int>(config.in_channels)
                             : 0;
    Image im{path, {}, {}};
    im.pixels = fit(read_image(path, channels), config, path, im.note);
    images.push_back(std::move(im));
    return images;
  }
  Tensor t = data::read_idx(path);
  if (t.dim() == 2) t = t.unsqueeze(0);  // one (H, W) image
  if (t.dim() == 3) t = t.unsqueeze(1);  // (N, H, W) gray images
  NABLA_CHECK(t.dim() == 4, "predict: '", path, "' holds a tensor of shape ", t.shape(),
              "; expected images (N, H, W) or (N, C, H, W), or a .png/.jpg file");
  for (int64_t i = 0; i < t.size(0); ++i) {
    Image im{path + "[" + std::to_string(i) + "]", {}, {}};
    im.pixels = fit(t.select(0, i), config, im.name, im.note);
    images.push_back(std::move(im));
  }
  return images;
}

}  // namespace

int run_predict(const PredictOptions& o, std::ostream& out) {
  NABLA_CHECK(!o.checkpoint.empty(), "predict: --checkpoint FILE is required");
  NABLA_CHECK(!o.inputs.empty(), "predict: give one or more images (PNG, JPEG or IDX files)");
  NABLA_CHECK(o.top_k >= 1, "--top-k must be >= 1, got ", o.top_k);
  if (o.threads > 0) omp_set_num_threads(static_cast<int>(o.threads));
  const CheckpointInfo info = read_checkpoint_info(o.checkpoint);
  const auto model = load_model(o.checkpoint, info.model, info.model_config);
  model->eval();
  std::string augment;
  if (info.config.is_object() && info.config.contains("augment"))
    augment = info.config.at("augment").get<std::string>();
  const data::TransformPtr transform = eval_transform(augment, info.model_config.image_size);
  const int64_t k = std::min(o.top_k, info.model_config.num_classes);

  nlohmann::json predictions = nlohmann::json::array();
  NoGradGuard no_grad;
  Generator gen(0);  // eval transforms (normalize) draw nothing
  for (const std::string& path : o.inputs) {
    std::vector<Image> images = read_inputs(path, info.model_config);
    constexpr size_t kChunk = 256;
    for (size_t first = 0; first < images.size(); first += kChunk) {
      const size_t last = std::min(images.size(), first + kChunk);
      std::vector<Tensor> batch;
      for (size_t i = first; i < last; ++i)
        batch.push_back(transform ? (*transform)(images[i].pixels, gen) : images[i].pixels);
      const Tensor probs = softmax((*model)(stack(batch)), 1);
      for (size_t i = first; i < last; ++i) {
        const std::vector<double> p = probs.select(0, static_cast<int64_t>(i - first)).to_vector();
        std::vector<int64_t> order(p.size());
        std::iota(order.begin(), order.end(), 0);
        std::partial_sort(order.begin(), order.begin() + k, order.end(),
                          [&](int64_t a, int64_t b) { return p[a] > p[b]; });
        nlohmann::json top = nlohmann::json::array();
        std::string line = images[i].name + ":";
        for (int64_t j = 0; j < k; ++j) {
          const int64_t c = order[j];
          const std::string name =
              c < static_cast<int64_t>(info.classes.size()) ? info.classes[c] : std::to_string(c);
          top.push_back({{"class", name}, {"index", c}, {"probability", p[c]}});
          char buf[128];
          std::snprintf(buf, sizeof buf, "%s %s %.4f", j ? "," : "", name.c_str(), p[c]);
          line += buf;
        }
        if (!images[i].note.empty()) line += "  (" + images[i].note + ")";
        nlohmann::json entry = {{"input", images[i].name}, {"top", top}};
        if (!images[i].note.empty()) entry["note"] = images[i].note;
        predictions.push_back(entry);
        if (!o.json) out << line << "\n";
      }
    }
  }
  if (o.json) out << nlohmann::json{{"predictions", predictions}}.dump() << "\n";
  return 0;
}

}  // namespace nabla::cli
