/* agent.c - set up and tear down the long-lived parts: workers, buffers, inventory frame. */
#include "agent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#include "chunk.h"
#include "session_impl.h"

#ifndef IFL_VERSION_STR
#define IFL_VERSION_STR "0.1"
#endif

/* 64 targets of at most 346 bytes, 256 partitions of at most 125, and the head */
#define INV_CAP (96u << 10)

uint64_t ifl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int ifl_power_default(uint8_t type)
{
	sync();
	reboot(type == IFL_T_POWEROFF ? RB_POWER_OFF : RB_AUTOBOOT);
	return -errno;
}

/* One worker per online core, at least 2 so inflate and I/O overlap. */
static unsigned pick_workers(unsigned want)
{
	long n = want ? (long)want : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 2)
		n = 2;
	if (n > IFL_WORKERS_MAX)
		n = IFL_WORKERS_MAX;
	return (unsigned)n;
}

/*
 * Encode the INVENTORY payload: at start, and again at each HELLO because a
 * write may have changed a partition table (the targets themselves do not change).
 */
int ifl_agent_encode_inventory(struct ifl_agent *a)
{
	struct ifl_inventory *m = calloc(1, sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	m->max_payload = IFL_MAX_PAYLOAD;
	m->max_chunk = IFL_MAX_CHUNK;
	m->flags = a->cfg.allow_power ? IFL_INV_POWER : 0;
	strcpy(m->agent_version, "initflash-agent " IFL_VERSION_STR);
	ifl_inv_to_msg(a->inv, m);
	rc = ifl_enc_inventory(m, a->invframe + IFL_FRAME_HDR, INV_CAP, &a->invlen);
	free(m);
	return rc;
}

int ifl_agent_new(const struct ifl_agent_cfg *cfg, const struct ifl_targets *inv,
		  struct ifl_agent **out)
{
	struct ifl_agent *a = calloc(1, sizeof(*a));
	unsigned nw;
	int rc;

	if (!a)
		return -ENOMEM;
	a->cfg = *cfg;
	a->inv = inv;
	nw = pick_workers(cfg->workers);
	a->rdbuf = malloc(IFL_READ_PIECE);
	a->dataframe = malloc(IFL_FRAME_HDR + IFL_CHUNK_HDR + IFL_READ_PIECE);
	a->invframe = malloc(IFL_FRAME_HDR + INV_CAP);
	rc = (!a->rdbuf || !a->dataframe || !a->invframe) ? -ENOMEM : ifl_agent_encode_inventory(a);
	if (rc == 0)
		rc = ifl_pool_init(&a->pool, 2 * nw + 2, IFL_FRAME_HDR + IFL_MAX_PAYLOAD);
	if (rc == 0) {
		rc = ifl_writer_init(&a->writer, nw, &a->pool);
		if (rc)
			ifl_pool_destroy(&a->pool);
	}
	if (rc) {
		free(a->invframe);
		free(a->dataframe);
		free(a->rdbuf);
		free(a);
		return rc;
	}
	*out = a;
	return 0;
}

void ifl_agent_free(struct ifl_agent *a)
{
	if (!a)
		return;
	ifl_writer_destroy(&a->writer);
	ifl_pool_destroy(&a->pool);
	free(a->invframe);
	free(a->dataframe);
	free(a->rdbuf);
	free(a);
}

unsigned ifl_agent_workers(const struct ifl_agent *a)
{
	return a->writer.nthreads;
}

uint64_t ifl_agent_buffer_bytes(const struct ifl_agent *a)
{
	uint64_t frames = (uint64_t)a->pool.n * (IFL_FRAME_HDR + IFL_MAX_PAYLOAD);
	uint64_t scratch = (uint64_t)a->writer.nthreads * IFL_MAX_CHUNK;

	return frames + scratch + IFL_READ_PIECE * 2u + INV_CAP;
}
