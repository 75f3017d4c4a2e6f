/* cmd_erase.c - `initflash erase`: make a range of a target read back as zeros. */
#include <string.h>

#include "cmd.h"
#include "fdio.h"
#include "report.h"
#include "target.h"

static const char usage[] =
	"erase TARGET[@OFFSET][+LENGTH]\n"
	"  Erase LENGTH bytes (default: to the end of the target) from OFFSET; afterwards\n"
	"  they read back as zeros.";

static int erase(struct ifl_ctx *c, struct ifl_session *s, struct ifl_tspec *ts)
{
	struct ifl_outcome out = {.op = "erase", .target = ts->name};
	const struct ifl_target_info *ti;
	struct ifl_range r = {.offset = ts->offset};
	uint64_t wire0 = s->wire_tx + s->wire_rx;
	double t0 = ifl_now();
	struct ifl_result res;
	int rc = ifl_target_resolve_range(&s->inv, ts, 1, &ti, &c->diag);

	if (rc)
		return rc;
	ifl_ui_begin(&c->ui, ts->name);
	strcpy(r.target, ts->name);
	r.length = ts->length;
	rc = ifl_session_send_range(s, IFL_T_ERASE, &r);
	if (rc == 0)
		rc = ifl_session_result(s, &res);
	if (rc)
		return ifl_session_fail(s, &c->diag, rc, ts->name);
	out.offset = ts->offset;
	out.bytes = ts->length;
	out.written = res.written;
	out.wire_bytes = s->wire_tx + s->wire_rx - wire0;
	out.seconds = ifl_now() - t0;
	ifl_report_result(&c->ui, &out);
	return 0;
}

int ifl_cmd_erase(struct ifl_ctx *c, int argc, char **argv)
{
	struct ifl_tspec ts;
	struct ifl_session s;
	int rc = ifl_cmd_common_opts(c, argc, argv, usage);

	if (rc)
		return rc == IFL_OPT_HELP ? IFL_EXIT_OK : c->diag.exit;
	if (argc - optind != 1)
		return ifl_ctx_usage(c, "erase", "give one TARGET[@OFFSET][+LENGTH]"), c->diag.exit;
	rc = ifl_tspec_parse(argv[optind], 1, &ts, &c->diag);
	if (rc == 0 && ifl_ctx_connect(c, &s) == 0) {
		erase(c, &s, &ts);
		ifl_session_close(&s, 1);
	}
	return c->diag.exit;
}
