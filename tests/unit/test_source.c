/* test_source.c - images on disk: raw or gzip by magic, and the gzip pre-check's verdicts. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "hash.h"
#include "source.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/ifl-source-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(source, .init = setup, .fini = teardown);

/* Write p[n] to dir/name; returns the path (static, one at a time). */
static const char *file(const char *name, const void *p, size_t n)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, p, n), (ssize_t)n);
	cr_assert_eq(close(fd), 0);
	return path;
}

/* One gzip member holding p[n], appended to out at *len. */
static void gzip_member(const uint8_t *p, size_t n, uint8_t *out, size_t cap, size_t *len)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (uint8_t *)p;
	z.avail_in = (uInt)n;
	z.next_out = out + *len;
	z.avail_out = (uInt)(cap - *len);
	cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	*len += z.total_out;
	deflateEnd(&z);
}

static uint8_t *pattern(size_t n, unsigned seed)
{
	uint8_t *p = malloc(n);
	uint32_t x = seed;

	/* Half random, half repeating: compressible, but not trivially. */
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (i / 4096) % 2 ? (uint8_t)(x >> 16) : (uint8_t)(i % 251);
	}
	return p;
}

/* Read the whole source through ops->read in odd-sized pieces. */
static uint8_t *slurp(struct ifl_source *s, size_t *n)
{
	size_t cap = s->size + 1, len = 0;
	uint8_t *p = malloc(cap);
	long r;

	while ((r = s->ops->read(s, p + len, cap - len < 777 ? cap - len : 777)) > 0)
		len += (size_t)r;
	cr_assert_eq(r, 0, "read to the end: %s", s->why);
	*n = len;
	return p;
}

static struct ifl_source *opens(const char *path, const char *kind, uint64_t size)
{
	struct ifl_diag d = {0};
	struct ifl_source *s = NULL;

	cr_assert_eq(ifl_source_open(path, &s, &d), 0, "%s: %s", path, d.msg);
	cr_assert_not_null(s);
	cr_assert_str_eq(s->ops->name, kind);
	cr_assert_eq(s->size, size, "size %llu, want %llu", (unsigned long long)s->size,
		     (unsigned long long)size);
	cr_assert_eq(d.exit, 0);
	return s;
}

/* Refused with exit status ex, about path, with a message starting with want. */
static struct ifl_diag refused(const char *path, int ex, const char *want)
{
	struct ifl_diag d = {0};
	struct ifl_source *s = (struct ifl_source *)1;

	cr_assert_lt(ifl_source_open(path, &s, &d), 0, "%s is refused", path);
	cr_assert_eq(s, (struct ifl_source *)1, "*out untouched on failure");
	cr_assert_eq(d.exit, ex, "exit %d, want %d (%s)", d.exit, ex, d.msg);
	cr_assert_str_eq(d.who, path);
	cr_assert_eq(strncmp(d.msg, want, strlen(want)), 0, "message \"%s\", want \"%s...\"", d.msg,
		     want);
	return d;
}

Test(source, raw_image)
{
	uint8_t *img = pattern(100000, 1), *got, sha[32], want[32];
	struct ifl_source *s = opens(file("a.img", img, 100000), "raw", 100000);
	struct ifl_sha256 h;
	size_t n;

	got = slurp(s, &n);
	cr_assert_eq(n, 100000);
	cr_assert_eq(memcmp(got, img, n), 0);
	ifl_sha256_init(&h);
	ifl_sha256_update(&h, img, 100000);
	ifl_sha256_final(&h, want);
	cr_assert_eq(ifl_source_sha256(s, sha), 0);
	cr_assert_arr_eq(sha, want, 32);
	/* sha256 rewinds: the image reads again from the start. */
	free(got);
	got = slurp(s, &n);
	cr_assert_eq(n, 100000);
	cr_assert_eq(memcmp(got, img, n), 0);
	ifl_source_close(s);
	free(got);
	free(img);
}

