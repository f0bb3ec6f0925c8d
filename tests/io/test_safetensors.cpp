// safetensors checkpoints: round trips, an independent reader and writer
// (safetensors_ref.py, numpy only) in both directions, every kind of corrupt
// file, and atomic overwrites that keep the old file when saving fails.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>

#include "nabla/nabla.h"
#include "testing/errors.h"

namespace nabla {
namespace {

using ::nabla::testing::error_message;

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// ---------------------------------------------------------------- helpers

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string u64_le(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

// A file of the given header text and data buffer, its length prefix correct.
std::string file_bytes(const std::string& header, const std::string& data) {
  return u64_le(header.size()) + header + data;
}

// The raw bytes of a tensor's elements in row-major order.
std::string bytes_of(const Tensor& t) {
  Tensor c = t.detach().cpu().contiguous();
  return std::string(static_cast<const char*>(c.raw_data()), c.numel() * c.element_size());
}

void expect_same(const Tensor& actual, const Tensor& expected, const std::string& name) {
  SCOPED_TRACE(name);
  EXPECT_EQ(actual.dtype(), expected.dtype());
  EXPECT_EQ(actual.shape(), expected.shape());
  EXPECT_TRUE(actual.device().is_cpu());
  // Tensor::is_contiguous() says false for some empty shapes such as (4, 0).
  if (actual.numel() > 0) {
    EXPECT_TRUE(actual.is_contiguous());
  }
  EXPECT_EQ(bytes_of(actual), bytes_of(expected));  // bitwise: NaN, -0.0 and all
}

// Runs a command, returns its exit status and puts stdout+stderr in output.
int run(const std::string& command, std::string* output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output->append(buf, n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool numpy_available() {
  static const bool ok = std::system(NABLA_TORCH_PYTHON " -c 'import numpy' >/dev/null 2>&1") == 0;
  return ok;
}

std::string reference_script() {
  return std::string(NABLA_TORCH_PYTHON " ") + NABLA_SOURCE_DIR + "/tests/io/safetensors_ref.py";
}

// The tensors and metadata safetensors_ref.py knows (known_set()), in order.
const std::map<std::string, std::string> kKnownMetadata = {
    {"format", "pt"}, {"epoch", "3"}, {"note", "naïve ∇"}};

StateDict known_set() {
  StateDict s;
  // arange(6) as (2, 3), written from a transposed (non-contiguous) view.
  Tensor transposed = arange(6, kFloat32).view({2, 3}).t().contiguous().t();
  EXPECT_FALSE(transposed.is_contiguous());
  s.set("f32_arange", transposed);
  s.set("f64_scalar", scalar_tensor(-2.5, kFloat64));
  s.set("i64_vector",
        tensor(std::vector<int64_t>{-(int64_t(1) << 40), -1, 0, 7, int64_t(1) << 62}));
  s.set("u8_bytes", tensor({0, 1, 128, 255}, {4}, kUInt8));
  s.set("f32_empty", zeros({0, 3}));
  return s;
}

class Safetensors : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ =
        fs::temp_directory_path() / ("nabla_io_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Files left in the directory other than the expected ones: a leftover
  // temporary shows up here.
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  }

  // Loading bytes must fail with a message naming the file and the problem.
  void expect_corrupt(const std::string& bytes, const std::string& problem) {
    const std::string p = path("corrupt.safetensors");
    write_bytes(p, bytes);
    const std::string msg = error_message([&] { load(p); });
    EXPECT_THAT(msg, HasSubstr(p));
    EXPECT_THAT(msg, HasSubstr(problem));
    EXPECT_THAT(error_message([&] { load_metadata(p); }), HasSubstr(problem));
  }

  fs::path dir_;
};

// ---------------------------------------------------------------- round trips

TEST_F(Safetensors, RoundTripsEveryDtypeShapeAndView) {
  StateDict s;
  s.set("f32", randn({3, 4}));
  s.set("f64", randn({2, 3, 2}, kFloat64));
  s.set("i64", tensor(std::vector<int64_t>{std::numeric_limits<int64_t>::min(), -1, 0,
                                           std::numeric_limits<int64_t>::max()}));
  s.set("u8", tensor({0, 7, 200, 255, 1, 2}, {2, 3}, kUInt8));
  s.set("scalar_f32", scalar_tensor(3.25));
  s.set("scalar_i64", scalar_tensor(-9, kInt64));
  s.set("empty", zeros({0}));
  s.set("empty_2d", zeros({4, 0}, kInt64));
  s.set("specials", tensor({0.0, -0.0, INFINITY, -INFINITY, NAN, 1e-45}, {6}, kFloat32));
  Tensor base = randn({4, 6}, kFloat64);
  s.set("transposed", base.t());
  s.set("strided", base.slice(1, 1, 6, 2));
  s.set("expanded", randn({3, 1}).expand({3, 5}));
  s.set("requires_grad", randn({2, 2}).requires_grad_());
  s.set("nested.name/with:chars", ones({1}));
  for (const char* k : {"transposed", "strided", "expanded"}) ASSERT_FALSE(s.at(k).is_contiguous());

  const std::string p = path("model.safetensors");
  save(s, p);
  const StateDict loaded = load(p, kCPU);
  EXPECT_EQ(loaded.keys(), s.keys());  // the order is kept
  for (const auto& [name, t] : s) expect_same(loaded.at(name), t, name);
  EXPECT_FALSE(loaded.at("requires_grad").requires_grad());
  EXPECT_TRUE(load_metadata(p).empty());
  EXPECT_EQ(files(), std::vector<std::string>{"model.safetensors"});
}

TEST_F(Safetensors, RoundTripsMetadataAndEmptyStateDict) {
  const std::string p = path("meta.safetensors");
  save(StateDict{}, p, kKnownMetadata);
  EXPECT_EQ(load_metadata(p), kKnownMetadata);
  EXPECT_EQ(load(p).size(), 0u);

  StateDict s;
  s.set("w", ones({2}));
  save(s, p, {{"step", "10"}, {"", "empty key"}, {"quote\"s", "line\nbreak"}});
  EXPECT_EQ(load_metadata(p), (std::map<std::string, std::string>{
                                  {"step", "10"}, {"", "empty key"}, {"quote\"s", "line\nbreak"}}));
  expect_same(load(p).at("w"), ones({2}), "w");
}

TEST_F(Safetensors, HeaderIsSpacePaddedToEightBytesAndDataIsContiguous) {
  StateDict s;
  s.set("a", ones({3}));  // 12 bytes
  s.set("bb", tensor({1, 2}, {2}, kUInt8));
  const std::string p = path("layout.safetensors");
  save(s, p, {{"k", "v"}});
  const std::string raw = read_bytes(p);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(raw[i]);
  EXPECT_EQ(n % 8, 0u);
  const std::string header = raw.substr(8, n);
  const size_t close = header.rfind('}');
  EXPECT_EQ(header.find_first_not_of(' ', close + 1), std::string::npos) << header;
  EXPECT_THAT(header, HasSubstr(R"("a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]})"));
  EXPECT_THAT(header, HasSubstr(R"("bb":{"dtype":"U8","shape":[2],"data_offsets":[12,14]})"));
  EXPECT_THAT(header, HasSubstr(R"("__metadata__":{"k":"v"})"));
  EXPECT_EQ(raw.size(), 8 + n + 14);
}

TEST_F(Safetensors, OverwriteReplacesTheFile) {
  const std::string p = path("ckpt.safetensors");
  StateDict a, b;
  a.set("x", ones({100}));
  b.set("y", zeros({2}, kInt64));
  save(a, p);
  save(b, p);
  EXPECT_EQ(load(p).keys(), std::vector<std::string>{"y"});
  EXPECT_EQ(files(), std::vector<std::string>{"ckpt.safetensors"});
}

TEST_F(Safetensors, ReadsBooleansAsUInt8) {
  const std::string p = path("bool.safetensors");
  write_bytes(p, file_bytes(R"({"mask":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})",
                            std::string("\x01\x00\x01", 3)));
  expect_same(load(p).at("mask"), tensor({1, 0, 1}, {3}, kUInt8), "mask");
}

// ---------------------------------------------------------------- the reference implementation

TEST_F(Safetensors, ReadsWhatTheReferenceWrites) {
  if (!numpy_available()) GTEST_SKIP() << NABLA_TORCH_PYTHON << " has no numpy";
  const std::string p = path("from_python.safetensors");
  std::string out;
  ASSERT_EQ(run(reference_script() + " write " + p, &out), 0) << out;
  const StateDict loaded = load(p);
  const StateDict want = known_set();
  EXPECT_EQ(loaded.keys(), want.keys());
  for (const auto& [name, t] : want) expect_same(loaded.at(name), t, name);
  EXPECT_EQ(load_metadata(p), kKnownMetadata);
}

TEST_F(Safetensors, ReferenceReadsWhatNablaWrites) {
  if (!numpy_available()) GTEST_SKIP() << NABLA_TORCH_PYTHON << " has no numpy";
  const std::string p = path("from_nabla.safetensors");
  save(known_set(), p, kKnownMetadata);
  std::string out;
  EXPECT_EQ(run(reference_script() + " check " + p, &out), 0) << out;
  std::cout << out;  // says whether the safetensors.torch check ran

  // The checker is not a rubber stamp: one changed value fails it.
  StateDict changed = known_set();
  changed.set("i64_vector", tensor(std::vector<int64_t>{0, -1, 0, 7, int64_t(1) << 62}));
  save(changed, p, kKnownMetadata);
  out.clear();
  EXPECT_EQ(run(reference_script() + " check " + p, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("MISMATCH: i64_vector"));
}

// ---------------------------------------------------------------- corrupt files

constexpr const char* kValidHeader = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                     R"("b":{"dtype":"U8","shape":[4],"data_offsets":[8,12]}})";
const std::string kValidData(12, '\x01');

TEST_F(Safetensors, HandWrittenFileLoads) {
  // The builder the corrupt cases start from makes a valid file.
  const std::string p = path("valid.safetensors");
  write_bytes(p, file_bytes(kValidHeader, kValidData));
  const StateDict s = load(p);
  EXPECT_EQ(s.keys(), (std::vector<std::string>{"a", "b"}));
  expect_same(s.at("b"), tensor({1, 1, 1, 1}, {4}, kUInt8), "b");
}

TEST_F(Safetensors, RejectsShortFile) {
  expect_corrupt("", "file is 0 bytes, shorter than the 8-byte header length");
  expect_corrupt("abcde", "file is 5 bytes, shorter than the 8-byte header length");
}

TEST_F(Safetensors, RejectsHeaderLengthPastTheFile) {
  expect_corrupt(u64_le(100) + "{}", "header length 100 (bytes 0-7) is larger than the 2 bytes");
  expect_corrupt(u64_le(~uint64_t(0)) + "{}", "exceeds the limit of 100000000 bytes");
  expect_corrupt(u64_le(100'000'001) + "{}", "header length 100000001 (bytes 0-7) exceeds");
}

TEST_F(Safetensors, RejectsHeaderThatIsNotAJsonObject) {
  expect_corrupt(file_bytes(R"({"a": {"dtype": "F32",)", ""), "header is not valid JSON");
  expect_corrupt(file_bytes(R"({"a": 1} trailing)", ""), "header is not valid JSON");
  expect_corrupt(file_bytes("[1, 2]", ""), "header is not a JSON object: it starts with '['");
  expect_corrupt(file_bytes("", ""), "header is not a JSON object: it is empty");
  expect_corrupt(file_bytes(R"({"a": 5})", ""), "tensor 'a': entry is number, not an object");
  expect_corrupt(file_bytes(R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},)"
                            R"("a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}})",
                            ""),
                 "header names 'a' twice");
}

