// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ucscan: the core's view of real files, as JSON, for the tests that hold
 * it against independent tools (iucode_tool, GNU cpio, a Python walker).
 *
 *   ucscan intel FILE...   every update, per file counts, uniqueness,
 *                          (sig, pf) pairs, and each loader's choice for
 *                          every signature and platform id over the lot
 *   ucscan amd FILE...     containers and patches per file, strict walk
 *   ucscan cpio FILE...    members, lookups, layout and validator issues
 *   ucscan write OUT INTEL AMD   an early cpio by the core's writer
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpio/cpio.h"
#include "vendor/amd.h"
#include "validate/check.h"
#include "vendor/intel.h"
#include "loaders/load.h"

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f) {
		perror(path);
		exit(1);
	}
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	*len = n;
	return buf;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

struct blob {
	const uint8_t *p;
	size_t n;
};

static int blob_cmp(const void *a, const void *b)
{
	const struct blob *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return memcmp(x->p, y->p, x->n);
}

struct pair {
	uint32_t sig, pf;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->sig != y->sig)
		return x->sig < y->sig ? -1 : 1;
	return x->pf < y->pf ? -1 : x->pf > y->pf;
}

static int scan_intel(int argc, char **argv)
{
	struct blob *blobs = NULL;
	struct pair *pairs = NULL;
	size_t nblobs = 0, npairs = 0, all_len = 0, unique = 0;
	unsigned char *all = NULL;
	int bad = 0;

	printf("{\n \"files\": {");
	for (int i = 0; i < argc; i++) {
		size_t len, pos = 0;
		unsigned char *buf = slurp(argv[i], &len);
		struct uc_intel_update u;
		unsigned int count = 0;
		int k;

		while ((k = uc_intel_next(buf, len, &pos, UC_STRICT, &u)) > 0) {
			blobs = realloc(blobs, (nblobs + 1) * sizeof(*blobs));
			pairs = realloc(pairs, (npairs + uc_intel_nsigs(&u)) *
						       sizeof(*pairs));
			blobs[nblobs++] = (struct blob){ u.hdr, u.total_size };
			for (uint32_t s = 0; s < uc_intel_nsigs(&u); s++) {
				uc_intel_sig(&u, s, &pairs[npairs].sig,
					     &pairs[npairs].pf);
				npairs++;
			}
			count++;
		}
		if (k < 0) {
			fprintf(stderr, "%s: offset %#zx: %s\n", argv[i], pos,
				uc_strerror(k));
			bad++;
		}
		printf("%s\n  \"%s\": %u", i ? "," : "", base(argv[i]), count);
		/* The concatenation of all files, as a GenuineIntel.bin. */
		all = realloc(all, all_len + len);
		memcpy(all + all_len, buf, len);
		all_len += len;
		/* buf stays alive: blobs point into it. */
	}
	qsort(blobs, nblobs, sizeof(*blobs), blob_cmp);
	for (size_t i = 0; i < nblobs; i++)
		unique += !i || blob_cmp(&blobs[i - 1], &blobs[i]);
	qsort(pairs, npairs, sizeof(*pairs), pair_cmp);
	printf("\n },\n \"blobs_total\": %zu,\n \"blobs_unique\": %zu,\n"
	       " \"errors\": %d,\n \"signatures\": [", nblobs, unique, bad);
	for (size_t i = 0, out = 0; i < npairs; i++) {
		if (i && !pair_cmp(&pairs[i - 1], &pairs[i]))
			continue;
		printf("%s[\"0x%08x\", \"0x%02x\"]", out++ ? ", " : "",
		       pairs[i].sig, pairs[i].pf);
	}
	/* Every loader's choice per signature and platform id, from rev 0. */
	printf("],\n \"choices\": {");
	for (size_t i = 0, out = 0; i < npairs; i++) {
		if (i && pairs[i - 1].sig == pairs[i].sig)
			continue;
		printf("%s\n  \"0x%08x\": {", out++ ? "," : "", pairs[i].sig);
		for (unsigned int id = 0; id < 8; id++) {
			struct uc_cpu cpu = { UC_VENDOR_INTEL, pairs[i].sig,
					      1u << id, 0 };

			printf("%s\"%u\": {", id ? ", " : "", id);
			for (int c = 0; c < UC_CONSUMER_MAX; c++) {
				struct uc_load_result r;
				int k = uc_would_load(all, all_len, UC_INPUT_RAW,
						      &cpu, c, &r);

				if (k)
					printf("%s\"%s\": null", c ? ", " : "",
					       uc_consumer_name(c));
				else
					printf("%s\"%s\": \"0x%08x\"", c ? ", " : "",
					       uc_consumer_name(c), r.rev);
			}
			printf("}");
		}
		printf("}");
	}
	printf("\n }\n}\n");
	return bad ? 1 : 0;
}

