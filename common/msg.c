/* msg.c - encode and decode the payloads of initflash messages. */
#include "msg.h"

#include <errno.h>
#include <string.h>

#include "cursor.h"

/* Finish an encoder: report the length or the overflow. */
static int enc_done(const struct ifl_cur *c, size_t *len)
{
	if (c->err)
		return c->err;
	*len = c->off;
	return 0;
}

/* Finish a decoder: every byte must have been consumed. */
static int dec_done(const struct ifl_cur *c)
{
	if (c->err)
		return c->err;
	return c->off == c->len ? 0 : -EPROTO;
}

int ifl_enc_hello(const struct ifl_hello *m, uint8_t *buf, size_t cap, size_t *len)
{
	struct ifl_cur c = ifl_cur_writer(buf, cap);
	ifl_cur_put16(&c, m->version);
	ifl_cur_put16(&c, 0);
	ifl_cur_put32(&c, m->flags);
	return enc_done(&c, len);
}

int ifl_dec_hello(const uint8_t *p, size_t len, struct ifl_hello *m)
{
	struct ifl_cur c = ifl_cur_reader(p, len);
	m->version = ifl_cur_u16(&c);
	(void)ifl_cur_u16(&c);
	m->flags = ifl_cur_u32(&c);
	return dec_done(&c);
}

/*
 * The optional tail of target ti after serial: u16 count and the partitions
 * (name, start, size each), then u32 bad_blocks. Trailing fields that are
 * zero are left out, so a plain disk's entry reads the same as from an agent
 * that predates them.
 */
static void enc_tail(struct ifl_cur *c, const struct ifl_inventory *m, unsigned ti)
{
	unsigned n = 0;

	for (unsigned k = 0; k < m->nparts; k++)
		n += m->part[k].target == ti;
	if (n > IFL_MAX_TARGET_PARTS)
		c->err = -EINVAL;
	if ((n == 0 && m->t[ti].bad_blocks == 0) || c->err)
		return;
	ifl_cur_put16(c, (uint16_t)n);
	for (unsigned k = 0; k < m->nparts; k++) {
		const struct ifl_part_info *p = &m->part[k];

		if (p->target != ti)
			continue;
		if (strlen(p->name) > IFL_PART_NAME_MAX) {
			c->err = -EINVAL;
			return;
		}
		ifl_cur_putstr(c, p->name, 0);
		ifl_cur_put64(c, p->start);
		ifl_cur_put64(c, p->size);
	}
	if (m->t[ti].bad_blocks)
		ifl_cur_put32(c, m->t[ti].bad_blocks);
}

static void enc_target(struct ifl_cur *c, const struct ifl_inventory *m, unsigned i)
{
	/* Each entry is length-prefixed so later versions can append fields. */
	const struct ifl_target_info *t = &m->t[i];
	size_t start = c->off;
	uint8_t *lenp = (uint8_t *)ifl_cur_take(c, 2);

	ifl_cur_putstr(c, t->name, 0);
	ifl_cur_put64(c, t->size);
	ifl_cur_put32(c, t->block_size);
	ifl_cur_put32(c, t->erase_size);
	ifl_cur_put32(c, t->write_size);
	ifl_cur_put8(c, t->kind);
	ifl_cur_put8(c, t->flags);
	ifl_cur_putstr(c, t->model, 0);
	ifl_cur_putstr(c, t->serial, 0);
	enc_tail(c, m, i);
	if (!c->err && c->off - start - 2 > 0xffff)
		c->err = -ENOBUFS;
	if (!c->err)
		ifl_put_le16(lenp, (uint16_t)(c->off - start - 2));
}

int ifl_enc_inventory(const struct ifl_inventory *m, uint8_t *buf, size_t cap, size_t *len)
{
	struct ifl_cur c = ifl_cur_writer(buf, cap);

	if (m->ntargets > IFL_MAX_TARGETS || m->nparts > IFL_MAX_PARTS)
		return -EINVAL;
	for (unsigned k = 0; k < m->nparts; k++)
		if (m->part[k].target >= m->ntargets)
			return -EINVAL;
	ifl_cur_put32(&c, m->max_payload);
	ifl_cur_put32(&c, m->max_chunk);
	ifl_cur_put32(&c, m->flags);
	ifl_cur_putstr(&c, m->agent_version, 0);
	ifl_cur_put16(&c, m->ntargets);
	for (unsigned i = 0; i < m->ntargets; i++)
		enc_target(&c, m, i);
	return enc_done(&c, len);
}

/*
 * The partition list of target ti, if the entry e has one (older agents end
 * the entry after serial), then bad_blocks if present. Each partition must
 * lie inside the target.
 */
