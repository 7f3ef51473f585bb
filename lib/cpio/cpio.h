/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */
/*
 * newc cpio: header layout, the early-cpio scanner with the exact semantics
 * of the Linux/Xen early loaders (lib/earlycpio.c find_cpio_data), an entry
 * iterator, the end of the leading uncompressed part, and a writer.
 *
 * Freestanding: no allocation, no printing.  Offsets are relative to the
 * caller's buffer, whose start is taken to be 4-byte aligned, as the initrd
 * and the multiboot modules handed to the loaders are.
 */
#ifndef UC_CPIO_H
#define UC_CPIO_H

#include "ucode_env.h"
#include "ucode_err.h"

/* The newc header: a 6-byte magic then 13 fields of 8 hex digits. */
#define UC_NEWC_HDR_SIZE 110
#define UC_NEWC_MAGIC_SIZE 6
#define UC_NEWC_FIELD_SIZE 8

enum uc_newc_field {
	UC_NEWC_INO,
	UC_NEWC_MODE,
	UC_NEWC_UID,
	UC_NEWC_GID,
	UC_NEWC_NLINK,
	UC_NEWC_MTIME,
	UC_NEWC_FILESIZE,
	UC_NEWC_DEVMAJOR,
	UC_NEWC_DEVMINOR,
	UC_NEWC_RDEVMAJOR,
	UC_NEWC_RDEVMINOR,
	UC_NEWC_NAMESIZE,
	UC_NEWC_CHECK,
	UC_NEWC_NFIELDS
};

/* Byte offset of a field inside the header. */
#define UC_NEWC_FIELD_OFF(f) (UC_NEWC_MAGIC_SIZE + UC_NEWC_FIELD_SIZE * (f))

#define UC_CPIO_S_IFMT 0170000u
#define UC_CPIO_S_IFREG 0100000u
#define UC_CPIO_S_IFDIR 0040000u

#define UC_CPIO_TRAILER "TRAILER!!!"

/*
 * The largest namesize (name, NUL and any padding NULs) the kernel's
 * initramfs unpacker takes: PATH_MAX.  It skips an entry with a larger one
 * without creating anything, so the writer refuses to write one.
 */
#define UC_CPIO_NAMESIZE_MAX 4096

/* Where the loaders look for microcode. */
#define UC_CPIO_PATH_INTEL "kernel/x86/microcode/GenuineIntel.bin"
#define UC_CPIO_PATH_AMD "kernel/x86/microcode/AuthenticAMD.bin"

struct uc_cpio_entry {
	size_t offset;       /* of the 110-byte header */
	uint32_t magic;      /* 0x070701 or 0x070702 */
	uint32_t field[UC_NEWC_NFIELDS];
	const char *name;    /* namesize bytes, NUL-terminated only if name_terminated */
	uint32_t namesize;   /* as in the header: includes the NUL */
	bool name_terminated;
	size_t data_offset;  /* of the file data */
	uint32_t filesize;
	size_t next;         /* where the next header may start */
};

/*
 * Decode the header at buf+off exactly as find_cpio_data does.
 * Returns 0, or -UC_ERR_CPIO_TRUNCATED_HEADER, -UC_ERR_CPIO_BAD_HEX,
 * -UC_ERR_CPIO_BAD_MAGIC, -UC_ERR_CPIO_NAME_PAST_END,
 * -UC_ERR_CPIO_DATA_PAST_END (file data, or its padding to 4, overruns).
 */
int uc_cpio_decode(const void *buf, size_t len, size_t off,
		   struct uc_cpio_entry *e);

/*
 * Step the kernel's walk: skip NULs four bytes at a time, then decode.
 * *pos is where to look; on success *pos moves past the entry.
 * Returns 1 with *e filled; 0 when no header can follow (110 bytes or
 * fewer remain: the loaders stop there); -UC_ERR_CPIO_* when the loaders
 * would stop at *pos (non-cpio data such as a compressed image).  On 0 or
 * an error, *pos is where the walk stopped.
 */
int uc_cpio_next(const void *buf, size_t len, size_t *pos,
		 struct uc_cpio_entry *e);

/*
 * The loaders' lookup: the first regular file whose name starts with path
 * (a prefix match: "GenuineIntel.bin.old" matches "GenuineIntel.bin").
 * Returns 0 with *e filled, or -UC_ERR_NOT_FOUND.
 */
int uc_cpio_find(const void *buf, size_t len, const char *path,
		 struct uc_cpio_entry *e);

/*
 * Cheap content test: does buf start with a newc magic (070701 or 070702)?
 * Compressed data, vendor files and zero padding answer false.
 */
bool uc_cpio_probe(const void *buf, size_t len);

/* True when the entry's name is exactly path (NUL right after it). */
bool uc_cpio_name_is(const struct uc_cpio_entry *e, const char *path);

/* True for a regular file, the only kind the loaders take. */
bool uc_cpio_is_regular(const struct uc_cpio_entry *e);

/* True for the TRAILER!!! entry that ends an archive. */
bool uc_cpio_is_trailer(const struct uc_cpio_entry *e);

