// safetensors: the format (include/nabla/io/safetensors.h), a writer (atomic,
// through io/atomic_file.h) and a reader that checks the header against the
// file before trusting it.
#include "nabla/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "io/atomic_file.h"
#include "nabla/ops/factory.h"

namespace nabla {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host would need byte swaps");

using Json = nlohmann::ordered_json;

// As the reference implementation (MAX_HEADER_SIZE): a larger header is
// taken for a corrupt or hostile file rather than allocated.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
constexpr const char* kMetadataKey = "__metadata__";
constexpr const char* kSupported = "F32, F64, I64, U8, BOOL";

const char* format_dtype(DType t) {
  switch (t) {
    case DType::Float32:
      return "F32";
    case DType::Float64:
      return "F64";
    case DType::Int64:
      return "I64";
    case DType::UInt8:
      return "U8";
  }
  return "?";
}

// ---------------------------------------------------------------- writing

void put_u64_le(char* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// ---------------------------------------------------------------- reading

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;  // [begin, end) within the data buffer
};

struct Header {
  std::vector<Entry> entries;  // sorted by offset
  std::map<std::string, std::string> metadata;
  uint64_t data_start = 0;  // file offset of the data buffer
};

// Reads and validates the header of an open file; every error names the file.
class HeaderReader {
 public:
  HeaderReader(std::ifstream& in, const std::string& path) : in_(in), path_(path) {}

  template <class... Args>
  [[noreturn]] void fail(const Args&... args) const {
    NABLA_FAIL("load: '", path_, "': ", args...);
  }

  Header read() {
    std::error_code ec;
    const uint64_t file_size = std::filesystem::file_size(path_, ec);
    if (ec) fail("cannot read the file size: ", ec.message());
    if (file_size < 8) fail("file is ", file_size, " bytes, shorter than the 8-byte header length");

    unsigned char len_bytes[8];
    read_exact(len_bytes, 8, 0);
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | len_bytes[i];
    if (header_len > kMaxHeaderBytes)
      fail("header length ", header_len, " (bytes 0-7) exceeds the limit of ", kMaxHeaderBytes,
           " bytes");
    if (header_len > file_size - 8)
      fail("header length ", header_len, " (bytes 0-7) is larger than the ", file_size - 8,
           " bytes that follow it in the file");

    std::string text(header_len, '\0');
    read_exact(text.data(), header_len, 8);
    Header h;
    h.data_start = data_start_ = 8 + header_len;
    const uint64_t buffer_bytes = file_size - h.data_start;
    parse(text, buffer_bytes, h);
    check_cover(h, buffer_bytes);
    return h;
  }

  void read_exact(void* out, uint64_t nbytes, uint64_t offset) {
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(static_cast<char*>(out), static_cast<std::streamsize>(nbytes));
    if (!in_ || static_cast<uint64_t>(in_.gcount()) != nbytes)
      fail("reading ", nbytes, " bytes at byte offset ", offset, " failed");
  }

 private:
  void parse(const std::string& text, uint64_t buffer_bytes, Header& h) {
    // The format requires the header to open an object.
    if (text.empty() || text[0] != '{')
      fail("header is not a JSON object: it ",
           text.empty() ? std::string("is empty")
                        : "starts with '" + std::string(1, text[0]) + "' at byte offset 8");
    std::set<std::string> seen;
    std::string duplicate;
    Json j;
    try {
      j = Json::parse(text, [&](int depth, Json::parse_event_t event, Json& parsed) {
        if (depth == 1 && event == Json::parse_event_t::key && duplicate.empty() &&
            !seen.insert(parsed.get<std::string>()).second)
          duplicate = parsed.get<std::string>();
        return true;
      });
    } catch (const Json::parse_error& e) {
      fail("header is not valid JSON (near header byte ", e.byte, ", byte offset ", 8 + e.byte,
           "): ", e.what());
    }
    if (!j.is_object()) fail("header is not a JSON object");
    if (!duplicate.empty()) fail("header names '", duplicate, "' twice");

    for (const auto& [name, value] : j.items()) {
      if (name == kMetadataKey) {
        if (!value.is_object()) fail("\"__metadata__\" is ", value.type_name(), ", not an object");
        for (const auto& [k, v] : value.items()) {
          if (!v.is_string())
            fail("\"__metadata__\" must map strings to strings; '", k, "' is ", v.type_name());
          h.metadata[k] = v.get<std::string>();
        }
        continue;
      }
      h.entries.push_back(parse_entry(name, value, buffer_bytes));
    }
  }

  Entry parse_entry(const std::string& name, const Json& value, uint64_t buffer_bytes) {
    if (!value.is_object())
      fail("tensor '", name, "': entry is ", value.type_name(), ", not an object");
    for (const char* field : {"dtype", "shape", "data_offsets"})
      if (!value.contains(field)) fail("tensor '", name, "': missing \"", field, "\"");
    Entry e;
    e.name = name;

    const Json& dt = value["dtype"];
    if (!dt.is_string()) fail("tensor '", name, "': dtype is ", dt.type_name(), ", not a string");
    e.dtype = parse_dtype(name, dt.get<std::string>());

    const Json& shape = value["shape"];
    if (!shape.is_array())
      fail("tensor '", name, "': shape is ", shape.type_name(), ", not an array");
    uint64_t nbytes = itemsize(e.dtype);
    for (const Json& d : shape) {
      if (!d.is_number_integer())
        fail("tensor '", name, "': shape ", shape.dump(), " has a non-integer entry");
      if (d.is_number_unsigned() ? d.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())
                                 : d.get<int64_t>() < 0)
        fail("tensor '", name, "': shape ", shape.dump(),
             d.is_number_unsigned() ? " has an entry too large" : " has a negative entry");
      const int64_t size = d.get<int64_t>();
      e.shape.push_back(size);
      if (__builtin_mul_overflow(nbytes, static_cast<uint64_t>(size), &nbytes))
        fail("tensor '", name, "': shape ", shape.dump(), " is too large");
    }

