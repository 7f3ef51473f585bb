// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: uc_cpio_layout, the core's account of where an initrd's
 * early part ends, and uc_cpio_begin_copy, with which `--prepend` and
 * `strip` keep the early members that are not microcode (mkucode/image.c
 * finds the early part with its own walk of uc_cpio_next, which fuzz-cpio
 * covers).  The input is an initrd.  Checks the layout
 * against its definition (cpio.h): end just past the last TRAILER!!! the
 * loaders' walk meets, tail the first non-NUL byte from there, the archive
 * count, why and where the walk stopped, whether it stopped inside an
 * archive; and that cutting the image at end gives the same early part
 * again, which is what putting a new early cpio in front relies on; and
 * that every member of the early part, copied, reads back as itself (but
 * for the inode).
 */
#include <string.h>

#include "fuzz.h"
#include "cpio/cpio.h"

/* Copy every member of buf[0, end) but the trailers; each copy reads back. */
static void copy_members(const uint8_t *buf, size_t end)
{
	size_t cap = end + 256, pos = 0;
	uint8_t *out = malloc(cap);
	struct uc_cpio_writer w;
	struct uc_cpio_entry e, c;
	uint32_t ino = 1;

	if (!out)
		return;
	uc_cpio_writer_init_buf(&w, out, cap, 0);
	while (uc_cpio_next(buf, end, &pos, &e) > 0) {
		size_t at = w.off;
		int r;

		if (uc_cpio_is_trailer(&e))
			continue;
		r = uc_cpio_begin_copy(&w, &e, ino);
		FUZZ_ASSERT(r == uc_cpio_entry_check(&e));
		if (r) {
			/* The writer's errors are sticky: start afresh. */
			uc_cpio_writer_init_buf(&w, out, cap, 0);
			continue;
		}
		FUZZ_ASSERT(!uc_cpio_write_data(&w, buf + e.data_offset, e.filesize));
		FUZZ_ASSERT(!uc_cpio_end_file(&w));

		FUZZ_ASSERT(!uc_cpio_decode(out, w.off, at, &c));
		FUZZ_ASSERT(c.magic == e.magic && c.next == w.off);
		for (unsigned int f = 0; f < UC_NEWC_NFIELDS; f++)
			FUZZ_ASSERT(c.field[f] == (f == UC_NEWC_INO ? ino : e.field[f]));
		FUZZ_ASSERT(c.name_terminated && !strcmp(c.name, e.name));
		FUZZ_ASSERT(!memcmp(out + c.data_offset, buf + e.data_offset, e.filesize));
		ino++;
	}
	FUZZ_ASSERT(!uc_cpio_write_trailer(&w, 4));
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct uc_cpio_layout l, again;
	struct uc_cpio_entry e;
	size_t pos = 0, end = 0;
	unsigned int archives = 0;
	bool inside = false;
	int r;

	FUZZ_ASSERT(uc_cpio_layout(data, size, &l) == 0);

	FUZZ_ASSERT(l.end <= l.tail && l.tail <= size);
	FUZZ_ASSERT(l.end % 4 == 0);
	FUZZ_ASSERT((l.archives == 0) == (l.end == 0));
	for (size_t i = l.end; i < l.tail; i++)
		FUZZ_ASSERT(!data[i]);
	FUZZ_ASSERT(l.tail == size || data[l.tail]);
	FUZZ_ASSERT(l.stop_offset <= size && l.stop_offset >= l.end);
	FUZZ_ASSERT(l.stop == 0 || fuzz_is_error(l.stop));
	FUZZ_ASSERT(l.broken == 0 || fuzz_is_error(l.broken));

	/* The same walk, step by step. */
	while ((r = uc_cpio_next(data, size, &pos, &e)) > 0) {
		inside = !uc_cpio_is_trailer(&e);
		if (!inside) {
			end = e.next;
			archives++;
		}
	}
	FUZZ_ASSERT(l.end == end && l.archives == archives);
	FUZZ_ASSERT(l.stop == r && l.stop_offset == pos);
	FUZZ_ASSERT(!l.broken == !inside);
	if (l.broken && r) {
		FUZZ_ASSERT(l.broken == r);
	} else if (l.broken) {
		/* Out of room for a header: was there one, cut short? */
		bool cut = false;

		for (size_t i = pos; i < size; i++)
			cut |= data[i] != 0;
		FUZZ_ASSERT(l.broken == (cut ? -UC_ERR_CPIO_TRUNCATED_HEADER
					     : -UC_ERR_CPIO_NO_TRAILER));
	}

	/* The early part on its own is whole and ends where it did. */
	if (l.end) {
		FUZZ_ASSERT(uc_cpio_layout(data, l.end, &again) == 0);
		FUZZ_ASSERT(again.end == l.end && again.tail == l.end);
		FUZZ_ASSERT(again.archives == l.archives && !again.broken);
		copy_members(data, l.end);
	}
	return 0;
}
