/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ucgen - command-line front end of the synthetic test-data generator.
 * See usage() below.  All errors exit with status 2.
 */
#include "ucgen.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"usage: ucgen intel --sig X [--pf X] [--rev X] [--date X] [--datasize N | --old-style]\n"
	"                   [--min-req-ver X] [--total-pad N] [--ext SIG,PF]... [--seed N] [--defect NAME]\n"
	"                   [-o FILE] [--append] [--print-offset]\n"
	"       ucgen amd --equiv CPUID[:ID]... --patch PATCHID[:EQUIVID[:SIZE[:MINREV]]]...\n"
	"                 [--date X] [--seed N] [--defect NAME] [--defect-index N]\n"
	"                 [-o FILE] [--append] [--print-offset]\n"
	"       ucgen cpio [--align16] [--pad N] [--mtime N] [--no-trailer]\n"
	"                  [--defect NAME] [--defect-index N] [-o FILE] [--append]\n"
	"                  [--print-offset]\n"
	"                  NAME=SRCFILE... | NAME/ (directory)...\n"
	"       ucgen acpi --sig SSDT [--oem-table-id ID] [-o FILE] [--append]\n"
	"       ucgen defects intel|amd|cpio      (list defect names)\n"
	"       ucgen amd-ids CPUID [REV]         (print equiv id and Zen patch id)\n"
	"\n"
	"Numbers are decimal or 0x-prefixed hex.  Without -o output goes to stdout;\n"
	"-o truncates FILE unless --append is given.  intel: default datasize is\n"
	"2000 with explicit size fields; --old-style writes datasize=totalsize=0.\n"
	"amd: EQUIVID 0/absent is derived (Zen patch id or the CPUID's encoding);\n"
	"SIZE 0/absent = 3200.  cpio: NAME=SRC adds a 0100644 file, NAME/ a 040755\n"
	"directory; --align16 NUL-pads file names so file data is 16-aligned.\n"
	"--print-offset (with -o and --defect, or cpio --no-trailer) prints, as\n"
	"0xN, where in FILE the defect's structure starts: the Intel update, the\n"
	"AMD container, or the patch section --defect-index names (trailing-junk:\n"
	"the byte after the container), the cpio header --defect-index names\n"
	"(--no-trailer: where TRAILER!!! would be).  With --append it counts the\n"
	"bytes FILE held before.\n";

/* Prints the usage text to f. */
static void usage(FILE *f)
{
	fputs(usage_text, f);
}

#if defined(__GNUC__) || defined(__clang__)
#define UCGEN_PRINTF(a, b) __attribute__((format(printf, a, b), noreturn))
#else
#define UCGEN_PRINTF(a, b)
#endif

static void die(const char *fmt, ...) UCGEN_PRINTF(1, 2);

/* Prints "ucgen: <message>" to stderr and exits with status 2. */
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("ucgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* Parses a decimal or 0x-hex u32 (whole string); 0 on success, -1 else. */
static int parse_u32_n(const char *s, size_t len, uint32_t *v)
{
	unsigned base = 10;
	uint64_t acc = 0;
	size_t i = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return -1;
	for (; i < len; i++) {
		unsigned dv;
		char c = s[i];

		if (c >= '0' && c <= '9')
			dv = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			dv = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			dv = (unsigned)(c - 'A' + 10);
		else
			return -1;
		acc = acc * base + dv;
		if (acc > 0xffffffffu)
			return -1;
	}
	*v = (uint32_t)acc;
	return 0;
}

/* Parses a whole-string number for option opt or dies. */
static uint32_t num(const char *opt, const char *s)
{
	uint32_t v;

	if (parse_u32_n(s, strlen(s), &v))
		die("%s: invalid number '%s'", opt, s);
	return v;
}

/* Splits s at sep into up to max numbers; returns the count or dies. */
static unsigned num_list(const char *opt, const char *s, char sep,
			 uint32_t *v, unsigned max)
{
	unsigned k = 0;

	for (;;) {
		const char *e = strchr(s, sep);
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (k == max || parse_u32_n(s, len, &v[k]))
			die("%s: invalid value", opt);
		k++;
		if (!e)
			return k;
		s = e + 1;
	}
}

/* Option cursor over argv. */
struct args {
	int argc, i;
	char **argv;
};

/* Returns the value following option opt or dies. */
static const char *val(struct args *a, const char *opt)
{
	if (a->i + 1 >= a->argc)
		die("%s needs a value", opt);
	return a->argv[++a->i];
}

/* Output settings shared by all subcommands. */
struct outopt {
	const char *path;
	bool append;
};

/* Handles -o/--output/--append/--help; returns true if arg was one. */
static bool common_opt(struct args *a, struct outopt *o)
{
	const char *s = a->argv[a->i];

	if (!strcmp(s, "-o") || !strcmp(s, "--output")) {
		o->path = val(a, s);
		return true;
	}
	if (!strcmp(s, "--append")) {
		o->append = true;
		return true;
	}
	if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
		usage(stdout);
		exit(0);
	}
	return false;
}