TEST_F(Safetensors, RejectsEntryWithMissingField) {
  expect_corrupt(file_bytes(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", "abcd"),
                 "tensor 'w': missing \"dtype\"");
  expect_corrupt(file_bytes(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", "abcd"),
                 "tensor 'w': missing \"shape\"");
  expect_corrupt(file_bytes(R"({"w":{"dtype":"F32","shape":[1]}})", "abcd"),
                 "tensor 'w': missing \"data_offsets\"");
}

TEST_F(Safetensors, RejectsUnsupportedAndUnknownDtypes) {
  expect_corrupt(file_bytes(R"({"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})", "abcd"),
                 "tensor 'w': dtype BF16 is not supported by nabla (supported: F32, F64, I64, U8");
  expect_corrupt(file_bytes(R"({"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,4]}})", "abcd"),
                 "tensor 'w': unknown dtype 'Q7'");
  expect_corrupt(file_bytes(R"({"w":{"dtype":7,"shape":[2],"data_offsets":[0,4]}})", "abcd"),
                 "tensor 'w': dtype is number, not a string");
}

TEST_F(Safetensors, RejectsBadShapes) {
  expect_corrupt(file_bytes(R"({"w":{"dtype":"U8","shape":[2,-2],"data_offsets":[0,4]}})", "abcd"),
                 "tensor 'w': shape [2,-2] has a negative entry");
  expect_corrupt(file_bytes(R"({"w":{"dtype":"U8","shape":[2.0],"data_offsets":[0,2]}})", "ab"),
                 "tensor 'w': shape [2.0] has a non-integer entry");
  expect_corrupt(
      file_bytes(R"({"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})",
                 std::string(8, '\0')),
      "is too large");
}

