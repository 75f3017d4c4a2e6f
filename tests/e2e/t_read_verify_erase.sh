# t_read_verify_erase.sh - read round trips, verify without writing, erase of a range.
. tests/e2e/lib.sh

mkimg "$T/disk" 16M 5
cp "$T/disk" "$T/orig"
C=$(exec_conn --target disk="$T/disk")

expect_exit 0 "$IFL" -c "$C" read disk "$T/whole"
cmp "$T/whole" "$T/disk" || fail "read of the whole target differs"
expect_exit 0 "$IFL" -c "$C" read disk@1M+3M "$T/part"
[ "$(sha "$T/part")" = "$(sha "$T/disk" 1048576 3145728)" ] || fail "ranged read differs"
"$IFL" -c "$C" -q read disk@5K+7K - >"$T/stdout-read" || fail "read to stdout failed"
[ "$(sha "$T/stdout-read")" = "$(sha "$T/disk" 5120 7168)" ] || fail "read to stdout differs"

# verify: same bytes -> 0; one changed byte -> 5; and verify writes nothing.
head -c 4M "$T/disk" >"$T/head"
expect_exit 0 "$IFL" -c "$C" verify disk "$T/head"
expect_exit 0 "$IFL" -c "$C" verify disk@1M "$T/part"
printf 'X' | dd of="$T/disk" bs=1 seek=2000000 conv=notrunc status=none
cp "$T/disk" "$T/before-verify"
expect_exit 5 "$IFL" -c "$C" verify disk "$T/head"
cmp "$T/disk" "$T/before-verify" || fail "verify changed the target"

# erase a range: zeros inside, untouched outside.
expect_exit 0 "$IFL" -c "$C" erase disk@2M+1M
[ "$(sha "$T/disk" 2097152 1048576)" = "$(head -c 1M /dev/zero | sha256sum | cut -d' ' -f1)" ] ||
	fail "erased range is not zero"
[ "$(sha "$T/disk" 0 2097152)" = "$(sha "$T/before-verify" 0 2097152)" ] || fail "erase touched bytes before"
[ "$(sha "$T/disk" 3145728 13631488)" = "$(sha "$T/before-verify" 3145728 13631488)" ] ||
	fail "erase touched bytes after"
echo ok
