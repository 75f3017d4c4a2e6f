/* l4t.c - read an L4T flash package (flash.idx), check its sha1s, order and resolve its writes. */
#include "l4t.h"

#include <errno.h>
#include <fcntl.h>
#include <mbedtls/sha1.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpt.h"
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

/* The MMC devices a package's devtypes 0, 1 and 6 go to on this agent. */
struct mmc_names {
	char emmc[IFL_NAME_MAX + 1];  /* eMMC user area; its boot partitions are emmc + "boot0/1" */
	char boot[2][IFL_NAME_MAX + 8];
	char sd[IFL_NAME_MAX + 1];
};

/* Does package t write a line of devtype dt? */
static int writes_devtype(const struct ifl_l4t *t, unsigned dt)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->l[i].e.devtype == dt && t->l[i].e.file[0])
			return 1;
	return 0;
}

/* Is name an eMMC boot partition (mmcblkNbootM)? */
static int is_bootpart(const char *name)
{
	const char *b = strstr(name, "boot");

	return b && b[4] >= '0' && b[4] <= '9';
}

/* Is target name of inv an SD card? */
static int is_sd(const struct ifl_inventory *inv, const char *name)
{
	for (unsigned i = 0; i < inv->ntargets; i++)
		if (strcmp(inv->t[i].name, name) == 0)
			return !!(inv->t[i].flags & IFL_TF_SD);
	return 0;
}

/*
 * The eMMC and the SD card, told apart by the card type the agent reports.
 * An agent that reports no MMC card types (or file targets) gets NVIDIA's
 * names: mmcblk0 for both. A package for the eMMC user area is refused when
 * mmcblk0 is an SD card, and one for an SD card when there is none or more
 * than one.
 */
static int pick_mmc(const struct ifl_l4t *t, const struct ifl_inventory *inv,
		    struct mmc_names *m, struct ifl_diag *d)
{
	const struct ifl_target_info *emmc = NULL, *sd = NULL;
	unsigned nsd = 0, typed = 0;
	char list[160] = "";

	for (unsigned i = 0; i < inv->ntargets; i++) {
		const struct ifl_target_info *ti = &inv->t[i];

		typed |= ti->flags & (IFL_TF_EMMC | IFL_TF_SD);
		if ((ti->flags & IFL_TF_EMMC) && !is_bootpart(ti->name) && !emmc)
			emmc = ti;
		if (ti->flags & IFL_TF_SD) {
			sd = sd ? sd : ti;
			nsd++;
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 nsd > 1 ? ", " : "", ti->name);
		}
	}
	snprintf(m->emmc, sizeof(m->emmc), "%s", emmc ? emmc->name : "mmcblk0");
	snprintf(m->sd, sizeof(m->sd), "%s", sd && nsd == 1 ? sd->name : "mmcblk0");
	snprintf(m->boot[0], sizeof(m->boot[0]), "%sboot0", m->emmc);
	snprintf(m->boot[1], sizeof(m->boot[1]), "%sboot1", m->emmc);
	if (!typed)
		return 0;
	if (!emmc && writes_devtype(t, IFL_IDX_USER) && is_sd(inv, "mmcblk0"))
		return ifl_diag_set(d, -ENODEV, IFL_EXIT_DEVICE, t->idx[0], "the package writes "
				    "the eMMC user area (device type 1) but this device has no eMMC: "
				    "mmcblk0 is an SD card; use a package made for an SD card (type 6)");
	if (writes_devtype(t, IFL_IDX_SD) && nsd == 0)
		return ifl_diag_set(d, -ENODEV, IFL_EXIT_DEVICE, t->idx[0], "the package writes an "
				    "SD card (device type 6) but the device lists none");
	if (writes_devtype(t, IFL_IDX_SD) && nsd > 1)
		return ifl_diag_set(d, -ENODEV, IFL_EXIT_DEVICE, t->idx[0], "the package writes an "
				    "SD card (device type 6) and the device has %u: %s; remove all "
				    "but one", nsd, list);
	return 0;
}

