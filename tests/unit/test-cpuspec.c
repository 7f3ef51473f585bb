// SPDX-License-Identifier: GPL-2.0-or-later
/* --cpu SPEC parsing: every accepted spelling and every rejection. */
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "domain/cpu.h"
#include "util/diag.h"

static const struct {
	const char *text;
	uint32_t sig, pf;
	bool exclude;
} good[] = {
	{ "0x906ea", 0x906ea, 0, false },
	{ "0X906EA", 0x906ea, 0, false },
	{ "906ea", 0x906ea, 0, false },
	{ "0x000906ea,0x22", 0x906ea, 0x22, false },
	{ "000906ea,22", 0x906ea, 0x22, false },
	{ "0x906ea,0xff", 0x906ea, 0xff, false },
	{ "0x906ea,0", 0x906ea, 0, false },
	{ "!0x906ea", 0x906ea, 0, true },
	{ "!0x906ea,0x2", 0x906ea, 0x2, true },
	{ "0xffffffff", 0xffffffff, 0, false },
	{ "0x00000000000906ea", 0x906ea, 0, false },
	{ "06-9e-0a", 0x000906ea, 0, false },
	{ "06-8e-09", 0x000806e9, 0, false },
	{ "0f-04-01", 0x00000f41, 0, false },
	{ "19-21-02", 0x00a20f12, 0, false },
	{ "17-31-00", 0x00830f10, 0, false },
	{ "1a-44-00", 0x00b40f40, 0, false },
	{ "06-55-04", 0x00050654, 0, false },
	{ "06-A7-01", 0x000a0671, 0, false },
	{ "6-9e-a", 0x000906ea, 0, false },
	{ "06-05-00", 0x00000650, 0, false },
	{ "05-02-0c", 0x0000052c, 0, false },
	{ "10e-ff-f", 0x0fff0fff, 0, false },
	{ "06-9e-0a,0x22", 0x000906ea, 0x22, false },
	{ "!06-9e-0a", 0x000906ea, 0, true },
	{ "!06-9e-0a,2a", 0x000906ea, 0x2a, true },
};

START_TEST(accepts)
{
	struct cpu_spec s;
	struct diags d = { 0 };

	memset(&s, 0xaa, sizeof(s));
	ck_assert_msg(cpu_spec_parse(good[_i].text, &s, &d) == 0,
		      "\"%s\" rejected: %s", good[_i].text,
		      d.n ? d.v[0].text : "(no diagnostic)");
	ck_assert_uint_eq(d.n, 0);
	ck_assert_msg(s.sig == good[_i].sig, "\"%s\": sig 0x%x, want 0x%x",
		      good[_i].text, s.sig, good[_i].sig);
	ck_assert_uint_eq(s.pf_mask, good[_i].pf);
	ck_assert(s.exclude == good[_i].exclude);
	diags_free(&d);
}
END_TEST

/* One error about the whole command line, naming the spec: no file, no
 * offset, no core error code, no errno. */
static void assert_spec_error(const struct diags *d, const char *text,
			      const char *why)
{
	char want[128];

	ck_assert_uint_eq(d->n, 1);
	ck_assert_uint_eq(d->errors, 1);
	ck_assert_int_eq(d->v[0].level, DIAG_ERROR);
	ck_assert_ptr_null(d->v[0].file);
	ck_assert(d->v[0].offset == DIAG_NO_OFFSET);
	ck_assert_int_eq(d->v[0].code, 0);
	ck_assert_int_eq(d->v[0].sys, 0);
	snprintf(want, sizeof(want), "--cpu '%s': ", text);
	ck_assert_msg(!strncmp(d->v[0].text, want, strlen(want)),
		      "\"%s\": text \"%s\"", text, d->v[0].text);
	ck_assert_msg(strstr(d->v[0].text + strlen(want), why),
		      "\"%s\": reason \"%s\", want \"%s\"", text, d->v[0].text, why);
}

