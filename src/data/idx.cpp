// IDX files (the MNIST format), raw or gzip-compressed.
//   bytes 0-1   zero
//   byte  2     element type: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
//   byte  3     number of dimensions D
//   bytes 4..   D sizes, big-endian u32
//   then        the elements, big-endian, row-major
// Reading goes through zlib's gz* API, which decompresses files that start
// with the gzip magic 1f 8b and reads others as they are; offsets in errors
// are offsets in the decompressed data.
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <limits>
#include <sstream>

#include "io/atomic_file.h"
#include "nabla/data/readers.h"
#include "nabla/ops/factory.h"

namespace nabla::data {
namespace {

static_assert(std::endian::native == std::endian::little,
              "IDX is big-endian; the byte swaps below assume a little-endian host");

enum IdxType : uint8_t {
  kIdxU8 = 0x08,
  kIdxI8 = 0x09,
  kIdxI16 = 0x0B,
  kIdxI32 = 0x0C,
  kIdxF32 = 0x0D,
  kIdxF64 = 0x0E,
};

int idx_itemsize(uint8_t type) {
  switch (type) {
    case kIdxU8:
    case kIdxI8:
      return 1;
    case kIdxI16:
      return 2;
    case kIdxI32:
    case kIdxF32:
      return 4;
    case kIdxF64:
      return 8;
  }
  return 0;
}

// "u8 (0x08)", for messages.
std::string type_name(uint8_t type) {
  const char* name = type == kIdxU8    ? "u8"
                     : type == kIdxI8  ? "i8"
                     : type == kIdxI16 ? "i16"
                     : type == kIdxI32 ? "i32"
                     : type == kIdxF32 ? "f32"
                                       : "f64";
  return detail::concat(name, " (0x0", std::hex, std::uppercase, int(type), ")");
}

std::string hex(uint64_t value, int digits) {
  std::ostringstream os;
  os << "0x" << std::hex << std::setw(digits) << std::setfill('0') << value;
  return os.str();
}

// Sequential reads of an IDX file through zlib, with the position kept for
// error messages.
class IdxInput {
 public:
  explicit IdxInput(const std::string& path) : path_(path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail_plain("is a directory, not a file");
    errno = 0;
    file_ = gzopen(path.c_str(), "rb");
    // gzopen sets errno for failures of open(2); zero means it ran out of memory.
    if (file_ == nullptr)
      fail_plain("cannot open: ", errno ? std::strerror(errno) : "out of memory");
    file_size_ = std::filesystem::file_size(path, ec);
    if (ec) {
      gzclose_r(file_);
      fail_plain("cannot read the file size: ", ec.message());
    }
    gzbuffer(file_, 1 << 17);
    // A file that does not start with gzip's magic 1f 8b is read as it is
    // ("transparent" mode); gzdirect looks at the first bytes to tell.
    compressed_ = gzdirect(file_) == 0;
  }
  IdxInput(const IdxInput&) = delete;
  IdxInput& operator=(const IdxInput&) = delete;
  ~IdxInput() { gzclose_r(file_); }

  template <class... Args>
  [[noreturn]] void fail_plain(const Args&... args) const {
    NABLA_FAIL("read_idx: '", path_, "': ", args...);
  }
  // "at byte offset 16" (of the decompressed data, for gzip files).
  std::string at(uint64_t offset) const {
    return detail::concat("byte offset ", offset, compressed_ ? " of the decompressed data" : "");
  }

  bool compressed() const { return compressed_; }
  uint64_t file_size() const { return file_size_; }
  uint64_t position() const { return position_; }

  // Reads up to n bytes into dst and returns how many there were; stops
  // short only at the end of the data. A corrupt gzip stream throws.
  uint64_t read(void* dst, uint64_t n) {
    auto* out = static_cast<char*>(dst);
    uint64_t got = 0;
    while (got < n) {
      const auto chunk = static_cast<unsigned>(std::min<uint64_t>(n - got, 1u << 30));
      const int r = gzread(file_, out + got, chunk);
      if (r < 0) stream_error(position_ + got);
      if (r == 0) break;
      got += static_cast<uint64_t>(r);
    }
    if (got < n) stream_error(position_ + got);  // throws for a corrupt stream, not at a clean end
    position_ += got;
    return got;
  }

  // What zlib said about a stream that ended early: "" when the data just
  // ended, else a sentence for the error message.
  std::string end_note() const {
    return truncated_stream_
               ? " (the gzip stream itself is cut short: zlib says \"unexpected end of file\")"
               : "";
  }

