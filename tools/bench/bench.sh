#!/bin/bash
# bench.sh - initflash flash throughput over exec: against gzip -dc | dd, on the same data, same run.
set -euo pipefail
BUILD=${1:-build}
SIZE=${BENCH_SIZE:-1G}
RUNS=${BENCH_RUNS:-3}
cd "$(dirname "$0")/../.."
IFL="$BUILD/initflash"
AGENT="$BUILD/initflash-agent"
D="$BUILD/bench"
mkdir -p "$D"
IMG="$D/mixed-$SIZE.img"

# The image: about 40% zero runs, 30% text-like, 30% random, made once and kept.
if [ ! -f "$IMG" ]; then
	echo "bench: making $IMG (40% zero, 30% text, 30% random)"
	python3 tools/mkimage.py "$IMG.tmp" "$SIZE" --zero 0.4 --text 0.3 --seed 42 && mv "$IMG.tmp" "$IMG"
fi
[ -f "$IMG.gz" ] || gzip -6 -c "$IMG" >"$IMG.gz"
bytes=$(stat -c %s "$IMG")

W=$(mktemp -d /dev/shm/ifl-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
now() { date +%s.%N; }

baseline() {
	rm -f "$W/base"
	local t0; t0=$(now)
	gzip -dc "$IMG.gz" | dd of="$W/base" bs=1M status=none
	echo "$(now) - $t0" | bc
}

# ifl IMAGE [FLAGS]: seconds, then wire bytes, of one flash into a tmpfs file.
ifl() {
	local src=$1; shift
	rm -f "$W/target" && truncate -s "$bytes" "$W/target"
	local t0; t0=$(now)
	"$IFL" -c "exec:$AGENT --stdio --no-scan --target disk=$W/target" --json flash "$@" disk "$src" >"$W/json"
	local t1; t1=$(now)
	cmp -s "$W/target" "$IMG" || { echo "bench: flashed target differs from the image" >&2; exit 1; }
	local wire
	wire=$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if "\"result\"" in l][-1]["wire_bytes"])' "$W/json")
	echo "$(echo "$t1 - $t0" | bc) $wire"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A T WIRE
for r in $(seq "$RUNS"); do
	echo "bench: run $r/$RUNS"
	T[base]+="$(baseline) "
	for row in raw gz raw-noverify; do
		case $row in
		raw) out=$(ifl "$IMG") ;;
		gz) out=$(ifl "$IMG.gz") ;;
		raw-noverify) out=$(ifl "$IMG" --no-verify) ;;
		esac
		T[$row]+="${out%% *} "
		WIRE[$row]=${out##* }
	done
done

mb() { echo "scale=1; $bytes / $1 / 1000000" | bc; }
base=$(echo "${T[base]}" | tr ' ' '\n' | grep . | median)
{
	echo "initflash bench: $(numfmt --to=iec "$bytes") image (40% zero, 30% text, 30% random), target a tmpfs file, $(nproc) cores, median of $RUNS runs"
	printf '%-40s %8s %9s %12s %11s\n' "what" "seconds" "MB/s" "vs baseline" "wire/image"
	printf '%-40s %8.2f %9s %12s %11s\n' "gzip -dc IMAGE.gz | dd bs=1M (baseline)" "$base" "$(mb "$base")" "1.00x" \
		"$(echo "scale=3; $(stat -c %s "$IMG.gz") / $bytes" | bc)"
	for row in raw gz raw-noverify; do
		t=$(echo "${T[$row]}" | tr ' ' '\n' | grep . | median)
		case $row in
		raw) label="initflash flash IMAGE (verify)" ;;
		gz) label="initflash flash IMAGE.gz (verify)" ;;
		raw-noverify) label="initflash flash --no-verify IMAGE" ;;
		esac
		printf '%-40s %8.2f %9s %11sx %11s\n' "$label" "$t" "$(mb "$t")" \
			"$(echo "scale=2; $base / $t" | bc)" "$(echo "scale=3; ${WIRE[$row]} / $bytes" | bc)"
	done
} | tee "$D/results.txt"

# Second table: a filesystem image as raw, Android sparse and bmap input.
FS="$D/fs-512M.img"
if [ ! -f "$FS.bmap" ]; then
	echo "bench: making $FS (ext4 with about 60 MiB of files), its sparse image and bmap"
	rm -rf "$D/fsroot" && mkdir -p "$D/fsroot"
	for i in $(seq 12); do python3 tools/mkimage.py "$D/fsroot/file$i" 5M --zero 0.1 --text 0.5 --seed "$i" --run 512K; done
	rm -f "$FS" && mkfs.ext4 -q -F -d "$D/fsroot" "$FS" 512M >/dev/null
	img2simg "$FS" "$FS.simg"
	bmaptool -q create -o "$FS.bmap.tmp" "$FS" && mv "$FS.bmap.tmp" "$FS.bmap"
fi
fsbytes=$(stat -c %s "$FS")
fsflash() { # IMAGE FLAGS...: seconds wire written
	local src=$1; shift
	rm -f "$W/fs" && truncate -s "$fsbytes" "$W/fs"
	local t0; t0=$(now)
	"$IFL" -c "exec:$AGENT --stdio --no-scan --target disk=$W/fs" --json flash "$@" disk "$src" >"$W/json"
	local t1; t1=$(now)
	python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if "\"result\"" in l][-1]; print(r["wire_bytes"], r["written"])' "$W/json" |
		{ read -r wire written; echo "$(echo "$t1 - $t0" | bc) $wire $written"; }
}
{
	echo
	echo "filesystem image: $(numfmt --to=iec "$fsbytes") ext4 with $(du -sm "$D/fsroot" | cut -f1) MiB of files, verify on"
	printf '%-32s %8s %12s %14s\n' "input" "seconds" "wire bytes" "bytes written"
	for row in raw sparse bmap; do
		case $row in
		raw) out=$(fsflash "$FS" --no-bmap) ;;
		sparse) out=$(fsflash "$FS.simg") ;;
		bmap) out=$(fsflash "$FS" --bmap "$FS.bmap") ;;
		esac
		set -- $out
		printf '%-32s %8.2f %12s %14s\n' "$row" "$1" "$2" "$3"
	done
} | tee -a "$D/results.txt"
