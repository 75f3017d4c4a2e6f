/* target.c - find targets in the inventory and refuse what cannot work before BEGIN. */
#include "target.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "units.h"

const struct ifl_target_info *ifl_target_find(const struct ifl_inventory *inv, const char *name)
{
	for (unsigned i = 0; i < inv->ntargets; i++)
		if (strcmp(inv->t[i].name, name) == 0)
			return &inv->t[i];
	return NULL;
}

int ifl_target_lookup(const struct ifl_inventory *inv, const char *name,
		      const struct ifl_target_info **out, struct ifl_diag *d)
{
	char list[512] = "";
	size_t used = 0;

	*out = ifl_target_find(inv, name);
	if (*out)
		return 0;
	for (unsigned i = 0; i < inv->ntargets && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
					 inv->t[i].name);
	if (inv->ntargets == 0)
		return ifl_diag_set(d, -ENOENT, IFL_EXIT_DEVICE, name,
				    "no such target; the agent offers no targets at all");
	return ifl_diag_set(d, -ENOENT, IFL_EXIT_DEVICE, name,
			    "no such target; the agent offers: %s", list);
}

/* Two sizes for one sentence; exact byte counts when the short forms look alike. */
static void fmt_pair(uint64_t a, uint64_t b, char *sa, char *sb, size_t cap)
{
	ifl_fmt_size(a, sa, cap);
	ifl_fmt_size(b, sb, cap);
	if (strcmp(sa, sb) == 0) {
		snprintf(sa + strlen(sa), cap - strlen(sa), " (%llu bytes)", (unsigned long long)a);
		snprintf(sb + strlen(sb), cap - strlen(sb), " (%llu bytes)", (unsigned long long)b);
	}
}

static int check_offset(const struct ifl_target_info *ti, uint64_t off, struct ifl_diag *d)
{
	char so[48], ss[48];

	if (off < ti->size)
		return 0;
	return ifl_diag_set(d, -ERANGE, IFL_EXIT_DEVICE, ti->name,
			    "offset %s is %s the end of the target, which holds %s; pick a smaller offset",
			    ifl_fmt_size(off, so, sizeof(so)), off == ti->size ? "at" : "past",
			    ifl_fmt_size(ti->size, ss, sizeof(ss)));
}

static int check_writable(const struct ifl_target_info *ti, struct ifl_diag *d)
{
	if (!(ti->flags & IFL_TF_READONLY))
		return 0;
	return ifl_diag_set(d, -EROFS, IFL_EXIT_DEVICE, ti->name,
			    "the target is read-only; pick a writable target (see initflash info)");
}

/* Writability (when writing) first, then the offset: -EROFS, -ERANGE or 0. */
static int check_start(const struct ifl_target_info *ti, uint64_t off, int write,
		       struct ifl_diag *d)
{
	int rc = write ? check_writable(ti, d) : 0;

	return rc ? rc : check_offset(ti, off, d);
}

int ifl_target_check_image(const struct ifl_target_info *ti, const struct ifl_tspec *ts,
			   uint64_t len, int write, struct ifl_diag *d)
{
	char si[48], sr[48], so[48], st[48];
	uint64_t room;
	int rc = check_start(ti, ts->offset, write, d);

	if (rc)
		return rc;
	room = ti->size - ts->offset;
	if (len <= room)
		return 0;
	fmt_pair(len, room, si, sr, sizeof(si));
	if (ts->offset == 0)
		return ifl_diag_set(d, -ERANGE, IFL_EXIT_DEVICE, ti->name,
				    "image is %s but the target holds %s; use a smaller image or a "
				    "larger target", si, sr);
	return ifl_diag_set(d, -ERANGE, IFL_EXIT_DEVICE, ti->name,
			    "image is %s but the target holds only %s after offset %s (%s in all); "
			    "use a smaller offset or image", si, sr, ifl_fmt_size(ts->offset, so, sizeof(so)),
			    ifl_fmt_size(ti->size, st, sizeof(st)));
}

int ifl_target_check_range(const struct ifl_target_info *ti, struct ifl_tspec *ts, int write,
			   struct ifl_diag *d)
{
	char sl[48], so[48], st[48];
	int rc = check_start(ti, ts->offset, write, d);

	if (rc)
		return rc;
	if (!ts->has_length)
		ts->length = ti->size - ts->offset;
	if (ts->length <= ti->size - ts->offset)
		return 0;
	return ifl_diag_set(d, -ERANGE, IFL_EXIT_DEVICE, ti->name,
			    "%s at offset %s passes the end of the target (%s); shorten the +LENGTH",
			    ifl_fmt_size(ts->length, sl, sizeof(sl)), ifl_fmt_size(ts->offset, so, sizeof(so)),
			    ifl_fmt_size(ti->size, st, sizeof(st)));
}

const char *ifl_target_kind(uint8_t kind)
{
	static const char *const kinds[] = {"file", "block", "mtd-nor", "mtd-nand"};

	return kind < sizeof(kinds) / sizeof(kinds[0]) ? kinds[kind] : "?";
}
