#!/usr/bin/env bash
# The main job: installs what is needed, builds the `nabla` command and trains
# LeNet-5 on Fashion-MNIST (`nabla train` with no options). Arguments go to
# `nabla train`, e.g. `bash scripts/run-main.sh --epochs 2`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "${NABLA_JOBS:-2}" --target nabla_command
./build/nabla train "$@"
