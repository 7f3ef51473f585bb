// SPDX-License-Identifier: GPL-2.0-or-later
/* Vendor files and the early cpio, built from the selection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpio/cpio.h"
#include "domain/emit.h"
#include "util/diag.h"
#include "util/alloc.h"
#include "util/fileio.h"
#include "util/fdout.h"
#include "util/replace.h"
#include "vendor/amd.h"
#include "validate/check.h"

/* A growing byte buffer for the AMD containers we build. */
struct bytes {
	uint8_t *data;
	size_t len, cap;
};

static void append(struct bytes *o, const void *p, size_t n)
{
	grow(&o->data, &o->cap, o->len + n, 1);
	memcpy(o->data + o->len, p, n);
	o->len += n;
}

static void append_le32(struct bytes *o, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	append(o, b, 4);
}

static void add_piece(struct blob_out *b, const void *data, size_t len)
{
	grow(&b->pieces, &b->cap, b->n + 1, sizeof(*b->pieces));
	b->pieces[b->n++] = (struct piece){ data, len };
	b->len += len;
}

void blob_free(struct blob_out *b)
{
	free(b->pieces);
	free(b->owned);
	memset(b, 0, sizeof(*b));
}

static int intel_order(const void *pa, const void *pb)
{
	const struct ucode_item *a = *(const struct ucode_item *const *)pa;
	const struct ucode_item *b = *(const struct ucode_item *const *)pb;

	if (a->sig != b->sig)
		return a->sig < b->sig ? -1 : 1;
	/* Wider platform masks first, as iucode_tool writes them. */
	if (a->pf != b->pf)
		return a->pf > b->pf ? -1 : 1;
	return a->rev < b->rev ? -1 : a->rev > b->rev;
}

static int amd_order(const void *pa, const void *pb)
{
	const struct ucode_item *a = *(const struct ucode_item *const *)pa;
	const struct ucode_item *b = *(const struct ucode_item *const *)pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return a->equiv_id < b->equiv_id ? -1 : a->equiv_id > b->equiv_id;
}

struct equiv_entry {
	uint8_t raw[UC_AMD_EQUIV_ENTRY_SIZE];
};

/* Add the wanted table entries for patch it; -1 on a conflicting mapping. */
static int add_equiv(const struct ucode_item *it, const struct selection *sel,
		     struct equiv_entry **tab, size_t *n, size_t *cap,
		     struct diags *d)
{
	bool any = false;

	for (uint32_t off = 0; off + UC_AMD_EQUIV_ENTRY_SIZE <= it->equiv_len;
	     off += UC_AMD_EQUIV_ENTRY_SIZE) {
		const uint8_t *e = it->equiv + off;
		uint32_t cpu = uc_le32(e);
		bool dup = false;

		if (!cpu || uc_amd_equiv_entry_id(e) != it->equiv_id ||
		    !selection_wants_amd_cpu(sel, cpu))
			continue;
		any = true;
		for (size_t i = 0; i < *n; i++) {
			if (uc_le32((*tab)[i].raw) != cpu)
				continue;
			if (uc_amd_equiv_entry_id((*tab)[i].raw) != it->equiv_id)
				return diag_error(d, it->source, "CPU %#010x is "
						  "mapped to equivalence ids %#06x "
						  "and %#06x by different containers",
						  cpu, uc_amd_equiv_entry_id((*tab)[i].raw),
						  it->equiv_id);
			dup = true;
		}
		if (dup)
			continue;
		grow(tab, cap, *n + 1, sizeof(**tab));
		memcpy((*tab)[(*n)++].raw, e, UC_AMD_EQUIV_ENTRY_SIZE);
	}
	/* A Zen patch chosen by the CPUID in its id, missing from the table. */
	if (!any && it->family >= 0x17) {
		struct equiv_entry e = { { 0 } };
		uint32_t sig = uc_amd_zen_sig(it->rev);

		uc_put_le32(e.raw, sig);
		e.raw[12] = (uint8_t)it->equiv_id;
		e.raw[13] = (uint8_t)(it->equiv_id >> 8);
		grow(tab, cap, *n + 1, sizeof(**tab));
		(*tab)[(*n)++] = e;
	}
	return 0;
}

static int emit_amd(struct ucode_item **items, size_t n,
		    const struct selection *sel, struct bytes *out,
		    struct diags *d)
{
	qsort(items, n, sizeof(*items), amd_order);
	for (size_t start = 0, end; start < n; start = end) {
		struct equiv_entry *tab = NULL;
		size_t ntab = 0, tcap = 0;

		for (end = start; end < n && items[end]->family == items[start]->family;)
			end++;
		for (size_t i = start; i < end; i++)
			if (add_equiv(items[i], sel, &tab, &ntab, &tcap, d)) {
				free(tab);
				return -1;
			}
		append_le32(out, UC_AMD_MAGIC);
		append_le32(out, UC_AMD_TYPE_EQUIV);
		append_le32(out, (uint32_t)((ntab + 1) * UC_AMD_EQUIV_ENTRY_SIZE));
		if (ntab)
			append(out, tab, ntab * sizeof(*tab));
		append(out, (uint8_t[UC_AMD_EQUIV_ENTRY_SIZE]){ 0 },
		       UC_AMD_EQUIV_ENTRY_SIZE);
		free(tab);
		for (size_t i = start; i < end; i++) {
			append_le32(out, UC_AMD_TYPE_PATCH);
			append_le32(out, items[i]->size);
			append(out, items[i]->data, items[i]->size);
		}
	}
	return 0;
}

