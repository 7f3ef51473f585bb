// SPDX-License-Identifier: GPL-2.0-or-later
/* Gathering: sources in, one ucode_set out.  Content decides, not names. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpio/cpio.h"
#include "domain/decompress.h"
#include "domain/early.h"
#include "domain/ucode.h"
#include "util/diag.h"
#include "util/alloc.h"
#include "util/fileio.h"
#include "vendor/amd.h"
#include "validate/check.h"
#include "vendor/dat.h"
#include "vendor/intel.h"

/* Decompressed microcode is small; anything this big is not firmware. */
#define DECOMPRESS_LIMIT ((size_t)256 << 20)

const char *const default_sources[] = {
	"/lib/firmware/intel-ucode",
	"/lib/firmware/amd-ucode",
	"/usr/lib/firmware/intel-ucode",
	"/usr/lib/firmware/amd-ucode",
	"/usr/share/misc/intel-microcode*",
	NULL,
};

static struct ucode_item *new_item(struct ucode_set *set)
{
	struct ucode_item *it;

	grow(&set->items, &set->cap, set->n + 1, sizeof(*set->items));
	it = &set->items[set->n];
	memset(it, 0, sizeof(*it));
	it->order = set->n++;
	return it;
}

struct source {
	const char *name;        /* as shown in messages and listings */
	bool decompressed;
	size_t base;             /* offset of these bytes in the file */
	struct diags *d;         /* where what is wrong goes */
};

/* The core's error err at off: an error, or with --ignore-broken a warning
 * (and the caller keeps what came before). */
static int broken(const struct gather_opts *o, const struct source *s,
		  size_t off, int err)
{
	bool ignore = o->ignore_broken;

	diag_add(s->d, ignore ? DIAG_WARNING : DIAG_ERROR, s->name, s->base + off,
		 err, 0, "%s%s%s", uc_strerror(err),
		 s->decompressed ? " (offset in the decompressed data)" : "",
		 ignore ? ", ignoring the rest of the file" : "");
	return ignore ? 0 : -1;
}

static int add_intel(struct ucode_set *set, const uint8_t *b, size_t len,
		     const struct source *s, const struct gather_opts *o)
{
	struct uc_intel_update u;
	size_t pos = 0;
	int k;

	while ((k = uc_intel_next(b, len, &pos, UC_STRICT, &u)) > 0) {
		struct ucode_item *it = new_item(set);

		it->vendor = UC_VENDOR_INTEL;
		it->data = u.hdr;
		it->size = u.total_size;
		it->sig = u.sig;
		it->pf = u.pf;
		it->rev = u.rev;
		it->date = u.date;
		it->intel = u;
		it->source = s->name;
		it->offset = s->base + (size_t)(u.hdr - b);
		it->decompressed = s->decompressed;
	}
	return k < 0 ? broken(o, s, pos, k) : 0;
}

static void add_amd_patch(struct ucode_set *set, const struct uc_amd_container *ct,
			  const struct uc_amd_patch *p, const uint8_t *b,
			  const struct source *s)
{
	struct ucode_item *it = new_item(set);
	uint32_t sig;

	it->vendor = UC_VENDOR_AMD;
	it->data = p->hdr;
	it->size = p->size;
	it->rev = p->patch_id;
	it->date = p->date;
	it->equiv_id = p->equiv_id;
	it->family = uc_amd_patch_family(p);
	it->equiv = ct->equiv;
	it->equiv_len = ct->equiv_len;
	it->source = s->name;
	it->offset = s->base + (size_t)(p->hdr - b);
	if (ucode_amd_cpus(it, &sig, 1))
		it->sig = sig;
	else if (it->family >= 0x17)
		it->sig = uc_amd_zen_sig(p->patch_id);
}

