// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /boot discovery: the files by name, the configs by location, each config
 * read by its parser from one table, paths resolved by one rule, and the
 * kernels no config names as entries of their own.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "domain/boot/discover.h"
#include "domain/boot/bls.h"
#include "domain/boot/grub.h"
#include "domain/boot/syslinux.h"
#include "domain/boot/uki.h"
#include "domain/boot/xen_efi_cfg.h"
#include "util/alloc.h"
#include "util/fileio.h"

/* A config bigger than this is no boot-loader config. */
#define CONFIG_MAX ((size_t)16 << 20)

/*
 * Where configs live, and who reads them: the one dispatch point.  fs:
 * where an absolute path in that config is looked up, under the root,
 * first found wins ("" is the root itself).  A NULL parser: the format
 * has none in this build (grub_cfg_parse, bls_entry_parse and
 * syslinux_cfg_parse go here).
 */
static const struct config_location {
	enum boot_origin origin;
	const char *dir;
	const char *pattern;
	const char *fs[2];
	boot_config_parser parse;
} config_locations[] = {
	{ BOOT_FROM_GRUB, "/boot/grub", "grub.cfg", { "/boot", "" }, grub_cfg_parse },
	{ BOOT_FROM_GRUB, "/boot/grub2", "grub.cfg", { "/boot", "" }, grub_cfg_parse },
	{ BOOT_FROM_BLS, "/boot/loader/entries", "*.conf", { "/boot", NULL }, bls_entry_parse },
	{ BOOT_FROM_BLS, "/boot/efi/loader/entries", "*.conf", { "/boot/efi", NULL }, bls_entry_parse },
	{ BOOT_FROM_BLS, "/efi/loader/entries", "*.conf", { "/efi", NULL }, bls_entry_parse },
	{ BOOT_FROM_SYSLINUX, "/boot/extlinux", "extlinux.conf", { "/boot", "" }, syslinux_cfg_parse },
	{ BOOT_FROM_SYSLINUX, "/boot/syslinux", "syslinux.cfg", { "/boot", "" }, syslinux_cfg_parse },
	{ BOOT_FROM_SYSLINUX, "/srv/tftp/pxelinux.cfg", "*", { "/srv/tftp", NULL }, syslinux_cfg_parse },
};

#define N_LOCATIONS (sizeof(config_locations) / sizeof(config_locations[0]))

/* GRUB's GRUB_EARLY_INITRD_LINUX_STOCK, in the order 10_linux loads them. */
static const char *const grub_stock_early[] = {
	"intel-uc.img", "intel-ucode.img", "amd-uc.img", "amd-ucode.img",
	"early_ucode.cpio", "microcode.cpio",
};

#define N_STOCK (sizeof(grub_stock_early) / sizeof(grub_stock_early[0]))

/* root joined with an absolute path; root NULL or "/" is the path itself. */
static char *under(const char *root, const char *path)
{
	size_t n;

	if (!root || !strcmp(root, "/"))
		return xstrdup(*path ? path : "/");
	n = strlen(root);
	while (n > 1 && root[n - 1] == '/')
		n--;
	return xasprintf("%.*s%s", (int)n, root, path);
}

