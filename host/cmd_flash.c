/* cmd_flash.c - `initflash flash`: write one or more images to targets in one session. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "flash.h"
#include "l4t.h"
#include "plan_run.h"
#include "target.h"
#include "units.h"

static const char usage[] =
	"flash [--no-verify] [--level N] [--chunk SIZE] [--bmap FILE | --no-bmap]\n"
	"      TARGET[/PARTNAME][@OFFSET] IMAGE [TARGET[/PARTNAME][@OFFSET] IMAGE ...]\n"
	"flash [--no-verify] [--level N] [--chunk SIZE] [--no-bmap] --plan FILE\n"
	"  Write raw, gzip or Android sparse IMAGEs (told apart by their first bytes) to\n"
	"  targets, one after another; each is read back and compared by SHA-256 unless\n"
	"  --no-verify (sparse and bmap images: each written extent).\n"
	"  --bmap FILE  send only the blocks FILE (bmaptool create) maps, checked first;\n"
	"               one IMAGE only. By default IMAGE.bmap beside IMAGE is used.\n"
	"  --no-bmap    ignore IMAGE.bmap files and send whole images\n"
	"  --plan FILE  the writes listed in FILE, one `TARGET[/PARTNAME][@OFFSET] IMAGE\n"
	"               [sha256=HEX]` a line; every image, partition, size, overlap and\n"
	"               sha256 is checked before the first byte is written\n"
	"flash [--no-verify] [--level N] [--chunk SIZE] --l4t DIR [--external-device DEV]\n"
	"  --l4t DIR    the L4T package DIR (tools/kernel_flash/images, or its internal/ or\n"
	"               external/): every file's flash.idx sha1 checked, then primary GPT,\n"
	"               secondary GPT and partitions written per device (docs/PLAN.md)\n"
	"  --external-device DEV  the disk for flash.idx device type 9 (nvme0n1, sda)\n"
	"  --level N    zlib level 0-9 for the link (default 1; 0 sends chunks raw)\n"
	"  --chunk SIZE bytes per chunk (default 1M, at most what the agent accepts)";

enum { OPT_NO_VERIFY = 256, OPT_LEVEL, OPT_CHUNK, OPT_BMAP, OPT_NO_BMAP, OPT_PLAN, OPT_L4T,
       OPT_EXTERNAL };

/* --bmap FILE, or "" for --no-bmap; NULL: look for IMAGE.bmap. */
static const char *bmap_opt;
/* --plan FILE, or NULL. */
static const char *plan_opt;
/* --l4t DIR and --external-device DEV, or NULL. */
static const char *l4t_opt, *external_opt;

static int parse_level(struct ifl_ctx *c, const char *arg, int *level)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || v < 0 || v > 9)
		return ifl_ctx_usage(c, "flash", "--level takes a number from 0 to 9");
	*level = (int)v;
	return 0;
}

static int parse_chunk(struct ifl_ctx *c, const char *arg, uint32_t *chunk)
{
	uint64_t v;

	if (ifl_parse_size(arg, &v) || v == 0 || v > IFL_MAX_CHUNK)
		return ifl_ctx_usage(c, "flash", "--chunk takes a size from 1 to 4M");
	*chunk = (uint32_t)v;
	return 0;
}

