/* diag.h - a command's first failure: its exit status and the sentence for the user. */
#ifndef IFL_DIAG_H
#define IFL_DIAG_H

#include <stdint.h>

/* Exit statuses of initflash (documented in --help and initflash(1)). */
enum ifl_exit {
	IFL_EXIT_OK = 0,     /* success */
	IFL_EXIT_LOCAL = 1,  /* local input/output: image unreadable or corrupt, OUTFILE */
	IFL_EXIT_USAGE = 2,  /* bad command line */
	IFL_EXIT_CONN = 3,   /* cannot connect, peer vanished, bad frame */
	IFL_EXIT_DEVICE = 4, /* the device (or the host's pre-check) refused or failed */
	IFL_EXIT_VERIFY = 5, /* what is on the target differs from the image */
};

struct ifl_diag {
	int exit;            /* enum ifl_exit of the first failure, 0 while none */
	uint32_t agent_code; /* ERROR code when the agent reported it, else 0 */
	char who[256];       /* target or file the failure is about, may be empty */
	char msg[1024];      /* "what happened; what to do" */
};

/*
 * Record a failure unless one is already recorded (the first cause wins).
 * who names the target or file (NULL for none). Returns err, so callers can
 * write `return ifl_diag_set(d, -EIO, IFL_EXIT_LOCAL, path, "...")`.
 */
int ifl_diag_set(struct ifl_diag *d, int err, int exitcode, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Same, with the agent's ERROR code kept for the --json error event. */
int ifl_diag_agent(struct ifl_diag *d, int err, int exitcode, uint32_t code, const char *who,
		   const char *msg);

#endif
