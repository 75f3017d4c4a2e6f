# t_flash_exec.sh - raw and gzip images flashed over exec: into a file land byte for byte.
. tests/e2e/lib.sh

mkimg "$T/img" 24M 3
gzip -c "$T/img" >"$T/img.gz"
truncate -s 32M "$T/disk"
want=$(sha "$T/img")

# Raw image, default verify: the file's first 24 MiB must equal the image.
expect_exit 0 "$IFL" -c "$(exec_conn --target disk="$T/disk")" flash disk "$T/img"
[ "$(sha "$T/disk" 0 25165824)" = "$want" ] || fail "raw flash: target differs from image"
grep -q "verified" "$T/err" "$T/out" || fail "no verified summary"

# Gzip image under a name that does not say so: recognised by its magic.
cp "$T/img.gz" "$T/img-noext"
dd if=/dev/urandom of="$T/disk" bs=1M count=32 status=none
expect_exit 0 "$IFL" -c "$(exec_conn --target disk="$T/disk")" flash disk "$T/img-noext"
[ "$(sha "$T/disk" 0 25165824)" = "$want" ] || fail "gzip flash: target differs from image"

# Two images in one session, the second at an offset, compression level 9.
mkimg "$T/small" 3M 9
expect_exit 0 "$IFL" -c "$(exec_conn --target disk="$T/disk")" flash --level 9 \
	disk "$T/img" disk@28M "$T/small"
[ "$(sha "$T/disk" 0 25165824)" = "$want" ] || fail "multi: first image differs"
[ "$(sha "$T/disk" 29360128 3145728)" = "$(sha "$T/small")" ] || fail "multi: second image differs"

# --no-verify still writes the bytes.
truncate -s 0 "$T/disk" && truncate -s 32M "$T/disk"
expect_exit 0 "$IFL" -c "$(exec_conn --target disk="$T/disk")" flash --no-verify disk "$T/img.gz"
[ "$(sha "$T/disk" 0 25165824)" = "$want" ] || fail "no-verify flash differs"

# JSON lines: a result event with the digest of the image.
expect_exit 0 "$IFL" -c "$(exec_conn --target disk="$T/disk")" --json flash disk "$T/img"
python3 - "$T/out" "$want" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
res = [e for e in events if e.get("event") == "result"]
assert res, "no result event"
assert res[-1]["sha256"] == sys.argv[2], res[-1]
assert res[-1]["verified"] is True, res[-1]
assert 0 < res[-1]["wire_bytes"] < res[-1]["bytes"], res[-1]
PY
echo ok
