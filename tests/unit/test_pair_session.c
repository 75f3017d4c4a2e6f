/*
 * test_pair_session.c - the host's session and flash code against the real
 * agent in one process: the agent serves one end of a blocking in-memory
 * pipe in a thread, the host drives the other, and faults are injected on
 * either direction.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "ctx.h"
#include "flash.h"
#include "hash.h"
#include "pipelink.h"
#include "session.h"
#include "source.h"
#include "tspec.h"
#include "../../initrd/agent.h"

/*
 * initrd/session.h cannot be included next to host/session.h (same guard),
 * so the one agent function needed beyond agent.h is declared here.
 */
struct ifl_session_stats;
int ifl_session_run(struct ifl_agent *a, struct ifl_transport *t, struct ifl_session_stats *st);

#define DISK_SIZE (4u << 20)

static struct {
	char dir[64], disk[128], ro[128], image[128];
	struct ifl_targets inv;
	struct ifl_agent *a;
	struct pipelink host, agent;
	struct pipelink_dir dirs[2];
	pthread_t th;
	int agent_rc, running;
	struct ifl_ctx c;
	struct ifl_session s;
	int open;
	uint8_t *disk0;  /* the disk as it was */
} P;

static void make_file(char *path, const char *name, size_t size, uint8_t **keep)
{
	uint8_t *p = malloc(size);
	int fd;

	for (size_t i = 0; i < size; i++)
		p[i] = (uint8_t)(i * 7 + (i >> 13));
	snprintf(path, 128, "%s/%s", P.dir, name);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, p, size), (ssize_t)size);
	close(fd);
	if (keep)
		*keep = p;
	else
		free(p);
}

static void add_target(const char *name, const char *path)
{
	char spec[256], err[256];

	snprintf(spec, sizeof(spec), "%s=%s", name, path);
	cr_assert_eq(ifl_inv_add(&P.inv, spec, err, sizeof(err)), 0, "%s", err);
}

static void setup(void)
{
	struct ifl_agent_cfg cfg = {.workers = 2};

	/* The agent logs its ERRORs and the host its summary: the tests check both otherwise. */
	cr_assert_not_null(freopen("/dev/null", "w", stderr));
	cr_assert_not_null(freopen("/dev/null", "w", stdout));
	memset(&P, 0, sizeof(P));
	strcpy(P.dir, "/tmp/ifl-pair-XXXXXX");
	cr_assert_not_null(mkdtemp(P.dir));
	make_file(P.disk, "disk.img", DISK_SIZE, &P.disk0);
	make_file(P.ro, "ro.img", 65536, NULL);
	add_target("disk", P.disk);
	add_target("ro", P.ro);
	P.inv.t[1].info.flags |= IFL_TF_READONLY;
	cr_assert_eq(ifl_agent_new(&cfg, &P.inv, &P.a), 0);
	pipelink_pair(&P.host, &P.agent, P.dirs);
	ifl_ui_init(&P.c.ui, 0, 1);
}

static void *agent_main(void *arg)
{
	(void)arg;
	P.agent_rc = ifl_session_run(P.a, &P.agent.t, NULL);
	/* What the agent's main does with a finished session's transport. */
	P.agent.t.ops->close(&P.agent.t);
	return NULL;
}

static void start(void)
{
	cr_assert_eq(pthread_create(&P.th, NULL, agent_main, NULL), 0);
	P.running = 1;
}

/* Close the host's end (saying BYE when bye) and wait for the agent to finish. */
static void finish(int bye)
{
	if (P.open)
		ifl_session_close(&P.s, bye);
	else
		P.host.t.ops->close(&P.host.t);
	P.open = 0;
	if (P.running)
		pthread_join(P.th, NULL);
	P.running = 0;
}

