#!/usr/bin/env bash
# Configures and builds nabla into build/ (Release). Extra arguments go to
# cmake's configure step. Two jobs: the machines this runs on have 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${NABLA_JOBS:-2}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j "$jobs"
