/* flashidx.c - parse NVIDIA L4T flash.idx files and map their devices to ours. */
#include "flashidx.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NFIELDS 8

static const char *const field_names[NFIELDS] = {
	"index", "device", "start", "size", "file", "file size", "attributes", "sha1",
};

struct field {
	const char *p;
	size_t n;
};

struct ctx {
	const char *fname;
	unsigned line;
	char *err;
	size_t errcap;
};

static int fail(const struct ctx *c, int field, int rc, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (!c->err || !c->errcap)
		return rc;
	if (field > 0)
		k = snprintf(c->err, c->errcap, "%s: line %u, field %d (%s): ", c->fname, c->line,
			     field, field_names[field - 1]);
	else
		k = snprintf(c->err, c->errcap, "%s: line %u: ", c->fname, c->line);
	if (k >= 0 && (size_t)k < c->errcap) {
		va_start(ap, fmt);
		vsnprintf(c->err + k, c->errcap - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static struct field trim(const char *p, const char *end)
{
	struct field f;

	while (p < end && is_blank(*p))
		p++;
	while (end > p && is_blank(end[-1]))
		end--;
	f.p = p;
	f.n = (size_t)(end - p);
	return f;
}

/* Decimal, or hex after 0x; nothing else, no overflow. */
static int parse_u64(struct field f, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (f.n > 2 && f.p[0] == '0' && (f.p[1] == 'x' || f.p[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == f.n)
		return -EINVAL;
	for (; i < f.n; i++) {
		char c = f.p[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static int number(const struct ctx *c, int field, struct field f, uint64_t max, uint64_t *out)
{
	int rc = parse_u64(f, out);

	if (rc == 0 && *out > max)
		rc = -ERANGE;
	if (rc)
		return fail(c, field, -EINVAL, "expected a number up to %llu, found \"%.*s\"",
			    (unsigned long long)max, (int)(f.n > 40 ? 40 : f.n), f.p);
	return 0;
}

static int copy_str(const struct ctx *c, int field, struct field f, char *dst, size_t cap)
{
	if (f.n >= cap)
		return fail(c, field, -ENAMETOOLONG, "longer than %zu bytes", cap - 1);
	if (memchr(f.p, '\0', f.n))
		return fail(c, field, -EINVAL, "holds a NUL byte");
	memcpy(dst, f.p, f.n);
	dst[f.n] = '\0';
	return 0;
}

/* DEVTYPE:INSTANCE:PARTNAME */
static int parse_device(const struct ctx *c, struct field f, struct ifl_flashidx_entry *e)
{
	const char *c1 = memchr(f.p, ':', f.n), *c2, *end = f.p + f.n;
	uint64_t v;
	int rc;

	c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
	if (!c2)
		return fail(c, 2, -EINVAL, "expected DEVTYPE:INSTANCE:PARTNAME, found \"%.*s\"",
			    (int)(f.n > 40 ? 40 : f.n), f.p);
	rc = number(c, 2, trim(f.p, c1), 0xffff, &v);
	if (rc)
		return rc;
	e->devtype = (unsigned)v;
	rc = number(c, 2, trim(c1 + 1, c2), 0xffff, &v);
	if (rc)
		return rc;
	e->instance = (unsigned)v;
	f = trim(c2 + 1, end);
	if (f.n == 0 || memchr(f.p, ':', f.n))
		return fail(c, 2, -EINVAL, "bad partition name \"%.*s\"", (int)(f.n > 40 ? 40 : f.n),
			    f.p);
	e->known_devtype = e->devtype == IFL_IDX_BOOT || e->devtype == IFL_IDX_USER ||
			   e->devtype == IFL_IDX_SPI || e->devtype == IFL_IDX_SD ||
			   e->devtype == IFL_IDX_UFS || e->devtype == IFL_IDX_EXTERNAL ||
			   e->devtype == IFL_IDX_NVME;
	return copy_str(c, 2, f, e->partname, sizeof(e->partname));
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int parse_sha1(const struct ctx *c, struct field f, struct ifl_flashidx_entry *e)
{
	if (f.n == 0) {
		if (e->file[0])
			return fail(c, 8, -EINVAL, "file %s has no sha1", e->file);
		return 0;
	}
	if (f.n != 40)
		return fail(c, 8, -EINVAL, "expected 40 hex digits");
	for (int i = 0; i < 20; i++) {
		int hi = hexval(f.p[2 * i]), lo = hexval(f.p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return fail(c, 8, -EINVAL, "expected 40 hex digits");
		e->sha1[i] = (uint8_t)(hi << 4 | lo);
	}
	e->has_sha1 = 1;
	return 0;
}

static int split(const char *p, const char *end, struct field f[NFIELDS])
{
	int k = 0;

	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;

		if (k < NFIELDS)
			f[k] = trim(p, stop);
		k++;
		if (!comma)
			return k;
		p = comma + 1;
	}
}

static int parse_line(const struct ctx *c, const char *p, const char *end,
		      struct ifl_flashidx_entry *e)
{
	struct field f[NFIELDS];
	uint64_t v;
	int k = split(p, end, f), rc;

	memset(e, 0, sizeof(*e));
	e->line = c->line;
	if (k != NFIELDS)
		return fail(c, 0, -EINVAL, "expected %d comma-separated fields, found %d", NFIELDS, k);
	rc = number(c, 1, f[0], 0xffffffffu, &v);
	e->index = (unsigned)v;
	if (!rc)
		rc = parse_device(c, f[1], e);
	if (!rc)
		rc = number(c, 3, f[2], UINT64_MAX, &e->start);
	if (!rc)
		rc = number(c, 4, f[3], UINT64_MAX - e->start, &e->size);
	if (!rc)
		rc = copy_str(c, 5, f[4], e->file, sizeof(e->file));
	if (!rc)
		rc = number(c, 6, f[5], e->size, &e->file_size);
	if (!rc)
		rc = copy_str(c, 7, f[6], e->attrs, sizeof(e->attrs));
	if (!rc)
		rc = parse_sha1(c, f[7], e);
	return rc;
}

int ifl_flashidx_parse(const char *text, size_t len, const char *fname,
		       struct ifl_flashidx_entry *out, size_t cap, size_t *n, char *err,
		       size_t errcap)
{
	struct ctx c = {fname ? fname : "flash.idx", 0, err, errcap};
	const char *p = text, *end = text + len;
	int rc;

	*n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *lend = nl ? nl : end;
		struct field whole = trim(p, lend);

		c.line++;
		if (whole.n) {
			if (*n == cap)
				return fail(&c, 0, -E2BIG, "more than %zu lines", cap);
			rc = parse_line(&c, p, lend, &out[*n]);
			if (rc)
				return rc;
			(*n)++;
		}
		p = nl ? nl + 1 : end;
	}
	if (*n == 0) {
		if (err && errcap)
			snprintf(err, errcap, "%s: no partitions", c.fname);
		return -ENODATA;
	}
	return 0;
}

/* "nvme0n1p1" -> "nvme0n1", "mmcblk1p2" -> "mmcblk1", "sda1" -> "sda"; else unchanged. */
static size_t disk_len(const char *s)
{
	size_t n = strlen(s), d = n;

	if (strncmp(s, "/dev/", 5) == 0)
		return disk_len(s + 5);
	while (d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9')
		d--;
	if (d == n || d == 0)
		return n;
	if (s[d - 1] == 'p' && (strncmp(s, "nvme", 4) == 0 || strncmp(s, "mmcblk", 6) == 0 ||
				strncmp(s, "loop", 4) == 0))
		return d - 1;
	if (strncmp(s, "sd", 2) == 0 || strncmp(s, "vd", 2) == 0 || strncmp(s, "xvd", 3) == 0)
		return d;
	return n;
}

const char *ifl_flashidx_devname(unsigned devtype, unsigned instance, const char *external_dev,
				 char *buf, size_t cap)
{
	const char *name = NULL;
	size_t n;

	switch (devtype) {
	case IFL_IDX_BOOT: name = "mmcblk0boot0"; break;
	case IFL_IDX_USER:
	case IFL_IDX_SD: name = "mmcblk0"; break;
	case IFL_IDX_SPI: name = "mtd0"; break;
	case IFL_IDX_UFS: name = "sda"; break;
	case IFL_IDX_NVME: name = "nvme0n1"; break;
	case IFL_IDX_EXTERNAL:
		if (!external_dev || !*external_dev)
			return NULL;
		if (strncmp(external_dev, "/dev/", 5) == 0)
			external_dev += 5;
		n = disk_len(external_dev);
		if (n + 1 > cap)
			return NULL;
		memcpy(buf, external_dev, n);
		buf[n] = '\0';
		return buf;
	default: return NULL;
	}
	if (strlen(name) + 1 > cap)
		return NULL;
	strcpy(buf, name);
	return buf;
}

int ifl_flashidx_boot_split(uint64_t start, uint64_t len, uint64_t boot0_size,
			    struct ifl_boot_piece out[2])
{
	int k = 0;

	if (start + len < start)
		return -ERANGE;
	if (len == 0)
		return 0;
	if (start < boot0_size) {
		uint64_t n = boot0_size - start < len ? boot0_size - start : len;

		out[k++] = (struct ifl_boot_piece){0, start, 0, n};
		if (n == len)
			return k;
		out[k++] = (struct ifl_boot_piece){1, 0, n, len - n};
		return k;
	}
	out[k++] = (struct ifl_boot_piece){1, start - boot0_size, 0, len};
	return k;
}

enum ifl_idx_role ifl_flashidx_role(const struct ifl_flashidx_entry *e)
{
	if (strcmp(e->partname, "primary_gpt") == 0)
		return IFL_IDX_ROLE_PRIMARY_GPT;
	if (strcmp(e->partname, "secondary_gpt") == 0)
		return IFL_IDX_ROLE_SECONDARY_GPT;
	if (strcmp(e->partname, "master_boot_record") == 0)
		return IFL_IDX_ROLE_MBR;
	return e->file[0] ? IFL_IDX_ROLE_DATA : IFL_IDX_ROLE_NO_FILE;
}
