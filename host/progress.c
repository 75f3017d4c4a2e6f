/* progress.c - draw transfer progress: bar, rate and ETA, throttled. */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fdio.h"
#include "json.h"
#include "msg.h"
#include "units.h"

#define BAR_WIDTH 24

static const char *phase_word(int phase)
{
	static const char *const words[] = {"working", "writing", "verifying", "reading", "erasing",
					     "hashing"};
	return phase > 0 && phase <= IFL_PH_HASH ? words[phase] : words[0];
}

static const char *phase_key(int phase)
{
	static const char *const keys[] = {"?", "write", "verify", "read", "erase", "hash"};
	return phase > 0 && phase <= IFL_PH_HASH ? keys[phase] : keys[0];
}

void ifl_ui_init(struct ifl_ui *u, int json, int quiet)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	u->out = stdout;
	ifl_ui_mode(u, json, quiet);
}

void ifl_ui_mode(struct ifl_ui *u, int json, int quiet)
{
	u->json = json;
	if (quiet)
		u->mode = IFL_UI_QUIET;
	else if (json)
		u->mode = IFL_UI_JSON;
	else
		u->mode = isatty(2) ? IFL_UI_TTY : IFL_UI_PLAIN;
}

void ifl_ui_begin(struct ifl_ui *u, const char *who)
{
	pthread_mutex_lock(&u->lock);
	snprintf(u->who, sizeof(u->who), "%s", who);
	u->phase = 0;
	u->t_phase = u->t_last = ifl_now();
	pthread_mutex_unlock(&u->lock);
}

/* "1.2 GiB / 4.0 GiB (30%) 85.3 MB/s ETA 7s" into buf. */
static void fmt_numbers(char *buf, size_t cap, uint64_t done, uint64_t total, double secs)
{
	char sd[32], st[32], eta[32] = "";
	double rate = secs > 0 ? (double)done / secs : 0;
	unsigned pct = total ? (unsigned)(done * 100 / total) : 0;

	if (rate > 0 && done <= total)
		snprintf(eta, sizeof(eta), " ETA %.0fs", (double)(total - done) / rate);
	snprintf(buf, cap, "%s / %s (%u%%) %.1f MB/s%s", ifl_fmt_size(done, sd, sizeof(sd)),
		 ifl_fmt_size(total, st, sizeof(st)), pct, rate / 1e6, eta);
}

static void draw_tty(struct ifl_ui *u, uint64_t done, uint64_t total, double secs)
{
	char nums[160], bar[BAR_WIDTH + 1];
	unsigned fill = total ? (unsigned)(done * BAR_WIDTH / total) : 0;

	for (unsigned i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[BAR_WIDTH] = '\0';
	fmt_numbers(nums, sizeof(nums), done, total, secs);
	fprintf(stderr, "\r\033[K%s: %s [%s] %s", u->who, phase_word(u->phase), bar, nums);
	fflush(stderr);
	u->drawn = 1;
}

static void draw_json(struct ifl_ui *u, uint64_t done, uint64_t total, double secs)
{
	struct ifl_json j;
	double rate = secs > 0 ? (double)done / secs : 0;

	ifl_json_begin(&j, u->out, "progress");
	ifl_json_str(&j, "target", u->who);
	ifl_json_str(&j, "phase", phase_key(u->phase));
	ifl_json_u64(&j, "bytes", done);
	ifl_json_u64(&j, "total", total);
	ifl_json_num(&j, "mbps", rate / 1e6);
	if (rate > 0 && done <= total)
		ifl_json_num(&j, "eta", (double)(total - done) / rate);
	ifl_json_end(&j);
}

void ifl_ui_progress(struct ifl_ui *u, int phase, uint64_t done, uint64_t total)
{
	double now = ifl_now(), gap = u->mode == IFL_UI_TTY ? 0.2 : 1.0;
	char nums[160];

	if (u->mode == IFL_UI_QUIET)
		return;
	pthread_mutex_lock(&u->lock);
	if (phase != u->phase) {
		u->phase = phase; /* rate and ETA are per phase */
		u->t_phase = u->t_last = now;
	}
	if (now - u->t_last >= gap) {
		u->t_last = now;
		if (u->mode == IFL_UI_TTY)
			draw_tty(u, done, total, now - u->t_phase);
		else if (u->mode == IFL_UI_JSON)
			draw_json(u, done, total, now - u->t_phase);
		else {
			fmt_numbers(nums, sizeof(nums), done, total, now - u->t_phase);
			fprintf(stderr, "%s: %s %s\n", u->who, phase_word(u->phase), nums);
		}
	}
	pthread_mutex_unlock(&u->lock);
}

void ifl_ui_agent(void *ui, const struct ifl_progress *p)
{
	uint64_t done = p->received;

	if (p->phase == IFL_PH_WRITE || p->phase == IFL_PH_ERASE)
		done = p->written;
	else if (p->phase == IFL_PH_VERIFY || p->phase == IFL_PH_HASH)
		done = p->verified;
	else if (p->written > done)
		done = p->written;
	ifl_ui_progress(ui, p->phase, done, p->total);
}

void ifl_ui_clear(struct ifl_ui *u)
{
	pthread_mutex_lock(&u->lock);
	if (u->drawn)
		fputs("\r\033[K", stderr);
	u->drawn = 0;
	pthread_mutex_unlock(&u->lock);
}

void ifl_ui_destroy(struct ifl_ui *u)
{
	pthread_mutex_destroy(&u->lock);
}
