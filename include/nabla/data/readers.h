// Readers of the file formats datasets come in. Each validates what it
// reads (magic numbers, sizes, counts) and throws nabla::Error naming the
// file, the byte offset where it went wrong, and what it expected.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nabla/data/dataset.h"

namespace nabla::data {

// IDX (the MNIST format): magic 0x0000 TT DD (TT the element type: 0x08 u8,
// 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64; DD the number of dims),
// DD big-endian u32 sizes, then the elements big-endian. gzip-compressed
// files (first bytes 1f 8b) are read through zlib. Returns u8 for u8 files,
// i64 for integer files, f32/f64 for float files.
Tensor read_idx(const std::string& path);
// Writes t (u8, i64 as i32, f32, f64) as IDX; gzip when path ends in ".gz".
void write_idx(const Tensor& t, const std::string& path);

// CIFAR-10/100 binary batches: records of [label byte(s)][3072 pixel bytes,
// R then G then B planes of 32×32]. CIFAR-10 has 1 label byte per record;
// CIFAR-100 has 2 (coarse, fine; the fine label is used). Several files are
// concatenated in order. Returns images u8 (N, 3, 32, 32) and labels i64 (N).
std::pair<Tensor, Tensor> read_cifar(const std::vector<std::string>& paths, bool cifar100 = false);

// CSV with a header row: every column but label_column becomes an f32
// feature; label_column holds class names or integers. Class names are
// numbered in sorted order, returned through classes(); integer labels are
// the class indices themselves, named "0".."max". Errors name the file, the
// line and the column.
std::shared_ptr<TensorDataset> read_csv(const std::string& path, const std::string& label_column);

// An image-folder tree, as torchvision's ImageFolder: root/<class>/<file>
// with .png, .jpg or .jpeg files; classes are the sorted folder names. All
// images must have the same size and channel count (after `channels`
// conversion: 1 gray, 3 RGB, 0 keep). Images are decoded once, into memory.
std::shared_ptr<TensorDataset> read_image_folder(const std::string& root, int channels = 0);

}  // namespace nabla::data
