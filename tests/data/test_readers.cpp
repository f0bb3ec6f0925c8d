// The file readers of data/readers.h on small files written by the tests:
// round trips, hand-written bytes, and corrupt files whose errors must name
// the file and where it went wrong.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <limits>

#include "nabla/data/readers.h"
#include "nabla/io/image.h"
#include "nabla/ops/factory.h"
#include "testing/errors.h"
#include "testing/temp_dir.h"

namespace nabla::data {
namespace {

using nabla::testing::read_bytes;
using nabla::testing::TempFolder;
using nabla::testing::write_bytes;

std::string bytes(std::initializer_list<int> values) {
  std::string s;
  for (int v : values) s.push_back(static_cast<char>(v));
  return s;
}

// A gzip file of one "stored" (uncompressed) deflate block: lets a test put
// any decompressed bytes, including malformed IDX data, inside valid gzip.
uint32_t crc32_of(const std::string& data) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}
std::string gzip_stored(const std::string& data) {
  EXPECT_LT(data.size(), 65536u);
  const auto n = static_cast<uint32_t>(data.size());
  std::string out = bytes({0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff});
  out += bytes({1, int(n & 0xff), int(n >> 8), int(~n & 0xff), int((~n >> 8) & 0xff)});
  out += data;
  const uint32_t crc = crc32_of(data);
  for (int k = 0; k < 4; ++k) out.push_back(static_cast<char>((crc >> (8 * k)) & 0xff));
  for (int k = 0; k < 4; ++k) out.push_back(static_cast<char>((n >> (8 * k)) & 0xff));
  return out;
}

void expect_equal(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.dtype(), b.dtype());
  ASSERT_EQ(a.shape(), b.shape());
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  EXPECT_EQ(std::memcmp(ca.raw_data(), cb.raw_data(), ca.numel() * ca.element_size()), 0)
      << a << "\nvs\n"
      << b;
}

// ---------------------------------------------------------------- IDX

TEST(Idx, RoundTripsEveryDtypeRawAndGzip) {
  TempFolder dir;
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor cases[] = {
      tensor({0, 1, 127, 128, 254, 255}, {2, 3}, kUInt8),
      tensor(std::vector<int64_t>{-2147483648LL, -1, 0, 1, 2147483647LL}),
      tensor(std::vector<float>{-0.0f, 1.5f, -3.25e-20f, 1e30f, inf, 7.0f}, {3, 1, 2}),
      tensor({0.1, -2.5, 1e300}, {3}, kFloat64),
      zeros({0, 4}, kUInt8),
  };
  for (const char* ext : {".idx", ".idx.gz"}) {
    int k = 0;
    for (const Tensor& t : cases) {
      const std::string path = dir / detail::concat("t", k++, ext);
      write_idx(t, path);
      expect_equal(read_idx(path), t);
    }
  }
}

TEST(Idx, WritesTheBytesOfTheFormat) {
  TempFolder dir;
  write_idx(tensor({1, 2, 3, 4, 5, 6}, {2, 3}, kUInt8), dir / "u8.idx");
  EXPECT_EQ(read_bytes(dir / "u8.idx"),
            bytes({0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6}));
  write_idx(tensor(std::vector<int64_t>{-2, 258}), dir / "i32.idx");
  EXPECT_EQ(read_bytes(dir / "i32.idx"),
            bytes({0, 0, 0x0c, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 2}));
  write_idx(tensor(std::vector<float>{1.5f}), dir / "f32.idx");
  EXPECT_EQ(read_bytes(dir / "f32.idx"), bytes({0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0}));
  // gzip by the name: the file starts with gzip's magic.
  write_idx(tensor({1, 2}, {2}, kUInt8), dir / "u8.idx.gz");
  EXPECT_EQ(read_bytes(dir / "u8.idx.gz").substr(0, 2), bytes({0x1f, 0x8b}));
}

