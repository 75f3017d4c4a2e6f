# t_refusals.sh - every refusal gives a specific message, a distinct exit code and an unchanged target.
. tests/e2e/lib.sh

truncate -s 256M "$T/disk"
python3 tools/mkimage.py "$T/disk" 256M --seed 7 --run 8M
cp "$T/disk" "$T/orig"
C=$(exec_conn --target disk="$T/disk")
unchanged() { cmp -s "$T/disk" "$T/orig" || fail "target changed after: $1"; }

# Image larger than the target, refused up front.
truncate -s 300M "$T/big"
expect_exit 4 "$IFL" -c "$C" flash disk "$T/big"
expect_err 'disk: image is 300\.0 MiB but the target holds 256\.0 MiB'
unchanged "image too large"

# Image that fits alone but not at its offset.
truncate -s 8M "$T/small"
expect_exit 4 "$IFL" -c "$C" flash disk@250M "$T/small"
expect_err 'disk: .*256\.0 MiB'
unchanged "image past the end"

# Offset past the end.
expect_exit 4 "$IFL" -c "$C" flash disk@300M "$T/small"
expect_err 'disk: offset 300\.0 MiB is past the end'
unchanged "offset past the end"
expect_exit 4 "$IFL" -c "$C" read disk@255M+2M "$T/r"
unchanged "read past the end"

# Unknown target, named in the message with the known ones.
expect_exit 4 "$IFL" -c "$C" flash nvme9n1 "$T/small"
expect_err 'nvme9n1: .*(unknown|no such) target.*disk'
unchanged "unknown target"

# Read-only target: a read-only loop device.
cp "$T/orig" "$T/ro.img"
lo=$(loopdev "$T/ro.img" -r)
expect_exit 4 "$IFL" -c "$(exec_conn --target ro="$lo")" flash ro "$T/small"
expect_err 'ro: .*read-only'
expect_exit 4 "$IFL" -c "$(exec_conn --target ro="$lo")" erase ro@0+1M
cmp -s "$T/ro.img" "$T/orig" || fail "read-only target changed"

# Truncated and corrupt gzip: refused before a byte is written.
mkimg "$T/img" 16M 2
gzip -c "$T/img" >"$T/img.gz"
head -c $(($(stat -c %s "$T/img.gz") / 2)) "$T/img.gz" >"$T/trunc.gz"
expect_exit 1 "$IFL" -c "$C" flash disk "$T/trunc.gz"
expect_err 'trunc\.gz: .*truncated'
unchanged "truncated gzip"
cp "$T/img.gz" "$T/corrupt.gz"
printf '\377\377\377\377' | dd of="$T/corrupt.gz" bs=1 seek=5000 conv=notrunc status=none
expect_exit 1 "$IFL" -c "$C" flash disk "$T/corrupt.gz"
expect_err 'corrupt\.gz: .*(corrupt|invalid|CRC|check)'
unchanged "corrupt gzip"

# Power requests without --allow-power.
expect_exit 4 "$IFL" -c "$C" reboot
expect_err 'allow-power'
expect_exit 4 "$IFL" -c "$C" poweroff

# Usage errors.
expect_exit 2 "$IFL" -c "$C" flash disk
expect_exit 2 "$IFL" -c "$C" frobnicate
expect_exit 2 "$IFL" -c "$C" flash disk@12Q "$T/small"
expect_exit 2 "$IFL" -c "bogus:thing" info
expect_exit 1 "$IFL" -c "$C" flash disk "$T/does-not-exist"
unchanged "usage errors"
echo ok