static const struct {
	const char *text;
	const char *why; /* a substring of the reason */
} bad[] = {
	{ "", "empty" },
	{ "!", "nothing after" },
	{ "!!0x906ea", "not hexadecimal" },
	{ "0x", "not hexadecimal" },
	{ "x906ea", "not hexadecimal" },
	{ "g", "not hexadecimal" },
	{ " 0x906ea", "not hexadecimal" },
	{ "0x906ea ", "junk after the signature" },
	{ "0x906eaz", "junk after the signature" },
	{ "0x906ea;0x2", "junk after the signature" },
	{ "0x100000000", "32 bits" },
	{ "123456789", "32 bits" },
	{ "0x0", "family 0" },
	{ "0x000f00ea", "family 0" },
	{ "0x906ea,", "platform mask" },
	{ "0x906ea,0x", "platform mask" },
	{ "0x906ea,0x100", "above 0xff" },
	{ "0x906ea,0x1000000000", "above 0xff" },
	{ "0x906ea,0x2,0x4", "junk after the platform mask" },
	{ "0x906ea,0x2 ", "junk after the platform mask" },
	{ ",0x2", "not hexadecimal" },
	{ "06-9e", "FF-MM-SS" },
	{ "06-9e-", "FF-MM-SS" },
	{ "06--0a", "FF-MM-SS" },
	{ "06-9e-0a-01", "junk after FF-MM-SS" },
	{ "06-9e-0ax", "junk after FF-MM-SS" },
	{ "06-9e-0a,", "platform mask" },
	{ "06-9e-0a,0x100", "above 0xff" },
	{ "0x06-9e-0a", "no 0x prefix" },
	{ "06-0x9e-0a", "FF-MM-SS" },
	{ "06-9e-10", "stepping is above 0xf" },
	{ "06-9e-100000000", "stepping is above 0xf" },
	{ "06-100-0a", "model is above 0xff" },
	{ "00-9e-0a", "family is 0" },
	{ "10f-00-00", "family is above" },
	{ "100000000-00-00", "family is above" },
	{ "05-10-00", "needs family 6" },
	{ "-9e-0a", "not hexadecimal" },
};

START_TEST(rejects)
{
	struct cpu_spec s = { .sig = 0x1234, .pf_mask = 0x56, .exclude = true };
	struct diags d = { 0 };

	ck_assert_msg(cpu_spec_parse(bad[_i].text, &s, &d) == -1,
		      "\"%s\" accepted as 0x%x,0x%x", bad[_i].text, s.sig,
		      s.pf_mask);
	assert_spec_error(&d, bad[_i].text, bad[_i].why);
	diags_free(&d);
	/* The output is untouched on failure. */
	ck_assert_uint_eq(s.sig, 0x1234);
	ck_assert_uint_eq(s.pf_mask, 0x56);
	ck_assert(s.exclude);
}
END_TEST

START_TEST(null_text_is_empty)
{
	struct cpu_spec s;
	struct diags d = { 0 };

	ck_assert_int_eq(cpu_spec_parse(NULL, &s, &d), -1);
	assert_spec_error(&d, "", "empty CPU spec");
	ck_assert_str_eq(d.v[0].text, "--cpu '': empty CPU spec");
	diags_free(&d);
}
END_TEST

/* FF-MM-SS and the signature agree both ways over the whole range. */
START_TEST(fms_round_trips)
{
	for (unsigned int f = 1; f <= 0x10e; f++)
		for (unsigned int m = 0; m <= 0xff; m++)
			for (unsigned int s = 0; s <= 0xf; s += 5) {
				uint32_t sig, fam, mod;
				struct diags d = { 0 };
				char fms[16], want[16];
				int r = cpu_sig_from_fms(f, m, s, &sig, "CPU 7", &d);

				if (f < 6 && m > 0xf) {
					ck_assert_int_eq(r, -1);
					ck_assert_uint_eq(d.errors, 1);
					ck_assert_str_eq(d.v[0].text, "CPU 7: model is "
							 "above 0xf, which needs "
							 "family 6 or later");
					diags_free(&d);
					continue;
				}
				ck_assert_int_eq(r, 0);
				ck_assert_uint_eq(d.n, 0);
				/* ... and back to the text. */
				cpu_sig_fms(sig, fms, sizeof(fms));
				snprintf(want, sizeof(want), "%02x-%02x-%02x", f, m, s);
				ck_assert_str_eq(fms, want);
				/* Linux's x86_family / x86_model / x86_stepping */
				fam = (sig >> 8) & 0xf;
				if (fam == 0xf)
					fam += (sig >> 20) & 0xff;
				mod = (sig >> 4) & 0xf;
				if (fam >= 6)
					mod += ((sig >> 16) & 0xf) << 4;
				ck_assert_uint_eq(fam, f);
				ck_assert_uint_eq(mod, m);
				ck_assert_uint_eq(sig & 0xf, s);
				ck_assert_uint_eq(sig & 0xf000f000u, 0);
			}
}
END_TEST

static Suite *cpuspec_suite(void)
{
	Suite *s = suite_create("cpuspec");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, accepts, 0, (int)(sizeof(good) / sizeof(good[0])));
	tcase_add_loop_test(tc, rejects, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, null_text_is_empty);
	/* 276k round trips: seconds under the sanitizers, past Check's 4 s. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, fms_round_trips);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(cpuspec_suite)
