/* gptscan.c - read the GPT of each disk target for the inventory's partition list. */
#include "inventory.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "gpt.h"
#include "log.h"

/*
 * Parse the GPT of fd assuming blocks of lba bytes into g. Returns 0, or a
 * negative errno when there is no valid GPT at that block size.
 */
static int read_gpt(int fd, uint64_t size, uint32_t lba, struct ifl_gpt *g, char *err,
		    size_t cap)
{
	uint8_t *hdr = malloc(lba), *ent = NULL;
	struct ifl_gpt_hdr h;
	size_t elen = 0;
	int rc;

	if (!hdr)
		return -ENOMEM;
	rc = size < 3ull * lba ? -ENODATA : ifl_pread_all(fd, hdr, lba, lba);
	if (rc == 0)
		rc = ifl_gpt_parse_header(hdr, lba, lba, size / lba, &h, err, cap);
	if (rc == 0) {
		elen = ifl_gpt_entries_len(&h);
		ent = malloc(elen);
		rc = ent ? ifl_pread_all(fd, ent, elen, ifl_gpt_entries_offset(&h)) : -ENOMEM;
	}
	if (rc == 0)
		rc = ifl_gpt_parse_entries(&h, ent, elen, g, err, cap);
	free(ent);
	free(hdr);
	return rc;
}

/* Append the partitions of g as those of target ti; 0, or -ENOSPC when m is full. */
static int add_parts(struct ifl_inventory *m, unsigned ti, const struct ifl_gpt *g)
{
	for (unsigned k = 0; k < g->nparts && k < IFL_MAX_TARGET_PARTS; k++) {
		struct ifl_part_info *p = &m->part[m->nparts];

		if (m->nparts >= IFL_MAX_PARTS)
			return -ENOSPC;
		memset(p, 0, sizeof(*p));
		/* A GPT name is at most 36 UTF-16 units: 108 bytes of UTF-8, so it fits. */
		snprintf(p->name, sizeof(p->name), "%s", g->part[k].name);
		p->target = (uint16_t)ti;
		p->start = g->part[k].start;
		p->size = g->part[k].size;
		m->nparts++;
	}
	return 0;
}

/*
 * The partitions of target ti (path a->path) into m. Files have no block
 * size of their own: 512 is tried, then 4096. Targets without a valid GPT
 * (and MTD flash) have none.
 */
static void scan_target(const struct ifl_agent_target *a, unsigned ti, struct ifl_gpt *g,
			struct ifl_inventory *m)
{
	static const uint32_t file_lbas[] = {512, 4096};
	const struct ifl_target_info *t = &a->info;
	char err[160] = "";
	int fd, rc = -ENODEV;

	if (t->kind != IFL_KIND_FILE && t->kind != IFL_KIND_BLOCK)
		return;
	fd = open(a->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (t->kind == IFL_KIND_BLOCK)
		rc = read_gpt(fd, t->size, t->block_size >= 512 ? t->block_size : 512, g, err,
			      sizeof(err));
	else
		for (unsigned i = 0; i < 2 && rc; i++)
			rc = read_gpt(fd, t->size, file_lbas[i], g, err, sizeof(err));
	close(fd);
	if (rc) {
		ifl_vlog("%s: no partitions reported (%s)", t->name, err[0] ? err : strerror(-rc));
		return;
	}
	if (add_parts(m, ti, g))
		ifl_log("%s: more than %d partitions in all; the rest are not reported", t->name,
			IFL_MAX_PARTS);
}

void ifl_inv_scan_parts(const struct ifl_targets *inv, struct ifl_inventory *m)
{
	/* About 22 KiB: on the heap, never on a (small musl) thread stack. */
	struct ifl_gpt *g = malloc(sizeof(*g));

	m->nparts = 0;
	if (!g)
		return;
	for (unsigned i = 0; i < inv->n; i++)
		scan_target(&inv->t[i], i, g, m);
	free(g);
}