/* The write(s) of boot-region line l: split at the end of boot0 when it crosses it. */
static int add_boot(struct ifl_plan_run *pr, const struct ifl_l4t_line *l, struct ifl_source *src,
		    uint64_t boot0, const struct mmc_names *m, struct ifl_diag *d)
{
	const char *const *dev = (const char *const[]){m->boot[0], m->boot[1]};
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
		rc = ifl_diag_set(d, -ENOTSUP, IFL_EXIT_USAGE, l->path, "%s crosses from %s into %s and "
				  "is a %s image; only raw images can be split", l->e.partname, dev[0],
				  dev[1], src->ops->name);
	ifl_source_close(src);
	for (int i = 0; rc == 0 && i < np; i++) {
		struct ifl_source *w = NULL;

		rc = open_window(l->path, pc[i].src, pc[i].len, &w, d);
		if (rc == 0)
			add_job(pr, l, dev[pc[i].part], pc[i].dev_off, w);
	}
	return rc;
}

/* The size of the eMMC's boot0, when the package writes the boot region. */
static int boot0_size(const struct ifl_l4t *t, const struct ifl_inventory *inv,
		      const struct mmc_names *m, uint64_t *size, struct ifl_diag *d)
{
	const struct ifl_target_info *ti;
	int rc;

	*size = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (t->l[i].e.devtype != IFL_IDX_BOOT || !t->l[i].e.file[0])
			continue;
		rc = ifl_target_lookup(inv, m->boot[0], &ti, d);
		if (rc)
			return rc;
		*size = ti->size;
		return 0;
	}
	return 0;
}

/* The device a line writes: the eMMC and SD card as found in the inventory, else the mapped name. */
static const char *line_dev(const struct ifl_l4t_line *l, const struct mmc_names *m)
{
	if (l->e.devtype == IFL_IDX_USER)
		return m->emmc;
	if (l->e.devtype == IFL_IDX_SD)
		return m->sd;
	return l->dev;
}

/* A GPT re-targeted to the real disk: the backup, kept for the secondary_gpt line. */
struct gpt_fix {
	char dev[IFL_NAME_MAX + 1];
	uint8_t *backup;
	size_t backup_len;
	uint64_t backup_off;
};

/* The line of role on the same device as l (same devtype and instance), or NULL. */
static const struct ifl_l4t_line *same_dev(const struct ifl_l4t *t, const struct ifl_l4t_line *l,
					   enum ifl_idx_role role)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->l[i].e.devtype == l->e.devtype && t->l[i].e.instance == l->e.instance &&
		    ifl_flashidx_role(&t->l[i].e) == role)
			return &t->l[i];
	return NULL;
}

/* The GPT slot of the partition marked "expand" on l's device (attributes expand-...-SLOT), or 0. */
static uint32_t expand_slot(const struct ifl_l4t *t, const struct ifl_l4t_line *l)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct ifl_flashidx_entry *e = &t->l[i].e;
		const char *slot = strrchr(e->attrs, '-');

		if (e->devtype == l->e.devtype && e->instance == l->e.instance &&
		    strncmp(e->attrs, "expand-", 7) == 0 && slot && slot[1])
			return (uint32_t)strtoul(slot + 1, NULL, 10);
	}
	return 0;
}

/* A protective MBR for a disk of lbas 512-byte blocks: one partition of type 0xee from LBA 1. */
static void make_pmbr(uint8_t mbr[512], uint64_t lbas)
{
	uint64_t n = lbas - 1 > 0xffffffffu ? 0xffffffffu : lbas - 1;
	uint8_t *p = mbr + 446;

	memset(mbr, 0, 512);
	p[1] = 0x00, p[2] = 0x02, p[3] = 0x00; /* CHS of LBA 1 */
	p[4] = 0xee;
	p[5] = p[6] = p[7] = 0xff;
	p[8] = 1;
	for (int i = 0; i < 4; i++)
		p[12 + i] = (uint8_t)(n >> (8 * i));
	mbr[510] = 0x55;
	mbr[511] = 0xaa;
}