TEST_F(Safetensors, RejectsOffsetsThatDoNotMatchTheShape) {
  expect_corrupt(
      file_bytes(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0')),
      "tensor 'w': data_offsets [0, 8] hold 8 bytes, but F32 of shape [3] needs 12");
  expect_corrupt(file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", "abcd"),
                 "tensor 'w': data_offsets [4, 0] end before they begin");
  expect_corrupt(file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", "abcd"),
                 "tensor 'w': data_offsets [0] is not a pair of non-negative integers");
  expect_corrupt(file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", "abcd"),
                 "is not a pair of non-negative integers");
}

TEST_F(Safetensors, RejectsOffsetsPastTheBuffer) {
  // The header is 53 bytes, so the 6-byte buffer spans file bytes [61, 67).
  const std::string header = R"({"w":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}})";
  ASSERT_EQ(header.size(), 53u);
  expect_corrupt(file_bytes(header, "abcdef"),
                 "tensor 'w': data_offsets [0, 8] run past the end of the data buffer, which "
                 "holds 6 bytes (the tensor would end at byte offset 69 of a file of 67 bytes)");
}

TEST_F(Safetensors, RejectsOverlapsGapsAndTrailingBytes) {
  expect_corrupt(file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                            std::string(8, '\0')),
                 "tensors 'a' [0, 8) and 'b' [4, 8) overlap at byte offset");
  expect_corrupt(file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                            R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                            std::string(12, '\0')),
                 "gap of 4 bytes before tensor 'b' (buffer bytes [4, 8)");
  expect_corrupt(
      file_bytes(R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", std::string(8, '\0')),
      "gap of 4 bytes before tensor 'b' (buffer bytes [0, 4)");
  expect_corrupt(file_bytes(kValidHeader, kValidData + "xyz"),
                 "trailing garbage: 3 bytes after the last tensor");
  expect_corrupt(file_bytes("{}", "x"), "trailing garbage: 1 bytes after the last tensor");
}

