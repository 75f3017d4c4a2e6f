#!/bin/bash
# t_gpt_reread.sh - flash a GPT disk image to nvme0n1 over USB: the kernel rereads the table, p1 and p2 appear.
. "$(dirname "$0")/lib.sh"

"$top/tools/demo/mkdisk.sh" "$T/disk.img" 32 >/dev/null
truncate -s 48M "$T/nv.img"
truncate -s 16M "$T/sd.img"

cat >"$T/guest.sh" <<'GUEST'
. /ifl/guest-lib.sh
start_agent --usb=dummy_udc.0
wait_usb
[ ! -e /sys/class/block/nvme0n1p1 ] || fail "nvme0n1 has partitions before the flash"
initflash flash nvme0n1 /ifl/disk.img || fail "flash nvme0n1"
# The agent rereads the table after fsync; the nodes follow its uevents.
i=0
while [ ! -e /sys/class/block/nvme0n1p2 ]; do
	i=$((i + 1))
	[ $i -lt 50 ] || { ls /sys/class/block; fail "nvme0n1p1/p2 did not appear after the flash"; }
	sleep 0.1
done
[ -e /sys/class/block/nvme0n1p1 ] || fail "nvme0n1p1 missing"
grep -q 'nvme0n1: the write reached the partition table; the kernel reread it' "$IFLOG" ||
	fail "the agent did not log the reread"
# An erase of the head takes the partitions away again.
initflash erase nvme0n1+1M || fail "erase nvme0n1"
i=0
while [ -e /sys/class/block/nvme0n1p1 ]; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "nvme0n1p1 still there after erasing the table"
	sleep 0.1
done
echo "guest: done"
GUEST

"$VDUT" -q --log "$BUILD/vm-logs/t_gpt_reread.console" --script "$T/guest.sh" --add "$top/tests/vm/guest-lib.sh" \
	--add "$T/disk.img" --mmc "$T/sd.img" --nvme "$T/nv.img" --timeout 300 ||
	fail "guest script failed"
echo "ok: flashing a GPT image to nvme0n1 made nvme0n1p1 and nvme0n1p2 appear, erasing it removed them"
