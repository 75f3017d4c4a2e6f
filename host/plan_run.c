/* plan_run.c - load a plan, check sums, resolve partitions and overlaps before flashing. */
#include "plan_run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpt.h"
#include "hash.h"
#include "target.h"

/* Read the whole plan into a malloc'd buffer; 0, or -errno / -EFBIG. */
static int slurp(const char *path, char **text, size_t *len)
{
	size_t cap = IFL_PLAN_MAX_BYTES + 1, got = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0 || !buf) {
		rc = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : 0;
			break;
		}
		got += (size_t)n;
	}
	if (rc == 0 && got == cap)
		rc = -EFBIG;
out:
	if (fd >= 0)
		close(fd);
	if (rc)
		free(buf);
	else {
		*text = buf;
		*len = got;
	}
	return rc;
}

/* The job for plan line e: device, partition, label, relative offset, image. */
static int entry_job(const struct ifl_plan_run *pr, const struct ifl_plan_entry *e,
		     struct ifl_flash_job *j, struct ifl_diag *d)
{
	if (strlen(e->partname) > IFL_PART_NAME_MAX)
		return ifl_diag_set(d, -ENAMETOOLONG, IFL_EXIT_USAGE, NULL,
				    "%s: line %u: a partition name is at most %d bytes", pr->fname,
				    e->line, IFL_PART_NAME_MAX);
	memset(j, 0, sizeof(*j));
	snprintf(j->spec.name, sizeof(j->spec.name), "%s", e->target);
	snprintf(j->spec.part, sizeof(j->spec.part), "%s", e->partname);
	snprintf(j->spec.label, sizeof(j->spec.label), "%s%s%s", e->target, e->partname[0] ? "/" : "",
		 e->partname);
	j->spec.offset = e->offset;
	j->image = e->image;
	return 0;
}

int ifl_plan_run_load(const char *path, struct ifl_plan_run *pr, struct ifl_diag *d)
{
	char *text = NULL, err[512];
	size_t len = 0;
	int rc = slurp(path, &text, &len);

	memset(pr, 0, sizeof(*pr));
	pr->fname = path;
	if (rc)
		return ifl_diag_set(d, rc, IFL_EXIT_LOCAL, path, rc == -EFBIG ?
				    "the plan is over 1 MiB; split it" : "cannot read the plan: %s",
				    strerror(-rc));
	pr->e = calloc(IFL_PLAN_MAX_WRITES, sizeof(*pr->e));
	if (!pr->e)
		rc = ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, NULL, "out of memory");
	else if ((rc = ifl_plan_parse(text, len, path, pr->e, IFL_PLAN_MAX_WRITES, &pr->n, err,
				      sizeof(err))) != 0)
		ifl_diag_set(d, rc, IFL_EXIT_USAGE, NULL, "%s", err);
	free(text);
	if (rc == 0 && !(pr->jobs = calloc(pr->n, sizeof(*pr->jobs))))
		rc = ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, NULL, "out of memory");
	for (size_t i = 0; rc == 0 && i < pr->n; i++)
		rc = entry_job(pr, &pr->e[i], &pr->jobs[i], d);
	return rc;
}

/* SHA-256 of the file at path, as sha256sum computes it. */
static int hash_file(const char *path, uint8_t out[32])
{
	static uint8_t buf[1 << 16];
	struct ifl_sha256 h;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	ifl_sha256_init(&h);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		ifl_sha256_update(&h, buf, (size_t)n);
	}
	close(fd);
	ifl_sha256_final(&h, out);
	return 0;
}

int ifl_plan_run_check_sums(const struct ifl_plan_run *pr, struct ifl_diag *d)
{
	for (size_t i = 0; i < pr->n; i++) {
		const struct ifl_plan_entry *e = &pr->e[i];
		char want[65], got[65];
		uint8_t sum[32];
		int rc;

		if (!e->has_sha)
			continue;
		rc = hash_file(e->image, sum);
		if (rc)
			return ifl_diag_set(d, rc, IFL_EXIT_LOCAL, e->image, "cannot read the image "
					    "(%s, line %u): %s", pr->fname, e->line, strerror(-rc));
		if (memcmp(sum, e->sha256, 32) == 0)
			continue;
		ifl_hex(e->sha256, 32, want);
		ifl_hex(sum, 32, got);
		return ifl_diag_set(d, -EBADMSG, IFL_EXIT_LOCAL, e->image,
				    "%s: line %u: the image's SHA-256 is %s but the plan expects %s; "
				    "nothing was written", pr->fname, e->line, got, want);
	}
	return 0;
}

