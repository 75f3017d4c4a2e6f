/* target.c - find targets and partitions in the inventory and refuse what cannot work before BEGIN. */
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

/* What a check looks at: a whole target, or one partition of it. */
struct win {
	const char *who;  /* "disk" or "disk/APP" */
	const char *noun; /* "target" or "partition" */
	uint64_t size;
	uint64_t bad;     /* NAND: bytes of the bad blocks, which a range skips */
	uint8_t flags;    /* the device's IFL_TF_* */
};

static struct win whole(const struct ifl_target_info *ti)
{
	return (struct win){.who = ti->name, .noun = "target", .size = ti->size, .flags = ti->flags,
			    .bad = (uint64_t)ti->bad_blocks * ti->erase_size};
}

static int check_offset(const struct win *w, uint64_t off, struct ifl_diag *d)
{
	char so[48], ss[48];

	if (off < w->size)
		return 0;
	return ifl_diag_set(d, -ERANGE, IFL_EXIT_DEVICE, w->who,
			    "offset %s is %s the end of the %s, which holds %s; pick a smaller offset",
			    ifl_fmt_size(off, so, sizeof(so)), off == w->size ? "at" : "past", w->noun,
			    ifl_fmt_size(w->size, ss, sizeof(ss)));
}

static int check_writable(const struct win *w, struct ifl_diag *d)
{
	if (!(w->flags & IFL_TF_READONLY))
		return 0;
	return ifl_diag_set(d, -EROFS, IFL_EXIT_DEVICE, w->who,
			    "the target is read-only; pick a writable target (see initflash info)");
}

/* Writability (when writing) first, then the offset: -EROFS, -ERANGE or 0. */
static int check_start(const struct win *w, uint64_t off, int write, struct ifl_diag *d)
{
	int rc = write ? check_writable(w, d) : 0;

	return rc ? rc : check_offset(w, off, d);
}

static int check_image(const struct win *w, uint64_t off, uint64_t len, int write,
		       struct ifl_diag *d)
{
	char si[48], sr[48], so[48], st[48];
	uint64_t room;
	int rc = check_start(w, off, write, d);

	if (rc)
		return rc;
	room = w->size - off;
	if (len <= room)
		return 0;
	fmt_pair(len, room, si, sr, sizeof(si));
	if (off == 0)
		return ifl_diag_set(d, -ERANGE, IFL_EXIT_DEVICE, w->who,
				    "image is %s but the %s holds %s; use a smaller image or a "
				    "larger %s", si, w->noun, sr, w->noun);
	return ifl_diag_set(d, -ERANGE, IFL_EXIT_DEVICE, w->who,
			    "image is %s but the %s holds only %s after offset %s (%s in all); "
			    "use a smaller offset or image", si, w->noun, sr,
			    ifl_fmt_size(off, so, sizeof(so)), ifl_fmt_size(w->size, st, sizeof(st)));
}

static int check_range(const struct win *w, struct ifl_tspec *ts, int write, struct ifl_diag *d)
{
	char sl[48], so[48], st[48];
	int rc = check_start(w, ts->offset, write, d);

	if (rc)
		return rc;
	/* The whole rest, less what NAND bad blocks take (the agent reads past them). */
	if (!ts->has_length)
		ts->length = w->size - ts->offset - (w->bad < w->size - ts->offset ? w->bad : 0);
	if (ts->length <= w->size - ts->offset)
		return 0;
	return ifl_diag_set(d, -ERANGE, IFL_EXIT_DEVICE, w->who,
			    "%s at offset %s passes the end of the %s (%s); shorten the +LENGTH",
			    ifl_fmt_size(ts->length, sl, sizeof(sl)), ifl_fmt_size(ts->offset, so, sizeof(so)),
			    w->noun, ifl_fmt_size(w->size, st, sizeof(st)));
}