TEST_F(Safetensors, RejectsMalformedMetadata) {
  expect_corrupt(file_bytes(R"({"__metadata__":{"epoch":3}})", ""),
                 "\"__metadata__\" must map strings to strings; 'epoch' is number");
  expect_corrupt(file_bytes(R"({"__metadata__":[1]})", ""),
                 "\"__metadata__\" is array, not an object");
}

TEST_F(Safetensors, MissingFileIsAnError) {
  const std::string p = path("absent.safetensors");
  const std::string msg = error_message([&] { load(p); });
  EXPECT_THAT(msg, HasSubstr(p));
  EXPECT_THAT(msg, HasSubstr("cannot open: No such file or directory"));
}

// ---------------------------------------------------------------- atomic writes

class AtomicSave : public Safetensors {
 protected:
  void SetUp() override {
    Safetensors::SetUp();
    target_ = path("ckpt.safetensors");
    StateDict old;
    old.set("old", arange(10, kFloat32));
    save(old, target_, {{"version", "old"}});
    old_bytes_ = read_bytes(target_);
  }
  // The old checkpoint is intact and no temporary is left beside it.
  void expect_old_file_intact() {
    EXPECT_EQ(read_bytes(target_), old_bytes_);
    EXPECT_EQ(load_metadata(target_).at("version"), "old");
    EXPECT_EQ(files(), std::vector<std::string>{"ckpt.safetensors"});
  }
  std::string target_, old_bytes_;
};

