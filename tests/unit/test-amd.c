// SPDX-License-Identifier: GPL-2.0-or-later
/* AMD containers: structure, per-consumer rules, ids, size caps. */
#include <string.h>

#include "unit.h"
#include "ucgen.h"
#include "vendor/amd.h"

#define ZEN2_SIG 0x00830f10u    /* family 17h */
#define ZEN3_SIG 0x00a70f52u    /* family 19h */

static struct ucgen_amd spec2(void)
{
	struct ucgen_amd s;

	memset(&s, 0, sizeof(s));
	s.n_equiv = 2;
	s.equiv[0].installed_cpu = ZEN2_SIG;
	s.equiv[1].installed_cpu = 0x00800f12;
	s.n_patch = 2;
	s.patch[0].patch_id = ucgen_amd_zen_patch_id(ZEN2_SIG, 0x2f);
	s.patch[1].patch_id = ucgen_amd_zen_patch_id(0x00800f12, 0x07);
	return s;
}

/* Walk a whole file container by container; the first error, or 0. */
static int walk(const struct ucgen_buf *b, enum uc_consumer c, size_t *err_off,
		unsigned int *containers)
{
	struct uc_amd_container ct;
	size_t pos = 0;
	int r;

	*containers = 0;
	while ((r = uc_amd_next_container(b->data, b->len, &pos, c, &ct)) > 0)
		(*containers)++;
	*err_off = pos;
	return r;
}

