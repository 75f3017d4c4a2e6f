#!/bin/bash
# demo.sh - boot the virtual DUT and flash a real GPT disk image into its SD card and NVMe disk over USB.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$top/$BUILD" ;; esac
export BUILD
D="$BUILD/demo"
mkdir -p "$D"
t0=$(date +%s.%N)

echo "== 1. a sample disk: GPT, EFI system partition (vfat) and ext4 rootfs with real files"
"$top/tools/demo/mkdisk.sh" "$D/disk.img" 96
gzip -1 -c "$D/disk.img" >"$D/disk.img.gz"
size=$(stat -c %s "$D/disk.img")
sgdisk -p "$D/disk.img" | sed -n '/^Number/,$p'

echo "== 2. the virtual DUT: SD card and NVMe disk backed by host files, full of old data"
head -c 128M /dev/urandom >"$D/mmc.img"
head -c 128M /dev/urandom >"$D/nvme.img"

cat >"$D/guest.sh" <<'GUEST'
. /ifl/guest-lib.sh
start_agent --usb=dummy_udc.0
wait_usb
echo "== 3. inside the DUT's world: the host sender finds the agent on USB"
initflash devices
initflash info
echo "== 4. flashing over USB (FunctionFS gadget on dummy_hcd)"
initflash flash mmcblk0 /ifl/disk.img.gz nvme0n1 /ifl/disk.img.gz || fail "flash failed"
sync
GUEST

# The guest's console is shown as it runs: the sender's progress lines and summaries.
"$top/tools/vdut/vdut" --script "$D/guest.sh" --add "$top/tests/vm/guest-lib.sh" \
	--add "$D/disk.img.gz" --mmc "$D/mmc.img" --nvme "$D/nvme.img" --mem 1024 --timeout 170 \
	--log "$D/console.log" || true
grep -q 'IFL-SCRIPT-EXIT=0' "$D/console.log" || { tail -n 30 "$D/console.log"; echo "demo: the guest failed" >&2; exit 1; }

echo "== 5. read back on the host: the backing files against the image"
want=$(sha256sum "$D/disk.img" | cut -d' ' -f1)
printf '%-9s %10s %7s %8s  %-64s %s\n' target bytes time MB/s sha256 ok
status=0
for t in mmcblk0:mmc nvme0n1:nvme; do
	name=${t%%:*} file="$D/${t##*:}.img"
	got=$(head -c "$size" "$file" | sha256sum | cut -d' ' -f1)
	# The sender's summary line: "NAME: wrote ... in 3.21 s, ...".
	secs=$(tr '\r' '\n' <"$D/console.log" | grep -ao "$name: wrote.*" |
		sed -E 's/.* in ([0-9.]+) s.*/\1/' | tail -n 1 || true)
	ok=OK
	[ "$got" = "$want" ] || { ok=MISMATCH; status=1; }
	printf '%-9s %10s %7.2f %8.1f  %-64s %s\n' "$name" "$size" "${secs:-0}" \
		"$(echo "$size / ${secs:-1} / 1000000" | bc -l)" "$got" "$ok"
done
echo "image    sha256 $want"
printf 'demo: done in %.0f s\n' "$(echo "$(date +%s.%N) - $t0" | bc)"
exit $status
