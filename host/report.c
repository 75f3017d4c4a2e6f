/* report.c - print operation summaries and failures for people or for scripts. */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "json.h"
#include "units.h"

/* Bytes a flash moved: a sparse or bmap image defines only part of its size. */
static uint64_t moved(const struct ifl_outcome *o)
{
	if (strcmp(o->op, "flash") == 0 && o->written + o->skipped < o->bytes)
		return o->written + o->skipped;
	return o->bytes;
}

static double mbps(const struct ifl_outcome *o)
{
	return o->seconds > 0 ? (double)moved(o) / o->seconds / 1e6 : 0;
}

static void result_json(FILE *f, const struct ifl_outcome *o)
{
	struct ifl_json j;
	char hex[65];

	ifl_json_begin(&j, f, "result");
	ifl_json_str(&j, "op", o->op);
	ifl_json_str(&j, "target", o->target);
	if (o->label && o->label[0] && strcmp(o->label, o->target) != 0)
		ifl_json_str(&j, "label", o->label);
	if (o->file)
		ifl_json_str(&j, "file", o->file);
	ifl_json_u64(&j, "offset", o->offset);
	ifl_json_u64(&j, "bytes", o->bytes);
	ifl_json_u64(&j, "written", o->written);
	ifl_json_u64(&j, "skipped", o->skipped);
	if (o->has_blocks) {
		ifl_json_u64(&j, "blocks_written", o->blocks_written);
		ifl_json_u64(&j, "blocks_skipped", o->blocks_skipped);
	}
	ifl_json_u64(&j, "wire_bytes", o->wire_bytes);
	ifl_json_num(&j, "seconds", o->seconds);
	ifl_json_num(&j, "mbps", mbps(o));
	if (o->sha256) {
		ifl_hex(o->sha256, 32, hex);
		ifl_json_str(&j, "sha256", hex);
	}
	ifl_json_bool(&j, "verified", o->verified);
	ifl_json_end(&j);
}

/* The verb of the summary and the word that ties the file to it. */
static void words(const char *op, const char **verb, const char **prep)
{
	*verb = "checked";
	*prep = " against ";
	if (strcmp(op, "flash") == 0) {
		*verb = "wrote";
		*prep = " from ";
	} else if (strcmp(op, "read") == 0) {
		*verb = "read";
		*prep = " into ";
	} else if (strcmp(op, "erase") == 0) {
		*verb = "erased";
	}
}

static void result_text(FILE *f, const struct ifl_outcome *o)
{
	char sb[96], st[32], so[48] = "", sw[32], hex[80] = "", sk[96] = "", ss[32];
	const char *verb, *prep;

	words(o->op, &verb, &prep);
	ifl_fmt_size(o->bytes, st, sizeof(st));
	if (moved(o) < o->bytes)
		snprintf(sb, sizeof(sb), "%s of a %s image (%llu bytes)",
			 ifl_fmt_size(moved(o), ss, sizeof(ss)), st, (unsigned long long)moved(o));
	else
		snprintf(sb, sizeof(sb), "%s (%llu bytes)", st, (unsigned long long)o->bytes);
	ifl_fmt_size(o->wire_bytes, sw, sizeof(sw));
	if (o->offset) {
		strcpy(so, " at offset ");
		ifl_fmt_size(o->offset, so + strlen(so), sizeof(so) - strlen(so));
	}
	if (o->sha256) {
		strcpy(hex, ", sha256 ");
		ifl_hex(o->sha256, 32, hex + strlen(hex));
	}
	/* What a flash left alone: erase blocks (MTD) or bytes already right. */
	if (o->has_blocks)
		snprintf(sk, sizeof(sk), "; %u erase block%s written, %u already held the image",
			 o->blocks_written, o->blocks_written == 1 ? "" : "s", o->blocks_skipped);
	else if (o->skipped)
		snprintf(sk, sizeof(sk), "; %s already held the image",
			 ifl_fmt_size(o->skipped, ss, sizeof(ss)));
	fprintf(f, "%s: %s %s%s%s%s in %.2f s, %.1f MB/s, %s on the wire%s%s%s\n",
		o->label && o->label[0] ? o->label : o->target, verb, sb, so, o->file ? prep : "",
		o->file ? o->file : "", o->seconds, mbps(o), sw, hex,
		o->verified ? ", verified" : (o->sha256 ? ", not verified" : ""), sk);
	fflush(f);
}

void ifl_report_result(struct ifl_ui *u, const struct ifl_outcome *o)
{
	ifl_ui_clear(u);
	if (u->json)
		result_json(u->out, o);
	else
		result_text(u->out, o);
}

void ifl_report_error(struct ifl_ui *u, const struct ifl_diag *d)
{
	struct ifl_json j;

	ifl_ui_clear(u);
	if (d->who[0])
		fprintf(stderr, "initflash: %s: %s\n", d->who, d->msg);
	else
		fprintf(stderr, "initflash: %s\n", d->msg);
	if (!u->json)
		return;
	ifl_json_begin(&j, u->out, "error");
	ifl_json_u64(&j, "code", (uint64_t)d->exit);
	if (d->who[0])
		ifl_json_str(&j, "target", d->who);
	if (d->agent_code)
		ifl_json_u64(&j, "agent_code", d->agent_code);
	ifl_json_str(&j, "message", d->msg);
	ifl_json_end(&j);
}
