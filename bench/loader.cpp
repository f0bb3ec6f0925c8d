// How fast the DataLoader delivers 28×28 images, with and without
// augmentation, by number of workers: a LeNet epoch (60,000 images) must not
// wait on it. The data set is held as u8 in memory and scaled to f32 by
// get(), as TensorDataset does, so the figures include that conversion.
//
//   ninja -C build bench_loader && build/bench/bench_loader [images]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "nabla/nabla.h"

using namespace nabla;

namespace {

class ImagesU8 : public data::Dataset {
 public:
  explicit ImagesU8(int64_t n) : n_(n), pixels_(static_cast<size_t>(n * 784)) {
    Generator gen(1);
    for (auto& p : pixels_) p = static_cast<uint8_t>(gen.randint(0, 256));
  }
  int64_t size() const override { return n_; }
  data::Example get(int64_t index) const override {
    Tensor input = Tensor::empty({1, 28, 28}, kFloat32);
    float* x = input.data_ptr<float>();
    const uint8_t* p = pixels_.data() + index * 784;
    for (int i = 0; i < 784; ++i) x[i] = static_cast<float>(p[i]) * (1.0f / 255.0f);
    Tensor target = Tensor::empty({}, kInt64);
    target.data_ptr<int64_t>()[0] = index % 10;
    return {input, target};
  }
  Shape input_shape() const override { return {1, 28, 28}; }

 private:
  int64_t n_;
  std::vector<uint8_t> pixels_;
};

double images_per_second(const std::shared_ptr<const data::Dataset>& set, int workers,
                         const std::string& augment) {
  data::DataLoader loader(set, {.batch_size = 128, .shuffle = true, .num_workers = workers},
                          data::parse_transforms(augment, 28));
  // One warm-up epoch fills the allocator's cache, then the best of three.
  double best = 0;
  for (int epoch = 0; epoch < 4; ++epoch) {
    loader.set_epoch(epoch);
    const auto start = std::chrono::steady_clock::now();
    int64_t images = 0;
    for (const data::Batch& b : loader) images += b.inputs.size(0);
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (epoch > 0) best = std::max(best, static_cast<double>(images) / s);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 60000;
  auto set = std::make_shared<ImagesU8>(n);
  std::printf("%-44s %8s %14s\n", "augment", "workers", "images/s");
  for (const char* augment :
       {"none", "crop:padding=2,flip", "affine:degrees=10:translate=0.1:scale=0.1",
        "mulnoise:std=0.2", "thicken", "erasing"}) {
    for (int workers : {0, 1, 2}) {
      std::printf("%-44s %8d %14.0f\n", augment, workers, images_per_second(set, workers, augment));
      std::fflush(stdout);
    }
  }
  return 0;
}
