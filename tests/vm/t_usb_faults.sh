#!/bin/bash
# t_usb_faults.sh - host killed mid-flash, and the UDC unbound/rebound mid-transfer, over USB.
. "$(dirname "$0")/lib.sh"

mkimg "$T/big.img" 48M 21
mkimg "$T/next.img" 8M 22
truncate -s 64M "$T/sd.img"

cat >"$T/guest.sh" <<'GUEST'
. /ifl/guest-lib.sh
start_agent --usb=dummy_udc.0
wait_usb

# 1. The host is killed mid-flash; a fresh host on the same agent then succeeds.
initflash flash --level 9 mmcblk0 /ifl/big.img >/tmp/h1.log 2>&1 &
h=$!
sleep 2
kill -9 $h
wait $h 2>/dev/null
kill -0 "$AGENT_PID" || fail "agent died when the host was killed"
wait_usb
initflash flash mmcblk0 /ifl/next.img || fail "flash after the host was killed"
[ "$(sha /dev/mmcblk0 8388608)" = "$(sha256sum </ifl/next.img | cut -d' ' -f1)" ] || fail "bytes after kill differ"
echo "guest: host-killed case ok"

# 2. The cable is pulled: the UDC unbound and rebound mid-transfer.
udc=$(gadget_udc) || fail "no bound gadget"
initflash flash --level 9 mmcblk0 /ifl/big.img >/tmp/h2.log 2>&1 &
h=$!
sleep 2
echo "" >"$udc"
sleep 1
echo dummy_udc.0 >"$udc"
wait $h
rc=$?
cat /tmp/h2.log
if [ $rc -eq 0 ]; then
	# A success is only acceptable with the right bytes on the target.
	[ "$(sha /dev/mmcblk0 50331648)" = "$(sha256sum </ifl/big.img | cut -d' ' -f1)" ] ||
		fail "host reported success after the unbind but the bytes are wrong"
	echo "guest: unbind case completed"
else
	[ $rc -eq 3 ] || fail "unbind gave exit $rc, expected 0 or 3"
	grep -Eqi 'lost|disconnect|vanish|connection|closed' /tmp/h2.log || fail "unclear error after the unbind"
	echo "guest: unbind case failed cleanly with exit 3"
fi
kill -0 "$AGENT_PID" || fail "agent died after the rebind"
wait_usb
initflash flash mmcblk0 /ifl/big.img || fail "flash after the rebind"
sync
echo "guest: done"
GUEST

"$VDUT" -q --log "$BUILD/vm-logs/t_usb_faults.console" --script "$T/guest.sh" --add "$top/tests/vm/guest-lib.sh" \
	--add "$T/big.img" --add "$T/next.img" --mmc "$T/sd.img" --mem 1536 --timeout 400 ||
	fail "guest script failed"
grep -a '^guest:' "$BUILD/vm-logs/t_usb_faults.console" || true
[ "$(sha "$T/sd.img" 50331648)" = "$(sha "$T/big.img")" ] || fail "final image on the backing file differs"
echo "ok: killed host and UDC rebind both handled"