static int parse_opts(struct ifl_ctx *c, int argc, char **argv, struct ifl_flash_opts *o)
{
	static const struct option longopts[] = {
		{"no-verify", no_argument, NULL, OPT_NO_VERIFY},
		{"level", required_argument, NULL, OPT_LEVEL},
		{"chunk", required_argument, NULL, OPT_CHUNK},
		{"bmap", required_argument, NULL, OPT_BMAP},
		{"no-bmap", no_argument, NULL, OPT_NO_BMAP},
		{"plan", required_argument, NULL, OPT_PLAN},
		{"l4t", required_argument, NULL, OPT_L4T},
		{"external-device", required_argument, NULL, OPT_EXTERNAL},
		IFL_COMMON_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	int opt, rc = 0;

	o->verify = 1;
	o->level = 1;
	o->chunk = 1u << 20;
	bmap_opt = NULL;
	plan_opt = NULL;
	l4t_opt = external_opt = NULL;
	optind = 0;
	while (rc == 0 && (opt = getopt_long(argc, argv, IFL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (opt == OPT_NO_VERIFY)
			o->verify = 0;
		else if (opt == OPT_LEVEL)
			rc = parse_level(c, optarg, &o->level);
		else if (opt == OPT_CHUNK)
			rc = parse_chunk(c, optarg, &o->chunk);
		else if (opt == OPT_BMAP)
			bmap_opt = optarg;
		else if (opt == OPT_NO_BMAP)
			bmap_opt = "";
		else if (opt == OPT_PLAN)
			plan_opt = optarg;
		else if (opt == OPT_L4T)
			l4t_opt = optarg;
		else if (opt == OPT_EXTERNAL)
			external_opt = optarg;
		else
			rc = ifl_ctx_option(c, opt, argv);
	}
	if (rc == IFL_OPT_HELP)
		ifl_cmd_help(usage);
	return rc;
}

/* IMAGE with its bmap (--bmap, or IMAGE.bmap when it exists), or plain. */
static int open_image(struct ifl_ctx *c, const char *image, struct ifl_source **src)
{
	char auto_bmap[4096];

	if (bmap_opt && bmap_opt[0])
		return ifl_source_open_bmap(image, bmap_opt, src, &c->diag);
	if (!bmap_opt && snprintf(auto_bmap, sizeof(auto_bmap), "%s.bmap", image) < (int)sizeof(auto_bmap)
	    && access(auto_bmap, F_OK) == 0)
		return ifl_source_open_bmap(image, auto_bmap, src, &c->diag);
	return ifl_source_open(image, src, &c->diag);
}

/* Parse the TARGET IMAGE pairs and open (and so check) every image before connecting. */
static int open_jobs(struct ifl_ctx *c, int n, char **args, struct ifl_flash_job *jobs)
{
	for (int i = 0; i < n; i++) {
		int rc = ifl_tspec_parse(args[2 * i], 0, &jobs[i].spec, &c->diag);

		if (rc)
			return rc;
		jobs[i].image = args[2 * i + 1];
		rc = open_image(c, jobs[i].image, &jobs[i].src);
		if (rc)
			return rc;
	}
	return 0;
}

/* Every pair against the inventory, before the first BEGIN. */
static int precheck(struct ifl_ctx *c, const struct ifl_inventory *inv, int n,
		    struct ifl_flash_job *jobs)
{
	for (int i = 0; i < n; i++) {
		const struct ifl_target_info *ti;
		int rc = ifl_target_resolve_image(inv, &jobs[i].spec, jobs[i].src->size, 1, &ti,
						  &c->diag);

		if (rc)
			return rc;
	}
	return 0;
}

/* The largest chunk any of the jobs will use: the size of the pipeline's buffers. */
static uint32_t chunk_cap(const struct ifl_inventory *inv, int n, const struct ifl_flash_job *jobs,
			  uint32_t want)
{
	uint32_t cap = 1;

	for (int i = 0; i < n; i++) {
		uint32_t c = ifl_flash_chunk(want, inv, ifl_target_find(inv, jobs[i].spec.name));
		cap = c > cap ? c : cap;
	}
	return cap;
}

static unsigned online_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

/* Connected: check, then flash the images one after another. */
static int run(struct ifl_ctx *c, struct ifl_session *s, int n, struct ifl_flash_job *jobs,
	       struct ifl_flash_opts *o)
{
	struct ifl_pipeline p;
	int rc = precheck(c, &s->inv, n, jobs);

	if (rc)
		return rc;
	rc = ifl_pipeline_init(&p, chunk_cap(&s->inv, n, jobs, o->chunk), online_cores());
	if (rc)
		return ifl_diag_set(&c->diag, rc, IFL_EXIT_LOCAL, NULL,
				    "cannot allocate the chunk buffers; try a smaller --chunk");
	for (int i = 0; i < n && rc == 0; i++)
		rc = ifl_flash_image(c, s, &p, &jobs[i], o);
	ifl_pipeline_destroy(&p);
	return rc;
}

/*
 * flash --plan: parse, open every image, check the sha256 sums, connect,
 * resolve partitions and overlaps, and only then write, in file order.
 */
static int flash_plan(struct ifl_ctx *c, struct ifl_flash_opts *o)
{
	struct ifl_plan_run pr;
	struct ifl_session s;
	int rc = ifl_plan_run_load(plan_opt, &pr, &c->diag);

	for (size_t i = 0; rc == 0 && i < pr.n; i++)
		rc = open_image(c, pr.jobs[i].image, &pr.jobs[i].src);
	if (rc == 0)
		rc = ifl_plan_run_check_sums(&pr, &c->diag);
	if (rc == 0)
		rc = ifl_ctx_connect(c, &s);
	if (rc == 0) {
		rc = ifl_plan_run_resolve(&pr, &s.inv, &c->diag);
		if (rc == 0)
			rc = run(c, &s, (int)pr.n, pr.jobs, o);
		ifl_session_close(&s, 1);
	}
	ifl_plan_run_free(&pr);
	return c->diag.exit;
}

/*
 * flash --l4t: parse every flash.idx and check every sha1 before connecting,
 * then build the ordered writes against the inventory, check them as a plan,
 * and write them in one session.
 */
static int flash_l4t(struct ifl_ctx *c, struct ifl_flash_opts *o)
{
	struct ifl_plan_run pr;
	struct ifl_session s;
	struct ifl_l4t t;
	int rc = ifl_l4t_load(l4t_opt, external_opt, &t, c->ui.mode == IFL_UI_QUIET ||
			      c->ui.json ? NULL : stderr, &c->diag);

	memset(&pr, 0, sizeof(pr));
	if (rc == 0)
		rc = ifl_ctx_connect(c, &s);
	if (rc == 0) {
		rc = ifl_l4t_plan(&t, &s.inv, &pr, &c->diag);
		if (rc == 0)
			rc = run(c, &s, (int)pr.n, pr.jobs, o);
		ifl_session_close(&s, 1);
	}
	ifl_plan_run_free(&pr);
	ifl_l4t_free(&t);
	return c->diag.exit;
}

int ifl_cmd_flash(struct ifl_ctx *c, int argc, char **argv)
{
	struct ifl_flash_opts o;
	struct ifl_flash_job *jobs = NULL;
	struct ifl_session s;
	int n, rc = parse_opts(c, argc, argv, &o);

	if (rc)
		return rc == IFL_OPT_HELP ? IFL_EXIT_OK : c->diag.exit;
	ifl_ctx_ready(c);
	if (plan_opt && (argc != optind || (bmap_opt && bmap_opt[0]) || l4t_opt))
		return ifl_ctx_usage(c, "flash", "--plan FILE takes no TARGET IMAGE pairs, no --l4t "
				     "and no --bmap (put IMAGE.bmap beside each image)"), c->diag.exit;
	if (plan_opt)
		return flash_plan(c, &o);
	if (external_opt && !l4t_opt)
		return ifl_ctx_usage(c, "flash", "--external-device goes with --l4t DIR"), c->diag.exit;
	if (l4t_opt && (argc != optind || bmap_opt))
		return ifl_ctx_usage(c, "flash", "--l4t DIR takes no TARGET IMAGE pairs, no --plan "
				     "and no --bmap/--no-bmap"), c->diag.exit;
	if (l4t_opt)
		return flash_l4t(c, &o);
	n = (argc - optind) / 2;
	if (argc - optind < 2 || (argc - optind) % 2)
		return ifl_ctx_usage(c, "flash", "give TARGET[@OFFSET] IMAGE pairs"), c->diag.exit;
	if (n > 1 && bmap_opt && bmap_opt[0])
		return ifl_ctx_usage(c, "flash", "--bmap goes with one IMAGE; for several, put "
				     "IMAGE.bmap beside each"), c->diag.exit;
	jobs = calloc((size_t)n, sizeof(*jobs));
	if (!jobs)
		return ifl_diag_set(&c->diag, -ENOMEM, IFL_EXIT_LOCAL, NULL, "out of memory"), c->diag.exit;
	rc = open_jobs(c, n, argv + optind, jobs);
	if (rc == 0)
		rc = ifl_ctx_connect(c, &s);
	if (rc == 0) {
		rc = run(c, &s, n, jobs, &o);
		ifl_session_close(&s, 1);
	}
	for (int i = 0; i < n; i++)
		ifl_source_close(jobs[i].src);
	free(jobs);
	return c->diag.exit;
}
