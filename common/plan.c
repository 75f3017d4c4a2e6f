/* plan.c - parse plan files and find writes that would overwrite each other. */
#include "plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "units.h"

/* One line being parsed: p walks from line start to end. */
struct lex {
	const char *start, *p, *end;
	const char *fname;
	unsigned line;
	char *err;
	size_t errcap;
};

static int fail(struct lex *x, const char *at, int rc, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (!x->err || !x->errcap)
		return rc;
	k = snprintf(x->err, x->errcap, "%s: line %u, column %u: ", x->fname, x->line,
		     (unsigned)(at - x->start) + 1);
	if (k >= 0 && (size_t)k < x->errcap) {
		va_start(ap, fmt);
		vsnprintf(x->err + k, x->errcap - (size_t)k, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void skip_blanks(struct lex *x)
{
	while (x->p < x->end && is_blank(*x->p))
		x->p++;
}

/* At a token, or at the end of the useful part of the line (end or a comment)? */
static int at_end(struct lex *x)
{
	skip_blanks(x);
	return x->p == x->end || *x->p == '#';
}

/* An unquoted word: up to a blank. */
static size_t word_len(const struct lex *x)
{
	const char *q = x->p;

	while (q < x->end && !is_blank(*q))
		q++;
	return (size_t)(q - x->p);
}

static int copy_field(struct lex *x, const char *at, const char *s, size_t n, char *dst,
		      size_t cap, const char *what)
{
	if (n == 0)
		return fail(x, at, -EINVAL, "%s is empty", what);
	if (n >= cap)
		return fail(x, at, -ENAMETOOLONG, "%s is longer than %zu bytes", what, cap - 1);
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int target_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.' || c == ':';
}

/* TARGET[/PARTNAME][@OFFSET] */
static int parse_target(struct lex *x, struct ifl_plan_entry *e)
{
	const char *w = x->p, *wend = x->p + word_len(x), *q = w, *at, *slash;
	char num[32];
	int rc;

	while (q < wend && target_char(*q))
		q++;
	if (q < wend && *q != '/' && *q != '@')
		return fail(x, q, -EINVAL, "unexpected '%c' in target name", *q);
	rc = copy_field(x, w, w, (size_t)(q - w), e->target, sizeof(e->target), "target");
	if (rc)
		return rc;
	at = memchr(q, '@', (size_t)(wend - q));
	if (!at)
		at = wend;
	if (q < wend && *q == '/') {
		slash = q;
		if (memchr(slash + 1, '/', (size_t)(at - slash - 1)))
			return fail(x, slash, -EINVAL, "target has more than one '/'");
		rc = copy_field(x, slash + 1, slash + 1, (size_t)(at - slash - 1), e->partname,
				sizeof(e->partname), "partition name");
		if (rc)
			return rc;
	}
	x->p = wend;
	if (at == wend)
		return 0;
	if ((size_t)(wend - at - 1) >= sizeof(num) || wend - at == 1)
		return fail(x, at + 1, -EINVAL, "offset must be a size such as 4096, 0x1000 or 4M");
	memcpy(num, at + 1, (size_t)(wend - at - 1));
	num[wend - at - 1] = '\0';
	if (ifl_parse_size(num, &e->offset) != 0)
		return fail(x, at + 1, -EINVAL, "offset must be a size such as 4096, 0x1000 or 4M");
	e->has_offset = 1;
	return 0;
}

/* IMAGE, bare or in double quotes (where \" and \\ stand for " and \). */
static int parse_image(struct lex *x, struct ifl_plan_entry *e)
{
	const char *open = x->p;
	size_t n = word_len(x);
	int rc;

	if (*x->p != '"') {
		rc = copy_field(x, open, x->p, n, e->image, sizeof(e->image), "image");
		x->p += n;
		return rc;
	}
	n = 0;
	for (x->p++; x->p < x->end && *x->p != '"'; x->p++) {
		char c = *x->p;

		if (c == '\\' && x->p + 1 < x->end && (x->p[1] == '"' || x->p[1] == '\\'))
			c = *++x->p;
		if (n + 1 >= sizeof(e->image))
			return fail(x, open, -ENAMETOOLONG, "image is longer than %zu bytes",
				    sizeof(e->image) - 1);
		e->image[n++] = c;
	}
	if (x->p == x->end)
		return fail(x, open, -EINVAL, "image has no closing '\"'");
	x->p++;
	e->image[n] = '\0';
	if (n == 0)
		return fail(x, open, -EINVAL, "image is empty");
	if (x->p < x->end && !is_blank(*x->p))
		return fail(x, x->p, -EINVAL, "expected a blank after the closing '\"'");
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_option(struct lex *x, struct ifl_plan_entry *e)
{
	const char *w = x->p;
	size_t n = word_len(x);

	if (n < 7 || memcmp(w, "sha256=", 7) != 0)
		return fail(x, w, -EINVAL, "expected sha256=HEX or the end of the line");
	if (e->has_sha)
		return fail(x, w, -EINVAL, "sha256 given twice");
	if (n != 7 + 64)
		return fail(x, w + 7, -EINVAL, "sha256 must be 64 hex digits");
	for (int i = 0; i < 32; i++) {
		int hi = hexval(w[7 + 2 * i]), lo = hexval(w[8 + 2 * i]);

		if (hi < 0 || lo < 0)
			return fail(x, w + 7, -EINVAL, "sha256 must be 64 hex digits");
		e->sha256[i] = (uint8_t)(hi << 4 | lo);
	}
	e->has_sha = 1;
	x->p += n;
	return 0;
}

/* One non-blank, non-comment line into *e. */
static int parse_line(struct lex *x, struct ifl_plan_entry *e)
{
	int rc;

	memset(e, 0, sizeof(*e));
	e->line = x->line;
	rc = parse_target(x, e);
	if (rc)
		return rc;
	if (at_end(x))
		return fail(x, x->p, -EINVAL, "expected an image after the target");
	rc = parse_image(x, e);
	while (!rc && !at_end(x))
		rc = parse_option(x, e);
	return rc;
}

int ifl_plan_parse(const char *text, size_t len, const char *fname, struct ifl_plan_entry *out,
		   size_t cap, size_t *n, char *err, size_t errcap)
{
	struct lex x = {.fname = fname ? fname : "plan", .err = err, .errcap = errcap};
	const char *p = text, *end = text + len;
	int rc;

	*n = 0;
	for (x.line = 1; p < end; x.line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		x.start = x.p = p;
		x.end = nl ? nl : end;
		p = nl ? nl + 1 : end;
		if (memchr(x.start, '\0', (size_t)(x.end - x.start)))
			return fail(&x, memchr(x.start, '\0', (size_t)(x.end - x.start)), -EINVAL,
				    "NUL byte in the plan");
		if (at_end(&x))
			continue;
		if (*n == cap)
			return fail(&x, x.p, -E2BIG, "more than %zu writes", cap);
		rc = parse_line(&x, &out[*n]);
		if (rc)
			return rc;
		(*n)++;
	}
	if (*n == 0) {
		if (err && errcap)
			snprintf(err, errcap, "%s: the plan has no writes", x.fname);
		return -ENODATA;
	}
	return 0;
}

int ifl_plan_check_overlaps(const struct ifl_plan_span *s, size_t n, const char *fname,
			    size_t *a, size_t *b, char *err, size_t errcap)
{
	for (size_t j = 1; j < n; j++) {
		uint64_t jend = s[j].start + s[j].len < s[j].start ? UINT64_MAX
								   : s[j].start + s[j].len;

		if (s[j].len == 0)
			continue;
		for (size_t i = 0; i < j; i++) {
			uint64_t iend = s[i].start + s[i].len < s[i].start ? UINT64_MAX
									   : s[i].start + s[i].len;

			if (s[i].len == 0 || strcmp(s[i].target, s[j].target) != 0)
				continue;
			if (s[i].start < jend && s[j].start < iend) {
				*a = i;
				*b = j;
				if (err && errcap)
					snprintf(err, errcap,
						 "%s: line %u overlaps line %u on %s "
						 "(bytes %llu..%llu and %llu..%llu)",
						 fname ? fname : "plan", s[j].line, s[i].line,
						 s[j].target, (unsigned long long)s[j].start,
						 (unsigned long long)jend - 1,
						 (unsigned long long)s[i].start,
						 (unsigned long long)iend - 1);
				return -EEXIST;
			}
		}
	}
	return 0;
}
