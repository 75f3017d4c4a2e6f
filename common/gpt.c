/* gpt.c - check a GUID partition table and list its partitions, from bytes only. */
#include "gpt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "cursor.h"
#include "wire.h"

#define GPT_REVISION 0x00010000u
#define ENTRY_NAME_OFF 56

static int fail(int rc, char *err, size_t errcap, const char *fmt, ...)
{
	va_list ap;

	if (err && errcap) {
		va_start(ap, fmt);
		vsnprintf(err, errcap, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* The header CRC covers hdr_size bytes with its own field taken as zero. */
static uint32_t header_crc(const uint8_t *p, uint32_t hdr_size)
{
	static const uint8_t zero[4];
	uLong c = crc32(0L, p, 16);

	c = crc32(c, zero, 4);
	return (uint32_t)crc32(c, p + 20, hdr_size - 20);
}

static int check_geometry(const struct ifl_gpt_hdr *h, char *err, size_t errcap)
{
	uint64_t end = h->disk_lbas ? h->disk_lbas : UINT64_MAX / h->lba_size;
	uint64_t arr_blocks;

	if (h->my_lba != 1)
		return fail(-EINVAL, err, errcap, "GPT header: MyLBA is %llu, expected 1",
			    (unsigned long long)h->my_lba);
	if (h->first_usable < 2 || h->first_usable > h->last_usable)
		return fail(-EINVAL, err, errcap, "GPT header: usable range %llu..%llu is empty",
			    (unsigned long long)h->first_usable, (unsigned long long)h->last_usable);
	if (h->last_usable >= end || h->last_usable >= UINT64_MAX / h->lba_size)
		return fail(-EINVAL, err, errcap,
			    "GPT header: last usable LBA %llu is past the disk end (%llu blocks)",
			    (unsigned long long)h->last_usable, (unsigned long long)end);
	if (h->alt_lba <= h->last_usable || h->alt_lba >= end)
		return fail(-EINVAL, err, errcap, "GPT header: backup header LBA %llu is out of range",
			    (unsigned long long)h->alt_lba);
	if (h->entry_size < 128 || h->entry_size % 128 || h->entry_size > IFL_GPT_MAX_ENTRY_SIZE)
		return fail(-EINVAL, err, errcap, "GPT header: entry size %u is not 128..%u in steps of 128",
			    h->entry_size, IFL_GPT_MAX_ENTRY_SIZE);
	if (h->num_entries == 0 || h->num_entries > IFL_GPT_MAX_ENTRIES)
		return fail(-EINVAL, err, errcap, "GPT header: %u entries, expected 1..%u",
			    h->num_entries, IFL_GPT_MAX_ENTRIES);
	arr_blocks = ((uint64_t)h->num_entries * h->entry_size + h->lba_size - 1) / h->lba_size;
	if (h->entries_lba < 2 || h->entries_lba > h->first_usable ||
	    arr_blocks > h->first_usable - h->entries_lba)
		return fail(-EINVAL, err, errcap,
			    "GPT header: entry array at LBA %llu runs into the usable range at %llu",
			    (unsigned long long)h->entries_lba, (unsigned long long)h->first_usable);
	return 0;
}

int ifl_gpt_parse_header(const uint8_t *lba1, size_t len, uint32_t lba_size, uint64_t disk_lbas,
			 struct ifl_gpt_hdr *h, char *err, size_t errcap)
{
	struct ifl_cur c = ifl_cur_reader(lba1, len);
	const uint8_t *sig, *guid;
	uint32_t crc;

	memset(h, 0, sizeof(*h));
	if (lba_size < 512 || lba_size > 65536 || (lba_size & (lba_size - 1)))
		return fail(-EINVAL, err, errcap, "GPT: block size %u is not a power of two 512..65536",
			    lba_size);
	if (disk_lbas > UINT64_MAX / lba_size)
		return fail(-EINVAL, err, errcap, "GPT: disk of %llu blocks is too large",
			    (unsigned long long)disk_lbas);
	if (len < IFL_GPT_HDR_MIN)
		return fail(-EPROTO, err, errcap, "GPT header: short read, %zu of %d bytes", len,
			    IFL_GPT_HDR_MIN);
	sig = ifl_cur_take(&c, 8);
	h->revision = ifl_cur_u32(&c);
	h->hdr_size = ifl_cur_u32(&c);
	crc = ifl_cur_u32(&c);
	(void)ifl_cur_u32(&c); /* reserved */
	h->my_lba = ifl_cur_u64(&c);
	h->alt_lba = ifl_cur_u64(&c);
	h->first_usable = ifl_cur_u64(&c);
	h->last_usable = ifl_cur_u64(&c);
	guid = ifl_cur_take(&c, 16);
	h->entries_lba = ifl_cur_u64(&c);
	h->num_entries = ifl_cur_u32(&c);
	h->entry_size = ifl_cur_u32(&c);
	h->entries_crc = ifl_cur_u32(&c);
	if (c.err || !sig || !guid)
		return fail(-EPROTO, err, errcap, "GPT header: short read");
	memcpy(h->disk_guid, guid, 16);
	h->lba_size = lba_size;
	h->disk_lbas = disk_lbas;
	if (memcmp(sig, "EFI PART", 8) != 0)
		return fail(-EINVAL, err, errcap, "GPT header: no \"EFI PART\" signature");
	if (h->revision != GPT_REVISION)
		return fail(-EINVAL, err, errcap, "GPT header: revision 0x%08x, expected 0x%08x",
			    h->revision, GPT_REVISION);
	if (h->hdr_size < IFL_GPT_HDR_MIN || h->hdr_size > lba_size)
		return fail(-EINVAL, err, errcap, "GPT header: header size %u is not %d..%u",
			    h->hdr_size, IFL_GPT_HDR_MIN, lba_size);
	if (h->hdr_size > len)
		return fail(-EPROTO, err, errcap, "GPT header: short read, %zu of %u bytes", len,
			    h->hdr_size);
	if (header_crc(lba1, h->hdr_size) != crc)
		return fail(-EBADMSG, err, errcap, "GPT header: CRC mismatch");
	return check_geometry(h, err, errcap);
}

uint64_t ifl_gpt_entries_offset(const struct ifl_gpt_hdr *h)
{
	return h->entries_lba * h->lba_size;
}

size_t ifl_gpt_entries_len(const struct ifl_gpt_hdr *h)
{
	return (size_t)h->num_entries * h->entry_size;
}

/* UTF-16LE (up to 36 units, NUL-terminated or not) to UTF-8; anything unpaired is '?'. */
static void utf16_name(const uint8_t *p, char *out)
{
	size_t o = 0;

	for (unsigned i = 0; i < IFL_GPT_NAME_UNITS; i++) {
		uint32_t u = ifl_get_le16(p + 2 * i);

		if (u == 0)
			break;
		if (u >= 0xd800 && u < 0xdc00 && i + 1 < IFL_GPT_NAME_UNITS) {
			uint32_t lo = ifl_get_le16(p + 2 * i + 2);

			if (lo >= 0xdc00 && lo < 0xe000) {
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				i++;
			}
		}
		if (u >= 0xd800 && u < 0xe000) {
			out[o++] = '?';
		} else if (u < 0x80) {
			out[o++] = (char)u;
		} else if (u < 0x800) {
			out[o++] = (char)(0xc0 | u >> 6);
			out[o++] = (char)(0x80 | (u & 0x3f));
		} else if (u < 0x10000) {
			out[o++] = (char)(0xe0 | u >> 12);
			out[o++] = (char)(0x80 | (u >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (u & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | u >> 18);
			out[o++] = (char)(0x80 | (u >> 12 & 0x3f));
			out[o++] = (char)(0x80 | (u >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (u & 0x3f));
		}
	}
	out[o] = '\0';
}

static int is_unused(const uint8_t *e)
{
	static const uint8_t zero[16];

	return memcmp(e, zero, 16) == 0;
}

static int add_part(const struct ifl_gpt_hdr *h, const uint8_t *e, uint32_t slot,
		    struct ifl_gpt *out, char *err, size_t errcap)
{
	struct ifl_gpt_part *p;

	if (out->nparts == IFL_GPT_MAX_PARTS)
		return fail(-E2BIG, err, errcap, "GPT: more than %d partitions (entry %u)",
			    IFL_GPT_MAX_PARTS, slot);
	p = &out->part[out->nparts];
	memset(p, 0, sizeof(*p));
	memcpy(p->type_guid, e, 16);
	memcpy(p->uniq_guid, e + 16, 16);
	p->first_lba = ifl_get_le64(e + 32);
	p->last_lba = ifl_get_le64(e + 40);
	p->attrs = ifl_get_le64(e + 48);
	p->index = slot;
	utf16_name(e + ENTRY_NAME_OFF, p->name);
	if (p->first_lba > p->last_lba || p->first_lba < h->first_usable ||
	    p->last_lba > h->last_usable)
		return fail(-EINVAL, err, errcap,
			    "GPT entry %u (%s): LBAs %llu..%llu are not inside the usable %llu..%llu",
			    slot, p->name, (unsigned long long)p->first_lba,
			    (unsigned long long)p->last_lba, (unsigned long long)h->first_usable,
			    (unsigned long long)h->last_usable);
	/* check_geometry bounded last_usable so these products cannot overflow */
	p->start = p->first_lba * h->lba_size;
	p->size = (p->last_lba - p->first_lba + 1) * h->lba_size;
	for (unsigned i = 0; i < out->nparts; i++) {
		const struct ifl_gpt_part *q = &out->part[i];

		if (p->first_lba <= q->last_lba && q->first_lba <= p->last_lba)
			return fail(-EINVAL, err, errcap, "GPT entries %u (%s) and %u (%s) overlap",
				    q->index, q->name, slot, p->name);
	}
	out->nparts++;
	return 0;
}

int ifl_gpt_parse_entries(const struct ifl_gpt_hdr *h, const uint8_t *entries, size_t len,
			  struct ifl_gpt *out, char *err, size_t errcap)
{
	size_t need = ifl_gpt_entries_len(h);
	int rc;

	out->hdr = *h;
	out->nparts = 0;
	if (len < need)
		return fail(-EPROTO, err, errcap, "GPT entries: short read, %zu of %zu bytes", len,
			    need);
	if ((uint32_t)crc32(0L, entries, (uInt)need) != h->entries_crc)
		return fail(-EBADMSG, err, errcap, "GPT entries: CRC mismatch");
	for (uint32_t i = 0; i < h->num_entries; i++) {
		const uint8_t *e = entries + (size_t)i * h->entry_size;

		if (is_unused(e))
			continue;
		rc = add_part(h, e, i + 1, out, err, errcap);
		if (rc) {
			out->nparts = 0;
			return rc;
		}
	}
	return 0;
}

int ifl_gpt_parse(const uint8_t *lba1, size_t hdr_len, const uint8_t *entries, size_t entries_len,
		  uint32_t lba_size, uint64_t disk_lbas, struct ifl_gpt *out, char *err,
		  size_t errcap)
{
	struct ifl_gpt_hdr h;
	int rc;

	out->nparts = 0;
	rc = ifl_gpt_parse_header(lba1, hdr_len, lba_size, disk_lbas, &h, err, errcap);
	if (rc)
		return rc;
	return ifl_gpt_parse_entries(&h, entries, entries_len, out, err, errcap);
}

int ifl_gpt_find(const struct ifl_gpt *g, const char *name)
{
	for (unsigned i = 0; i < g->nparts; i++)
		if (strcmp(g->part[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

int ifl_gpt_touches(const struct ifl_gpt_hdr *h, uint64_t off, uint64_t len)
{
	uint64_t end, prim_end, back_start;
	int mask = 0;

	if (len == 0)
		return 0;
	end = off + len < off ? UINT64_MAX : off + len; /* exclusive */
	prim_end = h->first_usable * h->lba_size;
	back_start = (h->last_usable + 1) * h->lba_size;
	if (off < prim_end)
		mask |= IFL_GPT_TOUCH_PRIMARY;
	if (end > back_start &&
	    (h->disk_lbas == 0 || off < h->disk_lbas * h->lba_size))
		mask |= IFL_GPT_TOUCH_BACKUP;
	return mask;
}

/* Blocks the entry array takes (check_geometry bounded it to 4 MiB). */
static uint64_t entry_blocks(const struct ifl_gpt_hdr *h)
{
	return (ifl_gpt_entries_len(h) + h->lba_size - 1) / h->lba_size;
}

/* The two lengths for a parsed header h. */
static int retarget_lens(const struct ifl_gpt_hdr *h, size_t *primary_len, size_t *backup_len)
{
	/* entries_lba <= first_usable < UINT64_MAX / lba_size, so this cannot wrap */
	uint64_t plen = (h->entries_lba - 1 + entry_blocks(h)) * h->lba_size;

	*primary_len = *backup_len = 0;
	if (plen > SIZE_MAX)
		return -EFBIG;
	*primary_len = (size_t)plen;
	*backup_len = (size_t)((entry_blocks(h) + 1) * h->lba_size);
	return 0;
}

int ifl_gpt_retarget_lens(const uint8_t *primary, size_t len, uint32_t lba_size,
			  size_t *primary_len, size_t *backup_len)
{
	struct ifl_gpt_hdr h;
	int rc;

	*primary_len = *backup_len = 0;
	rc = ifl_gpt_parse_header(primary, len, lba_size, 0, &h, NULL, 0);
	if (!rc)
		rc = retarget_lens(&h, primary_len, backup_len);
	/* so a caller never sizes buffers from a header that promises more than it has */
	if (!rc && len < *primary_len)
		rc = -EPROTO;
	if (rc)
		*primary_len = *backup_len = 0;
	return rc;
}

/*
 * The last usable LBA of the GPT in g moved to a disk of disk_lbas blocks,
 * once every partition fits there and expand_slot (if any) is the last one.
 */
static int new_last_usable(const struct ifl_gpt *g, uint64_t disk_lbas, uint32_t expand_slot,
			   uint64_t *last, char *err, size_t errcap)
{
	const struct ifl_gpt_hdr *h = &g->hdr;
	const struct ifl_gpt_part *x = NULL;
	uint64_t tail = entry_blocks(h) + 1; /* backup entries and header */

	if (disk_lbas > UINT64_MAX / h->lba_size)
		return fail(-EINVAL, err, errcap, "GPT: disk of %llu blocks is too large",
			    (unsigned long long)disk_lbas);
	/* first_usable < UINT64_MAX / lba_size and tail <= 8193: no wrap */
	if (disk_lbas < h->first_usable + tail + 1)
		return fail(-ENOSPC, err, errcap,
			    "GPT: a disk of %llu blocks cannot hold the table: its usable LBAs start "
			    "at %llu and the backup takes the last %llu blocks",
			    (unsigned long long)disk_lbas, (unsigned long long)h->first_usable,
			    (unsigned long long)tail);
	*last = disk_lbas - tail - 1;
	for (unsigned i = 0; i < g->nparts; i++)
		if (g->part[i].index == expand_slot)
			x = &g->part[i];
	if (expand_slot && !x)
		return fail(-EINVAL, err, errcap,
			    "GPT: partition %u to expand is not a used entry (%u of %u slots used)",
			    expand_slot, g->nparts, h->num_entries);
	for (unsigned i = 0; i < g->nparts; i++) {
		const struct ifl_gpt_part *p = &g->part[i];

		if (x && p->first_lba > x->first_lba)
			return fail(-EINVAL, err, errcap,
				    "GPT: partition %u (%s) to expand is not the last one: %u (%s) "
				    "starts after it, at LBA %llu",
				    x->index, x->name, p->index, p->name,
				    (unsigned long long)p->first_lba);
		if (p->last_lba > *last)
			return fail(-ENOSPC, err, errcap,
				    "GPT: partition %u (%s) ends at LBA %llu, past the last usable "
				    "LBA %llu of a disk of %llu blocks: the disk is too small",
				    p->index, p->name, (unsigned long long)p->last_lba,
				    (unsigned long long)*last, (unsigned long long)disk_lbas);
	}
	return 0;
}

/*
 * A header block (lba_size bytes) at out: the first hdr_size bytes of src
 * with the fields that say where this copy lies taken from h, CRC resealed.
 */
static void put_header(uint8_t *out, const uint8_t *src, const struct ifl_gpt_hdr *h)
{
	memset(out, 0, h->lba_size);
	memcpy(out, src, h->hdr_size);
	ifl_put_le64(out + 24, h->my_lba);
	ifl_put_le64(out + 32, h->alt_lba);
	ifl_put_le64(out + 48, h->last_usable);
	ifl_put_le64(out + 72, h->entries_lba);
	ifl_put_le32(out + 88, h->entries_crc);
	ifl_put_le32(out + 16, header_crc(out, h->hdr_size));
}

/* Both copies of the table in g, moved to end at last usable LBA last. */
static void write_copies(const struct ifl_gpt *g, const uint8_t *primary, uint64_t last,
			 uint32_t expand_slot, uint8_t *out_primary, size_t plen,
			 uint8_t *out_backup, size_t blen)
{
	struct ifl_gpt_hdr h = g->hdr;
	size_t eoff = (size_t)(h.entries_lba - 1) * h.lba_size, arr = blen - h.lba_size;
	uint8_t *ent = out_primary + eoff;

	memcpy(out_primary, primary, plen);
	if (expand_slot)
		ifl_put_le64(ent + (size_t)(expand_slot - 1) * h.entry_size + 40, last);
	h.entries_crc = (uint32_t)crc32(0L, ent, (uInt)ifl_gpt_entries_len(&h));
	h.last_usable = last;
	h.alt_lba = last + 1 + entry_blocks(&h);
	put_header(out_primary, primary, &h);
	/* the backup: the same entries, then a header that points at them and back at LBA 1 */
	memcpy(out_backup, ent, arr);
	h.my_lba = h.alt_lba;
	h.alt_lba = 1;
	h.entries_lba = last + 1;
	put_header(out_backup + arr, primary, &h);
}

int ifl_gpt_retarget(const uint8_t *primary, size_t len, uint32_t lba_size, uint64_t disk_lbas,
		     uint32_t expand_slot, uint8_t *out_primary, size_t out_primary_len,
		     uint8_t *out_backup, size_t out_backup_len, char *err, size_t errcap)
{
	struct ifl_gpt_hdr h;
	struct ifl_gpt g;
	size_t plen, blen, eoff;
	uint64_t last = 0;
	int rc;

	/* the disk it was made for is unknown here: the new one is checked below */
	rc = ifl_gpt_parse_header(primary, len, lba_size, 0, &h, err, errcap);
	if (rc)
		return rc;
	if (retarget_lens(&h, &plen, &blen))
		return fail(-EFBIG, err, errcap, "GPT: entry array at LBA %llu is out of reach",
			    (unsigned long long)h.entries_lba);
	if (len < plen)
		return fail(-EPROTO, err, errcap,
			    "GPT: short read, %zu of %zu bytes from LBA 1 to the end of the entries",
			    len, plen);
	if (out_primary_len < plen || out_backup_len < blen)
		return fail(-ENOBUFS, err, errcap,
			    "GPT: output buffers of %zu and %zu bytes, %zu and %zu needed",
			    out_primary_len, out_backup_len, plen, blen);
	eoff = (size_t)(h.entries_lba - 1) * lba_size;
	rc = ifl_gpt_parse_entries(&h, primary + eoff, plen - eoff, &g, err, errcap);
	if (!rc)
		rc = new_last_usable(&g, disk_lbas, expand_slot, &last, err, errcap);
	if (rc)
		return rc;
	write_copies(&g, primary, last, expand_slot, out_primary, plen, out_backup, blen);
	/* what we wrote must hold on the new disk */
	return ifl_gpt_parse(out_primary, lba_size, out_primary + eoff, plen - eoff, lba_size,
			     disk_lbas, &g, err, errcap);
}
