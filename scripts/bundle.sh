#!/usr/bin/env bash
# Packs a build's programs with the shared libraries they load, so they run
# on a machine that has none of the build's dependencies installed (a GPU
# machine with only the CUDA driver and toolkit): the C and C++ runtimes and
# the CUDA libraries are left to that machine (its own are as new or newer),
# everything else travels.
#
#   scripts/bundle.sh [BUILD_DIR] [OUT.tar.gz]     (default: build, build/bundle.tar.gz)
#   tar xzf bundle.tar.gz && bundle/run tests/test_cuda
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=${2:-$build/bundle.tar.gz}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bundle/lib" "$stage/bundle/tests" "$stage/bundle/bench"

programs=("$build/nabla")
for t in "$build"/tests/test_*; do [[ -x $t && -f $t ]] && programs+=("$t"); done
for b in "$build"/bench/bench_*; do [[ -x $b && -f $b ]] && programs+=("$b"); done

cp "$build/nabla" "$stage/bundle/"
for p in "${programs[@]:1}"; do
  case $p in
    */tests/*) cp "$p" "$stage/bundle/tests/" ;;
    */bench/*) cp "$p" "$stage/bundle/bench/" ;;
  esac
done

# Every library the programs load, but the C runtime and CUDA's own.
keep() {
  case $(basename "$1") in
    libc.so* | libm.so* | libpthread.so* | libdl.so* | librt.so* | ld-linux*) return 1 ;;
    libstdc++.so* | libgcc_s.so*) return 1 ;;
    libcuda.so* | libcudart.so* | libcublas*.so* | libcudnn*.so* | libnvidia*) return 1 ;;
  esac
}
ldd "${programs[@]}" "$build/libnabla.so" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3}' |
  sort -u | while read -r lib; do
  if keep "$lib"; then cp -L "$lib" "$stage/bundle/lib/"; fi
done
cp -L "$build/libnabla.so" "$stage/bundle/lib/"

cat > "$stage/bundle/run" <<'RUN'
#!/usr/bin/env bash
# Runs a program of the bundle (a path inside it) with the bundle's libraries.
here=$(cd "$(dirname "$0")" && pwd)
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
prog=$1
shift
exec "$here/$prog" "$@"
RUN
chmod +x "$stage/bundle/run"

tar czf "$out" -C "$stage" bundle
echo "$out: $(du -h "$out" | cut -f1), $(ls "$stage/bundle/lib" | wc -l) libraries, ${#programs[@]} programs"