    const Json& off = value["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
        !off[1].is_number_unsigned())
      fail("tensor '", name, "': data_offsets ", off.dump(),
           " is not a pair of non-negative integers [begin, end]");
    e.begin = off[0].get<uint64_t>();
    e.end = off[1].get<uint64_t>();
    if (e.end < e.begin)
      fail("tensor '", name, "': data_offsets [", e.begin, ", ", e.end, "] end before they begin");
    if (e.end - e.begin != nbytes)
      fail("tensor '", name, "': data_offsets [", e.begin, ", ", e.end, "] hold ", e.end - e.begin,
           " bytes, but ", dt.get<std::string>(), " of shape ", e.shape, " needs ", nbytes);
    if (e.end > buffer_bytes)
      fail("tensor '", name, "': data_offsets [", e.begin, ", ", e.end,
           "] run past the end of the data buffer, which holds ", buffer_bytes,
           " bytes (the tensor would end at byte offset ", data_start_ + e.end, " of a file of ",
           data_start_ + buffer_bytes, " bytes)");
    return e;
  }

  DType parse_dtype(const std::string& name, const std::string& s) {
    if (s == "F32") return kFloat32;
    if (s == "F64") return kFloat64;
    if (s == "I64") return kInt64;
    // Booleans are one byte, 0 or 1: nabla keeps them as u8 (dtype.h).
    if (s == "U8" || s == "BOOL") return kUInt8;
    static const std::set<std::string> other_format_dtypes = {
        "F16",     "BF16",    "I8", "I16",     "I32",     "U16",     "U32", "U64",
        "F8_E4M3", "F8_E5M2", "F4", "F6_E2M3", "F6_E3M2", "F8_E8M0", "C64"};
    if (other_format_dtypes.count(s))
      fail("tensor '", name, "': dtype ", s, " is not supported by nabla (supported: ", kSupported,
           ")");
    fail("tensor '", name, "': unknown dtype '", s, "' (supported: ", kSupported, ")");
  }

  // The format requires the tensors to cover the data buffer exactly:
  // sorted by offset, each starts where the previous one ended.
  void check_cover(Header& h, uint64_t buffer_bytes) {
    std::sort(h.entries.begin(), h.entries.end(), [](const Entry& a, const Entry& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    uint64_t expected = 0;
    const Entry* prev = nullptr;
    for (const Entry& e : h.entries) {
      if (e.begin < expected)
        fail("tensors '", prev->name, "' [", prev->begin, ", ", prev->end, ") and '", e.name, "' [",
             e.begin, ", ", e.end, ") overlap at byte offset ", h.data_start + e.begin);
      if (e.begin > expected)
        fail("gap of ", e.begin - expected, " bytes before tensor '", e.name, "' (buffer bytes [",
             expected, ", ", e.begin, "), byte offset ", h.data_start + expected,
             "): tensors must cover the data buffer contiguously");
      expected = e.end;
      prev = &e;
    }
    if (expected < buffer_bytes)
      fail("trailing garbage: ", buffer_bytes - expected,
           " bytes after the last tensor, from byte offset ", h.data_start + expected);
  }

  std::ifstream& in_;
  const std::string& path_;
  uint64_t data_start_ = 0;
};

std::ifstream open_for_reading(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  NABLA_CHECK(in.is_open(), "load: '", path, "': cannot open: ", std::strerror(errno));
  return in;
}

}  // namespace

void save(const StateDict& state, const std::string& path,
          const std::map<std::string, std::string>& metadata) {
  // Everything that can be checked is checked before the file is touched.
  std::vector<Tensor> data;
  Json header = Json::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  uint64_t offset = 0;
  for (const auto& [name, t] : state) {
    NABLA_CHECK(name != kMetadataKey, "save: '", path, "': the name '", kMetadataKey,
                "' is reserved for metadata");
    NABLA_CHECK(t.defined(), "save: '", path, "': tensor '", name, "' is undefined");
    Tensor c = t.detach().cpu().contiguous();
    const uint64_t nbytes = static_cast<uint64_t>(c.numel()) * c.element_size();
    header[name] = {{"dtype", format_dtype(c.dtype())},
                    {"shape", c.shape()},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    data.push_back(std::move(c));
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const Json::type_error& e) {
    NABLA_FAIL("save: '", path, "': a name or metadata string is not valid UTF-8: ", e.what());
  }
  // Padding to a multiple of 8 aligns the data buffer for readers that map the file.
  text.append((8 - text.size() % 8) % 8, ' ');

  io::AtomicFile file(path, "save");
  char len[8];
  put_u64_le(len, text.size());
  file.write(len, 8);
  file.write(text.data(), text.size());
  for (const Tensor& c : data)
    if (c.numel() > 0) file.write(c.raw_data(), static_cast<size_t>(c.numel()) * c.element_size());
  file.commit();
}

StateDict load(const std::string& path, Device device) {
  std::ifstream in = open_for_reading(path);
  HeaderReader reader(in, path);
  const Header h = reader.read();
  StateDict out;
  for (const Entry& e : h.entries) {
    Tensor t = empty(e.shape, e.dtype);
    if (e.end > e.begin) reader.read_exact(t.raw_data(), e.end - e.begin, h.data_start + e.begin);
    out.set(e.name, t.to(device));
  }
  return out;
}

std::map<std::string, std::string> load_metadata(const std::string& path) {
  std::ifstream in = open_for_reading(path);
  return HeaderReader(in, path).read().metadata;
}

}  // namespace nabla
