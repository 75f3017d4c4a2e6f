/* fuzz_gpt_relocate.c - GPT re-targeting on arbitrary tables, disk sizes and expand slots. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "gpt.h"
#include "wire.h"

/*
 * Input: a flags byte, the disk size in blocks (le32, shifted left by 4 times
 * the flags' high nibble), the expand slot (le16), then the bytes from LBA 1
 * on. Flag 1 reseals both CRCs first, so mutated fields get past them; flag 2
 * takes 4096-byte blocks instead of 512.
 */
#define IN_HDR 7

static struct ifl_gpt before, after, again;

/* Make the entry and header CRCs of the table in p[0..n) right, where the fields allow. */
static void reseal(uint8_t *p, size_t n, uint32_t bs)
{
	uint32_t hsz, cnt, esz;
	uint64_t elba;

	if (n < IFL_GPT_HDR_MIN)
		return;
	hsz = ifl_get_le32(p + 12);
	elba = ifl_get_le64(p + 72);
	cnt = ifl_get_le32(p + 80);
	esz = ifl_get_le32(p + 84);
	if (elba >= 2 && elba < 1024 && cnt <= IFL_GPT_MAX_ENTRIES &&
	    esz <= IFL_GPT_MAX_ENTRY_SIZE && (elba - 1) * bs + (uint64_t)cnt * esz <= n)
		ifl_put_le32(p + 88, (uint32_t)crc32(0L, p + (elba - 1) * bs, cnt * esz));
	if (hsz >= IFL_GPT_HDR_MIN && hsz <= n && hsz <= bs) {
		ifl_put_le32(p + 16, 0);
		ifl_put_le32(p + 16, (uint32_t)crc32(0L, p, hsz));
	}
}

/* The backup header block b (lba_size bytes) mirrors the primary one p for a disk of n blocks. */
static void check_backup_header(const uint8_t *p, const uint8_t *b, const struct ifl_gpt_hdr *h,
				uint64_t n)
{
	uint8_t *copy = malloc(h->lba_size);
	uint64_t eb = (ifl_gpt_entries_len(h) + h->lba_size - 1) / h->lba_size;
	uint32_t crc = ifl_get_le32(b + 16);

	CHECK(copy);
	memcpy(copy, b, h->lba_size);
	ifl_put_le32(copy + 16, 0);
	CHECK((uint32_t)crc32(0L, copy, h->hdr_size) == crc);
	CHECK(ifl_get_le64(b + 24) == n - 1 && ifl_get_le64(b + 32) == 1);
	CHECK(ifl_get_le64(b + 72) == n - 1 - eb);
	/* turned back into a primary, it is the primary byte for byte */
	ifl_put_le64(copy + 24, 1);
	ifl_put_le64(copy + 32, n - 1);
	ifl_put_le64(copy + 72, h->entries_lba);
	ifl_put_le32(copy + 16, (uint32_t)crc32(0L, copy, h->hdr_size));
	CHECK(memcmp(copy, p, h->lba_size) == 0);
	free(copy);
}

