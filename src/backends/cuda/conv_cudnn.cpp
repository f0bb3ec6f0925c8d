// Convolutions through cuDNN: the forward, the input gradient and the weight
// gradient, for any stride, symmetric padding, dilation and groups, in f32
// and f64. For each shape the fastest algorithm is found once, by timing
// cuDNN's candidates on the call's own buffers (as PyTorch's
// cudnn.benchmark = True), and kept with the workspace it needs. Shapes
// cuDNN cannot express (padding="same" with one more row at the end, empty
// tensors, other dtypes) are declined: the op then takes im2col + cuBLAS.
//
// f32 convolutions run in IEEE f32 (CUDNN_FMA_MATH) unless TF32 is allowed
// (cuda::set_allow_tf32), the same switch as the GEMMs'.
#include <cudnn.h>

#include <array>
#include <climits>
#include <map>
#include <mutex>

#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/runtime.h"

namespace nabla::backends::cuda {
namespace {

#define NABLA_CUDNN_CHECK(expr)                                                          \
  do {                                                                                   \
    const cudnnStatus_t nabla_status_ = (expr);                                          \
    if (nabla_status_ != CUDNN_STATUS_SUCCESS)                                           \
      ::nabla::backends::cuda::fail(#expr, cudnnGetErrorString(nabla_status_), __FILE__, \
                                    __LINE__);                                           \
  } while (0)

constexpr int kMaxDevices = 16;
// The workspace the algorithm search may hand to cuDNN's candidates.
constexpr size_t kSearchWorkspace = size_t{256} << 20;

// One cuDNN handle per device, on the device's stream.
cudnnHandle_t cudnn(int device) {
  static std::array<std::once_flag, kMaxDevices> once;
  static std::array<cudnnHandle_t, kMaxDevices> handles{};
  std::call_once(once[static_cast<size_t>(device)], [device] {
    NABLA_CUDNN_CHECK(cudnnCreate(&handles[static_cast<size_t>(device)]));
    NABLA_CUDNN_CHECK(cudnnSetStream(handles[static_cast<size_t>(device)], stream(device)));
  });
  return handles[static_cast<size_t>(device)];
}

// Owning wrappers of the descriptors.
struct TensorDesc {
  cudnnTensorDescriptor_t d = nullptr;
  TensorDesc() { NABLA_CUDNN_CHECK(cudnnCreateTensorDescriptor(&d)); }
  ~TensorDesc() { cudnnDestroyTensorDescriptor(d); }
  TensorDesc(const TensorDesc&) = delete;
  TensorDesc& operator=(const TensorDesc&) = delete;
};
struct FilterDesc {
  cudnnFilterDescriptor_t d = nullptr;
  FilterDesc() { NABLA_CUDNN_CHECK(cudnnCreateFilterDescriptor(&d)); }
  ~FilterDesc() { cudnnDestroyFilterDescriptor(d); }
  FilterDesc(const FilterDesc&) = delete;
  FilterDesc& operator=(const FilterDesc&) = delete;
};
struct ConvDesc {
  cudnnConvolutionDescriptor_t d = nullptr;
  ConvDesc() { NABLA_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&d)); }
  ~ConvDesc() { cudnnDestroyConvolutionDescriptor(d); }
  ConvDesc(const ConvDesc&) = delete;
  ConvDesc& operator=(const ConvDesc&) = delete;
};

enum class Pass : int64_t { Forward, InputGrad, WeightGrad };

// A convolution as cuDNN sees it: x (N, C, H, W), w (O, C/G, kh, kw), y (N, O, OH, OW).
struct Problem {
  int device;
  DType dtype;
  std::array<int, 4> x, w, y;
  Backend::ConvWindow window;
  int groups;
  bool tf32;

  TensorDesc x_desc, y_desc;
  FilterDesc w_desc;
  ConvDesc conv;

  cudnnDataType_t data_type() const {
    return dtype == kFloat32 ? CUDNN_DATA_FLOAT : CUDNN_DATA_DOUBLE;
  }