Test(source, raw_that_starts_like_gzip_half)
{
	uint8_t img[3] = {0x1f, 0x00, 0x8b};

	ifl_source_close(opens(file("half.img", img, 3), "raw", 3));
	ifl_source_close(opens(file("one.img", img, 1), "raw", 1));
}

Test(source, fill_reads_exactly)
{
	uint8_t *img = pattern(5000, 2), buf[6000];
	struct ifl_source *s = opens(file("b.img", img, 5000), "raw", 5000);

	cr_assert_eq(ifl_source_fill(s, buf, 3000), 0);
	cr_assert_eq(memcmp(buf, img, 3000), 0);
	cr_assert_eq(ifl_source_fill(s, buf, 3000), -ENODATA, "only 2000 bytes are left");
	cr_assert_str_eq(s->why, "the image ended early; did it change while being read?");
	ifl_source_close(s);
	free(img);
}

Test(source, gzip_single_member)
{
	const size_t n = 3u << 20;
	uint8_t *img = pattern(n, 3), *gz = malloc(n + 4096), *got, sha[32], want[32];
	struct ifl_source *s;
	struct ifl_sha256 h;
	size_t len = 0, gotn;

	gzip_member(img, n, gz, n + 4096, &len);
	s = opens(file("a.img.gz", gz, len), "gzip", n);
	got = slurp(s, &gotn);
	cr_assert_eq(gotn, n);
	cr_assert_eq(memcmp(got, img, n), 0);
	ifl_sha256_init(&h);
	ifl_sha256_update(&h, img, n);
	ifl_sha256_final(&h, want);
	cr_assert_eq(ifl_source_sha256(s, sha), 0);
	cr_assert_arr_eq(sha, want, 32);
	ifl_source_close(s);
	free(got);
	free(gz);
	free(img);
}

Test(source, gzip_multi_member)
{
	uint8_t *a = pattern(300000, 4), *b = pattern(1000, 5), *gz = malloc(1 << 20), *got;
	uint8_t empty = 0;
	struct ifl_source *s;
	size_t len = 0, n;

	gzip_member(a, 300000, gz, 1 << 20, &len);
	gzip_member(&empty, 0, gz, 1 << 20, &len); /* an empty member counts for nothing */
	gzip_member(b, 1000, gz, 1 << 20, &len);
	s = opens(file("m.img.gz", gz, len), "gzip", 301000);
	got = slurp(s, &n);
	cr_assert_eq(n, 301000);
	cr_assert_eq(memcmp(got, a, 300000), 0);
	cr_assert_eq(memcmp(got + 300000, b, 1000), 0);
	ifl_source_close(s);
	free(got);
	free(gz);
	free(a);
	free(b);
}

Test(source, gzip_many_small_members_across_reads)
{
	/* Members that straddle the reader's 256 KiB input buffer. */
	uint8_t *img = pattern(600000, 6), *gz = malloc(1 << 20);
	size_t len = 0;

	for (size_t off = 0; off < 600000; off += 1000)
		gzip_member(img + off, 1000, gz, 1 << 20, &len);
	cr_assert_gt(len, 256u << 10);
	ifl_source_close(opens(file("many.img.gz", gz, len), "gzip", 600000));
	free(gz);
	free(img);
}

Test(source, gzip_truncated_names_the_byte)
{
	uint8_t *img = pattern(200000, 7), *gz = malloc(300000);
	size_t len = 0;
	char want[160];

	gzip_member(img, 200000, gz, 300000, &len);
	snprintf(want, sizeof(want), "gzip data is truncated at byte %zu; the file is incomplete, "
		 "fetch it again", len / 2);
	cr_assert_str_eq(refused(file("t.img.gz", gz, len / 2), IFL_EXIT_LOCAL, want).msg, want);
	/* Only the 8-byte trailer missing is still truncation. */
	snprintf(want, sizeof(want), "gzip data is truncated at byte %zu", len - 8);
	refused(file("t2.img.gz", gz, len - 8), IFL_EXIT_LOCAL, want);
	/* As is a bare magic. */
	refused(file("t3.img.gz", gz, 2), IFL_EXIT_LOCAL, "gzip data is truncated at byte 2;");
	free(gz);
	free(img);
}