/*
 * Checks the loaders skip but the kernel's initramfs unpacker and careful
 * tools want: namesize 0, an unterminated name.  Returns 0 or
 * -UC_ERR_CPIO_NAMESIZE_ZERO / -UC_ERR_CPIO_NAME_UNTERMINATED.
 */
int uc_cpio_entry_check(const struct uc_cpio_entry *e);

struct uc_cpio_layout {
	size_t end;         /* just past the last TRAILER!!! (0 if none) */
	size_t tail;        /* first non-NUL byte at or after end, or len */
	unsigned int archives; /* complete archives in [0, end) */
	int stop;           /* why the walk ended: 0 or -UC_ERR_CPIO_* */
	size_t stop_offset; /* where it ended */
	/*
	 * The walk ended inside an archive (entries since the last trailer):
	 * stop, or at the end of the buffer -UC_ERR_CPIO_TRUNCATED_HEADER
	 * (non-NUL bytes too few for a header) or -UC_ERR_CPIO_NO_TRAILER;
	 * else 0.
	 */
	int broken;
};

/*
 * Where the leading uncompressed cpio part of an initrd ends: the walk of
 * uc_cpio_next over the whole buffer, remembering the last archive end.
 * tail is where a compressed main image (or anything else) begins.
 * Always returns 0; the walk's fate is in layout->stop.
 */
int uc_cpio_layout(const void *buf, size_t len, struct uc_cpio_layout *layout);

/*
 * Writer.  Output goes either into a caller buffer or through a callback
 * that returns 0 or a negative error: -UC_ERR_SINK when it could not write
 * (the callback keeps the reason, errno or the like, for its caller).  A
 * full buffer gives -UC_ERR_NOSPACE.  Errors are sticky: after the first,
 * every call returns it and writes nothing more.
 */
typedef int (*uc_cpio_sink)(void *ctx, const void *data, size_t len);

struct uc_cpio_writer {
	uint8_t *buf;        /* buffer mode: destination, cap bytes */
	size_t cap;
	uc_cpio_sink sink;   /* callback mode */
	void *ctx;
	size_t off;          /* bytes produced so far */
	uint32_t next_ino;   /* private: use uc_cpio_writer_take_ino() */
	uint32_t mtime;
	uint64_t pending;    /* data bytes still owed by a streamed file */
	bool in_file;
	int err;
};

void uc_cpio_writer_init_buf(struct uc_cpio_writer *w, void *buf, size_t cap,
			     uint32_t mtime);
void uc_cpio_writer_init_sink(struct uc_cpio_writer *w, uc_cpio_sink sink,
			      void *ctx, uint32_t mtime);

/*
 * The next inode number the writer would give a file (1, 2, 3 … in write
 * order), taken for the caller's own use, such as uc_cpio_begin_copy():
 * copied and new entries then never share one.
 */
uint32_t uc_cpio_writer_take_ino(struct uc_cpio_writer *w);

/* A directory entry (mode 040755, nlink 2, uid/gid 0). */
int uc_cpio_write_dir(struct uc_cpio_writer *w, const char *name);

/*
 * A regular file (mode 0100644).  With align > 4 (a power of two) the name
 * field is extended with NULs so the data starts at a multiple of align from
 * the start of the output; loaders match names by prefix, so the padded name
 * still matches.  The entries written here, as those of begin_file and
 * write_dir, give -UC_ERR_CPIO_NAME_TOO_LONG when the name with its NUL
 * and padding would exceed UC_CPIO_NAMESIZE_MAX.
 */
int uc_cpio_write_file(struct uc_cpio_writer *w, const char *name,
		       const void *data, size_t size, unsigned int align);

/*
 * A file whose data the caller streams itself: writes the header and name,
 * then the caller calls uc_cpio_write_data() for exactly size bytes, then
 * uc_cpio_end_file() for the padding.
 */
int uc_cpio_begin_file(struct uc_cpio_writer *w, const char *name,
		       uint32_t mode, uint64_t size, unsigned int align);
int uc_cpio_write_data(struct uc_cpio_writer *w, const void *data, size_t len);
int uc_cpio_end_file(struct uc_cpio_writer *w);

/*
 * Copy an entry of another archive: magic and every field as in e (the
 * 070702 checksum stays right when the data is copied unchanged), the name
 * with its namesize, except the inode, which the caller chooses so that
 * hard links stay linked and entries of merged archives do not collide.
 * The caller streams e->filesize bytes, then calls uc_cpio_end_file().
 * -UC_ERR_CPIO_NAMESIZE_ZERO / -UC_ERR_CPIO_NAME_UNTERMINATED for entries
 * the kernel's unpacker would refuse.
 */
int uc_cpio_begin_copy(struct uc_cpio_writer *w, const struct uc_cpio_entry *e,
		       uint32_t ino);

/* TRAILER!!!, then zeros up to a multiple of pad_to (0 or a multiple of 4). */
int uc_cpio_write_trailer(struct uc_cpio_writer *w, unsigned int pad_to);

/* Bytes an entry would take, for sizing a buffer: header+name+data+pads. */
size_t uc_cpio_entry_size(size_t off, size_t namelen, size_t size,
			  unsigned int align);

#endif /* UC_CPIO_H */