static void dec_tail(struct ifl_cur *e, struct ifl_inventory *m, unsigned ti)
{
	const struct ifl_target_info *t = &m->t[ti];
	unsigned n;

	if (e->err || e->off == e->len)
		return;
	n = ifl_cur_u16(e);
	if (!e->err && (n > IFL_MAX_TARGET_PARTS || m->nparts + n > IFL_MAX_PARTS))
		e->err = -EPROTO;
	for (unsigned k = 0; k < n && !e->err; k++) {
		struct ifl_part_info *p = &m->part[m->nparts];

		ifl_cur_str(e, p->name, sizeof(p->name), 0);
		p->start = ifl_cur_u64(e);
		p->size = ifl_cur_u64(e);
		p->target = (uint16_t)ti;
		if (e->err)
			break;
		if (p->start + p->size < p->start || p->start + p->size > t->size)
			e->err = -EPROTO;
		else
			m->nparts++;
	}
	if (!e->err && e->off < e->len)
		m->t[ti].bad_blocks = ifl_cur_u32(e);
}

static void dec_target(struct ifl_cur *c, struct ifl_inventory *m, unsigned i)
{
	struct ifl_target_info *t = &m->t[i];
	size_t n = ifl_cur_u16(c);
	const uint8_t *p = ifl_cur_take(c, n);
	struct ifl_cur e;

	if (!p)
		return;
	e = ifl_cur_reader(p, n);
	ifl_cur_str(&e, t->name, sizeof(t->name), 0);
	t->size = ifl_cur_u64(&e);
	t->block_size = ifl_cur_u32(&e);
	t->erase_size = ifl_cur_u32(&e);
	t->write_size = ifl_cur_u32(&e);
	t->kind = ifl_cur_u8(&e);
	t->flags = ifl_cur_u8(&e);
	ifl_cur_str(&e, t->model, sizeof(t->model), 0);
	ifl_cur_str(&e, t->serial, sizeof(t->serial), 0);
	dec_tail(&e, m, i);
	/* Trailing bytes inside an entry are fields of a later version. */
	if (e.err)
		c->err = e.err;
	else if (t->name[0] == '\0' || t->kind > IFL_KIND_MTD_NAND)
		c->err = -EPROTO;
}

int ifl_dec_inventory(const uint8_t *p, size_t len, struct ifl_inventory *m)
{
	struct ifl_cur c = ifl_cur_reader(p, len);

	memset(m, 0, sizeof(*m));
	m->max_payload = ifl_cur_u32(&c);
	m->max_chunk = ifl_cur_u32(&c);
	m->flags = ifl_cur_u32(&c);
	ifl_cur_str(&c, m->agent_version, sizeof(m->agent_version), 0);
	m->ntargets = ifl_cur_u16(&c);
	if (m->ntargets > IFL_MAX_TARGETS)
		return -EPROTO;
	for (unsigned i = 0; i < m->ntargets && !c.err; i++)
		dec_target(&c, m, i);
	return dec_done(&c);
}

int ifl_enc_range(const struct ifl_range *m, uint8_t *buf, size_t cap, size_t *len)
{
	struct ifl_cur c = ifl_cur_writer(buf, cap);
	ifl_cur_putstr(&c, m->target, 0);
	ifl_cur_put64(&c, m->offset);
	ifl_cur_put64(&c, m->length);
	ifl_cur_put32(&c, m->flags);
	return enc_done(&c, len);
}

int ifl_dec_range(const uint8_t *p, size_t len, struct ifl_range *m)
{
	struct ifl_cur c = ifl_cur_reader(p, len);
	ifl_cur_str(&c, m->target, sizeof(m->target), 0);
	m->offset = ifl_cur_u64(&c);
	m->length = ifl_cur_u64(&c);
	m->flags = ifl_cur_u32(&c);
	if (!c.err && (m->target[0] == '\0' || m->offset + m->length < m->offset))
		return -EPROTO;
	return dec_done(&c);
}

int ifl_enc_end(const struct ifl_end *m, uint8_t *buf, size_t cap, size_t *len)
{
	struct ifl_cur c = ifl_cur_writer(buf, cap);
	ifl_cur_put64(&c, m->chunks);
	ifl_cur_put64(&c, m->bytes);
	return enc_done(&c, len);
}

int ifl_dec_end(const uint8_t *p, size_t len, struct ifl_end *m)
{
	struct ifl_cur c = ifl_cur_reader(p, len);
	m->chunks = ifl_cur_u64(&c);
	m->bytes = ifl_cur_u64(&c);
	return dec_done(&c);
}

