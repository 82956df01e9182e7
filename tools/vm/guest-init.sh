#!/bin/busybox sh
# /init of a daxvm guest. PID 1, with busybox and the modules listed in
# /modules (none for a kernel that has its drivers built in). It builds the
# machine daxbreak's kernel mode needs and runs the
# host's command in it:
#   /          the host's / over 9p (read-only), under a tmpfs overlay
#   /mnt/ext4  ext4 -o dax on the first fsdax namespace (/dev/pmemN)
#   /mnt/xfs   xfs -o dax on the second (mkfs.xfs -m reflink=0: no DAX with reflink)
#   /dev/daxN.0  device-dax on the third NVDIMM (when the host gave one)
#   /mnt/disk  ext4 without dax on virtio disk /dev/vda: the O_DIRECT side
# The run folder (9p tag "daxvm") carries cmd in and started, rc, dmesg out.
# Console (ttyS0) is the log; the command's stdout is ttyS1, stderr ttyS2.
export PATH=/bin
/bin/busybox mkdir -p /bin /proc /sys /dev /tmp /host /upper /root
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

R=/root
RUN=$R/run/daxvm
say() { echo "daxvm-guest[$(cut -d' ' -f1 /proc/uptime)]: $*"; }
give_up() {
  say "setup failed: $*"
  [ -d "$RUN" ] && echo "$*" > "$RUN/setup-failed"
  sync; poweroff -f; sleep 10
}
opt() { sed -n "s/.*daxvm\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
settle() { # path, tenths of a second
  n=0; while [ ! -e "$1" ] && [ $n -lt "$2" ]; do usleep 100000; n=$((n + 1)); done; [ -e "$1" ]
}

# /modules is empty for a kernel with every driver built in (tools/vm/build-kernel).
while read -r m; do
  [ -n "$m" ] || continue
  insmod "/lib/modules/$m.ko" 2>/tmp/err || grep -q exists /tmp/err || say "insmod $m: $(cat /tmp/err)"
done < /modules

P9=trans=virtio,version=9p2000.L,msize=512000
settle /sys/bus/virtio/drivers/9pnet_virtio 50
mount -t 9p -o $P9,ro,cache=loose host /host || give_up "9p mount of the host's /"
mount -t tmpfs -o mode=0755 upper /upper
mkdir -p /upper/u /upper/w
mount -t overlay root -o lowerdir=/host,upperdir=/upper/u,workdir=/upper/w $R || give_up "overlay root"
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs shm $R/dev/shm
mount -t tmpfs run $R/run
mkdir -p $RUN
mount -t 9p -o $P9,cache=none daxvm $RUN || give_up "9p mount of the run folder"
mkdir -p $R/lib/modules/$(uname -r)
mount --bind /lib/modules $R/lib/modules/$(uname -r)
i=0
while read -r path; do
  [ -n "$path" ] || continue
  mkdir -p "$R$path" && mount -t 9p -o $P9,cache=none "rw$i" "$R$path" || say "cannot share $path"
  i=$((i + 1))
done < $RUN/rw
host() { chroot $R /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

# A raw NFIT namespace has no struct pages, so no fs can mount it -o dax:
# make it fsdax (or devdax), with the struct pages in RAM (-M mem).
namespace() { # n mode
  host ndctl create-namespace -f -e namespace$1.0 -m $2 -M mem >/tmp/ndctl 2>&1 ||
    say "ndctl $2 namespace$1.0: $(cat /tmp/ndctl)"
}
settle /dev/pmem0 100 || give_up "no /dev/pmem0"
usleep 200000
# The device-dax NVDIMM is the region of the size the host gave it
# (daxvm.devdax, bytes); the other two become fsdax, in region order.
fsdax=""
for r in /sys/bus/nd/devices/region*; do
  n=${r##*region}
  if [ "$(cat $r/size)" = "$(opt devdax)" ]; then namespace $n devdax; else namespace $n fsdax; fsdax="$fsdax $n"; fi
done
set -- $fsdax
settle /dev/pmem$1 50 && settle /dev/pmem$2 50 || give_up "fsdax namespaces: $(ls /dev/pmem*)"
PMEM_EXT4=/dev/pmem$1 PMEM_XFS=/dev/pmem$2
mkdir -p $R/mnt/ext4 $R/mnt/xfs $R/mnt/disk
host mkfs.ext4 -q -F -b 4096 $PMEM_EXT4 || give_up "mkfs.ext4 $PMEM_EXT4"
mount -t ext4 -o dax $PMEM_EXT4 $R/mnt/ext4 || give_up "mount -o dax $PMEM_EXT4: $(dmesg | tail -3)"
host mkfs.xfs -q -f -m reflink=0 $PMEM_XFS || give_up "mkfs.xfs $PMEM_XFS"
mount -t xfs -o dax $PMEM_XFS $R/mnt/xfs || give_up "mount -o dax $PMEM_XFS: $(dmesg | tail -3)"
settle /dev/vda 50 || give_up "no disk /dev/vda"
host mkfs.ext4 -q -F /dev/vda || give_up "mkfs.ext4 /dev/vda"
mount -t ext4 /dev/vda $R/mnt/disk || give_up "mount /dev/vda"
chmod 1777 $R/mnt/ext4 $R/mnt/xfs $R/mnt/disk
DEVDAX=$(ls -d /dev/dax*.* 2>/dev/null | head -1)
say "ready: $(grep -E ' /root/mnt/(ext4|xfs) ' /proc/mounts | cut -d' ' -f1-4 | tr '\n' ';') devdax ${DEVDAX:-none}"

stty -F /dev/ttyS1 raw -echo
stty -F /dev/ttyS2 raw -echo
touch $RUN/started
chroot $R /usr/bin/env -i PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  DAXVM=1 DAXVM_EXT4=/mnt/ext4 DAXVM_XFS=/mnt/xfs DAXVM_DISK=/mnt/disk DAXVM_DEVDAX="$DEVDAX" \
  /bin/sh /run/daxvm/cmd </dev/null >/dev/ttyS1 2>/dev/ttyS2
echo $? > $RUN/rc
dmesg > $RUN/dmesg
umount $R/mnt/ext4 $R/mnt/xfs $R/mnt/disk
sync
poweroff -f