Test(source, gzip_truncated_second_member)
{
	uint8_t *img = pattern(5000, 8), gz[20000];
	size_t len = 0, first;
	char want[80];

	gzip_member(img, 5000, gz, sizeof(gz), &len);
	first = len;
	gzip_member(img, 5000, gz, sizeof(gz), &len);
	snprintf(want, sizeof(want), "gzip data is truncated at byte %zu", first + 30);
	refused(file("t.img.gz", gz, first + 30), IFL_EXIT_LOCAL, want);
	free(img);
}

Test(source, gzip_corrupt_data)
{
	uint8_t *img = pattern(100000, 9), *gz = malloc(200000);
	size_t len = 0;

	gzip_member(img, 100000, gz, 200000, &len);
	/* A deflate block type of 3 does not exist. */
	gz[10] |= 0x06;
	refused(file("c.img.gz", gz, len), IFL_EXIT_LOCAL, "gzip data is corrupt at byte ");
	free(gz);
	free(img);
}

Test(source, gzip_bad_crc_in_trailer)
{
	uint8_t *img = pattern(100000, 10), *gz = malloc(200000);
	struct ifl_diag d;
	size_t len = 0;

	gzip_member(img, 100000, gz, 200000, &len);
	gz[len - 8] ^= 0x01;
	d = refused(file("crc.img.gz", gz, len), IFL_EXIT_LOCAL, "gzip data is corrupt at byte ");
	cr_assert_not_null(strstr(d.msg, "(incorrect data check); the file is damaged, fetch it "
				  "again"), "%s", d.msg);
	gz[len - 8] ^= 0x01;
	gz[len - 1] ^= 0x01;
	d = refused(file("len.img.gz", gz, len), IFL_EXIT_LOCAL, "gzip data is corrupt at byte ");
	cr_assert_not_null(strstr(d.msg, "incorrect length check"), "%s", d.msg);
	free(gz);
	free(img);
}

Test(source, gzip_trailing_garbage)
{
	uint8_t *img = pattern(50000, 11), *gz = malloc(100000);
	size_t len = 0, member;
	char want[200];

	gzip_member(img, 50000, gz, 100000, &len);
	member = len;
	memcpy(gz + len, "this is not gzip at all", 23);
	len += 23;
	snprintf(want, sizeof(want), "gzip data is followed by 23 bytes that are not gzip, at byte "
		 "%zu; the file is damaged or padded, fetch it again", member);
	cr_assert_str_eq(refused(file("g.img.gz", gz, len), IFL_EXIT_LOCAL, want).msg, want);
	free(gz);
	free(img);
}

Test(source, gzip_zero_padding)
{
	uint8_t *img = pattern(50000, 12), *gz = calloc(1, 100000);
	size_t len = 0, member;
	char want[200];

	gzip_member(img, 50000, gz, 100000, &len);
	member = len;
	len += 512; /* tar-style padding: zeros */
	snprintf(want, sizeof(want), "gzip data is followed by 512 bytes that are not gzip, at "
		 "byte %zu", member);
	refused(file("p.img.gz", gz, len), IFL_EXIT_LOCAL, want);
	free(gz);
	free(img);
}

Test(source, gzip_of_nothing_is_empty)
{
	uint8_t gz[64], empty = 0;
	size_t len = 0;

	gzip_member(&empty, 0, gz, sizeof(gz), &len);
	refused(file("e.img.gz", gz, len), IFL_EXIT_USAGE, "the image is empty; nothing to flash");
}

Test(source, empty_file)
{
	refused(file("e.img", "", 0), IFL_EXIT_USAGE, "the image is empty; nothing to flash");
}

Test(source, missing_file)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/nope.img", dir);
	refused(path, IFL_EXIT_LOCAL, "cannot open the image: No such file or directory");
}

Test(source, directory)
{
	refused(dir, IFL_EXIT_USAGE, "not a regular file or block device; save the image to a "
		"file first");
}

Test(source, close_null)
{
	ifl_source_close(NULL);
}