/* Add a job writing len bytes of buf (owned from here on) to dev at off, for line l. */
static int add_mem_job(struct ifl_plan_run *pr, const struct ifl_l4t_line *l, const char *dev,
		       uint64_t off, uint8_t *buf, size_t len, const char *what,
		       struct ifl_diag *d)
{
	struct ifl_source *src;

	if (ifl_source_mem(l->path, buf, len, &src))
		return ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, NULL, "out of memory");
	add_job(pr, l, dev, off, src);
	snprintf(pr->jobs[pr->n - 1].spec.label, sizeof(pr->jobs[pr->n - 1].spec.label),
		 "%s (%s)", dev, what);
	return 0;
}

/*
 * The primary_gpt line l of a GPT device: a protective MBR at LBA 0 first (as
 * the fresh label of NVIDIA's script; master_boot_record lines are not
 * written), then the GPT. On a disk of another size than the package was made
 * for (secondary_gpt's end), the GPT is re-targeted: the backup moves to the
 * real end and the partition marked expand, when it is the last, ends there.
 */
static int add_primary_gpt(struct ifl_plan_run *pr, const struct ifl_l4t *t,
			   const struct ifl_l4t_line *l, const char *dev,
			   const struct ifl_inventory *inv, struct ifl_source *src,
			   struct gpt_fix *fix, struct ifl_diag *d)
{
	const struct ifl_l4t_line *sec = same_dev(t, l, IFL_IDX_ROLE_SECONDARY_GPT);
	const struct ifl_target_info *ti;
	uint8_t *mbr, *in = NULL, *prim = NULL, *back = NULL;
	size_t plen, blen;
	uint64_t lbas, made;
	uint32_t slot = expand_slot(t, l);
	char err[256], a[32], b[32];
	int rc = ifl_target_lookup(inv, dev, &ti, d);

	/* A file (block size 1) stands for a disk image of 512-byte blocks. */
	if (rc || (ti->block_size != 512 && !(ti->kind == IFL_KIND_FILE && ti->block_size == 1))) {
		/* Not a disk of 512-byte blocks: the package's bytes as they are. */
		if (rc)
			ifl_source_close(src);
		else
			add_job(pr, l, dev, l->e.start, src);
		return rc;
	}
	lbas = ti->size / 512;
	made = sec ? (sec->e.start + sec->e.size) / 512 : lbas;
	if (!(mbr = malloc(512)))
		return ifl_source_close(src), ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, NULL,
							   "out of memory");
	make_pmbr(mbr, lbas);
	if ((rc = add_mem_job(pr, l, dev, 0, mbr, 512, "protective MBR", d)))
		return ifl_source_close(src), rc;
	if (made == lbas || l->e.start != 512) {
		add_job(pr, l, dev, l->e.start, src);
		return 0;
	}
	in = malloc(src->size);
	rc = in ? ifl_source_fill(src, in, src->size) : -ENOMEM;
	if (rc) {
		rc = in ? ifl_source_fail(src, d, rc) : ifl_diag_set(d, rc, IFL_EXIT_LOCAL, NULL,
								       "out of memory");
		goto out;
	}
	snprintf(err, sizeof(err), "%.200s is not a GPT of 512-byte blocks", l->e.file);
	rc = ifl_gpt_retarget_lens(in, src->size, 512, &plen, &blen);
	prim = rc ? NULL : malloc(plen);
	back = rc ? NULL : malloc(blen);
	if (rc == 0 && (!prim || !back))
		rc = -ENOMEM;
	if (rc == 0)
		rc = ifl_gpt_retarget(in, src->size, 512, lbas, slot, prim, plen, back, blen, err,
				      sizeof(err));
	/* An expand partition that is not the last one keeps its size, as the rest do. */
	if (rc == -EINVAL && slot)
		rc = ifl_gpt_retarget(in, src->size, 512, lbas, 0, prim, plen, back, blen, err,
				      sizeof(err));
	if (rc) {
		rc = ifl_diag_set(d, rc, rc == -ENOSPC ? IFL_EXIT_DEVICE : IFL_EXIT_LOCAL, l->path,
				  "%s (line %u) made for a disk of %s cannot be fitted to %s (%s): %s",
				  l->e.partname, l->e.line, ifl_fmt_size(made * 512, a, sizeof(a)), dev,
				  ifl_fmt_size(ti->size, b, sizeof(b)), err);
		goto out;
	}
	snprintf(err, sizeof(err), "primary_gpt for %s", ifl_fmt_size(ti->size, a, sizeof(a)));
	rc = add_mem_job(pr, l, dev, 512, prim, plen, err, d);
	prim = NULL;
	if (rc == 0) {
		snprintf(fix->dev, sizeof(fix->dev), "%s", dev);
		free(fix->backup);
		fix->backup = back;
		fix->backup_len = blen;
		fix->backup_off = ti->size - blen;
		back = NULL;
	}