  // The key of the algorithm cache for one pass.
  std::array<int64_t, 22> key(Pass pass) const {
    return {static_cast<int64_t>(pass),
            device,
            static_cast<int64_t>(dtype),
            x[0],
            x[1],
            x[2],
            x[3],
            w[0],
            w[1],
            w[2],
            w[3],
            y[2],
            y[3],
            window.stride_h,
            window.stride_w,
            window.pad_h,
            window.pad_w,
            window.dilation_h,
            window.dilation_w,
            groups,
            tf32,
            0};
  }
};

bool fits_int(std::initializer_list<int64_t> values) {
  for (int64_t v : values)
    if (v <= 0 || v > INT_MAX) return false;
  return true;
}

// Describes the call, or returns false where cuDNN cannot take it: a dtype
// other than f32/f64, an empty tensor, or sizes that symmetric padding does
// not produce.
bool describe(Problem& p, const Tensor& x, const Tensor& w, const Tensor& y,
              const Backend::ConvWindow& window, int64_t groups) {
  if (x.dtype() != y.dtype() || w.dtype() != y.dtype()) return false;
  if (y.dtype() != kFloat32 && y.dtype() != kFloat64) return false;
  if (x.dim() != 4 || w.dim() != 4 || y.dim() != 4) return false;
  for (const Tensor* t : {&x, &w, &y})
    if (!fits_int({t->size(0), t->size(1), t->size(2), t->size(3)})) return false;
  if (!fits_int({window.stride_h, window.stride_w, window.dilation_h, window.dilation_w, groups}))
    return false;
  if (window.pad_h < 0 || window.pad_w < 0 || window.pad_h > INT_MAX || window.pad_w > INT_MAX)
    return false;
  p.device = device_of(y);
  p.dtype = y.dtype();
  for (int i = 0; i < 4; ++i) {
    p.x[i] = static_cast<int>(x.size(i));
    p.w[i] = static_cast<int>(w.size(i));
    p.y[i] = static_cast<int>(y.size(i));
  }
  p.window = window;
  p.groups = static_cast<int>(groups);
  p.tf32 = p.dtype == kFloat32 && allow_tf32();
  const cudnnDataType_t t = p.data_type();
  NABLA_CUDNN_CHECK(
      cudnnSetTensor4dDescriptor(p.x_desc.d, CUDNN_TENSOR_NCHW, t, p.x[0], p.x[1], p.x[2], p.x[3]));
  NABLA_CUDNN_CHECK(
      cudnnSetTensor4dDescriptor(p.y_desc.d, CUDNN_TENSOR_NCHW, t, p.y[0], p.y[1], p.y[2], p.y[3]));
  NABLA_CUDNN_CHECK(
      cudnnSetFilter4dDescriptor(p.w_desc.d, t, CUDNN_TENSOR_NCHW, p.w[0], p.w[1], p.w[2], p.w[3]));
  NABLA_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
      p.conv.d, static_cast<int>(window.pad_h), static_cast<int>(window.pad_w),
      static_cast<int>(window.stride_h), static_cast<int>(window.stride_w),
      static_cast<int>(window.dilation_h), static_cast<int>(window.dilation_w),
      CUDNN_CROSS_CORRELATION, t));
  NABLA_CUDNN_CHECK(cudnnSetConvolutionGroupCount(p.conv.d, p.groups));
  NABLA_CUDNN_CHECK(cudnnSetConvolutionMathType(
      p.conv.d, p.dtype == kFloat32 && !p.tf32 ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH));
  // The sizes must be the ones cuDNN derives (else padding is asymmetric,
  // or the channels do not split into the groups).
  int n = 0, c = 0, h = 0, wd = 0;
  if (cudnnGetConvolution2dForwardOutputDim(p.conv.d, p.x_desc.d, p.w_desc.d, &n, &c, &h, &wd) !=
      CUDNN_STATUS_SUCCESS)
    return false;
  return n == p.y[0] && c == p.y[1] && h == p.y[2] && wd == p.y[3] && p.x[1] == p.w[1] * p.groups &&
         p.y[1] % p.groups == 0;
}

