/* agent.h - what outlives a session: targets, worker threads and preallocated buffers. */
#ifndef IFL_AGENT_H
#define IFL_AGENT_H

#include <stdint.h>

#include "inventory.h"

struct ifl_agent;

struct ifl_agent_cfg {
	int allow_power;  /* honour REBOOT / POWEROFF */
	unsigned workers; /* chunk workers; 0 = one per online core, 2..8 */
	/*
	 * Called after OK was sent for REBOOT or POWEROFF (type IFL_T_REBOOT or
	 * IFL_T_POWEROFF); NULL means sync() then reboot(2). Returns only on
	 * failure, with a negative errno (a test hook returns 0).
	 */
	int (*power)(uint8_t type);
};

/*
 * Create an agent serving the targets in inv (kept by reference: it must
 * outlive the agent): starts the workers and allocates every transfer
 * buffer now. Returns 0 and sets *out, -ENOMEM, or a pthread errno.
 */
int ifl_agent_new(const struct ifl_agent_cfg *cfg, const struct ifl_targets *inv,
		  struct ifl_agent **out);

/* Stop the workers and free everything. No session may be running. */
void ifl_agent_free(struct ifl_agent *a);

/* Number of chunk workers, and bytes held in transfer buffers. */
unsigned ifl_agent_workers(const struct ifl_agent *a);
uint64_t ifl_agent_buffer_bytes(const struct ifl_agent *a);

/* The default power hook: sync, then reboot or power off. */
int ifl_power_default(uint8_t type);

#endif
