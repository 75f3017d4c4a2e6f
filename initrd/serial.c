/* serial.c - find a board serial number for the USB device descriptor. */
#include "serial.h"

#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fdio.h"

#define SERIAL_MAX 63 /* a USB string descriptor holds 126 UTF-16 units; keep it short */

/*
 * Copy s into out[cap] keeping printable ASCII only (spaces and controls
 * dropped, so device-tree NULs and trailing newlines go too). Returns the
 * length kept.
 */
static size_t clean(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;

	for (size_t i = 0; i < n && s[i] && k + 1 < cap && k < SERIAL_MAX; i++)
		if (s[i] > 0x20 && s[i] < 0x7f)
			out[k++] = s[i];
	out[k] = '\0';
	return k;
}

/* Firmware fills unused DMI fields with these; none names a board. */
static int placeholder(const char *s)
{
	static const char *const junk[] = {
		"NotSpecified", "NotApplicable", "None", "Default", "Defaultstring",
		"TobefilledbyO.E.M.", "SystemSerialNumber", "0123456789", "Unknown",
	};
	int nonzero = 0;

	for (const char *p = s; *p; p++)
		if (*p != '0' && *p != '-')
			nonzero = 1;
	if (!nonzero)
		return 1; /* "0", "00000000-0000-0000-0000-000000000000" */
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		if (strcasecmp(s, junk[i]) == 0)
			return 1;
	return 0;
}

/* Read path into out[cap] as a cleaned serial; 1 when it holds a usable one. */
static int from_file(const char *path, char *out, size_t cap)
{
	char raw[256];
	long n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = ifl_read_some(fd, raw, sizeof(raw) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	return clean(raw, (size_t)n, out, cap) > 0 && !placeholder(out);
}

const char *ifl_serial_pick(const char *given, char *out, size_t cap)
{
	if (given && clean(given, strlen(given), out, cap) > 0)
		return "--serial";
	if (from_file("/proc/device-tree/serial-number", out, cap))
		return "device tree";
	if (from_file("/sys/class/dmi/id/product_serial", out, cap))
		return "DMI serial";
	if (from_file("/sys/class/dmi/id/product_uuid", out, cap))
		return "DMI uuid";
	out[0] = '0';
	out[1] = '\0';
	return "default";
}
