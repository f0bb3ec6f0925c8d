// `nabla predict`: the top-k classes of images, by a checkpoint's model.
// Inputs are PNG or JPEG files (read_image), or IDX files of images (N, H, W)
// or (N, C, H, W), u8 or f32. Images are converted to the model's channel
// count (gray ↔ RGB) and, when their size differs from the model's, resized
// with bilinear interpolation (the output says so).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace nabla::cli {

struct PredictOptions {
  std::string checkpoint;
  std::vector<std::string> inputs;
  int64_t top_k = 3;
  bool json = false;  // {"predictions":[{"input":…,"top":[{"class":…,"index":…,"probability":…}]}]}
  int64_t threads = 0;
};

int run_predict(const PredictOptions& options, std::ostream& out);

}  // namespace nabla::cli
