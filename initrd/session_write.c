/* session_write.c - BEGIN, CHUNK and END: a write from the first chunk to its RESULT. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "hash.h"
#include "log.h"
#include "session_impl.h"
#include "units.h"

void ifl_write_close(struct ifl_session *s, const char *why)
{
	ifl_writer_drain(&s->a->writer);
	if (s->w == W_OPEN)
		ifl_log("%s: write abandoned at %s, before END; it is not complete",
			s->range.target, why);
	/* The write is already lost: a failing close adds nothing to report. */
	ifl_sink_close(&s->sink);
	ifl_prog_stop(&s->prog);
	s->w = W_IDLE;
}

/* Fail the open write with one ERROR (unless a worker sent it) and drop it. */
static int fail_write(struct ifl_session *s, uint32_t code, uint32_t ref, const char *msg)
{
	int rc = 0;

	ifl_prog_stop(&s->prog);
	if (ifl_writer_fail(&s->a->writer) && code)
		rc = ifl_tx_error(&s->tx, code, ref, "%s", msg);
	ifl_writer_drain(&s->a->writer);
	ifl_sink_close(&s->sink);
	/* Later CHUNK and END frames of this write are ignored until a new request. */
	s->w = W_FAILED;
	return rc;
}

/* Open the write BEGIN asks for; on refusal fill msg and return the wire code. */
static uint32_t open_write(struct ifl_session *s, const struct ifl_frame_hdr *h,
			   const uint8_t *p, char *msg, size_t cap)
{
	const struct ifl_agent_target *t;
	uint32_t code;
	int rc;

	if (ifl_dec_range(p, h->len, &s->range) || (s->range.flags & ~IFL_RANGE_VERIFY)) {
		snprintf(msg, cap, "BEGIN: malformed range (%u bytes, flags 0x%x)", h->len,
			 s->range.flags);
		return IFL_E_PROTO;
	}
	code = (uint32_t)ifl_inv_check_range(s->a->inv, &s->range, IFL_CHK_WRITE | IFL_CHK_IMAGE,
					     &t, msg, cap);
	if (code)
		return code;
	rc = ifl_sink_open(&s->sink, t, 1, msg, cap);
	if (rc)
		return ifl_open_code(rc);
	/* Checks that need the medium (MTD alignment, good blocks) run before anything is written. */
	if (s->sink.ops->prepare &&
	    (rc = s->sink.ops->prepare(&s->sink, s->range.offset, s->range.length, msg, cap))) {
		ifl_sink_close(&s->sink);
		if (rc == -EINVAL || rc == -ENOSPC)
			return IFL_E_RANGE;
		return rc == -ENOMEM ? IFL_E_INTERNAL : IFL_E_IO;
	}
	return 0;
}

int ifl_on_begin(struct ifl_session *s, const struct ifl_frame_hdr *h, const uint8_t *p)
{
	char msg[IFL_ERRMSG_MAX + 1], sz[24];
	uint32_t code = open_write(s, h, p, msg, sizeof(msg));

	if (code) {
		/* A host that streams without waiting for OK gets one ERROR, not one per CHUNK. */
		s->w = W_FAILED;
		return ifl_tx_error(&s->tx, code, h->seq, "%s", msg);
	}
	s->w = W_OPEN;
	s->chunks = s->bytes = 0;
	s->t0_ms = ifl_now_ms();
	ifl_writer_begin(&s->a->writer, &s->sink, s->range.offset, &s->tx, &s->prog);
	ifl_prog_start(&s->prog, IFL_PH_WRITE, s->range.length);
	ifl_vlog("%s: BEGIN %s at %llu%s", s->range.target,
		 ifl_fmt_size(s->range.length, sz, sizeof(sz)),
		 (unsigned long long)s->range.offset,
		 (s->range.flags & IFL_RANGE_VERIFY) ? ", verify" : "");
	return ifl_tx_ok(&s->tx, h->seq);
}

/* Parse and bound a chunk; on refusal write why to msg and return the wire code. */
static uint32_t check_chunk(struct ifl_session *s, struct ifl_buf *b,
			    const struct ifl_frame_hdr *h, char *msg, size_t cap)
{
	const char *name = s->range.target;
	char at[24], end[24], len[24];

	if (ifl_chunk_parse(b->mem + IFL_FRAME_HDR, h->len, IFL_MAX_CHUNK, &b->c)) {
		snprintf(msg, cap, "%s: CHUNK frame %u is malformed (bad header, encoding or "
			 "length)", name, h->seq);
		return IFL_E_PROTO;
	}
	if (b->c.offset + b->c.raw_len > s->range.length) {
		ifl_fmt_size(b->c.offset, at, sizeof(at));
		ifl_fmt_pair(b->c.offset + b->c.raw_len, s->range.length, end, len, sizeof(end));
		snprintf(msg, cap, "%s: chunk at %s ends at %s but the range opened by BEGIN "
			 "holds %s", name, at, end, len);
		return IFL_E_RANGE;
	}
	return 0;
}

int ifl_on_chunk(struct ifl_session *s, struct ifl_buf **b, const struct ifl_frame_hdr *h)
{
	char msg[IFL_ERRMSG_MAX + 1];
	uint32_t code;

	s->st->chunks++;
	if (s->w == W_FAILED)
		return 0;
	if (s->w != W_OPEN)
		return ifl_tx_error(&s->tx, IFL_E_STATE, h->seq, "CHUNK without BEGIN; open a "
				    "range with BEGIN first");
	s->chunks++;
	if (ifl_writer_failed(&s->a->writer))
		return fail_write(s, 0, 0, "");
	code = check_chunk(s, *b, h, msg, sizeof(msg));
	if (code)
		return fail_write(s, code, h->seq, msg);
	s->bytes += (*b)->c.raw_len;
	ifl_prog_received(&s->prog, (*b)->c.raw_len);
	ifl_writer_queue(&s->a->writer, *b);
	*b = NULL;
	return 0;
}

