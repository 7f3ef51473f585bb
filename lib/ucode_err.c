// SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
#include "ucode_env.h"
#include "ucode_err.h"

#define E(code, text) [code] = { #code, text }

static const struct {
	const char *name;
	const char *text;
} uc_errors[UC_ERR_MAX] = {
	E(UC_OK, "success"),
	E(UC_ERR_NOSPACE, "output buffer too small"),
	E(UC_ERR_SINK, "the output could not be written"),
	E(UC_ERR_BADARG, "invalid argument"),
	E(UC_ERR_NOT_FOUND, "not found"),
	E(UC_ERR_CPIO_TRUNCATED_HEADER, "cpio header truncated"),
	E(UC_ERR_CPIO_BAD_MAGIC, "bad cpio magic (not newc 070701/070702)"),
	E(UC_ERR_CPIO_BAD_HEX, "cpio header field is not hexadecimal"),
	E(UC_ERR_CPIO_NAMESIZE_ZERO, "cpio name size is zero"),
	E(UC_ERR_CPIO_NAME_PAST_END, "cpio name runs past the end of the data"),
	E(UC_ERR_CPIO_NAME_UNTERMINATED, "cpio name is not NUL-terminated"),
	E(UC_ERR_CPIO_DATA_PAST_END, "cpio file data runs past the end of the data"),
	E(UC_ERR_CPIO_NO_TRAILER, "cpio archive has no TRAILER!!! entry"),
	E(UC_ERR_CPIO_FIELD_TOO_BIG, "value does not fit a cpio header field"),
	E(UC_ERR_CPIO_NAME_TOO_LONG, "name too long for a cpio entry"),
	E(UC_ERR_CPIO_BAD_ALIGN, "cpio alignment is not a power of two of at least 4"),
	E(UC_ERR_INTEL_TRUNCATED_HEADER, "Intel microcode header truncated"),
	E(UC_ERR_INTEL_HEADER_VERSION, "Intel microcode header version is not 1"),
	E(UC_ERR_INTEL_LOADER_VERSION, "Intel microcode loader version is not 1"),
	E(UC_ERR_INTEL_DATASIZE_EXCEEDS_TOTAL, "Intel microcode data size exceeds total size"),
	E(UC_ERR_INTEL_TRUNCATED, "Intel microcode update truncated"),
	E(UC_ERR_INTEL_TOTALSIZE_NOT_1K, "Intel microcode total size is not a multiple of 1024"),
	E(UC_ERR_INTEL_DATASIZE_NOT_4, "Intel microcode data size is not a multiple of 4"),
	E(UC_ERR_INTEL_CHECKSUM, "Intel microcode checksum mismatch"),
	E(UC_ERR_INTEL_EXT_TRUNCATED, "extended signature table truncated"),
	E(UC_ERR_INTEL_EXT_SIZE, "extended signature table size mismatch"),
	E(UC_ERR_INTEL_EXT_CHECKSUM, "extended signature table checksum mismatch"),
	E(UC_ERR_INTEL_EXT_ENTRY_CHECKSUM, "extended signature checksum mismatch"),
	E(UC_ERR_INTEL_TRAILING, "trailing bytes after the last Intel microcode update"),
	E(UC_ERR_DAT_BAD_CHAR, "unexpected character in Intel .dat text"),
	E(UC_ERR_DAT_BAD_LITERAL, "malformed hex literal in Intel .dat text (want 0x and 1 to 8 hex digits)"),
	E(UC_ERR_DAT_LITERAL_TOO_LONG, "hex literal in Intel .dat text has more than 8 digits"),
	E(UC_ERR_DAT_MISSING_COMMA, "missing comma between literals in Intel .dat text"),
	E(UC_ERR_DAT_STRAY_COMMA, "comma without a preceding literal in Intel .dat text"),
	E(UC_ERR_DAT_UNTERMINATED_COMMENT, "unterminated /* comment in Intel .dat text"),
	E(UC_ERR_AMD_TRUNCATED_HEADER, "AMD container header truncated"),
	E(UC_ERR_AMD_BAD_MAGIC, "bad AMD container magic"),
	E(UC_ERR_AMD_EQUIV_TYPE, "AMD equivalence table section has the wrong type"),
	E(UC_ERR_AMD_EQUIV_SIZE, "AMD equivalence table size is not a non-zero multiple of 16"),
	E(UC_ERR_AMD_EQUIV_PAST_END, "AMD equivalence table runs past the end of the data"),
	E(UC_ERR_AMD_EQUIV_TERMINATOR, "AMD equivalence table lacks its zero terminator entry"),
	E(UC_ERR_AMD_SECTION_TRUNCATED, "AMD patch section header truncated"),
	E(UC_ERR_AMD_SECTION_TYPE, "AMD patch section has the wrong type"),
	E(UC_ERR_AMD_PATCH_TOO_SMALL, "AMD patch smaller than its header"),
	E(UC_ERR_AMD_PATCH_PAST_END, "AMD patch runs past the end of the data"),
	E(UC_ERR_AMD_PATCH_TOO_BIG, "AMD patch exceeds the size limit for its family"),
	E(UC_ERR_AMD_CHIPSET_SPECIFIC, "AMD patch is chipset-specific (nb/sb device id set)"),
	E(UC_ERR_AMD_TRAILING, "zero padding after an AMD container"),
	E(UC_ERR_NO_FILE, "no microcode file for this vendor in the early cpio"),
	E(UC_ERR_NO_MATCH, "no microcode for this CPU"),
	E(UC_ERR_NOT_NEWER, "microcode for this CPU is not newer than the CPU's revision"),
	E(UC_ERR_FILE_REJECTED, "the loader rejects the whole microcode file"),
	E(UC_ERR_UNSUPPORTED_CPU, "the loader does not load microcode on this CPU"),
	E(UC_ERR_REFUSED, "the loader refuses this patch for this CPU"),
	E(UC_ERR_SHADOWED, "an earlier member whose name starts with the microcode path shadows it"),
	E(UC_ERR_UNREACHABLE_NAME, "microcode under a name the loaders never look up"),
	E(UC_ERR_DUPLICATE_MEMBER, "a second copy of the microcode file that the loaders never read"),
	E(UC_ERR_MISALIGNED, "Intel microcode data is not 16-byte aligned"),
	E(UC_ERR_AMD_ORDER, "a container for families below 15h follows one with larger patches"),
	E(UC_ERR_NOT_REGULAR, "the microcode path names a directory or another non-regular file"),
};

static unsigned int uc_err_index(int err)
{
	/* Negate in unsigned: -INT_MIN overflows int, and long on i386. */
	unsigned int e = err < 0 ? 0u - (unsigned int)err : (unsigned int)err;

	return e < UC_ERR_MAX ? e : UC_ERR_MAX;
}

const char *uc_strerror(int err)
{
	unsigned int e = uc_err_index(err);

	return e < UC_ERR_MAX && uc_errors[e].text ? uc_errors[e].text
						     : "unknown error";
}

const char *uc_errname(int err)
{
	unsigned int e = uc_err_index(err);

	return e < UC_ERR_MAX && uc_errors[e].name ? uc_errors[e].name
						     : "UC_ERR_UNKNOWN";
}
