/* source.h - an image to flash, read front to back: raw bytes or gzip, found by magic. */
#ifndef IFL_SOURCE_H
#define IFL_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

struct ifl_source;

/*
 * One backend per format (source_raw.c, source_gzip.c). open learns the
 * exact image size and proves the file intact; read returns the next bytes
 * (> 0), 0 at the end, or a negative errno with a sentence in s->why;
 * rewind goes back to the first byte; close frees priv (not the fd).
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
	uint64_t size;     /* bytes of the image itself (inflated) */
	void *priv;
	char why[256];     /* what went wrong, for the last failure */
};

extern const struct ifl_source_ops ifl_source_raw_ops;
extern const struct ifl_source_ops ifl_source_gzip_ops;

/*
 * Open path, pick the backend by its first bytes (1f 8b: gzip), learn the
 * size and check the whole file (a corrupt or truncated gzip is refused
 * here, before anything is written). Returns 0 with *out set; or records
 * exit 1 (unreadable, corrupt) or 2 (empty, not a file) in d and returns a
 * negative errno.
 */
int ifl_source_open(const char *path, struct ifl_source **out, struct ifl_diag *d);

/* Read exactly len bytes. Returns 0, -ENODATA when the image ends first, or read's errors. */
int ifl_source_fill(struct ifl_source *s, uint8_t *buf, size_t len);

/* Rewind, hash the whole image into out[32], rewind again. Returns 0 or a negative errno. */
int ifl_source_sha256(struct ifl_source *s, uint8_t out[32]);

/* Record a failure of fill/sha256/rewind on s in d (exit 1). Returns err. */
int ifl_source_fail(struct ifl_source *s, struct ifl_diag *d, int err);

/* Close the file and free s; NULL is fine. */
void ifl_source_close(struct ifl_source *s);

#endif
