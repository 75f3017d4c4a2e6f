/* test_flashidx.c - flash.idx parsing, device names, boot-region splits, GPT roles. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flashidx.h"
#include "gpt.h"

#define SHA_A "da39a3ee5e6b4b0d3255bfef95601890afd80709"
static struct ifl_flashidx_entry e[16];
static size_t n;
static char err[256];

/* L4T-shaped lines (made up here, not copied): blanks after commas, \r\n allowed. */
static const char layout[] =
	"0, 3:0:BCT, 0, 262144, bct.bin, 7680, fixed-<reserved>-0, " SHA_A "\n"
	"1, 3:0:A_mb1, 262144, 262144, , 0, fixed-<reserved>-0, \n"
	"2, 0:3:mb2, 0x400000, 4194304, mb2.bin, 100, fixed-<reserved>-0, " SHA_A "\r\n"
	"\n"
	"3, 1:3:master_boot_record, 0, 512, , 0, fixed-<reserved>-0, \n"
	"4, 1:3:primary_gpt, 512, 19968, gpt_primary.bin, 19968, fixed-<reserved>-0, " SHA_A "\n"
	"5, 1:3:APP, 20480, 1048576, app.img, 4096, expand-<reserved>-1, " SHA_A "\n"
	"6, 1:3:secondary_gpt, 2097152, 16896, gpt_secondary.bin, 16896, fixed-<reserved>-0, "
	SHA_A "\n"
	"7, 7:0:odd, 0, 1, , 0, , ";

static int parse(const char *text)
{
	memset(err, 0, sizeof(err));
	return ifl_flashidx_parse(text, strlen(text), "flash.idx", e, 16, &n, err, sizeof(err));
}

Test(flashidx, layout)
{
	cr_assert_eq(parse(layout), 0, "%s", err);
	cr_assert_eq(n, 8);
	cr_assert_eq(e[0].index, 0);
	cr_assert_eq(e[0].devtype, IFL_IDX_SPI);
	cr_assert_eq(e[0].instance, 0);
	cr_assert_str_eq(e[0].partname, "BCT");
	cr_assert_eq(e[0].start, 0);
	cr_assert_eq(e[0].size, 262144);
	cr_assert_str_eq(e[0].file, "bct.bin");
	cr_assert_eq(e[0].file_size, 7680);
	cr_assert_str_eq(e[0].attrs, "fixed-<reserved>-0");
	cr_assert_eq(e[0].has_sha1, 1);
	cr_assert_eq(e[0].sha1[0], 0xda);
	cr_assert_eq(e[0].sha1[19], 0x09);
	cr_assert_eq(e[1].has_sha1, 0);
	cr_assert_str_eq(e[1].file, "");
	cr_assert_eq(e[2].start, 0x400000);
	cr_assert_eq(e[2].devtype, IFL_IDX_BOOT);
	cr_assert_eq(e[2].line, 3);
	cr_assert_eq(e[3].line, 5);
	cr_assert_eq(ifl_flashidx_role(&e[3]), IFL_IDX_ROLE_MBR);
	cr_assert_eq(ifl_flashidx_role(&e[4]), IFL_IDX_ROLE_PRIMARY_GPT);
	cr_assert_eq(ifl_flashidx_role(&e[5]), IFL_IDX_ROLE_DATA);
	cr_assert_eq(ifl_flashidx_role(&e[6]), IFL_IDX_ROLE_SECONDARY_GPT);
	cr_assert_eq(ifl_flashidx_role(&e[1]), IFL_IDX_ROLE_NO_FILE);
	cr_assert_eq(e[5].known_devtype, 1);
	cr_assert_eq(e[7].known_devtype, 0);
	cr_assert_eq(e[7].devtype, 7);
	cr_assert_str_eq(e[7].attrs, "");
}

static void bad(const char *text, int want, const char *msg)
{
	int rc = parse(text);

	cr_assert_eq(rc, want, "\"%s\": rc %d (%s), want %d", text, rc, err, want);
	cr_assert_str_eq(err, msg, "\"%s\"", text);
}

