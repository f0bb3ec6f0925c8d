// PNG files through write_png and read_image: round trips, channel
// conversion, float images, atomic writes, and files that are not images.
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "nabla/io/image.h"
#include "nabla/ops/factory.h"
#include "testing/errors.h"
#include "testing/temp_dir.h"

namespace nabla {
namespace {

using nabla::testing::read_bytes;
using nabla::testing::TempFolder;
using nabla::testing::write_bytes;

// A u8 (C, H, W) image whose bytes are distinct patterns per channel.
Tensor pattern(int64_t c, int64_t h, int64_t w) {
  std::vector<double> v;
  for (int64_t k = 0; k < c; ++k)
    for (int64_t i = 0; i < h * w; ++i) v.push_back(static_cast<double>((37 * k + 11 * i) % 256));
  return tensor(v, {c, h, w}, kUInt8);
}

std::vector<std::string> files_in(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Image, PngRoundTripsGrayRgbAndRgba) {
  TempFolder dir;
  for (int64_t c : {1, 3, 4}) {
    const Tensor image = pattern(c, 5, 7);
    const std::string p = dir / (std::to_string(c) + "_channels.png");
    write_png(image, p);
    EXPECT_EQ(read_bytes(p).substr(1, 3), "PNG");
    const Tensor back = read_image(p);
    ASSERT_EQ(back.dtype(), kUInt8);
    ASSERT_EQ(back.shape(), (Shape{c, 5, 7}));
    EXPECT_EQ(back.to_vector(), image.to_vector()) << "channels " << c;
  }
}

TEST(Image, ConvertsChannelsOnRead) {
  TempFolder dir;
  const std::string p = dir / "gray.png";
  write_png(pattern(1, 3, 4), p);
  const Tensor rgb = read_image(p, 3);
  ASSERT_EQ(rgb.shape(), (Shape{3, 3, 4}));
  for (int64_t k = 0; k < 3; ++k)
    EXPECT_EQ(rgb.select(0, k).to_vector(), pattern(1, 3, 4).to_vector());

  const std::string q = dir / "rgb.png";
  write_png(tensor({255, 0, 0, 0, 0, 0}, {3, 1, 2}, kUInt8), q);  // a red and a black pixel
  const Tensor gray = read_image(q, 1);
  ASSERT_EQ(gray.shape(), (Shape{1, 1, 2}));
  // stb's luma: (77 R + 150 G + 29 B) / 256.
  EXPECT_EQ(gray.at({0, 0, 0}), (77 * 255) >> 8);
  EXPECT_EQ(gray.at({0, 0, 1}), 0);
}

// A 2×3 gray JPEG of value 128 (baseline, quality 90), as PIL writes it.
const char* const kGrayJpegHex =
    "ffd8ffe000104a46494600010100000100010000ffdb00430003020203020203030303040303040508050504"
    "04050a070706080c0a0c0c0b0a0b0b0d0e12100d0e110e0b0b1016101113141515150c0f1718161418121415"
    "14ffc0000b080003000201011100ffc4001f0000010501010101010100000000000000000102030405060708"
    "090a0bffc400b5100002010303020403050504040000017d0102030004110512213141061351610722711432"
    "8191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a43444546474849"
    "4a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3"
    "a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9ea"
    "f1f2f3f4f5f6f7f8f9faffda0008010100003f002bffd9";

std::string from_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

TEST(Image, ReadsJpeg) {
  TempFolder dir;
  const std::string p = dir / "gray.jpg";
  write_bytes(p, from_hex(kGrayJpegHex));
  const Tensor gray = read_image(p);
  ASSERT_EQ(gray.shape(), (Shape{1, 3, 2}));
  for (double v : gray.to_vector()) EXPECT_NEAR(v, 128, 1);
  EXPECT_EQ(read_image(p, 3).shape(), (Shape{3, 3, 2}));
  const std::string jpeg = from_hex(kGrayJpegHex);
  write_bytes(p, jpeg.substr(0, jpeg.size() / 3));
  EXPECT_ERROR(read_image(p), p.c_str(), "cannot decode");
}

TEST(Image, FloatImagesAreClampedAndRounded) {
  TempFolder dir;
  const std::string p = dir / "f.png";
  const double nan = std::numeric_limits<double>::quiet_NaN();
  write_png(tensor({-0.5, 0.0, 0.5, 1.0 / 255.0, 0.999, 2.0, nan, 1.0}, {1, 2, 4}), p);
  EXPECT_EQ(read_image(p).to_vector(), (std::vector<double>{0, 0, 128, 1, 255, 255, 0, 255}));
}

TEST(Image, WriteIsAtomicAndChecksItsInput) {
  TempFolder dir;
  const std::string p = dir / "keep.png";
  write_png(pattern(1, 2, 2), p);
  const std::string before = read_bytes(p);
  EXPECT_ERROR(write_png(zeros({2, 4, 4}), p), p.c_str(), "2 channels", "1 (gray), 3 (RGB)");
  EXPECT_ERROR(write_png(zeros({4, 4}), p), p.c_str(), "(C, H, W)", "[4, 4]");
  EXPECT_ERROR(write_png(zeros({1, 4, 4}, kInt64), p), p.c_str(), "int64");
  EXPECT_EQ(read_bytes(p), before);
  // Overwriting goes through a temporary file that does not stay behind.
  write_png(pattern(3, 2, 2), p);
  EXPECT_EQ(read_image(p).size(0), 3);
  EXPECT_EQ(files_in(dir.path()), (std::vector<std::string>{"keep.png"}));
  const std::string nowhere = dir / "missing/folder/x.png";
  EXPECT_ERROR(write_png(pattern(1, 2, 2), nowhere), nowhere.c_str(), "cannot create");
}

TEST(Image, FilesThatAreNotImagesNameTheFileAndTheReason) {
  TempFolder dir;
  const std::string missing = dir / "missing.png";
  EXPECT_ERROR(read_image(missing), missing.c_str(), "cannot open", "No such file");

  const std::string text = dir / "text.png";
  write_bytes(text, "this is not an image");
  EXPECT_ERROR(read_image(text), text.c_str(), "cannot decode", "stb_image says");

  const std::string empty_file = dir / "empty.png";
  write_bytes(empty_file, "");
  EXPECT_ERROR(read_image(empty_file), empty_file.c_str(), "empty");

  const std::string cut = dir / "cut.png";
  write_png(pattern(3, 16, 16), cut);
  const std::string whole = read_bytes(cut);
  write_bytes(cut, whole.substr(0, whole.size() / 2));
  EXPECT_ERROR(read_image(cut), cut.c_str(), "cannot decode");

  EXPECT_ERROR(read_image(dir.path().string()), "is a directory");
  EXPECT_ERROR(read_image(cut, 5), "channels is 5");
}

}  // namespace
}  // namespace nabla
