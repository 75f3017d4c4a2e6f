/* progress.h - live progress on stderr (a bar on a TTY, a line a second otherwise) or JSON. */
#ifndef IFL_PROGRESS_H
#define IFL_PROGRESS_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "msg.h"

enum ifl_ui_mode { IFL_UI_QUIET, IFL_UI_TTY, IFL_UI_PLAIN, IFL_UI_JSON };

struct ifl_ui {
	int mode;             /* enum ifl_ui_mode */
	int json;             /* results and errors as JSON lines */
	FILE *out;            /* where results and JSON go: stdout, or stderr when stdout carries data */
	pthread_mutex_t lock; /* updates come from several threads */
	char who[64];         /* target being worked on */
	int phase;            /* IFL_PH_* shown now */
	double t_phase;       /* when that phase started */
	double t_last;        /* last redraw */
	int drawn;            /* a TTY line is on the screen */
};

/* Choose the mode: JSON, quiet, or by whether stderr is a terminal. */
void ifl_ui_init(struct ifl_ui *u, int json, int quiet);

/* Change the mode once all options are known. */
void ifl_ui_mode(struct ifl_ui *u, int json, int quiet);

/* A new operation on target who begins now. */
void ifl_ui_begin(struct ifl_ui *u, const char *who);

/*
 * Report done of total bytes in phase (IFL_PH_*). Thread-safe; redraws at
 * most 5 times a second on a TTY and once a second otherwise.
 */
void ifl_ui_progress(struct ifl_ui *u, int phase, uint64_t done, uint64_t total);

/*
 * An ifl_progress_fn for the session: show an agent's PROGRESS (arg is the
 * struct ifl_ui), counting written bytes while writing, verified ones while
 * verifying.
 */
void ifl_ui_agent(void *ui, const struct ifl_progress *p);

/* Take the progress line off the terminal before other output. */
void ifl_ui_clear(struct ifl_ui *u);

void ifl_ui_destroy(struct ifl_ui *u);

#endif
