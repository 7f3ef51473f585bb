// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --cpu SPEC: the CPUs to select microcode for, named by hand.
 *
 *   [!]SIG[,PF]        SIG is the CPUID(1).EAX signature in hexadecimal, with
 *                      or without a 0x/0X prefix (906ea means 0x906ea: a
 *                      signature is never decimal), at most 32 bits, and its
 *                      family must not be 0.
 *   [!]FF-MM-SS[,PF]   display family, model and stepping in hexadecimal
 *                      (no 0x), as in Intel's intel-ucode/FF-MM-SS file names
 *                      and AMD's family numbering: 06-9e-0a is 0x906ea,
 *                      19-21-02 is 0xa20f12.  Family 1..0x10e, model 0..0xff
 *                      (0..0xf below family 6), stepping 0..0xf.
 *   PF                 Intel platform mask, hexadecimal, 0x optional, at most
 *                      0xff; 0 or no PF means any platform.
 *   !                  exclude these CPUs instead of adding them.
 *
 * Hex digits may be either case.  Nothing else is accepted: no spaces, no
 * empty fields, nothing after the last field.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "domain/cpu.h"
#include "util/diag.h"

#define FAMILY_MAX (0xfu + 0xffu) /* base family 0xf plus 8 extended bits */

/*
 * Hex number at p, with an optional 0x prefix when prefix_ok.  Returns the
 * character after it, or NULL when there are no digits.  Values over 32 bits
 * set *too_big (and *v is then meaningless).
 */
static const char *hex(const char *p, bool prefix_ok, uint32_t *v,
		       bool *too_big)
{
	uint64_t acc = 0;
	const char *start;

	*too_big = false;
	if (prefix_ok && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	start = p;
	for (int d; (d = hex_digit(*p)) >= 0; p++) {
		acc = acc * 16 + (unsigned int)d;
		if (acc > UINT32_MAX) {
			*too_big = true;
			acc = UINT32_MAX; /* keep consuming digits */
		}
	}
	if (p == start)
		return NULL;
	*v = (uint32_t)acc;
	return p;
}

/* The checks below say what is wrong in *why, a static sentence fragment;
 * the public functions turn it into a diagnostic. */
static int fms_to_sig(unsigned int family, unsigned int model,
		      unsigned int stepping, uint32_t *sig, const char **why)
{
	unsigned int base, ext;

	if (family < 1) {
		*why = "family is 0";
		return -1;
	}
	if (family > FAMILY_MAX) {
		*why = "family is above 0x10e (0xf plus 8 extended family bits)";
		return -1;
	}
	if (model > 0xff) {
		*why = "model is above 0xff";
		return -1;
	}
	/* Linux (x86_model) adds the extended model bits from family 6 on. */
	if (model > 0xf && family < 6) {
		*why = "model is above 0xf, which needs family 6 or later";
		return -1;
	}
	if (stepping > 0xf) {
		*why = "stepping is above 0xf";
		return -1;
	}
	base = family >= 0xf ? 0xf : family;
	ext = family >= 0xf ? family - 0xf : 0;
	*sig = (uint32_t)ext << 20 | (uint32_t)(model >> 4) << 16 |
	       (uint32_t)base << 8 | (uint32_t)(model & 0xf) << 4 |
	       (uint32_t)stepping;
	return 0;
}

/* FF-MM-SS at p; *end is set past it. */
static int parse_fms(const char *p, const char **end, uint32_t *sig,
		     const char **why)
{
	uint32_t f[3];
	bool big;

	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			if (*p != '-') {
				*why = "expected FF-MM-SS (hex family-model-stepping)";
				return -1;
			}
			p++;
		}
		p = hex(p, false, &f[i], &big);
		if (!p) {
			*why = "expected FF-MM-SS (hex family-model-stepping)";
			return -1;
		}
		if (big) {
			*why = i == 0 ? "family is above 0x10e (0xf plus 8 extended family bits)"
			     : i == 1 ? "model is above 0xff"
				      : "stepping is above 0xf";
			return -1;
		}
	}
	*end = p;
	return fms_to_sig(f[0], f[1], f[2], sig, why);
}

int cpu_sig_from_fms(unsigned int family, unsigned int model,
		     unsigned int stepping, uint32_t *sig, const char *what,
		     struct diags *d)
{
	const char *why;

	if (fms_to_sig(family, model, stepping, sig, &why))
		return diag_error(d, NULL, "%s: %s", what, why);
	return 0;
}

static int spec_parse(const char *text, struct cpu_spec *spec, const char **why)
{
	struct cpu_spec s = { 0 };
	const char *p = text, *q;
	bool big;

	*why = NULL;
	if (!p || !*p) {
		*why = "empty CPU spec";
		return -1;
	}
	if (*p == '!') {
		s.exclude = true;
		p++;
		if (!*p) {
			*why = "nothing after '!'";
			return -1;
		}
	}

	q = hex(p, true, &s.sig, &big);
	if (q && *q == '-') {
		if (q - p >= 2 && (p[1] == 'x' || p[1] == 'X')) {
			*why = "FF-MM-SS fields take no 0x prefix";
			return -1;
		}
		if (parse_fms(p, &q, &s.sig, why) < 0)
			return -1;
		if (*q && *q != ',') {
			*why = "junk after FF-MM-SS";
			return -1;
		}
	} else {
		if (!q) {
			*why = "signature is not hexadecimal (want SIG[,PF_MASK] or FF-MM-SS)";
			return -1;
		}
		if (big) {
			*why = "signature does not fit in 32 bits";
			return -1;
		}
		if (*q && *q != ',') {
			*why = "junk after the signature";
			return -1;
		}
		/* Family as Linux's x86_family computes it. */
		if (((s.sig >> 8) & 0xf) == 0) {
			*why = "signature has family 0";
			return -1;
		}
	}

	if (*q == ',') {
		q = hex(q + 1, true, &s.pf_mask, &big);
		if (!q) {
			*why = "platform mask after ',' is not hexadecimal";
			return -1;
		}
		if (big || s.pf_mask > 0xff) {
			*why = "platform mask is above 0xff";
			return -1;
		}
		if (*q) {
			*why = "junk after the platform mask";
			return -1;
		}
	}
	*spec = s;
	return 0;
}

int cpu_spec_parse(const char *text, struct cpu_spec *spec, struct diags *d)
{
	const char *why;

	if (spec_parse(text, spec, &why))
		return diag_error(d, NULL, "--cpu '%s': %s", text ? text : "", why);
	return 0;
}

void cpu_sig_fms(uint32_t sig, char *buf, size_t size)
{
	unsigned int base = (sig >> 8) & 0xf, family = base, model = (sig >> 4) & 0xf;

	if (base == 0xf)
		family += (sig >> 20) & 0xff;
	if (base >= 6)
		model |= ((sig >> 16) & 0xf) << 4;
	snprintf(buf, size, "%02x-%02x-%02x", family, model, sig & 0xf);
}
