/* json.h - JSON lines on a stream: one event object per line, written as it is built. */
#ifndef IFL_JSON_H
#define IFL_JSON_H

#include <stdint.h>
#include <stdio.h>

#define IFL_JSON_DEPTH 8

struct ifl_json {
	FILE *f;
	int depth;
	int first[IFL_JSON_DEPTH]; /* 1 until the first member of each open level */
};

/*
 * Start the object {"event":"NAME", ... on f. The stream is locked
 * (flockfile) until ifl_json_end, so lines from threads never interleave.
 */
void ifl_json_begin(struct ifl_json *j, FILE *f, const char *event);

/* Members of the innermost object; key is NULL inside an array. */
void ifl_json_str(struct ifl_json *j, const char *key, const char *val);
void ifl_json_u64(struct ifl_json *j, const char *key, uint64_t val);
void ifl_json_num(struct ifl_json *j, const char *key, double val);
void ifl_json_bool(struct ifl_json *j, const char *key, int val);

/* Open or close a nested object ('{') or array ('['); key as above. */
void ifl_json_open(struct ifl_json *j, const char *key, char bracket);
void ifl_json_close(struct ifl_json *j, char bracket);

/* Close the event object, end the line, flush and unlock the stream. */
void ifl_json_end(struct ifl_json *j);

#endif