out:
	ifl_source_close(src);
	free(in);
	free(prim);
	free(back);
	return rc;
}

/* Open line l's file, check it fits its partition, and add its write(s). */
static int add_line(struct ifl_plan_run *pr, const struct ifl_l4t *t, const struct ifl_l4t_line *l,
		    uint64_t boot0, const struct mmc_names *m, const struct ifl_inventory *inv,
		    struct gpt_fix *fix, struct ifl_diag *d)
{
	const char *dev = line_dev(l, m);
	enum ifl_idx_role role = ifl_flashidx_role(&l->e);
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
		return add_boot(pr, l, src, boot0, m, d);
	if (is_gpt_dev(l->e.devtype) && role == IFL_IDX_ROLE_PRIMARY_GPT)
		return add_primary_gpt(pr, t, l, dev, inv, src, fix, d);
	if (is_gpt_dev(l->e.devtype) && role == IFL_IDX_ROLE_SECONDARY_GPT && fix->backup &&
	    strcmp(fix->dev, dev) == 0) {
		ifl_source_close(src);
		snprintf(b, sizeof(b), "secondary_gpt at the end");
		rc = add_mem_job(pr, l, dev, fix->backup_off, fix->backup, fix->backup_len, b, d);
		fix->backup = NULL;
		return rc;
	}
	add_job(pr, l, dev, l->e.start, src);
	return 0;
}

int ifl_l4t_plan(const struct ifl_l4t *t, const struct ifl_inventory *inv,
		 struct ifl_plan_run *pr, struct ifl_diag *d)
{
	size_t *order = calloc(t->n ? t->n : 1, sizeof(*order)), n;
	struct mmc_names m;
	struct gpt_fix fix = {0};
	uint64_t boot0;
	int rc = 0;

	memset(pr, 0, sizeof(*pr));
	pr->fname = t->idx[0];
	/* A line may become two writes: a split boot write, or a protective MBR and a GPT. */
	pr->e = calloc(2 * t->n + 1, sizeof(*pr->e));
	pr->jobs = calloc(2 * t->n + 1, sizeof(*pr->jobs));
	pr->fnames = calloc(2 * t->n + 1, sizeof(*pr->fnames));
	if (!order || !pr->e || !pr->jobs || !pr->fnames)
		rc = ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, NULL, "out of memory");
	if (rc == 0)
		rc = pick_mmc(t, inv, &m, d);
	if (rc == 0)
		rc = boot0_size(t, inv, &m, &boot0, d);
	n = rc == 0 ? ifl_l4t_order(t, order) : 0;
	if (rc == 0 && n == 0)
		rc = ifl_diag_set(d, -ENODATA, IFL_EXIT_USAGE, t->idx[0], "no line has a file to "
				  "write");
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = add_line(pr, t, &t->l[order[i]], boot0, &m, inv, &fix, d);
	free(order);
	free(fix.backup);
	if (rc == 0)
		rc = ifl_plan_run_resolve(pr, inv, d);
	return rc;
}

void ifl_l4t_free(struct ifl_l4t *t)
{
	free(t->l);
	memset(t, 0, sizeof(*t));
}
