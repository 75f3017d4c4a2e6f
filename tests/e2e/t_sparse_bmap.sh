# t_sparse_bmap.sh - an ext4 image as Android sparse and with a bmap: only defined extents are sent, checked per extent; bad inputs write nothing.
. tests/e2e/lib.sh

for tool in mkfs.ext4 e2fsck img2simg simg2img bmaptool; do
	command -v "$tool" >/dev/null || fail "$tool is missing: make deps (e2fsprogs, android-sdk-libsparse-utils, bmap-tools)"
done

# A 48 MiB ext4 with ~10 MiB of files: most of it is never written.
mkdir "$T/root"
mkimg "$T/root/mixed" 6M 5
head -c 3M /dev/urandom >"$T/root/random"
seq 1 150000 >"$T/root/text"
truncate -s 48M "$T/fs.img"
mkfs.ext4 -q -F -d "$T/root" "$T/fs.img"
img2simg "$T/fs.img" "$T/fs.simg"
bmaptool -q create -o "$T/fs.bmap" "$T/fs.img"
simg2img "$T/fs.simg" "$T/fs.unsparsed"
CONN=$(exec_conn --target disk="$T/disk")

# Sparse into zeros: byte for byte what simg2img makes (DONT_CARE reads as zeros there).
truncate -s 48M "$T/disk"
expect_exit 0 "$IFL" -c "$CONN" flash disk "$T/fs.simg"
cmp "$T/disk" "$T/fs.unsparsed" || fail "sparse flash into zeros differs from simg2img output"
grep -q verified "$T/out" "$T/err" || fail "sparse flash not reported verified"

# Sparse into random bytes: the file system is intact and the files are there.
head -c 48M /dev/urandom >"$T/disk"
expect_exit 0 "$IFL" -c "$CONN" flash disk "$T/fs.simg"
e2fsck -fn "$T/disk" >/dev/null 2>&1 || fail "sparse flash over random bytes: e2fsck fails"
for f in mixed random text; do
	debugfs -R "dump /$f $T/got-$f" "$T/disk" >/dev/null 2>&1
	cmp "$T/got-$f" "$T/root/$f" || fail "sparse flash: /$f differs"
done

# bmap, raw image: only mapped ranges travel; they equal the image there.
python3 - "$T/fs.bmap" >"$T/ranges" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
bs = int(re.search(r"<BlockSize>\s*(\d+)", t).group(1))
for r in re.findall(r"<Range[^>]*>\s*([\d-]+)\s*</Range>", t):
    a, _, b = r.partition("-")
    print(int(a) * bs, (int(b or a) - int(a) + 1) * bs)
PY
check_mapped() {
	while read -r off len; do
		[ "$(sha "$T/disk" "$off" "$len")" = "$(sha "$T/fs.img" "$off" "$len")" ] ||
			fail "$1: mapped bytes $off+$len differ"
	done <"$T/ranges"
	e2fsck -fn "$T/disk" >/dev/null 2>&1 || fail "$1: e2fsck fails"
}
head -c 48M /dev/urandom >"$T/disk"
expect_exit 0 "$IFL" -c "$CONN" --json flash --bmap "$T/fs.bmap" disk "$T/fs.img"
check_mapped "bmap raw"
python3 - "$T/out" <<'PY'
import json, sys
res = [json.loads(l) for l in open(sys.argv[1]) if '"result"' in l][-1]
assert res["verified"] is True, res
assert res["wire_bytes"] < 16 << 20, res
PY

# bmap found beside a gzip image.
gzip -c "$T/fs.img" >"$T/fs.img.gz"
cp "$T/fs.bmap" "$T/fs.img.gz.bmap"
head -c 48M /dev/urandom >"$T/disk"
expect_exit 0 "$IFL" -c "$CONN" flash disk "$T/fs.img.gz"
check_mapped "bmap gzip"
# The summary says how much of the image the bmap defines, not the image size.
mapped=$(awk '{n += $2} END {print n}' "$T/ranges")
grep -q "^disk: wrote .* of a 48.0 MiB image ($mapped bytes)" "$T/out" ||
	{ cat "$T/out" >&2; fail "the summary does not give the mapped bytes ($mapped)"; }

# Refusals: nothing is written (the target keeps its bytes).
head -c 48M /dev/urandom >"$T/disk"
before=$(sha "$T/disk")
size=$(stat -c %s "$T/fs.simg")
head -c $((size - 5000)) "$T/fs.simg" >"$T/cut.simg"
expect_exit 1 "$IFL" -c "$CONN" flash disk "$T/cut.simg"
expect_err "cut.simg: sparse chunk [0-9]+ (of [0-9]+ )?at byte [0-9]+"
python3 - "$T/fs.bmap" "$T/badsum.bmap" "$T/badline.bmap" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
i = t.index('chksum="') + 8
open(sys.argv[2], "w").write(t[:i] + ("1" if t[i] == "0" else "0") + t[i + 1:])
lines = t.split("\n")
k = next(n for n, l in enumerate(lines) if "<Range" in l)
lines[k] = re.sub(r">\s*[\d-]+\s*<", "> 900-100 <", lines[k])
open(sys.argv[3], "w").write("\n".join(lines))
print(k + 1, file=open(sys.argv[3] + ".line", "w"))
PY
expect_exit 1 "$IFL" -c "$CONN" flash --bmap "$T/badsum.bmap" disk "$T/fs.img"
expect_err "bmap says .*nothing was written"
expect_exit 1 "$IFL" -c "$CONN" flash --bmap "$T/badline.bmap" disk "$T/fs.img"
expect_err "badline.bmap: line $(cat "$T/badline.bmap.line"): range 900-100 ends before it starts"
[ "$(sha "$T/disk")" = "$before" ] || fail "a refused flash changed the target"

# --no-bmap ignores IMAGE.bmap: the whole image is written.
expect_exit 0 "$IFL" -c "$CONN" flash --no-bmap disk "$T/fs.img.gz"
cmp "$T/disk" "$T/fs.img" || fail "--no-bmap flash differs from the image"
echo ok