Test(flashidx, errors_name_line_and_field)
{
	bad("0, 3:0:BCT, 0, 10, a, 5, x, " SHA_A "\n1, 3:0:X, 0, 10, a, 5, x, 12\n", -EINVAL,
	    "flash.idx: line 2, field 8 (sha1): expected 40 hex digits");
	bad("0, 3:0:BCT, 0, 10, a, 5, x\n", -EINVAL,
	    "flash.idx: line 1: expected 8 comma-separated fields, found 7");
	bad("0, 3:0:BCT, 0, 10, a, 5, x, y, z\n", -EINVAL,
	    "flash.idx: line 1: expected 8 comma-separated fields, found 9");
	bad("x, 3:0:BCT, 0, 10, , 0, x, \n", -EINVAL,
	    "flash.idx: line 1, field 1 (index): expected a number up to 4294967295, found \"x\"");
	bad("0, 3-0-BCT, 0, 10, , 0, x, \n", -EINVAL,
	    "flash.idx: line 1, field 2 (device): expected DEVTYPE:INSTANCE:PARTNAME, found \"3-0-BCT\"");
	bad("0, 3:0:, 0, 10, , 0, x, \n", -EINVAL,
	    "flash.idx: line 1, field 2 (device): bad partition name \"\"");
	bad("0, 3:0:BCT, -1, 10, , 0, x, \n", -EINVAL,
	    "flash.idx: line 1, field 3 (start): expected a number up to 18446744073709551615, "
	    "found \"-1\"");
	bad("0, 3:0:BCT, 18446744073709551615, 1, , 0, x, \n", -EINVAL,
	    "flash.idx: line 1, field 4 (size): expected a number up to 0, found \"1\"");
	bad("0, 3:0:BCT, 0, 10, a, 11, x, " SHA_A "\n", -EINVAL,
	    "flash.idx: line 1, field 6 (file size): expected a number up to 10, found \"11\"");
	bad("0, 3:0:BCT, 0, 10, a, 5, x, \n", -EINVAL,
	    "flash.idx: line 1, field 8 (sha1): file a has no sha1");
	bad("0, 3:0:BCT, 0, 99999999999999999999, , 0, x, \n", -EINVAL,
	    "flash.idx: line 1, field 4 (size): expected a number up to 18446744073709551615, "
	    "found \"99999999999999999999\"");
	bad("\n \n", -ENODATA, "flash.idx: no partitions");
}

Test(flashidx, too_many_and_long_names)
{
	char big[600];
	struct ifl_flashidx_entry one;

	cr_assert_eq(ifl_flashidx_parse(layout, strlen(layout), "f", &one, 1, &n, err, sizeof(err)),
		     -E2BIG);
	cr_assert_str_eq(err, "f: line 2: more than 1 lines");
	snprintf(big, sizeof(big), "0, 3:0:BCT, 0, 10, %0300d, 5, x, " SHA_A, 7);
	cr_assert_eq(parse(big), -ENAMETOOLONG);
	cr_assert_str_eq(err, "flash.idx: line 1, field 5 (file): longer than 255 bytes");
}

Test(flashidx, truncated_at_every_length)
{
	size_t full = strlen(layout);

	for (size_t len = 0; len <= full; len++) {
		char *copy = malloc(len ? len : 1);
		memcpy(copy, layout, len);
		int rc = ifl_flashidx_parse(copy, len, "f", e, 16, &n, err, sizeof(err));
		cr_assert(rc == 0 || rc == -EINVAL || rc == -ENODATA, "len %zu: %d", len, rc);
		free(copy);
	}
}

Test(flashidx, devnames)
{
	char b[32];

	cr_assert_str_eq(ifl_flashidx_devname(0, 3, NULL, b, sizeof(b)), "mmcblk0boot0");
	cr_assert_str_eq(ifl_flashidx_devname(1, 3, NULL, b, sizeof(b)), "mmcblk0");
	cr_assert_str_eq(ifl_flashidx_devname(6, 0, NULL, b, sizeof(b)), "mmcblk0");
	cr_assert_str_eq(ifl_flashidx_devname(3, 0, NULL, b, sizeof(b)), "mtd0");
	cr_assert_str_eq(ifl_flashidx_devname(8, 0, NULL, b, sizeof(b)), "sda");
	cr_assert_str_eq(ifl_flashidx_devname(12, 0, NULL, b, sizeof(b)), "nvme0n1");
	cr_assert_str_eq(ifl_flashidx_devname(9, 0, "nvme0n1p1", b, sizeof(b)), "nvme0n1");
	cr_assert_str_eq(ifl_flashidx_devname(9, 0, "/dev/nvme0n1", b, sizeof(b)), "nvme0n1");
	cr_assert_str_eq(ifl_flashidx_devname(9, 0, "sda1", b, sizeof(b)), "sda");
	cr_assert_str_eq(ifl_flashidx_devname(9, 0, "sdb", b, sizeof(b)), "sdb");
	cr_assert_str_eq(ifl_flashidx_devname(9, 0, "mmcblk1p1", b, sizeof(b)), "mmcblk1");
	cr_assert_str_eq(ifl_flashidx_devname(9, 0, "mmcblk1", b, sizeof(b)), "mmcblk1");
	cr_assert_null(ifl_flashidx_devname(9, 0, NULL, b, sizeof(b)));
	cr_assert_null(ifl_flashidx_devname(9, 0, "", b, sizeof(b)));
	cr_assert_null(ifl_flashidx_devname(7, 0, NULL, b, sizeof(b)));
	cr_assert_null(ifl_flashidx_devname(0, 0, NULL, b, 5));
	cr_assert_null(ifl_flashidx_devname(9, 0, "nvme0n1", b, 7));
}

