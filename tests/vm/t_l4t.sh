#!/bin/bash
# t_l4t.sh - over USB, one `flash --l4t` session writes an L4T-shaped package to QSPI (mtdram
# as mtd0), the boot region (boot0/boot1), an SD card (type 6) and an external NVMe (type 9)
# that is larger than the package's layout (backup GPT moved to the end, APP grown).
#
# QEMU 7.2 emulates SD cards but not eMMC, so the virtual DUT has no real
# mmcblk0boot0/1: two partitions of a USB disk stand in for them, named so by
# the agent's --target. Everything else is the real driver.
. "$(dirname "$0")/lib.sh"

MiB=1048576
GPT=$((33 * 512))
# sha_at FILE OFFSET LENGTH: SHA-256 of LENGTH bytes of FILE from OFFSET.
sha_at() {
	tail -c +"$(($2 + 1))" "$1" | head -c "$3" | sha256sum | cut -d' ' -f1
}
# at FILE OFFSET IMAGE WHAT: FILE holds IMAGE at OFFSET.
at() {
	[ "$(sha_at "$1" "$2" "$(stat -c %s "$3")")" = "$(sha "$3")" ] || fail "$4 differs"
}

python3 "$top/tools/mkl4t.py" "$T/pkg" --gpt-on sd,external --disk-size 64M --boot0-size 4M >/dev/null
truncate -s 64M "$T/sd.img"
truncate -s 96M "$T/nv.img"
# The boot0/boot1 stand-ins: 4 MiB partitions at 1 MiB and 5 MiB of a USB disk.
truncate -s 16M "$T/usb.img"
sgdisk -o -n 1:2048:+4M -c 1:boot0 -n 2:0:+4M -c 2:boot1 "$T/usb.img" >/dev/null

adds=()
for f in "$T"/pkg/*; do adds+=(--add "$f:/ifl/pkg/${f##*/}"); done

cat >"$T/guest.sh" <<'GUEST'
. /ifl/guest-lib.sh
i=0
while [ ! -b /dev/sda2 ] || [ ! -c /dev/mtd0 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no /dev/sda2 or /dev/mtd0"; sleep 0.1
done
start_agent --usb=dummy_udc.0 --target mmcblk0boot0=/dev/sda1 --target mmcblk0boot1=/dev/sda2
wait_usb
initflash info | tee /tmp/info || fail "info"
grep -E '^mmcblk0 +sd ' /tmp/info || fail "mmcblk0 is not listed as an SD card"
initflash flash --l4t /ifl/pkg --external-device nvme0n1 || fail "flash --l4t"
# The kernel took the new tables (protective MBR, GPT at the real end): APP grown on the NVMe.
[ -b /dev/mmcblk0p2 ] || fail "the kernel sees no mmcblk0p2"
[ "$(cat /sys/class/block/nvme0n1p2/size)" = $((96 * 2048 - 34 - 6144 + 1)) ] ||
	fail "the kernel's nvme0n1p2 is not APP grown to the end of the disk"
# QSPI: each image at its offset, the rest of its erase block erased.
spi() { # NAME OFFSET
	n=$(stat -c %s "/ifl/pkg/$1.bin")
	got=$(dd if=/dev/mtd0 bs=65536 skip=$(($2 / 65536)) count=$(((n + 65535) / 65536)) 2>/dev/null |
		head -c "$n" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$(sha256sum "/ifl/pkg/$1.bin" | cut -d' ' -f1)" ] || fail "mtd0: $1 differs"
}
spi BCT 0
spi A_mb1 262144
spi A_MB1_BCT 524288
# A second flash of the same package: every QSPI erase block is skipped.
initflash --json flash --l4t /ifl/pkg --external-device nvme0n1 >/tmp/again.json ||
	fail "second flash --l4t"
grep '"target":"mtd0"' /tmp/again.json | grep '"event":"result"' | tee /tmp/mtd.json
[ "$(grep -c '"written":0,' /tmp/mtd.json)" = 3 ] || fail "the second flash rewrote QSPI blocks"
initflash info | tee /tmp/info2
grep -q '/APP' /tmp/info2 || fail "the agent does not list the new partitions"
sync
echo "guest: done"
GUEST

"$VDUT" -q --log "$BUILD/vm-logs/t_l4t.console" --script "$T/guest.sh" --add "$top/tests/vm/guest-lib.sh" \
	"${adds[@]}" --mtdram 1024,64 --mmc "$T/sd.img" --nvme "$T/nv.img" --usbdisk "$T/usb.img" \
	--timeout 400 || fail "guest script failed"

# The host checks the backing files, not the guest's word.
P=$T/pkg
# Boot region: boot_bct at 0 of boot0; mb2 from 4 MiB - 64 KiB, split across boot0 and boot1.
at "$T/usb.img" $MiB "$P/boot_bct.bin" "boot0: boot_bct"
[ "$(sha_at "$T/usb.img" $((5 * MiB - 65536)) 65536)" = "$(sha_at "$P/mb2.bin" 0 65536)" ] ||
	fail "boot0: the first 64 KiB of mb2 differ"
[ "$(sha_at "$T/usb.img" $((5 * MiB)) $((102400 - 65536)))" = "$(sha_at "$P/mb2.bin" 65536 $((102400 - 65536)))" ] ||
	fail "boot1: the rest of mb2 differs"
# SD card (made for 64 MiB, and 64 MiB): the package's GPT as it is.
at "$T/sd.img" 512 "$P/primary_gpt.bin" "SD: primary GPT"
at "$T/sd.img" $((64 * MiB - GPT)) "$P/secondary_gpt.bin" "SD: backup GPT"
at "$T/sd.img" $((3 * MiB)) "$P/APP.bin" "SD: APP"
at "$T/sd.img" $MiB "$P/kernel.bin" "SD: kernel"
sgdisk -v "$T/sd.img" | grep -q 'No problems found' || fail "SD: sgdisk -v found problems"
# NVMe (96 MiB for a 64 MiB layout): the backup GPT at the real end, APP grown to it.
at "$T/nv.img" $((3 * MiB)) "$P/APP_9.bin" "NVMe: APP"
at "$T/nv.img" $MiB "$P/kernel_9.bin" "NVMe: kernel"
sgdisk -v "$T/nv.img" >"$T/v.out" 2>&1 || { cat "$T/v.out" >&2; fail "NVMe: sgdisk -v failed"; }
grep -q 'No problems found' "$T/v.out" || { cat "$T/v.out" >&2; fail "NVMe: sgdisk -v found problems"; }
sgdisk -i 2 "$T/nv.img" | grep -q "Last sector: $((96 * MiB / 512 - 34)) " ||
	{ sgdisk -p "$T/nv.img" >&2; fail "NVMe: APP was not grown to the end of the disk"; }
echo "ok: one --l4t session wrote QSPI, boot0/boot1, SD and a larger NVMe; reflash skipped QSPI"
