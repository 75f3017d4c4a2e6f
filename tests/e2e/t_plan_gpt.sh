# t_plan_gpt.sh - GPT partitions in the inventory, TARGET/PARTNAME, and flash --plan with its refusals.
. tests/e2e/lib.sh

MiB=1048576
# A 64 MiB disk with a GPT holding boot (8 MiB at 1 MiB), APP (16 MiB at 9 MiB), data (8 MiB at 25 MiB).
truncate -s 64M "$T/gpt.img"
sgdisk -o -n 1:2048:+8M -c 1:boot -n 2:0:+16M -c 2:APP -n 3:0:+8M -c 3:data "$T/gpt.img" >/dev/null
truncate -s 64M "$T/disk"
C=$(exec_conn --target disk="$T/disk")
"$IFL" -q -c "$C" flash disk "$T/gpt.img" >/dev/null 2>&1

# The agent reads the new GPT at the next HELLO: info --json lists the three partitions.
"$IFL" --json -c "$C" info >"$T/info.json" 2>/dev/null
python3 - "$T/info.json" <<'PY' || fail "info --json lacks the partitions"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
t = [e for e in ev if e.get("event") == "info"][0]["targets"][0]
got = [(p["name"], p["start"], p["size"]) for p in t["partitions"]]
want = [("boot", 1 << 20, 8 << 20), ("APP", 9 << 20, 16 << 20), ("data", 25 << 20, 8 << 20)]
assert got == want, got
PY
"$IFL" -c "$C" info 2>/dev/null | grep -q '/APP' || fail "info table lacks /APP"

# The plan: the primary GPT (first MiB) again, then the three partitions by name.
head -c $MiB "$T/gpt.img" >"$T/gpt-primary.bin"
head -c 4M /dev/urandom >"$T/boot.bin"
truncate -s 16M "$T/app.ext4"
mkfs.ext4 -q -F "$T/app.ext4"
head -c 2M /dev/urandom >"$T/data.bin"
cat >"$T/plan.txt" <<PLAN
# GPT, then partitions
disk            $T/gpt-primary.bin
disk/boot       $T/boot.bin
disk/APP        "$T/app.ext4"   sha256=$(sha "$T/app.ext4")
disk/data@1M    $T/data.bin     # 1 MiB into data
PLAN
expect_exit 0 "$IFL" -c "$C" flash --plan "$T/plan.txt"
[ "$(sha "$T/disk" 0 $MiB)" = "$(sha "$T/gpt-primary.bin")" ] || fail "GPT bytes differ"
[ "$(sha "$T/disk" $((1 * MiB)) $((4 * MiB)))" = "$(sha "$T/boot.bin")" ] || fail "boot bytes differ"
[ "$(sha "$T/disk" $((9 * MiB)) $((16 * MiB)))" = "$(sha "$T/app.ext4")" ] || fail "APP bytes differ"
[ "$(sha "$T/disk" $((26 * MiB)) $((2 * MiB)))" = "$(sha "$T/data.bin")" ] || fail "data bytes differ"

# TARGET/PARTNAME outside plans: read, verify, erase count from the partition's start.
expect_exit 0 "$IFL" -q -c "$C" read disk/boot+4M "$T/boot.back"
cmp -s "$T/boot.back" "$T/boot.bin" || fail "read disk/boot differs"
expect_exit 0 "$IFL" -q -c "$C" verify disk/data@1M "$T/data.bin"
expect_exit 4 "$IFL" -c "$C" read disk/boot@7M+2M "$T/r"
expect_err 'disk/boot: .*passes the end of the partition'

cp "$T/disk" "$T/orig"
unchanged() { cmp -s "$T/disk" "$T/orig" || fail "target changed after: $1"; }

# Overlapping writes: both lines named, nothing written.
cat >"$T/overlap.txt" <<PLAN
disk/APP        $T/boot.bin
disk@11M        $T/data.bin
PLAN
expect_exit 2 "$IFL" -c "$C" flash --plan "$T/overlap.txt"
expect_err 'line 2 overlaps line 1 on disk'
unchanged "overlapping plan"

# An image larger than its partition.
head -c 9M /dev/urandom >"$T/nine.bin"
printf 'disk/data %s\ndisk/boot %s\n' "$T/data.bin" "$T/nine.bin" >"$T/big.txt"
expect_exit 4 "$IFL" -c "$C" flash --plan "$T/big.txt"
expect_err 'disk/boot: image is 9\.0 MiB but the partition holds 8\.0 MiB.*line 2'
unchanged "image too big for a partition"
expect_exit 4 "$IFL" -c "$C" flash disk/boot "$T/nine.bin"
expect_err 'disk/boot: image is 9\.0 MiB but the partition holds 8\.0 MiB'
unchanged "image too big (command line)"

# An unknown partition lists the known ones.
printf 'disk/boot %s\ndisk/nope %s\n' "$T/boot.bin" "$T/data.bin" >"$T/unknown.txt"
expect_exit 4 "$IFL" -c "$C" flash --plan "$T/unknown.txt"
expect_err 'disk/nope: no such partition; disk has: boot, APP, data'
unchanged "unknown partition"

# A bad plan line: refused with line and column before connecting.
printf 'disk/boot %s\ndisk/APP\n' "$T/boot.bin" >"$T/bad.txt"
expect_exit 2 "$IFL" -c "$C" flash --plan "$T/bad.txt"
expect_err 'bad\.txt: line 2, column'
unchanged "bad plan line"

# A sha256 that does not match the image.
printf 'disk/boot %s\ndisk/APP %s sha256=%064d\n' "$T/boot.bin" "$T/app.ext4" 0 >"$T/sum.txt"
expect_exit 1 "$IFL" -c "$C" flash --plan "$T/sum.txt"
expect_err 'sum\.txt: line 2: the image.s SHA-256'
unchanged "sha256 mismatch"
# A blank disk: the plan writes the GPT first, then names its partitions,
# which resolve against the GPT in the image (the disk has none yet).
truncate -s 64M "$T/blank"
C2=$(exec_conn --target blank="$T/blank")
gzip -c "$T/boot.bin" >"$T/boot.gz"
cat >"$T/blank.txt" <<PLAN
blank           $T/gpt-primary.bin
blank/boot      $T/boot.gz
blank/APP       $T/app.ext4
blank/data      $T/data.bin
PLAN
expect_exit 0 "$IFL" -c "$C2" flash --plan "$T/blank.txt"
[ "$(sha "$T/blank" 0 $MiB)" = "$(sha "$T/gpt-primary.bin")" ] || fail "blank: GPT bytes differ"
[ "$(sha "$T/blank" $((1 * MiB)) $((4 * MiB)))" = "$(sha "$T/boot.bin")" ] || fail "blank: boot bytes differ"
[ "$(sha "$T/blank" $((9 * MiB)) $((16 * MiB)))" = "$(sha "$T/app.ext4")" ] || fail "blank: APP bytes differ"
[ "$(sha "$T/blank" $((25 * MiB)) $((2 * MiB)))" = "$(sha "$T/data.bin")" ] || fail "blank: data bytes differ"
"$IFL" -c "$C2" info 2>/dev/null | grep -q '/APP' || fail "blank: info lacks /APP after the plan"
echo "t_plan_gpt: ok"
