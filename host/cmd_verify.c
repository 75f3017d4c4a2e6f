/* cmd_verify.c - `initflash verify`: does the target hold the image? Writes nothing. */
#include <errno.h>
#include <string.h>

#include "cmd.h"
#include "fdio.h"
#include "hash.h"
#include "report.h"
#include "source.h"
#include "target.h"

static const char usage[] =
	"verify TARGET[@OFFSET] IMAGE\n"
	"  Ask the agent for the SHA-256 of the image's length of the target at OFFSET and\n"
	"  compare it with the image's (raw or gzip). Exit status 5 when they differ.";

/* HASH the range while this side hashes the image; then compare. */
static int hash_both(struct ifl_ctx *c, struct ifl_session *s, const struct ifl_tspec *ts,
		     struct ifl_source *src, uint8_t mine[32], struct ifl_result *res)
{
	struct ifl_range r;
	int rc;

	memset(&r, 0, sizeof(r));
	strcpy(r.target, ts->name);
	r.offset = ts->offset;
	r.length = src->size;
	rc = ifl_session_send_range(s, IFL_T_HASH, &r);
	if (rc)
		return ifl_session_fail(s, &c->diag, rc, ts->name);
	rc = ifl_source_sha256(src, mine);
	if (rc)
		return ifl_source_fail(src, &c->diag, rc);
	rc = ifl_session_result(s, res);
	if (rc)
		return ifl_session_fail(s, &c->diag, rc, ts->name);
	if (!(res->flags & IFL_RES_HASHED))
		return ifl_session_fail(s, &c->diag, -EPROTO, ts->name);
	return 0;
}

static int compare(struct ifl_ctx *c, const struct ifl_tspec *ts, const char *image,
		   const uint8_t mine[32], const struct ifl_result *res)
{
	char hm[65], ht[65];

	if (memcmp(mine, res->sha256, 32) == 0)
		return 0;
	ifl_hex(mine, 32, hm);
	ifl_hex(res->sha256, 32, ht);
	return ifl_diag_set(&c->diag, -EBADMSG, IFL_EXIT_VERIFY, ts->name,
			    "does not match %s: the target holds sha256 %s, the image has sha256 %s; "
			    "flash the image to make them equal", image, ht, hm);
}

static int verify(struct ifl_ctx *c, struct ifl_session *s, struct ifl_tspec *ts,
		  const char *image, struct ifl_source *src)
{
	struct ifl_outcome out = {.op = "verify", .target = ts->name, .file = image};
	const struct ifl_target_info *ti;
	uint64_t wire0 = s->wire_tx + s->wire_rx;
	double t0 = ifl_now();
	uint8_t mine[32];
	struct ifl_result res;
	int rc = ifl_target_resolve_image(&s->inv, ts, src->size, 0, &ti, &c->diag);

	ifl_ui_begin(&c->ui, ts->name);
	if (rc == 0)
		rc = hash_both(c, s, ts, src, mine, &res);
	if (rc == 0)
		rc = compare(c, ts, image, mine, &res);
	if (rc)
		return rc;
	out.offset = ts->offset;
	out.bytes = src->size;
	out.wire_bytes = s->wire_tx + s->wire_rx - wire0;
	out.seconds = ifl_now() - t0;
	out.sha256 = mine;
	out.verified = 1;
	ifl_report_result(&c->ui, &out);
	return 0;
}

int ifl_cmd_verify(struct ifl_ctx *c, int argc, char **argv)
{
	struct ifl_tspec ts;
	struct ifl_source *src = NULL;
	struct ifl_session s;
	int rc = ifl_cmd_common_opts(c, argc, argv, usage);

	if (rc)
		return rc == IFL_OPT_HELP ? IFL_EXIT_OK : c->diag.exit;
	if (argc - optind != 2)
		return ifl_ctx_usage(c, "verify", "give TARGET[@OFFSET] IMAGE"), c->diag.exit;
	rc = ifl_tspec_parse(argv[optind], 0, &ts, &c->diag);
	if (rc == 0)
		rc = ifl_source_open(argv[optind + 1], &src, &c->diag);
	if (rc == 0)
		rc = ifl_ctx_connect(c, &s);
	if (rc == 0) {
		verify(c, &s, &ts, argv[optind + 1], src);
		ifl_session_close(&s, 1);
	}
	ifl_source_close(src);
	return c->diag.exit;
}
