/* flash.c - one image onto one target: BEGIN, the chunk pipeline, END, RESULT, verify. */
#include "flash.h"

#include <errno.h>
#include <string.h>

#include "fdio.h"
#include "chunk.h"
#include "hash.h"
#include "report.h"
#include "target.h"
#include "units.h"

/* The agent's limits on a chunk: max_chunk, and a whole CHUNK payload under max_payload. */
static uint32_t agent_max_chunk(const struct ifl_inventory *inv)
{
	uint32_t max = inv->max_chunk < IFL_MAX_CHUNK ? inv->max_chunk : IFL_MAX_CHUNK;

	if (inv->max_payload - IFL_CHUNK_HDR < max)
		max = inv->max_payload - IFL_CHUNK_HDR;
	return max;
}

uint32_t ifl_flash_chunk(uint32_t want, const struct ifl_inventory *inv,
			 const struct ifl_target_info *ti)
{
	uint32_t max = agent_max_chunk(inv), unit = ti->block_size;

	if (ti->erase_size > unit)
		unit = ti->erase_size;
	if (ti->write_size > unit)
		unit = ti->write_size;
	if (want > max)
		want = max;
	if (unit <= 1 || unit > max)
		return want;
	return want < unit ? unit : want - want % unit;
}

/* BEGIN the range the image will cover; the agent says OK or why not. */
static int begin(struct ifl_session *s, const struct ifl_flash_job *job, int verify)
{
	struct ifl_range r;
	struct ifl_reply rep;
	int rc;

	memset(&r, 0, sizeof(r));
	strcpy(r.target, job->spec.name);
	r.offset = job->spec.offset;
	r.length = job->src->size;
	/* An image with gaps is checked extent by extent afterwards (check_extents). */
	r.flags = verify && ifl_source_whole(job->src) ? IFL_RANGE_VERIFY : 0;
	rc = ifl_session_send_range(s, IFL_T_BEGIN, &r);
	return rc ? rc : ifl_session_expect(s, IFL_T_OK, &rep);
}

/*
 * Pick the cause the user should hear: the agent's own ERROR first, then a
 * local read or encode failure, then the link.
 */
static int transfer_fail(struct ifl_ctx *c, struct ifl_session *s, struct ifl_pipeline *p,
			 const struct ifl_flash_job *job, int rc)
{
	const char *who = job->spec.name;

	if (rc == -EREMOTEIO)
		return ifl_session_fail(s, &c->diag, rc, who);
	if (p->read_err)
		return ifl_source_fail(job->src, &c->diag, p->read_err);
	if (p->enc_err)
		return ifl_diag_set(&c->diag, p->enc_err, IFL_EXIT_LOCAL, who,
				    "cannot compress a chunk: %s", strerror(-p->enc_err));
	rc = rc ? rc : p->send_err;
	if (rc == -ENODATA || rc == -EPIPE || rc == -ECONNRESET) {
		char sent[32], all[32];

		return ifl_diag_set(&c->diag, rc, IFL_EXIT_CONN, who,
				    "the connection to the agent was lost after %s of %s; the target holds "
				    "a partial image: check the device and the link, then flash again",
				    ifl_fmt_size(p->bytes, sent, sizeof(sent)),
				    ifl_fmt_size(job->src->size, all, sizeof(all)));
	}
	return ifl_session_fail(s, &c->diag, rc, who);
}

/* Stream the image and wait for RESULT while the pipeline threads run. */
static int transfer(struct ifl_ctx *c, struct ifl_session *s, struct ifl_pipeline *p,
		    const struct ifl_flash_job *job, const struct ifl_flash_opts *o,
		    struct ifl_result *res)
{
	const struct ifl_target_info *ti = ifl_target_find(&s->inv, job->spec.name);
	uint32_t chunk = ti ? ifl_flash_chunk(o->chunk, &s->inv, ti) : o->chunk;
	int rc = ifl_pipeline_start(p, job->src, s, o->level, chunk);

	if (rc && p->read_err)
		return ifl_source_fail(job->src, &c->diag, rc);
	if (rc)
		return ifl_diag_set(&c->diag, rc, IFL_EXIT_LOCAL, job->spec.name,
				    "cannot start the transfer threads: %s", strerror(-rc));
	/* This thread is the receiver: PROGRESS, then RESULT or ERROR. */
	rc = ifl_session_result(s, res);
	if (rc)
		ifl_pipeline_abort(p);
	ifl_pipeline_join(p);
	if (rc || p->read_err || p->enc_err || p->send_err)
		return transfer_fail(c, s, p, job, rc);
	return 0;
}

