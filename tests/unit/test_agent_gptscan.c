/* test_agent_gptscan.c - the agent's partition list: GPTs read from file targets. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inventory.h"

static char dir[] = "/tmp/ifl-gptscan-XXXXXX";
static struct ifl_targets targets;
static struct ifl_inventory msg;

static void setup(void)
{
	strcpy(dir, "/tmp/ifl-gptscan-XXXXXX");
	cr_assert(mkdtemp(dir));
	memset(&targets, 0, sizeof(targets));
	memset(&msg, 0, sizeof(msg));
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(gptscan, .init = setup, .fini = teardown);

/* A 32 MiB file target called name; sgdisk_args NULL leaves it without a GPT. */
static void add_disk(const char *name, const char *sgdisk_args)
{
	char cmd[1024], spec[400], err[256];

	snprintf(cmd, sizeof(cmd), "truncate -s 32M %s/%s", dir, name);
	cr_assert_eq(system(cmd), 0);
	if (sgdisk_args) {
		snprintf(cmd, sizeof(cmd), "sgdisk %s %s/%s >/dev/null 2>&1", sgdisk_args, dir, name);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
	}
	snprintf(spec, sizeof(spec), "%s=%s/%s", name, dir, name);
	cr_assert_eq(ifl_inv_add(&targets, spec, err, sizeof(err)), 0, "%s", err);
}

Test(gptscan, partitions_of_each_target)
{
	add_disk("plain", NULL);
	add_disk("disk", "-o -n 1:2048:+4M -c 1:boot -n 2:0:+8M -c 2:APP");
	add_disk("other", "-o -n 1:4096:+1M -c 1:x");
	ifl_inv_to_msg(&targets, &msg);
	cr_assert_eq(msg.ntargets, 3);
	cr_assert_eq(msg.nparts, 3);
	cr_assert_str_eq(msg.part[0].name, "boot");
	cr_assert_eq(msg.part[0].target, 1);
	cr_assert_eq(msg.part[0].start, 1 << 20);
	cr_assert_eq(msg.part[0].size, 4 << 20);
	cr_assert_str_eq(msg.part[1].name, "APP");
	cr_assert_eq(msg.part[1].start, 5 << 20);
	cr_assert_eq(msg.part[1].size, 8 << 20);
	cr_assert_eq(msg.part[2].target, 2);
	cr_assert_eq(msg.part[2].start, 2 << 20);
}

Test(gptscan, corrupt_header_means_no_partitions)
{
	char path[300];
	FILE *f;

	add_disk("disk", "-o -n 1:2048:+4M -c 1:boot");
	snprintf(path, sizeof(path), "%s/disk", dir);
	f = fopen(path, "r+b");
	cr_assert(f);
	fseek(f, 512 + 40, SEEK_SET); /* FirstUsableLBA: the header CRC no longer matches */
	fputc(0x55, f);
	fclose(f);
	ifl_inv_to_msg(&targets, &msg);
	cr_assert_eq(msg.nparts, 0);
}

Test(gptscan, rescan_sees_a_new_table)
{
	char cmd[600];

	add_disk("disk", NULL);
	ifl_inv_to_msg(&targets, &msg);
	cr_assert_eq(msg.nparts, 0);
	snprintf(cmd, sizeof(cmd), "sgdisk -o -n 1:2048:+1M -c 1:new %s/disk >/dev/null 2>&1", dir);
	cr_assert_eq(system(cmd), 0);
	ifl_inv_to_msg(&targets, &msg);
	cr_assert_eq(msg.nparts, 1);
	cr_assert_str_eq(msg.part[0].name, "new");
}
