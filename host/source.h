/* source.h - an image to flash as extents: raw, gzip or Android sparse by magic, or raw/gzip with a bmap. */
#ifndef IFL_SOURCE_H
#define IFL_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct ifl_source;

/* What one extent of the image holds: bytes from the file, a 4-byte pattern, or zeros. */
enum ifl_ext_kind { IFL_EXT_DATA = 0, IFL_EXT_FILL = 1, IFL_EXT_ZERO = 2 };

/*
 * A piece of the image that is defined: offset and length inside the image,
 * its kind and, for FILL, the pattern. Bytes between extents are not part of
 * the image (sparse DONT_CARE, unmapped bmap blocks): they are not sent and
 * the target keeps what it held there.
 */
struct ifl_extent {
	uint64_t off, len;
	uint8_t kind;       /* enum ifl_ext_kind */
	uint8_t pattern[4]; /* FILL only */
};

/*
 * One backend per format (source_raw.c, source_gzip.c, source_sparse.c,
 * source_bmap.c). open learns the exact image size, proves the file intact
 * and may set ext/next (left empty, the image is one DATA extent); read
 * returns the next bytes of the DATA extents, in order and back to back
 * (> 0), 0 at the end, or a negative errno with a sentence in s->why;
 * rewind goes back to the first byte; close frees priv and ext (not the fd).
 */
struct ifl_source_ops {
	const char *name;
	int (*open)(struct ifl_source *s);
	long (*read)(struct ifl_source *s, uint8_t *buf, size_t len);
	int (*rewind)(struct ifl_source *s);
	void (*close)(struct ifl_source *s);
};

struct ifl_source {
	const struct ifl_source_ops *ops;
	const char *path;  /* as the user gave it */
	int fd;
	uint64_t size;     /* bytes of the image itself (inflated, unsparsed) */
	struct ifl_extent *ext; /* sorted, non-overlapping, inside size */
	size_t next;       /* extents in ext */
	void *priv;
	char why[256];     /* what went wrong, for the last failure */
};

extern const struct ifl_source_ops ifl_source_raw_ops;
extern const struct ifl_source_ops ifl_source_gzip_ops;
extern const struct ifl_source_ops ifl_source_sparse_ops;

/* The Android sparse magic, little-endian at byte 0. */
#define IFL_SPARSE_MAGIC 0xed26ff3au

/*
 * Open path, pick the backend by its first bytes (1f 8b: gzip, 3a ff 26 ed:
 * Android sparse), learn the
 * size and check the whole file (a corrupt or truncated gzip is refused
 * here, before anything is written). Returns 0 with *out set; or records
 * exit 1 (unreadable, corrupt) or 2 (empty, not a file) in d and returns a
 * negative errno.
 */
int ifl_source_open(const char *path, struct ifl_source **out, struct ifl_diag *d);

/*
 * ifl_source_open for a raw or gzip image described by a bmap file
 * (bmaptool create): only the mapped ranges become DATA extents, and every
 * range's checksum is checked here, before anything is sent. Errors as
 * ifl_source_open; a malformed bmap or a checksum mismatch is exit 1 naming
 * the bmap file or the image.
 */
int ifl_source_open_bmap(const char *path, const char *bmap, struct ifl_source **out,
			 struct ifl_diag *d);

/*
 * Parse bmap text[len] (named name in messages) into extents for an image of
 * image_size bytes: *ext (malloc'd, one DATA extent per Range, sorted and
 * non-overlapping), *n, and for each its checksum (*sums, 32 bytes each, *sum_len of them
 * significant: 32 sha256, 20 sha1, 0 none). Returns 0, or -EINVAL / -ENOMEM
 * with a sentence ("NAME: line 12: ...") in why[256]. Exported for tests.
 */
int ifl_bmap_parse(const char *name, const char *text, size_t len, uint64_t image_size,
		   struct ifl_extent **ext, size_t *n, uint8_t **sums, unsigned *sum_len,
		   char *why);

/* Make s one DATA extent over its whole size (backends without extents). Returns 0 or -ENOMEM. */
int ifl_source_set_whole(struct ifl_source *s);

/* 1 when s's extents are one DATA extent over the whole image (raw, gzip). */
int ifl_source_whole(const struct ifl_source *s);

/* Bytes of the image that extents define (what a flash writes). */
uint64_t ifl_source_defined(const struct ifl_source *s);

/* Read exactly len bytes. Returns 0, -ENODATA when the image ends first, or read's errors. */
int ifl_source_fill(struct ifl_source *s, uint8_t *buf, size_t len);

/*
 * Rewind, hash the whole image into out[32], rewind again. Returns 0 or a
 * negative errno; -ENOTSUP (with s->why) when the image has gaps (sparse,
 * bmap), whose content on a target is not the image's to define.
 */
int ifl_source_sha256(struct ifl_source *s, uint8_t out[32]);

/* Record a failure of fill/sha256/rewind on s in d (exit 1). Returns err. */
int ifl_source_fail(struct ifl_source *s, struct ifl_diag *d, int err);

/*
 * A raw image held in memory: buf[len] (malloc'd; s owns it from here on,
 * also on failure), named label in messages. For bytes the host makes
 * itself, such as a GPT re-targeted to the real disk. Returns 0 or -ENOMEM.
 */
int ifl_source_mem(const char *label, uint8_t *buf, size_t len, struct ifl_source **out);

/* Close the file and free s; NULL is fine. */
void ifl_source_close(struct ifl_source *s);

#endif
