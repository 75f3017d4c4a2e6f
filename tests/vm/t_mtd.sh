#!/bin/bash
# t_mtd.sh - MTD targets over USB: mtdram NOR (write, skip on reflash, misaligned refusal)
# and nandsim NAND with bad blocks (skipping, read-back, too big for the good blocks; READ,
# HASH and ERASE through the same bad-block map as the flash).
. "$(dirname "$0")/lib.sh"

# Not a multiple of the erase block: the last block is padded with 0xff.
mkimg "$T/full.img" 2M 21
head -c $((1048576 + 1000)) "$T/full.img" >"$T/a.img"
mkimg "$T/b.img" 1M 22
# nandsim 0x20,0x33: 16 MiB of 16 KiB erase blocks (1024), 2 of them bad: 1022 good.
mkimg "$T/big.img" $((1023 * 16))K 23

cat >"$T/nor.sh" <<'GUEST'
. /ifl/guest-lib.sh
len=$((1048576 + 1000))
start_agent --usb=dummy_udc.0
wait_usb
initflash info >/tmp/info || fail "info"
grep mtd0 /tmp/info || fail "mtd0 is not in the inventory"
initflash flash mtd0 /ifl/a.img >/tmp/first.out || fail "flash mtd0"
cat /tmp/first.out
grep -q "; 17 erase blocks written, 0 already held the image" /tmp/first.out ||
	fail "the first flash does not report 17 blocks written"
[ "$(sha /dev/mtd0 $len)" = "$(sha /ifl/a.img $len)" ] || fail "mtd0 does not hold the image"
# The rest of the last erase block (17 x 64 KiB) is erased: 0xff.
pad=$((17 * 65536 - len))
[ "$(dd if=/dev/mtd0 bs=1 skip=$len count=$pad 2>/dev/null | tr -d '\377' | wc -c)" = 0 ] ||
	fail "the pad after the image is not 0xff"
initflash --json flash mtd0 /ifl/a.img >/tmp/again.json || fail "second flash of mtd0"
grep '"event":"result"' /tmp/again.json
grep -q "\"written\":0,\"skipped\":$len," /tmp/again.json || fail "second flash did not skip every byte"
grep -q '"blocks_written":0,"blocks_skipped":17,' /tmp/again.json || fail "the result does not count 17 skipped blocks"
grep "blocks written" "$IFLOG"
# Misaligned offset: refused before anything is written.
if initflash flash mtd0@4K /ifl/a.img 2>/tmp/mis.err; then fail "a flash at 4 KiB was accepted"; fi
cat /tmp/mis.err
grep -q "mtd0: offset 4.0 KiB is not a multiple of the 64.0 KiB erase block" /tmp/mis.err ||
	fail "misaligned refusal does not name the sizes"
[ "$(sha /dev/mtd0 $len)" = "$(sha /ifl/a.img $len)" ] || fail "the refused flash changed mtd0"
echo "guest: nor done"
GUEST

