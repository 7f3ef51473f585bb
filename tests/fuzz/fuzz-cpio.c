// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the early-cpio scanner (lib/cpio/scan.c).  The input is the
 * buffer a loader would scan.  Walks it with uc_cpio_next, checking every
 * entry against the bytes it came from; checks uc_cpio_entry_check and the
 * name predicates; decodes at the first offsets; and compares uc_cpio_find
 * with a model of the kernel's find_cpio_data written here from
 * doc/formats.md#how-the-loaders-find-the-file, with offsets where the kernel has pointers.
 */
#include <string.h>

#include "fuzz.h"
#include "cpio/cpio.h"

#define NEWC_FIELDS (1 + UC_NEWC_NFIELDS) /* the magic, then the 13 fields */

/* Hex digits as the kernel reads them; false on anything else. */
static bool model_hex(const uint8_t *p, unsigned int digits, uint32_t *v)
{
	*v = 0;
	for (unsigned int i = 0; i < digits; i++) {
		uint8_t c = p[i], lc = (uint8_t)(c | 0x20);

		if (c >= '0' && c <= '9')
			*v = *v << 4 | (uint32_t)(c - '0');
		else if (lc >= 'a' && lc <= 'f')
			*v = *v << 4 | (uint32_t)(lc - 'a' + 10);
		else
			return false;
	}
	return true;
}

/*
 * find_cpio_data: while more than 110 bytes remain, skip a NUL in 4-byte
 * steps, else read 14 hex fields (any non-hex digit ends the scan), demand
 * magic 070701/070702, align the data and the next header to 4, stop if
 * they overrun, and take the first regular file whose name starts with
 * path.  64-bit arithmetic keeps the model free of wrap-around.
 */
static bool model_find(const uint8_t *b, size_t len, const char *path,
		       uint64_t *data, uint32_t *size)
{
	size_t n = strlen(path), p = 0;

	while (len - p > UC_NEWC_HDR_SIZE) {
		uint32_t f[NEWC_FIELDS];
		uint64_t dptr, nptr;

		if (!b[p]) {
			p += 4;
			continue;
		}
		for (unsigned int i = 0; i < NEWC_FIELDS; i++)
			if (!model_hex(b + p + (i ? 6 + 8 * (i - 1) : 0),
				       i ? 8 : 6, &f[i]))
				return false;
		if (f[0] != 0x070701 && f[0] != 0x070702)
			return false;
		dptr = (p + UC_NEWC_HDR_SIZE + (uint64_t)f[1 + UC_NEWC_NAMESIZE] + 3) &
		       ~(uint64_t)3;
		nptr = (dptr + f[1 + UC_NEWC_FILESIZE] + 3) & ~(uint64_t)3;
		if (nptr > len)
			return false;
		if ((f[1 + UC_NEWC_MODE] & 0170000) == 0100000 &&
		    f[1 + UC_NEWC_NAMESIZE] >= n &&
		    !memcmp(b + p + UC_NEWC_HDR_SIZE, path, n)) {
			*data = dptr;
			*size = f[1 + UC_NEWC_FILESIZE];
			return true;
		}
		p = (size_t)nptr;
	}
	return false;
}