/* Writes b to the output (file or stdout) or dies. */
static void write_out(const struct outopt *o, const struct ucgen_buf *b)
{
	FILE *f = stdout;

	if (o->path) {
		f = fopen(o->path, o->append ? "ab" : "wb");
		if (!f)
			die("cannot open %s", o->path);
	}
	if (b->len && fwrite(b->data, 1, b->len, f) != b->len)
		die("write error on %s", o->path ? o->path : "stdout");
	if (o->path ? fclose(f) != 0 : fflush(f) != 0)
		die("write error on %s", o->path ? o->path : "stdout");
}

/* Looks a defect name up with the given name function; dies if unknown. */
static unsigned defect_lookup(const char *s, unsigned max,
			      const char *(*name)(unsigned))
{
	unsigned d;

	for (d = 0; d < max; d++)
		if (!strcmp(name(d), s))
			return d;
	die("unknown defect '%s' (see: ucgen defects ...)", s);
	return 0;
}

/* Adapters giving the three name functions one signature. */
static const char *intel_name(unsigned d)
{
	return ucgen_intel_defect_name((enum ucgen_intel_defect)d);
}

static const char *amd_name(unsigned d)
{
	return ucgen_amd_defect_name((enum ucgen_amd_defect)d);
}

static const char *cpio_name(unsigned d)
{
	return ucgen_cpio_defect_name((enum ucgen_cpio_defect)d);
}

/*
 * --print-offset: where the defect's structure starts.  The generators
 * leave everything before the defect valid, so walking the bytes just
 * written finds it without knowing how each defect is made.
 */

/* Size of the file --append adds to (0 without --append or no file yet). */
static uint64_t output_base(const struct outopt *o)
{
	FILE *f;
	long end;

	if (!o->append)
		return 0;
	f = fopen(o->path, "rb");
	if (!f)
		return 0;
	if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0)
		die("cannot size %s", o->path);
	fclose(f);
	return (uint64_t)end;
}

/* Dies unless the offset can go to stdout, i.e. the data does not. */
static void need_output_file(const struct outopt *o, bool have_defect)
{
	if (!o->path)
		die("--print-offset needs -o FILE (stdout carries the data)");
	if (!have_defect)
		die("--print-offset needs a --defect to locate");
}

/* Prints the offset of the defect in the output file. */
static void print_offset(uint64_t off)
{
	printf("0x%llx\n", (unsigned long long)off);
	if (fflush(stdout) != 0)
		die("write error on stdout");
}

