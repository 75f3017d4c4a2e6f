#!/bin/bash
# t_plan_nvme.sh - over USB, flash --plan partitions a blank NVMe disk (GPT image) and fills the partitions by name:
# an ext4 image with its bmap (bmaptool create), a gzip'd image, a raw one at an offset, and an Android sparse
# ext4 image (img2simg).
. "$(dirname "$0")/lib.sh"

MiB=1048576
# sha_at FILE OFFSET LENGTH: SHA-256 of LENGTH bytes of FILE from OFFSET.
sha_at() {
	tail -c +"$(($2 + 1))" "$1" | head -c "$3" | sha256sum | cut -d' ' -f1
}

# The GPT of a 64 MiB disk: rootfs 16 MiB at 1 MiB, blob 8 MiB at 17 MiB, raw 4 MiB at 25 MiB,
# data 8 MiB at 29 MiB.
truncate -s 64M "$T/full.img"
sgdisk -o -n 1:2048:+16M -c 1:rootfs -n 2:0:+8M -c 2:blob -n 3:0:+4M -c 3:raw -n 4:0:+8M -c 4:data \
	"$T/full.img" >/dev/null
head -c $MiB "$T/full.img" >"$T/gpt.img"                       # MBR, header, entries
tail -c $((33 * 512)) "$T/full.img" >"$T/gpt-backup.img"       # backup entries and header

# The partition images: ext4 from a few files, a gzip'd random image, a raw one.
mkdir -p "$T/root/etc" "$T/root/bin"
echo "initflash plan test" >"$T/root/etc/motd"
head -c 300000 /dev/urandom >"$T/root/bin/blob"
printf 'line %s\n' $(seq 1000) >"$T/root/etc/lines"
truncate -s 16M "$T/rootfs.ext4"
mkfs.ext4 -q -F -d "$T/root" "$T/rootfs.ext4"
bmaptool -q create -o "$T/rootfs.ext4.bmap" "$T/rootfs.ext4"
mkdir -p "$T/dataroot"
seq 1 50000 >"$T/dataroot/numbers"
truncate -s 8M "$T/data.ext4"
mkfs.ext4 -q -F -d "$T/dataroot" "$T/data.ext4"
img2simg "$T/data.ext4" "$T/data.simg"
mkimg "$T/blob.img" 6M 21
gzip -c "$T/blob.img" >"$T/blob.gz"
mkimg "$T/raw.img" 3M 22

cat >"$T/plan.txt" <<PLAN
# A blank disk: the GPT first, then its partitions by name.
nvme0n1                         /ifl/gpt.img
nvme0n1@$((64 * MiB - 33 * 512))  /ifl/gpt-backup.img
nvme0n1/rootfs                  /ifl/rootfs.ext4  sha256=$(sha "$T/rootfs.ext4")
nvme0n1/blob                    /ifl/blob.gz
nvme0n1/raw@1M                  /ifl/raw.img
nvme0n1/data                    /ifl/data.simg
PLAN

truncate -s 64M "$T/nv.img"
cat >"$T/guest.sh" <<'GUEST'
. /ifl/guest-lib.sh
start_agent --usb=dummy_udc.0
wait_usb
initflash flash --plan /ifl/plan.txt >/tmp/plan.out || fail "flash --plan"
cat /tmp/plan.out
# The bmap sends only the mapped part of rootfs (the disk is blank, so the rest reads as zeros).
grep -q "^nvme0n1/rootfs: wrote .* of a 16.0 MiB image" /tmp/plan.out ||
	fail "rootfs was not sent through its bmap"
initflash info || fail "info"
initflash info | grep -q rootfs || fail "the agent does not list the new partitions"
sync
echo "guest: done"
GUEST

"$VDUT" -q --log "$BUILD/vm-logs/t_plan_nvme.console" --script "$T/guest.sh" --add "$top/tests/vm/guest-lib.sh" \
	--add "$T/plan.txt" --add "$T/gpt.img" --add "$T/gpt-backup.img" --add "$T/rootfs.ext4" \
	--add "$T/blob.gz" --add "$T/raw.img" --add "$T/rootfs.ext4.bmap" --add "$T/data.simg" --nvme "$T/nv.img" --timeout 300 ||
	fail "guest script failed"

# The host side checks the backing file, not the guest's word.
[ "$(sha_at "$T/nv.img" 0 $MiB)" = "$(sha "$T/gpt.img")" ] || fail "primary GPT differs"
[ "$(sha_at "$T/nv.img" $((64 * MiB - 33 * 512)) $((33 * 512)))" = "$(sha "$T/gpt-backup.img")" ] ||
	fail "backup GPT differs"
[ "$(sha_at "$T/nv.img" $((1 * MiB)) $((16 * MiB)))" = "$(sha "$T/rootfs.ext4")" ] || fail "rootfs differs"
[ "$(sha_at "$T/nv.img" $((17 * MiB)) $((6 * MiB)))" = "$(sha "$T/blob.img")" ] || fail "blob differs"
[ "$(sha_at "$T/nv.img" $((26 * MiB)) $((3 * MiB)))" = "$(sha "$T/raw.img")" ] || fail "raw differs"
sgdisk -v "$T/nv.img" >"$T/sgdisk.out" 2>&1 || { cat "$T/sgdisk.out" >&2; fail "sgdisk -v failed"; }
grep -q 'No problems found' "$T/sgdisk.out" || { cat "$T/sgdisk.out" >&2; fail "sgdisk -v found problems"; }
tail -c +$((MiB + 1)) "$T/nv.img" | head -c $((16 * MiB)) >"$T/rootfs.back"
e2fsck -fn "$T/rootfs.back" >"$T/fsck.out" 2>&1 || { cat "$T/fsck.out" >&2; fail "e2fsck -fn failed"; }
[ "$(sha_at "$T/nv.img" $((29 * MiB)) $((8 * MiB)))" = "$(sha "$T/data.ext4")" ] || fail "data (sparse) differs"
tail -c +$((29 * MiB + 1)) "$T/nv.img" | head -c $((8 * MiB)) >"$T/data.back"
e2fsck -fn "$T/data.back" >"$T/fsck.out" 2>&1 || { cat "$T/fsck.out" >&2; fail "e2fsck -fn of data failed"; }
echo "ok: a GPT and four partitions (bmap, gzip, raw, sparse) written by name to a blank nvme0n1 over USB"