TEST_F(AtomicSave, UndefinedTensorFailsAndKeepsTheOldFile) {
  StateDict s;
  s.set("good", ones({3}));
  s.set("missing", Tensor());
  const std::string msg = error_message([&] { save(s, target_); });
  EXPECT_THAT(msg, HasSubstr(target_));
  EXPECT_THAT(msg, HasSubstr("tensor 'missing' is undefined"));
  expect_old_file_intact();
}

TEST_F(AtomicSave, ReservedNameFailsAndKeepsTheOldFile) {
  StateDict s;
  s.set("__metadata__", ones({1}));
  EXPECT_THAT(error_message([&] { save(s, target_); }),
              HasSubstr("the name '__metadata__' is reserved for metadata"));
  expect_old_file_intact();
}

TEST_F(AtomicSave, FailureInTheMiddleOfWritingKeepsTheOldFile) {
  // A file-size limit makes write() fail with EFBIG partway through the data.
  StateDict s;
  s.set("big", ones({100000}));
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct rlimit limit = old_limit;
  limit.rlim_cur = 4096;
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  const std::string msg = error_message([&] { save(s, target_); });
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_THAT(msg, HasSubstr(target_));
  EXPECT_THAT(msg, HasSubstr("failed at byte offset 4096: File too large"));
  expect_old_file_intact();
}

TEST_F(AtomicSave, FailedRenameRemovesTheTemporary) {
  // A non-empty directory cannot be replaced by a file, even by root.
  const std::string target = path("occupied");
  fs::create_directories(fs::path(target) / "inside");
  StateDict s;
  s.set("x", ones({4}));
  const std::string msg = error_message([&] { save(s, target); });
  EXPECT_THAT(msg, HasSubstr("cannot rename the temporary file"));
  EXPECT_TRUE(fs::is_directory(fs::path(target) / "inside"));
  EXPECT_EQ(files(), (std::vector<std::string>{"ckpt.safetensors", "occupied"}));
}

TEST_F(AtomicSave, MissingDirectoryIsAClearError) {
  StateDict s;
  s.set("x", ones({4}));
  const std::string target = path("no/such/dir/ckpt.safetensors");
  const std::string msg = error_message([&] { save(s, target); });
  EXPECT_THAT(msg, HasSubstr(target));
  EXPECT_THAT(msg, HasSubstr("cannot create the temporary file"));
  EXPECT_THAT(msg, HasSubstr("No such file or directory"));
  const std::string under_file = target_ + "/ckpt.safetensors";  // a file as the directory
  EXPECT_THAT(error_message([&] { save(s, under_file); }), HasSubstr("Not a directory"));
  expect_old_file_intact();
}

TEST_F(AtomicSave, ReadOnlyDirectoryKeepsTheOldFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into read-only directories";
  fs::permissions(dir_, fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::remove);
  StateDict s;
  s.set("x", ones({4}));
  const std::string msg = error_message([&] { save(s, target_); });
  EXPECT_THAT(msg, HasSubstr(target_));
  EXPECT_THAT(msg, HasSubstr("Permission denied"));
  expect_old_file_intact();
}

}  // namespace
}  // namespace nabla
