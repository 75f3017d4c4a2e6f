/*
 * test_agent_bootpart.c - eMMC boot partitions' force_ro on a fake sysfs tree,
 * and the partition-table reread after writes that reach a table: the pieces
 * alone, through a sink, and through whole sessions (success, failure, a host
 * that vanishes mid-write).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "agent.h"
#include "bootpart.h"
#include "chunk.h"
#include "frame.h"
#include "inventory.h"
#include "link.h"
#include "memlink.h"
#include "msg.h"
#include "rereadpt.h"
#include "session.h"
#include "session_impl.h"
#include "sink.h"
#include "wire.h"

#define DEV_SIZE (1u << 20)

static struct {
	char root[64], sys[128], dev[128], attr[256];
	struct ifl_targets inv;
	struct ifl_agent *a;
	struct memlink host, agent;
	struct memlink_buf bufs[2];
	uint32_t seq;
} R;

static uint8_t fb[IFL_FRAME_HDR + IFL_MAX_PAYLOAD];

/* Write root/rel with text, creating the directories on the way. */
static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", R.root, rel);
	for (char *p = path + strlen(R.root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s", path);
		*p = '/';
	}
	f = fopen(path, "w");
	cr_assert_not_null(f, "create %s", path);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

/* The first byte of sys/class/block/NAME/force_ro, as a char. */
static char force_ro(const char *name)
{
	char path[512], c = '?';
	FILE *f;

	snprintf(path, sizeof(path), "%s/class/block/%s/force_ro", R.sys, name);
	f = fopen(path, "r");
	cr_assert_not_null(f, "open %s", path);
	cr_assert_eq(fread(&c, 1, 1, f), 1);
	fclose(f);
	return c;
}

/* A device node stand-in: a file of DEV_SIZE bytes at root/dev/NAME. */
static void make_dev(const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/dev/%s", R.root, name);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	cr_assert_geq(fd, 0, "create %s", path);
	cr_assert_eq(ftruncate(fd, DEV_SIZE), 0);
	close(fd);
}

/* Target NAME: the file root/dev/NAME, but posing as a block device. */
static struct ifl_agent_target *add_block(const char *name)
{
	struct ifl_agent_target *t = &R.inv.t[R.inv.n++];

	memset(t, 0, sizeof(*t));
	make_dev(name);
	snprintf(t->info.name, sizeof(t->info.name), "%s", name);
	cr_assert_lt(strlen(R.root) + 5 + strlen(name), sizeof(t->path));
	strcpy(t->path, R.root);
	strcat(t->path, "/dev/");
	strcat(t->path, name);
	t->info.kind = IFL_KIND_BLOCK;
	t->info.size = DEV_SIZE;
	t->info.block_size = t->info.write_size = 512;
	return t;
}

static void setup(void)
{
	/* The agent logs what it does; the results are what is checked. */
	cr_assert_not_null(freopen("/dev/null", "w", stderr));
	memset(&R, 0, sizeof(R));
	strcpy(R.root, "/tmp/ifl-bootpart-XXXXXX");
	cr_assert_not_null(mkdtemp(R.root));
	snprintf(R.sys, sizeof(R.sys), "%s/sys", R.root);
	put("sys/class/block/mmcblk0boot0/force_ro", "1\n");
	put("sys/class/block/mmcblk0boot1/force_ro", "0\n");
	put("sys/class/block/mmcblk0/force_ro", "1\n");
	put("dev/.keep", "");
	ifl_sink_set_sysroot(R.sys);
	memlink_pair(&R.host, &R.agent, R.bufs);
}

static void teardown(void)
{
	char cmd[256];

	ifl_sink_set_sysroot("/sys");
	ifl_agent_free(R.a);
	memlink_buf_free(&R.bufs[0]);
	memlink_buf_free(&R.bufs[1]);
	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s'; rm -rf '%s'", R.root, R.root);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(agent_bootpart, .init = setup, .fini = teardown, .timeout = 30);

/* ---- the names ---- */

Test(agent_bootpart, boot_partition_names)
{
	cr_assert(ifl_bootpart_name("mmcblk0boot0"));
	cr_assert(ifl_bootpart_name("mmcblk12boot1"));
	cr_assert_not(ifl_bootpart_name("mmcblk0"));
	cr_assert_not(ifl_bootpart_name("mmcblk0p1"));
	cr_assert_not(ifl_bootpart_name("mmcblk0rpmb"));
	cr_assert_not(ifl_bootpart_name("mmcblkboot0"));
	cr_assert_not(ifl_bootpart_name("mmcblk0boot"));
	cr_assert_not(ifl_bootpart_name("mmcblk0boot0p1"));
	cr_assert_not(ifl_bootpart_name("sda"));
}

Test(agent_bootpart, unlockable_when_only_force_ro_protects)
{
	put("sys/class/block/mmcblk0/ro", "0\n");
	put("sys/class/block/mmcblk0boot0/ro", "1\n");
	cr_assert(ifl_bootpart_unlockable(R.sys, "mmcblk0boot0"));
	cr_assert_not(ifl_bootpart_unlockable(R.sys, "mmcblk0boot1"), "force_ro 0: ro has another cause");
	cr_assert_not(ifl_bootpart_unlockable(R.sys, "mmcblk0"), "not a boot partition");
	cr_assert_not(ifl_bootpart_unlockable(R.sys, "mmcblk9boot0"), "no sysfs at all");
	put("sys/class/block/mmcblk0boot0/ro_lock_until_next_power_on", "1\n");
	cr_assert_not(ifl_bootpart_unlockable(R.sys, "mmcblk0boot0"), "power-on write protect");
	put("sys/class/block/mmcblk0boot0/ro_lock_until_next_power_on", "0\n");
	cr_assert(ifl_bootpart_unlockable(R.sys, "mmcblk0boot0"));
	put("sys/class/block/mmcblk0/ro", "1\n");
	cr_assert_not(ifl_bootpart_unlockable(R.sys, "mmcblk0boot0"), "the card is write-protected");
}

/* ---- force_ro alone ---- */

Test(agent_bootpart, clear_then_restore)
{
	struct ifl_bootpart bp;
	char msg[256] = "";

	make_dev("mmcblk0boot0");
	snprintf(R.dev, sizeof(R.dev), "%s/dev/mmcblk0boot0", R.root);
	cr_assert_eq(ifl_bootpart_unlock(&bp, R.sys, R.dev, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(bp.cleared, 1);
	cr_assert_eq(force_ro("mmcblk0boot0"), '0');
	cr_assert_eq(ifl_bootpart_restore(&bp), 0);
	cr_assert_eq(force_ro("mmcblk0boot0"), '1');
	/* A second restore does nothing. */
	put("sys/class/block/mmcblk0boot0/force_ro", "0\n");
	cr_assert_eq(ifl_bootpart_restore(&bp), 0);
	cr_assert_eq(force_ro("mmcblk0boot0"), '0');
}

Test(agent_bootpart, symlink_resolves_to_kernel_name)
{
	struct ifl_bootpart bp;
	char msg[256] = "", link[256];

	make_dev("mmcblk0boot0");
	snprintf(R.dev, sizeof(R.dev), "%s/dev/mmcblk0boot0", R.root);
	snprintf(link, sizeof(link), "%s/dev/boot-a", R.root);
	cr_assert_eq(symlink(R.dev, link), 0);
	cr_assert_eq(ifl_bootpart_unlock(&bp, R.sys, link, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(force_ro("mmcblk0boot0"), '0');
	ifl_bootpart_restore(&bp);
	cr_assert_eq(force_ro("mmcblk0boot0"), '1');
}

Test(agent_bootpart, already_zero_stays_zero)
{
	struct ifl_bootpart bp;
	char msg[256] = "";

	make_dev("mmcblk0boot1");
	snprintf(R.dev, sizeof(R.dev), "%s/dev/mmcblk0boot1", R.root);
	cr_assert_eq(ifl_bootpart_unlock(&bp, R.sys, R.dev, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(bp.cleared, 0);
	cr_assert_eq(ifl_bootpart_restore(&bp), 0);
	cr_assert_eq(force_ro("mmcblk0boot1"), '0');
}

Test(agent_bootpart, without_force_ro_untouched)
{
	struct ifl_bootpart bp;
	char msg[256] = "", path[512];
	struct stat st;

	/* A boot partition whose kernel has no force_ro, and a disk that is no boot partition. */
	put("sys/class/block/mmcblk1boot0/ro", "0\n");
	make_dev("mmcblk1boot0");
	snprintf(R.dev, sizeof(R.dev), "%s/dev/mmcblk1boot0", R.root);
	cr_assert_eq(ifl_bootpart_unlock(&bp, R.sys, R.dev, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(bp.cleared, 0);
	snprintf(path, sizeof(path), "%s/class/block/mmcblk1boot0/force_ro", R.sys);
	cr_assert_neq(stat(path, &st), 0, "no force_ro was created");

	make_dev("mmcblk0");
	snprintf(R.dev, sizeof(R.dev), "%s/dev/mmcblk0", R.root);
	cr_assert_eq(ifl_bootpart_unlock(&bp, R.sys, R.dev, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(bp.cleared, 0);
	cr_assert_eq(force_ro("mmcblk0"), '1', "only boot partitions are unlocked");
}

Test(agent_bootpart, clear_failure_is_a_clear_error)
{
	struct ifl_bootpart bp;
	char msg[256] = "", path[512];
	int rc;

	/* A force_ro that cannot be written, even by root: a directory. */
	snprintf(path, sizeof(path), "%s/class/block/mmcblk2boot0", R.sys);
	put("sys/class/block/mmcblk2boot0/ro", "0\n");
	strcat(path, "/force_ro");
	cr_assert_eq(mkdir(path, 0755), 0);
	make_dev("mmcblk2boot0");
	snprintf(R.dev, sizeof(R.dev), "%s/dev/mmcblk2boot0", R.root);
	rc = ifl_bootpart_unlock(&bp, R.sys, R.dev, msg, sizeof(msg));
	/* Reading a directory fails with EISDIR before any write is tried. */
	cr_assert_lt(rc, 0);
	cr_assert_eq(bp.cleared, 0);
	cr_assert(strncmp(msg, "mmcblk2boot0: cannot clear force_ro (", 37) == 0, "%s", msg);
	cr_assert_eq(ifl_open_code(rc), IFL_E_IO);
	cr_assert_eq(ifl_open_code(-EACCES), IFL_E_READONLY);
}

/* ---- through a sink ---- */

Test(agent_bootpart, sink_clears_while_open)
{
	struct ifl_agent_target *t = add_block("mmcblk0boot0");
	struct ifl_sink s;
	char msg[256] = "";

	cr_assert_eq(ifl_sink_open(&s, t, 0, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(force_ro("mmcblk0boot0"), '1', "reading leaves force_ro alone");
	cr_assert_eq(ifl_sink_close(&s), 0);
	cr_assert_eq(ifl_sink_open(&s, t, 1, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(force_ro("mmcblk0boot0"), '0');
	cr_assert_eq(ifl_sink_close(&s), 0);
	cr_assert_eq(force_ro("mmcblk0boot0"), '1');
	cr_assert_eq(ifl_sink_close(&s), 0, "closing twice is harmless");
	cr_assert_eq(force_ro("mmcblk0boot0"), '1');
}

Test(agent_bootpart, sink_restores_when_open_fails)
{
	struct ifl_agent_target *t = add_block("mmcblk0boot0");
	struct ifl_sink s;
	char msg[256] = "";

	cr_assert_eq(unlink(t->path), 0);
	cr_assert_eq(ifl_sink_open(&s, t, 1, msg, sizeof(msg)), -ENOENT);
	cr_assert_eq(force_ro("mmcblk0boot0"), '1');
}

Test(agent_bootpart, sink_clear_failure_refuses_open)
{
	struct ifl_agent_target *t = add_block("mmcblk2boot0");
	struct ifl_sink s;
	char msg[256] = "", path[512];

	snprintf(path, sizeof(path), "%s/class/block/mmcblk2boot0/force_ro", R.sys);
	put("sys/class/block/mmcblk2boot0/ro", "0\n");
	cr_assert_eq(mkdir(path, 0755), 0);
	cr_assert_lt(ifl_sink_open(&s, t, 1, msg, sizeof(msg)), 0);
	cr_assert(strncmp(msg, "mmcblk2boot0: cannot clear force_ro (", 37) == 0, "%s", msg);
	cr_assert_lt(s.fd, 0);
}

/* ---- through sessions ---- */

static uint32_t send_frame(uint8_t type, size_t len)
{
	uint32_t seq = R.seq++;

	cr_assert_eq(ifl_link_send(&R.host.t, fb, type, seq, len), 0);
	return seq;
}

static void send_hello(void)
{
	struct ifl_hello h = {.version = IFL_VERSION};
	size_t len;

	cr_assert_eq(ifl_enc_hello(&h, fb + IFL_FRAME_HDR, 64, &len), 0);
	send_frame(IFL_T_HELLO, len);
}

static void send_range(uint8_t type, const char *target, uint64_t off, uint64_t n)
{
	struct ifl_range r = {.offset = off, .length = n};
	size_t len;

	snprintf(r.target, sizeof(r.target), "%s", target);
	cr_assert_eq(ifl_enc_range(&r, fb + IFL_FRAME_HDR, 128, &len), 0);
	send_frame(type, len);
}

/* A raw CHUNK of n bytes of 0xa5 at off; bad_crc spoils its CRC-32. */
static void send_chunk(uint64_t off, uint32_t n, int bad_crc)
{
	uint8_t *p = fb + IFL_FRAME_HDR, *data = p + IFL_CHUNK_HDR;

	memset(data, 0xa5, n);
	ifl_chunk_put_hdr(p, off, n, IFL_ENC_RAW, (uint32_t)crc32(0L, data, n) ^ (bad_crc ? 1 : 0));
	send_frame(IFL_T_CHUNK, IFL_CHUNK_HDR + n);
}

static void send_end(uint64_t chunks, uint64_t bytes)
{
	struct ifl_end e = {.chunks = chunks, .bytes = bytes};
	size_t len;

	cr_assert_eq(ifl_enc_end(&e, fb + IFL_FRAME_HDR, 64, &len), 0);
	send_frame(IFL_T_END, len);
}

/* Run the session over what was queued; return the types of the replies (no PROGRESS). */
static unsigned run(uint8_t *types, unsigned cap, struct ifl_error *err)
{
	static uint8_t buf[IFL_FRAME_HDR + IFL_MAX_PAYLOAD];
	struct ifl_agent_cfg cfg = {.workers = 2};
	struct ifl_session_stats st;
	struct ifl_frame_hdr h;
	unsigned n = 0;

	cr_assert_eq(ifl_agent_new(&cfg, &R.inv, &R.a), 0);
	ifl_session_run(R.a, &R.agent.t, &st);
	while (ifl_link_recv(&R.host.t, buf, sizeof(buf), &h) == 0) {
		if (h.type == IFL_T_PROGRESS)
			continue;
		if (h.type == IFL_T_ERROR && err)
			cr_assert_eq(ifl_dec_error(buf + IFL_FRAME_HDR, h.len, err), 0);
		if (n < cap)
			types[n] = h.type;
		n++;
	}
	return n;
}

Test(agent_bootpart, session_write_restores_on_success)
{
	uint8_t types[8];

	add_block("mmcblk0boot0");
	send_hello();
	send_range(IFL_T_BEGIN, "mmcblk0boot0", 4096, 8192);
	send_chunk(0, 8192, 0);
	send_end(1, 8192);
	cr_assert_eq(run(types, 8, NULL), 3);
	cr_assert_eq(types[2], IFL_T_RESULT);
	cr_assert_eq(force_ro("mmcblk0boot0"), '1');
}

Test(agent_bootpart, session_write_restores_on_failure)
{
	struct ifl_error e = {0};
	uint8_t types[8];

	add_block("mmcblk0boot0");
	send_hello();
	send_range(IFL_T_BEGIN, "mmcblk0boot0", 0, 8192);
	send_chunk(0, 8192, 1);
	send_end(1, 8192);
	cr_assert_eq(run(types, 8, &e), 3);
	cr_assert_eq(types[2], IFL_T_ERROR);
	cr_assert_eq(e.code, IFL_E_CHUNK);
	cr_assert_eq(force_ro("mmcblk0boot0"), '1');
}

Test(agent_bootpart, session_restores_when_host_vanishes)
{
	uint8_t types[8];

	add_block("mmcblk0boot0");
	send_hello();
	send_range(IFL_T_BEGIN, "mmcblk0boot0", 0, 65536);
	send_chunk(0, 8192, 0);
	/* No END: the stream ends mid-write. */
	cr_assert_eq(run(types, 8, NULL), 2);
	cr_assert_eq(types[1], IFL_T_OK);
	cr_assert_eq(force_ro("mmcblk0boot0"), '1');
}

Test(agent_bootpart, session_erase_restores)
{
	uint8_t types[8];

	add_block("mmcblk0boot0");
	send_hello();
	send_range(IFL_T_ERASE, "mmcblk0boot0", 0, DEV_SIZE);
	cr_assert_eq(run(types, 8, NULL), 2);
	cr_assert_eq(types[1], IFL_T_RESULT);
	cr_assert_eq(force_ro("mmcblk0boot0"), '1');
}

Test(agent_bootpart, session_clear_failure_refuses_begin)
{
	struct ifl_error e = {0};
	uint8_t types[8];
	char path[512];

	add_block("mmcblk2boot0");
	put("sys/class/block/mmcblk2boot0/ro", "0\n");
	snprintf(path, sizeof(path), "%s/class/block/mmcblk2boot0/force_ro", R.sys);
	cr_assert_eq(mkdir(path, 0755), 0);
	send_hello();
	send_range(IFL_T_BEGIN, "mmcblk2boot0", 0, 8192);
	send_chunk(0, 8192, 0);
	send_end(1, 8192);
	cr_assert_eq(run(types, 8, &e), 2, "one ERROR for BEGIN, CHUNK and END ignored");
	cr_assert_eq(types[1], IFL_T_ERROR);
	cr_assert_eq(e.code, IFL_E_IO);
	cr_assert(strncmp(e.msg, "mmcblk2boot0: cannot clear force_ro (", 37) == 0, "%s", e.msg);
}

/* ---- partition tables ---- */

Test(agent_bootpart, pt_touches_head_and_tail)
{
	uint64_t disk = 1ull << 30;

	cr_assert(ifl_pt_touches(0, 1, 512, disk));
	cr_assert(ifl_pt_touches(33 * 512, 512, 512, disk), "LBA 33: last of the entries");
	cr_assert_not(ifl_pt_touches(34 * 512, 4096, 512, disk));
	cr_assert(ifl_pt_touches(34 * 512 - 1, 2, 512, disk));
	cr_assert(ifl_pt_touches(0, disk, 512, disk), "a whole-disk image");
	cr_assert(ifl_pt_touches(disk - 512, 512, 512, disk), "backup header");
	cr_assert(ifl_pt_touches(disk - 33 * 512, 1, 512, disk), "backup entries");
	cr_assert_not(ifl_pt_touches(disk - 33 * 512 - 4096, 4096, 512, disk));
	cr_assert_not(ifl_pt_touches(1 << 20, 1 << 20, 512, disk));
	cr_assert_not(ifl_pt_touches(0, 0, 512, disk), "nothing written");
	/* 4 KiB sectors: the areas scale with the LBA. */
	cr_assert(ifl_pt_touches(33 * 4096, 1, 4096, disk));
	cr_assert_not(ifl_pt_touches(34 * 4096, 1, 4096, disk));
	cr_assert(ifl_pt_touches(disk - 33 * 4096, 1, 4096, disk));
	/* Block size 0 means 512; disk size 0 means only the head is known. */
	cr_assert(ifl_pt_touches(100, 1, 0, disk));
	cr_assert_not(ifl_pt_touches(disk - 512, 512, 512, 0));
	/* A disk smaller than the tail area: everything is table. */
	cr_assert(ifl_pt_touches(40 * 512, 1, 512, 48 * 512));
	cr_assert(ifl_pt_touches(UINT64_MAX - 10, 100, 512, 0) == 0, "no wrap past the end");
}

Test(agent_bootpart, sink_notes_table_writes_and_rereads)
{
	struct ifl_agent_target *t = add_block("disk");
	uint8_t buf[512] = {0};
	struct ifl_sink s;
	char msg[256] = "";

	cr_assert_eq(ifl_sink_open(&s, t, 1, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(s.ops->write(&s, buf, sizeof(buf), 1 << 19), 0);
	cr_assert_eq(s.pt_touched, 0, "the middle of the disk holds no table");
	cr_assert_eq(s.ops->write(&s, buf, sizeof(buf), 512), 0);
	cr_assert_eq(s.pt_touched, 1);
	/* A file has no BLKRRPART: the reread fails, is logged, and the sync still succeeds. */
	cr_assert_eq(ifl_sink_sync(&s), 0);
	cr_assert_eq(s.pt_touched, 0, "reread once per sync");
	cr_assert_eq(s.ops->zero(&s, DEV_SIZE - 4096, 4096), 0);
	cr_assert_eq(s.pt_touched, 1, "an erase of the backup GPT counts");
	cr_assert_eq(ifl_sink_close(&s), 0);
}

Test(agent_bootpart, reread_of_a_file_reports_enotty)
{
	char path[512];
	int fd;

	make_dev("plain");
	snprintf(path, sizeof(path), "%s/dev/plain", R.root);
	fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ifl_pt_reread(fd, "plain"), -ENOTTY);
	close(fd);
}