static void teardown(void)
{
	char cmd[128];

	finish(0);
	ifl_agent_free(P.a);
	pipelink_free(P.dirs);
	ifl_ui_destroy(&P.c.ui);
	free(P.disk0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", P.dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(pair, .init = setup, .fini = teardown, .timeout = 60);

static void open_session(void)
{
	start();
	cr_assert_eq(ifl_session_open(&P.s, &P.host.t), 0);
	P.open = 1;
}

static uint8_t *image(size_t n, unsigned seed, int gzip)
{
	uint8_t *p = malloc(n);
	uint32_t x = seed;
	int fd;

	/* Runs of zeros, of one byte, text and noise: every chunk encoding gets used. */
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		switch ((i >> 16) % 4) {
		case 0: p[i] = 0; break;
		case 1: p[i] = 0x5a; break;
		case 2: p[i] = "an image\n"[i % 9]; break;
		default: p[i] = (uint8_t)(x >> 16);
		}
	}
	snprintf(P.image, sizeof(P.image), "%s/image%s", P.dir, gzip ? ".gz" : "");
	if (gzip) {
		gzFile g = gzopen(P.image, "wb");

		cr_assert_not_null(g);
		cr_assert_eq(gzwrite(g, p, (unsigned)n), (int)n);
		cr_assert_eq(gzclose(g), Z_OK);
	} else {
		fd = open(P.image, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		cr_assert_eq(write(fd, p, n), (ssize_t)n);
		close(fd);
	}
	return p;
}

/* Flash P.image to spec through the host's pipeline; returns ifl_flash_image's result. */
static int flash(const char *spec, int verify, uint32_t chunk)
{
	struct ifl_flash_opts o = {.verify = verify, .level = 1, .chunk = chunk};
	struct ifl_flash_job job = {.image = P.image};
	struct ifl_pipeline p;
	int rc;

	cr_assert_eq(ifl_tspec_parse(spec, 0, &job.spec, &P.c.diag), 0);
	cr_assert_eq(ifl_source_open(P.image, &job.src, &P.c.diag), 0, "%s", P.c.diag.msg);
	cr_assert_eq(ifl_pipeline_init(&p, chunk, 2), 0);
	rc = ifl_flash_image(&P.c, &P.s, &p, &job, &o);
	ifl_pipeline_destroy(&p);
	ifl_source_close(job.src);
	return rc;
}

static uint8_t *disk_now(void)
{
	uint8_t *p = malloc(DISK_SIZE);
	int fd = open(P.disk, O_RDONLY);

	cr_assert_eq(pread(fd, p, DISK_SIZE, 0), DISK_SIZE);
	close(fd);
	return p;
}

/* The disk holds img[n] at off and what it held before everywhere else. */
static void disk_holds(const uint8_t *img, size_t n, size_t off)
{
	uint8_t *now = disk_now();

	cr_assert_eq(memcmp(now + off, img, n), 0, "the image is on the target");
	cr_assert_eq(memcmp(now, P.disk0, off), 0, "nothing before it changed");
	cr_assert_eq(memcmp(now + off + n, P.disk0 + off + n, DISK_SIZE - off - n), 0,
		     "nothing after it changed");
	free(now);
}

Test(pair, handshake_gives_the_agents_inventory)
{
	open_session();
	cr_assert_eq(P.s.inv.ntargets, 2);
	cr_assert_str_eq(P.s.inv.t[0].name, "disk");
	cr_assert_eq(P.s.inv.t[0].size, DISK_SIZE);
	cr_assert_eq(P.s.inv.t[1].flags & IFL_TF_READONLY, IFL_TF_READONLY);
	cr_assert_eq(P.s.inv.max_chunk, IFL_MAX_CHUNK);
	finish(1);
	cr_assert_eq(P.agent_rc, 0);
}

Test(pair, flash_raw_image_verified)
{
	uint8_t *img = image(3u << 20, 1, 0);

	open_session();
	cr_assert_eq(flash("disk@4096", 1, 256u << 10), 0, "%s", P.c.diag.msg);
	cr_assert_eq(P.c.diag.exit, 0);
	finish(1);
	cr_assert_eq(P.agent_rc, 0);
	disk_holds(img, 3u << 20, 4096);
	free(img);
}

Test(pair, flash_gzip_image_with_odd_chunks)
{
	const size_t n = (2u << 20) + 12345;
	uint8_t *img = image(n, 2, 1);

	open_session();
	cr_assert_eq(flash("disk@1000", 1, 100000), 0, "%s", P.c.diag.msg);
	finish(1);
	disk_holds(img, n, 1000);
	free(img);
}

Test(pair, two_images_in_one_session)
{
	uint8_t *a = image(100000, 3, 0), *b;

	open_session();
	cr_assert_eq(flash("disk", 0, 65536), 0, "%s", P.c.diag.msg);
	b = image(50000, 4, 1);
	cr_assert_eq(flash("disk@1M", 1, 65536), 0, "%s", P.c.diag.msg);
	finish(1);
	{
		uint8_t *now = disk_now();

		cr_assert_eq(memcmp(now, a, 100000), 0);
		cr_assert_eq(memcmp(now + (1 << 20), b, 50000), 0);
		free(now);
	}
	free(a);
	free(b);
}

Test(pair, agent_refuses_an_image_too_large)
{
	uint8_t *img = image(DISK_SIZE, 5, 0);

	open_session();
	/* The host's pre-check is skipped here: the agent's refusal reaches the user. */
	cr_assert_lt(flash("disk@1M", 0, 65536), 0);
	cr_assert_eq(P.c.diag.exit, IFL_EXIT_DEVICE);
	cr_assert_eq(P.c.diag.agent_code, IFL_E_RANGE);
	cr_assert_str_eq(P.c.diag.who, "");
	cr_assert_str_eq(P.c.diag.msg, "disk: range ends at 5.0 MiB but the target holds 4.0 MiB");
	finish(1);
	disk_holds(P.disk0, DISK_SIZE, 0);
	free(img);
}

Test(pair, agent_refuses_a_read_only_target)
{
	uint8_t *img = image(4096, 6, 0);

	open_session();
	cr_assert_lt(flash("ro", 0, 4096), 0);
	cr_assert_eq(P.c.diag.exit, IFL_EXIT_DEVICE);
	cr_assert_eq(P.c.diag.agent_code, IFL_E_READONLY);
	finish(1);
	free(img);
}

Test(pair, corrupted_chunk_on_the_way_to_the_agent)
{
	uint8_t *img = image(1u << 20, 7, 0);
	struct memlink_faults f = memlink_faults_none();

	/* Past HELLO and BEGIN, inside the CHUNK frames. */
	f.flip_at = 100000;
	f.flip_mask = 0x40;
	pipelink_faults(&P.agent, &f);
	open_session();
	cr_assert_lt(flash("disk", 1, 65536), 0);
	cr_assert_eq(P.c.diag.exit, IFL_EXIT_CONN, "a protocol error is a link failure");
	cr_assert_eq(P.c.diag.agent_code, IFL_E_PROTO);
	cr_assert_not_null(strstr(P.c.diag.msg, "failed its CRC32 check; the stream is corrupt"),
			   "%s", P.c.diag.msg);
	finish(0);
	cr_assert_eq(P.agent_rc, -EPROTO);
	free(img);
}

Test(pair, corrupted_reply_from_the_agent)
{
	uint8_t *img = image(65536, 8, 0);
	struct memlink_faults f = memlink_faults_none();

	open_session();
	/* The payload of the next frame the host reads: the OK to BEGIN. */
	f.flip_at = P.s.wire_rx + IFL_FRAME_HDR + 1;
	f.flip_mask = 0x01;
	pipelink_faults(&P.host, &f);
	cr_assert_lt(flash("disk", 0, 65536), 0);
	cr_assert_eq(P.c.diag.exit, IFL_EXIT_CONN);
	cr_assert_str_eq(P.c.diag.msg, "a frame from the agent failed its CRC check; the link "
			 "corrupts data, try another cable or port");
	finish(0);
	free(img);
}

Test(pair, link_cut_mid_transfer)
{
	uint8_t *img = image(1u << 20, 9, 0);
	struct memlink_faults f = memlink_faults_none();

	f.truncate_at = 150000; /* the agent sees the stream end inside a CHUNK */
	pipelink_faults(&P.agent, &f);
	open_session();
	cr_assert_lt(flash("disk", 1, 65536), 0);
	cr_assert_eq(P.c.diag.exit, IFL_EXIT_CONN);
	cr_assert_not_null(strstr(P.c.diag.msg, "the connection to the agent was lost after "),
			   "%s", P.c.diag.msg);
	cr_assert_not_null(strstr(P.c.diag.msg, "the target holds a partial image"));
	finish(0);
	cr_assert_eq(P.agent_rc, -EPIPE);
	free(img);
}

Test(pair, host_write_fails_mid_transfer)
{
	uint8_t *img = image(1u << 20, 10, 0);
	struct memlink_faults f = memlink_faults_none();

	/* HELLO, BEGIN, then the fourth CHUNK fails; the agent is still there. */
	f.fail_write = 6;
	f.write_err = -ECONNRESET;
	pipelink_faults(&P.host, &f);
	open_session();
	/* The agent still waits for chunks and sends PROGRESS: the host must not wait forever. */
	cr_assert_lt(flash("disk", 1, 65536), 0);
	cr_assert_eq(P.c.diag.exit, IFL_EXIT_CONN);
	cr_assert_not_null(strstr(P.c.diag.msg, "the connection to the agent was lost after "),
			   "%s", P.c.diag.msg);
	finish(0);
	free(img);
}

Test(pair, short_reads_both_ways)
{
	uint8_t *img = image(300000, 11, 1);
	struct memlink_faults f = memlink_faults_none();

	f.read_max = 3;
	f.eintr_read = 2;
	pipelink_faults(&P.host, &f);
	f.read_max = 1000;
	f.eintr_read = 5;
	pipelink_faults(&P.agent, &f);
	open_session();
	cr_assert_eq(flash("disk@3M", 1, 32768), 0, "%s", P.c.diag.msg);
	finish(1);
	disk_holds(img, 300000, 3u << 20);
	free(img);
}