// The algorithm chosen for a shape, and the workspace it needs.
struct Choice {
  int algo = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
  size_t workspace = 0;
};

std::mutex g_cache_mutex;
std::map<std::array<int64_t, 22>, Choice> g_cache;

// Device scratch of `bytes` for the duration of a call (from the caching
// allocator: stream-ordered, so freeing it after queueing is safe).
Tensor scratch(int device, size_t bytes) {
  return Tensor::empty({static_cast<int64_t>(std::max<size_t>(bytes, 1))},
                       TensorOptions(kUInt8).device(Device(DeviceType::CUDA, device)));
}

// Picks the fastest candidate that ran, respecting the math the problem
// allows (no TF32 in an IEEE f32 problem).
template <class Perf>
Choice fastest(const Perf* results, int count, const Problem& p) {
  for (int i = 0; i < count; ++i) {
    const Perf& r = results[i];
    if (r.status != CUDNN_STATUS_SUCCESS) continue;
    if (p.dtype == kFloat32 && !p.tf32 && r.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION)
      continue;
    return {static_cast<int>(r.algo), r.mathType, r.memory};
  }
  NABLA_FAIL("cuDNN found no algorithm for the convolution of x (", p.x[0], ", ", p.x[1], ", ",
             p.x[2], ", ", p.x[3], ") with w (", p.w[0], ", ", p.w[1], ", ", p.w[2], ", ", p.w[3],
             "), groups ", p.groups);
}

// The cached choice for (p, pass), searched for on first use with `search`,
// which times the candidates given a workspace.
template <class Search>
Choice choose(const Problem& p, Pass pass, Search search) {
  const auto key = p.key(pass);
  {
    std::lock_guard<std::mutex> lock(g_cache_mutex);
    auto it = g_cache.find(key);
    if (it != g_cache.end()) return it->second;
  }
  const Tensor ws = scratch(p.device, kSearchWorkspace);
  const Choice c = search(ws.raw_data(), kSearchWorkspace);
  std::lock_guard<std::mutex> lock(g_cache_mutex);
  g_cache.emplace(key, c);
  return c;
}

// The alpha = 1, beta = 0 scaling cuDNN takes, in the type of the data.
struct Scale {
  float f1 = 1, f0 = 0;
  double d1 = 1, d0 = 0;
  const void* one(DType t) const { return t == kFloat32 ? static_cast<const void*>(&f1) : &d1; }
  const void* zero(DType t) const { return t == kFloat32 ? static_cast<const void*>(&f0) : &d0; }
};

}  // namespace

bool CudaBackend::convolution(const Tensor& y, const Tensor& x_in, const Tensor& w_in,
                              const Tensor& b_in, const ConvWindow& window, int64_t groups) {
  Problem p;
  if (!describe(p, x_in, w_in, y, window, groups)) return false;
  DeviceGuard guard(p.device);
  const Tensor x = x_in.contiguous(), w = w_in.contiguous();
  cudnnHandle_t h = cudnn(p.device);
  const Choice c = choose(p, Pass::Forward, [&](void* ws, size_t ws_size) {
    cudnnConvolutionFwdAlgoPerf_t results[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    int count = 0;
    NABLA_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(
        h, p.x_desc.d, x.raw_data(), p.w_desc.d, w.raw_data(), p.conv.d, p.y_desc.d, y.raw_data(),
        CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, results, ws, ws_size));
    return fastest(results, count, p);
  });
  NABLA_CUDNN_CHECK(cudnnSetConvolutionMathType(p.conv.d, c.math));
  const Tensor ws = scratch(p.device, c.workspace);
  const Scale s;
  NABLA_CUDNN_CHECK(cudnnConvolutionForward(
      h, s.one(p.dtype), p.x_desc.d, x.raw_data(), p.w_desc.d, w.raw_data(), p.conv.d,
      static_cast<cudnnConvolutionFwdAlgo_t>(c.algo), ws.raw_data(), c.workspace, s.zero(p.dtype),
      p.y_desc.d, y.raw_data()));
  if (b_in.defined()) {  // y += b[o], broadcast over (n, h, w)
    const Tensor b = b_in.contiguous();
    TensorDesc b_desc;
    NABLA_CUDNN_CHECK(
        cudnnSetTensor4dDescriptor(b_desc.d, CUDNN_TENSOR_NCHW, p.data_type(), 1, p.y[1], 1, 1));
    NABLA_CUDNN_CHECK(cudnnAddTensor(h, s.one(p.dtype), b_desc.d, b.raw_data(), s.one(p.dtype),
                                     p.y_desc.d, y.raw_data()));
  }
  return true;
}

