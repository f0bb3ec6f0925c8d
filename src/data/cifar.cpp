// CIFAR-10/100 binary batches. A record is the label byte(s), then 3072
// pixel bytes: the R, G and B planes of 32×32, row-major, which is already
// nabla's C×H×W layout, so each record's pixels are copied as they are.
#include <cstring>
#include <filesystem>

#include "io/read_file.h"
#include "nabla/data/readers.h"
#include "nabla/ops/factory.h"

namespace nabla::data {
namespace {

void check_size(const std::string& path, int64_t size, int64_t record, int64_t label_bytes,
                const char* format) {
  NABLA_CHECK(size > 0, "read_cifar: '", path, "': the file is empty; expected ", format,
              " records of ", record, " bytes");
  NABLA_CHECK(size % record == 0, "read_cifar: '", path, "': ", size,
              " bytes is not a whole number of ", format, " records of ", record, " bytes (",
              label_bytes, " label byte", label_bytes > 1 ? "s" : "",
              " + 3072 pixel bytes): record ", size / record, " starts at byte offset ",
              size / record * record, " and is cut short at byte offset ", size, ", ",
              record - size % record, " bytes before its end");
}

}  // namespace

std::pair<Tensor, Tensor> read_cifar(const std::vector<std::string>& paths, bool cifar100) {
  constexpr int64_t kPixels = 3 * 32 * 32;
  const int64_t label_bytes = cifar100 ? 2 : 1;
  const int64_t record = label_bytes + kPixels;
  const char* format = cifar100 ? "CIFAR-100" : "CIFAR-10";
  NABLA_CHECK(!paths.empty(), "read_cifar: no files given");

  // The sizes first, so the images are allocated once and each file is held
  // in memory only while it is copied.
  int64_t n = 0;
  for (const std::string& path : paths) {
    std::error_code ec;
    const auto size = static_cast<int64_t>(std::filesystem::file_size(path, ec));
    NABLA_CHECK(!ec, "read_cifar: '", path, "': cannot open: ", ec.message());
    check_size(path, size, record, label_bytes, format);
    n += size / record;
  }

  Tensor images = empty({n, 3, 32, 32}, kUInt8);
  Tensor labels = empty({n}, kInt64);
  uint8_t* img = images.data_ptr<uint8_t>();
  int64_t* lab = labels.data_ptr<int64_t>();
  int64_t i = 0;
  for (const std::string& path : paths) {
    const std::vector<uint8_t> bytes = io::read_file(path, "read_cifar");
    check_size(path, static_cast<int64_t>(bytes.size()), record, label_bytes, format);
    const auto records = static_cast<int64_t>(bytes.size()) / record;
    NABLA_CHECK(i + records <= n, "read_cifar: '", path, "': the file grew while it was read");
    for (int64_t r = 0; r < records; ++r, ++i) {
      const uint8_t* rec = bytes.data() + r * record;
      if (cifar100) {
        NABLA_CHECK(rec[0] < 20, "read_cifar: '", path, "': record ", r, " (byte offset ",
                    r * record, ") has coarse label ", int(rec[0]),
                    "; CIFAR-100's coarse labels are 0-19 (is this a CIFAR-10 file?)");
        NABLA_CHECK(rec[1] < 100, "read_cifar: '", path, "': record ", r, " (byte offset ",
                    r * record + 1, ") has fine label ", int(rec[1]),
                    "; CIFAR-100's fine labels are 0-99");
        lab[i] = rec[1];
      } else {
        NABLA_CHECK(rec[0] < 10, "read_cifar: '", path, "': record ", r, " (byte offset ",
                    r * record, ") has label ", int(rec[0]),
                    "; CIFAR-10's labels are 0-9 (is this a CIFAR-100 file?)");
        lab[i] = rec[0];
      }
      std::memcpy(img + i * kPixels, rec + label_bytes, kPixels);
    }
  }
  NABLA_CHECK(i == n, "read_cifar: the files shrank while they were read");
  return {images, labels};
}

}  // namespace nabla::data
