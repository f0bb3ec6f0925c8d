// matmul of square f32 matrices: nabla (through its op, autograd off)
// against the raw GEMM libraries called directly on the same buffers.
//   ./build/bench/bench_matmul --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <dnnl.h>
#include <nabla/nabla.h>

namespace {

void set_flops(benchmark::State& state, int64_t n) {
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * static_cast<double>(n * n * n) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate, benchmark::Counter::kIs1000);
}

void BM_nabla_matmul(benchmark::State& state) {
  const int64_t n = state.range(0);
  nabla::NoGradGuard no_grad;
  nabla::Tensor a = nabla::randn({n, n}), b = nabla::randn({n, n});
  for (auto _ : state) {
    nabla::Tensor c = nabla::matmul(a, b);
    benchmark::DoNotOptimize(c.raw_data());
  }
  set_flops(state, n);
}

void BM_openblas_sgemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  nabla::Tensor a = nabla::randn({n, n}), b = nabla::randn({n, n}), c = nabla::zeros({n, n});
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data_ptr<float>(), n,
                b.data_ptr<float>(), n, 0.0f, c.data_ptr<float>(), n);
    benchmark::DoNotOptimize(c.raw_data());
  }
  set_flops(state, n);
}

void BM_onednn_sgemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  nabla::Tensor a = nabla::randn({n, n}), b = nabla::randn({n, n}), c = nabla::zeros({n, n});
  for (auto _ : state) {
    dnnl_sgemm('N', 'N', n, n, n, 1.0f, a.data_ptr<float>(), n, b.data_ptr<float>(), n, 0.0f,
               c.data_ptr<float>(), n);
    benchmark::DoNotOptimize(c.raw_data());
  }
  set_flops(state, n);
}

BENCHMARK(BM_nabla_matmul)->Arg(256)->Arg(512)->Arg(1024)->MinTime(0.5)->UseRealTime();
BENCHMARK(BM_openblas_sgemm)->Arg(256)->Arg(512)->Arg(1024)->MinTime(0.5)->UseRealTime();
BENCHMARK(BM_onednn_sgemm)->Arg(256)->Arg(512)->Arg(1024)->MinTime(0.5)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
