# shellcheck shell=bash
# Sourced by tools/vm/daxvm: puts a Debian kernel and an initramfs for it in
# the cache. Nothing is installed on the host: the kernel package is
# downloaded from the Debian mirror and unpacked with dpkg -x.
#
# Cache layout ($DAXVM_CACHE, default ~/.cache/daxbreak-vm):
#   debs/PKG_VERSION_amd64.deb     the downloaded package, kept
#   kernel/PKG/                    dpkg -x of it; modules uncompressed
#   kernel/PKG/vmlinux             the uncompressed ELF, for a PVH boot
#   kernel/PKG/initramfs.cpio.gz   busybox, our /init, the modules it loads
#   kernel/PKG/stamp               what the initramfs was built from

DAXVM_MIRROR=${DAXVM_MIRROR:-http://deb.debian.org/debian}
DAXVM_SUITES=${DAXVM_SUITES:-"bookworm trixie trixie-backports"}

# Modules the guest loads (with their dependencies, found from each module's
# modinfo). Built-in ones are skipped.
DAXVM_MODULES="libnvdimm nfit nd_pmem nd_btt dax_pmem device_dax nd_e820
  crc32c_generic crc16 mbcache jbd2 ext4 xfs
  virtio_pci virtio_blk 9pnet_virtio 9p overlay"

# The package index of one suite, cached for a day.
daxvm_packages() { # suite
  local f="$DAXVM_CACHE/index/$1.Packages"
  mkdir -p "$DAXVM_CACHE/index"
  if [ ! -s "$f" ] || [ -n "$(find "$f" -mmin +1440)" ]; then
    curl -fsS "$DAXVM_MIRROR/dists/$1/main/binary-amd64/Packages.xz" | xz -dc > "$f.tmp" &&
      mv "$f.tmp" "$f" || { rm -f "$f.tmp"; return 1; }
  fi
  cat "$f"
}

# Prints "FILENAME" of PKG from the first suite that has it: of VERSION when
# given, else of the version listed last (the newest).
daxvm_find_package() { # pkg [version]
  local suite file
  for suite in $DAXVM_SUITES; do
    file=$(daxvm_packages "$suite" | awk -v p="$1" -v v="${2:-}" '
      $1 == "Package:" { hit = ($2 == p) }
      $1 == "Version:" { ver = $2 }
      hit && $1 == "Filename:" && (v == "" || ver == v) { f = $2 }
      END { print f }')
    if [ -n "$file" ]; then echo "$file"; return 0; fi
  done
  return 1
}

# The Debian 12 kernel: the newest linux-image-6.1.0-N-amd64 in bookworm.
daxvm_default_package() {
  daxvm_packages bookworm | awk '$1 == "Package:" && $2 ~ /^linux-image-6\.1\.0-[0-9]+-amd64$/ {
      split($2, a, "-"); if (a[4] + 0 > n) { n = a[4] + 0; p = $2 } }
    END { print p }'
}

# Downloads PKG's deb (of VERSION when given, else the newest) into the
# cache (once) and prints its path. Returns 2 when no suite lists it.
daxvm_download() { # pkg [version]
  local file deb
  file=$(daxvm_find_package "$1" "${2:-}") || return 2
  deb="$DAXVM_CACHE/debs/$(basename "$file")"
  mkdir -p "$DAXVM_CACHE/debs"
  if [ ! -s "$deb" ]; then
    daxvm_say "downloading $file"
    curl -fsS -o "$deb.part" "$DAXVM_MIRROR/$file" && mv "$deb.part" "$deb" || return 1
  fi
  echo "$deb"
}

# Downloads and unpacks PKG into $DAXVM_CACHE/kernel/PKG (once). From 6.19
# linux-image-V is a meta package over linux-binary-V (the kernel) and
# linux-modules-V: both are unpacked in its place; a line whose modules
# package the registry lacks cannot boot (no nvdimm, ext4, virtio modules).
daxvm_fetch_kernel() { # pkg
  local pkg=$1 dir="$DAXVM_CACHE/kernel/$1" deb part ver
  [ -f "$dir/.unpacked" ] && return 0
  deb=$(daxvm_download "$pkg"); case $? in 0) ;; 2) echo "daxvm: kernel package '$pkg' is not in $DAXVM_SUITES" >&2; return 2 ;; *) return 1 ;; esac
  rm -rf "$dir"; mkdir -p "$dir"
  dpkg -x "$deb" "$dir"
  if [ -z "$(daxvm_vmlinuz "$dir")" ]; then
    ver=${pkg#linux-image-}
    for part in "linux-binary-$ver" "linux-modules-$ver"; do
      deb=$(daxvm_download "$part"); case $? in
        0) dpkg -x "$deb" "$dir" ;;
        2) echo "daxvm: $pkg is a meta package over linux-binary-$ver and linux-modules-$ver, and the registry ($DAXVM_SUITES) has no $part: this kernel cannot boot here" >&2
           rm -rf "$dir"; return 2 ;;
        *) rm -rf "$dir"; return 1 ;;
      esac
    done
  fi
  # Debian 13 moved the modules under /usr and compresses them.
  [ -d "$dir/lib/modules" ] || ln -s usr/lib "$dir/lib"
  find "$dir/lib/modules/" \( -name '*.ko.xz' -o -name '*.ko.zst' \) -print0 |
    while IFS= read -r -d '' ko; do
      case "$ko" in *.xz) xz -dq "$ko" ;; *.zst) zstd -dq --rm "$ko" ;; esac
    done
  daxvm_unpack_vmlinux "$dir"
  touch "$dir/.unpacked"
}