static bool is_regular(const char *file)
{
	struct stat st;

	return !stat(file, &st) && S_ISREG(st.st_mode);
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return a && b && !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* A name's kind in /boot, with the version of kernels and initrds. */
static bool classify(const char *name, enum boot_found_kind *kind, char **version)
{
	size_t n = strlen(name);

	*version = NULL;
	for (size_t i = 0; i < N_STOCK; i++)
		if (!strcmp(name, grub_stock_early[i])) {
			*kind = FOUND_EARLY_IMAGE;
			return true;
		}
	if (!strcmp(name, "early-ucode.cpio") ||
	    (has_suffix(name, "-ucode.img") && n > strlen("-ucode.img"))) {
		*kind = FOUND_EARLY_IMAGE;
		return true;
	}
	if (!strncmp(name, "vmlinuz-", 8) && name[8]) {
		*kind = FOUND_KERNEL;
		*version = xstrdup(name + 8);
		return true;
	}
	if (!strncmp(name, "initrd.img-", 11) && name[11]) {
		*kind = FOUND_INITRD;
		*version = xstrdup(name + 11);
		return true;
	}
	if (!strncmp(name, "initramfs-", 10) && has_suffix(name, ".img") &&
	    n > 10 + 4) {
		*kind = FOUND_INITRD;
		*version = xasprintf("%.*s", (int)(n - 14), name + 10);
		return true;
	}
	if (!strncmp(name, "xen", 3)) {
		if (has_suffix(name, ".gz"))
			*kind = FOUND_XEN;
		else if (has_suffix(name, ".efi"))
			*kind = FOUND_XEN_EFI;
		else if (has_suffix(name, ".cfg"))
			*kind = FOUND_XEN_EFI_CFG;
		else
			return false;
		return true;
	}
	return false;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void add_found(struct boot_files *files, enum boot_found_kind kind,
		      const char *root, const char *path, char *version)
{
	struct boot_found *f;

	grow(&files->v, &files->cap, files->n + 1, sizeof(*files->v));
	f = &files->v[files->n++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->path = xstrdup(path);
	f->file = under(root, path);
	f->version = version;
}

/*
 * The regular files of dir (a path from the root) matching pattern (NULL:
 * by classify), sorted.  A directory that does not exist holds nothing;
 * one that cannot be read is an error.
 */
static int scan_dir(const char *root, const char *dir, const char *pattern,
		    enum boot_found_kind kind, struct boot_files *files,
		    struct diags *d)
{
	char *where = under(root, dir);
	struct dirent **names;
	int n = scandir(where, &names, NULL, by_name);

	if (n < 0) {
		int e = errno;

		if (e == ENOENT || e == ENOTDIR) {
			free(where);
			return 0;
		}
		diag_sys(d, where, e, "cannot read the directory");
		free(where);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char *path = xasprintf("%s/%s", dir, name);
		char *file = under(root, path);
		enum boot_found_kind k = kind;
		char *version = NULL;
		bool wanted = pattern ? !fnmatch(pattern, name, FNM_PERIOD)
				      : classify(name, &k, &version);

		if (wanted && is_regular(file))
			add_found(files, k, root, path, version);
		else
			free(version);
		free(file);
		free(path);
		free(names[i]);
	}
	free(names);
	free(where);
	return 0;
}

/* The directories of an EFI system partition's EFI/ (EFI/debian, ...). */
static const char *const esp_roots[] = { "/boot/efi", "/efi" };
static const char *const esp_efi[] = { "/EFI", "/efi" };

/*
 * xen*.efi in each vendor directory of the ESPs (EFI/VENDOR/, where
 * Xen's make install-xen and distributions put it), one file once (on a
 * FAT ESP "EFI" and "efi" are one directory).
 */
static int scan_esp_xen(const char *root, struct boot_files *files, struct diags *d)
{
	int rc = 0;

	for (size_t r = 0; r < 2; r++)
		for (size_t e = 0; e < 2; e++) {
			char *dir = xasprintf("%s%s", esp_roots[r], esp_efi[e]);
			char *where = under(root, dir);
			struct dirent **names;
			int n = scandir(where, &names, NULL, by_name);

			for (int i = 0; i < n; i++) {
				const char *v = names[i]->d_name;
				char *sub = xasprintf("%s/%s", dir, v);
				size_t before = files->n;

				if (strcmp(v, ".") && strcmp(v, "..") && strcmp(v, "Linux"))
					rc |= scan_dir(root, sub, "xen*.efi", FOUND_XEN_EFI,
						       files, d);
				/* Drop what an earlier spelling found already. */
				for (size_t k = before; k < files->n;) {
					bool seen = false;

					for (size_t j = 0; j < before && !seen; j++)
						seen = same_file(files->v[j].file, files->v[k].file);
					if (!seen) {
						k++;
						continue;
					}
					free(files->v[k].path);
					free(files->v[k].file);
					free(files->v[k].version);
					memmove(&files->v[k], &files->v[k + 1],
						(files->n - k - 1) * sizeof(*files->v));
					files->n--;
				}
				free(sub);
				free(names[i]);
			}
			if (n >= 0)
				free(names);
			free(where);
			free(dir);
		}
	return rc;
}

int boot_discover(const char *root, struct boot_files *files, struct diags *d)
{
	static const char *const uki_dirs[] = { "/boot/efi/EFI/Linux", "/efi/EFI/Linux" };
	int rc = 0;

	memset(files, 0, sizeof(*files));
	rc |= scan_dir(root, "/boot", NULL, FOUND_KERNEL, files, d);
	for (size_t i = 0; i < 2; i++)
		rc |= scan_dir(root, uki_dirs[i], "*.efi", FOUND_UKI, files, d);
	rc |= scan_esp_xen(root, files, d);
	for (size_t i = 0; i < N_LOCATIONS; i++)
		rc |= scan_dir(root, config_locations[i].dir, config_locations[i].pattern,
			       FOUND_CONFIG, files, d);
	return rc ? -1 : 0;
}

/* The location a config file (DIR-joined) was found at, or NULL. */
static const struct config_location *location_of(const char *root, const char *config)
{
	for (size_t i = 0; config && i < N_LOCATIONS; i++) {
		const struct config_location *l = &config_locations[i];
		char *dir = under(root, l->dir);
		size_t n = strlen(dir);
		bool in = !strncmp(config, dir, n) && config[n] == '/' &&
			  !strchr(config + n + 1, '/') &&
			  !fnmatch(l->pattern, config + n + 1, FNM_PERIOD);

		free(dir);
		if (in)
			return l;
	}
	return NULL;
}

char *boot_resolve(const char *root, const char *config, const char *path)
{
	static const char *const from_root[2] = { "", NULL };
	const struct config_location *l = location_of(root, config);
	const char *const *fs = l ? l->fs : from_root;
	char *file;

	/* GRUB's "(hd0,gpt2)/vmlinuz": the device is the /boot filesystem. */
	if (path[0] == '(') {
		const char *close = strchr(path, ')');

		if (!close)
			return NULL;
		path = close + 1;
	}
	if (!*path)
		return NULL;
	if (path[0] != '/') {
		const char *slash = config ? strrchr(config, '/') : NULL;

		if (!slash)
			return NULL;
		file = xasprintf("%.*s/%s", (int)(slash - config), config, path);
		if (is_regular(file))
			return file;
		free(file);
		return NULL;
	}
	for (size_t i = 0; i < 2 && fs[i]; i++) {
		char *base = under(root, fs[i]);

		file = xasprintf("%s%s", strcmp(base, "/") ? base : "", path);
		free(base);
		if (is_regular(file))
			return file;
		free(file);
	}
	return NULL;
}

static void resolve_file(const char *root, const struct boot_entry *e,
			 struct boot_file *f)
{
	if (f->path && !f->file)
		f->file = boot_resolve(root, e->config, f->path);
}

static void resolve_entry(const char *root, struct boot_entry *e)
{
	resolve_file(root, e, &e->kernel);
	resolve_file(root, e, &e->xen);
	for (size_t i = 0; i < e->n_initrds; i++)
		resolve_file(root, e, &e->initrds[i]);
	for (size_t i = 0; i < e->n_modules; i++)
		resolve_file(root, e, &e->modules[i]);
}

static int read_config(const struct config_location *l, const struct boot_found *f,
		       struct boot_entries *entries, struct diags *d)
{
	size_t first = entries->n;
	uint8_t *buf;
	size_t len;
	int r;

	if (!l->parse) {
		diag_warning(d, f->file, "not read: this build has no %s parser; "
			     "the entries it defines are not checked",
			     boot_origin_name(l->origin));
		return 0;
	}
	if (read_file(f->file, &buf, &len, d))
		return -1;
	if (len > CONFIG_MAX) {
		free(buf);
		return diag_error(d, f->file, "%zu bytes: too big for a boot-loader "
				  "configuration", len);
	}
	r = l->parse((const char *)buf, len, f->file, entries, d);
	free(buf);
	for (size_t i = first; i < entries->n; i++)
		if (!entries->v[i].config)
			entries->v[i].config = xstrdup(f->file);
	return r;
}

/* Does some entry load file (as its kernel or a Xen module)? */
static bool loaded(const struct boot_entries *entries, const char *file)
{
	for (size_t i = 0; i < entries->n; i++) {
		const struct boot_entry *e = &entries->v[i];

		if (same_file(e->kernel.file, file) || same_file(e->xen.file, file))
			return true;
		for (size_t k = 0; k < e->n_initrds; k++)
			if (same_file(e->initrds[k].file, file))
				return true;
		for (size_t k = 0; k < e->n_modules; k++)
			if (same_file(e->modules[k].file, file))
				return true;
	}
	return false;
}

static const struct boot_found *find_kind(const struct boot_files *files,
					  enum boot_found_kind kind, const char *path)
{
	for (size_t i = 0; i < files->n; i++)
		if (files->v[i].kind == kind && !strcmp(files->v[i].path, path))
			return &files->v[i];
	return NULL;
}

/* A kernel no entry loads: the entry grub-mkconfig would write for it. */
static void add_pair(struct boot_entries *entries, const struct boot_files *files,
		     const struct boot_found *kernel)
{
	struct boot_entry *e = boot_entry_add(entries, BOOT_FROM_PAIR, BOOT_LINUX);
	const struct boot_found *initrd = NULL;

	e->kernel.path = xstrdup(kernel->path);
	e->kernel.file = xstrdup(kernel->file);
	e->title = xasprintf("vmlinuz-%s", kernel->version);
	for (size_t i = 0; i < files->n && !initrd; i++)
		if (files->v[i].kind == FOUND_INITRD &&
		    !strcmp(files->v[i].version, kernel->version))
			initrd = &files->v[i];
	if (!initrd)
		return;         /* a kernel alone: the checks say what it lacks */
	for (size_t i = 0; i < N_STOCK; i++) {
		char *path = xasprintf("/boot/%s", grub_stock_early[i]);
		const struct boot_found *early = find_kind(files, FOUND_EARLY_IMAGE, path);

		if (early)
			boot_entry_add_initrd(e, early->path, 0)->file = xstrdup(early->file);
		free(path);
	}
	boot_entry_add_initrd(e, initrd->path, 0)->file = xstrdup(initrd->file);
}

/*
 * The configuration xen.efi reads: its name with .efi replaced by .cfg,
 * then, until one exists, the name cut at its last '.', '-' or '_'
 * (xen-4.17-amd64.efi: xen-4.17-amd64.cfg, xen-4.17.cfg, xen-4.cfg,
 * xen.cfg), in its directory.  NULL when none exists.
 */
char *boot_xen_efi_cfg(const char *xen_file)
{
	const char *slash = strrchr(xen_file, '/');
	size_t dir = slash ? (size_t)(slash - xen_file) + 1 : 0;
	size_t n = strlen(xen_file);
	char *base;

	if (n >= dir + 4 && !strcasecmp(xen_file + n - 4, ".efi"))
		n -= 4;
	base = xasprintf("%.*s", (int)n, xen_file);
	for (;;) {
		char *cfg = xasprintf("%s.cfg", base);
		char *cut;

		if (is_regular(cfg)) {
			free(base);
			return cfg;
		}
		free(cfg);
		cut = base + strlen(base);
		while (cut > base + dir && !strchr(".-_", cut[-1]))
			cut--;
		if (cut <= base + dir + 1)
			break;
		cut[-1] = 0;
	}
	free(base);
	return NULL;
}

/* A path in xen.cfg: from xen.efi's directory; '\\' as '/'; a leading
 * one from the root of the ESP it is on (the directory above EFI/). */
static char *resolve_xen_efi(const char *xen_file, const char *path)
{
	char *p = xstrdup(path), *file;
	const char *slash = strrchr(xen_file, '/'), *efi;
	int dir = slash ? (int)(slash - xen_file) : 0;

	for (char *c = p; *c; c++)
		if (*c == '\\')
			*c = '/';
	if (p[0] == '/') {
		/* The last EFI/ in its path is the ESP's. */
		efi = NULL;
		for (const char *at = strcasestr(xen_file, "/EFI/"); at;
		     at = strcasestr(at + 1, "/EFI/"))
			efi = at;
		file = xasprintf("%.*s%s", efi ? (int)(efi - xen_file) : dir, xen_file, p);
	} else {
		file = xasprintf("%.*s/%s", dir, xen_file, p);
	}
	free(p);
	if (is_regular(file))
		return file;
	free(file);
	return NULL;
}

/* xen.efi started by the firmware: the entry its configuration makes. */
static int xen_efi_entry(const char *root, const struct boot_found *f,
			 struct boot_entries *entries, struct diags *d)
{
	char *cfg = boot_xen_efi_cfg(f->file);
	struct xen_efi_cfg c;
	struct boot_entry *e;
	uint8_t *buf;
	size_t len;
	int r;

	(void)root;
	if (!cfg) {
		diag_note(d, f->file, "no xen*.cfg beside it: not checked as an EFI "
			  "entry (a boot loader that loads it by multiboot2 names its "
			  "modules)");
		return 0;
	}
	if (read_file(cfg, &buf, &len, d)) {
		free(cfg);
		return -1;
	}
	if (len > CONFIG_MAX) {
		free(buf);
		r = diag_error(d, cfg, "%zu bytes: too big for a xen.efi "
			       "configuration", len);
		free(cfg);
		return r;
	}
	r = xen_efi_cfg_parse((const char *)buf, len, cfg, &c, d);
	free(buf);
	if (r) {
		free(cfg);
		return -1;
	}
	e = xen_efi_entry_add(entries, &c, cfg, f->path);
	e->xen.file = xstrdup(f->file);
	for (size_t i = 0; i < e->n_modules; i++)
		e->modules[i].file = resolve_xen_efi(f->file, e->modules[i].path);
	xen_efi_cfg_free(&c);
	free(cfg);
	return 0;
}

int boot_collect(const char *root, struct boot_entries *entries,
		 struct boot_files *files, struct diags *d)
{
	int rc = boot_discover(root, files, d);

	for (size_t i = 0; i < files->n; i++) {
		const struct boot_found *f = &files->v[i];
		const struct config_location *l;
		size_t first = entries->n;

		if (f->kind != FOUND_CONFIG)
			continue;
		l = location_of(root, f->file);
		if (l && read_config(l, f, entries, d))
			rc = -1;
		for (size_t k = first; k < entries->n; k++)
			resolve_entry(root, &entries->v[k]);
	}
	/* A UKI is an entry of its own: the firmware or systemd-boot starts it. */
	for (size_t i = 0; i < files->n; i++) {
		const struct boot_found *f = &files->v[i];
		struct uki_sections s;
		struct uki_texts t;

		if (f->kind != FOUND_UKI)
			continue;
		if (uki_read(f->file, &s, &t, d)) {
			rc = -1;
			continue;
		}
		uki_entry_add(entries, f->path, f->file, &s, &t);
		uki_texts_free(&t);
	}
	for (size_t i = 0; i < files->n; i++)
		if (files->v[i].kind == FOUND_XEN_EFI &&
		    xen_efi_entry(root, &files->v[i], entries, d))
			rc = -1;
	for (size_t i = 0; i < files->n; i++)
		if (files->v[i].kind == FOUND_KERNEL && !loaded(entries, files->v[i].file))
			add_pair(entries, files, &files->v[i]);
	for (size_t i = 0; i < files->n; i++)
		files->v[i].named = files->v[i].kind == FOUND_CONFIG ||
				    loaded(entries, files->v[i].file);
	return rc;
}

void boot_files_free(struct boot_files *files)
{
	for (size_t i = 0; i < files->n; i++) {
		free(files->v[i].path);
		free(files->v[i].file);
		free(files->v[i].version);
	}
	free(files->v);
	memset(files, 0, sizeof(*files));
}

const char *boot_found_kind_name(enum boot_found_kind k)
{
	switch (k) {
	case FOUND_KERNEL: return "kernel";
	case FOUND_INITRD: return "initrd";
	case FOUND_EARLY_IMAGE: return "early-image";
	case FOUND_XEN: return "xen";
	case FOUND_XEN_EFI: return "xen-efi";
	case FOUND_XEN_EFI_CFG: return "xen-efi-cfg";
	case FOUND_UKI: return "uki";
	case FOUND_CONFIG: return "config";
	}
	return "unknown";
}

const char *boot_found_update_hint(enum boot_found_kind k)
{
	switch (k) {
	case FOUND_EARLY_IMAGE:
		return "(a separate early image): write it anew with mkucode "
		       "[SELECTION] -o FILE, or remove it and let the initrds carry "
		       "the microcode";
	case FOUND_UKI:
		return "(a unified kernel image, possibly signed): rebuild it with "
		       "ukify build --microcode=FILE (FILE from mkucode -o) and sign "
		       "it again";
	case FOUND_XEN_EFI:
		return "(xen.efi reads the raw file its .cfg names in ucode=): "
		       "mkucode --raw DIR, then point ucode= at DIR/GenuineIntel.bin "
		       "or DIR/AuthenticAMD.bin";
	default:
		return NULL;
	}
}
