// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The configuration: every key, resets, accumulation, drop-in order, every
 * error with its exact line; the shipped file is the default; the manual
 * documents every key.
 *   test-config MKUCODE.CONF.5 SHIPPED-MKUCODE.CONF
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "domain/config.h"
#include "util/diag.h"

static const char *man_page, *shipped;

/* Parse text (strlen) into a fresh cfg; the diagnostics stay on d. */
static int parse(struct config *cfg, const char *text, struct diags *d)
{
	*cfg = (struct config){ 0 };
	return config_parse(cfg, text, strlen(text), "test.conf", d);
}

/* Diagnostic i as printed. */
static const char *line_of(const struct diags *d, size_t i)
{
	static char buf[1024];

	ck_assert_uint_lt(i, d->n);
	diag_format(&d->v[i], "mkucode", buf, sizeof(buf));
	return buf;
}

static void assert_list(char **got, size_t n, const char *const *want)
{
	size_t k = 0;

	for (; want[k]; k++) {
		ck_assert_uint_lt(k, n);
		ck_assert_str_eq(got[k], want[k]);
	}
	ck_assert_uint_eq(n, k);
}

START_TEST(every_key)
{
	struct config c;
	struct diags d = { 0 };

	ck_assert_int_eq(parse(&c,
		"select = host\n"
		"cpu = 06-9e-0a !0x806e9,0x80\n"
		"vendor = AMD\n"
		"date-before = 2024-02-29\n"
		"date-after = 2019-12-31\n"
		"downgrade = yes\n"
		"source = /fw/a /fw/b\n", &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_int_eq(c.select, CONFIG_SELECT_HOST);
	assert_list(c.cpus, c.n_cpus, (const char *const[]){ "06-9e-0a",
		"!0x806e9,0x80", NULL });
	ck_assert(c.vendor_only);
	ck_assert_int_eq(c.vendor, UC_VENDOR_AMD);
	ck_assert_uint_eq(c.date_before, 20240229);
	ck_assert_uint_eq(c.date_after, 20191231);
	ck_assert(c.downgrade);
	assert_list(c.sources, c.n_sources, (const char *const[]){ "/fw/a", "/fw/b", NULL });
	ck_assert(c.selection_set);
	config_free(&c);
}
END_TEST

START_TEST(nothing_is_the_default)
{
	static const char *const texts[] = {
		"", "\n", "# only a comment\n", "   \t\n\n  # indented comment",
		"\r\n",
	};
	struct diags d = { 0 };

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct config c;

		ck_assert_int_eq(parse(&c, texts[i], &d), 0);
		ck_assert_uint_eq(d.n, 0);
		ck_assert_int_eq(c.select, CONFIG_SELECT_ALL);
		ck_assert_uint_eq(c.n_cpus, 0);
		ck_assert_uint_eq(c.n_sources, 0);
		ck_assert(!c.vendor_only && !c.downgrade && !c.selection_set);
		ck_assert_uint_eq(c.date_before, 0);
		ck_assert_uint_eq(c.date_after, 0);
		config_free(&c);
	}
}
END_TEST

START_TEST(later_wins_lists_accumulate)
{
	struct config c;
	struct diags d = { 0 };

	ck_assert_int_eq(parse(&c,
		"vendor = intel\nvendor = amd\n"
		"date-before = 2020-01-01\ndate-before = 2021-01-01\n"
		"downgrade = yes\ndowngrade = no\n"
		"cpu = 06-9e-0a\ncpu = 0x906ea,0x2 06-55-04\n"
		"source = /a\nsource = /b /c\n", &d), 0);
	ck_assert_int_eq(c.vendor, UC_VENDOR_AMD);
	ck_assert_uint_eq(c.date_before, 20210101);
	ck_assert(!c.downgrade);
	assert_list(c.cpus, c.n_cpus, (const char *const[]){ "06-9e-0a",
		"0x906ea,0x2", "06-55-04", NULL });
	assert_list(c.sources, c.n_sources, (const char *const[]){ "/a", "/b", "/c", NULL });
	config_free(&c);
}
END_TEST

START_TEST(empty_value_resets)
{
	struct config c;
	struct diags d = { 0 };

	ck_assert_int_eq(parse(&c,
		"select = host\nselect =\n"
		"vendor = amd\nvendor =\n"
		"date-before = 2020-01-01\ndate-before =\n"
		"date-after = 2020-01-01\ndate-after=\n"
		"downgrade = yes\ndowngrade =   \n"
		"cpu = 06-9e-0a\ncpu =\ncpu = 06-55-04\n"
		"source = /a\nsource =\t\nsource = /b\n", &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_int_eq(c.select, CONFIG_SELECT_ALL);
	ck_assert(!c.vendor_only);
	ck_assert_uint_eq(c.date_before, 0);
	ck_assert_uint_eq(c.date_after, 0);
	ck_assert(!c.downgrade);
	assert_list(c.cpus, c.n_cpus, (const char *const[]){ "06-55-04", NULL });
	assert_list(c.sources, c.n_sources, (const char *const[]){ "/b", NULL });
	/* Set back to the default is still set: it replaces nothing less. */
	ck_assert(c.selection_set);
	config_free(&c);
}
END_TEST

/* select = all widens: the cpus before it go; host keeps them. */
START_TEST(select_all_forgets_cpus)
{
	struct config c;
	struct diags d = { 0 };

	ck_assert_int_eq(parse(&c, "cpu = 06-9e-0a\nselect = all\ncpu = !06-55-04\n", &d), 0);
	assert_list(c.cpus, c.n_cpus, (const char *const[]){ "!06-55-04", NULL });
	config_free(&c);
	ck_assert_int_eq(parse(&c, "cpu = 06-9e-0a\nselect = host\n", &d), 0);
	ck_assert_int_eq(c.select, CONFIG_SELECT_HOST);
	assert_list(c.cpus, c.n_cpus, (const char *const[]){ "06-9e-0a", NULL });
	config_free(&c);
}
END_TEST

/* Blanks, CRLF, no final newline, '#' inside a value, no blanks at all. */
START_TEST(line_shapes)
{
	struct config c;
	struct diags d = { 0 };

	ck_assert_int_eq(parse(&c,
		"\t select\t=\thost \t\r\n"
		"source=/x#y\n"
		"  # select = all\n"
		"vendor=amd", &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_int_eq(c.select, CONFIG_SELECT_HOST);
	ck_assert_int_eq(c.vendor, UC_VENDOR_AMD);
	assert_list(c.sources, c.n_sources, (const char *const[]){ "/x#y", NULL });
	config_free(&c);
}
END_TEST

static const struct {
	const char *text;
	const char *message;    /* the one error, as printed */
} bad[] = {
	{ "select = all\n\nselect = host\ncpus = 06-9e-0a\n",
	  "mkucode: test.conf: line 4: unknown key 'cpus'" },
	{ "Select = all\n", "mkucode: test.conf: line 1: unknown key 'Select'" },
	{ "select all\n", "mkucode: test.conf: line 1: 'select all' is not a setting (key = value)" },
	{ "select\n", "mkucode: test.conf: line 1: 'select' is not a setting (key = value)" },
	{ "= all\n", "mkucode: test.conf: line 1: '= all' is not a setting (key = value)" },
	{ "[main]\n", "mkucode: test.conf: line 1: '[main]' is not a setting (key = value)" },
	{ "select = none\n", "mkucode: test.conf: line 1: select: 'none' is neither all nor host" },
	{ "select = all host\n", "mkucode: test.conf: line 1: select: 'all host' is neither all nor host" },
	{ "cpu = 06-9e-0a zz\n", "mkucode: test.conf: line 1: cpu 'zz': signature is not "
	  "hexadecimal (want SIG[,PF_MASK] or FF-MM-SS)" },
	{ "cpu = !\n", "mkucode: test.conf: line 1: cpu '!': nothing after '!'" },
	{ "cpu = 0x906ea,0x100\n", "mkucode: test.conf: line 1: cpu '0x906ea,0x100': "
	  "platform mask is above 0xff" },
	{ "vendor = via\n", "mkucode: test.conf: line 1: vendor: 'via' is neither intel nor amd" },
	{ "date-before = 2023-02-30\n", "mkucode: test.conf: line 1: date-before: "
	  "'2023-02-30' is not a date of the form YYYY-MM-DD" },
	{ "date-after = 2023-13-01\n", "mkucode: test.conf: line 1: date-after: "
	  "'2023-13-01' is not a date of the form YYYY-MM-DD" },
	{ "date-after = 2023-1-01\n", "mkucode: test.conf: line 1: date-after: "
	  "'2023-1-01' is not a date of the form YYYY-MM-DD" },
	{ "downgrade = true\n", "mkucode: test.conf: line 1: downgrade: 'true' is neither yes nor no" },
	{ "source = /a fw\n", "mkucode: test.conf: line 1: source 'fw' is not an absolute path" },
	{ "# ok\nselect = a\033[2Jll\n",
	  "mkucode: test.conf: line 2: select: control character \\x1b in the value" },
	{ "cpus = \001\n", "mkucode: test.conf: line 1: unknown key 'cpus'" },
	{ "\xff\x01key = 1\n", "mkucode: test.conf: line 1: unknown key '\\xff\\x01key'" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1\n",
	  "mkucode: test.conf: line 1: unknown key "
	  "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'" },
};

START_TEST(each_error_names_its_line)
{
	struct config c;
	struct diags d = { 0 };

	ck_assert_int_eq(parse(&c, bad[_i].text, &d), -1);
	ck_assert_uint_eq(d.errors, 1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(line_of(&d, 0), bad[_i].message);
	ck_assert_str_eq(d.v[0].file, "test.conf");
	config_free(&c);
	diags_free(&d);
}
END_TEST

/* A NUL byte is the file's, not the end of the text. */
START_TEST(nul_byte)
{
	static const char text[] = "select = host\nvendor = a\0md\n";
	struct config c = { 0 };
	struct diags d = { 0 };

	ck_assert_int_eq(config_parse(&c, text, sizeof(text) - 1, "f", &d), -1);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(line_of(&d, 0), "mkucode: f: line 2: NUL byte");
	ck_assert_int_eq(c.select, CONFIG_SELECT_HOST);
	ck_assert(!c.vendor_only);
	config_free(&c);
	diags_free(&d);
}
END_TEST

/* Every bad line is reported; the good ones still apply. */
START_TEST(every_error_reported)
{
	struct config c;
	struct diags d = { 0 };

	ck_assert_int_eq(parse(&c, "cpus = 1\nvendor = amd\nsource = rel\nselect = x",
			       &d), -1);
	ck_assert_uint_eq(d.n, 3);
	ck_assert_str_eq(line_of(&d, 0), "mkucode: test.conf: line 1: unknown key 'cpus'");
	ck_assert_str_eq(line_of(&d, 1),
			 "mkucode: test.conf: line 3: source 'rel' is not an absolute path");
	ck_assert_str_eq(line_of(&d, 2),
			 "mkucode: test.conf: line 4: select: 'x' is neither all nor host");
	ck_assert_int_eq(c.vendor, UC_VENDOR_AMD);
	config_free(&c);
	diags_free(&d);
}
END_TEST

START_TEST(dates)
{
	uint32_t v = 7;

	ck_assert(config_date("2024-02-29", &v));
	ck_assert_uint_eq(v, 20240229);
	ck_assert(config_date("0001-12-31", &v));
	ck_assert_uint_eq(v, 11231);
	v = 7;
	ck_assert(!config_date("2024-04-31", &v));
	ck_assert(!config_date("2024-00-10", &v));
	ck_assert(!config_date("2024-01-00", &v));
	ck_assert(!config_date("2024-01-01 ", &v));
	ck_assert(!config_date(" 2024-01-01", &v));
	ck_assert(!config_date("2024-01-1", &v));
	ck_assert(!config_date("20240101", &v));
	ck_assert(!config_date("2024/01/01", &v));
	ck_assert(!config_date("", &v));
	ck_assert_uint_eq(v, 7);
}
END_TEST

/* ---- files: a fake root ---- */

static char root[1024];

static void put(const char *rel, const char *text)
{
	char path[2048];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void sub(const char *rel)
{
	char path[2048];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

static void make_root(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(root, sizeof(root), "%s/test-config-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(root));
	sub("/etc");
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void drop_root(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

START_TEST(no_files_is_the_default)
{
	struct config c = { 0 };
	struct diags d = { 0 };

	make_root();
	ck_assert_int_eq(config_load(&c, root, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert(!c.selection_set);
	ck_assert_uint_eq(c.n_sources, 0);
	drop_root();
}
END_TEST

/* Main file first, then *.conf drop-ins in byte order; others ignored. */
START_TEST(dropin_order)
{
	struct config c = { 0 };
	struct diags d = { 0 };
	char want[3][1100];

	make_root();
	put("/etc/mkucode.conf", "vendor = intel\nsource = /main\n");
	sub("/etc/mkucode.conf.d");
	put("/etc/mkucode.conf.d/9-b.conf", "vendor = amd\nsource = /9\n");
	put("/etc/mkucode.conf.d/10-a.conf", "vendor = intel\nsource = /10\n");
	put("/etc/mkucode.conf.d/A.conf", "date-after = 2020-01-01\n");
	put("/etc/mkucode.conf.d/.hidden.conf", "bogus = 1\n");
	put("/etc/mkucode.conf.d/x.conf.bak", "bogus = 1\n");
	put("/etc/mkucode.conf.d/conf", "bogus = 1\n");
	ck_assert_int_eq(config_load(&c, root, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	/* "10-a" < "9-b" < "A": bytes, not numbers. */
	ck_assert_int_eq(c.vendor, UC_VENDOR_AMD);
	ck_assert_uint_eq(c.date_after, 20200101);
	/* The sources are the tree's. */
	snprintf(want[0], sizeof(want[0]), "%s/main", root);
	snprintf(want[1], sizeof(want[1]), "%s/10", root);
	snprintf(want[2], sizeof(want[2]), "%s/9", root);
	assert_list(c.sources, c.n_sources,
		    (const char *const[]){ want[0], want[1], want[2], NULL });
	config_free(&c);
	drop_root();
}
END_TEST

/* Only drop-ins, and a trailing '/' on the root. */
START_TEST(dropins_without_main_file)
{
	struct config c = { 0 };
	struct diags d = { 0 };
	char slashed[1100];

	make_root();
	sub("/etc/mkucode.conf.d");
	put("/etc/mkucode.conf.d/host.conf", "select = host\n");
	snprintf(slashed, sizeof(slashed), "%s//", root);
	ck_assert_int_eq(config_load(&c, slashed, &d), 0);
	ck_assert_int_eq(c.select, CONFIG_SELECT_HOST);
	config_free(&c);
	drop_root();
}
END_TEST

/* Errors name the file under the root; every file is still read. */
START_TEST(file_errors)
{
	struct config c = { 0 };
	struct diags d = { 0 };
	char want[3][1200];

	make_root();
	put("/etc/mkucode.conf", "# main\nselect = everything\n");
	sub("/etc/mkucode.conf.d");
	sub("/etc/mkucode.conf.d/dir.conf");
	put("/etc/mkucode.conf.d/z.conf", "\n\n\ncpus = 1\n");
	ck_assert_int_eq(config_load(&c, root, &d), -1);
	ck_assert_uint_eq(d.n, 3);
	snprintf(want[0], sizeof(want[0]), "mkucode: %s/etc/mkucode.conf: line 2: "
		 "select: 'everything' is neither all nor host", root);
	snprintf(want[1], sizeof(want[1]), "mkucode: %s/etc/mkucode.conf.d/dir.conf: "
		 "not a regular file", root);
	snprintf(want[2], sizeof(want[2]), "mkucode: %s/etc/mkucode.conf.d/z.conf: "
		 "line 4: unknown key 'cpus'", root);
	for (size_t i = 0; i < 3; i++)
		ck_assert_str_eq(line_of(&d, i), want[i]);
	config_free(&c);
	diags_free(&d);
	drop_root();
}
END_TEST

START_TEST(too_big)
{
	struct config c = { 0 };
	struct diags d = { 0 };
	char path[1100], want[1300];
	FILE *f;

	make_root();
	snprintf(path, sizeof(path), "%s/etc/mkucode.conf", root);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < CONFIG_MAX_SIZE + 1; i++)
		fputc('\n', f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(config_load(&c, root, &d), -1);
	snprintf(want, sizeof(want), "mkucode: %s: %d bytes: no configuration is "
		 "this big", path, CONFIG_MAX_SIZE + 1);
	ck_assert_str_eq(line_of(&d, 0), want);
	diags_free(&d);
	drop_root();
}
END_TEST

/* ---- the shipped file and the manual ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0;

	ck_assert_msg(f != NULL, "%s: cannot open", path);
	ck_assert_int_ne(getdelim(&buf, &cap, 0, f), -1);
	*len = strlen(buf);
	fclose(f);
	return buf;
}

/* The shipped file is the default, and shows every key (commented out). */
START_TEST(shipped_is_default)
{
	struct config c = { 0 };
	struct diags d = { 0 };
	size_t len;
	char *text = slurp(shipped, &len);

	ck_assert_int_eq(config_parse(&c, text, len, shipped, &d), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert(!c.selection_set);
	ck_assert_uint_eq(c.n_sources, 0);
	for (const char *const *k = config_keys; *k; k++) {
		char want[64];

		snprintf(want, sizeof(want), "\n#%s = ", *k);
		ck_assert_msg(strstr(text, want), "%s does not show '%s'", shipped, *k);
	}
	free(text);
}
END_TEST

/* Every key has a .TP entry under KEYS whose tag starts with it. */
START_TEST(manual_documents_every_key)
{
	size_t len;
	char *text = slurp(man_page, &len), *keys = strstr(text, "\n.SH KEYS\n"), *end;

	ck_assert_ptr_nonnull(keys);
	if ((end = strstr(keys + 1, "\n.SH")))
		*end = 0;
	for (const char *const *k = config_keys; *k; k++) {
		char want[64], *o = want;
		bool found = false;

		/* The key as roff spells it: "-" is "\-". */
		for (const char *p = *k; *p && o < want + sizeof(want) - 3; p++) {
			if (*p == '-')
				*o++ = '\\';
			*o++ = *p;
		}
		*o = 0;
		for (char *p = keys; (p = strstr(p, "\n.TP\n.B")); p += 4) {
			char *tag = strchr(p + 5, ' ');

			if (tag && !strncmp(tag + 1, want, strlen(want)) &&
			    (tag[1 + strlen(want)] == ' ' || tag[1 + strlen(want)] == '\n')) {
				found = true;
				break;
			}
		}
		ck_assert_msg(found, "%s: no .TP entry under KEYS for '%s'", man_page, *k);
	}
	free(text);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *t = tcase_create("parse");

	tcase_add_test(t, every_key);
	tcase_add_test(t, nothing_is_the_default);
	tcase_add_test(t, later_wins_lists_accumulate);
	tcase_add_test(t, empty_value_resets);
	tcase_add_test(t, select_all_forgets_cpus);
	tcase_add_test(t, line_shapes);
	tcase_add_loop_test(t, each_error_names_its_line, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(t, nul_byte);
	tcase_add_test(t, every_error_reported);
	tcase_add_test(t, dates);
	suite_add_tcase(s, t);
	t = tcase_create("files");
	tcase_add_test(t, no_files_is_the_default);
	tcase_add_test(t, dropin_order);
	tcase_add_test(t, dropins_without_main_file);
	tcase_add_test(t, file_errors);
	tcase_add_test(t, too_big);
	tcase_add_test(t, shipped_is_default);
	tcase_add_test(t, manual_documents_every_key);
	suite_add_tcase(s, t);
	return s;
}

int main(int argc, char **argv)
{
	SRunner *sr;
	int failed;

	if (argc != 3) {
		fprintf(stderr, "usage: test-config MKUCODE.CONF.5 MKUCODE.CONF\n");
		return 2;
	}
	man_page = argv[1];
	shipped = argv[2];
	sr = srunner_create(config_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
