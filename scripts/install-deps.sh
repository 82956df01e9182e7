#!/usr/bin/env bash
# Installs the Debian 12 packages daxbreak builds and tests with, if any is
# missing. Run as root. Pass extra package names to install them too (CI adds
# clang for the thread-safety build and chromium, the headless browser the
# campaign_html test renders a campaign's index.html in). The second group is what tools/vm/daxvm
# needs to boot a Debian kernel with emulated pmem (the `kernel` tests).
set -euo pipefail
packages=(build-essential cmake ninja-build pkg-config python3
          libpmem2-dev liburing-dev libcli11-dev libgtest-dev libgmock-dev
          libbenchmark-dev nlohmann-json3-dev libfmt-dev libxxhash-dev
          libboost-context-dev libndctl-dev libdaxctl-dev libpugixml-dev
          libxml2-utils help2man python3-jsonschema groff-base
          qemu-system-x86 busybox-static ndctl xfsprogs e2fsprogs curl xz-utils zstd jq "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
