#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite: the Release
# build's tests, then the core tests (core, autograd, ops) again under
# AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${NABLA_JOBS:-2}

bash scripts/install-deps.sh
bash scripts/build.sh

export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
ctest --test-dir build --output-on-failure -j "$jobs" -LE slow

# The sanitizer build: a second build directory, the core tests only, on
# the CPU backend (the CUDA runtime does not run under AddressSanitizer).
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNABLA_SANITIZE=ON \
  -DNABLA_CUDA=OFF -DNABLA_BUILD_BENCH=OFF -DNABLA_BUILD_EXAMPLES=OFF
cmake --build build-asan -j "$jobs" --target test_core test_autograd test_ops
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-asan --output-on-failure -j "$jobs" -L sanitize