/* The agent's read-back hash must be the image's. */
static int check_verify(struct ifl_ctx *c, const struct ifl_flash_job *job, const struct ifl_result *res,
			const uint8_t want[32])
{
	char hw[65], hg[65];

	if (!(res->flags & IFL_RES_HASHED))
		return ifl_diag_set(&c->diag, -EBADMSG, IFL_EXIT_VERIFY, job->spec.name,
				    "the agent did not report the SHA-256 it read back, so %s is "
				    "unverified; flash it again or check the agent", job->image);
	if (memcmp(res->sha256, want, 32) == 0)
		return 0;
	ifl_hex(want, 32, hw);
	ifl_hex(res->sha256, 32, hg);
	return ifl_diag_set(&c->diag, -EBADMSG, IFL_EXIT_VERIFY, job->spec.name,
			    "verify failed: the target reads back sha256 %s but %s has sha256 %s; "
			    "flash it again, and suspect the storage if it fails twice",
			    hg, job->image, hw);
}

/* At most this many HASH requests wait for their RESULT at once. */
#define HASH_WINDOW 16

static int send_hash(struct ifl_session *s, const struct ifl_flash_job *job, const struct ifl_vgroup *g)
{
	struct ifl_range r;

	memset(&r, 0, sizeof(r));
	strcpy(r.target, job->spec.name);
	r.offset = job->spec.offset + g->off;
	r.length = g->len;
	return ifl_session_send_range(s, IFL_T_HASH, &r);
}

static int extent_mismatch(struct ifl_ctx *c, const struct ifl_flash_job *job,
			   const struct ifl_vgroup *g, const struct ifl_result *res)
{
	char hw[65], hg[65];

	if (!(res->flags & IFL_RES_HASHED))
		return ifl_diag_set(&c->diag, -EBADMSG, IFL_EXIT_VERIFY, job->spec.name,
				    "the agent did not report the SHA-256 of bytes %llu..%llu, so %s is "
				    "unverified; flash it again or check the agent",
				    (unsigned long long)g->off, (unsigned long long)(g->off + g->len), job->image);
	ifl_hex(g->sha256, 32, hw);
	ifl_hex(res->sha256, 32, hg);
	return ifl_diag_set(&c->diag, -EBADMSG, IFL_EXIT_VERIFY, job->spec.name,
			    "verify failed: bytes %llu..%llu of the image read back sha256 %s but %s "
			    "defines sha256 %s there; flash it again, and suspect the storage if it "
			    "fails twice", (unsigned long long)g->off,
			    (unsigned long long)(g->off + g->len), hg, job->image, hw);
}

/*
 * An image with gaps (sparse, bmap): the target's bytes in a gap are not the
 * image's, so no digest of the whole range can be predicted. Instead each
 * group of adjacent extents is hashed by the agent (HASH) and compared with
 * what the hasher saw. Requests are pipelined, HASH_WINDOW at a time, so the
 * round trips are ngroups / HASH_WINDOW, not ngroups.
 */
static int check_extents(struct ifl_ctx *c, struct ifl_session *s, const struct ifl_pipeline *p,
			 const struct ifl_flash_job *job)
{
	size_t sent = 0, got = 0;
	int rc = 0;

	while (rc == 0 && got < p->ngroups) {
		struct ifl_result res;

		while (rc == 0 && sent < p->ngroups && sent - got < HASH_WINDOW)
			rc = send_hash(s, job, &p->groups[sent++]);
		if (rc == 0)
			rc = ifl_session_result(s, &res);
		if (rc)
			return ifl_session_fail(s, &c->diag, rc, job->spec.name);
		if (!(res.flags & IFL_RES_HASHED) || memcmp(res.sha256, p->groups[got].sha256, 32))
			return extent_mismatch(c, job, &p->groups[got], &res);
		got++;
	}
	return 0;
}

int ifl_flash_image(struct ifl_ctx *c, struct ifl_session *s, struct ifl_pipeline *p,
		    const struct ifl_flash_job *job, const struct ifl_flash_opts *o)
{
	struct ifl_outcome out = {.op = "flash", .target = job->spec.name, .label = job->spec.label,
				  .file = job->image};
	uint64_t wire0 = s->wire_tx + s->wire_rx;
	double t0 = ifl_now();
	struct ifl_result res;
	int rc;

	ifl_ui_begin(&c->ui, job->spec.name);
	rc = begin(s, job, o->verify);
	if (rc)
		return ifl_session_fail(s, &c->diag, rc, job->spec.name);
	rc = transfer(c, s, p, job, o, &res);
	if (rc == 0 && o->verify && ifl_source_whole(job->src))
		rc = check_verify(c, job, &res, p->sha256);
	else if (rc == 0 && o->verify)
		rc = check_extents(c, s, p, job);
	if (rc)
		return rc;
	out.offset = job->spec.offset;
	out.bytes = job->src->size;
	out.written = res.written;
	out.skipped = res.skipped;
	out.has_blocks = !!(res.flags & IFL_RES_BLOCKS);
	out.blocks_written = res.blocks_written;
	out.blocks_skipped = res.blocks_skipped;
	out.wire_bytes = s->wire_tx + s->wire_rx - wire0;
	out.seconds = ifl_now() - t0;
	out.sha256 = ifl_source_whole(job->src) ? p->sha256 : NULL;
	out.verified = o->verify;
	ifl_report_result(&c->ui, &out);
	return 0;
}
