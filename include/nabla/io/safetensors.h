// Checkpoints as safetensors files, readable by PyTorch's `safetensors` and
// by any reader of the format:
//   [u64 little-endian N] [N bytes of JSON header, space-padded to a multiple
//   of 8] [data buffer: each tensor's bytes, row-major, little-endian]
// header: {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
//          ..., "__metadata__": {"key": "value"}}
// Offsets are relative to the start of the buffer; the tensors cover it
// contiguously. dtypes: F32, F64, I64, U8 (and BOOL, read as u8).
#pragma once

#include <map>
#include <string>

#include "nabla/core/device.h"
#include "nabla/core/state_dict.h"

namespace nabla {

// Writes state to path atomically: a temporary file in the same directory,
// fsync, then rename over path. On any failure path is left as it was and
// the temporary is removed. Tensors are stored in the state's order; views
// and non-CPU tensors are copied to contiguous CPU memory first.
void save(const StateDict& state, const std::string& path,
          const std::map<std::string, std::string>& metadata = {});

// Reads a safetensors file, validating the header against the file (sizes,
// dtypes, offsets, contiguous cover of the buffer); any problem throws
// nabla::Error naming the file and what is wrong. Entries come back in the
// order of their data in the file (the order save wrote them in).
StateDict load(const std::string& path, Device device = kCPU);

// The "__metadata__" of a file (empty when it has none); validates the
// header as load does but reads no tensor data.
std::map<std::string, std::string> load_metadata(const std::string& path);

}  // namespace nabla