# The kernel image of an unpacked package: boot/vmlinuz-V, or (split
# packages, 6.19 and later) usr/lib/modules/V/vmlinuz.
daxvm_vmlinuz() { # dir
  ls "$1"/boot/vmlinuz-* "$1"/usr/lib/modules/*/vmlinuz 2>/dev/null | head -1
}

# vmlinuz is a bzImage whose payload is an xz stream; qemu boots the plain ELF
# inside it straight (PVH), which skips the decompression under TCG.
daxvm_unpack_vmlinux() { # dir
  local z off
  z=$(daxvm_vmlinuz "$1")
  off=$(grep -abo $'\xfd7zXZ\x00' "$z" | head -1 | cut -d: -f1) || true
  [ -n "$off" ] || return 0
  { tail -c +$((off + 1)) "$z" || true; } | xz -dqc --single-stream > "$1/vmlinux.part" 2>/dev/null || true
  if [ "$(head -c 4 "$1/vmlinux.part" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
    mv "$1/vmlinux.part" "$1/vmlinux"
  else
    rm -f "$1/vmlinux.part"
  fi
}

# The release of a bzImage: the version string its setup header points at
# (the kernel_version field, offset 0x20e, relative to 0x200), or nothing.
daxvm_image_release() { # bzImage
  local off
  [ "$(tail -c +515 "$1" 2>/dev/null | head -c 4)" = HdrS ] || return 0
  off=$(od -An -tu2 -j 526 -N 2 "$1" | tr -d ' ')
  [ -n "$off" ] && [ "$off" != 0 ] || return 0
  tail -c +$((off + 0x200 + 1)) "$1" | head -c 256 | tr '\0' '\n' | head -1 | cut -d' ' -f1
}

# Builds the initramfs of PKG when the init script or the module list changed.
# PKG "built-in" (no such package: the folder holds no modules) is the
# initramfs of a kernel with every driver built in: no modules at all.
daxvm_build_initramfs() { # pkg
  local dir="$DAXVM_CACHE/kernel/$1" kver moddir stage bb want
  want="$(sha256sum "$DAXVM_HERE/guest-init.sh" | cut -c1-16) $DAXVM_MODULES"
  [ -f "$dir/initramfs.cpio.gz" ] && [ "$(cat "$dir/stamp" 2>/dev/null)" = "$want" ] && return 0
  mkdir -p "$dir"
  kver=$(ls "$dir/lib/modules" 2>/dev/null | head -1)
  moddir="$dir/lib/modules/$kver"
  bb=$(command -v busybox) || { echo "daxvm: busybox missing (apt install busybox-static)" >&2; return 1; }
  stage=$(mktemp -d "$DAXVM_CACHE/stage.XXXXXX")
  mkdir -p "$stage/bin" "$stage/lib/modules"
  cp "$bb" "$stage/bin/busybox"
  install -m 0755 "$DAXVM_HERE/guest-init.sh" "$stage/init"
  declare -A path=() done=()
  local ko n order=()
  [ -n "$kver" ] && while IFS= read -r ko; do n=$(basename "$ko" .ko); path[${n//-/_}]=$ko; done \
    < <(find "$moddir/kernel" -name '*.ko')
  add() { # module, its dependencies first
    local m=${1//-/_} d
    [ -n "${done[$m]:-}" ] && return 0
    done[$m]=1
    [ -n "${path[$m]:-}" ] || return 0  # built in, or not in this kernel
    for d in $(tr '\0' '\n' < "${path[$m]}" | sed -n 's/^depends=//p' | head -1 | tr ',' ' '); do add "$d"; done
    order+=("$m")
  }
  for n in $DAXVM_MODULES; do add "$n"; done
  for n in "${order[@]}"; do cp "${path[$n]}" "$stage/lib/modules/$n.ko"; done
  : > "$stage/modules"
  [ ${#order[@]} -eq 0 ] || printf '%s\n' "${order[@]}" > "$stage/modules"
  (cd "$stage" && find . | LC_ALL=C sort | "$bb" cpio -o -H newc -R 0:0 2>/dev/null | gzip -6) > "$dir/initramfs.cpio.gz"
  rm -rf "$stage"
  echo "$want" > "$dir/stamp"
  daxvm_say "initramfs for ${kver:-$1}: ${#order[@]} modules"
}
