/* tspec.c - parse TARGET[/PARTNAME][@OFFSET][+LENGTH] into names and a byte range. */
#include "tspec.h"

#include <errno.h>
#include <string.h>

#include "units.h"

/* Parse the size in s[0..n) (not NUL-terminated). */
static int parse_part(const char *s, size_t n, uint64_t *out)
{
	char buf[64];

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return ifl_parse_size(buf, out);
}

static int bad(struct ifl_diag *d, const char *arg, const char *why)
{
	return ifl_diag_set(d, -EINVAL, IFL_EXIT_USAGE, arg, "%s; write TARGET[/PARTNAME][@OFFSET][+LENGTH], e.g. disk@1M+4M or disk/APP",
			    why);
}

int ifl_tspec_parse(const char *arg, int allow_length, struct ifl_tspec *t, struct ifl_diag *d)
{
	size_t nlen = strcspn(arg, "/@+");
	const char *slash = arg[nlen] == '/' ? arg + nlen + 1 : NULL;
	size_t plen = slash ? strcspn(slash, "@+") : 0;
	const char *rest = slash ? slash + plen : arg + nlen;
	const char *at = *rest == '@' ? rest + 1 : NULL;
	const char *plus = strchr(rest, '+');

	memset(t, 0, sizeof(*t));
	if (nlen == 0 || nlen > IFL_NAME_MAX)
		return bad(d, arg, nlen ? "the target name is too long" : "no target name");
	if (slash && (plen == 0 || plen > IFL_PART_NAME_MAX))
		return bad(d, arg, plen ? "the partition name is too long" : "no partition name after /");
	memcpy(t->name, arg, nlen);
	memcpy(t->part, slash ? slash : "", plen);
	memcpy(t->label, arg, nlen + (slash ? 1 + plen : 0));
	if (at && parse_part(at, plus ? (size_t)(plus - at) : strlen(at), &t->offset))
		return bad(d, arg, "the offset is not a size");
	if (plus && !allow_length)
		return ifl_diag_set(d, -EINVAL, IFL_EXIT_USAGE, arg,
				    "a +LENGTH makes no sense here (the image gives the length); "
				    "write TARGET[@OFFSET]");
	if (plus && parse_part(plus + 1, strlen(plus + 1), &t->length))
		return bad(d, arg, "the length is not a size");
	if (plus && t->length == 0)
		return bad(d, arg, "the length is zero");
	t->has_length = plus != NULL;
	return 0;
}
