/* frame.c - seal, parse and check initflash frame headers. */
#include "frame.h"

#include <errno.h>
#include <zlib.h>

#include "wire.h"

static const char *const type_names[IFL_T_MAX + 1] = {
	[IFL_T_HELLO] = "HELLO",   [IFL_T_INVENTORY] = "INVENTORY", [IFL_T_BEGIN] = "BEGIN",
	[IFL_T_CHUNK] = "CHUNK",   [IFL_T_END] = "END",             [IFL_T_RESULT] = "RESULT",
	[IFL_T_PROGRESS] = "PROGRESS", [IFL_T_ERROR] = "ERROR",     [IFL_T_READ] = "READ",
	[IFL_T_DATA] = "DATA",     [IFL_T_ERASE] = "ERASE",         [IFL_T_HASH] = "HASH",
	[IFL_T_REBOOT] = "REBOOT", [IFL_T_POWEROFF] = "POWEROFF",   [IFL_T_OK] = "OK",
	[IFL_T_BYE] = "BYE",
};

const char *ifl_type_name(unsigned type)
{
	if (type > IFL_T_MAX || !type_names[type])
		return "?";
	return type_names[type];
}

static uint32_t frame_crc(const uint8_t *hdr, const uint8_t *payload, uint32_t len)
{
	/* The CRC covers the 16 header bytes before it, then the payload. */
	uLong c = crc32(0L, hdr, 16);
	if (len)
		c = crc32(c, payload, len);
	return (uint32_t)c;
}

void ifl_frame_seal(uint8_t *buf, uint8_t type, uint32_t seq, uint32_t len)
{
	ifl_put_le32(buf, IFL_MAGIC);
	buf[4] = IFL_VERSION;
	buf[5] = type;
	ifl_put_le16(buf + 6, 0);
	ifl_put_le32(buf + 8, seq);
	ifl_put_le32(buf + 12, len);
	ifl_put_le32(buf + 16, frame_crc(buf, buf + IFL_FRAME_HDR, len));
}

int ifl_frame_parse(const uint8_t *hdr, uint32_t max_payload, struct ifl_frame_hdr *out)
{
	if (ifl_get_le32(hdr) != IFL_MAGIC || hdr[4] != IFL_VERSION)
		return -EPROTO;
	out->type = hdr[5];
	out->flags = ifl_get_le16(hdr + 6);
	out->seq = ifl_get_le32(hdr + 8);
	out->len = ifl_get_le32(hdr + 12);
	out->crc = ifl_get_le32(hdr + 16);
	if (out->flags != 0 || out->type == 0 || out->type > IFL_T_MAX)
		return -EPROTO;
	if (out->len > max_payload)
		return -EMSGSIZE;
	return 0;
}

int ifl_frame_check(const uint8_t *hdr, const struct ifl_frame_hdr *h, const uint8_t *payload)
{
	return frame_crc(hdr, payload, h->len) == h->crc ? 0 : -EBADMSG;
}
