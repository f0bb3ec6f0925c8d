// Reads a whole file into memory, for the readers that parse a buffer
// (images, CIFAR batches, CSV).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nabla::io {

// The bytes of the file at path. op names the caller in error messages
// ("read_image"); a missing file, a directory or a failed read throws an
// Error naming the file and the reason.
std::vector<uint8_t> read_file(const std::string& path, const std::string& op);

}  // namespace nabla::io