static int add_amd(struct ucode_set *set, const uint8_t *b, size_t len,
		   const struct source *s, const struct gather_opts *o)
{
	struct uc_amd_container ct;
	struct uc_amd_patch p;
	size_t pos = 0, start = 0, pp;
	int k;

	while ((k = uc_amd_next_container(b, len, &pos, UC_STRICT, &ct)) > 0) {
		for (pp = ct.patches; uc_amd_next_patch(&ct, &pp, &p) > 0;)
			add_amd_patch(set, &ct, &p, b, s);
		start = pos;
	}
	if (k >= 0)
		return 0;
	/* Keep the good patches before a bad section, when asked to. */
	if (o->ignore_broken &&
	    !uc_amd_open(b + start, len - start, UC_STRICT, &ct)) {
		for (pp = ct.patches; uc_amd_next_patch(&ct, &pp, &p) > 0 &&
				      start + pp <= pos;)
			add_amd_patch(set, &ct, &p, b, s);
	}
	return broken(o, s, pos, k);
}

static int add_raw(struct ucode_set *set, const uint8_t *b, size_t len,
		   const struct source *s, const struct gather_opts *o,
		   bool *recognised);

/* An early cpio or whole initrd: take the files the loaders would take. */
static int add_cpio(struct ucode_set *set, const uint8_t *b, size_t len,
		    const struct source *s, const struct gather_opts *o)
{
	static const char *const paths[] = { UC_CPIO_PATH_INTEL, UC_CPIO_PATH_AMD };
	bool any = false;
	size_t bad_off = len;
	int k;

	/* A broken archive is no "archive without microcode". */
	k = uc_check_cpio(b, len, &bad_off);
	if (k && broken(o, s, bad_off, k))
		return -1;
	for (int i = 0; i < 2; i++) {
		struct uc_cpio_entry e;
		struct source member;
		bool recognised = false;

		if (uc_cpio_find(b, len, paths[i], &e) || (k && e.offset >= bad_off))
			continue;
		any = true;
		member.name = ucode_set_own(set, xasprintf("%s:%s", s->name, paths[i]));
		member.decompressed = s->decompressed;
		member.base = s->base + e.data_offset;
		member.d = s->d;
		if (add_raw(set, b + e.data_offset, e.filesize, &member, o,
			    &recognised))
			return -1;
		if (!recognised && e.filesize &&
		    broken(o, &member, 0, i ? -UC_ERR_AMD_BAD_MAGIC
					    : -UC_ERR_INTEL_HEADER_VERSION))
			return -1;
	}
	if (!any && !k)
		diag_note(s->d, s->name, "cpio archive without early microcode, skipped");
	return 0;
}

static int add_raw(struct ucode_set *set, const uint8_t *b, size_t len,
		   const struct source *s, const struct gather_opts *o,
		   bool *recognised)
{
	size_t need, err_off;
	uint8_t *bin;
	int k;

	*recognised = true;
	if (uc_cpio_probe(b, len))
		return add_cpio(set, b, len, s, o);
	if (uc_amd_probe(b, len))
		return add_amd(set, b, len, s, o);
	if (uc_intel_probe(b, len))
		return add_intel(set, b, len, s, o);
	if (uc_intel_dat_probe((const char *)b, len)) {
		k = uc_intel_dat_decode((const char *)b, len, NULL, 0, &need,
					&err_off);
		if (k)
			return broken(o, s, err_off, k);
		bin = ucode_set_own(set, xmalloc(need));
		k = uc_intel_dat_decode((const char *)b, len, bin, need, &need,
					&err_off);
		if (k)
			return broken(o, s, err_off, k);
		/* Offsets now count bytes of the decoded binary. */
		return add_intel(set, bin, need, s, o);
	}
	*recognised = false;
	return 0;
}

/*
 * What a SOURCE may hold.  Vendor files are well under 1 MiB; anything
 * bigger is no firmware, and a sparse or device-sized file must not be
 * read whole.  An initrd is read only up to where the loaders stop.
 */
#define SOURCE_MAX ((size_t)64 << 20)

/*
 * The bytes of a SOURCE that matter, kept alive by set: 0 with *data set,
 * 0 with *data NULL when the file is skipped (a warning says why), or -1
 * after an error.
 */