bool CudaBackend::convolution_input_grad(const Tensor& dx, const Tensor& dy_in, const Tensor& w_in,
                                         const ConvWindow& window, int64_t groups) {
  Problem p;
  if (!describe(p, dx, w_in, dy_in, window, groups)) return false;
  DeviceGuard guard(p.device);
  const Tensor dy = dy_in.contiguous(), w = w_in.contiguous();
  cudnnHandle_t h = cudnn(p.device);
  const Choice c = choose(p, Pass::InputGrad, [&](void* ws, size_t ws_size) {
    cudnnConvolutionBwdDataAlgoPerf_t results[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    int count = 0;
    NABLA_CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(
        h, p.w_desc.d, w.raw_data(), p.y_desc.d, dy.raw_data(), p.conv.d, p.x_desc.d, dx.raw_data(),
        CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, results, ws, ws_size));
    return fastest(results, count, p);
  });
  NABLA_CUDNN_CHECK(cudnnSetConvolutionMathType(p.conv.d, c.math));
  const Tensor ws = scratch(p.device, c.workspace);
  const Scale s;
  NABLA_CUDNN_CHECK(cudnnConvolutionBackwardData(
      h, s.one(p.dtype), p.w_desc.d, w.raw_data(), p.y_desc.d, dy.raw_data(), p.conv.d,
      static_cast<cudnnConvolutionBwdDataAlgo_t>(c.algo), ws.raw_data(), c.workspace,
      s.zero(p.dtype), p.x_desc.d, dx.raw_data()));
  return true;
}

bool CudaBackend::convolution_weight_grad(const Tensor& dw, const Tensor& x_in, const Tensor& dy_in,
                                          const ConvWindow& window, int64_t groups) {
  Problem p;
  if (!describe(p, x_in, dw, dy_in, window, groups)) return false;
  DeviceGuard guard(p.device);
  const Tensor x = x_in.contiguous(), dy = dy_in.contiguous();
  cudnnHandle_t h = cudnn(p.device);
  const Choice c = choose(p, Pass::WeightGrad, [&](void* ws, size_t ws_size) {
    cudnnConvolutionBwdFilterAlgoPerf_t results[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    int count = 0;
    NABLA_CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(
        h, p.x_desc.d, x.raw_data(), p.y_desc.d, dy.raw_data(), p.conv.d, p.w_desc.d, dw.raw_data(),
        CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, results, ws, ws_size));
    return fastest(results, count, p);
  });
  NABLA_CUDNN_CHECK(cudnnSetConvolutionMathType(p.conv.d, c.math));
  const Tensor ws = scratch(p.device, c.workspace);
  const Scale s;
  NABLA_CUDNN_CHECK(cudnnConvolutionBackwardFilter(
      h, s.one(p.dtype), p.x_desc.d, x.raw_data(), p.y_desc.d, dy.raw_data(), p.conv.d,
      static_cast<cudnnConvolutionBwdFilterAlgo_t>(c.algo), ws.raw_data(), c.workspace,
      s.zero(p.dtype), p.w_desc.d, dw.raw_data()));
  return true;
}

}  // namespace nabla::backends::cuda
