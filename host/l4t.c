/* l4t.c - read an L4T flash package (flash.idx), check its sha1s, order and resolve its writes. */
#include "l4t.h"

#include <errno.h>
#include <fcntl.h>
#include <mbedtls/sha1.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "source.h"
#include "target.h"
#include "units.h"

#define IDX_MAX_BYTES (1u << 20)

/* Read the whole of path (at most IDX_MAX_BYTES) into a malloc'd buffer. */
static int read_text(const char *path, char **text, size_t *len)
{
	size_t cap = IDX_MAX_BYTES + 1, got = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	ssize_t n;

	if (fd < 0 || !buf) {
		rc = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	while (got < cap && (n = read(fd, buf + got, cap - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
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
	else
		*text = buf, *len = got;
	return rc;
}

/* SHA-1 of the file at path. Returns 0 or -errno. */
static int sha1_file(const char *path, uint8_t out[20])
{
	static uint8_t buf[1 << 16];
	mbedtls_sha1_context h;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	mbedtls_sha1_init(&h);
	mbedtls_sha1_starts_ret(&h);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		mbedtls_sha1_update_ret(&h, buf, (size_t)n);
	}
	close(fd);
	if (rc == 0)
		mbedtls_sha1_finish_ret(&h, out);
	mbedtls_sha1_free(&h);
	return rc;
}

/* Which flash.idx files dir holds: dir/flash.idx, else internal/ and external/. */
static int find_idx(const char *dir, struct ifl_l4t *t, struct ifl_diag *d)
{
	static const char *const where[] = {"", "internal/", "external/"};

	for (size_t i = 0; i < 3 && t->nidx < 2; i++) {
		char *p = t->idx[t->nidx];

		if (i > 0 && t->nidx > 0 && where[t->nidx - 1][0] == '\0')
			break; /* dir itself held the flash.idx */
		if (snprintf(p, IFL_PLAN_PATH_MAX, "%s/%sflash.idx", dir, where[i]) >= IFL_PLAN_PATH_MAX)
			return ifl_diag_set(d, -ENAMETOOLONG, IFL_EXIT_USAGE, dir, "the path is too long");
		if (access(p, F_OK) == 0)
			t->nidx++;
	}
	if (t->nidx == 0)
		return ifl_diag_set(d, -ENOENT, IFL_EXIT_USAGE, dir, "no flash.idx here nor in "
				    "internal/ or external/; give tools/kernel_flash/images as made "
				    "by l4t_initrd_flash.sh --no-flash");
	return 0;
}

/* Map line l to its device and file path; refuse what cannot be flashed. */
static int map_line(struct ifl_l4t_line *l, const char *external, struct ifl_diag *d)
{
	const struct ifl_flashidx_entry *e = &l->e;
	size_t dirlen = strrchr(l->idx, '/') ? (size_t)(strrchr(l->idx, '/') - l->idx) + 1 : 0;

	if (e->devtype == IFL_IDX_EXTERNAL && !external)
		return ifl_diag_set(d, -EINVAL, IFL_EXIT_USAGE, l->idx, "line %u (%u:%u:%s) is for the "
				    "external device; give --external-device (nvme0n1, sda, ...)",
				    e->line, e->devtype, e->instance, e->partname);
	if (!ifl_flashidx_devname(e->devtype, e->instance, external, l->dev, sizeof(l->dev))) {
		if (!e->file[0])
			return 0; /* nothing to write: an unknown device type does not matter */
		return ifl_diag_set(d, -ENOTSUP, IFL_EXIT_USAGE, l->idx, "line %u (%u:%u:%s): device "
				    "type %u is not supported (or --external-device is too long)",
				    e->line, e->devtype, e->instance, e->partname, e->devtype);
	}
	if (e->file[0] && snprintf(l->path, sizeof(l->path), "%.*s%s", (int)dirlen, l->idx,
				   e->file) >= (int)sizeof(l->path))
		return ifl_diag_set(d, -ENAMETOOLONG, IFL_EXIT_USAGE, l->idx, "line %u: the path of "
				    "%s is too long", e->line, e->file);
	return 0;
}

/* The file of l has the sha1 flash.idx gives it. */
static int check_sha1(const struct ifl_l4t_line *l, struct ifl_diag *d)
{
	uint8_t sum[20];
	char want[41], got[41];
	int rc = sha1_file(l->path, sum);

	if (rc)
		return ifl_diag_set(d, rc, IFL_EXIT_LOCAL, l->path, "cannot read the image of %s "
				    "(%s, line %u): %s; nothing was written", l->e.partname, l->idx,
				    l->e.line, strerror(-rc));
	if (memcmp(sum, l->e.sha1, 20) == 0)
		return 0;
	ifl_hex(l->e.sha1, 20, want);
	ifl_hex(sum, 20, got);
	return ifl_diag_set(d, -EBADMSG, IFL_EXIT_LOCAL, l->path, "%s: the sha1 of %s is %s but "
			    "%s line %u expects %s; the package is damaged, nothing was written",
			    l->e.partname, l->e.file, got, l->idx, l->e.line, want);
}

/* Parse flash.idx number k of t and append its lines. */
static int load_idx(struct ifl_l4t *t, size_t k, const char *external, struct ifl_diag *d)
{
	struct ifl_flashidx_entry *e = calloc(IFL_L4T_MAX_LINES, sizeof(*e));
	char *text = NULL, err[512];
	size_t len = 0, n = 0;
	int rc = e ? read_text(t->idx[k], &text, &len) : -ENOMEM;

	if (rc)
		ifl_diag_set(d, rc, IFL_EXIT_LOCAL, t->idx[k], "cannot read flash.idx: %s",
			     strerror(-rc));
	else if ((rc = ifl_flashidx_parse(text, len, t->idx[k], e, IFL_L4T_MAX_LINES - t->n, &n,
					  err, sizeof(err))) != 0)
		ifl_diag_set(d, rc, IFL_EXIT_USAGE, NULL, "%s", err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct ifl_l4t_line *l = &t->l[t->n++];

		l->e = e[i];
		l->idx = t->idx[k];
		rc = map_line(l, external, d);
	}
	free(text);
	free(e);
	return rc;
}

int ifl_l4t_load(const char *dir, const char *external_dev, struct ifl_l4t *t, FILE *log,
		 struct ifl_diag *d)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rc = find_idx(dir, t, d);
	if (rc == 0 && !(t->l = calloc(IFL_L4T_MAX_LINES, sizeof(*t->l))))
		rc = ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, NULL, "out of memory");
	for (size_t k = 0; rc == 0 && k < t->nidx; k++)
		rc = load_idx(t, k, external_dev, d);
	/* Every sha1 before anything else happens: a damaged package writes nothing. */
	for (size_t i = 0; rc == 0 && i < t->n; i++) {
		const struct ifl_l4t_line *l = &t->l[i];

		if (l->e.file[0])
			rc = check_sha1(l, d);
		else if (log)
			fprintf(log, "%s line %u: %s (%u:%u) has no file; skipped\n", l->idx,
				l->e.line, l->e.partname, l->e.devtype, l->e.instance);
	}
	return rc;
}

static int is_gpt_dev(unsigned devtype)
{
	return devtype == IFL_IDX_USER || devtype == IFL_IDX_SD || devtype == IFL_IDX_UFS ||
	       devtype == IFL_IDX_EXTERNAL || devtype == IFL_IDX_NVME;
}

/* Append to order the lines on dev with a file whose role is role (-1: any but the GPT's). */
static size_t pick(const struct ifl_l4t *t, const char *dev, int gpt, int role, size_t *order,
		   size_t k)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct ifl_l4t_line *l = &t->l[i];
		int r = (int)ifl_flashidx_role(&l->e);

		if (!l->e.file[0] || strcmp(l->dev, dev) != 0)
			continue;
		if (!gpt || r == role || (role < 0 && r == IFL_IDX_ROLE_DATA))
			order[k++] = i;
	}
	return k;
}