/* Append " (PLAN, line N)" for entry i to the refusal just recorded. */
static int at_line(struct ifl_diag *d, const struct ifl_plan_run *pr, size_t i, int rc)
{
	size_t used = strlen(d->msg);

	snprintf(d->msg + used, sizeof(d->msg) - used, " (%s, line %u)",
		 pr->fnames ? pr->fnames[i] : pr->fname, pr->e[i].line);
	return rc;
}

/* Skip skip bytes of s, then read exactly len into buf. Returns 0 or fill's errors. */
static int fill_at(struct ifl_source *s, uint64_t skip, uint8_t *buf, size_t len)
{
	uint8_t tmp[4096];
	int rc = s->ops->rewind(s);

	while (rc == 0 && skip > 0) {
		size_t n = skip < sizeof(tmp) ? (size_t)skip : sizeof(tmp);

		rc = ifl_source_fill(s, tmp, n);
		skip -= n;
	}
	if (rc == 0)
		rc = ifl_source_fill(s, buf, len);
	return rc;
}

/*
 * The GPT that the image of job j (written at byte 0 of ti) puts on the disk.
 * Returns 1 with *g filled, 0 when LBA 1 of the image does not start with the
 * GPT signature (or the image is sparse/bmap: not read), -EINVAL with why set
 * when it does but the image holds no usable GPT for ti (too short, a bad
 * field or CRC), or a read error recorded in d. The source is rewound.
 */
static int image_gpt(const struct ifl_flash_job *j, const struct ifl_target_info *ti,
		     struct ifl_gpt *g, char *why, size_t whycap, struct ifl_diag *d)
{
	struct ifl_source *s = j->src;
	uint32_t bs = ti->block_size >= 512 ? ti->block_size : 512;
	struct ifl_gpt_hdr h;
	uint8_t *buf = NULL;
	size_t elen;
	uint64_t eoff;
	int rc;

	if (!ifl_source_whole(s) || s->size < (uint64_t)bs + 8)
		return 0;
	if (!(buf = malloc(bs)))
		return ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, NULL, "out of memory");
	rc = fill_at(s, bs, buf, s->size < 2ull * bs ? (size_t)(s->size - bs) : bs);
	if (rc)
		goto fail;
	if (memcmp(buf, "EFI PART", 8) != 0) {
		rc = 0;
		goto out;
	}
	if (s->size < 2ull * bs) {
		snprintf(why, whycap, "the image ends inside the GPT header");
		rc = -EINVAL;
		goto out;
	}
	rc = ifl_gpt_parse_header(buf, bs, bs, ti->size / bs, &h, why, whycap);
	if (rc) {
		rc = -EINVAL;
		goto out;
	}
	eoff = ifl_gpt_entries_offset(&h);
	elen = ifl_gpt_entries_len(&h);
	if (eoff > s->size || elen > s->size - eoff) {
		snprintf(why, whycap, "the image ends before the end of the GPT entry array");
		rc = -EINVAL;
		goto out;
	}
	free(buf);
	if (!(buf = malloc(elen ? elen : 1)))
		return ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, NULL, "out of memory");
	rc = fill_at(s, eoff, buf, elen);
	if (rc)
		goto fail;
	rc = ifl_gpt_parse_entries(&h, buf, elen, g, why, whycap) ? -EINVAL : 1;
out:
	free(buf);
	if (s->ops->rewind(s))
		return ifl_source_fail(s, d, -EIO);
	return rc;
fail:
	free(buf);
	return ifl_source_fail(s, d, rc);
}

/*
 * Replace the partitions of target ti in inv by those of g. Returns 0, or
 * -E2BIG when the inventory has no room for them.
 */