 private:
  void stream_error(uint64_t position) {
    int code = Z_OK;
    const char* message = gzerror(file_, &code);
    if (code == Z_OK) return;
    if (code == Z_BUF_ERROR) {  // the compressed file ended in the middle of the stream
      truncated_stream_ = true;
      return;
    }
    if (code == Z_ERRNO)
      fail_plain("reading failed near ", at(position_), ": ", std::strerror(errno));
    fail_plain("corrupt gzip data near ", at(position_), ": zlib says \"", message, "\"");
  }

  std::string path_;
  gzFile file_ = nullptr;
  uint64_t file_size_ = 0;
  uint64_t position_ = 0;
  bool compressed_ = false;
  bool truncated_stream_ = false;
};

uint32_t load_be32(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

// Reads count elements of Src (big-endian) into dst, widening each to Dst,
// a block at a time so the file's data is never held twice. Returns the
// number of bytes read (fewer than count · sizeof(Src) at a short file).
template <class Src, class Dst>
uint64_t read_widened(IdxInput& in, Dst* dst, uint64_t count) {
  constexpr uint64_t kBlock = 1 << 14;
  std::vector<Src> buffer(kBlock);
  uint64_t done = 0;
  while (done < count) {
    const uint64_t n = std::min(kBlock, count - done);
    const uint64_t bytes = in.read(buffer.data(), n * sizeof(Src));
    for (uint64_t i = 0; i < bytes / sizeof(Src); ++i) {
      using U = std::make_unsigned_t<Src>;
      U u;
      std::memcpy(&u, &buffer[i], sizeof(U));
      if constexpr (sizeof(U) == 2) u = __builtin_bswap16(u);
      if constexpr (sizeof(U) == 4) u = __builtin_bswap32(u);
      dst[done + i] = static_cast<Dst>(static_cast<Src>(u));
    }
    if (bytes < n * sizeof(Src)) return done * sizeof(Src) + bytes;
    done += n;
  }
  return done * sizeof(Src);
}

}  // namespace

Tensor read_idx(const std::string& path) {
  IdxInput in(path);

  unsigned char magic[4];
  const uint64_t got_magic = in.read(magic, 4);
  if (got_magic < 4)
    in.fail_plain("the file ends at ", in.at(got_magic),
                  ": expected a 4-byte magic number 00 00 TT DD (TT the element type, DD the "
                  "number of dimensions)",
                  in.end_note());
  if (magic[0] != 0 || magic[1] != 0)
    in.fail_plain("bad magic number ", hex(load_be32(magic), 8), " at ", in.at(0),
                  ": expected 0x0000TTDD (two zero bytes, the element type, the number of "
                  "dimensions); this is not an IDX file");
  const uint8_t type = magic[2];
  const int item = idx_itemsize(type);
  if (item == 0)
    in.fail_plain("unknown element type ", hex(type, 2), " at ", in.at(2),
                  ": expected 0x08 (u8), 0x09 (i8), 0x0B (i16), 0x0C (i32), 0x0D (f32) or 0x0E "
                  "(f64)");
  const int ndim = magic[3];

  std::vector<unsigned char> size_bytes(4 * static_cast<size_t>(ndim));
  const uint64_t got_sizes = in.read(size_bytes.data(), size_bytes.size());
  if (got_sizes < size_bytes.size())
    in.fail_plain("the file ends at ", in.at(4 + got_sizes), " in the sizes: ", ndim,
                  " dimensions (byte 3) need ", size_bytes.size(), " bytes of sizes at offsets 4-",
                  3 + size_bytes.size(), in.end_note());
  Shape shape(static_cast<size_t>(ndim));
  for (int d = 0; d < ndim; ++d) shape[d] = load_be32(&size_bytes[4 * static_cast<size_t>(d)]);
  const uint64_t header_bytes = 4 + size_bytes.size();

  // The data size, checked for overflow: a corrupt size must give an error,
  // not a wrapped-around allocation.
  uint64_t data_bytes = static_cast<uint64_t>(item);
  for (int64_t s : shape)
    if (__builtin_mul_overflow(data_bytes, static_cast<uint64_t>(s), &data_bytes) ||
        data_bytes > uint64_t(std::numeric_limits<int64_t>::max()))
      in.fail_plain("sizes ", shape, " (byte offsets 4-", header_bytes - 1,
                    ") describe more data than 64 bits can count: their product overflows");
  const uint64_t expected_end = header_bytes + data_bytes;
  if (!in.compressed()) {
    // The file's length must be exactly header + data.
    if (in.file_size() < expected_end)
      in.fail_plain("truncated: the sizes ", shape, " of ", type_name(type), " elements need ",
                    data_bytes, " bytes of data after the ", header_bytes,
                    "-byte header, ending at byte offset ", expected_end,
                    ", but the file ends at byte offset ", in.file_size());
    if (in.file_size() > expected_end)
      in.fail_plain(in.file_size() - expected_end, " trailing byte(s) from byte offset ",
                    expected_end, ": the sizes ", shape, " of ", type_name(type), " elements need ",
                    data_bytes, " bytes of data after the ", header_bytes,
                    "-byte header, but the file has ", in.file_size(), " bytes");
  } else if (data_bytes / 1100 > in.file_size() + (1 << 20)) {
    // deflate compresses at most about 1032:1: refuse before allocating.
    in.fail_plain("the sizes ", shape, " (byte offsets 4-", header_bytes - 1, ") need ", data_bytes,
                  " bytes of data, more than a gzip file of ", in.file_size(), " bytes can hold");
  }

  const int64_t count = static_cast<int64_t>(data_bytes) / item;
  Tensor out;
  uint64_t got = 0;
  switch (type) {
    case kIdxU8:
      out = empty(shape, kUInt8);
      got = in.read(out.raw_data(), data_bytes);
      break;
    case kIdxI8:
      out = empty(shape, kInt64);
      got = read_widened<int8_t>(in, out.data_ptr<int64_t>(), count);
      break;
    case kIdxI16:
      out = empty(shape, kInt64);
      got = read_widened<int16_t>(in, out.data_ptr<int64_t>(), count);
      break;
    case kIdxI32:
      out = empty(shape, kInt64);
      got = read_widened<int32_t>(in, out.data_ptr<int64_t>(), count);
      break;
    case kIdxF32: {
      out = empty(shape, kFloat32);
      got = in.read(out.raw_data(), data_bytes);
      auto* p = static_cast<uint32_t*>(out.raw_data());
      for (int64_t i = 0; i < count; ++i) p[i] = __builtin_bswap32(p[i]);
      break;
    }
    case kIdxF64: {
      out = empty(shape, kFloat64);
      got = in.read(out.raw_data(), data_bytes);
      auto* p = static_cast<uint64_t*>(out.raw_data());
      for (int64_t i = 0; i < count; ++i) p[i] = __builtin_bswap64(p[i]);
      break;
    }
  }
  if (got < data_bytes)
    in.fail_plain("truncated: the data ends at ", in.at(header_bytes + got), ", but the sizes ",
                  shape, " of ", type_name(type), " elements need ", data_bytes,
                  " bytes of data after the ", header_bytes, "-byte header, ending at byte offset ",
                  expected_end, in.end_note());
  if (in.compressed()) {
    char extra[4096];
    uint64_t trailing = 0;
    while (const uint64_t n = in.read(extra, sizeof(extra))) trailing += n;
    if (trailing > 0)
      in.fail_plain(trailing, " trailing byte(s) from ", in.at(expected_end), ": the sizes ", shape,
                    " of ", type_name(type), " elements need ", data_bytes,
                    " bytes of data after the ", header_bytes, "-byte header");
  }
  return out;
}

// ---------------------------------------------------------------- writing

namespace {

// The bytes of an IDX file, into an AtomicFile, through deflate for ".gz".
class IdxOutput {
 public:
  IdxOutput(const std::string& path, bool gzip) : path_(path), file_(path, "write_idx") {
    if (!gzip) return;
    std::memset(&zs_, 0, sizeof(zs_));
    // windowBits 15 + 16: a gzip wrapper rather than zlib's.
    NABLA_CHECK(deflateInit2(&zs_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                             Z_DEFAULT_STRATEGY) == Z_OK,
                "write_idx: '", path, "': deflateInit2 failed");
    deflating_ = true;
    out_.resize(1 << 16);
  }
  IdxOutput(const IdxOutput&) = delete;
  IdxOutput& operator=(const IdxOutput&) = delete;
  ~IdxOutput() {
    if (deflating_) deflateEnd(&zs_);
  }

