# lib.sh - host-side helpers for virtual-DUT tests (sourced).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$top/$BUILD" ;; esac
export BUILD
VDUT="$top/tools/vdut/vdut"
IFL="$BUILD/initflash"
for f in "$BUILD/vdut/initrd-vdut.cpio.gz" "$BUILD/initflash"; do
	[ -f "$f" ] || { echo "vm test: missing $f (run: make vdut)" >&2; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/ifl-vm.XXXXXX")
trap 'rm -rf "$T"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# sha FILE [LENGTH]: SHA-256 of a file or of its first LENGTH bytes.
sha() {
	if [ $# -eq 1 ]; then sha256sum "$1" | cut -d' ' -f1; else head -c "$2" "$1" | sha256sum | cut -d' ' -f1; fi
}

mkimg() {
	python3 "$top/tools/mkimage.py" "$1" "$2" --seed "${3:-1}" --run 1M
}
