// PNG/JPEG through stb_image, PNG through stb_image_write. Debian's libstb
// holds both implementations, so only the declarations are included here.
#include "nabla/io/image.h"

#include <stb/stb_image.h>
#include <stb/stb_image_write.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <memory>
#include <vector>

#include "io/atomic_file.h"
#include "io/read_file.h"
#include "nabla/ops/factory.h"

namespace nabla {

Tensor read_image(const std::string& path, int channels) {
  NABLA_CHECK(channels >= 0 && channels <= 4, "read_image: '", path, "': channels is ", channels,
              "; expected 0 (keep the file's), 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA)");
  const std::vector<uint8_t> bytes = io::read_file(path, "read_image");
  NABLA_CHECK(!bytes.empty(), "read_image: '", path, "': the file is empty");
  NABLA_CHECK(bytes.size() <= size_t(INT_MAX), "read_image: '", path, "': the file is ",
              bytes.size(), " bytes, more than stb_image reads");
  int w = 0, h = 0, file_channels = 0;
  // stb's failure reason is thread-local in this build, so concurrent reads are safe.
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &file_channels,
                            channels),
      stbi_image_free);
  NABLA_CHECK(pixels != nullptr, "read_image: '", path, "': cannot decode the image (",
              bytes.size(), " bytes; stb_image says \"", stbi_failure_reason(),
              "\"); expected a PNG or JPEG file");
  const int64_t c = channels == 0 ? file_channels : channels;
  const int64_t hw = int64_t(h) * w;
  // stb gives H×W×C interleaved; nabla's images are C×H×W planes.
  Tensor out = empty({c, h, w}, kUInt8);
  uint8_t* dst = out.data_ptr<uint8_t>();
  const stbi_uc* src = pixels.get();
  if (c == 1) {
    std::copy(src, src + hw, dst);
  } else {
    for (int64_t i = 0; i < hw; ++i)
      for (int64_t k = 0; k < c; ++k) dst[k * hw + i] = src[i * c + k];
  }
  return out;
}

void write_png(const Tensor& image, const std::string& path) {
  NABLA_CHECK(image.defined(), "write_png: '", path, "': the image is undefined");
  NABLA_CHECK(image.dim() == 3, "write_png: '", path,
              "': expected an image of shape (C, H, W), got ", image.shape());
  const int64_t c = image.size(0), h = image.size(1), w = image.size(2);
  NABLA_CHECK(c == 1 || c == 3 || c == 4, "write_png: '", path, "': image ", image.shape(), " has ",
              c, " channels; expected 1 (gray), 3 (RGB) or 4 (RGBA)");
  NABLA_CHECK(h > 0 && w > 0 && h <= INT_MAX / 4 && w <= INT_MAX / 4 / c, "write_png: '", path,
              "': image ", image.shape(), " is empty or too large for a PNG");
  NABLA_CHECK(image.dtype() == kUInt8 || image.is_floating_point(), "write_png: '", path,
              "': expected a uint8 image or a float image in [0, 1], got ", image.dtype());

  // C×H×W planes to H×W×C interleaved bytes; floats are clamped to [0, 1]
  // and rounded (NaN becomes 0).
  const Tensor src = image.detach().cpu().contiguous();
  const int64_t hw = h * w;
  std::vector<unsigned char> pixels(static_cast<size_t>(hw * c));
  if (src.dtype() == kUInt8) {
    const uint8_t* p = src.data_ptr<uint8_t>();
    for (int64_t k = 0; k < c; ++k)
      for (int64_t i = 0; i < hw; ++i) pixels[i * c + k] = p[k * hw + i];
  } else {
    const Tensor f = src.to(kFloat64);
    const double* p = f.data_ptr<double>();
    for (int64_t k = 0; k < c; ++k)
      for (int64_t i = 0; i < hw; ++i) {
        const double v = p[k * hw + i];
        const double clamped = v > 0 ? (v < 1 ? v : 1) : 0;  // NaN fails v > 0: 0
        pixels[i * c + k] = static_cast<unsigned char>(std::lround(clamped * 255.0));
      }
  }

  // Encoded into memory first: stb calls back from C code, which must not
  // see an exception; then written atomically.
  struct Sink {
    std::vector<unsigned char> bytes;
    bool failed = false;
  } png;
  const int ok = stbi_write_png_to_func(
      [](void* context, void* data, int size) {
        auto* sink = static_cast<Sink*>(context);
        const auto* bytes = static_cast<const unsigned char*>(data);
        try {
          sink->bytes.insert(sink->bytes.end(), bytes, bytes + size);
        } catch (...) {
          sink->failed = true;
        }
      },
      &png, static_cast<int>(w), static_cast<int>(h), static_cast<int>(c), pixels.data(),
      static_cast<int>(w * c));
  NABLA_CHECK(ok != 0 && !png.failed && !png.bytes.empty(), "write_png: '", path,
              "': stb_image_write failed to encode ", image.shape());
  io::AtomicFile file(path, "write_png");
  file.write(png.bytes.data(), png.bytes.size());
  file.commit();
}

}  // namespace nabla
