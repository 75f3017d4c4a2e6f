/* cmd_read.c - `initflash read`: copy a range of a target into a file or stdout. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chunk.h"
#include "cmd.h"
#include "fdio.h"
#include "hash.h"
#include "report.h"
#include "target.h"

static const char usage[] =
	"read TARGET[@OFFSET][+LENGTH] OUTFILE\n"
	"  Copy LENGTH bytes (default: to the end of the target) from OFFSET into OUTFILE\n"
	"  (- for stdout), checked against the agent's SHA-256 of the range.";

struct out {
	const char *path;
	int fd;
	int regular;         /* a regular file: fsync it, remove it when the read fails */
	uint8_t *buf;        /* one expanded chunk */
	uint64_t got;        /* bytes written to fd so far */
	struct ifl_sha256 h; /* of those bytes */
};

static int out_open(struct ifl_ctx *c, struct out *o)
{
	struct stat st;

	o->fd = strcmp(o->path, "-") == 0 ? 1 : open(o->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (o->fd < 0)
		return ifl_diag_set(&c->diag, -errno, IFL_EXIT_LOCAL, o->path,
				    "cannot create the output file: %s", strerror(errno));
	o->regular = o->fd != 1 && fstat(o->fd, &st) == 0 && S_ISREG(st.st_mode);
	return 0;
}

/* fsync and close are where a full disk shows: the copy counts only if both succeed. */
static int out_finish(struct ifl_ctx *c, struct out *o)
{
	int rc = 0;

	if (fsync(o->fd) < 0 && errno != EINVAL && errno != EROFS && errno != ENOTSUP)
		rc = -errno;
	if (o->fd != 1 && close(o->fd) < 0 && rc == 0)
		rc = -errno;
	o->fd = -1;
	if (rc)
		return ifl_diag_set(&c->diag, rc, IFL_EXIT_LOCAL, o->path,
				    "cannot write the output file: %s; check the free space", strerror(-rc));
	return 0;
}

/* One DATA frame: the next piece of the range, in order. */
static int out_data(struct ifl_ctx *c, struct out *o, const struct ifl_reply *r, uint64_t length)
{
	struct ifl_chunk ch;
	int rc;

	if (ifl_chunk_parse(r->p, r->len, IFL_MAX_CHUNK, &ch) || ch.offset != o->got ||
	    ch.raw_len > length - o->got || ifl_chunk_expand(&ch, o->buf, IFL_MAX_CHUNK))
		return -EPROTO;
	ifl_sha256_update(&o->h, o->buf, ch.raw_len);
	rc = ifl_write_all(o->fd, o->buf, ch.raw_len);
	if (rc)
		return ifl_diag_set(&c->diag, rc, IFL_EXIT_LOCAL, o->path,
				    "cannot write the output file: %s; check the free space", strerror(-rc));
	o->got += ch.raw_len;
	ifl_ui_progress(&c->ui, IFL_PH_READ, o->got, length);
	return 0;
}

/* READ, then DATA... until RESULT. */
static int receive(struct ifl_ctx *c, struct ifl_session *s, const struct ifl_tspec *ts, struct out *o,
		   struct ifl_result *res)
{
	struct ifl_range r = {.offset = ts->offset, .length = ts->length};
	struct ifl_reply rep;
	int rc;

	strcpy(r.target, ts->name);
	rc = ifl_session_send_range(s, IFL_T_READ, &r);
	while (rc == 0 && (rc = ifl_session_next(s, &rep)) == 0 && rep.type == IFL_T_DATA)
		rc = out_data(c, o, &rep, ts->length);
	if (rc == 0 && (rep.type != IFL_T_RESULT || ifl_dec_result(rep.p, rep.len, res) ||
			o->got != ts->length))
		rc = -EPROTO;
	if (rc && !c->diag.exit)
		ifl_session_fail(s, &c->diag, rc, ts->name);
	return rc;
}

static int check(struct ifl_ctx *c, const struct ifl_tspec *ts, struct out *o, const struct ifl_result *res,
		 uint8_t mine[32])
{
	char hm[65], ht[65];

	ifl_sha256_final(&o->h, mine);
	if (!(res->flags & IFL_RES_HASHED) || memcmp(mine, res->sha256, 32) == 0)
		return 0;
	ifl_hex(mine, 32, hm);
	ifl_hex(res->sha256, 32, ht);
	return ifl_diag_set(&c->diag, -EBADMSG, IFL_EXIT_VERIFY, ts->name,
			    "the bytes received (sha256 %s) differ from what the agent read (sha256 %s); "
			    "the link corrupts data, read again", hm, ht);
}

static int do_read(struct ifl_ctx *c, struct ifl_session *s, struct ifl_tspec *ts, struct out *o)
{
	struct ifl_outcome res_out = {.op = "read", .target = ts->name, .file = o->path};
	const struct ifl_target_info *ti;
	uint64_t wire0 = s->wire_tx + s->wire_rx;
	double t0 = ifl_now();
	struct ifl_result res;
	uint8_t mine[32];
	int rc = ifl_target_resolve_range(&s->inv, ts, 0, &ti, &c->diag);

	if (rc || (rc = out_open(c, o)) != 0)
		return rc;
	ifl_ui_begin(&c->ui, ts->name);
	ifl_sha256_init(&o->h);
	rc = receive(c, s, ts, o, &res);
	if (rc == 0)
		rc = check(c, ts, o, &res, mine);
	if (rc == 0)
		rc = out_finish(c, o);
	if (rc)
		return rc;
	res_out.offset = ts->offset;
	res_out.bytes = ts->length;
	res_out.wire_bytes = s->wire_tx + s->wire_rx - wire0;
	res_out.seconds = ifl_now() - t0;
	res_out.sha256 = mine;
	res_out.verified = !!(res.flags & IFL_RES_HASHED);
	ifl_report_result(&c->ui, &res_out);
	return 0;
}

int ifl_cmd_read(struct ifl_ctx *c, int argc, char **argv)
{
	struct out o = {.fd = -1};
	struct ifl_tspec ts;
	struct ifl_session s;
	int rc = ifl_cmd_common_opts(c, argc, argv, usage);

	if (rc)
		return rc == IFL_OPT_HELP ? IFL_EXIT_OK : c->diag.exit;
	if (argc - optind != 2)
		return ifl_ctx_usage(c, "read", "give TARGET[@OFFSET][+LENGTH] OUTFILE"), c->diag.exit;
	o.path = argv[optind + 1];
	if (strcmp(o.path, "-") == 0)
		c->ui.out = stderr; /* stdout carries the data */
	o.buf = malloc(IFL_MAX_CHUNK);
	if (!o.buf)
		return ifl_diag_set(&c->diag, -ENOMEM, IFL_EXIT_LOCAL, NULL, "out of memory"), c->diag.exit;
	rc = ifl_tspec_parse(argv[optind], 1, &ts, &c->diag);
	if (rc == 0 && (rc = ifl_ctx_connect(c, &s)) == 0) {
		rc = do_read(c, &s, &ts, &o);
		ifl_session_close(&s, 1);
	}
	if (rc && o.fd >= 0 && o.fd != 1)
		close(o.fd);
	if (rc && o.regular)
		unlink(o.path); /* a partial copy must not pass for a good one */
	free(o.buf);
	return c->diag.exit;
}
