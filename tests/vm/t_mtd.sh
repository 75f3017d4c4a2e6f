#!/bin/bash
# t_mtd.sh - MTD targets over USB: mtdram NOR (write, skip on reflash, misaligned refusal)
# and nandsim NAND with bad blocks (skipping, read-back, too big for the good blocks).
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
initflash flash mtd0 /ifl/a.img || fail "flash mtd0"
[ "$(sha /dev/mtd0 $len)" = "$(sha /ifl/a.img $len)" ] || fail "mtd0 does not hold the image"
# The rest of the last erase block (17 x 64 KiB) is erased: 0xff.
pad=$((17 * 65536 - len))
[ "$(dd if=/dev/mtd0 bs=1 skip=$len count=$pad 2>/dev/null | tr -d '\377' | wc -c)" = 0 ] ||
	fail "the pad after the image is not 0xff"
initflash --json flash mtd0 /ifl/a.img >/tmp/again.json || fail "second flash of mtd0"
grep '"event":"result"' /tmp/again.json
grep -q "\"written\":0,\"skipped\":$len," /tmp/again.json || fail "second flash did not skip every byte"
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
grep -q "2 bad blocks" /tmp/info || fail "the bad blocks are not in the model"
initflash flash mtd0 /ifl/b.img || fail "flash mtd0 (nand)"
# 64 blocks of 16 KiB from 0 with 3 and 5 bad: physical 0-2, 4, 6-65.
got=$( (dd if=/dev/mtd0 bs=16k count=3 && dd if=/dev/mtd0 bs=16k skip=4 count=1 &&
	dd if=/dev/mtd0 bs=16k skip=6 count=60) 2>/dev/null | sha256sum | cut -d' ' -f1)
[ "$got" = "$(sha /ifl/b.img 1048576)" ] || fail "the good blocks do not hold the image"
grep "bad erase block" "$IFLOG" || fail "no bad-block log line"
initflash --json flash mtd0 /ifl/b.img >/tmp/again.json || fail "second flash of mtd0 (nand)"
grep '"event":"result"' /tmp/again.json
grep -q '"written":0,"skipped":1048576,' /tmp/again.json || fail "second nand flash did not skip"
# 1023 blocks but only 1022 good: refused, nothing erased.
before=$(sha /dev/mtd0 2097152)
if initflash flash mtd0 /ifl/big.img 2>/tmp/big.err; then fail "an image too big for the good blocks was accepted"; fi
cat /tmp/big.err
grep -q "only 1022 good blocks remain" /tmp/big.err || fail "too-big refusal does not count the good blocks"
[ "$(sha /dev/mtd0 2097152)" = "$before" ] || fail "the refused flash changed mtd0"
echo "guest: nand done"
GUEST

"$VDUT" -q --log "$BUILD/vm-logs/t_mtd_nor.console" --script "$T/nor.sh" --add "$top/tests/vm/guest-lib.sh" \
	--add "$T/a.img" --mtdram 4096,64 --timeout 300 || fail "NOR guest script failed"
echo "ok: mtdram NOR flashed, reflash skipped every block, misaligned offset refused"

"$VDUT" -q --log "$BUILD/vm-logs/t_mtd_nand.console" --script "$T/nand.sh" --add "$top/tests/vm/guest-lib.sh" \
	--add "$T/b.img" --add "$T/big.img" --nandsim 'first_id_byte=0x20 second_id_byte=0x33 badblocks=3,5' \
	--timeout 300 || fail "NAND guest script failed"
echo "ok: nandsim NAND with 2 bad blocks flashed past them, reflash skipped, too-big image refused"