TEST(Idx, ReadsHandWrittenIntegerTypesAsInt64) {
  TempFolder dir;
  write_bytes(dir / "i8", bytes({0, 0, 0x09, 1, 0, 0, 0, 3, 0xff, 0x80, 0x7f}));
  expect_equal(read_idx(dir / "i8"), tensor(std::vector<int64_t>{-1, -128, 127}));
  write_bytes(dir / "i16", bytes({0, 0, 0x0b, 1, 0, 0, 0, 2, 0xff, 0xfe, 0x01, 0x00}));
  expect_equal(read_idx(dir / "i16"), tensor(std::vector<int64_t>{-2, 256}));
  write_bytes(dir / "f64", bytes({0, 0, 0x0e, 0, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18}));
  const Tensor pi = read_idx(dir / "f64");  // 0 dimensions: one element
  EXPECT_EQ(pi.dim(), 0);
  EXPECT_EQ(pi.item<double>(), 3.141592653589793);
}

TEST(Idx, DetectsGzipByItsMagicNotByTheName) {
  TempFolder dir;
  const std::string idx = bytes({0, 0, 8, 1, 0, 0, 0, 2, 9, 8});
  write_bytes(dir / "compressed.idx", gzip_stored(idx));
  expect_equal(read_idx(dir / "compressed.idx"), tensor({9, 8}, {2}, kUInt8));
  write_bytes(dir / "raw.gz", idx);
  expect_equal(read_idx(dir / "raw.gz"), tensor({9, 8}, {2}, kUInt8));
}

