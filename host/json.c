/* json.c - a tiny streaming JSON writer for --json event lines. */
#include "json.h"

#include <math.h>

static void put_string(FILE *f, const char *s)
{
	putc_unlocked('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			putc_unlocked(*p, f);
	}
	putc_unlocked('"', f);
}

/* Separator and key of the next member. */
static void member(struct ifl_json *j, const char *key)
{
	if (!j->first[j->depth])
		putc_unlocked(',', j->f);
	j->first[j->depth] = 0;
	if (key) {
		put_string(j->f, key);
		putc_unlocked(':', j->f);
	}
}

void ifl_json_begin(struct ifl_json *j, FILE *f, const char *event)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = 1;
	flockfile(f);
	putc_unlocked('{', f);
	ifl_json_str(j, "event", event);
}

void ifl_json_str(struct ifl_json *j, const char *key, const char *val)
{
	member(j, key);
	put_string(j->f, val ? val : "");
}

void ifl_json_u64(struct ifl_json *j, const char *key, uint64_t val)
{
	member(j, key);
	fprintf(j->f, "%llu", (unsigned long long)val);
}

void ifl_json_num(struct ifl_json *j, const char *key, double val)
{
	member(j, key);
	/* JSON has no NaN or infinity. */
	fprintf(j->f, "%.3f", isfinite(val) ? val : 0.0);
}

void ifl_json_bool(struct ifl_json *j, const char *key, int val)
{
	member(j, key);
	fputs(val ? "true" : "false", j->f);
}

void ifl_json_open(struct ifl_json *j, const char *key, char bracket)
{
	member(j, key);
	putc_unlocked(bracket, j->f);
	if (j->depth + 1 < IFL_JSON_DEPTH)
		j->depth++;
	j->first[j->depth] = 1;
}

void ifl_json_close(struct ifl_json *j, char bracket)
{
	putc_unlocked(bracket, j->f);
	if (j->depth > 0)
		j->depth--;
}

void ifl_json_end(struct ifl_json *j)
{
	fputs("}\n", j->f);
	fflush(j->f);
	funlockfile(j->f);
}