int emit_vendor_file(const struct ucode_set *set, const struct selection *sel,
		     enum uc_vendor v, struct blob_out *out, struct diags *d)
{
	struct ucode_item **items = xmalloc((set->n + 1) * sizeof(*items));
	size_t n = 0;
	int r = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < set->n; i++)
		if (set->items[i].selected && set->items[i].vendor == v)
			items[n++] = &set->items[i];
	if (v == UC_VENDOR_AMD) {
		struct bytes amd = { 0 };

		r = emit_amd(items, n, sel, &amd, d);
		out->owned = amd.data;
		if (!r && amd.len)
			add_piece(out, amd.data, amd.len);
	} else {
		qsort(items, n, sizeof(*items), intel_order);
		for (size_t i = 0; i < n; i++)
			add_piece(out, items[i]->data, items[i]->size);
	}
	free(items);
	if (r)
		blob_free(out);
	return r;
}

struct written_check {
	size_t upto;       /* issues past this offset are not ours */
	const char *file;
	struct diags *d;
	unsigned int bad;
};

/* Xen 4.17's cap on family 1Ah patches is its limit, not our mistake. */
static void report_internal(void *ctx, const struct uc_issue *is)
{
	struct written_check *c = ctx;

	if (is->consumer == UC_XEN_4_17 && is->err == -UC_ERR_AMD_PATCH_TOO_BIG)
		return;
	if (is->offset >= c->upto)
		return;
	c->bad++;
	diag_add(c->d, DIAG_ERROR, c->file, is->offset, is->err, 0,
		 "internal error: what was written fails its own check: %s",
		 uc_strerror(is->err));
}

static void write_vendor(struct uc_cpio_writer *w, const char *name,
			 const struct blob_out *b, unsigned int align)
{
	if (!b || !b->len)
		return;
	uc_cpio_begin_file(w, name, UC_CPIO_S_IFREG | 0644, b->len, align);
	for (size_t i = 0; i < b->n; i++)
		uc_cpio_write_data(w, b->pieces[i].data, b->pieces[i].len);
	uc_cpio_end_file(w);
}

int emit_microcode_members(struct uc_cpio_writer *w, const struct blob_out *intel,
			   const struct blob_out *amd)
{
	uc_cpio_write_dir(w, "kernel");
	uc_cpio_write_dir(w, "kernel/x86");
	uc_cpio_write_dir(w, "kernel/x86/microcode");
	write_vendor(w, UC_CPIO_PATH_AMD, amd, 4);
	write_vendor(w, UC_CPIO_PATH_INTEL, intel, 16);
	return w->err;
}

unsigned int check_written(const void *buf, size_t len, size_t upto,
			   const char *file, struct diags *d)
{
	struct written_check c = { .upto = upto, .file = file, .d = d };

	uc_check_image(buf, len, report_internal, &c);
	return c.bad;
}

struct early_job {
	const struct blob_out *intel, *amd;
	uint32_t mtime;
	const char *path;
	struct diags *d;
};

/* The early cpio going out: the blobs' pieces are referenced, not copied. */
struct early_out {
	struct fd_out o;
	const struct blob_out *intel, *amd;
	size_t next_intel, next_amd;    /* the piece each blob writes next */
};

/* Is [data, data + len) piece *i of b, which lives as long as b? */
static bool next_piece(const struct blob_out *b, size_t *i, const void *data,
		       size_t len)
{
	if (!b || *i >= b->n || b->pieces[*i].data != data ||
	    b->pieces[*i].len != len)
		return false;
	++*i;
	return true;
}

static int early_sink(void *ctx, const void *data, size_t len)
{
	struct early_out *e = ctx;
	bool stays = next_piece(e->intel, &e->next_intel, data, len) ||
		     next_piece(e->amd, &e->next_amd, data, len);

	return (stays ? fd_out_put_ref(&e->o, data, len)
		      : fd_out_put(&e->o, data, len)) ? -UC_ERR_SINK : 0;
}

static int produce_early(int fd, void *ctx)
{
	struct early_job *job = ctx;
	struct early_out e = { .intel = job->intel, .amd = job->amd };
	struct uc_cpio_writer w;
	int r;

	fd_out_init(&e.o, fd);
	uc_cpio_writer_init_sink(&w, early_sink, &e, job->mtime);
	emit_microcode_members(&w, job->intel, job->amd);
	uc_cpio_write_trailer(&w, 512);
	r = fd_out_finish(&e.o);
	if (r)
		return errno;
	if (w.err)
		return diag_error(job->d, NULL, "cannot build the early cpio: %s",
				  uc_strerror(w.err));
	return 0;
}

/* What we write must pass the check `mkucode verify` applies. */
static int verify_early(const void *data, size_t len, void *ctx)
{
	const struct early_job *job = ctx;

	return check_written(data, len, len, job->path, job->d) ? -1 : 0;
}

int write_early_cpio(struct replacement *out, const struct blob_out *intel,
		     const struct blob_out *amd, uint32_t mtime)
{
	struct early_job job = { intel, amd, mtime, out->path, out->d };

	return replace_write(out, produce_early, verify_early, &job);
}