/* The outputs of a successful retarget of in[0..len) to n blocks, with the slot grown. */
static void check_output(const uint8_t *in, size_t len, uint32_t bs, uint64_t n, uint32_t slot,
			 const uint8_t *op, size_t plen, const uint8_t *ob, size_t blen)
{
	const struct ifl_gpt_hdr *h = &after.hdr;
	struct ifl_gpt_hdr ih;
	size_t eoff, arr = blen - bs, grown = SIZE_MAX;
	char err[160];

	CHECK(ifl_gpt_parse_header(in, len, bs, 0, &ih, err, sizeof(err)) == 0);
	eoff = (size_t)(ih.entries_lba - 1) * bs;
	CHECK(ifl_gpt_parse_entries(&ih, in + eoff, len - eoff, &before, err, sizeof(err)) == 0);
	CHECK(ifl_gpt_parse(op, bs, op + eoff, plen - eoff, bs, n, &after, err, sizeof(err)) == 0);
	CHECK(h->alt_lba == n - 1 && h->last_usable == n - 1 - arr / bs - 1);
	CHECK(h->first_usable == ih.first_usable && h->entries_lba == ih.entries_lba);
	CHECK(h->num_entries == ih.num_entries && h->entry_size == ih.entry_size);
	CHECK(memcmp(h->disk_guid, ih.disk_guid, 16) == 0);
	CHECK(after.nparts == before.nparts);
	for (unsigned i = 0; i < after.nparts; i++) {
		const struct ifl_gpt_part *a = &before.part[i], *b = &after.part[i];

		CHECK(a->index == b->index && a->first_lba == b->first_lba && a->attrs == b->attrs);
		CHECK(!strcmp(a->name, b->name) && !memcmp(a->uniq_guid, b->uniq_guid, 16));
		CHECK(!memcmp(a->type_guid, b->type_guid, 16));
		CHECK(b->last_lba == (b->index == slot ? h->last_usable : a->last_lba));
		for (unsigned j = 0; b->index == slot && j < before.nparts; j++)
			CHECK(before.part[j].first_lba <= a->first_lba);
	}
	/* past the header block only the grown entry's last LBA may differ */
	if (slot)
		grown = eoff + (size_t)(slot - 1) * ih.entry_size + 40;
	for (size_t i = bs; i < plen; i++)
		CHECK(op[i] == in[i] || (i >= grown && i < grown + 8));
	for (size_t i = ih.hdr_size; i < bs; i++)
		CHECK(op[i] == 0);
	/* the backup: the same entries, then a header pointing at them */
	CHECK(memcmp(ob, op + eoff, arr) == 0);
	CHECK(ifl_gpt_parse_entries(h, ob, arr, &again, err, sizeof(err)) == 0);
	CHECK(again.nparts == after.nparts);
	check_backup_header(op, ob + arr, h, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t flags, *in, *op = NULL, *ob = NULL, *op2 = NULL, *ob2 = NULL;
	uint32_t bs, slot;
	uint64_t n;
	size_t len, plen, blen;
	char err[256];
	int rc, lrc;

	if (size < IN_HDR)
		return 0;
	flags = data[0];
	bs = flags & 2 ? 4096 : 512;
	n = (uint64_t)ifl_get_le32(data + 1) << (flags >> 4) * 4;
	slot = ifl_get_le16(data + 5);
	len = size - IN_HDR;
	in = malloc(len ? len : 1); /* exact size so ASan sees overreads */
	CHECK(in);
	memcpy(in, data + IN_HDR, len);
	if (flags & 1)
		reseal(in, len, bs);
	lrc = ifl_gpt_retarget_lens(in, len, bs, &plen, &blen);
	if (lrc) {
		CHECK(lrc == -EPROTO || lrc == -EINVAL || lrc == -EBADMSG || lrc == -EFBIG);
		CHECK(plen == 0 && blen == 0);
		plen = blen = 1;
	}
	op = malloc(plen);
	ob = malloc(blen);
	CHECK(op && ob);
	err[0] = '\0';
	rc = ifl_gpt_retarget(in, len, bs, n, slot, op, plen, ob, blen, err, sizeof(err));
	CHECK(rc == 0 || rc == -EPROTO || rc == -EINVAL || rc == -EBADMSG || rc == -E2BIG ||
	      rc == -ENOSPC || rc == -EFBIG);
	CHECK(rc == 0 || err[0]);
	if (lrc)
		CHECK(rc == lrc);
	if (rc == 0) {
		check_output(in, len, bs, n, slot, op, plen, ob, blen);
		/* a retargeted table is a fixed point: doing it again changes nothing */
		op2 = malloc(plen);
		ob2 = malloc(blen);
		CHECK(op2 && ob2);
		CHECK(ifl_gpt_retarget(op, plen, bs, n, slot, op2, plen, ob2, blen, err,
				       sizeof(err)) == 0);
		CHECK(memcmp(op, op2, plen) == 0 && memcmp(ob, ob2, blen) == 0);
	}
	free(ob2);
	free(op2);
	free(ob);
	free(op);
	free(in);
	return 0;
}