/* Little-endian u32 at b->data + off, or dies past the end. */
static uint32_t walk_le32(const struct ucgen_buf *b, size_t off)
{
	const uint8_t *p = b->data + off;

	if (off > b->len || b->len - off < 4)
		die("--print-offset: walked past the data written");
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Offset in b (one container) of what AMD defect s->defect breaks. */
static size_t amd_defect_offset(const struct ucgen_amd *s,
				const struct ucgen_buf *b)
{
	unsigned stop, i;
	size_t pos;

	switch (s->defect) {
	case UCGEN_AMD_SECTION_BAD_TYPE:
	case UCGEN_AMD_PATCH_TOO_SMALL:
	case UCGEN_AMD_PATCH_PAST_END:
	case UCGEN_AMD_CHIPSET_SPECIFIC:
	case UCGEN_AMD_PATCH_SIZE_HUGE:
		stop = s->defect_index;
		break;
	case UCGEN_AMD_TRAILING_JUNK:
		stop = s->n_patch;
		break;
	default: /* the container's own header or equivalence table */
		return 0;
	}
	/* magic, equivalence section type and length, its table */
	pos = 12 + (size_t)walk_le32(b, 8);
	for (i = 0; i < stop; i++)
		pos += 8 + (size_t)walk_le32(b, pos + 4);
	return pos;
}

/* The 8 hex digits at b->data + off, or dies. */
static uint32_t walk_hex8(const struct ucgen_buf *b, size_t off)
{
	char digits[11] = "0x";

	if (off > b->len || b->len - off < 8)
		die("--print-offset: walked past the data written");
	memcpy(digits + 2, b->data + off, 8);
	digits[10] = '\0';
	return num("--print-offset", digits);
}

/* Offset in b (one archive) of cpio header number `index`. */
static size_t cpio_header_offset(const struct ucgen_buf *b, unsigned index)
{
	size_t pos = 0;
	unsigned i;

	for (i = 0; i < index; i++) {
		/* header (110 bytes) and name, then data, each 4-padded */
		size_t name_end = pos + 110 + walk_hex8(b, pos + 6 + 11 * 8);

		pos = (name_end + 3) / 4 * 4 + walk_hex8(b, pos + 6 + 6 * 8);
		pos = (pos + 3) / 4 * 4;
	}
	return pos;
}

/* `ucgen intel`: writes one Intel blob. */
static int cmd_intel(struct args *a)
{
	struct ucgen_intel s;
	struct ucgen_buf b = { NULL, 0 };
	struct outopt o = { NULL, false };
	bool have_sig = false, have_ds = false, old = false, want_off = false;
	uint64_t off = 0;

	memset(&s, 0, sizeof s);
	for (a->i = 2; a->i < a->argc; a->i++) {
		const char *opt = a->argv[a->i];

		if (common_opt(a, &o))
			continue;
		if (!strcmp(opt, "--sig")) {
			s.sig = num(opt, val(a, opt));
			have_sig = true;
		} else if (!strcmp(opt, "--pf")) {
			s.pf = num(opt, val(a, opt));
		} else if (!strcmp(opt, "--rev")) {
			s.rev = num(opt, val(a, opt));
		} else if (!strcmp(opt, "--date")) {
			s.date = num(opt, val(a, opt));
		} else if (!strcmp(opt, "--datasize")) {
			s.datasize = num(opt, val(a, opt));
			if (!s.datasize)
				die("--datasize must be > 0 (use --old-style)");
			have_ds = true;
		} else if (!strcmp(opt, "--old-style")) {
			old = true;
		} else if (!strcmp(opt, "--min-req-ver")) {
			s.min_req_ver = num(opt, val(a, opt));
		} else if (!strcmp(opt, "--total-pad")) {
			s.total_pad = num(opt, val(a, opt));
		} else if (!strcmp(opt, "--ext")) {
			uint32_t v[2];

			if (s.n_ext == 8)
				die("at most 8 --ext entries");
			if (num_list(opt, val(a, opt), ',', v, 2) != 2)
				die("--ext wants SIG,PF");
			s.ext[s.n_ext].sig = v[0];
			s.ext[s.n_ext].pf = v[1];
			s.n_ext++;
		} else if (!strcmp(opt, "--seed")) {
			s.fill_seed = num(opt, val(a, opt));
		} else if (!strcmp(opt, "--defect")) {
			s.defect = (enum ucgen_intel_defect)defect_lookup(
				val(a, opt), UCGEN_INTEL_DEFECT_MAX, intel_name);
		} else if (!strcmp(opt, "--print-offset")) {
			want_off = true;
		} else {
			die("intel: unknown argument '%s'", opt);
		}
	}
	if (!have_sig)
		die("intel: --sig is required");
	if (old && have_ds)
		die("intel: --old-style and --datasize are exclusive");
	if (!old && !have_ds)
		s.datasize = 2000;
	if (ucgen_intel(&s, &b))
		die("intel: cannot generate blob");
	if (want_off) { /* every Intel defect breaks the update as a whole */
		need_output_file(&o, s.defect != UCGEN_INTEL_VALID);
		off = output_base(&o);
	}
	write_out(&o, &b);
	if (want_off)
		print_offset(off);
	ucgen_buf_free(&b);
	return 0;
}

/* `ucgen amd`: writes one AMD container. */
static int cmd_amd(struct args *a)
{
	static struct ucgen_amd s;
	struct ucgen_buf b = { NULL, 0 };
	struct outopt o = { NULL, false };
	uint32_t date = 0, seed = 0;
	unsigned i;
	bool want_off = false;
	uint64_t off = 0;

	memset(&s, 0, sizeof s);
	for (a->i = 2; a->i < a->argc; a->i++) {
		const char *opt = a->argv[a->i];

		if (common_opt(a, &o))
			continue;
		if (!strcmp(opt, "--equiv")) {
			uint32_t v[2] = { 0, 0 };
			unsigned k;

			if (s.n_equiv == 32)
				die("at most 32 --equiv entries");
			k = num_list(opt, val(a, opt), ':', v, 2);
			if (k == 2 && v[1] > 0xffff)
				die("--equiv: ID exceeds 16 bits");
			s.equiv[s.n_equiv].installed_cpu = v[0];
			s.equiv[s.n_equiv].equiv_id = (uint16_t)v[1];
			s.n_equiv++;
		} else if (!strcmp(opt, "--patch")) {
			uint32_t v[4] = { 0, 0, 0, 0 };
			struct ucgen_amd_patch *p;

			if (s.n_patch == 32)
				die("at most 32 --patch entries");
			num_list(opt, val(a, opt), ':', v, 4);
			if (v[1] > 0xffff)
				die("--patch: EQUIVID exceeds 16 bits");
			if (v[2] && v[2] < 64)
				die("--patch: SIZE must be >= 64");
			p = &s.patch[s.n_patch++];
			p->patch_id = v[0];
			p->equiv_id = (uint16_t)v[1];
			p->size = v[2];
			p->min_rev = v[3];
		} else if (!strcmp(opt, "--date")) {
			date = num(opt, val(a, opt));
		} else if (!strcmp(opt, "--seed")) {
			seed = num(opt, val(a, opt));
		} else if (!strcmp(opt, "--defect")) {
			s.defect = (enum ucgen_amd_defect)defect_lookup(
				val(a, opt), UCGEN_AMD_DEFECT_MAX, amd_name);
		} else if (!strcmp(opt, "--defect-index")) {
			s.defect_index = num(opt, val(a, opt));
		} else if (!strcmp(opt, "--print-offset")) {
			want_off = true;
		} else {
			die("amd: unknown argument '%s'", opt);
		}
	}
	for (i = 0; i < s.n_patch; i++) {
		s.patch[i].date = date;
		s.patch[i].fill_seed = seed;
	}
	if (ucgen_amd(&s, &b))
		die("amd: cannot generate container (defect needs a patch/equiv entry?)");
	if (want_off) {
		need_output_file(&o, s.defect != UCGEN_AMD_VALID);
		off = output_base(&o) + amd_defect_offset(&s, &b);
	}
	write_out(&o, &b);
	if (want_off)
		print_offset(off);
	ucgen_buf_free(&b);
	return 0;
}

/* Reads a whole file into b or dies. */
static void slurp(const char *path, struct ucgen_buf *b)
{
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t r;

	if (!f)
		die("cannot open %s", path);
	while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (ucgen_buf_append(b, chunk, r))
			die("out of memory");
	if (ferror(f))
		die("read error on %s", path);
	fclose(f);
}

/* `ucgen cpio`: writes a newc archive of files and directories. */
static int cmd_cpio(struct args *a)
{
	struct ucgen_cpio_opts co;
	struct ucgen_cpio_entry *e = NULL;
	struct ucgen_buf *content = NULL;
	struct ucgen_buf b = { NULL, 0 };
	struct outopt o = { NULL, false };
	unsigned n = 0, i;
	bool want_off = false;
	uint64_t off = 0;

	memset(&co, 0, sizeof co);
	e = calloc((size_t)a->argc, sizeof *e);
	content = calloc((size_t)a->argc, sizeof *content);
	if (!e || !content)
		die("out of memory");
	for (a->i = 2; a->i < a->argc; a->i++) {
		char *opt = a->argv[a->i];
		char *eq;

		if (common_opt(a, &o))
			continue;
		if (!strcmp(opt, "--align16")) {
			co.data_align = 16;
		} else if (!strcmp(opt, "--pad")) {
			co.pad_to = num(opt, val(a, opt));
		} else if (!strcmp(opt, "--mtime")) {
			co.mtime = num(opt, val(a, opt));
		} else if (!strcmp(opt, "--no-trailer")) {
			co.no_trailer = true;
		} else if (!strcmp(opt, "--defect")) {
			co.defect = (enum ucgen_cpio_defect)defect_lookup(
				val(a, opt), UCGEN_CPIO_DEFECT_MAX, cpio_name);
		} else if (!strcmp(opt, "--defect-index")) {
			co.defect_index = num(opt, val(a, opt));
		} else if (!strcmp(opt, "--print-offset")) {
			want_off = true;
		} else if (opt[0] == '-' && opt[1] != '\0') {
			die("cpio: unknown option '%s'", opt);
		} else if ((eq = strchr(opt, '=')) != NULL) {
			if (eq == opt || eq[1] == '\0')
				die("cpio: bad member '%s' (want NAME=SRCFILE)", opt);
			*eq = '\0';
			slurp(eq + 1, &content[n]);
			e[n].name = opt;
			e[n].mode = 0100644;
			e[n].data = content[n].data;
			e[n].size = content[n].len;
			n++;
		} else {
			size_t l = strlen(opt);

			if (l < 2 || opt[l - 1] != '/')
				die("cpio: bad member '%s' (NAME=SRCFILE or DIR/)", opt);
			while (l > 1 && opt[l - 1] == '/')
				opt[--l] = '\0';
			e[n].name = opt;
			e[n].mode = 040755;
			n++;
		}
	}
	if (ucgen_cpio(e, n, &co, &b))
		die("cpio: cannot generate archive (bad --defect-index?)");
	if (want_off) {
		need_output_file(&o, co.defect != UCGEN_CPIO_VALID || co.no_trailer);
		off = output_base(&o) +
		      cpio_header_offset(&b, co.defect != UCGEN_CPIO_VALID
						     ? co.defect_index : n);
	}
	write_out(&o, &b);
	if (want_off)
		print_offset(off);
	ucgen_buf_free(&b);
	for (i = 0; i < n; i++)
		ucgen_buf_free(&content[i]);
	free(content);
	free(e);
	return 0;
}

/* `ucgen acpi`: writes a minimal valid ACPI table. */
static int cmd_acpi(struct args *a)
{
	struct ucgen_buf b = { NULL, 0 };
	struct outopt o = { NULL, false };
	const char *sig = NULL, *tid = NULL;

	for (a->i = 2; a->i < a->argc; a->i++) {
		const char *opt = a->argv[a->i];

		if (common_opt(a, &o))
			continue;
		if (!strcmp(opt, "--sig"))
			sig = val(a, opt);
		else if (!strcmp(opt, "--oem-table-id"))
			tid = val(a, opt);
		else
			die("acpi: unknown argument '%s'", opt);
	}
	if (!sig || strlen(sig) != 4)
		die("acpi: --sig needs exactly 4 characters");
	if (tid && strlen(tid) > 8)
		die("acpi: --oem-table-id is at most 8 characters");
	if (ucgen_acpi(sig, tid, &b))
		die("acpi: cannot generate table");
	write_out(&o, &b);
	ucgen_buf_free(&b);
	return 0;
}

/* `ucgen defects KIND`: lists the defect names of one generator. */
static int cmd_defects(struct args *a)
{
	const char *(*name)(unsigned);
	unsigned d, max;

	if (a->argc != 3)
		die("defects: want intel, amd or cpio");
	if (!strcmp(a->argv[2], "intel")) {
		name = intel_name;
		max = UCGEN_INTEL_DEFECT_MAX;
	} else if (!strcmp(a->argv[2], "amd")) {
		name = amd_name;
		max = UCGEN_AMD_DEFECT_MAX;
	} else if (!strcmp(a->argv[2], "cpio")) {
		name = cpio_name;
		max = UCGEN_CPIO_DEFECT_MAX;
	} else {
		die("defects: want intel, amd or cpio");
		return 2;
	}
	for (d = 0; d < max; d++)
		puts(name(d));
	return 0;
}

/* `ucgen amd-ids CPUID [REV]`: prints "equiv XXXX patch XXXXXXXX". */
static int cmd_amd_ids(struct args *a)
{
	uint32_t cpuid, rev = 0;

	if (a->argc < 3 || a->argc > 4)
		die("amd-ids: want CPUID [REV]");
	cpuid = num("amd-ids", a->argv[2]);
	if (a->argc == 4)
		rev = num("amd-ids", a->argv[3]);
	if (rev > 0xff)
		die("amd-ids: REV exceeds 8 bits");
	printf("equiv %04x patch %08lx\n", (unsigned)ucgen_amd_equiv_id(cpuid),
	       (unsigned long)ucgen_amd_zen_patch_id(cpuid, (uint8_t)rev));
	return 0;
}

/* Dispatches to the subcommand named by argv[1]. */
int main(int argc, char **argv)
{
	struct args a = { argc, 2, argv };

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "intel"))
		return cmd_intel(&a);
	if (!strcmp(argv[1], "amd"))
		return cmd_amd(&a);
	if (!strcmp(argv[1], "cpio"))
		return cmd_cpio(&a);
	if (!strcmp(argv[1], "acpi"))
		return cmd_acpi(&a);
	if (!strcmp(argv[1], "amd-ids"))
		return cmd_amd_ids(&a);
	if (!strcmp(argv[1], "defects"))
		return cmd_defects(&a);
	die("unknown command '%s' (try --help)", argv[1]);
	return 2;
}