int ifl_enc_result(const struct ifl_result *m, uint8_t *buf, size_t cap, size_t *len)
{
	struct ifl_cur c = ifl_cur_writer(buf, cap);
	ifl_cur_put32(&c, m->flags);
	ifl_cur_put64(&c, m->written);
	ifl_cur_put64(&c, m->skipped);
	ifl_cur_put64(&c, m->length);
	ifl_cur_putbytes(&c, m->sha256, 32);
	if (m->flags & IFL_RES_BLOCKS) {
		ifl_cur_put32(&c, m->blocks_written);
		ifl_cur_put32(&c, m->blocks_skipped);
	}
	return enc_done(&c, len);
}

int ifl_dec_result(const uint8_t *p, size_t len, struct ifl_result *m)
{
	struct ifl_cur c = ifl_cur_reader(p, len);
	const uint8_t *h;

	m->flags = ifl_cur_u32(&c);
	m->written = ifl_cur_u64(&c);
	m->skipped = ifl_cur_u64(&c);
	m->length = ifl_cur_u64(&c);
	h = ifl_cur_take(&c, 32);
	if (h)
		memcpy(m->sha256, h, 32);
	m->blocks_written = m->blocks_skipped = 0;
	if (m->flags & IFL_RES_BLOCKS) {
		m->blocks_written = ifl_cur_u32(&c);
		m->blocks_skipped = ifl_cur_u32(&c);
	}
	return dec_done(&c);
}

int ifl_enc_progress(const struct ifl_progress *m, uint8_t *buf, size_t cap, size_t *len)
{
	struct ifl_cur c = ifl_cur_writer(buf, cap);
	ifl_cur_put8(&c, m->phase);
	ifl_cur_put8(&c, 0);
	ifl_cur_put16(&c, 0);
	ifl_cur_put64(&c, m->received);
	ifl_cur_put64(&c, m->written);
	ifl_cur_put64(&c, m->verified);
	ifl_cur_put64(&c, m->total);
	return enc_done(&c, len);
}

int ifl_dec_progress(const uint8_t *p, size_t len, struct ifl_progress *m)
{
	struct ifl_cur c = ifl_cur_reader(p, len);
	m->phase = ifl_cur_u8(&c);
	(void)ifl_cur_u8(&c);
	(void)ifl_cur_u16(&c);
	m->received = ifl_cur_u64(&c);
	m->written = ifl_cur_u64(&c);
	m->verified = ifl_cur_u64(&c);
	m->total = ifl_cur_u64(&c);
	if (!c.err && (m->phase < IFL_PH_WRITE || m->phase > IFL_PH_HASH))
		return -EPROTO;
	return dec_done(&c);
}

int ifl_enc_error(const struct ifl_error *m, uint8_t *buf, size_t cap, size_t *len)
{
	struct ifl_cur c = ifl_cur_writer(buf, cap);
	ifl_cur_put32(&c, m->code);
	ifl_cur_put32(&c, m->ref_seq);
	ifl_cur_putstr(&c, m->msg, 1);
	return enc_done(&c, len);
}

int ifl_dec_error(const uint8_t *p, size_t len, struct ifl_error *m)
{
	struct ifl_cur c = ifl_cur_reader(p, len);
	m->code = ifl_cur_u32(&c);
	m->ref_seq = ifl_cur_u32(&c);
	ifl_cur_str(&c, m->msg, sizeof(m->msg), 1);
	return dec_done(&c);
}

int ifl_enc_ok(uint32_t ref_seq, uint8_t *buf, size_t cap, size_t *len)
{
	struct ifl_cur c = ifl_cur_writer(buf, cap);
	ifl_cur_put32(&c, ref_seq);
	return enc_done(&c, len);
}

int ifl_dec_ok(const uint8_t *p, size_t len, uint32_t *ref_seq)
{
	struct ifl_cur c = ifl_cur_reader(p, len);
	*ref_seq = ifl_cur_u32(&c);
	return dec_done(&c);
}

const char *ifl_err_name(uint32_t code)
{
	static const char *const names[] = {
		[IFL_E_PROTO] = "protocol error",     [IFL_E_UNKNOWN_TARGET] = "unknown target",
		[IFL_E_RANGE] = "out of range",       [IFL_E_READONLY] = "read-only target",
		[IFL_E_IO] = "I/O error",             [IFL_E_CHUNK] = "corrupt chunk",
		[IFL_E_STATE] = "unexpected message", [IFL_E_DENIED] = "not permitted",
		[IFL_E_INTERNAL] = "internal error",  [IFL_E_INCOMPLETE] = "incomplete transfer",
	};
	if (code == 0 || code >= sizeof(names) / sizeof(names[0]))
		return "unknown error";
	return names[code];
}
