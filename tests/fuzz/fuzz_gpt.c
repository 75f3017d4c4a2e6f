/* fuzz_gpt.c - GPT header and entry parsing on arbitrary bytes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gpt.h"
#include "wire.h"

/*
 * Input: 2 bytes of disk size (in 4 KiB steps), then the header block, then
 * the entry array. The header is tried at a 512 byte block.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ifl_gpt g;
	struct ifl_gpt_hdr h;
	char err[128];
	int rc;

	if (size < 2)
		return 0;
	uint64_t disk_lbas = (uint64_t)ifl_get_le16(data) * 8;
	data += 2;
	size -= 2;
	size_t hlen = size < 512 ? size : 512;
	uint8_t *hdr = malloc(hlen ? hlen : 1);
	CHECK(hdr);
	memcpy(hdr, data, hlen);
	rc = ifl_gpt_parse_header(hdr, hlen, 512, disk_lbas, &h, err, sizeof(err));
	CHECK(rc == 0 || rc == -EPROTO || rc == -EINVAL || rc == -EBADMSG);
	if (rc == 0) {
		CHECK(h.my_lba == 1 && h.first_usable <= h.last_usable);
		CHECK(ifl_gpt_entries_len(&h) <= IFL_GPT_MAX_ENTRIES * IFL_GPT_MAX_ENTRY_SIZE);
		size_t elen = size - hlen;
		uint8_t *ent = malloc(elen ? elen : 1);
		CHECK(ent);
		memcpy(ent, data + hlen, elen);
		rc = ifl_gpt_parse_entries(&h, ent, elen, &g, err, sizeof(err));
		CHECK(rc == 0 || rc == -EPROTO || rc == -EINVAL || rc == -EBADMSG || rc == -E2BIG);
		if (rc == 0) {
			for (unsigned i = 0; i < g.nparts; i++) {
				const struct ifl_gpt_part *p = &g.part[i];

				CHECK(p->first_lba >= h.first_usable && p->last_lba <= h.last_usable);
				CHECK(p->start == p->first_lba * 512 && p->size > 0);
				CHECK(strlen(p->name) < IFL_GPT_NAME_MAX);
				CHECK(ifl_gpt_touches(&h, p->start, p->size) == 0);
				CHECK(ifl_gpt_find(&g, p->name) >= 0);
				for (unsigned j = 0; j < i; j++)
					CHECK(g.part[j].last_lba < p->first_lba ||
					      p->last_lba < g.part[j].first_lba);
			}
		} else {
			CHECK(g.nparts == 0);
		}
		CHECK(ifl_gpt_touches(&h, 0, 1) == IFL_GPT_TOUCH_PRIMARY);
		free(ent);
	}
	free(hdr);
	return 0;
}
