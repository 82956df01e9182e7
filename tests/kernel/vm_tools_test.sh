#!/usr/bin/env bash
# The kernel-fix tools without a VM or a kernel build (nothing here builds or
# boots a kernel): option checks of tools/vm/build-kernel, daxvm
# --kernel-image and tools/vm/validate-fix (exit 2 with the bad value named),
# the initramfs of a kernel with its drivers built in (an empty /modules),
# the release read from a bzImage header, and the patch series of patches/
# (git format-patch files, a series.conf whose model row exists).
# Usage: vm_tools_test.sh REPO DAXBREAK
set -uo pipefail
repo=$1 daxbreak=$(readlink -f "$2")
vm=$repo/tools/vm
tmp=$(mktemp -d /tmp/daxbreak-vm-tools.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
# expect CODE WORDS-IN-STDERR -- CMD...: CMD exits CODE and its stderr has WORDS.
expect() {
  local code=$1 words=$2 out rc
  shift 3
  out=$("$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" != "$code" ]; then echo "FAIL: $* exited $rc, want $code ($out)"; fail=1; return; fi
  case "$out" in *"$words"*) echo "ok: $*" ;; *) echo "FAIL: $*: stderr '$out' lacks '$words'"; fail=1 ;; esac
}

expect 2 "unknown option '--nope'" -- "$vm/build-kernel" --nope
expect 2 "no series 'no-such-series'" -- "$vm/build-kernel" no-such-series
expect 2 "is not linux-source-X.Y" -- "$vm/build-kernel" --source linux-image-6.1
expect 2 "--jobs 'x' is not a number" -- "$vm/build-kernel" --jobs x
expect 2 "is not a readable file" -- "$vm/daxvm" --kernel-image "$tmp/none" -- true
: > "$tmp/bzImage"
expect 2 "exclude each other" -- "$vm/daxvm" --kernel linux-image-6.1.0-50-amd64 --kernel-image "$tmp/bzImage" -- true
expect 2 "no series given" -- "$vm/validate-fix"
expect 2 "no $tmp/series.conf" -- "$vm/validate-fix" "$tmp"
"$vm/build-kernel" --help | grep -q 'daxvm --kernel-image' || { echo "FAIL: build-kernel --help"; fail=1; }

# The release of a bzImage: the string the setup header's kernel_version
# field points at (offset 0x20e, relative to 0x200).
python3 - "$tmp/fake-bzImage" <<'EOF'
import struct, sys
img = bytearray(4096)
img[0x202:0x206] = b"HdrS"
struct.pack_into("<H", img, 0x20e, 0x400)
s = b"7.3.4-daxvm-test (root@host) #1 SMP\0"
img[0x600:0x600 + len(s)] = s
open(sys.argv[1], "wb").write(img)
EOF
got=$(DAXVM_HERE=$vm bash -c ". '$vm/kernel-cache.sh'; daxvm_image_release '$tmp/fake-bzImage'")
[ "$got" = 7.3.4-daxvm-test ] && echo "ok: bzImage release" || { echo "FAIL: bzImage release '$got'"; fail=1; }

# The initramfs of a built-in kernel: no modules, /modules empty, /init there.
if command -v busybox >/dev/null; then
  DAXVM_CACHE=$tmp/cache DAXVM_HERE=$vm bash -c \
    "daxvm_say() { :; }; . '$vm/kernel-cache.sh'; daxvm_build_initramfs built-in" || { echo "FAIL: initramfs"; fail=1; }
  list=$(gzip -dc "$tmp/cache/kernel/built-in/initramfs.cpio.gz" | busybox cpio -t 2>/dev/null)
  grep -qx init <<<"$list" && grep -qx modules <<<"$list" && ! grep -q '\.ko$' <<<"$list" &&
    echo "ok: built-in initramfs" || { echo "FAIL: built-in initramfs: $list"; fail=1; }
  mods=$(cd "$tmp" && gzip -dc cache/kernel/built-in/initramfs.cpio.gz | busybox cpio -i --to-stdout modules 2>/dev/null | wc -c)
  [ "$mods" = 0 ] && echo "ok: empty /modules" || { echo "FAIL: /modules has $mods bytes"; fail=1; }
fi

# The series: format-patch files with a subject, a series.conf with a
# source and a model row daxbreak knows.
rows=$("$daxbreak" list --output-format json | jq -r '.protocols[].name')
for d in "$repo"/patches/*/; do
  n=$(basename "$d")
  src=$(sed -n 's/^source=//p' "$d/series.conf" 2>/dev/null)
  row=$(sed -n 's/^row=//p' "$d/series.conf" 2>/dev/null)
  [[ $src =~ ^linux-source-[0-9]+\.[0-9]+= ]] || { echo "FAIL: $n: source '$src'"; fail=1; }
  grep -qx "$row" <<<"$rows" || { echo "FAIL: $n: row '$row' is no protocol"; fail=1; }
  for p in "$d"*.patch; do
    head -1 "$p" | grep -q '^From [0-9a-f]\{40\} ' && grep -q '^Subject: \[PATCH' "$p" &&
      grep -q '^diff --git ' "$p" || { echo "FAIL: $n: $(basename "$p") is no git format-patch file"; fail=1; }
  done
  echo "ok: series $n ($(ls "$d"*.patch | wc -l) patches, row $row)"
done

# The configuration fragment: CONFIG_ lines only, no symbol twice, no modules.
dups=$(grep -o '^CONFIG_[A-Z0-9_]*' "$vm/kernel.config" | sort | uniq -d)
[ -z "$dups" ] || { echo "FAIL: kernel.config sets twice: $dups"; fail=1; }
grep -q '=m$' "$vm/kernel.config" && { echo "FAIL: kernel.config has a module"; fail=1; }
exit $fail