static int read_source(struct ucode_set *set, const char *path, uint8_t **data,
		       size_t *len, struct diags *d)
{
	uint8_t head[8];
	struct stat st;
	ssize_t got;
	size_t mapped;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*data = NULL;
	if (fd < 0)
		return diag_sys(d, path, errno, "cannot read");
	got = fstat(fd, &st) ? -1 : pread(fd, head, sizeof(head), 0);
	close(fd);
	if (got < 0)
		return diag_sys(d, path, errno, "cannot read");
	if (uc_cpio_probe(head, (size_t)got)) {
		static const struct early_opts opts = { true, SOURCE_MAX };
		struct early_part ep;
		struct diags why = { 0 };
		int k = early_read(&ep, &path, 1, &opts, &why);

		if (k == EARLY_TOO_BIG) {
			diag_warning(d, path, "%jd bytes whose leading cpio part is more "
				     "than the %zu MiB a microcode source may be; skipped",
				     (intmax_t)st.st_size, SOURCE_MAX >> 20);
			diags_free(&why);
			return 0;
		}
		diag_move(d, &why);
		if (k)
			return -1;
		/* The bytes up to where the loaders stop, offsets the file's. */
		*data = ucode_set_own(set, ep.buf);
		*len = ep.len;
		ep.buf = NULL;
		early_free(&ep);
		return 0;
	}
	if ((uintmax_t)st.st_size > SOURCE_MAX) {
		diag_warning(d, path, "%jd bytes, more than the %zu MiB a microcode "
			     "source may be; skipped", (intmax_t)st.st_size,
			     SOURCE_MAX >> 20);
		return 0;
	}
	if (map_file(path, data, len, &mapped, d))
		return -1;
	if (mapped) {
		grow(&set->maps, &set->cap_maps, set->n_maps + 1, sizeof(*set->maps));
		set->maps[set->n_maps++] = (struct ucode_mapping){ *data, mapped };
	} else {
		ucode_set_own(set, *data);
	}
	return 0;
}

/* Decompression's error about path: as it is, or with --ignore-broken a
 * warning (the file is skipped). */
static int broken_compressed(const struct gather_opts *o, struct diags *d,
			     const struct diags *why)
{
	for (size_t i = 0; i < why->n; i++) {
		const struct diag *g = &why->v[i];

		diag_add(d, o->ignore_broken ? DIAG_WARNING : g->level, g->file,
			 g->offset, g->code, g->sys, "%s%s", g->text,
			 o->ignore_broken ? ", ignoring it" : "");
	}
	return o->ignore_broken ? 0 : -1;
}

/* The bytes of one file (path names it), decompressed when they are. */
static int gather_bytes(struct ucode_set *set, const char *path, uint8_t *data,
			size_t len, const struct gather_opts *o, struct diags *d)
{
	struct source s = { .name = path, .d = d };
	enum compression c;
	uint8_t *plain;
	size_t plain_len;
	bool recognised;

	c = compression_detect(data, len);
	if (c != COMPRESSION_NONE) {
		struct diags why = { 0 };
		int r;

		if (decompress(data, len, c, DECOMPRESS_LIMIT, &plain, &plain_len,
			       path, &why)) {
			r = broken_compressed(o, d, &why);
			diags_free(&why);
			return r;
		}
		ucode_set_own(set, plain);
		data = plain;
		len = plain_len;
		s.decompressed = true;
	}
	if (add_raw(set, data, len, &s, o, &recognised))
		return -1;
	if (!recognised)
		diag_note(d, path, "not microcode, skipped");
	return 0;
}

static int gather_file(struct ucode_set *set, const char *path,
		       const struct gather_opts *o, struct diags *d)
{
	uint8_t *data;
	size_t len;

	if (read_source(set, path, &data, &len, d))
		return -1;
	if (!data)
		return 0;
	return gather_bytes(set, path, data, len, o, d);
}

/*
 * A pipe, or "-": standard input.  Read to its end (no mapping), at most
 * DECOMPRESS_LIMIT bytes: a stream has no size to check first.
 */
