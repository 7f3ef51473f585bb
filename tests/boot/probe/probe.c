// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The freestanding probe: booted like a hypervisor, it reads the CPU the
 * way Xen 4.17 does (collect_cpu_info), then asks the core's "what would
 * load" about every multiboot module and prints the answers on COM1.
 * It links against the same freestanding i386 object of lib/cpio and
 * lib/vendor that the unit tests inspect, so a run proves the scanner and
 * validator work where a hypervisor runs: no libc, no allocation, 32-bit.
 *
 * Output, one line each, then "probe: done":
 *   probe: cpu intel sig 0x00050654 pf 0x01 rev 0x00000001
 *   probe: module 1 (45056 bytes) cpio xen-4.17: rev 0x02007006
 *   probe: module 1 (45056 bytes) raw xen-4.17: none: <reason>
 */
#include "ucode_env.h"
#include "ucode_err.h"
#include "loaders/load.h"

void probe_main(uint32_t magic, const uint32_t *mbi);

/* ------------------------------------------------------------ COM1 */

#define COM1 0x3f8

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts: we poll */
	outb(COM1 + 3, 0x80); /* DLAB, to set the divisor */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FIFOs on, cleared */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

static void putc_serial(char c)
{
	while (!(inb(COM1 + 5) & 0x20)) /* transmitter holding register empty */
		;
	outb(COM1, (uint8_t)c);
}

static void puts_serial(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			putc_serial('\r');
		putc_serial(*s);
	}
}

static void putdec(uint32_t v)
{
	char d[10];
	int n = 0;

	/* 32-bit division only: 64-bit would need libgcc, which we do not link. */
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		putc_serial(d[--n]);
}

static void puthex(uint32_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";

	puts_serial("0x");
	while (digits--)
		putc_serial(hex[(v >> (4 * digits)) & 0xf]);
}

/* ------------------------------------------------------------ the CPU */

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(0));
}

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

#define MSR_IA32_PLATFORM_ID 0x17
#define MSR_IA32_UCODE_REV 0x8b /* AMD: PATCH_LEVEL, same number */

static bool vendor_is(const uint32_t r[4], const char *name)
{
	/* CPUID(0) spells the vendor in EBX, EDX, ECX. */
	const uint32_t order[3] = { r[1], r[3], r[2] };
	int i;

	for (i = 0; i < 12; i++)
		if ((char)(order[i / 4] >> (8 * (i % 4))) != name[i])
			return false;
	return true;
}

/* As Xen 4.17 collects it; returns false for a vendor it does not serve. */
static bool read_cpu(struct uc_cpu *cpu)
{
	uint32_t r[4];

	cpuid(0, r);
	if (vendor_is(r, "GenuineIntel")) {
		cpu->vendor = UC_VENDOR_INTEL;
		cpuid(1, r);
		cpu->sig = r[0];
		/* Xen reads the platform id on every Intel CPU. */
		cpu->pf = 1u << ((rdmsr(MSR_IA32_PLATFORM_ID) >> 50) & 7);
		/* The SDM's recipe: clear the revision MSR, CPUID, read it. */
		wrmsr(MSR_IA32_UCODE_REV, 0);
		cpuid(1, r);
		cpu->rev = (uint32_t)(rdmsr(MSR_IA32_UCODE_REV) >> 32);
		return true;
	}
	if (vendor_is(r, "AuthenticAMD")) {
		cpu->vendor = UC_VENDOR_AMD;
		cpuid(1, r);
		cpu->sig = r[0];
		cpu->pf = 0;
		cpu->rev = (uint32_t)rdmsr(MSR_IA32_UCODE_REV);
		return true;
	}
	return false;
}

/* ------------------------------------------------------------ modules */

#define MB_BOOT_MAGIC 0x2badb002
#define MB_INFO_MODS (1u << 3)

/* The multiboot module list: {start, end, string, reserved} each. */
struct mb_module {
	uint32_t start, end, string, reserved;
};

static void report(unsigned int i, uint32_t size, enum uc_input in,
		   enum uc_consumer c, const struct uc_cpu *cpu,
		   const void *buf)
{
	struct uc_load_result r = { 0 };
	int rc = uc_would_load(buf, size, in, cpu, c, &r);

	puts_serial("probe: module ");
	putdec(i);
	puts_serial(" (");
	putdec(size);
	puts_serial(" bytes) ");
	puts_serial(in == UC_INPUT_CPIO ? "cpio " : "raw ");
	puts_serial(uc_consumer_name(c));
	if (rc == 0) {
		puts_serial(": rev ");
		puthex(r.rev, 8);
	} else {
		puts_serial(": none: ");
		puts_serial(uc_strerror(rc));
	}
	if (r.file_err) {
		puts_serial(" (file: ");
		puts_serial(uc_strerror(r.file_err));
		puts_serial(" at ");
		puthex((uint32_t)r.file_err_offset, 8);
		puts_serial(")");
	}
	puts_serial("\n");
}

void probe_main(uint32_t magic, const uint32_t *mbi)
{
	const struct mb_module *mod;
	struct uc_cpu cpu;
	uint32_t i, n;

	serial_init();
	puts_serial("probe: start\n");
	if (magic != MB_BOOT_MAGIC || !(mbi[0] & MB_INFO_MODS)) {
		puts_serial("probe: error: not booted by multiboot with modules\n");
		goto out;
	}
	if (!read_cpu(&cpu)) {
		puts_serial("probe: error: neither Intel nor AMD\n");
		goto out;
	}
	puts_serial(cpu.vendor == UC_VENDOR_INTEL ? "probe: cpu intel sig " :
						     "probe: cpu amd sig ");
	puthex(cpu.sig, 8);
	puts_serial(" pf ");
	puthex(cpu.pf, 2);
	puts_serial(" rev ");
	puthex(cpu.rev, 8);
	puts_serial("\n");

	/*
	 * Every module both ways Xen 4.17 reads one: as a cpio (ucode=scan)
	 * and as a raw vendor file (ucode=<n>).  Linux 6.1 only reads cpios.
	 */
	n = mbi[5];
	mod = (const struct mb_module *)(uintptr_t)mbi[6];
	for (i = 0; i < n; i++) {
		const void *buf = (const void *)(uintptr_t)mod[i].start;
		uint32_t size = mod[i].end - mod[i].start;

		report(i, size, UC_INPUT_CPIO, UC_XEN_4_17, &cpu, buf);
		report(i, size, UC_INPUT_RAW, UC_XEN_4_17, &cpu, buf);
		report(i, size, UC_INPUT_CPIO, UC_LINUX_6_1, &cpu, buf);
	}
out:
	puts_serial("probe: done\n");
}
