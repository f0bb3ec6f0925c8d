// The CUDA backend against the CPU backend: memory moves between host and
// device, errors found on the device, every case of the op table (forward
// and backward, f32 and f64), and short training runs that must follow the
// same trajectory. Label gpu. Where there is no GPU (or nabla was built
// without CUDA) every test skips, saying why.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include "testing/errors.h"
#include "testing/op_table.h"
#include "testing/oracle.h"

namespace nabla::testing {
namespace {

#define REQUIRE_CUDA()                                                  \
  do {                                                                  \
    if (!cuda::is_available()) {                                        \
      GTEST_SKIP() << "no CUDA device: " << cuda::unavailable_reason(); \
    }                                                                   \
  } while (0)

TEST(CudaRuntime, SaysWhetherItIsAvailable) {
  if (!cuda::is_available()) {
    EXPECT_EQ(cuda::device_count(), 0);
    EXPECT_FALSE(cuda::unavailable_reason().empty());
    EXPECT_ERROR(zeros({2}).to(kCUDA), "CUDA");
    GTEST_SKIP() << "no CUDA device: " << cuda::unavailable_reason();
  }
  EXPECT_GE(cuda::device_count(), 1);
  EXPECT_EQ(cuda::unavailable_reason(), "");
}

TEST(CudaRuntime, RoundTripsEveryDtype) {
  REQUIRE_CUDA();
  for (DType dtype : {kFloat32, kFloat64, kInt64, kUInt8}) {
    SCOPED_TRACE(dtype_name(dtype));
    Tensor x = arange(0, 60).reshape({3, 4, 5}).to(dtype);
    Tensor d = x.to(kCUDA);
    EXPECT_TRUE(d.device().is_cuda());
    EXPECT_EQ(d.dtype(), dtype);
    EXPECT_EQ(d.to(kCPU).to_vector(), x.to_vector());
  }
}

TEST(CudaRuntime, CopiesStridedViewsBothWays) {
  REQUIRE_CUDA();
  Tensor x = randn({6, 7});
  // A transposed CPU view goes up; a transposed and sliced CUDA view comes down.
  EXPECT_EQ(x.t().to(kCUDA).to(kCPU).to_vector(), x.t().contiguous().to_vector());
  Tensor d = x.to(kCUDA);
  Tensor view = d.t().slice(0, 1, 6, 2);
  EXPECT_EQ(view.to(kCPU).to_vector(), x.t().slice(0, 1, 6, 2).contiguous().to_vector());
  // copy_ into a strided CUDA view, with a dtype conversion on the device.
  Tensor e = zeros({7, 6}, TensorOptions(kFloat64).device(kCUDA));
  e.t().copy_(d.to(kFloat64));
  EXPECT_EQ(e.to(kCPU).to_vector(), x.t().to(kFloat64).contiguous().to_vector());
}

TEST(CudaRuntime, ConvertsDtypesAsTheCpuDoes) {
  REQUIRE_CUDA();
  Tensor x = tensor({-1.5, 0.0, 2.7, 300.0, -1.0});
  for (DType dtype : {kInt64, kUInt8, kFloat64}) {
    SCOPED_TRACE(dtype_name(dtype));
    EXPECT_EQ(x.to(kCUDA).to(dtype).to(kCPU).to_vector(), x.to(dtype).to_vector());
  }
}

TEST(CudaRuntime, CachesFreedMemory) {
  REQUIRE_CUDA();
  cuda::synchronize();
  const size_t before = cuda::memory_allocated();
  void* first;
  {
    Tensor t = empty({1000, 1000}, TensorOptions().device(kCUDA));
    first = t.raw_data();
    EXPECT_GE(cuda::memory_allocated(), before + 4000000);
    EXPECT_GE(cuda::max_memory_allocated(), before + 4000000);
  }
  EXPECT_EQ(cuda::memory_allocated(), before);
  Tensor u = empty({1000, 1000}, TensorOptions().device(kCUDA));
  EXPECT_EQ(u.raw_data(), first);
  const size_t held = cuda::memory_allocated();
  cuda::empty_cache();  // u is live: what it holds stays
  EXPECT_EQ(cuda::memory_allocated(), held);
  u.fill_(2.0);
  EXPECT_EQ(sum(u).item<double>(), 2e6);
}

TEST(CudaRuntime, RefusesAMissingDevice) {
  REQUIRE_CUDA();
  EXPECT_ERROR(zeros({2}).to(Device(DeviceType::CUDA, 99)), "out of range");
}

TEST(CudaRuntime, RefusesMixedDevices) {
  REQUIRE_CUDA();
  EXPECT_ERROR(zeros({2}) + zeros({2}).to(kCUDA), "cuda");
}

TEST(CudaRuntime, ReportsBadIndicesFromTheDevice) {
  REQUIRE_CUDA();
  Tensor x = randn({3, 4}).to(kCUDA);
  Tensor idx = tensor({0, 5}, {2}, kInt64).to(kCUDA);
  EXPECT_ERROR(index_select(x, 1, idx), "index 5 is out of bounds for dimension 1 with size 4");
  Tensor target = tensor({1, 12, 0}, {3}, kInt64).to(kCUDA);
  EXPECT_ERROR(F::cross_entropy(x, target), "target 12 is out of bounds for 4 classes");
}

// ---- every op of the table, CUDA against CPU

struct DeviceRun {
  Tensor output;
  std::vector<Tensor> grads;  // of the args as the op saw them
};

// The case on `device`: the inputs drawn on the CPU (the same on both
// runs), moved, and the op's output and gradients brought back.
DeviceRun run_on(const OpCase& c, DType dtype, Device device) {
  CaseInputs in = make_inputs(c, dtype);
  std::vector<Tensor> leaves, args;
  for (size_t i = 0; i < in.leaves.size(); ++i) {
    Tensor leaf = in.leaves[i].detach().to(device);
    if (in.leaves[i].requires_grad()) leaf.requires_grad_(true);
    leaves.push_back(leaf);
    args.push_back(c.inputs[i].transpose ? leaf.transpose(-1, -2) : leaf);
  }
  DeviceRun r;
  Tensor out = c.fn(args);
  r.output = out.detach().to(kCPU);
  if (out.requires_grad()) {
    Generator gen(99);
    out.backward(randn(out.shape(), out.dtype(), &gen).to(device));
  }
  for (size_t i = 0; i < leaves.size(); ++i) {
    Tensor g = leaves[i].grad();
    if (g.defined() && c.inputs[i].transpose) g = g.transpose(-1, -2);
    r.grads.push_back(g.defined() ? g.to(kCPU) : Tensor());
  }
  return r;
}

class CudaOpTable : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaOpTable, MatchesCpu) {
  REQUIRE_CUDA();
  const OpCase& c = find_case(GetParam());
  for (DType dtype : {kFloat32, kFloat64}) {
    SCOPED_TRACE(dtype_name(dtype));
    const DeviceRun cpu = run_on(c, dtype, kCPU);
    const DeviceRun gpu = run_on(c, dtype, kCUDA);
    const double atol = (dtype == kFloat32 ? 1e-5 : 1e-10) * c.tolerance;
    const double rtol = (dtype == kFloat32 ? 1e-4 : 1e-8) * c.tolerance;
    EXPECT_EQ(compare(gpu.output, cpu.output, atol, rtol), "") << "forward";
    ASSERT_EQ(gpu.grads.size(), cpu.grads.size());
    for (size_t i = 0; i < cpu.grads.size(); ++i) {
      ASSERT_EQ(gpu.grads[i].defined(), cpu.grads[i].defined()) << "gradient of input " << i;
      if (cpu.grads[i].defined()) {
        EXPECT_EQ(compare(gpu.grads[i], cpu.grads[i], atol, rtol), "") << "gradient of input " << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, CudaOpTable, ::testing::ValuesIn(case_names()), CaseTestName());

// ---- training: the same model, data and seed on both devices

std::vector<double> train_losses(const std::string& model, const std::string& optimizer,
                                 Device device, int steps) {
  manual_seed(7);
  auto net = models::create(model);
  net->to(device);
  std::unique_ptr<optim::Optimizer> owned;
  if (optimizer == "adam")
    owned = std::make_unique<optim::Adam>(net->parameters(), optim::AdamOptions(1e-3));
  else
    owned = std::make_unique<optim::SGD>(net->parameters(), optim::SGDOptions(0.05).momentum(0.9));
  optim::Optimizer& opt = *owned;
  Generator gen(3);
  const Tensor x = randn({16, 1, 28, 28}, TensorOptions(), &gen).to(device);
  const Tensor y = randint(0, 10, {16}, kInt64, &gen).to(device);
  std::vector<double> losses;
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    Tensor loss = F::cross_entropy(net->forward(x), y);
    loss.backward();
    opt.step();
    losses.push_back(loss.item<double>());
  }
  return losses;
}

TEST(CudaTraining, FollowsTheCpuTrajectory) {
  REQUIRE_CUDA();
  const std::pair<const char*, const char*> runs[] = {
      {"lenet5", "sgd"}, {"lenet5", "adam"}, {"resnet20", "sgd"}};
  for (const auto& [model, optimizer] : runs) {
    SCOPED_TRACE(std::string(model) + " with " + optimizer);
    const std::vector<double> cpu = train_losses(model, optimizer, kCPU, 8);
    const std::vector<double> gpu = train_losses(model, optimizer, kCUDA, 8);
    ASSERT_EQ(cpu.size(), gpu.size());
    for (size_t s = 0; s < cpu.size(); ++s)
      EXPECT_NEAR(gpu[s], cpu[s], 1e-3 * (1 + std::abs(cpu[s]))) << "step " << s;
  }
}

}  // namespace
}  // namespace nabla::testing
