/* session_range.c - READ, HASH and ERASE: requests over a range that answer with RESULT. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "chunk.h"
#include "hash.h"
#include "log.h"
#include "session_impl.h"
#include "units.h"

/* ERASE zeroes in steps of this size so PROGRESS can move. */
#define ERASE_STEP (64ull << 20)

/* Encode piece (n bytes, at off inside the range) as a DATA frame and send it. */
static int send_data(struct ifl_session *s, const uint8_t *piece, uint32_t n, uint64_t off)
{
	uint8_t *f = s->a->dataframe;
	size_t len;
	int rc = ifl_chunk_encode(piece, n, off, 1, f + IFL_FRAME_HDR,
				  IFL_CHUNK_HDR + IFL_READ_PIECE, &len, NULL);

	return rc ? rc : ifl_tx_send(&s->tx, IFL_T_DATA, f, len);
}

int ifl_read_range(struct ifl_session *s, struct ifl_sink *sink, uint64_t off, uint64_t len,
		   int data, uint8_t sha[32], char *msg, size_t cap)
{
	struct ifl_sha256 h;
	uint8_t *buf = s->a->rdbuf;
	char at[24];
	int rc = 0;

	ifl_sha256_init(&h);
	for (uint64_t done = 0; done < len && rc == 0; ) {
		uint32_t n = len - done < IFL_READ_PIECE ? (uint32_t)(len - done) : IFL_READ_PIECE;

		/* Start reading the next pieces while this one is hashed. */
		posix_fadvise(sink->fd, (off_t)(off + done + n), 2 * IFL_READ_PIECE,
			      POSIX_FADV_WILLNEED);
		rc = sink->ops->read(sink, buf, n, off + done);
		if (rc) {
			snprintf(msg, cap, "%s: reading %u bytes at %s of the target failed: %s",
				 sink->t->info.name, n, ifl_fmt_size(off + done, at, sizeof(at)),
				 rc == -ENODATA ? "the target ended early" : strerror(-rc));
			break;
		}
		ifl_sha256_update(&h, buf, n);
		if (data && (rc = send_data(s, buf, n, done)))
			snprintf(msg, cap, "%s: sending the data read failed: %s", sink->t->info.name,
				 strerror(-rc));
		done += n;
		ifl_prog_verified(&s->prog, n);
		s->st->read += n;
	}
	ifl_sha256_final(&h, sha);
	return rc;
}

/* Zero the range in steps, then sync. Fills msg on failure. */
static int erase_range(struct ifl_session *s, struct ifl_sink *sink, const struct ifl_range *r,
		       char *msg, size_t cap)
{
	char at[24];
	int rc = 0;

	for (uint64_t done = 0; done < r->length && rc == 0; ) {
		uint64_t n = r->length - done < ERASE_STEP ? r->length - done : ERASE_STEP;

		rc = sink->ops->zero(sink, r->offset + done, n);
		if (rc)
			snprintf(msg, cap, "%s: erasing at %s of the target failed: %s", r->target,
				 ifl_fmt_size(r->offset + done, at, sizeof(at)), strerror(-rc));
		done += n;
		ifl_prog_written(&s->prog, n);
	}
	if (rc == 0 && (rc = ifl_sink_sync(sink)))
		snprintf(msg, cap, "%s: flushing the erase to the target failed: %s", r->target,
			 strerror(-rc));
	return rc;
}

/*
 * Checks that need the medium, before anything is read or erased: an MTD
 * range goes through the bad-block map a write there builds. Returns 0 or
 * the ERROR code for the refusal in msg.
 */
static uint32_t prepare(struct ifl_sink *sink, uint8_t type, const struct ifl_range *r,
			char *msg, size_t cap)
{
	enum ifl_sink_use use = type == IFL_T_ERASE ? IFL_USE_ERASE
				: type == IFL_T_HASH ? IFL_USE_HASH : IFL_USE_READ;
	int rc = ifl_sink_prepare(sink, use, r->offset, r->length, msg, cap);

	if (rc == 0)
		return 0;
	if (rc == -EINVAL || rc == -ENOSPC)
		return IFL_E_RANGE;
	return rc == -ENOMEM ? IFL_E_INTERNAL : IFL_E_IO;
}

/* Run READ, HASH or ERASE on an open sink; fill the RESULT or msg. */
static int run_range(struct ifl_session *s, uint8_t type, struct ifl_sink *sink,
		     const struct ifl_range *r, struct ifl_result *res, char *msg, size_t cap)
{
	static const uint8_t phase[] = {[IFL_T_READ] = IFL_PH_READ, [IFL_T_ERASE] = IFL_PH_ERASE,
					[IFL_T_HASH] = IFL_PH_HASH};
	int rc;

	ifl_prog_start(&s->prog, phase[type], r->length);
	res->length = r->length;
	if (type == IFL_T_ERASE) {
		rc = erase_range(s, sink, r, msg, cap);
		res->written = r->length;
		return rc;
	}
	rc = ifl_read_range(s, sink, r->offset, r->length, type == IFL_T_READ, res->sha256,
			    msg, cap);
	res->flags = IFL_RES_HASHED;
	return rc;
}

int ifl_on_range(struct ifl_session *s, const struct ifl_frame_hdr *h, const uint8_t *p)
{
	const struct ifl_agent_target *t;
	const char *what = ifl_type_name(h->type);
	struct ifl_result res = {0};
	struct ifl_range r;
	struct ifl_sink sink;
	char msg[IFL_ERRMSG_MAX + 1];
	int rc, crc, wr = h->type == IFL_T_ERASE;
	uint32_t code;

	if (ifl_dec_range(p, h->len, &r) || r.flags)
		return ifl_tx_error(&s->tx, IFL_E_PROTO, h->seq, "%s: malformed range (%u bytes, "
				    "flags 0x%x)", what, h->len, r.flags);
	code = (uint32_t)ifl_inv_check_range(s->a->inv, &r, wr ? IFL_CHK_WRITE : 0, &t, msg,
					     sizeof(msg));
	if (code)
		return ifl_tx_error(&s->tx, code, h->seq, "%s", msg);
	rc = ifl_sink_open(&sink, t, wr, msg, sizeof(msg));
	if (rc)
		return ifl_tx_error(&s->tx, ifl_open_code(rc), h->seq, "%s", msg);
	code = prepare(&sink, h->type, &r, msg, sizeof(msg));
	if (code) {
		ifl_sink_close(&sink);
		return ifl_tx_error(&s->tx, code, h->seq, "%s", msg);
	}
	ifl_vlog("%s: %s %llu bytes at %llu", t->info.name, what, (unsigned long long)r.length,
		 (unsigned long long)r.offset);
	rc = run_range(s, h->type, &sink, &r, &res, msg, sizeof(msg));
	ifl_prog_stop(&s->prog);
	crc = ifl_sink_close(&sink);
	if (rc == 0 && crc) {
		rc = crc;
		snprintf(msg, sizeof(msg), "%s: closing the target after %s failed: %s",
			 t->info.name, what, strerror(-crc));
	}
	if (rc && ifl_tx_failed(&s->tx))
		return ifl_tx_failed(&s->tx);
	if (rc)
		return ifl_tx_error(&s->tx, IFL_E_IO, h->seq, "%s", msg);
	return ifl_tx_result(&s->tx, &res);
}