/* END's counts must match what arrived; writes "" to msg when they do. */
static void check_counts(struct ifl_session *s, const struct ifl_end *e, char *msg, size_t cap)
{
	char said[24], got[24];

	msg[0] = '\0';
	if (e->chunks == s->chunks && e->bytes == s->bytes)
		return;
	snprintf(msg, cap, "%s: END says %llu chunks (%s) were sent but %llu chunks (%s) "
		 "arrived; send the image again", s->range.target, (unsigned long long)e->chunks,
		 ifl_fmt_size(e->bytes, said, sizeof(said)), (unsigned long long)s->chunks,
		 ifl_fmt_size(s->bytes, got, sizeof(got)));
}

/* Log a finished write: size, time, rate and hash. */
static void log_write(struct ifl_session *s, const struct ifl_result *r)
{
	uint64_t ms = ifl_now_ms() - s->t0_ms;
	char sz[24], hex[65] = "";

	if (r->flags & IFL_RES_HASHED)
		ifl_hex(r->sha256, 32, hex);
	ifl_vlog("%s: wrote %s in %llu.%03llu s (%.1f MB/s)%s%s", s->range.target,
		 ifl_fmt_size(r->written, sz, sizeof(sz)), (unsigned long long)(ms / 1000),
		 (unsigned long long)(ms % 1000), ms ? (double)r->written / 1000.0 / (double)ms : 0.0,
		 hex[0] ? ", verified sha256 " : "", hex);
}

/* Everything after END once the chunks are on the target: sync, verify, close. */
static int finish_write(struct ifl_session *s, uint32_t seq)
{
	struct ifl_result r = {.written = s->a->writer.written, .length = s->range.length};
	char msg[IFL_ERRMSG_MAX + 1], why[IFL_ERRMSG_MAX - 80];
	int rc = ifl_sink_sync(&s->sink);

	/* MTD leaves erase blocks that already hold the image alone: those bytes count as skipped. */
	r.skipped = s->sink.skipped;
	r.written -= r.skipped < r.written ? r.skipped : r.written;
	if (s->sink.ops == &ifl_sink_mtd_ops) {
		r.flags |= IFL_RES_BLOCKS;
		r.blocks_written = (uint32_t)s->sink.wblocks;
		r.blocks_skipped = (uint32_t)s->sink.sblocks;
	}
	if (s->sink.wblocks || s->sink.sblocks)
		ifl_log("%s: %llu erase blocks written, %llu already held the image and were skipped",
			s->range.target, (unsigned long long)s->sink.wblocks,
			(unsigned long long)s->sink.sblocks);

	if (rc) {
		snprintf(msg, sizeof(msg), "%s: flushing the writes to the target failed: %s; the "
			 "image is not safely on the target", s->range.target, strerror(-rc));
		return fail_write(s, IFL_E_IO, seq, msg);
	}
	if (s->range.flags & IFL_RANGE_VERIFY) {
		ifl_prog_phase(&s->prog, IFL_PH_VERIFY);
		s->sink.ops->drop_cache(&s->sink, s->range.offset, s->range.length);
		rc = ifl_read_range(s, &s->sink, s->range.offset, s->range.length, 0, r.sha256,
				    why, sizeof(why));
		if (rc) {
			snprintf(msg, sizeof(msg), "%s (verify)", why);
			return fail_write(s, IFL_E_IO, seq, msg);
		}
		r.flags |= IFL_RES_HASHED;
	}
	rc = ifl_sink_close(&s->sink);
	if (rc) {
		snprintf(msg, sizeof(msg), "%s: closing the target after the write failed: %s",
			 s->range.target, strerror(-rc));
		return fail_write(s, IFL_E_IO, seq, msg);
	}
	s->w = W_IDLE;
	s->st->written += r.written;
	log_write(s, &r);
	/* Stopped before RESULT goes out, so no PROGRESS of this write follows it. */
	ifl_prog_stop(&s->prog);
	return ifl_tx_result(&s->tx, &r);
}

int ifl_on_end(struct ifl_session *s, const struct ifl_frame_hdr *h, const uint8_t *p)
{
	char msg[IFL_ERRMSG_MAX + 1];
	struct ifl_end e;

	if (s->w == W_FAILED)
		return 0;
	if (s->w != W_OPEN)
		return ifl_tx_error(&s->tx, IFL_E_STATE, h->seq, "END without BEGIN; open a range "
				    "with BEGIN first");
	if (ifl_dec_end(p, h->len, &e)) {
		snprintf(msg, sizeof(msg), "%s: END frame %u is malformed", s->range.target, h->seq);
		return fail_write(s, IFL_E_PROTO, h->seq, msg);
	}
	ifl_writer_drain(&s->a->writer);
	if (ifl_writer_failed(&s->a->writer))
		return fail_write(s, 0, 0, "");
	check_counts(s, &e, msg, sizeof(msg));
	if (msg[0])
		return fail_write(s, IFL_E_INCOMPLETE, h->seq, msg);
	return finish_write(s, h->seq);
}
