#!/bin/bash
# t_usb_targets.sh - over the real gadget path (FunctionFS + dummy_hcd), flash mmcblk0, nvme0n1 and sda.
. "$(dirname "$0")/lib.sh"

mkimg "$T/a.img" 12M 11
mkimg "$T/b.img" 10M 12
mkimg "$T/c.img" 9M 13
gzip -c "$T/b.img" >"$T/b.gz"
truncate -s 32M "$T/sd.img"
truncate -s 24M "$T/nv.img" "$T/us.img"

cat >"$T/guest.sh" <<'GUEST'
. /ifl/guest-lib.sh
start_agent --usb=dummy_udc.0
wait_usb
initflash devices || fail "devices"
initflash info || fail "info"
# With exactly one DUT attached no selector is needed.
initflash flash mmcblk0 /ifl/a.img || fail "flash mmcblk0"
initflash flash nvme0n1 /ifl/b.gz sda /ifl/c.img || fail "flash nvme0n1 + sda"
# A read back over USB, compared inside the guest too.
initflash read sda+9M /tmp/c.back || fail "read sda"
[ "$(sha256sum </tmp/c.back)" = "$(sha256sum </ifl/c.img)" ] || fail "read-back of sda differs"
sync
echo "guest: done"
GUEST

"$VDUT" -q --log "$BUILD/vm-logs/t_usb_targets.console" --script "$T/guest.sh" --add "$top/tests/vm/guest-lib.sh" \
	--add "$T/a.img" --add "$T/b.gz" --add "$T/c.img" \
	--mmc "$T/sd.img" --nvme "$T/nv.img" --usbdisk "$T/us.img" --timeout 300 ||
	fail "guest script failed"

# The host side checks the backing files, not the guest's word.
[ "$(sha "$T/sd.img" 12582912)" = "$(sha "$T/a.img")" ] || fail "mmcblk0 backing file differs"
[ "$(sha "$T/nv.img" 10485760)" = "$(sha "$T/b.img")" ] || fail "nvme0n1 backing file differs"
[ "$(sha "$T/us.img" 9437184)" = "$(sha "$T/c.img")" ] || fail "sda backing file differs"
echo "ok: mmcblk0, nvme0n1 and sda flashed over USB match their images"