int ifl_target_check_image(const struct ifl_target_info *ti, const struct ifl_tspec *ts,
			   uint64_t len, int write, struct ifl_diag *d)
{
	struct win w = whole(ti);

	return check_image(&w, ts->offset, len, write, d);
}

int ifl_target_check_range(const struct ifl_target_info *ti, struct ifl_tspec *ts, int write,
			   struct ifl_diag *d)
{
	struct win w = whole(ti);

	return check_range(&w, ts, write, d);
}

const struct ifl_part_info *ifl_target_find_part(const struct ifl_inventory *inv,
						 const struct ifl_target_info *ti, const char *name)
{
	unsigned idx = (unsigned)(ti - inv->t);

	for (unsigned k = 0; k < inv->nparts; k++)
		if (inv->part[k].target == idx && strcmp(inv->part[k].name, name) == 0)
			return &inv->part[k];
	return NULL;
}

/* "no such partition", listing the partitions the target has. */
static int no_part(const struct ifl_inventory *inv, const struct ifl_target_info *ti,
		   const struct ifl_tspec *ts, struct ifl_diag *d)
{
	unsigned idx = (unsigned)(ti - inv->t), n = 0;
	char list[600] = "";
	size_t used = 0;

	for (unsigned k = 0; k < inv->nparts && used < sizeof(list); k++) {
		if (inv->part[k].target != idx || !inv->part[k].name[0])
			continue;
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", n++ ? ", " : "",
					 inv->part[k].name);
	}
	if (n == 0)
		return ifl_diag_set(d, -ENOENT, IFL_EXIT_DEVICE, ts->label,
				    "no such partition; %s has no named GPT partitions the agent "
				    "could read", ti->name);
	return ifl_diag_set(d, -ENOENT, IFL_EXIT_DEVICE, ts->label,
			    "no such partition; %s has: %s", ti->name, list);
}

/*
 * Look up ts's device and partition; set *w to the window the checks
 * apply to and *base to its first byte on the device.
 */
static int resolve(const struct ifl_inventory *inv, const struct ifl_tspec *ts,
		   const struct ifl_target_info **ti, struct win *w, uint64_t *base,
		   struct ifl_diag *d)
{
	const struct ifl_part_info *p;
	int rc = ifl_target_lookup(inv, ts->name, ti, d);

	*base = 0;
	if (rc)
		return rc;
	*w = whole(*ti);
	if (!ts->part[0] || ts->resolved)
		return 0;
	p = ifl_target_find_part(inv, *ti, ts->part);
	if (!p)
		return no_part(inv, *ti, ts, d);
	*w = (struct win){.who = ts->label, .noun = "partition", .size = p->size,
			  .flags = (*ti)->flags};
	*base = p->start;
	return 0;
}

int ifl_target_resolve_image(const struct ifl_inventory *inv, struct ifl_tspec *ts, uint64_t len,
			     int write, const struct ifl_target_info **out, struct ifl_diag *d)
{
	struct win w;
	uint64_t base;
	int rc = resolve(inv, ts, out, &w, &base, d);

	if (rc == 0)
		rc = check_image(&w, ts->offset, len, write, d);
	if (rc == 0) {
		ts->offset += base;
		ts->resolved = 1;
	}
	return rc;
}

int ifl_target_resolve_range(const struct ifl_inventory *inv, struct ifl_tspec *ts, int write,
			     const struct ifl_target_info **out, struct ifl_diag *d)
{
	struct win w;
	uint64_t base;
	int rc = resolve(inv, ts, out, &w, &base, d);

	if (rc == 0)
		rc = check_range(&w, ts, write, d);
	if (rc == 0) {
		ts->offset += base;
		ts->resolved = 1;
	}
	return rc;
}

const char *ifl_target_kind(uint8_t kind)
{
	static const char *const kinds[] = {"file", "block", "mtd-nor", "mtd-nand"};

	return kind < sizeof(kinds) / sizeof(kinds[0]) ? kinds[kind] : "?";
}
