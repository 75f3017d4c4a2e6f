/* source_bmap.c - a raw or gzip image with a bmaptool block map: only mapped ranges, each checksummed first. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/sha1.h>

#include "fdio.h"
#include "hash.h"
#include "source.h"

#define BMAP_MAX (64u << 20) /* a bmap larger than this is not one */

/* The XML reader: a cursor over the text that knows its line. */
struct xr {
	const char *p, *end;
	unsigned line;
	char *why;
};

struct tag {
	char name[32];
	char attr[2][16], val[2][160]; /* at most two attributes */
	int nattr, close, self;
	unsigned line;
};

struct bmap_hdr {
	uint64_t image_size, block_size, blocks, mapped;
	unsigned major;
	unsigned sum_len; /* 32 sha256, 20 sha1, 0 none */
	int have[5];      /* ImageSize, BlockSize, BlocksCount, MappedBlocksCount, ChecksumType */
};

static int fail(struct xr *x, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct xr *x, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(x->why, 256, "line %u: ", line);

	va_start(ap, fmt);
	vsnprintf(x->why + n, 256 - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void skip_ws(struct xr *x)
{
	while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r')) {
		if (*x->p == '\n')
			x->line++;
		x->p++;
	}
}

/* Skip past the first occurrence of s, counting lines. Returns 0 or -EINVAL at the end. */
static int skip_past(struct xr *x, const char *s, unsigned from)
{
	size_t n = strlen(s);

	for (; x->p + n <= x->end; x->p++) {
		if (memcmp(x->p, s, n) == 0) {
			x->p += n;
			return 0;
		}
		if (*x->p == '\n')
			x->line++;
	}
	return fail(x, from, "'%s' is never closed", s[0] == '-' ? "<!--" : "<?");
}

static int is_name(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Copy a name into out[cap]. Returns 0 or -EINVAL. */
static int name(struct xr *x, char *out, size_t cap)
{
	size_t n = 0;

	while (x->p < x->end && is_name(*x->p)) {
		if (n + 1 >= cap)
			return fail(x, x->line, "a name is too long");
		out[n++] = *x->p++;
	}
	out[n] = '\0';
	return n ? 0 : fail(x, x->line, "a name was expected");
}

static int attr(struct xr *x, struct tag *t)
{
	size_t n = 0;
	int rc;

	if (t->nattr == 2)
		return fail(x, x->line, "<%s> has too many attributes", t->name);
	rc = name(x, t->attr[t->nattr], sizeof(t->attr[0]));
	if (rc)
		return rc;
	if (x->end - x->p < 2 || x->p[0] != '=' || (x->p[1] != '"' && x->p[1] != '\''))
		return fail(x, x->line, "attribute %s of <%s> has no quoted value", t->attr[t->nattr],
			    t->name);
	char q = x->p[1];

	for (x->p += 2; x->p < x->end && *x->p != q; x->p++) {
		if (*x->p == '\n' || *x->p == '<' || n + 1 >= sizeof(t->val[0]))
			return fail(x, x->line, "attribute %s of <%s> is malformed or too long",
				    t->attr[t->nattr], t->name);
		t->val[t->nattr][n++] = *x->p;
	}
	if (x->p == x->end)
		return fail(x, x->line, "attribute %s of <%s> is not closed", t->attr[t->nattr], t->name);
	t->val[t->nattr++][n] = '\0';
	x->p++;
	return 0;
}

/* The next tag, after comments, declarations and whitespace. Text there is an error. */
static int next_tag(struct xr *x, struct tag *t)
{
	int rc;

	memset(t, 0, sizeof(*t));
	for (;;) {
		skip_ws(x);
		if (x->p == x->end)
			return fail(x, x->line, "the file ends before </bmap>");
		if (*x->p != '<')
			return fail(x, x->line, "unexpected text '%.*s'",
				    x->end - x->p < 20 ? (int)(x->end - x->p) : 20, x->p);
		if (x->end - x->p >= 4 && memcmp(x->p, "<!--", 4) == 0)
			rc = skip_past(x, "-->", x->line);
		else if (x->end - x->p >= 2 && memcmp(x->p, "<?", 2) == 0)
			rc = skip_past(x, "?>", x->line);
		else
			break;
		if (rc)
			return rc;
	}
	t->line = x->line;
	x->p++;
	if (x->p < x->end && *x->p == '/') {
		t->close = 1;
		x->p++;
	}
	rc = name(x, t->name, sizeof(t->name));
	for (skip_ws(x); rc == 0 && x->p < x->end && is_name(*x->p) && !t->close; skip_ws(x))
		rc = attr(x, t);
	if (rc)
		return rc;
	if (x->p < x->end && *x->p == '/' && !t->close) {
		t->self = 1;
		x->p++;
	}
	if (x->p == x->end || *x->p != '>')
		return fail(x, t->line, "tag <%s> is malformed", t->name);
	x->p++;
	return 0;
}

/* The text of an element up to its close tag, trimmed, into out[cap]. */
static int text(struct xr *x, const struct tag *open, char *out, size_t cap)
{
	const char *s = x->p;
	struct tag t;
	size_t n;
	int rc;

	while (x->p < x->end && *x->p != '<') {
		if (*x->p == '\n')
			x->line++;
		x->p++;
	}
	while (s < x->p && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++;
	n = (size_t)(x->p - s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (n >= cap)
		return fail(x, open->line, "the value of <%s> is too long", open->name);
	memcpy(out, s, n);
	out[n] = '\0';
	rc = next_tag(x, &t);
	if (rc == 0 && (!t.close || strcmp(t.name, open->name)))
		return fail(x, t.line, "<%s> where </%s> was expected", t.name, open->name);
	return rc;
}

/* A decimal number that is all of s. Returns 0 or -EINVAL. */
static int number(const char *s, uint64_t *v)
{
	*v = 0;
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || *v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	return 0;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Exactly n bytes of hex in s into out. Returns 0 or -EINVAL. */
static int unhex(const char *s, uint8_t *out, unsigned n)
{
	if (strlen(s) != 2 * n)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int header_field(struct xr *x, struct bmap_hdr *h, const struct tag *t)
{
	static const char *const names[] = {"ImageSize", "BlockSize", "BlocksCount",
					     "MappedBlocksCount", "ChecksumType"};
	uint64_t *nums[] = {&h->image_size, &h->block_size, &h->blocks, &h->mapped};
	char v[160];
	int rc = text(x, t, v, sizeof(v));

	if (rc)
		return rc;
	if (strcmp(t->name, "BmapFileChecksum") == 0)
		return 0; /* ranges carry their own checksums; a damaged bmap fails those */
	for (int i = 0; i < 5; i++) {
		if (strcmp(t->name, names[i]))
			continue;
		if (h->have[i]++)
			return fail(x, t->line, "<%s> appears twice", t->name);
		if (i == 4) {
			h->sum_len = strcmp(v, "sha256") == 0 ? 32 : strcmp(v, "sha1") == 0 ? 20 : 0;
			return h->sum_len ? 0 : fail(x, t->line, "checksum type '%s' is not sha256 or sha1", v);
		}
		if (number(v, nums[i]))
			return fail(x, t->line, "<%s> holds '%s', not a number", t->name, v);
		return 0;
	}
	return fail(x, t->line, "unexpected element <%s>", t->name);
}

struct ranges {
	struct ifl_extent *ext;
	uint8_t *sums;
	size_t n, cap;
	uint64_t mapped, next_block; /* blocks seen; the first block a new range may start at */
};

static int grow(struct ranges *r)
{
	size_t nc = r->cap ? 2 * r->cap : 256;
	struct ifl_extent *e = realloc(r->ext, nc * sizeof(*e));
	uint8_t *s;

	if (!e)
		return -ENOMEM;
	r->ext = e;
	s = realloc(r->sums, nc * 32);
	if (!s)
		return -ENOMEM;
	r->sums = s;
	r->cap = nc;
	return 0;
}

/* "A-B" or "A" into first, last. */
static int range_text(char *v, uint64_t *first, uint64_t *last)
{
	char *dash = strchr(v, '-');

	if (dash)
		*dash = '\0';
	if (number(v, first) || (dash && number(dash + 1, last)))
		return -EINVAL;
	if (!dash)
		*last = *first;
	return 0;
}

static int range(struct xr *x, const struct bmap_hdr *h, const struct tag *t, struct ranges *r)
{
	char v[64], shown[64];
	uint64_t first, last, end;
	const char *sum = NULL;
	int rc = text(x, t, v, sizeof(v));

	if (rc)
		return rc;
	for (int i = 0; i < t->nattr; i++) {
		if (strcmp(t->attr[i], "chksum") && strcmp(t->attr[i], "sha1"))
			return fail(x, t->line, "unexpected attribute %s of <Range>", t->attr[i]);
		sum = t->val[i];
	}
	strcpy(shown, v);
	if (range_text(v, &first, &last))
		return fail(x, t->line, "range '%s' is not N or N-M", shown);
	if (last < first)
		return fail(x, t->line, "range %s ends before it starts", shown);
	if (last >= h->blocks)
		return fail(x, t->line, "range %s passes the last block, %" PRIu64, shown, h->blocks - 1);
	if (first < r->next_block)
		return fail(x, t->line, "range %s overlaps or comes before the range above it", shown);
	if (r->n == r->cap && (rc = grow(r)))
		return rc;
	if (h->sum_len && (!sum || unhex(sum, r->sums + 32 * r->n, h->sum_len)))
		return fail(x, t->line, "range %s lacks a %s checksum of %u hex digits", shown,
			    h->sum_len == 32 ? "sha256" : "sha1", 2 * h->sum_len);
	end = (last + 1) * h->block_size;
	r->ext[r->n].off = first * h->block_size;
	r->ext[r->n].len = (end < h->image_size ? end : h->image_size) - first * h->block_size;
	r->ext[r->n++].kind = IFL_EXT_DATA;
	r->mapped += last - first + 1;
	r->next_block = last + 1;
	return 0;
}

/* Everything between <BlockMap> and </BlockMap>. */
static int block_map(struct xr *x, const struct bmap_hdr *h, struct ranges *r)
{
	struct tag t;
	int rc;

	if (!h->have[1] || !h->have[2] || !h->have[0])
		return fail(x, x->line, "<BlockMap> comes before ImageSize, BlockSize and BlocksCount");
	if (h->block_size == 0 || h->block_size > (1u << 30))
		return fail(x, x->line, "block size %" PRIu64 " is not usable", h->block_size);
	if (h->blocks != (h->image_size + h->block_size - 1) / h->block_size)
		return fail(x, x->line, "%" PRIu64 " blocks of %" PRIu64 " bytes do not make an image of %"
			    PRIu64 " bytes", h->blocks, h->block_size, h->image_size);
	if (h->major >= 2 && !h->have[4])
		return fail(x, x->line, "<BlockMap> comes before ChecksumType");
	while ((rc = next_tag(x, &t)) == 0 && !(t.close && strcmp(t.name, "BlockMap") == 0)) {
		if (t.close || t.self || strcmp(t.name, "Range"))
			return fail(x, t.line, "unexpected <%s%s> in <BlockMap>", t.close ? "/" : "", t.name);
		rc = range(x, h, &t, r);
		if (rc)
			return rc;
	}
	return rc;
}

static int root(struct xr *x, struct bmap_hdr *h)
{
	struct tag t;
	unsigned minor;
	int rc = next_tag(x, &t);

	if (rc)
		return rc;
	if (t.close || t.self || strcmp(t.name, "bmap") || t.nattr != 1 || strcmp(t.attr[0], "version"))
		return fail(x, t.line, "<%s> where <bmap version=\"...\"> was expected", t.name);
	if (sscanf(t.val[0], "%u.%u", &h->major, &minor) != 2 || h->major < 1 || h->major > 2)
		return fail(x, t.line, "bmap version %s is not 1.x or 2.x", t.val[0]);
	if (h->major == 1)
		h->sum_len = 20; /* 1.x before ChecksumType: sha1 */
	return 0;
}

int ifl_bmap_parse(const char *name_, const char *text_, size_t len, uint64_t image_size,
		   struct ifl_extent **ext, size_t *n, uint8_t **sums, unsigned *sum_len, char *why)
{
	struct xr x = {text_, text_ + len, 1, why};
	struct bmap_hdr h = {0};
	struct ranges r = {0};
	struct tag t;
	int rc = root(&x, &h), map = 0;

	while (rc == 0 && (rc = next_tag(&x, &t)) == 0 && !(t.close && strcmp(t.name, "bmap") == 0)) {
		if (t.close || t.self)
			rc = fail(&x, t.line, "unexpected <%s%s>", t.close ? "/" : "", t.name);
		else if (strcmp(t.name, "BlockMap") == 0)
			rc = map++ ? fail(&x, t.line, "a second <BlockMap>") : block_map(&x, &h, &r);
		else
			rc = header_field(&x, &h, &t);
	}
	if (rc == 0 && !map)
		rc = fail(&x, x.line, "there is no <BlockMap>");
	if (rc == 0 && h.have[3] && r.mapped != h.mapped)
		rc = fail(&x, x.line, "the ranges map %" PRIu64 " blocks but MappedBlocksCount says %" PRIu64,
			  r.mapped, h.mapped);
	if (rc == 0 && h.image_size != image_size)
		rc = fail(&x, x.line, "the bmap describes an image of %" PRIu64 " bytes but %s is %" PRIu64
			  " bytes; use the bmap made for this image", h.image_size, name_, image_size);
	if (rc) {
		free(r.ext);
		free(r.sums);
		return rc;
	}
	*ext = r.ext;
	*n = r.n;
	*sums = r.sums;
	*sum_len = h.sum_len;
	return 0;
}

/* The image under the map: raw (read where a range starts) or gzip (inflated, gaps discarded). */
struct bm {
	struct ifl_source *in;
	size_t cur;     /* extent being read */
	uint64_t pos;   /* bytes of it already read */
	uint64_t ipos;  /* gzip: bytes of the inflated stream consumed */
	uint8_t *junk;  /* gzip: where skipped bytes go */
};

#define JUNK (256u << 10)

static long bm_read(struct ifl_source *s, uint8_t *buf, size_t len)
{
	struct bm *b = s->priv;
	const struct ifl_extent *e;
	uint64_t at, left;
	long n;

	if (b->cur >= s->next)
		return 0;
	e = &s->ext[b->cur];
	at = e->off + b->pos;
	left = e->len - b->pos;
	if (len > left)
		len = (size_t)left;
	if (b->in->ops == &ifl_source_raw_ops) {
		do
			n = pread(b->in->fd, buf, len, (off_t)at);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			n = -errno;
	} else {
		while (b->ipos < at) {
			uint64_t gap = at - b->ipos;

			n = b->in->ops->read(b->in, b->junk, gap < JUNK ? (size_t)gap : JUNK);
			if (n <= 0)
				break;
			b->ipos += (uint64_t)n;
		}
		n = b->ipos < at ? -ENODATA : b->in->ops->read(b->in, buf, len);
		if (n > 0)
			b->ipos += (uint64_t)n;
	}
	if (n <= 0) {
		if (b->in->why[0])
			memcpy(s->why, b->in->why, sizeof(s->why));
		else
			snprintf(s->why, sizeof(s->why), "cannot read the image at byte %" PRIu64 ": %s; did "
				 "it change while being read?", at, n < 0 ? strerror((int)-n) : "it got shorter");
		return n < 0 ? n : -ENODATA;
	}
	b->pos += (uint64_t)n;
	if (b->pos == e->len) {
		b->cur++;
		b->pos = 0;
	}
	return n;
}

static int bm_rewind(struct ifl_source *s)
{
	struct bm *b = s->priv;

	b->cur = 0;
	b->pos = 0;
	b->ipos = 0;
	return b->in->ops->rewind(b->in);
}

static void bm_close(struct ifl_source *s)
{
	struct bm *b = s->priv;

	if (!b)
		return;
	ifl_source_close(b->in);
	free(b->junk);
	free(b);
	s->priv = NULL;
}

static const struct ifl_source_ops bmap_ops = {
	.name = "bmap",
	.open = NULL,
	.read = bm_read,
	.rewind = bm_rewind,
	.close = bm_close,
};

/* The whole bmap file in a NUL-terminated buffer. */
static int slurp(const char *path, char **out, size_t *len, struct ifl_diag *d)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	int rc = 0;

	if (fd < 0)
		return ifl_diag_set(d, -errno, IFL_EXIT_LOCAL, path, "cannot open the bmap: %s",
				    strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > BMAP_MAX)
		rc = ifl_diag_set(d, -EINVAL, IFL_EXIT_LOCAL, path, "not a bmap file: not a regular "
				  "file of at most 64 MiB");
	else if (!(buf = malloc((size_t)st.st_size + 1)))
		rc = ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, path, "out of memory");
	else if (ifl_read_some(fd, (uint8_t *)buf, (size_t)st.st_size) != (long)st.st_size)
		rc = ifl_diag_set(d, -EIO, IFL_EXIT_LOCAL, path, "cannot read the bmap in full");
	close(fd);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[st.st_size] = '\0';
	*out = buf;
	*len = (size_t)st.st_size;
	return 0;
}

/* Hash range i (the next in the stream) with sha256 or sha1 into out. */
static int digest(struct ifl_source *s, size_t i, unsigned sum_len, uint8_t *buf, uint8_t out[32])
{
	struct ifl_sha256 h;
	mbedtls_sha1_context h1;
	uint64_t left = s->ext[i].len;
	int rc = 0;

	ifl_sha256_init(&h);
	mbedtls_sha1_init(&h1);
	mbedtls_sha1_starts_ret(&h1);
	while (left > 0 && rc == 0) {
		size_t n = left < JUNK ? (size_t)left : JUNK;

		rc = ifl_source_fill(s, buf, n);
		if (rc == 0 && sum_len == 32)
			ifl_sha256_update(&h, buf, n);
		else if (rc == 0)
			mbedtls_sha1_update_ret(&h1, buf, n);
		left -= n;
	}
	ifl_sha256_final(&h, out);
	if (sum_len == 20)
		mbedtls_sha1_finish_ret(&h1, out);
	mbedtls_sha1_free(&h1);
	return rc;
}

/* The pre-pass: every range must have the checksum the bmap gives, or nothing is sent. */
static int check_sums(struct ifl_source *s, const uint8_t *sums, unsigned sum_len, struct ifl_diag *d)
{
	uint8_t *buf = malloc(JUNK), got[32];
	int rc = 0;

	if (!buf)
		return ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, s->path, "out of memory");
	for (size_t i = 0; i < s->next && rc == 0 && sum_len; i++) {
		char hg[65], hw[65];

		rc = digest(s, i, sum_len, buf, got);
		if (rc)
			rc = ifl_source_fail(s, d, rc);
		else if (memcmp(got, sums + 32 * i, sum_len)) {
			ifl_hex(got, sum_len, hg);
			ifl_hex(sums + 32 * i, sum_len, hw);
			rc = ifl_diag_set(d, -EBADMSG, IFL_EXIT_LOCAL, s->path,
					  "bytes %" PRIu64 "..%" PRIu64 " have checksum %s but the bmap "
					  "says %s; the image or its bmap is damaged or they do not "
					  "belong together; nothing was written", s->ext[i].off,
					  s->ext[i].off + s->ext[i].len, hg, hw);
		}
	}
	free(buf);
	return rc ? rc : s->ops->rewind(s);
}

/* Parse the bmap for in and make s the mapped view of in. */
static int attach(struct ifl_source *s, struct ifl_source *in, const char *bmap, struct ifl_diag *d)
{
	struct bm *b = calloc(1, sizeof(*b));
	char *text = NULL, why[256];
	uint8_t *sums = NULL;
	unsigned sum_len = 0;
	size_t len = 0;
	int rc;

	if (!b)
		return ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, bmap, "out of memory");
	b->in = in;
	s->priv = b;
	if (in->ops != &ifl_source_raw_ops && in->ops != &ifl_source_gzip_ops)
		return ifl_diag_set(d, -EINVAL, IFL_EXIT_USAGE, in->path, "a %s image cannot take a "
				    "bmap; give a raw or gzip image", in->ops->name);
	b->junk = malloc(JUNK);
	if (!b->junk)
		return ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, bmap, "out of memory");
	rc = slurp(bmap, &text, &len, d);
	if (rc)
		return rc;
	rc = ifl_bmap_parse(in->path, text, len, in->size, &s->ext, &s->next, &sums, &sum_len, why);
	free(text);
	if (rc)
		return ifl_diag_set(d, rc, IFL_EXIT_LOCAL, bmap, "%s", why);
	if (!s->ext && !(s->ext = calloc(1, sizeof(*s->ext))))
		rc = -ENOMEM; /* no mapped block: an empty list, not "one whole extent" */
	if (rc == 0)
		rc = check_sums(s, sums, sum_len, d);
	free(sums);
	return rc;
}

int ifl_source_open_bmap(const char *path, const char *bmap, struct ifl_source **out,
			 struct ifl_diag *d)
{
	struct ifl_source *in, *s;
	int rc = ifl_source_open(path, &in, d);

	if (rc)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s) {
		ifl_source_close(in);
		return ifl_diag_set(d, -ENOMEM, IFL_EXIT_LOCAL, path, "out of memory");
	}
	s->ops = &bmap_ops;
	s->path = path;
	s->fd = -1;
	s->size = in->size;
	free(in->ext); /* the inner source is only read as a stream */
	in->ext = NULL;
	in->next = 0;
	rc = attach(s, in, bmap, d);
	if (rc) {
		if (!s->priv)
			ifl_source_close(in);
		ifl_diag_set(d, rc, IFL_EXIT_LOCAL, path, "cannot read the image: %s", strerror(-rc));
		ifl_source_close(s);
		return rc;
	}
	*out = s;
	return 0;
}
