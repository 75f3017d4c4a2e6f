/* test_source_bmap.c - bmap XML parsing (versions, ranges, refusals by line) and the checksum pre-pass. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "source.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/ifl-bmap-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(bmap, .init = setup, .fini = teardown);

static struct ifl_extent *ext;
static size_t n;
static uint8_t *sums;
static unsigned sum_len;
static char why[256];

static int parse(const char *text, uint64_t size)
{
	free(ext);
	free(sums);
	ext = NULL;
	sums = NULL;
	why[0] = '\0';
	return ifl_bmap_parse("img", text, strlen(text), size, &ext, &n, &sums, &sum_len, why);
}

#define SUM64 "0000000000000000000000000000000000000000000000000000000000000000"
#define SUM40 "0000000000000000000000000000000000000000"

static const char v2[] =
	"<?xml version=\"1.0\" ?>\n"
	"<!-- a comment\n spanning <lines> -->\n"
	"<bmap version=\"2.0\">\n"
	"    <ImageSize> 10000 </ImageSize>\n"
	"    <BlockSize> 4096 </BlockSize>\n"
	"    <BlocksCount> 3 </BlocksCount>\n"
	"    <MappedBlocksCount> 2 </MappedBlocksCount>\n"
	"    <ChecksumType> sha256 </ChecksumType>\n"
	"    <BmapFileChecksum> " SUM64 " </BmapFileChecksum>\n"
	"    <BlockMap>\n"
	"        <Range chksum=\"" SUM64 "\"> 0 </Range>\n"
	"        <Range chksum=\"" SUM64 "\"> 2 </Range>\n"
	"    </BlockMap>\n"
	"</bmap>\n";

Test(bmap, version2)
{
	cr_assert_eq(parse(v2, 10000), 0, "%s", why);
	cr_assert_eq(n, 2);
	cr_assert_eq(sum_len, 32);
	cr_assert(ext[0].off == 0 && ext[0].len == 4096);
	cr_assert(ext[1].off == 8192 && ext[1].len == 10000 - 8192, "last range ends at ImageSize");
}

Test(bmap, version1_sha1)
{
	const char *t = "<bmap version=\"1.3\">\n<ImageSize>8192</ImageSize><BlockSize>4096</BlockSize>\n"
			"<BlocksCount>2</BlocksCount><MappedBlocksCount>2</MappedBlocksCount>\n<BlockMap>\n"
			"<Range sha1=\"" SUM40 "\">0-1</Range>\n</BlockMap></bmap>";

	cr_assert_eq(parse(t, 8192), 0, "%s", why);
	cr_assert_eq(n, 1);
	cr_assert_eq(sum_len, 20);
	cr_assert(ext[0].off == 0 && ext[0].len == 8192);
}

/* Replace the first from with to in v2, parse, expect the message. */
static void refused(const char *from, const char *to, uint64_t size, const char *want)
{
	char t[4096];
	const char *at = strstr(v2, from);

	cr_assert_not_null(at, "%s", from);
	snprintf(t, sizeof(t), "%.*s%s%s", (int)(at - v2), v2, to, at + strlen(from));
	cr_assert_lt(parse(t, size), 0, "accepted; wanted %s", want);
	cr_assert_not_null(strstr(why, want), "'%s' lacks '%s'", why, want);
}

Test(bmap, refusals_by_line)
{
	refused("\"> 2 <", "\"> 2-1 <", 10000, "line 13: range 2-1 ends before it starts");
	refused("\"> 2 <", "\"> 0 <", 10000, "line 13: range 0 overlaps");
	refused("\"> 2 <", "\"> 3 <", 10000, "line 13: range 3 passes the last block, 2");
	refused("\"> 2 <", "\"> x <", 10000, "line 13: range 'x' is not N or N-M");
	refused("<BlockSize> 4096 </BlockSize>", "<BlockSize> 4096 </BlockSize><Foo>1</Foo>", 10000,
		"line 6: unexpected element <Foo>");
	refused("sha256 </Ch", "md5 </Ch", 10000, "line 9: checksum type 'md5'");
	refused("2.0", "3.0", 10000, "line 4: bmap version 3.0");
	refused("\"> 2 <", "\"> 1 <", 9000, "image of 10000 bytes but img is 9000 bytes");
	refused("<MappedBlocksCount> 2", "<MappedBlocksCount> 3", 10000, "map 2 blocks but MappedBlocksCount says 3");
	refused("<BlocksCount> 3", "<BlocksCount> 4", 10000, "4 blocks of 4096 bytes do not make");
	refused("chksum=\"0", "chksum=\"", 10000, "line 12: range 0 lacks a sha256 checksum");
	refused("</bmap>", "", 10000, "the file ends before </bmap>");
	refused("-->", "", 10000, "line 2: '<!--' is never closed");
	refused("</BlockMap>", "</Range>", 10000, "unexpected </Range> in <BlockMap>");
}

/* An image file and its bmap with true sha256s; flip a byte of either and the open is refused. */
Test(bmap, checksums_checked_before_anything)
{
	static uint8_t data[3 * 4096];
	char ipath[128], bpath[128], hex[2][65], text[2048];
	uint8_t d0[32], d2[32];
	struct ifl_sha256 h;
	struct ifl_source *s = NULL;
	struct ifl_diag d = {0};
	FILE *f;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31 + 1);
	ifl_sha256_init(&h);
	ifl_sha256_update(&h, data, 4096);
	ifl_sha256_final(&h, d0);
	ifl_sha256_init(&h);
	ifl_sha256_update(&h, data + 8192, 10000 - 8192);
	ifl_sha256_final(&h, d2);
	ifl_hex(d0, 32, hex[0]);
	ifl_hex(d2, 32, hex[1]);
	snprintf(text, sizeof(text), "%s", v2);
	memcpy(strstr(text, SUM64 "\"> 0"), hex[0], 64);
	memcpy(strstr(text, SUM64 "\"> 2"), hex[1], 64);
	snprintf(ipath, sizeof(ipath), "%s/img", dir);
	snprintf(bpath, sizeof(bpath), "%s/img.bmap", dir);
	f = fopen(ipath, "w");
	cr_assert_eq(fwrite(data, 1, 10000, f), 10000);
	fclose(f);
	f = fopen(bpath, "w");
	fputs(text, f);
	fclose(f);
	cr_assert_eq(ifl_source_open_bmap(ipath, bpath, &s, &d), 0, "%s", d.msg);
	cr_assert_str_eq(s->ops->name, "bmap");
	cr_assert_eq(s->size, 10000);
	cr_assert_eq(ifl_source_defined(s), 4096 + 10000 - 8192);
	{
		uint8_t got[4096 + 1808];

		cr_assert_eq(ifl_source_fill(s, got, sizeof(got)), 0);
		cr_assert_eq(memcmp(got, data, 4096), 0);
		cr_assert_eq(memcmp(got + 4096, data + 8192, 1808), 0);
	}
	ifl_source_close(s);
	s = NULL;
	data[9000] ^= 1;
	f = fopen(ipath, "w");
	cr_assert_eq(fwrite(data, 1, 10000, f), 10000);
	fclose(f);
	cr_assert_lt(ifl_source_open_bmap(ipath, bpath, &s, &d), 0);
	cr_assert_null(s);
	cr_assert_eq(d.exit, IFL_EXIT_LOCAL);
	cr_assert_not_null(strstr(d.msg, "bytes 8192..10000 have checksum"), "%s", d.msg);
}
