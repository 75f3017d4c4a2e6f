#!/bin/bash
# bench_mtd.sh - a repeated MTD (mtdram NOR) flash against the first one, in the virtual DUT.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
case "$BUILD" in /*) ;; *) BUILD="$PWD/$BUILD" ;; esac
export BUILD
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
python3 tools/mkimage.py "$T/fw.img" 7M --seed 5 --run 256K

cat >"$T/guest.sh" <<'GUEST'
. /ifl/guest-lib.sh
start_agent --usb=dummy_udc.0
wait_usb
for run in first repeat; do
	t0=$(cut -d' ' -f1 /proc/uptime)
	initflash --json -q flash mtd0 /ifl/fw.img >/tmp/$run.json || fail "$run flash"
	t1=$(cut -d' ' -f1 /proc/uptime)
	r=$(grep '"event":"result"' /tmp/$run.json)
	w=$(echo "$r" | sed -E 's/.*"written":([0-9]+).*/\1/')
	s=$(echo "$r" | sed -E 's/.*"skipped":([0-9]+).*/\1/')
	bw=$(echo "$r" | sed -E 's/.*"blocks_written":([0-9]+).*/\1/')
	bs=$(echo "$r" | sed -E 's/.*"blocks_skipped":([0-9]+).*/\1/')
	echo "MTDBENCH $run $t0 $t1 $w $s $bw $bs"
done
grep "blocks written" "$IFLOG" | sed 's/^/MTDLOG /'
GUEST

tools/vdut/vdut -q --log "$T/console" --script "$T/guest.sh" --add tests/vm/guest-lib.sh \
	--add "$T/fw.img" --mtdram 8192,64 --timeout 300 >/dev/null
{
	echo
	echo "MTD (mtdram NOR 8 MiB, 64 KiB erase blocks) over USB in the virtual DUT, a 7 MiB image, verify on"
	printf '%-10s %8s %14s %14s %15s %15s\n' flash seconds "bytes written" "bytes skipped" \
		"blocks erased" "blocks skipped"
	grep -a '^MTDBENCH' "$T/console" | tr -d '\r' | while read -r _ run t0 t1 w s bw bs; do
		printf '%-10s %8.2f %14s %14s %15s %15s\n' "$run" "$(echo "$t1 - $t0" | bc)" "$w" "$s" "$bw" "$bs"
	done
	grep -a '^MTDLOG' "$T/console" | sed 's/^MTDLOG /  agent: /'
} | tee -a "$BUILD/bench/results.txt"
