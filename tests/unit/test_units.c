/* test_units.c - size parsing ("4M", "0x1000") and human-readable size output. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "units.h"

static void ok(const char *s, uint64_t want)
{
	uint64_t v = 0xdeadbeef;

	cr_assert_eq(ifl_parse_size(s, &v), 0, "\"%s\" parses", s);
	cr_assert_eq(v, want, "\"%s\" = %llu, want %llu", s, (unsigned long long)v,
		     (unsigned long long)want);
}

static void bad(const char *s, int want)
{
	uint64_t v = 0xdeadbeef;

	cr_assert_eq(ifl_parse_size(s, &v), want, "\"%s\" is refused with %d", s, want);
	cr_assert_eq(v, 0xdeadbeef, "\"%s\": output untouched on error", s);
}

Test(units, plain_numbers)
{
	ok("0", 0);
	ok("1", 1);
	ok("512", 512);
	ok("0512", 512);
	ok("18446744073709551615", UINT64_MAX);
}

Test(units, suffixes)
{
	ok("4K", 4096);
	ok("4k", 4096);
	ok("1M", 1ull << 20);
	ok("1m", 1ull << 20);
	ok("2G", 2ull << 30);
	ok("1T", 1ull << 40);
	ok("1KiB", 1024);
	ok("3MiB", 3ull << 20);
	ok("1MB", 1ull << 20);
	ok("1GB", 1ull << 30);
	ok("0K", 0);
	ok("512B", 512);
	ok("512b", 512);
	ok("16777215T", 16777215ull << 40);
}

Test(units, hex)
{
	ok("0x1000", 4096);
	ok("0X1000", 4096);
	ok("0xff", 255);
	ok("0xFF", 255);
	ok("0x0", 0);
	ok("0xffffffffffffffff", UINT64_MAX);
	ok("0x10K", 16 * 1024);
}

Test(units, errors)
{
	bad("", -EINVAL);
	bad("K", -EINVAL);
	bad("B", -EINVAL);
	bad("1X", -EINVAL);
	bad("-1", -EINVAL);
	bad("+1", -EINVAL);
	bad("1.5M", -EINVAL);
	bad(" 1", -EINVAL);
	bad("1 ", -EINVAL);
	bad("1 K", -EINVAL);
	bad("1KK", -EINVAL);
	bad("1Kb", -EINVAL);
	bad("1KIB", -EINVAL);
	bad("1iB", -EINVAL);
	bad("1BB", -EINVAL);
	bad("1P", -EINVAL);
	bad("0x", -EINVAL);
	bad("0xg", -EINVAL);
	bad("x10", -EINVAL);
	bad("1e6", -EINVAL);
}

Test(units, overflow)
{
	bad("18446744073709551616", -ERANGE);
	bad("99999999999999999999999", -ERANGE);
	bad("0x10000000000000000", -ERANGE);
	bad("16777216T", -ERANGE);
	bad("17179869184G", -ERANGE);
	bad("18014398509481984K", -ERANGE);
	ok("18014398509481983K", 18014398509481983ull << 10);
}

static void fmt(uint64_t bytes, const char *want)
{
	char buf[32];

	memset(buf, 'x', sizeof(buf));
	cr_assert_eq(ifl_fmt_size(bytes, buf, sizeof(buf)), buf, "returns buf");
	cr_assert_str_eq(buf, want, "%llu bytes", (unsigned long long)bytes);
}

Test(units, format)
{
	fmt(0, "0 B");
	fmt(512, "512 B");
	fmt(1023, "1023 B");
	fmt(1024, "1.0 KiB");
	fmt(1536, "1.5 KiB");
	fmt(300ull << 20, "300.0 MiB");
	fmt(3ull << 29, "1.5 GiB");
	fmt(1ull << 40, "1.0 TiB");
	fmt(1ull << 50, "1.0 PiB");
	fmt(UINT64_MAX, "16384.0 PiB");
}

Test(units, format_truncates_to_cap)
{
	char buf[6];

	memset(buf, 'x', sizeof(buf));
	ifl_fmt_size(300ull << 20, buf, sizeof(buf));
	cr_assert_str_eq(buf, "300.0", "cut short and still terminated");
	ifl_fmt_size(512, buf, 4);
	cr_assert_str_eq(buf, "512");
}
