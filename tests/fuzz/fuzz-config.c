// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the configuration parser (mkucode/domain/config.c), a hosted
 * module.  The input is a configuration file.  It fails exactly when it
 * reported an error; every diagnostic is an error naming the file and a
 * line that exists; what it kept is what the keys promise (cpu words that
 * parse as --cpu SPECs, absolute source paths, real dates, no blank or
 * control byte in a word); a final newline changes nothing; and parsing
 * the input again on top of the result yields the same single values.
 */
#include <string.h>

#include "fuzz.h"
#include "domain/config.h"
#include "domain/cpu.h"
#include "util/diag.h"

static size_t count_lines(const uint8_t *data, size_t size)
{
	size_t n = size && data[size - 1] != '\n';

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

static bool clean_word(const char *w)
{
	if (!*w)
		return false;
	for (; *w; w++)
		if ((unsigned char)*w <= ' ' || *w == 0x7f)
			return false;
	return true;
}

static bool real_date(uint32_t ymd)
{
	char text[16];
	uint32_t again;

	if (!ymd)
		return true;
	snprintf(text, sizeof(text), "%04u-%02u-%02u", ymd / 10000, ymd / 100 % 100,
		 ymd % 100);
	return config_date(text, &again) && again == ymd;
}

static bool same_values(const struct config *a, const struct config *b)
{
	return a->select == b->select && a->vendor_only == b->vendor_only &&
	       (!a->vendor_only || a->vendor == b->vendor) &&
	       a->date_before == b->date_before && a->date_after == b->date_after &&
	       a->downgrade == b->downgrade && a->selection_set == b->selection_set;
}

static bool same_list(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c = { 0 }, n = { 0 };
	struct diags d = { 0 }, dn = { 0 };
	size_t lines = count_lines(data, size);
	int r = config_parse(&c, data, size, "fuzz.conf", &d);
	uint8_t *with_nl;

	FUZZ_ASSERT(r == 0 || r == -1);
	FUZZ_ASSERT((r == -1) == (d.errors > 0));
	FUZZ_ASSERT(d.errors == d.n);
	for (size_t i = 0; i < d.n; i++) {
		unsigned long line = 0;
		int used = 0;

		FUZZ_ASSERT(d.v[i].level == DIAG_ERROR);
		FUZZ_ASSERT(d.v[i].file && !strcmp(d.v[i].file, "fuzz.conf"));
		FUZZ_ASSERT(sscanf(d.v[i].text, "line %lu: %n", &line, &used) == 1 && used);
		FUZZ_ASSERT(line >= 1 && line <= lines);
		/* What a message shows of the input is printable. */
		for (const char *p = d.v[i].text; *p; p++)
			FUZZ_ASSERT((unsigned char)*p >= ' ' && *p != 0x7f);
	}
	for (size_t i = 0; i < c.n_cpus; i++) {
		struct diags scratch = { 0 };
		struct cpu_spec spec;

		FUZZ_ASSERT(clean_word(c.cpus[i]));
		FUZZ_ASSERT(cpu_spec_parse(c.cpus[i], &spec, &scratch) == 0);
		diags_free(&scratch);
	}
	for (size_t i = 0; i < c.n_sources; i++)
		FUZZ_ASSERT(clean_word(c.sources[i]) && c.sources[i][0] == '/');
	FUZZ_ASSERT(real_date(c.date_before) && real_date(c.date_after));
	FUZZ_ASSERT(c.select == CONFIG_SELECT_ALL || c.select == CONFIG_SELECT_HOST);

	/* A final newline is no line of its own. */
	with_nl = malloc(size + 1);
	FUZZ_ASSERT(with_nl);
	if (size)
		memcpy(with_nl, data, size);
	with_nl[size] = '\n';
	FUZZ_ASSERT(config_parse(&n, with_nl, size + 1, "fuzz.conf", &dn) == r);
	FUZZ_ASSERT(dn.n == d.n);
	FUZZ_ASSERT(same_values(&c, &n));
	FUZZ_ASSERT(same_list(c.cpus, c.n_cpus, n.cpus, n.n_cpus));
	FUZZ_ASSERT(same_list(c.sources, c.n_sources, n.sources, n.n_sources));
	free(with_nl);

	/* Applied again: the single values are the last ones set either way. */
	diags_free(&dn);
	config_parse(&n, data, size, "fuzz.conf", &dn);
	FUZZ_ASSERT(same_values(&c, &n));
	FUZZ_ASSERT(n.n_cpus >= c.n_cpus && n.n_sources >= c.n_sources);

	config_free(&c);
	config_free(&n);
	diags_free(&d);
	diags_free(&dn);
	return 0;
}
