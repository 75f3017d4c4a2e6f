#!/bin/bash
# Virtual-DUT smoke test: boot the vdut image and check every storage/gadget device the agent needs.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$top/$BUILD" ;; esac
export BUILD
vdut="$top/tools/vdut/vdut"

if [ ! -f "$BUILD/vdut/initrd-vdut.cpio.gz" ]; then
	echo "smoke: missing $BUILD/vdut/initrd-vdut.cpio.gz (run: make vdut)" >&2
	exit 1
fi
if [ ! -f "$BUILD/vdut/vmlinux" ] && [ ! -f "$BUILD/vdut/vmlinuz" ]; then
	echo "smoke: missing $BUILD/vdut/vmlinux (run: make vdut)" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vm-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Backing files (SD: a power of two) and a 1 MiB pattern the guest writes to each.
truncate -s 32M "$tmp/sd.img"
truncate -s 48M "$tmp/nv.img"
truncate -s 40M "$tmp/us.img"
head -c 1048576 /dev/urandom >"$tmp/pattern.bin"

cat >"$tmp/guest.sh" <<'EOF'
# Runs inside the vdut as ifl.script; prints ok/FAIL lines, exits with the failure count.
set -u
pass=0 fail=0
up() { cut -d' ' -f1 /proc/uptime; }
echo "guest: script start at uptime $(up) s"
check() {
	name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "ok - $name"
		pass=$((pass + 1))
	else
		echo "FAIL - $name"
		fail=$((fail + 1))
	fi
}
size_is() { [ "$(blockdev --getsize64 "$1")" = "$2" ]; }
sysval_is() { [ "$(cat "$1")" = "$2" ]; }
write_pattern() {
	dd if=/ifl/pattern.bin of="$1" bs=65536 conv=fsync 2>/dev/null &&
		[ "$(head -c 1048576 "$1" | sha256sum | cut -d' ' -f1)" = "$(sha256sum </ifl/pattern.bin | cut -d' ' -f1)" ]
}
runs() { "$@"; [ $? -lt 126 ]; }
ffs_mount() {
	g=/sys/kernel/config/usb_gadget/smoke
	mkdir -p $g/functions/ffs.smoke /dev/ffs-smoke &&
		mount -t functionfs smoke /dev/ffs-smoke &&
		test -e /dev/ffs-smoke/ep0 &&
		umount /dev/ffs-smoke && rmdir $g/functions/ffs.smoke $g
}

check "configfs mounted" grep -q ' /sys/kernel/config configfs ' /proc/mounts
check "usb_gadget dir in configfs" test -d /sys/kernel/config/usb_gadget
check "dummy_udc.0 present" test -e /sys/class/udc/dummy_udc.0
check "functionfs instance mounts (ep0)" ffs_mount
check "/dev/mmcblk0 is a block device" test -b /dev/mmcblk0
check "/dev/mmcblk0 is 32 MiB" size_is /dev/mmcblk0 33554432
check "/dev/nvme0n1 is a block device" test -b /dev/nvme0n1
check "/dev/nvme0n1 is 48 MiB" size_is /dev/nvme0n1 50331648
check "/dev/sda is a block device" test -b /dev/sda
check "/dev/sda is 40 MiB" size_is /dev/sda 41943040
check "/dev/mtd0 is a char device" test -c /dev/mtd0
check "mtd0 is 4 MiB" sysval_is /sys/class/mtd/mtd0/size 4194304
check "mtd0 erase size is 64 KiB" sysval_is /sys/class/mtd/mtd0/erasesize 65536
check "write+read /dev/mmcblk0" write_pattern /dev/mmcblk0
check "write+read /dev/nvme0n1" write_pattern /dev/nvme0n1
check "write+read /dev/sda" write_pattern /dev/sda
check "initflash-agent installed" test -x /bin/initflash-agent
check "host initflash loads its libraries" runs /bin/initflash --help
echo "guest: $pass passed, $fail failed"
[ "$fail" = 0 ]
EOF

pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "FAIL - $1"; fail=$((fail + 1)); }

start=$(date +%s.%N)
set +e
"$vdut" -q --timeout 180 --log "$tmp/console.log" \
	--mmc "$tmp/sd.img" --nvme "$tmp/nv.img" --usbdisk "$tmp/us.img" \
	--mtdram 4096,64 --dummy-hcd 1 \
	--add "$tmp/pattern.bin:/ifl/pattern.bin" --script "$tmp/guest.sh" 2>"$tmp/vdut.err"
rc=$?
set -e
cat "$tmp/vdut.err" >&2
grep -E '^(ok|FAIL) - |^guest:|^init:' "$tmp/console.log" || true
pass=$((pass + $(grep -c '^ok - ' "$tmp/console.log" || true)))
fail=$((fail + $(grep -c '^FAIL - ' "$tmp/console.log" || true)))
if [ $rc = 0 ]; then ok "guest script exit status 0"; else bad "guest script exit status $rc"; fi

# What the guest wrote must have reached the host's backing files.
for img in sd nv us; do
	if cmp -s -n 1048576 "$tmp/pattern.bin" "$tmp/$img.img"; then
		ok "guest write reached $img.img"
	else
		bad "guest write reached $img.img"
	fi
done

t=$(sed -n 's/^vdut: script started \([0-9.]*\) s.*/\1/p' "$tmp/vdut.err")
echo "smoke: boot to script ${t:-?} s (QEMU start to /init running the script), total $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
echo "vm-smoke: $pass passed, $fail failed"
[ $fail = 0 ]
