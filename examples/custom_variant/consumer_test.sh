#!/usr/bin/env bash
# Installs this build into a scratch prefix and builds examples/custom_variant
# against it twice, as an out-of-tree project would: with find_package and
# with pkg-config. Each program must run and meet its expectations.
#   consumer_test.sh BUILD_DIR EXAMPLE_DIR
set -eu
build=$1
example=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake --install "$build" --prefix "$scratch/prefix" >/dev/null
cmake -S "$example" -B "$scratch/cmake-build" -DCMAKE_PREFIX_PATH="$scratch/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$scratch/cmake-build" >/dev/null
echo "== find_package(daxbreak)"
"$scratch/cmake-build/custom_variant"
echo "== pkg-config daxbreak"
PKG_CONFIG_PATH="$(dirname "$(find "$scratch/prefix" -name daxbreak.pc)")" make -s -C "$example" OUT="$scratch"
"$scratch/custom_variant_pc"
echo "== every installed header compiles on its own with the package's flags"
export PKG_CONFIG_PATH="$(dirname "$(find "$scratch/prefix" -name daxbreak.pc)")"
flags=$(pkg-config --cflags daxbreak)
cd "$scratch/prefix/include"
find daxbreak -name '*.h' | sort | xargs -P "$(nproc)" -I{} sh -c \
  "echo '#include \"{}\"' | ${CXX:-c++} $flags -fsyntax-only -x c++ - || { echo 'does not compile alone: {}'; exit 255; }"
echo "ok: $(find daxbreak -name '*.h' | wc -l) headers"
