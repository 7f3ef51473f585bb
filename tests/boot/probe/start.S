/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Multiboot (v1) entry of the probe.  The boot loader (QEMU's -kernel)
 * enters in 32-bit protected mode, paging off, interrupts off, with the
 * magic in %eax and the multiboot information in %ebx; the stack is ours
 * to set up.
 */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000001 /* modules page-aligned */

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.globl _start
_start:
	movl $stack_top, %esp
	cld
	/* The ELF loader zero-fills .bss, but clearing it costs nothing and
	 * keeps the probe correct under a loader that does not. */
	movl %eax, %esi
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	pushl %ebx
	pushl %esi
	call probe_main
halt:
	cli
	hlt
	jmp halt

	.section .bss
	.balign 16
	.skip 16384
stack_top:

	/* No executable stack wanted (silences ld's deprecation warning). */
	.section .note.GNU-stack, "", @progbits