Test(flashidx, boot_split)
{
	struct ifl_boot_piece p[2];
	const uint64_t b0 = 4 << 20;

	cr_assert_eq(ifl_flashidx_boot_split(0, 100, b0, p), 1);
	cr_assert_eq(p[0].part, 0);
	cr_assert_eq(p[0].dev_off, 0);
	cr_assert_eq(p[0].len, 100);
	cr_assert_eq(ifl_flashidx_boot_split(b0 + 10, 100, b0, p), 1);
	cr_assert_eq(p[0].part, 1);
	cr_assert_eq(p[0].dev_off, 10);
	cr_assert_eq(ifl_flashidx_boot_split(b0 - 10, 100, b0, p), 2);
	cr_assert_eq(p[0].part, 0);
	cr_assert_eq(p[0].dev_off, b0 - 10);
	cr_assert_eq(p[0].len, 10);
	cr_assert_eq(p[1].part, 1);
	cr_assert_eq(p[1].dev_off, 0);
	cr_assert_eq(p[1].src, 10);
	cr_assert_eq(p[1].len, 90);
	cr_assert_eq(ifl_flashidx_boot_split(b0 - 10, 10, b0, p), 1);
	cr_assert_eq(ifl_flashidx_boot_split(5, 0, b0, p), 0);
	cr_assert_eq(ifl_flashidx_boot_split(UINT64_MAX, 2, b0, p), -ERANGE);
}

/* The fixture generator writes files this parser accepts, with matching sha1s. */
Test(flashidx, mkl4t_fixture)
{
	char dir[] = "/tmp/ifl-l4t-XXXXXX", cmd[512], path[300];
	static char text[65536];
	FILE *f;
	size_t len;

	cr_assert(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "python3 tools/mkl4t.py %s >/dev/null", dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(path, sizeof(path), "%s/flash.idx", dir);
	f = fopen(path, "r");
	cr_assert(f);
	len = fread(text, 1, sizeof(text), f);
	fclose(f);
	cr_assert_eq(ifl_flashidx_parse(text, len, "flash.idx", e, 16, &n, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_geq(n, 6);
	int prim = -1, sec = -1, spi = 0, boot = 0;
	for (size_t i = 0; i < n; i++) {
		prim = ifl_flashidx_role(&e[i]) == IFL_IDX_ROLE_PRIMARY_GPT ? (int)i : prim;
		sec = ifl_flashidx_role(&e[i]) == IFL_IDX_ROLE_SECONDARY_GPT ? (int)i : sec;
		spi += e[i].devtype == IFL_IDX_SPI;
		boot += e[i].devtype == IFL_IDX_BOOT;
		cr_assert(e[i].known_devtype);
	}
	cr_assert(prim >= 0 && sec > prim);
	/* primary_gpt.bin is LBA 1..33 of a real GPT (made by sgdisk) on a 64 MiB disk */
	static uint8_t gpt_bytes[33 * 512];
	static struct ifl_gpt g;
	snprintf(path, sizeof(path), "%s/%s", dir, e[prim].file);
	f = fopen(path, "rb");
	cr_assert(f);
	cr_assert_eq(fread(gpt_bytes, 1, sizeof(gpt_bytes), f), sizeof(gpt_bytes));
	fclose(f);
	cr_assert_eq(e[prim].start, 512);
	cr_assert_eq(ifl_gpt_parse(gpt_bytes, 512, gpt_bytes + 512, 32 * 512, 512, 131072, &g, err,
				   sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(g.nparts, 2);
	/* kernel in slot 1, APP last in slot 2 (so it can grow to the end of a larger disk) */
	cr_assert_str_eq(g.part[0].name, "kernel");
	cr_assert_str_eq(g.part[1].name, "APP");
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].partname, "APP") == 0)
			cr_assert_eq(e[i].start, g.part[1].start);
	cr_assert_geq(spi, 2);
	cr_assert_geq(boot, 1);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}
