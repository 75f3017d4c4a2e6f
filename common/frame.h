/* frame.h - the initflash frame: a 20-byte header and a CRC32-checked payload. */
#ifndef IFL_FRAME_H
#define IFL_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define IFL_MAGIC 0x504c4649u /* "IFLP" on the wire */
#define IFL_VERSION 1
#define IFL_FRAME_HDR 20
/* Largest payload either side accepts: a 4 MiB raw chunk plus its header. */
#define IFL_MAX_CHUNK (4u << 20)
#define IFL_MAX_PAYLOAD (IFL_MAX_CHUNK + 64u)

enum ifl_type {
	IFL_T_HELLO = 0x01,
	IFL_T_INVENTORY = 0x02,
	IFL_T_BEGIN = 0x03,
	IFL_T_CHUNK = 0x04,
	IFL_T_END = 0x05,
	IFL_T_RESULT = 0x06,
	IFL_T_PROGRESS = 0x07,
	IFL_T_ERROR = 0x08,
	IFL_T_READ = 0x09,
	IFL_T_DATA = 0x0a,
	IFL_T_ERASE = 0x0b,
	IFL_T_HASH = 0x0c,
	IFL_T_REBOOT = 0x0d,
	IFL_T_POWEROFF = 0x0e,
	IFL_T_OK = 0x0f,
	IFL_T_BYE = 0x10,
	IFL_T_MAX = 0x10,
};

struct ifl_frame_hdr {
	uint8_t type;
	uint16_t flags;
	uint32_t seq;
	uint32_t len;
	uint32_t crc;
};

/* Name of a frame type for messages ("CHUNK"), or "?" when unknown. */
const char *ifl_type_name(unsigned type);

/*
 * Fill the header in buf[0..IFL_FRAME_HDR) for the payload that already sits
 * at buf + IFL_FRAME_HDR, len bytes long, computing the CRC over both.
 */
void ifl_frame_seal(uint8_t *buf, uint8_t type, uint32_t seq, uint32_t len);

/*
 * Parse and bound a received header. Returns 0, -EPROTO for a bad magic,
 * version, reserved flags or unknown type, -EMSGSIZE when the length exceeds
 * max_payload.
 */
int ifl_frame_parse(const uint8_t *hdr, uint32_t max_payload, struct ifl_frame_hdr *out);

/*
 * Check the CRC of a parsed frame against its header bytes and payload.
 * Returns 0 or -EBADMSG.
 */
int ifl_frame_check(const uint8_t *hdr, const struct ifl_frame_hdr *h, const uint8_t *payload);

#endif
