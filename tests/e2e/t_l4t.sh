# t_l4t.sh - flash --l4t: an L4T package (tools/mkl4t.py) written to SPI, boot0+boot1 and the user area in one session.
. tests/e2e/lib.sh

MiB=1048576
B0=$((4 * MiB))
python3 tools/mkl4t.py "$T/images/internal" >/dev/null
for f in boot0:4M boot1:4M user:64M spi:1M; do
	head -c "${f#*:}" /dev/urandom >"$T/${f%:*}" 2>/dev/null || true
	truncate -s "${f#*:}" "$T/${f%:*}"
done
[ "$(stat -c %s "$T/user")" -eq $((64 * MiB)) ] || fail "fixture targets"
C=$(exec_conn --target mmcblk0boot0="$T/boot0" --target mmcblk0boot1="$T/boot1" \
	--target mmcblk0="$T/user" --target mtd0="$T/spi")
snap() { for f in boot0 boot1 user spi; do cp "$T/$f" "$T/$f.orig"; done; }
unchanged() {
	for f in boot0 boot1 user spi; do cmp -s "$T/$f" "$T/$f.orig" || fail "$f changed after: $1"; done
}

# A damaged package: refused before anything is sent, naming partition and file.
python3 tools/mkl4t.py "$T/bad" --corrupt-sha1 APP >/dev/null
snap
expect_exit 1 "$IFL" -c "$C" flash --l4t "$T/bad"
expect_err 'APP: the sha1 of APP.bin'
unchanged "--corrupt-sha1 APP"

# Device type 9 without --external-device: refused naming the flag.
python3 tools/mkl4t.py "$T/ext/external" --external >/dev/null
expect_exit 2 "$IFL" -c "$C" flash --l4t "$T/ext"
expect_err 'external-device'
unchanged "no --external-device"

# The package: DIR is tools/kernel_flash/images, holding internal/.
expect_exit 0 "$IFL" -c "$C" flash --l4t "$T/images"
expect_err 'master_boot_record .*no file; skipped'
expect_err 'A_reserved .*no file; skipped'
# every line with a file, at its offset on its device (boot region split at boot0's end)
check_idx() { # IDXDIR DEVTYPE-MAP...: compare each written partition with its file
	python3 - "$@" <<'PY'
import hashlib, sys
d, maps = sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:])
b0 = 4 << 20
bad = 0
for line in open(f"{d}/flash.idx"):
    f = [x.strip() for x in line.split(",")]
    if not f[4]:
        continue
    dev, start, data = f[1].split(":")[0], int(f[2]), open(f"{d}/{f[4]}", "rb").read()
    if dev == "0":
        whole = open(maps["0a"], "rb").read() + open(maps["0b"], "rb").read()
        got = whole[start:start + len(data)]
    else:
        with open(maps[dev], "rb") as t:
            t.seek(start)
            got = t.read(len(data))
    if hashlib.sha256(got).digest() != hashlib.sha256(data).digest():
        print(f"{f[1]} differs at {start}", file=sys.stderr)
        bad = 1
sys.exit(bad)
PY
}
check_idx "$T/images/internal" 3="$T/spi" 0a="$T/boot0" 0b="$T/boot1" 1="$T/user" ||
	fail "a partition differs"
# mb2 crosses boot0 -> boot1: its two halves with sha256sum/cmp too
tail -c 65536 "$T/boot0" >"$T/mb2.back"
head -c $((100 * 1024 - 65536)) "$T/boot1" >>"$T/mb2.back"
cmp -s "$T/mb2.back" "$T/images/internal/mb2.bin" || fail "mb2 halves differ"
[ "$(sha "$T/user" $((3 * MiB)) $((256 * 1024)))" = "$(sha "$T/images/internal/APP.bin")" ] || fail "APP differs"
[ "$(sha "$T/spi" 0 7680)" = "$(sha "$T/images/internal/BCT.bin")" ] || fail "BCT differs"

# The external package with --external-device nvme0n1 and a target of that name.
truncate -s 64M "$T/nvme"
head -c 1M /dev/urandom | dd of="$T/nvme" conv=notrunc status=none
CX=$(exec_conn --target mmcblk0boot0="$T/boot0" --target mmcblk0boot1="$T/boot1" \
	--target mtd0="$T/spi" --target nvme0n1="$T/nvme")
expect_exit 0 "$IFL" -c "$CX" flash --l4t "$T/ext" --external-device nvme0n1
check_idx "$T/ext/external" 3="$T/spi" 0a="$T/boot0" 0b="$T/boot1" 9="$T/nvme" ||
	fail "an external partition differs"
# LBA 0 of each GPT device is a protective MBR now (the random bytes are gone), and the
# disk image is a valid GPT disk.
for f in "$T/user" "$T/nvme"; do
	[ "$(od -An -tx1 -j510 -N2 "$f" | tr -d ' ')" = 55aa ] || fail "${f##*/}: no MBR signature"
	[ "$(od -An -tx1 -j450 -N1 "$f" | tr -d ' ')" = ee ] || fail "${f##*/}: no protective partition"
	sgdisk -v "$f" 2>&1 | grep -q 'No problems found' || fail "${f##*/}: sgdisk -v found problems"
done
echo ok