  void write(const void* data, size_t n) {
    if (!deflating_) return file_.write(data, n);
    const auto* p = static_cast<const unsigned char*>(data);
    while (n > 0) {
      const auto chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
      zs_.next_in = const_cast<unsigned char*>(p);
      zs_.avail_in = chunk;
      deflate_all(Z_NO_FLUSH);
      p += chunk;
      n -= chunk;
    }
  }

  void commit() {
    if (deflating_) deflate_all(Z_FINISH);
    file_.commit();
  }

 private:
  void deflate_all(int flush) {
    int rc;
    do {
      zs_.next_out = out_.data();
      zs_.avail_out = static_cast<uInt>(out_.size());
      rc = deflate(&zs_, flush);
      NABLA_CHECK(rc != Z_STREAM_ERROR, "write_idx: '", path_, "': deflate failed");
      file_.write(out_.data(), out_.size() - zs_.avail_out);
    } while (zs_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
  }

  std::string path_;
  io::AtomicFile file_;
  z_stream zs_{};
  bool deflating_ = false;
  std::vector<unsigned char> out_;
};

void put_be32(unsigned char* p, uint32_t v) {
  p[0] = static_cast<unsigned char>(v >> 24);
  p[1] = static_cast<unsigned char>(v >> 16);
  p[2] = static_cast<unsigned char>(v >> 8);
  p[3] = static_cast<unsigned char>(v);
}

}  // namespace

void write_idx(const Tensor& t, const std::string& path) {
  NABLA_CHECK(t.defined(), "write_idx: '", path, "': the tensor is undefined");
  NABLA_CHECK(t.dim() <= 255, "write_idx: '", path, "': IDX holds at most 255 dimensions, the ",
              "tensor has ", t.dim());
  const Tensor c = t.detach().cpu().contiguous();
  uint8_t type = 0;
  switch (c.dtype()) {
    case kUInt8:
      type = kIdxU8;
      break;
    case kInt64:
      type = kIdxI32;
      break;
    case kFloat32:
      type = kIdxF32;
      break;
    case kFloat64:
      type = kIdxF64;
      break;
  }
  std::vector<unsigned char> header(4 + 4 * static_cast<size_t>(c.dim()));
  header[2] = type;
  header[3] = static_cast<unsigned char>(c.dim());
  for (int64_t d = 0; d < c.dim(); ++d) {
    NABLA_CHECK(c.size(d) <= int64_t(std::numeric_limits<uint32_t>::max()), "write_idx: '", path,
                "': size ", c.size(d), " of dimension ", d, " of shape ", c.shape(),
                " does not fit IDX's 32-bit sizes");
    put_be32(&header[4 + 4 * static_cast<size_t>(d)], static_cast<uint32_t>(c.size(d)));
  }
  // i64 is stored as IDX's i32: every value must fit, checked before the file is touched.
  if (c.dtype() == kInt64) {
    const int64_t* p = c.data_ptr<int64_t>();
    for (int64_t i = 0; i < c.numel(); ++i)
      NABLA_CHECK(p[i] >= std::numeric_limits<int32_t>::min() &&
                      p[i] <= std::numeric_limits<int32_t>::max(),
                  "write_idx: '", path, "': element ", i, " is ", p[i],
                  ", out of the range of IDX's i32, which stores int64 tensors");
  }

  const bool gzip = path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  IdxOutput out(path, gzip);
  out.write(header.data(), header.size());
  // The elements, big-endian, a block at a time.
  constexpr int64_t kBlock = 1 << 14;
  const int64_t n = c.numel();
  if (c.dtype() == kUInt8) {
    out.write(c.raw_data(), static_cast<size_t>(n));
  } else if (c.dtype() == kInt64) {
    std::vector<uint32_t> buffer(kBlock);
    const int64_t* p = c.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; i += kBlock) {
      const int64_t m = std::min(kBlock, n - i);
      for (int64_t j = 0; j < m; ++j)
        buffer[j] = __builtin_bswap32(static_cast<uint32_t>(static_cast<int32_t>(p[i + j])));
      out.write(buffer.data(), static_cast<size_t>(m) * 4);
    }
  } else if (c.dtype() == kFloat32) {
    std::vector<uint32_t> buffer(kBlock);
    const auto* p = static_cast<const uint32_t*>(c.raw_data());
    for (int64_t i = 0; i < n; i += kBlock) {
      const int64_t m = std::min(kBlock, n - i);
      for (int64_t j = 0; j < m; ++j) buffer[j] = __builtin_bswap32(p[i + j]);
      out.write(buffer.data(), static_cast<size_t>(m) * 4);
    }
  } else {
    std::vector<uint64_t> buffer(kBlock);
    const auto* p = static_cast<const uint64_t*>(c.raw_data());
    for (int64_t i = 0; i < n; i += kBlock) {
      const int64_t m = std::min(kBlock, n - i);
      for (int64_t j = 0; j < m; ++j) buffer[j] = __builtin_bswap64(p[i + j]);
      out.write(buffer.data(), static_cast<size_t>(m) * 8);
    }
  }
  out.commit();
}

}  // namespace nabla::data