START_TEST(valid_container_walks)
{
	struct ucgen_amd s = spec2();
	struct ucgen_buf b = { 0 };
	struct uc_amd_container ct;
	struct uc_amd_patch p;
	size_t pos, off;
	unsigned int n;
	uint16_t id;

	ck_assert_int_eq(ucgen_amd(&s, &b), 0);
	for (unsigned int i = 0; i < UC_RULE_SETS; i++) {
		ck_assert_uc(walk(&b, uc_rule_set(i), &off, &n), 0);
		ck_assert_uint_eq(n, 1);
	}
	ck_assert_uc(uc_amd_open(b.data, b.len, UC_STRICT, &ct), 0);
	ck_assert_uint_eq(uc_amd_equiv_count(&ct), 3);   /* + terminator */
	ck_assert_uc(uc_amd_equiv_lookup(&ct, ZEN2_SIG, &id), 0);
	ck_assert_uint_eq(id, 0x8310);
	ck_assert_uc(uc_amd_equiv_lookup(&ct, ZEN3_SIG, &id), -UC_ERR_NOT_FOUND);

	pos = ct.patches;
	ck_assert_int_eq(uc_amd_next_patch(&ct, &pos, &p), 1);
	ck_assert_uint_eq(p.patch_id, 0x0830102f);
	ck_assert_uint_eq(p.equiv_id, 0x8310);
	ck_assert_uint_eq(p.size, 3200);
	ck_assert_uint_eq(uc_amd_patch_family(&p), 0x17);
	ck_assert_uint_eq(uc_amd_zen_sig(p.patch_id), ZEN2_SIG);
	ck_assert_int_eq(uc_amd_next_patch(&ct, &pos, &p), 1);
	ck_assert_int_eq(uc_amd_next_patch(&ct, &pos, &p), 0);
	ck_assert_uint_eq(pos, b.len);
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(concatenated_containers_walk)
{
	struct ucgen_amd s = spec2();
	struct ucgen_buf b = { 0 };
	size_t off;
	unsigned int n;

	ck_assert_int_eq(ucgen_amd(&s, &b), 0);
	s.equiv[0].installed_cpu = ZEN3_SIG;
	s.n_equiv = 1;
	s.n_patch = 1;
	s.patch[0].patch_id = ucgen_amd_zen_patch_id(ZEN3_SIG, 6);
	s.patch[0].size = 5568;
	ck_assert_int_eq(ucgen_amd(&s, &b), 0);
	ck_assert_uc(walk(&b, UC_STRICT, &off, &n), 0);
	ck_assert_uint_eq(n, 2);
	ucgen_buf_free(&b);
}
END_TEST

/* Each defect as Linux 6.1, Linux newest, Xen 4.17, Xen newer, strict see it. */
#define ALL(e) { e, e, e, e, e }
static const struct {
	enum ucgen_amd_defect defect;
	int want[UC_RULE_SETS];
	bool at_patch;   /* the error applies to the defective patch section */
} defects[] = {
	{ UCGEN_AMD_BAD_MAGIC, ALL(-UC_ERR_AMD_BAD_MAGIC), false },
	{ UCGEN_AMD_TRUNCATED_HEADER, ALL(-UC_ERR_AMD_TRUNCATED_HEADER), false },
	{ UCGEN_AMD_EQUIV_BAD_TYPE, ALL(-UC_ERR_AMD_EQUIV_TYPE), false },
	/* Linux takes whole entries and skips the table by its length. */
	{ UCGEN_AMD_EQUIV_LEN_NOT_16, { 0, 0, -UC_ERR_AMD_EQUIV_SIZE,
		-UC_ERR_AMD_EQUIV_SIZE, -UC_ERR_AMD_EQUIV_SIZE }, false },
	{ UCGEN_AMD_EQUIV_LEN_ZERO, ALL(-UC_ERR_AMD_EQUIV_SIZE), false },
	{ UCGEN_AMD_EQUIV_PAST_END, ALL(-UC_ERR_AMD_EQUIV_PAST_END), false },
	/* Only Xen 4.17 insists on the terminator. */
	{ UCGEN_AMD_EQUIV_NO_TERMINATOR, { 0, 0, -UC_ERR_AMD_EQUIV_TERMINATOR,
		0, -UC_ERR_AMD_EQUIV_TERMINATOR }, false },
	{ UCGEN_AMD_SECTION_BAD_TYPE, ALL(-UC_ERR_AMD_SECTION_TYPE), true },
	{ UCGEN_AMD_PATCH_TOO_SMALL, ALL(-UC_ERR_AMD_PATCH_TOO_SMALL), true },
	{ UCGEN_AMD_PATCH_PAST_END, ALL(-UC_ERR_AMD_PATCH_PAST_END), true },
	/* Linux refuses chipset-specific patches; Xen does not look. */
	{ UCGEN_AMD_CHIPSET_SPECIFIC, { -UC_ERR_AMD_CHIPSET_SPECIFIC,
		-UC_ERR_AMD_CHIPSET_SPECIFIC, 0, 0,
		-UC_ERR_AMD_CHIPSET_SPECIFIC }, true },
	/* Junk after a container reads as a bad section, for every loader. */
	{ UCGEN_AMD_TRAILING_JUNK, ALL(-UC_ERR_AMD_SECTION_TYPE), false },
};

START_TEST(defect_gives_exact_error)
{
	struct ucgen_amd s = spec2();
	struct ucgen_buf b = { 0 }, good = { 0 };
	size_t off, patch_off;
	unsigned int n;

	/* Where the second patch section starts in the valid container. */
	ck_assert_int_eq(ucgen_amd(&s, &good), 0);
	patch_off = 12 + 16 * 3 + 8 + 3200;

	s.defect = defects[_i].defect;
	s.defect_index = 1;
	ck_assert_int_eq(ucgen_amd(&s, &b), 0);
	for (unsigned int i = 0; i < UC_RULE_SETS; i++) {
		enum uc_consumer c = uc_rule_set(i);
		int r = walk(&b, c, &off, &n);

		ck_assert_msg(r == defects[_i].want[i], "%s as %s: got %s, want %s",
			      ucgen_amd_defect_name(s.defect), uc_consumer_name(c),
			      uc_errname(r), uc_errname(defects[_i].want[i]));
		if (r && defects[_i].at_patch)
			ck_assert_uint_eq(off, patch_off);
		if (s.defect == UCGEN_AMD_TRAILING_JUNK)
			ck_assert_uint_eq(off, good.len);
	}
	ucgen_buf_free(&b);
	ucgen_buf_free(&good);
}
END_TEST

START_TEST(zero_padding_between_containers_is_named)
{
	struct ucgen_amd s = spec2();
	struct ucgen_buf b = { 0 };
	size_t off, first;
	unsigned int n;

	ck_assert_int_eq(ucgen_amd(&s, &b), 0);
	first = b.len;
	ck_assert_int_eq(ucgen_buf_append(&b, (uint8_t[16]){ 0 }, 16), 0);
	ck_assert_int_eq(ucgen_amd(&s, &b), 0);
	for (unsigned int i = 0; i < UC_RULE_SETS; i++) {
		ck_assert_uc(walk(&b, uc_rule_set(i), &off, &n), -UC_ERR_AMD_TRAILING);
		ck_assert_uint_eq(off, first);
	}
	ucgen_buf_free(&b);
}
END_TEST

/* A walker's error offset is *pos: the container, or the section in it. */
START_TEST(container_walk_error_is_at_pos)
{
	struct ucgen_amd s = spec2();
	struct ucgen_buf b = { 0 };
	struct uc_amd_container ct;
	size_t pos, first;

	ck_assert_int_eq(ucgen_amd(&s, &b), 0);
	first = b.len;
	s.defect = UCGEN_AMD_SECTION_BAD_TYPE;
	s.defect_index = 1;
	ck_assert_int_eq(ucgen_amd(&s, &b), 0);
	pos = 0;
	ck_assert_int_eq(uc_amd_next_container(b.data, b.len, &pos, UC_STRICT, &ct), 1);
	ck_assert_uint_eq(pos, first);
	ck_assert_uc(uc_amd_next_container(b.data, b.len, &pos, UC_STRICT, &ct),
		     -UC_ERR_AMD_SECTION_TYPE);
	ck_assert_uint_eq(pos, first + 12 + 16 * 3 + 8 + 3200);
	/* A broken container header: the container's own offset. */
	b.data[first] = 'X';
	pos = first;
	ck_assert_uc(uc_amd_next_container(b.data, b.len, &pos, UC_STRICT, &ct),
		     -UC_ERR_AMD_BAD_MAGIC);
	ck_assert_uint_eq(pos, first);
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(equiv_entries_and_probe)
{
	struct ucgen_amd s = spec2();
	struct ucgen_buf b = { 0 };
	const uint8_t *first;

	s.equiv[0].equiv_id = 0x8310;   /* as AMD derives it */
	s.equiv[1].equiv_id = 0x1234;   /* and one it does not */
	ck_assert_int_eq(ucgen_amd(&s, &b), 0);
	/* The table starts right after the magic and its section header. */
	first = b.data + UC_AMD_CONTAINER_HDR_SIZE;
	ck_assert_uint_eq(uc_amd_equiv_entry_cpu(first), ZEN2_SIG);
	ck_assert_uint_eq(uc_amd_equiv_entry_id(first), 0x8310);
	ck_assert_uint_eq(uc_amd_equiv_entry_cpu(first + 16), 0x00800f12);
	ck_assert_uint_eq(uc_amd_equiv_entry_id(first + 16), 0x1234);
	ck_assert_uint_eq(uc_amd_equiv_entry_cpu(first + 32), 0);
	ck_assert_uint_eq(uc_amd_equiv_entry_id(first + 32), 0);

	ck_assert(uc_amd_probe(b.data, b.len));
	ck_assert(uc_amd_probe(b.data, 4));
	ck_assert(!uc_amd_probe(b.data, 3));
	b.data[3] = 1;                  /* "DMA" then not NUL */
	ck_assert(!uc_amd_probe(b.data, b.len));
	ck_assert(!uc_amd_probe("070701", 6));
	ucgen_buf_free(&b);
}
END_TEST

START_TEST(ids_decode)
{
	ck_assert_uint_eq(uc_amd_equiv_id_of(0x00a70f52), 0xa752);
	ck_assert_uint_eq(uc_amd_equiv_id_of(0x00100f43), 0x1043);
	ck_assert_uint_eq(uc_amd_equiv_id_of(0x00800f12), 0x8012);
	ck_assert_uint_eq(uc_amd_zen_sig(0x0a705206), 0x00a70f52);
	ck_assert_uint_eq(uc_amd_zen_sig(0x08301055), 0x00830f10);
	ck_assert_uint_eq(uc_amd_equiv_id_of(ZEN3_SIG), ucgen_amd_equiv_id(ZEN3_SIG));
}
END_TEST

START_TEST(size_caps_per_consumer)
{
	ck_assert_uint_eq(uc_amd_max_patch_size(0x10, UC_LINUX_6_1), 2048);
	ck_assert_uint_eq(uc_amd_max_patch_size(0x14, UC_LINUX_NEWEST), 1824);
	ck_assert_uint_eq(uc_amd_max_patch_size(0x13, UC_LINUX_6_1), 0);
	ck_assert_uint_eq(uc_amd_max_patch_size(0x19, UC_LINUX_6_1), UINT32_MAX);
	ck_assert_uint_eq(uc_amd_max_patch_size(0x15, UC_XEN_4_17), 4096);
	ck_assert_uint_eq(uc_amd_max_patch_size(0x16, UC_XEN_4_17), 3458);
	ck_assert_uint_eq(uc_amd_max_patch_size(0x17, UC_XEN_4_17), 3200);
	ck_assert_uint_eq(uc_amd_max_patch_size(0x19, UC_XEN_4_17), 5568);
	ck_assert_uint_eq(uc_amd_max_patch_size(0x1a, UC_XEN_4_17), 2048);
	ck_assert_uint_eq(uc_amd_max_patch_size(0x1a, UC_XEN_NEWER), 15296);
	ck_assert_uint_eq(uc_amd_max_patch_size(0x19, UC_STRICT), 5568);
}
END_TEST

START_TEST(oversize_patch_fails_strict)
{
	struct ucgen_amd s = spec2();
	struct ucgen_buf b = { 0 };
	size_t off;
	unsigned int n;

	s.patch[1].size = 3204;   /* family 17h cap is 3200 on Xen */
	ck_assert_int_eq(ucgen_amd(&s, &b), 0);
	ck_assert_uc(walk(&b, UC_STRICT, &off, &n), -UC_ERR_AMD_PATCH_TOO_BIG);
	ck_assert_uint_eq(off, 12 + 16 * 3 + 8 + 3200);
	ck_assert_uc(walk(&b, UC_LINUX_6_1, &off, &n), 0);
	ucgen_buf_free(&b);
}
END_TEST

static Suite *amd_suite(void)
{
	Suite *s = suite_create("amd");
	TCase *tc = tcase_create("container");

	tcase_add_test(tc, valid_container_walks);
	tcase_add_test(tc, concatenated_containers_walk);
	tcase_add_loop_test(tc, defect_gives_exact_error, 0,
			    (int)(sizeof(defects) / sizeof(defects[0])));
	tcase_add_test(tc, zero_padding_between_containers_is_named);
	tcase_add_test(tc, container_walk_error_is_at_pos);
	tcase_add_test(tc, equiv_entries_and_probe);
	tcase_add_test(tc, ids_decode);
	tcase_add_test(tc, size_caps_per_consumer);
	tcase_add_test(tc, oversize_patch_fails_strict);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(amd_suite)