static int scan_amd(int argc, char **argv)
{
	int bad = 0;

	printf("{\n \"files\": {");
	for (int i = 0; i < argc; i++) {
		size_t len, pos = 0;
		unsigned char *buf = slurp(argv[i], &len);
		struct uc_amd_container ct;
		unsigned int containers = 0, patches = 0, equiv = 0;
		int k;

		while ((k = uc_amd_next_container(buf, len, &pos, UC_STRICT, &ct)) > 0) {
			struct uc_amd_patch p;
			size_t pp = ct.patches;

			containers++;
			equiv += uc_amd_equiv_count(&ct);
			while (uc_amd_next_patch(&ct, &pp, &p) > 0)
				patches++;
		}
		if (k < 0) {
			fprintf(stderr, "%s: offset %#zx: %s\n", argv[i], pos,
				uc_strerror(k));
			bad++;
		}
		printf("%s\n  \"%s\": {\"containers\": %u, \"equiv_entries\": %u, "
		       "\"patches\": %u, \"issues\": %u}",
		       i ? "," : "", base(argv[i]), containers, equiv, patches,
		       uc_check_raw(buf, len, UC_VENDOR_AMD, 0, NULL, NULL));
		free(buf);
	}
	printf("\n },\n \"errors\": %d\n}\n", bad);
	return bad ? 1 : 0;
}

static void print_issue(void *ctx, const struct uc_issue *is)
{
	int *n = ctx;

	printf("%s{\"error\": \"%s\", \"offset\": %zu, \"consumer\": \"%s\"}",
	       (*n)++ ? ", " : "", uc_errname(is->err), is->offset,
	       uc_consumer_name(is->consumer));
}

static int scan_cpio(int argc, char **argv)
{
	static const char *const paths[] = { UC_CPIO_PATH_INTEL, UC_CPIO_PATH_AMD };

	printf("{");
	for (int i = 0; i < argc; i++) {
		size_t len, pos = 0;
		unsigned char *buf = slurp(argv[i], &len);
		struct uc_cpio_layout l;
		struct uc_cpio_entry e;
		int n = 0;

		printf("%s\n \"%s\": {\n  \"members\": [", i ? "," : "",
		       base(argv[i]));
		while (uc_cpio_next(buf, len, &pos, &e) > 0)
			if (uc_cpio_is_regular(&e))
				printf("%s{\"name\": \"%.*s\", \"offset\": %zu, "
				       "\"size\": %u}", n++ ? ", " : "",
				       (int)strnlen(e.name, e.namesize), e.name,
				       e.data_offset, e.filesize);
		printf("],\n  \"lookup\": {");
		for (int p = 0; p < 2; p++) {
			if (uc_cpio_find(buf, len, paths[p], &e))
				printf("%s\"%s\": null", p ? ", " : "", paths[p]);
			else
				printf("%s\"%s\": {\"name\": \"%.*s\", \"offset\": "
				       "%zu, \"size\": %u}", p ? ", " : "", paths[p],
				       (int)strnlen(e.name, e.namesize), e.name,
				       e.data_offset, e.filesize);
		}
		uc_cpio_layout(buf, len, &l);
		printf("},\n  \"layout\": {\"archives\": %u, \"end\": %zu, "
		       "\"tail\": %zu, \"stop\": \"%s\"},\n  \"issues\": [",
		       l.archives, l.end, l.tail, l.stop ? uc_errname(l.stop) : "end");
		n = 0;
		uc_check_image(buf, len, print_issue, &n);
		printf("]\n }");
		free(buf);
	}
	printf("\n}\n");
	return 0;
}

static int stdio_sink(void *ctx, const void *data, size_t len)
{
	return fwrite(data, 1, len, ctx) == len ? 0 : -UC_ERR_SINK;
}

static int write_early(const char *out, const char *intel, const char *amd)
{
	size_t ilen, alen;
	unsigned char *i = slurp(intel, &ilen), *a = slurp(amd, &alen);
	struct uc_cpio_writer w;
	FILE *f = fopen(out, "wb");

	if (!f) {
		perror(out);
		return 1;
	}
	uc_cpio_writer_init_sink(&w, stdio_sink, f, 0);
	uc_cpio_write_dir(&w, "kernel");
	uc_cpio_write_dir(&w, "kernel/x86");
	uc_cpio_write_dir(&w, "kernel/x86/microcode");
	uc_cpio_write_file(&w, UC_CPIO_PATH_AMD, a, alen, 4);
	uc_cpio_write_file(&w, UC_CPIO_PATH_INTEL, i, ilen, 16);
	if (uc_cpio_write_trailer(&w, 512) || fclose(f)) {
		fprintf(stderr, "%s: %s\n", out, uc_strerror(w.err));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "intel"))
		return scan_intel(argc - 2, argv + 2);
	if (argc >= 3 && !strcmp(argv[1], "amd"))
		return scan_amd(argc - 2, argv + 2);
	if (argc >= 3 && !strcmp(argv[1], "cpio"))
		return scan_cpio(argc - 2, argv + 2);
	if (argc == 5 && !strcmp(argv[1], "write"))
		return write_early(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: ucscan intel|amd|cpio FILE... | write OUT INTEL AMD\n");
	return 2;
}
