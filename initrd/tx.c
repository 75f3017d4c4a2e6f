/* tx.c - encode and send agent-to-host messages under one lock. */
#include "tx.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"
#include "link.h"
#include "log.h"

/* Room for every small message: the largest is ERROR (10 + 511 bytes). */
#define SMALL (IFL_FRAME_HDR + 600)

void ifl_tx_init(struct ifl_tx *tx, struct ifl_transport *t)
{
	memset(tx, 0, sizeof(*tx));
	tx->t = t;
	pthread_mutex_init(&tx->lock, NULL);
}

void ifl_tx_destroy(struct ifl_tx *tx)
{
	pthread_mutex_destroy(&tx->lock);
}

void ifl_tx_lock(struct ifl_tx *tx)
{
	pthread_mutex_lock(&tx->lock);
}

void ifl_tx_unlock(struct ifl_tx *tx)
{
	pthread_mutex_unlock(&tx->lock);
}

int ifl_tx_send_locked(struct ifl_tx *tx, uint8_t type, uint8_t *buf, size_t len)
{
	int rc;

	if (tx->err)
		return tx->err;
	rc = ifl_link_send(tx->t, buf, type, tx->seq, len);
	if (rc)
		tx->err = rc;
	else
		tx->seq++;
	if (!rc && type == IFL_T_ERROR)
		tx->errors++;
	return rc;
}

int ifl_tx_send(struct ifl_tx *tx, uint8_t type, uint8_t *buf, size_t len)
{
	int rc;

	ifl_tx_lock(tx);
	rc = ifl_tx_send_locked(tx, type, buf, len);
	ifl_tx_unlock(tx);
	return rc;
}

int ifl_tx_failed(struct ifl_tx *tx)
{
	int err;

	ifl_tx_lock(tx);
	err = tx->err;
	ifl_tx_unlock(tx);
	return err;
}

int ifl_tx_ok(struct ifl_tx *tx, uint32_t ref_seq)
{
	uint8_t b[SMALL];
	size_t len;
	int rc = ifl_enc_ok(ref_seq, b + IFL_FRAME_HDR, sizeof(b) - IFL_FRAME_HDR, &len);

	return rc ? rc : ifl_tx_send(tx, IFL_T_OK, b, len);
}

int ifl_tx_result(struct ifl_tx *tx, const struct ifl_result *r)
{
	uint8_t b[SMALL];
	size_t len;
	int rc = ifl_enc_result(r, b + IFL_FRAME_HDR, sizeof(b) - IFL_FRAME_HDR, &len);

	return rc ? rc : ifl_tx_send(tx, IFL_T_RESULT, b, len);
}

int ifl_tx_progress_locked(struct ifl_tx *tx, const struct ifl_progress *p)
{
	uint8_t b[SMALL];
	size_t len;
	int rc = ifl_enc_progress(p, b + IFL_FRAME_HDR, sizeof(b) - IFL_FRAME_HDR, &len);

	return rc ? rc : ifl_tx_send_locked(tx, IFL_T_PROGRESS, b, len);
}

int ifl_tx_error(struct ifl_tx *tx, uint32_t code, uint32_t ref_seq, const char *fmt, ...)
{
	struct ifl_error e = {.code = code, .ref_seq = ref_seq};
	uint8_t b[SMALL];
	size_t len;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	ifl_log("error %u (%s): %s", code, ifl_err_name(code), e.msg);
	rc = ifl_enc_error(&e, b + IFL_FRAME_HDR, sizeof(b) - IFL_FRAME_HDR, &len);
	return rc ? rc : ifl_tx_send(tx, IFL_T_ERROR, b, len);
}
