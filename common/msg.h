/* msg.h - payloads of the initflash messages: structs and their wire codecs. */
#ifndef IFL_MSG_H
#define IFL_MSG_H

#include <stddef.h>
#include <stdint.h>

#define IFL_NAME_MAX 63     /* target names */
#define IFL_STR_MAX 127     /* model, serial, version strings */
#define IFL_ERRMSG_MAX 511  /* human sentence in an ERROR */
#define IFL_MAX_TARGETS 64
#define IFL_PART_NAME_MAX 108 /* GPT partition names in UTF-8 (36 UTF-16 units) */
#define IFL_MAX_PARTS 256     /* partitions in one inventory, over all targets */
#define IFL_MAX_TARGET_PARTS 128 /* partitions of one target */

/* Error codes carried by ERROR frames (wire values, not errno). */
enum ifl_err {
	IFL_E_PROTO = 1,          /* malformed, out-of-order or unknown frame */
	IFL_E_UNKNOWN_TARGET = 2, /* no such target in the inventory */
	IFL_E_RANGE = 3,          /* offset/length outside the target */
	IFL_E_READONLY = 4,       /* target is read-only */
	IFL_E_IO = 5,             /* the target failed a read, write or sync */
	IFL_E_CHUNK = 6,          /* a chunk did not decode or its CRC32 is wrong */
	IFL_E_STATE = 7,          /* message not valid now (e.g. CHUNK without BEGIN) */
	IFL_E_DENIED = 8,         /* operation not permitted (power without --allow-power) */
	IFL_E_INTERNAL = 9,       /* agent out of memory or similar */
	IFL_E_INCOMPLETE = 10,    /* END arrived but chunks are missing */
};

/* Target kinds and flags in the inventory. */
enum { IFL_KIND_FILE = 0, IFL_KIND_BLOCK = 1, IFL_KIND_MTD_NOR = 2, IFL_KIND_MTD_NAND = 3 };
#define IFL_TF_READONLY 0x01u
#define IFL_TF_REMOVABLE 0x02u
#define IFL_TF_SD 0x04u   /* an SD card (MMC bus, card type "SD") */
#define IFL_TF_EMMC 0x08u /* eMMC: its user area or a boot partition (card type "MMC") */

#define IFL_INV_POWER 0x01u    /* agent honours REBOOT / POWEROFF */
#define IFL_RANGE_VERIFY 0x01u /* BEGIN: read back and hash after END */
#define IFL_RES_HASHED 0x01u   /* RESULT: sha256 holds the hash of the range */
#define IFL_RES_BLOCKS 0x02u   /* RESULT: erase-block counts follow (MTD writes) */

enum { IFL_PH_WRITE = 1, IFL_PH_VERIFY = 2, IFL_PH_READ = 3, IFL_PH_ERASE = 4, IFL_PH_HASH = 5 };

struct ifl_hello {
	uint16_t version; /* protocol version the host speaks */
	uint32_t flags;   /* reserved, 0 */
};

struct ifl_target_info {
	char name[IFL_NAME_MAX + 1];
	uint64_t size;
	uint32_t block_size, erase_size, write_size;
	uint8_t kind, flags;
	char model[IFL_STR_MAX + 1];
	char serial[IFL_STR_MAX + 1];
	uint32_t bad_blocks; /* NAND: erase blocks marked bad; 0 for everything else */
};

/* A GPT partition of target t[target], as found by the agent. */
struct ifl_part_info {
	char name[IFL_PART_NAME_MAX + 1]; /* may be "" (an unnamed partition) */
	uint16_t target;                  /* index into ifl_inventory.t */
	uint64_t start, size;             /* bytes on the target */
};

struct ifl_inventory {
	uint32_t max_payload; /* largest frame payload the agent accepts */
	uint32_t max_chunk;   /* largest raw chunk length */
	uint32_t flags;       /* IFL_INV_* */
	char agent_version[IFL_STR_MAX + 1];
	uint16_t ntargets;
	struct ifl_target_info t[IFL_MAX_TARGETS];
	uint16_t nparts; /* over all targets, grouped by target in wire order */
	struct ifl_part_info part[IFL_MAX_PARTS];
};

/* BEGIN, READ, ERASE and HASH all name a range of one target. */
struct ifl_range {
	char target[IFL_NAME_MAX + 1];
	uint64_t offset, length;
	uint32_t flags;
};

struct ifl_end {
	uint64_t chunks; /* chunks sent since BEGIN */
	uint64_t bytes;  /* raw bytes those chunks cover */
};

struct ifl_result {
	uint32_t flags; /* IFL_RES_* */
	uint64_t written, skipped, length;
	uint8_t sha256[32];
	uint32_t blocks_written, blocks_skipped; /* with IFL_RES_BLOCKS: erase blocks */
};

struct ifl_progress {
	uint8_t phase; /* IFL_PH_* */
	uint64_t received, written, verified, total;
};

struct ifl_error {
	uint32_t code;    /* enum ifl_err */
	uint32_t ref_seq; /* sequence of the frame that caused it, or 0 */
	char msg[IFL_ERRMSG_MAX + 1];
};

/*
 * Encoders write the payload into buf[cap] and set *len. They return 0 or
 * -ENOBUFS. Decoders parse exactly len bytes and return 0, or -EPROTO on a
 * short field, an over-long or NUL-holding string, a value out of range or
 * trailing bytes.
 */
int ifl_enc_hello(const struct ifl_hello *m, uint8_t *buf, size_t cap, size_t *len);
int ifl_dec_hello(const uint8_t *p, size_t len, struct ifl_hello *m);
int ifl_enc_inventory(const struct ifl_inventory *m, uint8_t *buf, size_t cap, size_t *len);
int ifl_dec_inventory(const uint8_t *p, size_t len, struct ifl_inventory *m);
int ifl_enc_range(const struct ifl_range *m, uint8_t *buf, size_t cap, size_t *len);
int ifl_dec_range(const uint8_t *p, size_t len, struct ifl_range *m);
int ifl_enc_end(const struct ifl_end *m, uint8_t *buf, size_t cap, size_t *len);
int ifl_dec_end(const uint8_t *p, size_t len, struct ifl_end *m);
int ifl_enc_result(const struct ifl_result *m, uint8_t *buf, size_t cap, size_t *len);
int ifl_dec_result(const uint8_t *p, size_t len, struct ifl_result *m);
int ifl_enc_progress(const struct ifl_progress *m, uint8_t *buf, size_t cap, size_t *len);
int ifl_dec_progress(const uint8_t *p, size_t len, struct ifl_progress *m);
int ifl_enc_error(const struct ifl_error *m, uint8_t *buf, size_t cap, size_t *len);
int ifl_dec_error(const uint8_t *p, size_t len, struct ifl_error *m);
int ifl_enc_ok(uint32_t ref_seq, uint8_t *buf, size_t cap, size_t *len);
int ifl_dec_ok(const uint8_t *p, size_t len, uint32_t *ref_seq);

/* A short English name of an error code ("unknown target"). */
const char *ifl_err_name(uint32_t code);

#endif