cat >"$T/nand.sh" <<'GUEST'
. /ifl/guest-lib.sh
i=0
while [ ! -c /dev/mtd0 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no /dev/mtd0"; sleep 0.1
done
start_agent --usb=dummy_udc.0
wait_usb
initflash info >/tmp/info || fail "info"
grep mtd0 /tmp/info
# The count is in the model (older agents) or in its own field.
initflash --json info | grep -q '"name":"mtd0","kind":"mtd-nand".*"bad_blocks":2,' ||
	fail "the bad-block count is not in the inventory"
grep -E '^mtd0 +mtd-nand .* 2 +NAND' /tmp/info || fail "info does not show the 2 bad blocks"
initflash flash mtd0 /ifl/b.img || fail "flash mtd0 (nand)"
# 64 blocks of 16 KiB from 0 with 3 and 5 bad: physical 0-2, 4, 6-65.
got=$( (dd if=/dev/mtd0 bs=16k count=3 && dd if=/dev/mtd0 bs=16k skip=4 count=1 &&
	dd if=/dev/mtd0 bs=16k skip=6 count=60) 2>/dev/null | sha256sum | cut -d' ' -f1)
[ "$got" = "$(sha /ifl/b.img 1048576)" ] || fail "the good blocks do not hold the image"
grep "bad erase block" "$IFLOG" || fail "no bad-block log line"
initflash --json flash mtd0 /ifl/b.img >/tmp/again.json || fail "second flash of mtd0 (nand)"
grep '"event":"result"' /tmp/again.json
grep -q '"written":0,"skipped":1048576,' /tmp/again.json || fail "second nand flash did not skip"
grep -q '"blocks_written":0,"blocks_skipped":64,' /tmp/again.json || fail "the nand result does not count 64 skipped blocks"
# HASH and READ of the flashed range skip the bad blocks as the flash did: they see the image.
initflash verify mtd0 /ifl/b.img || fail "verify of the flashed nand range"
initflash read mtd0+1M /tmp/b.back || fail "read of the flashed nand range"
cmp /tmp/b.back /ifl/b.img || fail "the nand range read back differs from the image"
grep "skipped as a flash skips" "$IFLOG" || fail "no bad-block log line for the read"
# ERASE of logical blocks 2-6 (from 32 KiB) goes to physical 2, 4, 6, 7, 8: never to 3 or 5.
nbad=$(cat /sys/class/mtd/mtd0/bad_blocks)
initflash erase mtd0@32K+80K || fail "erase of a nand range holding bad blocks"
initflash read mtd0@32K+80K /tmp/z.back || fail "read of the erased nand range"
[ "$(wc -c </tmp/z.back)" = 81920 ] || fail "the erased range read back short"
[ "$(tr -d '\000' </tmp/z.back | wc -c)" = 0 ] || fail "the erased nand range is not zeros"
z=$( (dd if=/dev/mtd0 bs=16k skip=2 count=1 && dd if=/dev/mtd0 bs=16k skip=4 count=1 &&
	dd if=/dev/mtd0 bs=16k skip=6 count=3) 2>/dev/null | tr -d '\000' | wc -c)
[ "$z" = 0 ] || fail "the good blocks of the erased range are not zeros"
[ "$(cat /sys/class/mtd/mtd0/bad_blocks)" = "$nbad" ] || fail "the bad-block count changed ($nbad before)"
# Around the erased range the image is untouched.
(head -c 32768 /ifl/b.img && head -c 81920 /dev/zero && tail -c +114689 /ifl/b.img) >/tmp/want
initflash read mtd0+1M /tmp/all || fail "read of the nand range after the erase"
cmp /tmp/all /tmp/want || fail "the erase reached outside its range"
# An erase that ends inside an erase block is refused before anything happens.
if initflash erase mtd0@32K+10K 2>/tmp/part.err; then fail "a partial-block erase was accepted"; fi
cat /tmp/part.err
grep -q "ends inside a 16.0 KiB erase block" /tmp/part.err || fail "partial erase refusal is not specific"
# 1023 blocks but only 1022 good: refused, nothing erased.
before=$(sha /dev/mtd0 2097152)
if initflash flash mtd0 /ifl/big.img 2>/tmp/big.err; then fail "an image too big for the good blocks was accepted"; fi
cat /tmp/big.err
grep -q "only 1022 good blocks remain" /tmp/big.err || fail "too-big refusal does not count the good blocks"
[ "$(sha /dev/mtd0 2097152)" = "$before" ] || fail "the refused flash changed mtd0"
# A read of the whole chip (no length) reads what the good blocks hold: 1022 of them.
initflash read mtd0 /tmp/whole || fail "a read of the whole nand"
[ "$(stat -c %s /tmp/whole)" = 16744448 ] || fail "the whole-chip read is not 1022 blocks long"
rm -f /tmp/whole
# 16 MiB needs 1024 good blocks: refused, saying how much fits.
if initflash read mtd0+16M /tmp/whole 2>/tmp/whole.err; then fail "a read past the good blocks was accepted"; fi
cat /tmp/whole.err
grep -q "nothing was read: at most 16744448 bytes fit from 0 B" /tmp/whole.err || fail "whole-chip read refusal"
echo "guest: nand done"
GUEST

"$VDUT" -q --log "$BUILD/vm-logs/t_mtd_nor.console" --script "$T/nor.sh" --add "$top/tests/vm/guest-lib.sh" \
	--add "$T/a.img" --mtdram 4096,64 --timeout 300 || fail "NOR guest script failed"
echo "ok: mtdram NOR flashed, reflash skipped every block, misaligned offset refused"

"$VDUT" -q --log "$BUILD/vm-logs/t_mtd_nand.console" --script "$T/nand.sh" --add "$top/tests/vm/guest-lib.sh" \
	--add "$T/b.img" --add "$T/big.img" --nandsim 'first_id_byte=0x20 second_id_byte=0x33 badblocks=3,5' \
	--timeout 300 || fail "NAND guest script failed"
echo "ok: nandsim NAND with 2 bad blocks flashed past them, reflash skipped, too-big image refused"
echo "ok: nand verify/read return the image, erase skipped the bad blocks and reads back zeros"