size_t ifl_l4t_order(const struct ifl_l4t *t, size_t *order)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct ifl_l4t_line *l = &t->l[i];
		int first = l->e.file[0] && l->dev[0], gpt = is_gpt_dev(l->e.devtype);

		for (size_t j = 0; first && j < i; j++)
			first = !(t->l[j].e.file[0] && strcmp(t->l[j].dev, l->dev) == 0);
		if (!first)
			continue;
		if (gpt) {
			k = pick(t, l->dev, 1, IFL_IDX_ROLE_PRIMARY_GPT, order, k);
			k = pick(t, l->dev, 1, IFL_IDX_ROLE_SECONDARY_GPT, order, k);
		}
		k = pick(t, l->dev, gpt, -1, order, k);
	}
	return k;
}

/* A window [off, off + size) of a raw file: one half of a write split across boot0/boot1. */
struct window {
	uint64_t off, pos;
};

static int window_open(struct ifl_source *s)
{
	return ifl_source_set_whole(s);
}

static long window_read(struct ifl_source *s, uint8_t *buf, size_t len)
{
	struct window *w = s->priv;
	ssize_t n;

	if (len > s->size - w->pos)
		len = (size_t)(s->size - w->pos);
	if (len == 0)
		return 0;
	while ((n = pread(s->fd, buf, len, (off_t)(w->off + w->pos))) < 0 && errno == EINTR)
		;
	if (n < 0) {
		snprintf(s->why, sizeof(s->why), "cannot read the image: %s", strerror(errno));
		return -errno;
	}
	w->pos += (uint64_t)n;
	return n;
}

