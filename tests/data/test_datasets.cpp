// TensorDataset and Subset, and load_dataset on dataset folders the tests
// write: IDX, CIFAR, image folders, CSV; the messages for missing sets; the
// real Fashion-MNIST when the machine has it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "nabla/data/datasets.h"
#include "nabla/data/readers.h"
#include "nabla/io/image.h"
#include "nabla/ops/factory.h"
#include "testing/errors.h"
#include "testing/temp_dir.h"

namespace nabla::data {
namespace {

using nabla::testing::TempFolder;
using nabla::testing::write_bytes;

// Sets an environment variable for one scope, restoring it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// i mod m for i in [0, n), as i64 or u8.
Tensor cyclic(int64_t n, int64_t m, DType dtype = kInt64) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = i % m;
  return tensor(v).to(dtype);
}

// ---------------------------------------------------------------- TensorDataset, Subset

TEST(TensorDataset, ScalesBytesToUnitFloatsAsToTensorDoes) {
  Tensor images = empty({256, 1, 1}, kUInt8);
  for (int i = 0; i < 256; ++i) images.data_ptr<uint8_t>()[i] = static_cast<uint8_t>(i);
  TensorDataset ds(images, cyclic(256, 3), {"a", "b", "c"});
  EXPECT_EQ(ds.size(), 256);
  EXPECT_EQ(ds.input_shape(), (Shape{1, 1}));
  for (int i = 0; i < 256; ++i) {
    const Example e = ds.get(i);
    ASSERT_EQ(e.input.dtype(), kFloat32);
    ASSERT_EQ(e.input.shape(), (Shape{1, 1}));
    // torchvision: img.float().div(255), bit for bit.
    EXPECT_EQ(e.input.item<float>(), static_cast<float>(i) / 255.0f) << i;
    EXPECT_EQ(e.target.dim(), 0);
    EXPECT_EQ(e.target.dtype(), kInt64);
    EXPECT_EQ(e.target.item<int64_t>(), i % 3);
  }
}

TEST(TensorDataset, FloatInputsAreReturnedAsTheyAre) {
  const Tensor x = tensor({1.5, -2, 3, 4e6, 5, 6}, {3, 2});
  TensorDataset ds(x, tensor(std::vector<int64_t>{2, 0, 1}));
  EXPECT_EQ(ds.get(1).input.to_vector_as<float>(), (std::vector<float>{3, 4e6}));
  EXPECT_EQ(ds.get(2).target.item<int64_t>(), 1);
  EXPECT_TRUE(ds.classes().empty());
  // Regression targets keep their dtype.
  TensorDataset reg(x, tensor({0.5, 1.5, 2.5}, {3}));
  EXPECT_EQ(reg.get(2).target.item<float>(), 2.5f);
}

TEST(TensorDataset, RejectsMismatchedInputsAndTargets) {
  EXPECT_ERROR(TensorDataset(zeros({3, 2}), zeros({4}, kInt64)), "[3, 2]", "[4]",
               "different numbers of examples (3 and 4)");
  EXPECT_ERROR(TensorDataset(zeros({3, 2}), zeros({3, 1}, kInt64)), "targets must be 1-D",
               "[3, 1]");
  EXPECT_ERROR(TensorDataset(zeros({2}), tensor(std::vector<int64_t>{0, 5}), {"a", "b"}),
               "target 5 of example 1", "[0, 2)");
  TensorDataset ds(zeros({2, 1}), zeros({2}, kInt64));
  EXPECT_ERROR(ds.get(2), "index 2", "2 examples");
  EXPECT_ERROR(ds.get(-1), "index -1");
}

TEST(Subset, ReadsTheBaseAtItsIndices) {
  auto base = std::make_shared<TensorDataset>(tensor({10, 11, 12, 13}, {4, 1}),
                                              tensor(std::vector<int64_t>{0, 1, 0, 1}),
                                              std::vector<std::string>{"x", "y"});
  Subset sub(base, {3, 0, 3});
  EXPECT_EQ(sub.size(), 3);
  EXPECT_EQ(sub.get(0).input.item<float>(), 13);
  EXPECT_EQ(sub.get(1).input.item<float>(), 10);
  EXPECT_EQ(sub.get(2).target.item<int64_t>(), 1);
  EXPECT_EQ(sub.classes(), base->classes());
  EXPECT_EQ(sub.input_shape(), (Shape{1}));
  EXPECT_ERROR(sub.get(3), "index 3", "3 examples");
  EXPECT_ERROR(Subset(base, {0, 4}), "index 4 (position 1)", "4 examples");
}

// ---------------------------------------------------------------- load_dataset on paths

// MNIST-named IDX files: n_train and n_test images of 2×3 with label i mod 10.
void write_idx_set(const std::filesystem::path& dir, int64_t n_train, int64_t n_test,
                   const char* ext) {
  std::filesystem::create_directories(dir);
  for (auto [prefix, n] : {std::pair{"train", n_train}, std::pair{"t10k", n_test}}) {
    Tensor images = cyclic(n * 6, 256, kUInt8).view({n, 2, 3});
    write_idx(images, (dir / (std::string(prefix) + "-images-idx3-ubyte" + ext)).string());
    write_idx(cyclic(n, 10, kUInt8),
              (dir / (std::string(prefix) + "-labels-idx1-ubyte" + ext)).string());
  }
}

TEST(LoadDataset, IdxFolder) {
  TempFolder dir;
  write_idx_set(dir.path() / "digits", 12, 5, ".gz");
  const Split split = load_dataset(dir / "digits");
  ASSERT_EQ(split.train->size(), 12);
  EXPECT_EQ(split.test->size(), 5);
  EXPECT_EQ(split.train->input_shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(split.train->classes().size(), 10u);
  const Example e = split.test->get(4);
  EXPECT_EQ(e.target.item<int64_t>(), 4);
  EXPECT_EQ(e.input.at({0, 1, 2}), float((4 * 6 + 5) % 256) / 255.0f);

  // Raw files work as well; a folder named as Fashion-MNIST keeps its class names.
  write_idx_set(dir.path() / "my-fashion-mnist", 3, 2, "");
  EXPECT_EQ(load_dataset(dir / "my-fashion-mnist").train->classes()[0], "T-shirt/top");
}

TEST(LoadDataset, IdxFolderWithMismatchedFiles) {
  TempFolder dir;
  write_idx_set(dir.path(), 12, 5, "");
  write_idx(zeros({11}, kUInt8), dir / "train-labels-idx1-ubyte");
  EXPECT_ERROR(load_dataset(dir.path().string()), "train-images-idx3-ubyte' holds 12 images",
               "train-labels-idx1-ubyte' holds 11 labels");
  std::filesystem::remove(dir.path() / "t10k-labels-idx1-ubyte");
  EXPECT_ERROR(load_dataset(dir.path().string()), "lacks t10k-labels-idx1-ubyte[.gz]");
}

TEST(LoadDataset, CifarFolder) {
  TempFolder dir;
  std::string record(1 + 3072, '\0');
  for (int b = 1; b <= 5; ++b) {
    record[0] = static_cast<char>(b);
    write_bytes(dir / detail::concat("data_batch_", b, ".bin"), record + record);
  }
  record[0] = 9;
  write_bytes(dir / "test_batch.bin", record);
  const Split split = load_dataset(dir.path().string());
  EXPECT_EQ(split.train->size(), 10);
  EXPECT_EQ(split.test->size(), 1);
  EXPECT_EQ(split.train->input_shape(), (Shape{3, 32, 32}));
  EXPECT_EQ(split.train->get(9).target.item<int64_t>(), 5);
  EXPECT_EQ(split.test->classes()[split.test->get(0).target.item<int64_t>()], "truck");
}

TEST(LoadDataset, ImageFolderTree) {
  TempFolder dir;
  for (const char* half : {"train", "test"})
    for (const char* cls : {"circle", "square"}) {
      std::filesystem::create_directories(dir.path() / half / cls);
      write_png(full({3, 5, 5}, 200, kUInt8), dir / (std::string(half) + "/" + cls + "/0.png"));
    }
  write_png(full({3, 5, 5}, 100, kUInt8), dir / "train/square/1.png");
  const Split split = load_dataset(dir.path().string());
  EXPECT_EQ(split.train->size(), 3);
  EXPECT_EQ(split.test->size(), 2);
  EXPECT_EQ(split.train->classes(), (std::vector<std::string>{"circle", "square"}));
  EXPECT_EQ(split.train->get(2).target.item<int64_t>(), 1);

  std::filesystem::create_directories(dir.path() / "test" / "triangle");
  write_png(full({3, 5, 5}, 1, kUInt8), dir / "test/triangle/0.png");
  EXPECT_ERROR(load_dataset(dir.path().string()), "train/ (circle, square)",
               "test/ (circle, square, triangle) differ");
}

TEST(LoadDataset, CsvFileTheLastSixthIsTheTestHalf) {
  TempFolder dir;
  std::string text = "x,label\n";
  for (int i = 0; i < 13; ++i) text += std::to_string(i) + "," + (i % 2 ? "odd" : "even") + "\n";
  write_bytes(dir / "numbers.csv", text);
  const Split split = load_dataset(dir / "numbers.csv");
  EXPECT_EQ(split.train->size(), 11);
  ASSERT_EQ(split.test->size(), 2);
  EXPECT_EQ(split.test->get(0).input.item<float>(), 11);
  EXPECT_EQ(split.test->classes(), (std::vector<std::string>{"even", "odd"}));
}

TEST(LoadDataset, UnknownNamesAndFoldersSayWhatIsExpected) {
  TempFolder dir;
  EXPECT_ERROR(load_dataset("imagenet"), "'imagenet' is neither a dataset name",
               "fashion-mnist, mnist, cifar10, cifar100");
  const std::string folder = dir.path().string();
  EXPECT_ERROR(load_dataset(folder), folder.c_str(), "no dataset nabla reads",
               "train-images-idx3-ubyte", "data_batch_1.bin");
  write_bytes(dir / "x.txt", "1,2\n");
  EXPECT_ERROR(load_dataset(dir / "x.txt"), "not a .csv file");
}

// ---------------------------------------------------------------- named datasets

TEST(NamedDatasets, DataRootIsNablaDataOrUnderHome) {
  {
    ScopedEnv data("NABLA_DATA", "/some/where");
    EXPECT_EQ(data_root(), "/some/where");
  }
  ScopedEnv data("NABLA_DATA", std::nullopt);
  ScopedEnv home("HOME", "/home/learner");
  EXPECT_EQ(data_root(), "/home/learner/.local/share/nabla");
  EXPECT_EQ(dataset_names(),
            (std::vector<std::string>{"fashion-mnist", "mnist", "cifar10", "cifar100"}));
}

TEST(NamedDatasets, AMissingDatasetSaysHowToGetIt) {
  TempFolder dir;
  ScopedEnv data("NABLA_DATA", dir.path().string());
  const std::string mnist_dir = dir / "mnist";
  EXPECT_ERROR(load_dataset("mnist"), "mnist not found in", mnist_dir.c_str(),
               "run scripts/get-mnist.sh");
  const std::string cifar_dir = dir / "cifar10";
  EXPECT_ERROR(load_dataset("cifar10"), "cifar10 not found in", cifar_dir.c_str(),
               "data_batch_1.bin", "test_batch.bin");
  EXPECT_ERROR(load_dataset("CIFAR-100"), "cifar100 not found in", "train.bin");
}

TEST(NamedDatasets, NamedSetsAreFoundUnderTheDataRoot) {
  TempFolder dir;
  ScopedEnv data("NABLA_DATA", dir.path().string());
  write_idx_set(dir.path() / "mnist", 4, 2, ".gz");
  const Split split = load_dataset("mnist");
  EXPECT_EQ(split.train->size(), 4);
  EXPECT_EQ(split.train->classes()[3], "3");
  // fashion-mnist is looked for under NABLA_DATA first.
  write_idx_set(dir.path() / "fashion-mnist", 3, 1, "");
  const Split fashion = load_dataset("fashion-mnist");
  EXPECT_EQ(fashion.train->size(), 3);
  EXPECT_EQ(fashion.train->classes()[9], "Ankle boot");
}

TEST(NamedDatasets, FashionMnistFromDebiansPackage) {
  const char* dir = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(std::string(dir) + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << dir << " is absent: `sudo apt-get install dataset-fashion-mnist`";
  ScopedEnv data("NABLA_DATA", std::nullopt);
  const Split split = load_dataset("fashion-mnist");
  ASSERT_EQ(split.train->size(), 60000);
  ASSERT_EQ(split.test->size(), 10000);
  EXPECT_EQ(split.train->input_shape(), (Shape{1, 28, 28}));
  EXPECT_EQ(split.train->classes(),
            (std::vector<std::string>{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}));
  for (const auto& [half, per_class] :
       {std::pair{split.train, 6000}, std::pair{split.test, 1000}}) {
    const auto& ds = dynamic_cast<const TensorDataset&>(*half);
    EXPECT_EQ(ds.inputs().dtype(), kUInt8);
    std::vector<int> counts(10);
    for (int64_t y : ds.targets().to_vector_as<int64_t>()) {
      ASSERT_TRUE(y >= 0 && y < 10) << y;
      ++counts[y];
    }
    EXPECT_EQ(counts, std::vector<int>(10, per_class));
  }
  const Example e = split.train->get(0);
  EXPECT_EQ(e.input.shape(), (Shape{1, 28, 28}));
  EXPECT_EQ(e.target.item<int64_t>(), 9);  // the first training image is an ankle boot
}

}  // namespace
}  // namespace nabla::data
