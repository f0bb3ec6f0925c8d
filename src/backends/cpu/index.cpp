// Indexing kernels: gather, scatter_add, index_select, index_add.
//
// All four walk "lines" along dim. Every operand is viewed with index's shape
// but size 1 at dim, so one position of that view is one line; a line is then
// walked j = 0 … len−1 with each operand's stride at dim, except the operand
// the index addresses (x of gather, out of scatter_add), which is stepped by
// index[j] instead. index_select and index_add are gather and scatter_add with
// the 1-D index broadcast over the other dims (stride 0).
//
// Two positions on different lines differ in a coordinate other than dim, so
// they never touch the same element of the addressed operand: threads split
// the lines, which keeps scatter_add and index_add free of races (for an
// embedding gradient that is the feature dim, never the rows).
#include <atomic>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"
#include "backends/index_geometry.h"

namespace nabla::backends::cpu {
namespace {

// Throws unless every element of index lies in [0, size).
void check_indices(const Tensor& index, int64_t size, int64_t dim, const char* op) {
  std::atomic<bool> bad{false};
  std::atomic<int64_t> bad_value{0};
  for_each_run<1>({&index}, [&](auto p, auto s, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      const int64_t k = at<int64_t>(p[0], s[0], i);
      if (k < 0 || k >= size) {
        if (!bad.exchange(true)) bad_value = k;
        return;
      }
    }
  });
  NABLA_CHECK(!bad, op, ": index ", bad_value.load(), " is out of bounds for dimension ", dim,
              " with size ", size);
}

// t viewed as the lines of `positions` along dim (size 1 at dim).
Tensor lines_of(const Tensor& t, const Shape& positions, int64_t dim) {
  Shape shape = positions;
  shape[dim] = 1;
  return alias(t, shape, t.strides(), t.storage_offset());
}

// Calls body(p, s, n, j0, j1) for runs of n lines (p, s: pointers and byte
// strides of the three operands along the run), walking j in [j0, j1). On
// threads when the work pays: lines are split along their largest dim, or,
// when there are too few lines and split_line allows it (each j writes its
// own element, as in gather), along the line itself.
template <class Body>
void for_each_line(const std::array<Tensor, 3>& lines, int64_t len, bool split_line, Body body) {
  auto walk = [&](const std::array<Tensor, 3>& v, int64_t j0, int64_t j1) {
    for_each_run<3>({&v[0], &v[1], &v[2]},
                    [&](auto p, auto s, int64_t n) { body(p, s, n, j0, j1); });
  };
  const Shape& shape = lines[0].shape();
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  int64_t big = 0;
  for (int64_t d = 1; d < static_cast<int64_t>(shape.size()); ++d)
    if (shape[d] > shape[big]) big = d;
  const int64_t count = shape.empty() ? 1 : shape[big];
  if (threads == 1 || lines[0].numel() * len < kParallelGrain || (count == 1 && !split_line)) {
    walk(lines, 0, len);
    return;
  }
  if (count >= threads || !split_line) {
#pragma omp parallel
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      const int64_t b = count * t / nt, e = count * (t + 1) / nt;
      if (e > b) {
        Shape part = shape;
        part[big] = e - b;
        std::array<Tensor, 3> v;
        for (int k = 0; k < 3; ++k)
          v[k] = alias(lines[k], part, lines[k].strides(),
                       lines[k].storage_offset() + b * lines[k].strides()[big]);
        walk(v, 0, len);
      }
    }
    return;
  }
#pragma omp parallel
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t b = len * t / nt, e = len * (t + 1) / nt;
    if (e > b) walk(lines, b, e);
  }
}