static int window_rewind(struct ifl_source *s)
{
	((struct window *)s->priv)->pos = 0;
	return 0;
}

static void window_close(struct ifl_source *s)
{
	free(s->priv);
}

static const struct ifl_source_ops window_ops = {
	.name = "raw",
	.open = window_open,
	.read = window_read,
	.rewind = window_rewind,
	.close = window_close,
};

/* Open bytes [off, off + len) of the raw image path as a source. */
static int open_window(const char *path, uint64_t off, uint64_t len, struct ifl_source **out,
		       struct ifl_diag *d)
{
	struct ifl_source *s = calloc(1, sizeof(*s));
	struct window *w = calloc(1, sizeof(*w));
	int rc = s && w ? 0 : -ENOMEM;

	if (s)
		s->fd = -1;
	if (rc == 0 && (s->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		rc = -errno;
	if (rc == 0) {
		w->off = off;
		*s = (struct ifl_source){.ops = &window_ops, .path = path, .fd = s->fd, .size = len,
					 .priv = w};
		w = NULL;
		rc = s->ops->open(s);
	}
	free(w);
	if (rc) {
		ifl_source_close(s);
		return ifl_diag_set(d, rc, IFL_EXIT_LOCAL, path, "cannot open the image: %s",
				    strerror(-rc));
	}
	*out = s;
	return 0;
}

/* Add write k of pr: bytes of src to dev at off, for line l. */
static void add_job(struct ifl_plan_run *pr, const struct ifl_l4t_line *l, const char *dev,
		    uint64_t off, struct ifl_source *src)
{
	struct ifl_plan_entry *e = &pr->e[pr->n];
	struct ifl_flash_job *j = &pr->jobs[pr->n];

	snprintf(e->target, sizeof(e->target), "%s", dev);
	e->has_offset = 1;
	e->offset = off;
	snprintf(e->image, sizeof(e->image), "%s", l->path);
	e->line = l->e.line;
	pr->fnames[pr->n] = l->idx;
	snprintf(j->spec.name, sizeof(j->spec.name), "%s", dev);
	snprintf(j->spec.label, sizeof(j->spec.label), "%s (%.*s)", dev, IFL_PART_NAME_MAX,
		 l->e.partname);
	j->spec.offset = off;
	j->image = l->path;
	j->src = src;
	pr->n++;
}

/* The write(s) of boot-region line l: split at the end of boot0 when it crosses it. */
static int add_boot(struct ifl_plan_run *pr, const struct ifl_l4t_line *l, struct ifl_source *src,
		    uint64_t boot0, struct ifl_diag *d)
{
	static const char *const dev[2] = {"mmcblk0boot0", "mmcblk0boot1"};
	struct ifl_boot_piece pc[2];
	int np = ifl_flashidx_boot_split(l->e.start, src->size, boot0, pc), rc = 0;

	if (np < 0)
		return ifl_source_close(src), ifl_diag_set(d, np, IFL_EXIT_USAGE, l->idx, "line %u: "
							  "%s ends past 2^64", l->e.line, l->e.partname);
	if (np == 1) {
		add_job(pr, l, dev[pc[0].part], pc[0].dev_off, src);
		return 0;
	}
	/* A window reads the file's raw bytes: a split write must be a raw image. */
	if (src->ops != &ifl_source_raw_ops)
		rc = ifl_diag_set(d, -ENOTSUP, IFL_EXIT_USAGE, l->path, "%s crosses from mmcblk0boot0 "
				  "into mmcblk0boot1 and is a %s image; only raw images can be split",
				  l->e.partname, src->ops->name);
	ifl_source_close(src);
	for (int i = 0; rc == 0 && i < np; i++) {
		struct ifl_source *w = NULL;

		rc = open_window(l->path, pc[i].src, pc[i].len, &w, d);
		if (rc == 0)
			add_job(pr, l, dev[pc[i].part], pc[i].dev_off, w);
	}
	return rc;
}

/* The size of mmcblk0boot0, when the package writes the boot region. */
static int boot0_size(const struct ifl_l4t *t, const struct ifl_inventory *inv, uint64_t *size,
		      struct ifl_diag *d)
{
	const struct ifl_target_info *ti;
	int rc;

	*size = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (t->l[i].e.devtype != IFL_IDX_BOOT || !t->l[i].e.file[0])
			continue;
		rc = ifl_target_lookup(inv, "mmcblk0boot0", &ti, d);
		if (rc)
			return rc;
		*size = ti->size;
		return 0;
	}
	return 0;
}

/* Open line l's file, check it fits its partition, and add its write(s). */
static int add_line(struct ifl_plan_run *pr, const struct ifl_l4t_line *l, uint64_t boot0,
		    struct ifl_diag *d)
{
	struct ifl_source *src;
	char a[32], b[32];
	int rc = ifl_source_open(l->path, &src, d);