TEST(Idx, CorruptRawFilesNameTheFileAndTheOffset) {
  TempFolder dir;
  const std::string p = dir / "bad.idx";
  write_bytes(p, bytes({'P', '5', 10, '2', 8, 0, 0, 0}));
  EXPECT_ERROR(read_idx(p), p.c_str(), "bad magic number 0x50350a32", "byte offset 0",
               "expected 0x0000TTDD");

  write_bytes(p, bytes({0, 0, 0x07, 1, 0, 0, 0, 1, 0}));
  EXPECT_ERROR(read_idx(p), p.c_str(), "unknown element type 0x07", "byte offset 2", "0x08 (u8)");

  write_bytes(p, "");
  EXPECT_ERROR(read_idx(p), p.c_str(), "ends at byte offset 0", "4-byte magic");

  write_bytes(p, bytes({0, 0, 8, 3, 0, 0, 0, 2, 0, 0}));
  EXPECT_ERROR(read_idx(p), p.c_str(), "ends at byte offset 10 in the sizes",
               "3 dimensions (byte 3) need 12 bytes");

  // (2, 3) u8 needs 6 data bytes after the 12-byte header.
  write_bytes(p, bytes({0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4}));
  EXPECT_ERROR(read_idx(p), p.c_str(), "truncated", "[2, 3] of u8 (0x08) elements need 6 bytes",
               "ending at byte offset 18", "file ends at byte offset 16");

  write_bytes(p, bytes({0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_ERROR(read_idx(p), p.c_str(), "3 trailing byte(s) from byte offset 18", "[2, 3]");

  // Sizes whose product overflows: 0xffffffff³ · 8 bytes.
  write_bytes(p, bytes({0, 0, 0x0e, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                        0xff, 0xff}));
  EXPECT_ERROR(read_idx(p), p.c_str(), "[4294967295, 4294967295, 4294967295]", "overflows");

  const std::string missing = dir / "missing.idx";
  EXPECT_ERROR(read_idx(missing), missing.c_str(), "cannot open", "No such file");
  EXPECT_ERROR(read_idx(dir.path().string()), "is a directory");
}

TEST(Idx, CorruptGzipFilesNameTheFileAndTheDecompressedOffset) {
  TempFolder dir;
  const std::string p = dir / "bad.idx.gz";
  const std::string good = bytes({0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6});

  write_bytes(p, gzip_stored(bytes({'P', '5', 10, '2'})));
  EXPECT_ERROR(read_idx(p), p.c_str(), "bad magic number",
               "byte offset 0 of the decompressed data");

  // IDX data cut short inside a complete gzip stream.
  write_bytes(p, gzip_stored(good.substr(0, 15)));
  EXPECT_ERROR(read_idx(p), p.c_str(), "truncated", "byte offset 15 of the decompressed data",
               "need 6 bytes");

  // The gzip file itself cut short.
  write_idx(arange(0, 200, 1, kUInt8), p);
  const std::string whole = read_bytes(p);
  write_bytes(p, whole.substr(0, whole.size() / 2));
  EXPECT_ERROR(read_idx(p), p.c_str(), "of the decompressed data", "cut short");

  write_bytes(p, gzip_stored(good + "xyz"));
  EXPECT_ERROR(read_idx(p), p.c_str(), "3 trailing byte(s)",
               "byte offset 18 of the decompressed data");

  // Two gzip members read as one stream: the second is trailing data.
  write_bytes(p, gzip_stored(good) + gzip_stored("ab"));
  EXPECT_ERROR(read_idx(p), p.c_str(), "2 trailing byte(s)");

  // A damaged checksum.
  std::string damaged = gzip_stored(good);
  damaged[damaged.size() - 6] ^= 0x5a;
  write_bytes(p, damaged);
  EXPECT_ERROR(read_idx(p), p.c_str(), "corrupt gzip data", "zlib says");

  // Sizes far beyond what the small file can hold are refused before allocating.
  write_bytes(p, gzip_stored(bytes({0, 0, 8, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0})));
  EXPECT_ERROR(read_idx(p), p.c_str(), "[65536, 65536, 256]", "more than a gzip file");
}

TEST(Idx, WriteRejectsWhatIdxCannotHold) {
  TempFolder dir;
  const std::string p = dir / "big.idx";
  EXPECT_ERROR(write_idx(tensor(std::vector<int64_t>{0, int64_t(1) << 40}), p), p.c_str(),
               "element 1 is 1099511627776", "i32");
  EXPECT_FALSE(std::filesystem::exists(p));
  const std::string nowhere = dir / "no/such/folder/x.idx";
  EXPECT_ERROR(write_idx(zeros({2}), nowhere), nowhere.c_str(), "cannot create");
}

// ---------------------------------------------------------------- CIFAR

// A record: label byte(s), then the 3072 pixel bytes, here pixel i of the
// record = (seed + i) mod 256.
std::string cifar_record(std::initializer_list<int> labels, int seed) {
  std::string r = bytes(labels);
  for (int i = 0; i < 3072; ++i) r.push_back(static_cast<char>((seed + i) & 0xff));
  return r;
}

TEST(Cifar, ReadsRecordsOfSeveralFilesInOrder) {
  TempFolder dir;
  write_bytes(dir / "a.bin", cifar_record({3}, 0) + cifar_record({9}, 100));
  write_bytes(dir / "b.bin", cifar_record({0}, 7));
  auto [images, labels] = read_cifar({dir / "a.bin", dir / "b.bin"});
  EXPECT_EQ(images.shape(), (Shape{3, 3, 32, 32}));
  EXPECT_EQ(images.dtype(), kUInt8);
  EXPECT_EQ(labels.to_vector_as<int64_t>(), (std::vector<int64_t>{3, 9, 0}));
  // The planes R, G, B of 32×32: channel c, row y, column x is byte c·1024 + y·32 + x.
  EXPECT_EQ(images.at({0, 0, 0, 0}), 0);
  EXPECT_EQ(images.at({0, 1, 0, 5}), (1024 + 5) % 256);
  EXPECT_EQ(images.at({1, 2, 3, 4}), (100 + 2048 + 3 * 32 + 4) % 256);
  EXPECT_EQ(images.at({2, 0, 0, 0}), 7);
}

TEST(Cifar, Cifar100UsesTheFineLabel) {
  TempFolder dir;
  write_bytes(dir / "train.bin", cifar_record({19, 99}, 1) + cifar_record({0, 4}, 2));
  auto [images, labels] = read_cifar({dir / "train.bin"}, true);
  EXPECT_EQ(images.size(0), 2);
  EXPECT_EQ(labels.to_vector_as<int64_t>(), (std::vector<int64_t>{99, 4}));
  EXPECT_EQ(images.at({1, 0, 0, 0}), 2);
}

TEST(Cifar, CorruptFilesNameTheFileTheRecordAndTheOffset) {
  TempFolder dir;
  const std::string p = dir / "data_batch_1.bin";
  write_bytes(p, cifar_record({1}, 0) + cifar_record({2}, 0).substr(0, 1000));
  EXPECT_ERROR(read_cifar({p}), p.c_str(), "record 1 starts at byte offset 3073",
               "cut short at byte offset 4073", "3073 bytes");
  write_bytes(p, cifar_record({1}, 0) + cifar_record({10}, 0));
  EXPECT_ERROR(read_cifar({p}), p.c_str(), "record 1 (byte offset 3073) has label 10", "0-9");
  write_bytes(p, cifar_record({1, 100}, 0));
  EXPECT_ERROR(read_cifar({p}, true), p.c_str(), "fine label 100");
  write_bytes(p, "");
  EXPECT_ERROR(read_cifar({p}), p.c_str(), "empty");
  EXPECT_ERROR(read_cifar({dir / "nope.bin"}), "nope.bin", "cannot open");
}

// ---------------------------------------------------------------- CSV

TEST(Csv, ClassNamesAreNumberedInSortedOrder) {
  TempFolder dir;
  const std::string p = dir / "animals.csv";
  write_bytes(p,
              "height, species ,\"weight, kg\"\r\n"
              "1.5,dog,20\r\n"
              "\r\n"
              "0.25, cat , -3e2\r\n"
              "+2,\"ant\",1e-3\n"
              "4,cat,\"5\"\n");
  const auto ds = read_csv(p, "species");
  EXPECT_EQ(ds->classes(), (std::vector<std::string>{"ant", "cat", "dog"}));
  EXPECT_EQ(ds->size(), 4);
  EXPECT_EQ(ds->input_shape(), (Shape{2}));
  EXPECT_EQ(ds->targets().to_vector_as<int64_t>(), (std::vector<int64_t>{2, 1, 0, 1}));
  EXPECT_EQ(ds->inputs().to_vector_as<float>(),
            (std::vector<float>{1.5f, 20, 0.25f, -300, 2, 1e-3f, 4, 5}));
}

TEST(Csv, IntegerLabelsAreClassIndices) {
  TempFolder dir;
  const std::string p = dir / "ints.csv";
  write_bytes(p, "label,x\n2,0.5\n0,1\n2,-1\n");
  const auto ds = read_csv(p, "label");
  EXPECT_EQ(ds->targets().to_vector_as<int64_t>(), (std::vector<int64_t>{2, 0, 2}));
  EXPECT_EQ(ds->classes(), (std::vector<std::string>{"0", "1", "2"}));
  const Example e = ds->get(1);
  EXPECT_EQ(e.target.item<int64_t>(), 0);
  EXPECT_EQ(e.input.to_vector_as<float>(), (std::vector<float>{1}));
}

TEST(Csv, BadInputNamesTheFileTheLineAndTheColumn) {
  TempFolder dir;
  const std::string p = dir / "bad.csv";
  write_bytes(p, "a,b,label\n1,2,x\n3,abc,y\n");
  EXPECT_ERROR(read_csv(p, "label"), p.c_str(), "line 3", "column 2 ('b')", "'abc'");
  write_bytes(p, "a,b,label\n1,2,x\n\n3,y\n");
  EXPECT_ERROR(read_csv(p, "label"), p.c_str(), "line 4", "has 2 fields", "3 columns");
  write_bytes(p, "a,b,label\n1,nan,x\n");
  EXPECT_ERROR(read_csv(p, "label"), p.c_str(), "line 2", "column 2 ('b')", "not a finite");
  write_bytes(p, "a,b,label\n1,,x\n");
  EXPECT_ERROR(read_csv(p, "label"), p.c_str(), "line 2", "column 2", "empty");
  write_bytes(p, "a,b,label\n1,2,\"x\n");
  EXPECT_ERROR(read_csv(p, "label"), p.c_str(), "line 2", "column 3", "not closed");
  write_bytes(p, "a,b,label\n1,2,-1\n");
  EXPECT_ERROR(read_csv(p, "label"), p.c_str(), "line 2", "label -1 is negative");
  write_bytes(p, "a,b,class\n1,2,3\n");
  EXPECT_ERROR(read_csv(p, "label"), p.c_str(), "line 1", "no column named 'label'",
               "'a', 'b', 'class'");
  write_bytes(p, "a,b,label\n");
  EXPECT_ERROR(read_csv(p, "label"), p.c_str(), "followed by no rows");
}

// ---------------------------------------------------------------- image folders

// A gray h×w image whose pixels are all `value`.
Tensor gray(int64_t h, int64_t w, double value) {
  return full({1, h, w}, value, kUInt8);
}

TEST(ImageFolder, ClassesAreTheSortedFolderNames) {
  TempFolder dir;
  const std::filesystem::path root = dir.path() / "root";
  std::filesystem::create_directories(root / "dog");
  std::filesystem::create_directories(root / "cat");
  write_png(gray(4, 3, 10), (root / "dog" / "z.png").string());
  write_png(gray(4, 3, 20), (root / "cat" / "b.PNG").string());
  write_png(gray(4, 3, 30), (root / "cat" / "a.png").string());
  write_bytes((root / "cat" / "notes.txt").string(), "not an image, and not read");
  write_bytes((root / "README").string(), "ignored");

  const auto ds = read_image_folder(root.string());
  EXPECT_EQ(ds->classes(), (std::vector<std::string>{"cat", "dog"}));
  ASSERT_EQ(ds->size(), 3);
  EXPECT_EQ(ds->input_shape(), (Shape{1, 4, 3}));
  EXPECT_EQ(ds->targets().to_vector_as<int64_t>(), (std::vector<int64_t>{0, 0, 1}));
  // Files in sorted order within a class: a.png, b.PNG.
  EXPECT_EQ(ds->inputs().at({0, 0, 0, 0}), 30);
  EXPECT_EQ(ds->inputs().at({1, 0, 3, 2}), 20);
  EXPECT_FLOAT_EQ(ds->get(2).input.at({0, 1, 1}), 10.0f / 255.0f);

  const auto rgb = read_image_folder(root.string(), 3);
  EXPECT_EQ(rgb->input_shape(), (Shape{3, 4, 3}));
  EXPECT_EQ(rgb->inputs().at({2, 2, 0, 0}), 10);
}

TEST(ImageFolder, BadTreesNameTheOffendingFile) {
  TempFolder dir;
  const std::filesystem::path root = dir.path() / "root";
  std::filesystem::create_directories(root / "a");
  write_png(gray(4, 4, 1), (root / "a" / "1.png").string());
  write_png(gray(5, 4, 1), (root / "a" / "2.png").string());
  EXPECT_ERROR(read_image_folder(root.string()), "2.png' is [1, 5, 4]", "1.png' is [1, 4, 4]",
               "one size");

  write_png(full({3, 4, 4}, 0, kUInt8), (root / "a" / "2.png").string());
  EXPECT_ERROR(read_image_folder(root.string()), "2.png' is [3, 4, 4]", "channels=1");
  EXPECT_EQ(read_image_folder(root.string(), 1)->size(), 2);

  write_bytes((root / "a" / "2.png").string(), "this is text, not a PNG");
  const std::string not_png = (root / "a" / "2.png").string();
  EXPECT_ERROR(read_image_folder(root.string()), not_png.c_str(), "cannot decode");

  std::filesystem::remove(root / "a" / "2.png");
  std::filesystem::create_directories(root / "b");
  const std::string empty_class = (root / "b").string();
  EXPECT_ERROR(read_image_folder(root.string()), empty_class.c_str(),
               "holds no .png, .jpg or .jpeg file");

  EXPECT_ERROR(read_image_folder((dir.path() / "none").string()), "none", "does not exist");
}

}  // namespace
}  // namespace nabla::data