// out[p] = x[p with p[dim] = index[p]]; index has out's shape (or is a
// broadcast view of that shape).
template <class T>
void gather_typed(const Tensor& out, const Tensor& x, int64_t dim, const Tensor& index) {
  const Shape& pos = out.shape();
  const int64_t len = pos[dim];
  const int64_t od = out.stride(dim) * sizeof(T), id = index.stride(dim) * sizeof(int64_t),
                xd = x.stride(dim) * sizeof(T);
  for_each_line({lines_of(out, pos, dim), lines_of(index, pos, dim), lines_of(x, pos, dim)}, len,
                true, [&](auto p, auto s, int64_t n, int64_t j0, int64_t j1) {
                  for (int64_t j = j0; j < j1; ++j) {
                    char* o = p[0] + j * od;
                    char* ip = p[1] + j * id;
                    if (s[1] == 0) {  // one index for the whole run (index_select)
                      char* src = p[2] + *reinterpret_cast<int64_t*>(ip) * xd;
                      if (s[0] == sizeof(T) && s[2] == sizeof(T)) {
                        T* dst = reinterpret_cast<T*>(o);
                        const T* from = reinterpret_cast<const T*>(src);
                        for (int64_t i = 0; i < n; ++i) dst[i] = from[i];
                      } else {
                        for (int64_t i = 0; i < n; ++i) at<T>(o, s[0], i) = at<T>(src, s[2], i);
                      }
                    } else {
                      for (int64_t i = 0; i < n; ++i)
                        at<T>(o, s[0], i) = at<T>(p[2] + at<int64_t>(ip, s[1], i) * xd, s[2], i);
                    }
                  }
                });
}

// out[p with p[dim] = index[p]] += src[p] over the positions of index.
template <class T>
void scatter_add_typed(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  const Shape& pos = index.shape();
  const int64_t len = pos[dim];
  const int64_t sd = src.stride(dim) * sizeof(T), id = index.stride(dim) * sizeof(int64_t),
                od = out.stride(dim) * sizeof(T);
  for_each_line({lines_of(src, pos, dim), lines_of(index, pos, dim), lines_of(out, pos, dim)}, len,
                false, [&](auto p, auto s, int64_t n, int64_t j0, int64_t j1) {
                  for (int64_t j = j0; j < j1; ++j) {
                    char* from = p[0] + j * sd;
                    char* ip = p[1] + j * id;
                    if (s[1] == 0) {  // one index for the whole run (index_add)
                      char* dst = p[2] + *reinterpret_cast<int64_t*>(ip) * od;
                      if (s[0] == sizeof(T) && s[2] == sizeof(T)) {
                        T* d = reinterpret_cast<T*>(dst);
                        const T* f = reinterpret_cast<const T*>(from);
                        for (int64_t i = 0; i < n; ++i) d[i] += f[i];
                      } else {
                        for (int64_t i = 0; i < n; ++i) at<T>(dst, s[2], i) += at<T>(from, s[0], i);
                      }
                    } else {
                      for (int64_t i = 0; i < n; ++i)
                        at<T>(p[2] + at<int64_t>(ip, s[1], i) * od, s[2], i) +=
                            at<T>(from, s[0], i);
                    }
                  }
                });
}

}  // namespace

void CpuBackend::gather(const Tensor& out, const Tensor& x, int64_t dim, const Tensor& index) {
  check_index_operands("gather", x, out, index, index.shape(), dim, kMaxDims);
  NABLA_CHECK(out.shape() == index.shape(), "gather: output ", out.shape(), " and index ",
              index.shape(), " differ");
  check_indices(index, x.size(dim), dim, "gather");
  NABLA_DISPATCH_ALL(x.dtype(), "gather", [&] { gather_typed<scalar_t>(out, x, dim, index); });
}

void CpuBackend::scatter_add(const Tensor& out, int64_t dim, const Tensor& index,
                             const Tensor& src) {
  check_index_operands("scatter_add", out, src, index, index.shape(), dim, kMaxDims);
  check_indices(index, out.size(dim), dim, "scatter_add");
  NABLA_DISPATCH_ALL(out.dtype(), "scatter_add",
                     [&] { scatter_add_typed<scalar_t>(out, dim, index, src); });
}

void CpuBackend::index_select(const Tensor& out, const Tensor& x, int64_t dim,
                              const Tensor& index) {
  const Tensor idx = broadcast_index("index_select", index, out, x, dim);
  check_index_operands("index_select", x, out, idx, out.shape(), dim, kMaxDims);
  check_indices(index, x.size(dim), dim, "index_select");
  NABLA_DISPATCH_ALL(x.dtype(), "index_select", [&] { gather_typed<scalar_t>(out, x, dim, idx); });
}

void CpuBackend::index_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  const Tensor idx = broadcast_index("index_add", index, src, out, dim);
  check_index_operands("index_add", out, src, idx, src.shape(), dim, kMaxDims);
  check_indices(index, out.size(dim), dim, "index_add");
  NABLA_DISPATCH_ALL(out.dtype(), "index_add",
                     [&] { scatter_add_typed<scalar_t>(out, dim, idx, src); });
}

}  // namespace nabla::backends::cpu