	if (rc)
		return rc;
	if (src->size > l->e.size) {
		ifl_diag_set(d, -EFBIG, IFL_EXIT_USAGE, l->path, "%s is %s but partition %s holds %s "
			     "(%s, line %u); nothing was written", l->e.file,
			     ifl_fmt_size(src->size, a, sizeof(a)), l->e.partname,
			     ifl_fmt_size(l->e.size, b, sizeof(b)), l->idx, l->e.line);
		ifl_source_close(src);
		return -EFBIG;
	}
	if (l->e.devtype == IFL_IDX_BOOT)
		return add_boot(pr, l, src, boot0, d);
	add_job(pr, l, l->dev, l->e.start, src);
	return 0;
}

int ifl_l4t_plan(const struct ifl_l4t *t, const struct ifl_inventory *inv,
		 struct ifl_plan_run *pr, struct ifl_diag *d)
{
	size_t *order = calloc(t->n ? t->n : 1, sizeof(*order)), n;
	uint64_t boot0;
	int rc = 0;

	memset(pr, 0, sizeof(*pr));
	pr->fname = t->idx[0];
	pr->e = calloc(2 * t->n + 1, sizeof(*pr->e));
	pr->jobs = calloc(2 * t->n + 1, sizeof(*pr->jobs));
	pr->fnames = calloc(2 * t->n + 1, sizeof(*pr->fnames));
	if (!order || !pr->e || !pr->jobs || !pr->fnames)
		rc = ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, NULL, "out of memory");
	if (rc == 0)
		rc = boot0_size(t, inv, &boot0, d);
	n = rc == 0 ? ifl_l4t_order(t, order) : 0;
	if (rc == 0 && n == 0)
		rc = ifl_diag_set(d, -ENODATA, IFL_EXIT_USAGE, t->idx[0], "no line has a file to "
				  "write");
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = add_line(pr, &t->l[order[i]], boot0, d);
	free(order);
	if (rc == 0)
		rc = ifl_plan_run_resolve(pr, inv, d);
	return rc;
}

void ifl_l4t_free(struct ifl_l4t *t)
{
	free(t->l);
	memset(t, 0, sizeof(*t));
}
