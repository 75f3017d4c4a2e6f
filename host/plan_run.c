/* plan_run.c - load a plan, check sums, resolve partitions and overlaps before flashing. */
#include "plan_run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int ifl_plan_run_resolve(struct ifl_plan_run *pr, const struct ifl_inventory *inv,
			 struct ifl_diag *d)
{
	struct ifl_plan_span *sp = calloc(pr->n ? pr->n : 1, sizeof(*sp));
	char err[512];
	size_t a, b;
	int rc = sp ? 0 : ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, NULL, "out of memory");

	for (size_t i = 0; rc == 0 && i < pr->n; i++) {
		struct ifl_flash_job *j = &pr->jobs[i];
		const struct ifl_target_info *ti;

		rc = ifl_target_resolve_image(inv, &j->spec, j->src->size, 1, &ti, d);
		if (rc)
			return free(sp), at_line(d, pr, i, rc);
		sp[i] = (struct ifl_plan_span){.target = j->spec.name, .start = j->spec.offset,
					       .len = j->src->size, .line = pr->e[i].line};
	}
	if (rc == 0 && ifl_plan_check_overlaps(sp, pr->n, pr->fname, &a, &b, err, sizeof(err)))
		rc = ifl_diag_set(d, -EEXIST, IFL_EXIT_USAGE, NULL, "%s; nothing was written", err);
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
