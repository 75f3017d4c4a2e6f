/* cmd_info.c - `initflash info`: the agent's version and its table of targets. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "target.h"
#include "units.h"

static const char usage[] =
	"info\n"
	"  List the agent's targets: name, kind (emmc and sd for MMC cards), size, block size,\n"
	"  read-only, bad erase blocks (NAND), model, serial, and under each the GPT partitions\n"
	"  it holds (name, start, size).";

/* "emmc" or "sd" for an MMC card, else the kind. */
static const char *kind_name(const struct ifl_target_info *t)
{
	if (t->flags & IFL_TF_EMMC)
		return "emmc";
	if (t->flags & IFL_TF_SD)
		return "sd";
	return ifl_target_kind(t->kind);
}

/* "partitions": [{name, start, size}] of target ti (GPT, as the agent read it). */
static void json_parts(struct ifl_json *j, const struct ifl_inventory *inv, unsigned ti)
{
	ifl_json_open(j, "partitions", '[');
	for (unsigned k = 0; k < inv->nparts; k++) {
		const struct ifl_part_info *p = &inv->part[k];

		if (p->target != ti)
			continue;
		ifl_json_open(j, NULL, '{');
		ifl_json_str(j, "name", p->name);
		ifl_json_u64(j, "start", p->start);
		ifl_json_u64(j, "size", p->size);
		ifl_json_close(j, '}');
	}
	ifl_json_close(j, ']');
}

/* The partitions of target ti, indented under it: name, start, size. */
static void table_parts(FILE *f, const struct ifl_inventory *inv, unsigned ti)
{
	char st[32], sz[32];

	for (unsigned k = 0; k < inv->nparts; k++) {
		const struct ifl_part_info *p = &inv->part[k];

		if (p->target != ti)
			continue;
		fprintf(f, "  /%-*s  at %10s  %10s  %14llu\n", 20, p->name[0] ? p->name : "-",
			ifl_fmt_size(p->start, st, sizeof(st)), ifl_fmt_size(p->size, sz, sizeof(sz)),
			(unsigned long long)p->size);
	}
}

static void info_json(struct ifl_ctx *c, const struct ifl_inventory *inv)
{
	struct ifl_json j;
	char sz[32];

	ifl_json_begin(&j, c->ui.out, "info");
	ifl_json_str(&j, "agent_version", inv->agent_version);
	ifl_json_u64(&j, "max_chunk", inv->max_chunk);
	ifl_json_u64(&j, "max_payload", inv->max_payload);
	ifl_json_bool(&j, "power", !!(inv->flags & IFL_INV_POWER));
	ifl_json_open(&j, "targets", '[');
	for (unsigned i = 0; i < inv->ntargets; i++) {
		const struct ifl_target_info *t = &inv->t[i];

		ifl_json_open(&j, NULL, '{');
		ifl_json_str(&j, "name", t->name);
		ifl_json_str(&j, "kind", ifl_target_kind(t->kind));
		ifl_json_str(&j, "media", t->flags & IFL_TF_EMMC ? "emmc" : t->flags & IFL_TF_SD ? "sd" : "");
		ifl_json_u64(&j, "size", t->size);
		ifl_json_str(&j, "size_human", ifl_fmt_size(t->size, sz, sizeof(sz)));
		ifl_json_u64(&j, "block_size", t->block_size);
		ifl_json_u64(&j, "erase_size", t->erase_size);
		ifl_json_u64(&j, "write_size", t->write_size);
		ifl_json_bool(&j, "read_only", !!(t->flags & IFL_TF_READONLY));
		ifl_json_bool(&j, "removable", !!(t->flags & IFL_TF_REMOVABLE));
		ifl_json_u64(&j, "bad_blocks", t->bad_blocks);
		ifl_json_str(&j, "model", t->model);
		ifl_json_str(&j, "serial", t->serial);
		json_parts(&j, inv, i);
		ifl_json_close(&j, '}');
	}
	ifl_json_close(&j, ']');
	ifl_json_end(&j);
}

static int width(const struct ifl_inventory *inv, size_t off, int min)
{
	int w = min;

	for (unsigned i = 0; i < inv->ntargets; i++) {
		int n = (int)strlen((const char *)&inv->t[i] + off);
		w = n > w ? n : w;
	}
	return w;
}

static void info_table(struct ifl_ctx *c, const struct ifl_inventory *inv)
{
	FILE *f = c->ui.out;
	int wn = width(inv, offsetof(struct ifl_target_info, name), 4);
	int wm = width(inv, offsetof(struct ifl_target_info, model), 5);
	char sz[32];

	fprintf(f, "agent: %s (%u target%s, chunks up to %s%s)\n",
		inv->agent_version[0] ? inv->agent_version : "unknown version", inv->ntargets,
		inv->ntargets == 1 ? "" : "s", ifl_fmt_size(inv->max_chunk, sz, sizeof(sz)),
		inv->flags & IFL_INV_POWER ? ", reboot/poweroff allowed" : "");
	fprintf(f, "%-*s  %-8s  %10s  %14s  %6s  %-3s  %4s  %-*s  %s\n", wn, "NAME", "KIND", "SIZE",
		"BYTES", "BLOCK", "RO", "BAD", wm, "MODEL", "SERIAL");
	for (unsigned i = 0; i < inv->ntargets; i++) {
		const struct ifl_target_info *t = &inv->t[i];

		char bad[12] = "-";

		if (t->kind == IFL_KIND_MTD_NAND)
			snprintf(bad, sizeof(bad), "%u", t->bad_blocks);
		fprintf(f, "%-*s  %-8s  %10s  %14llu  %6u  %-3s  %4s  %-*s  %s\n", wn, t->name,
			kind_name(t), ifl_fmt_size(t->size, sz, sizeof(sz)),
			(unsigned long long)t->size, t->block_size,
			t->flags & IFL_TF_READONLY ? "yes" : "no", bad, wm,
			t->model[0] ? t->model : "-", t->serial[0] ? t->serial : "-");
		table_parts(f, inv, i);
	}
	fflush(f);
}

int ifl_cmd_info(struct ifl_ctx *c, int argc, char **argv)
{
	struct ifl_session s;
	int rc = ifl_cmd_common_opts(c, argc, argv, usage);

	if (rc)
		return rc == IFL_OPT_HELP ? IFL_EXIT_OK : c->diag.exit;
	if (optind != argc)
		return ifl_ctx_usage(c, "info", "takes no arguments"), c->diag.exit;
	if (ifl_ctx_connect(c, &s))
		return c->diag.exit;
	if (c->json)
		info_json(c, &s.inv);
	else
		info_table(c, &s.inv);
	ifl_session_close(&s, 1);
	return IFL_EXIT_OK;
}