static int gather_stream(struct ucode_set *set, const char *path,
			 const struct gather_opts *o, struct diags *d)
{
	bool stdin_ = !strcmp(path, "-");
	const char *name = stdin_ ? "standard input" : path;
	int fd = stdin_ ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;

	if (fd < 0)
		return diag_sys(d, path, errno, "cannot open");
	for (;;) {
		size_t want;
		ssize_t r;

		if (n > DECOMPRESS_LIMIT) {
			free(buf);
			if (!stdin_)
				close(fd);
			return diag_error(d, name, "more than %zu MiB: not microcode",
					  DECOMPRESS_LIMIT >> 20);
		}
		if (n == cap)
			grow(&buf, &cap, n + 65536, 1);
		/* One byte past the limit is enough to know. */
		want = cap - n;
		if (want > DECOMPRESS_LIMIT + 1 - n)
			want = DECOMPRESS_LIMIT + 1 - n;
		r = read(fd, buf + n, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(buf);
			if (!stdin_)
				close(fd);
			return diag_add(d, DIAG_ERROR, name, n, 0, e, "read error");
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	if (!stdin_)
		close(fd);
	ucode_set_own(set, buf ? buf : (buf = xmalloc(1)));
	return gather_bytes(set, name, buf, n, o, d);
}

struct dir_entry {
	char *path;
	bool regular;           /* readdir says so: no stat() needed */
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dir_entry *)a)->path,
		      ((const struct dir_entry *)b)->path);
}

static int gather_path(struct ucode_set *set, const char *path,
		       const struct gather_opts *o, struct diags *d);

/* A directory's entries in byte order, dot files skipped, subdirectories too. */
static int gather_dir(struct ucode_set *set, const char *path,
		      const struct gather_opts *o, struct diags *d)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	struct dir_entry *ents = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (!dir)
		return diag_sys(d, path, errno, "cannot read the directory");
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		grow(&ents, &cap, n + 1, sizeof(*ents));
		ents[n].path = xasprintf("%s/%s", path, de->d_name);
		ents[n++].regular = de->d_type == DT_REG;
	}
	closedir(dir);
	qsort(ents, n, sizeof(*ents), entry_cmp);
	for (size_t i = 0; i < n; i++) {
		if (r) {
			free(ents[i].path);
			continue;
		}
		ucode_set_own(set, ents[i].path);
		r = ents[i].regular ? gather_file(set, ents[i].path, o, d)
				    : gather_path(set, ents[i].path, o, d);
	}
	free(ents);
	return r;
}

static int gather_path(struct ucode_set *set, const char *path,
		       const struct gather_opts *o, struct diags *d)
{
	struct stat st;

	if (!strcmp(path, "-"))
		return gather_stream(set, path, o, d);
	if (stat(path, &st))
		return diag_sys(d, path, errno, "cannot read");
	if (S_ISDIR(st.st_mode))
		return gather_dir(set, path, o, d);
	/* /dev/stdin and other pipes named on the command line. */
	if (S_ISFIFO(st.st_mode))
		return gather_stream(set, path, o, d);
	if (!S_ISREG(st.st_mode)) {
		diag_note(d, path, "not a regular file, skipped");
		return 0;
	}
	return gather_file(set, path, o, d);
}

/* The default locations that exist, each real directory or file once. */
static char **default_paths(struct ucode_set *set, const char *root, int *n)
{
	char **out = NULL, **real = NULL;
	size_t cap = 0, rcap = 0;
	int count = 0;

	for (const char *const *d = default_sources; *d; d++) {
		char *pattern = xasprintf("%s%s", root ? root : "", *d);
		glob_t g;
		int r = glob(pattern, 0, NULL, &g);

		free(pattern);
		if (r)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			char *rp = realpath(g.gl_pathv[i], NULL);
			bool seen = false;

			if (!rp)
				continue;
			for (int j = 0; j < count; j++)
				seen |= !strcmp(real[j], rp);
			if (seen) {
				free(rp);
				continue;
			}
			grow(&real, &rcap, (size_t)count + 1, sizeof(*real));
			grow(&out, &cap, (size_t)count + 1, sizeof(*out));
			real[count] = ucode_set_own(set, rp);
			out[count++] = ucode_set_own(set, xstrdup(g.gl_pathv[i]));
		}
		globfree(&g);
	}
	free(real);
	*n = count;
	return ucode_set_own(set, out ? out : xmalloc(sizeof(char *)));
}

int gather(struct ucode_set *set, char **sources, int n_sources,
	   const struct gather_opts *opts, struct diags *d)
{
	if (!n_sources) {
		sources = default_paths(set, opts->root, &n_sources);
		if (!n_sources)
			diag_note(d, NULL, "no system firmware directories found");
	}
	for (int i = 0; i < n_sources; i++)
		if (gather_path(set, sources[i], opts, d))
			return -1;
	return 0;
}
