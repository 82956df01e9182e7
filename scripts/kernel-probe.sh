#!/usr/bin/env bash
# Runs tools/kernel_probe/wait_page_idle_probe against a real kernel with
# emulated pmem (the qemu harness in ../shared/tools/qemu-pmem), to check the
# model's `modern` finding (a break asleep in wait_page_idle() is not woken
# when the page is faulted back in) against the kernel it models.
#
#   scripts/kernel-probe.sh                       # the harness's kernel (Debian 12: 6.1)
#   scripts/kernel-probe.sh --kernel linux-image-6.17.13+deb13-amd64
#
# --kernel PKG downloads that Debian kernel package (looked up in
# trixie-backports, then trixie; --suite to choose) into /tmp/qemu-pmem-PKG,
# unpacks it and boots it instead. Nothing is installed on the host.
# Options: --build DIR (default build/release), --harness DIR, --seconds N for
# the O_DIRECT loop (default 20). Exit 2 on bad options.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build/release"
harness="$here/../shared/tools/qemu-pmem"
kernel=""
suites="trixie-backports trixie"
seconds=20
mirror="http://deb.debian.org/debian"

usage() { echo "kernel-probe.sh: $1" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) kernel="${2:?}"; shift 2 ;;
    --suite) suites="${2:?}"; shift 2 ;;
    --build) build="${2:?}"; shift 2 ;;
    --harness) harness="${2:?}"; shift 2 ;;
    --seconds) seconds="${2:?}"; shift 2 ;;
    *) usage "unknown option '$1'" ;;
  esac
done
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || usage "--seconds must be a positive integer, got '$seconds'"
[[ -z "$kernel" || "$kernel" =~ ^linux-image-[0-9][A-Za-z0-9.+~-]*$ ]] ||
  usage "--kernel must name a linux-image-* package, got '$kernel'"
[ -x "$harness/run-in-pmem-vm.sh" ] || usage "no qemu harness at '$harness'"

# fetch_kernel PKG CACHE: the package's .deb from the first suite that has it,
# unpacked as the harness's setup.sh expects (lib/modules, uncompressed .ko).
fetch_kernel() {
  local pkg="$1" cache="$2" kdir="$2/kernel/$1" file="" suite
  [ -f "$kdir/.extracted" ] && return 0
  for suite in $suites; do
    file=$(curl -sSf "$mirror/dists/$suite/main/binary-amd64/Packages.xz" | xz -dc |
      awk -v p="$pkg" '$1=="Package:"{hit=($2==p)} hit && $1=="Filename:" && !f{f=$2}
                       END{print f}')
    [ -n "$file" ] && break
  done
  [ -n "$file" ] || usage "package '$kernel' not found in: $suites"
  mkdir -p "$cache/debs" "$kdir"
  echo "[kernel-probe] downloading $file" >&2
  curl -sSf -o "$cache/debs/$(basename "$file")" "$mirror/$file"
  dpkg -x "$cache/debs/$(basename "$file")" "$kdir"
  # Debian 13 kernels ship merged-/usr and xz-compressed modules.
  [ -d "$kdir/lib/modules" ] || ln -sfn usr/lib "$kdir/lib"
  find "$kdir/lib/modules/" -name '*.ko.xz' -print0 | xargs -0 -r -n 200 xz -d
  touch "$kdir/.extracted"
}

cmake --build "$build" --target wait_page_idle_probe >&2
probe="$build/tools/kernel_probe/wait_page_idle_probe"
env=()
if [ -n "$kernel" ]; then
  cache="/tmp/qemu-pmem-$kernel"
  fetch_kernel "$kernel" "$cache"
  env=(QEMU_PMEM_CACHE="$cache" QEMU_PMEM_KPKG="$kernel")
  env "${env[@]}" "$harness/setup.sh" >&2
fi

# The guest sees the host's / read-only, so the guest script lives in /tmp.
guest=$(mktemp /tmp/kernel-probe.XXXXXX.sh)
trap 'rm -f "$guest"' EXIT
cat >"$guest" <<EOF
#!/bin/sh
echo "kernel \$(uname -r)"
for op in truncate punch; do
  for refault in "" --refault; do
    echo "== vmsplice reference, \$op \$refault"
    "$probe" --file /mnt/dax/probe --op \$op \$refault --wait-ms 3000
  done
  echo "== O_DIRECT loop, \$op"
  "$probe" --file /mnt/dax/probe --dio-from /mnt/disk/src --op \$op --seconds $seconds --wait-ms 2000
done
EOF
chmod +x "$guest"
env "${env[@]}" "$harness/run-in-pmem-vm.sh" -q -- "$guest"