static int swap_parts(struct ifl_inventory *inv, const struct ifl_target_info *ti,
		      const struct ifl_gpt *g)
{
	uint16_t idx = (uint16_t)(ti - inv->t), n = 0;

	for (unsigned k = 0; k < inv->nparts; k++)
		if (inv->part[k].target != idx)
			inv->part[n++] = inv->part[k];
	if (n + g->nparts > IFL_MAX_PARTS)
		return -E2BIG;
	for (unsigned k = 0; k < g->nparts; k++) {
		struct ifl_part_info *p = &inv->part[n++];

		memset(p, 0, sizeof(*p));
		snprintf(p->name, sizeof(p->name), "%s", g->part[k].name);
		p->target = idx;
		p->start = g->part[k].start;
		p->size = g->part[k].size;
	}
	inv->nparts = n;
	return 0;
}

int ifl_plan_run_resolve(struct ifl_plan_run *pr, const struct ifl_inventory *inv,
			 struct ifl_diag *d)
{
	struct ifl_plan_span *sp = calloc(pr->n ? pr->n : 1, sizeof(*sp));
	struct ifl_inventory *cur = malloc(sizeof(*cur)); /* the tables as the plan leaves them */
	struct ifl_gpt *g = malloc(sizeof(*g));
	struct unusable { unsigned line; char why[256]; } *bad = calloc(IFL_MAX_TARGETS, sizeof(*bad));
	char err[512];
	size_t a, b, i;
	int rc = sp && cur && g && bad ? 0 : ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, NULL,
							  "out of memory");

	if (rc == 0)
		*cur = *inv;
	for (i = 0; rc == 0 && i < pr->n; i++) {
		struct ifl_flash_job *j = &pr->jobs[i];
		const struct ifl_target_info *ti;
		int part = j->spec.part[0] && !j->spec.resolved;
		struct unusable *u;

		ti = part ? ifl_target_find(cur, j->spec.name) : NULL;
		if (ti && bad[ti - cur->t].line) {
			u = &bad[ti - cur->t];
			rc = ifl_diag_set(d, -EINVAL, IFL_EXIT_USAGE, j->spec.label,
					  "line %u writes a GPT to %s that is not usable (%s), so no "
					  "partition of it can be named after that line", u->line,
					  ti->name, u->why);
			break;
		}
		rc = ifl_target_resolve_image(cur, &j->spec, j->src->size, 1, &ti, d);
		if (rc)
			break;
		sp[i] = (struct ifl_plan_span){.target = j->spec.name, .start = j->spec.offset,
					       .len = j->src->size, .line = pr->e[i].line};
		if (part || j->spec.offset != 0)
			continue;
		/* An image at byte 0 holding a GPT: later lines name its partitions. */
		u = &bad[ti - cur->t];
		rc = image_gpt(j, ti, g, u->why, sizeof(u->why), d);
		if (rc == -EINVAL) {
			u->line = pr->e[i].line;
			g->nparts = 0;
			rc = 1;
		} else if (rc == 1)
			u->line = 0;
		if (rc == 1 && swap_parts(cur, ti, g))
			rc = ifl_diag_set(d, -E2BIG, IFL_EXIT_USAGE, j->image, "the GPT has more "
					  "partitions than the inventory of one session holds");
		else if (rc == 1)
			rc = 0;
	}
	if (rc && i < pr->n)
		rc = at_line(d, pr, i, rc);
	if (rc == 0 && ifl_plan_check_overlaps(sp, pr->n, pr->fname, &a, &b, err, sizeof(err)))
		rc = ifl_diag_set(d, -EEXIST, IFL_EXIT_USAGE, NULL, "%s; nothing was written", err);
	free(bad);
	free(g);
	free(cur);
	free(sp);
	return rc;
}

void ifl_plan_run_free(struct ifl_plan_run *pr)
{
	for (size_t i = 0; pr->jobs && i < pr->n; i++)
		ifl_source_close(pr->jobs[i].src);
	free(pr->jobs);
	free(pr->fnames);
	free(pr->e);
	memset(pr, 0, sizeof(*pr));
}