/* Everything an entry claims must be what its bytes say. */
static void check_entry(const uint8_t *b, size_t len, size_t off,
			const struct uc_cpio_entry *e)
{
	size_t name_off = off + UC_NEWC_HDR_SIZE;
	int k = uc_cpio_entry_check(e);

	FUZZ_ASSERT(e->offset == off);
	FUZZ_ASSERT(name_off <= len);
	FUZZ_ASSERT(e->magic == 0x070701 || e->magic == 0x070702);
	FUZZ_ASSERT(e->name == (const char *)b + name_off);
	FUZZ_ASSERT(e->namesize == e->field[UC_NEWC_NAMESIZE]);
	FUZZ_ASSERT(e->filesize == e->field[UC_NEWC_FILESIZE]);
	FUZZ_ASSERT(e->namesize <= len - name_off);
	FUZZ_ASSERT(e->data_offset == fuzz_align4(name_off + e->namesize));
	FUZZ_ASSERT(e->data_offset <= len && e->filesize <= len - e->data_offset);
	FUZZ_ASSERT(e->next == fuzz_align4(e->data_offset + e->filesize));
	FUZZ_ASSERT(e->next <= len && e->next > off);
	FUZZ_ASSERT(e->name_terminated ==
		    (e->namesize && !b[name_off + e->namesize - 1]));

	if (!e->namesize)
		FUZZ_ASSERT(k == -UC_ERR_CPIO_NAMESIZE_ZERO);
	else if (!e->name_terminated)
		FUZZ_ASSERT(k == -UC_ERR_CPIO_NAME_UNTERMINATED);
	else
		FUZZ_ASSERT(k == 0);

	/* name_is: the whole name, NUL included, inside namesize. */
	FUZZ_ASSERT(uc_cpio_is_trailer(e) ==
		    (e->namesize >= sizeof(UC_CPIO_TRAILER) &&
		     !memcmp(e->name, UC_CPIO_TRAILER, sizeof(UC_CPIO_TRAILER))));
	FUZZ_ASSERT(uc_cpio_is_regular(e) ==
		    ((e->field[UC_NEWC_MODE] & 0170000) == 0100000));
}

static bool decode_error(int r)
{
	return r == -UC_ERR_CPIO_TRUNCATED_HEADER || r == -UC_ERR_CPIO_BAD_HEX ||
	       r == -UC_ERR_CPIO_BAD_MAGIC || r == -UC_ERR_CPIO_NAME_PAST_END ||
	       r == -UC_ERR_CPIO_DATA_PAST_END;
}

static void walk(const uint8_t *b, size_t len)
{
	struct uc_cpio_entry e;
	size_t pos = 0, before = 0;
	int r;

	while ((r = uc_cpio_next(b, len, &pos, &e)) > 0) {
		FUZZ_ASSERT(e.offset >= before && e.offset % 4 == 0);
		/* Only NULs, in 4-byte steps, lie between two entries. */
		for (size_t i = before; i < e.offset; i += 4)
			FUZZ_ASSERT(!b[i]);
		check_entry(b, len, e.offset, &e);
		FUZZ_ASSERT(pos == e.next);
		before = pos;
	}
	FUZZ_ASSERT(pos <= len && pos >= before);
	if (r == 0)
		FUZZ_ASSERT(len - pos <= UC_NEWC_HDR_SIZE);
	else
		FUZZ_ASSERT(decode_error(r) && r != -UC_ERR_CPIO_TRUNCATED_HEADER &&
			    b[pos] && len - pos > UC_NEWC_HDR_SIZE);
}

static void find(const uint8_t *b, size_t len, const char *path)
{
	struct uc_cpio_entry e;
	uint64_t data = 0;
	uint32_t size = 0;
	bool model = model_find(b, len, path, &data, &size);
	int r = uc_cpio_find(b, len, path, &e);

	FUZZ_ASSERT(r == 0 || r == -UC_ERR_NOT_FOUND);
	FUZZ_ASSERT((r == 0) == model);
	if (r)
		return;
	FUZZ_ASSERT(e.data_offset == data && e.filesize == size);
	FUZZ_ASSERT(uc_cpio_is_regular(&e));
	FUZZ_ASSERT(uc_cpio_name_is(&e, path) ==
		    (e.namesize > strlen(path) && !e.name[strlen(path)]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	walk(data, size);
	find(data, size, UC_CPIO_PATH_INTEL);
	find(data, size, UC_CPIO_PATH_AMD);
	find(data, size, "kernel/firmware/acpi/");
	find(data, size, "");

	/* Decoding anywhere either fails cleanly or describes real bytes. */
	for (size_t off = 0; off < 8 && off <= size; off++) {
		struct uc_cpio_entry e;
		int r = uc_cpio_decode(data, size, off, &e);

		if (r)
			FUZZ_ASSERT(decode_error(r));
		else
			check_entry(data, size, off, &e);
	}
	FUZZ_ASSERT(uc_cpio_decode(data, size, size + 1, &(struct uc_cpio_entry){ 0 }) ==
		    -UC_ERR_CPIO_TRUNCATED_HEADER);
	return 0;
}
