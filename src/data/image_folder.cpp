// Image-folder trees, as torchvision's ImageFolder: root/<class>/<image>.
// Classes are the sorted folder names; within a class the files are taken
// in sorted order, so the example order is the same on every machine.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

#include "nabla/data/readers.h"
#include "nabla/io/image.h"
#include "nabla/ops/factory.h"

namespace nabla::data {
namespace {

namespace fs = std::filesystem;

bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

bool hidden(const fs::path& p) {
  return p.filename().string().starts_with(".");
}

std::vector<fs::directory_entry> list(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    entries.push_back(*it);
  NABLA_CHECK(!ec, "read_image_folder: cannot list '", dir.string(), "': ", ec.message());
  return entries;
}

}  // namespace

std::shared_ptr<TensorDataset> read_image_folder(const std::string& root, int channels) {
  NABLA_CHECK(channels == 0 || channels == 1 || channels == 3, "read_image_folder: '", root,
              "': channels is ", channels, "; expected 0 (keep the files'), 1 (gray) or 3 (RGB)");
  std::error_code ec;
  NABLA_CHECK(fs::is_directory(root, ec), "read_image_folder: '", root,
              "': ", fs::exists(root, ec) ? "is not a directory" : "does not exist",
              "; expected a folder root/<class>/<image>.png");

  std::vector<std::string> classes;
  for (const fs::directory_entry& e : list(root))
    if (e.is_directory() && !hidden(e.path())) classes.push_back(e.path().filename().string());
  std::sort(classes.begin(), classes.end());
  NABLA_CHECK(!classes.empty(), "read_image_folder: '", root,
              "': has no class folders; expected root/<class>/<image>.png");

  std::vector<std::string> files;
  std::vector<int64_t> labels;
  for (size_t k = 0; k < classes.size(); ++k) {
    const fs::path dir = fs::path(root) / classes[k];
    std::vector<std::string> found;
    for (const fs::directory_entry& e : list(dir))
      if (!hidden(e.path()) && is_image_file(e.path()) && !e.is_directory())
        found.push_back(e.path().string());
    NABLA_CHECK(!found.empty(), "read_image_folder: class folder '", dir.string(),
                "' holds no .png, .jpg or .jpeg file");
    std::sort(found.begin(), found.end());
    for (std::string& f : found) {
      files.push_back(std::move(f));
      labels.push_back(static_cast<int64_t>(k));
    }
  }

  // The first image sets the size every other must have.
  const Tensor first = read_image(files[0], channels);
  const Shape shape = first.shape();
  const int64_t n = static_cast<int64_t>(files.size());
  const int64_t per_image = first.numel();
  Shape all_shape{n};
  all_shape.insert(all_shape.end(), shape.begin(), shape.end());
  Tensor images = empty(all_shape, kUInt8);
  uint8_t* dst = images.data_ptr<uint8_t>();
  std::memcpy(dst, first.data_ptr<uint8_t>(), static_cast<size_t>(per_image));

  // Decoded in parallel; an error is kept per file, and the first in file
  // order is reported, so the message does not depend on thread timing.
  std::vector<std::string> errors(files.size());
#pragma omp parallel for schedule(dynamic, 8)
  for (int64_t i = 1; i < n; ++i) {
    try {
      const Tensor image = read_image(files[i], channels);
      if (image.shape() != shape) {
        errors[i] = detail::concat(
            "read_image_folder: '", files[i], "' is ", image.shape(), " (C, H, W), but '", files[0],
            "' is ", shape, "; all images must have one size",
            image.size(0) != shape[0]
                ? " (channels=1 or channels=3 converts them all to gray or RGB)"
                : "");
        continue;
      }
      std::memcpy(dst + i * per_image, image.data_ptr<uint8_t>(), static_cast<size_t>(per_image));
    } catch (const std::exception& e) {
      errors[i] = detail::concat("read_image_folder: '", root, "': ", e.what());
    }
  }
  for (const std::string& e : errors)
    if (!e.empty()) throw Error(e);
  return std::make_shared<TensorDataset>(images, tensor(labels, {n}), std::move(classes));
}

}  // namespace nabla::data
