// SPDX-License-Identifier: GPL-2.0-or-later
/* The configuration files: reading them, and one exact line format. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "domain/config.h"
#include "domain/cpu.h"
#include "util/alloc.h"
#include "util/diag.h"
#include "util/fileio.h"

const char *const config_keys[] = {
	"select", "cpu", "vendor", "date-before", "date-after", "downgrade",
	"source", NULL,
};

/* Where a setting came from, for its messages. */
struct where {
	const char *file;
	size_t line;
	struct diags *d;
};

__attribute__((format(printf, 2, 3)))
static int bad(const struct where *w, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return diag_error(w->d, w->file, "line %zu: %s", w->line, text);
}

static bool blank(char c)
{
	/* \r: a file saved with CRLF line ends means the same. */
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * bytes [p, p+n) as a message may show them: printable ASCII as is, other
 * bytes as \xNN, at most 48 bytes of it.
 */
static const char *shown(char *out, size_t size, const char *p, size_t n)
{
	size_t o = 0, i;

	for (i = 0; i < n && i < 48 && o + 5 < size; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
	}
	if (i < n && o + 4 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
	return out;
}

bool config_date(const char *s, uint32_t *ymd)
{
	static const unsigned char days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
					      31, 30, 31 };
	unsigned int v[3] = { 0 }, width[3] = { 4, 2, 2 };

	for (int f = 0; f < 3; f++) {
		for (unsigned int i = 0; i < width[f]; i++, s++) {
			if (*s < '0' || *s > '9')
				return false;
			v[f] = v[f] * 10 + (unsigned int)(*s - '0');
		}
		if (*s++ != (f < 2 ? '-' : 0))
			return false;
	}
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > days[v[1] - 1])
		return false;
	*ymd = v[0] * 10000 + v[1] * 100 + v[2];
	return true;
}

static void list_free(char ***v, size_t *n, size_t *cap)
{
	for (size_t i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = *cap = 0;
}

static void list_add(char ***v, size_t *n, size_t *cap, const char *word)
{
	grow(v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(word);
}

/* ---- one handler a key; value is trimmed, NUL-terminated, may be "" ---- */

static int set_select(struct config *cfg, char *value, const struct where *w)
{
	char s[256];

	cfg->selection_set = true;
	if (!*value || !strcmp(value, "all")) {
		cfg->select = CONFIG_SELECT_ALL;
		list_free(&cfg->cpus, &cfg->n_cpus, &cfg->cap_cpus);
	} else if (!strcmp(value, "host")) {
		cfg->select = CONFIG_SELECT_HOST;
	} else {
		return bad(w, "select: '%s' is neither all nor host",
			   shown(s, sizeof(s), value, strlen(value)));
	}
	return 0;
}

static int set_cpu(struct config *cfg, char *value, const struct where *w)
{
	int rc = 0;

	cfg->selection_set = true;
	if (!*value)
		list_free(&cfg->cpus, &cfg->n_cpus, &cfg->cap_cpus);
	for (char *save, *word = strtok_r(value, " \t\r", &save); word;
	     word = strtok_r(NULL, " \t\r", &save)) {
		struct diags scratch = { 0 };
		struct cpu_spec spec;
		const char *why;
		char s[256];

		if (!cpu_spec_parse(word, &spec, &scratch)) {
			list_add(&cfg->cpus, &cfg->n_cpus, &cfg->cap_cpus, word);
			continue;
		}
		/* Its "--cpu 'X': why" names the option; here it is a key. */
		why = diag_first_error(&scratch)->text;
		if (!strncmp(why, "--cpu '", 7) && strstr(why, "': "))
			why = strstr(why, "': ") + 3;
		rc = bad(w, "cpu '%s': %s", shown(s, sizeof(s), word, strlen(word)), why);
		diags_free(&scratch);
	}
	return rc;
}

static int set_vendor(struct config *cfg, char *value, const struct where *w)
{
	char s[256];

	cfg->selection_set = true;
	cfg->vendor_only = *value != 0;
	if (!*value)
		cfg->vendor = UC_VENDOR_INTEL;
	else if (!strcasecmp(value, "intel"))
		cfg->vendor = UC_VENDOR_INTEL;
	else if (!strcasecmp(value, "amd"))
		cfg->vendor = UC_VENDOR_AMD;
	else
		return bad(w, "vendor: '%s' is neither intel nor amd",
			   shown(s, sizeof(s), value, strlen(value)));
	return 0;
}

static int set_date(uint32_t *ymd, const char *key, char *value,
		    const struct where *w)
{
	char s[256];

	if (!*value) {
		*ymd = 0;
		return 0;
	}
	if (!config_date(value, ymd))
		return bad(w, "%s: '%s' is not a date of the form YYYY-MM-DD", key,
			   shown(s, sizeof(s), value, strlen(value)));
	return 0;
}

static int set_date_before(struct config *cfg, char *value, const struct where *w)
{
	cfg->selection_set = true;
	return set_date(&cfg->date_before, "date-before", value, w);
}

static int set_date_after(struct config *cfg, char *value, const struct where *w)
{
	cfg->selection_set = true;
	return set_date(&cfg->date_after, "date-after", value, w);
}

static int set_downgrade(struct config *cfg, char *value, const struct where *w)
{
	char s[256];

	cfg->selection_set = true;
	if (!*value || !strcmp(value, "no"))
		cfg->downgrade = false;
	else if (!strcmp(value, "yes"))
		cfg->downgrade = true;
	else
		return bad(w, "downgrade: '%s' is neither yes nor no",
			   shown(s, sizeof(s), value, strlen(value)));
	return 0;
}

static int set_source(struct config *cfg, char *value, const struct where *w)
{
	int rc = 0;

	if (!*value)
		list_free(&cfg->sources, &cfg->n_sources, &cfg->cap_sources);
	for (char *save, *word = strtok_r(value, " \t\r", &save); word;
	     word = strtok_r(NULL, " \t\r", &save)) {
		char s[256];

		/* Relative to what?  A configuration has no working directory. */
		if (word[0] != '/')
			rc = bad(w, "source '%s' is not an absolute path",
				 shown(s, sizeof(s), word, strlen(word)));
		else
			list_add(&cfg->sources, &cfg->n_sources, &cfg->cap_sources, word);
	}
	return rc;
}

/* In the order of config_keys: one list of names. */
static int (*const setters[])(struct config *cfg, char *value,
			      const struct where *w) = {
	set_select, set_cpu, set_vendor, set_date_before, set_date_after,
	set_downgrade, set_source,
};
_Static_assert(sizeof(setters) / sizeof(setters[0]) + 1 ==
		       sizeof(config_keys) / sizeof(config_keys[0]),
	       "a setter for every key");

/* One line, without its '\n'. */
static int parse_line(struct config *cfg, const char *p, size_t n,
		      const struct where *w)
{
	const char *key, *value;
	size_t key_len, value_len, k;
	char s[256], *v;
	int r;

	if (memchr(p, 0, n))
		return bad(w, "NUL byte");
	while (n && blank(*p))
		p++, n--;
	while (n && blank(p[n - 1]))
		n--;
	if (!n || *p == '#')
		return 0;
	key = p;
	while (n && !blank(*p) && *p != '=')
		p++, n--;
	key_len = (size_t)(p - key);
	while (n && blank(*p))
		p++, n--;
	if (!key_len || !n || *p != '=')
		return bad(w, "'%s' is not a setting (key = value)",
			   shown(s, sizeof(s), key, (size_t)(p + n - key)));
	p++, n--;
	while (n && blank(*p))
		p++, n--;
	value = p;
	value_len = n;
	for (k = 0; config_keys[k]; k++)
		if (strlen(config_keys[k]) == key_len &&
		    !memcmp(config_keys[k], key, key_len))
			break;
	if (!config_keys[k])
		return bad(w, "unknown key '%s'", shown(s, sizeof(s), key, key_len));
	for (size_t i = 0; i < value_len; i++) {
		unsigned char c = (unsigned char)value[i];

		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return bad(w, "%s: control character \\x%02x in the value",
				   config_keys[k], c);
	}
	v = xmalloc(value_len + 1);
	memcpy(v, value, value_len);
	v[value_len] = 0;
	r = setters[k](cfg, v, w);
	free(v);
	return r;
}

int config_parse(struct config *cfg, const void *buf, size_t len,
		 const char *file, struct diags *d)
{
	const char *p = buf, *end = p + len;
	struct where w = { file, 0, d };
	int rc = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		w.line++;
		if (parse_line(cfg, p, n, &w))
			rc = -1;
		p += n + (nl != NULL);
	}
	return rc;
}

/* One file: absent is nothing; present must be a readable regular file. */
static int load_file(struct config *cfg, const char *path, struct diags *d)
{
	struct stat st;
	uint8_t *data;
	size_t len;
	int r;

	if (stat(path, &st))
		return errno == ENOENT ? 0 : diag_sys(d, path, errno, "cannot read");
	if (!S_ISREG(st.st_mode))
		return diag_error(d, path, "not a regular file");
	if (st.st_size > CONFIG_MAX_SIZE)
		return diag_error(d, path, "%lld bytes: no configuration is this big",
				  (long long)st.st_size);
	if (read_file(path, &data, &len, d))
		return -1;
	if (len > CONFIG_MAX_SIZE) {        /* it grew since stat */
		free(data);
		return diag_error(d, path, "%zu bytes: no configuration is this big", len);
	}
	r = config_parse(cfg, data, len, path, d);
	free(data);
	return r;
}

static int by_name(const void *a, const void *b)
{
	/* strcmp compares as unsigned char: byte order. */
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool dropin_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".conf");
}

int config_load(struct config *cfg, const char *root, struct diags *d)
{
	char *prefix, *path, **names = NULL;
	size_t n_names = 0, cap = 0, n;
	struct dirent *e;
	DIR *dir;
	int rc;

	/* "/" and "" are this system; no "//etc". */
	n = root ? strlen(root) : 0;
	while (n && root[n - 1] == '/')
		n--;
	prefix = xmalloc(n + 1);
	memcpy(prefix, root ? root : "", n);
	prefix[n] = 0;

	path = xasprintf("%s%s", prefix, CONFIG_FILE);
	rc = load_file(cfg, path, d);
	free(path);

	path = xasprintf("%s%s", prefix, CONFIG_DIR);
	dir = opendir(path);
	if (!dir && errno != ENOENT)
		rc = diag_sys(d, path, errno, "cannot read");
	while (dir && (errno = 0, e = readdir(dir))) {
		if (!dropin_name(e->d_name))
			continue;
		grow(&names, &cap, n_names + 1, sizeof(*names));
		names[n_names++] = xstrdup(e->d_name);
	}
	if (dir && errno)
		rc = diag_sys(d, path, errno, "cannot read");
	if (dir)
		closedir(dir);
	if (n_names)
		qsort(names, n_names, sizeof(*names), by_name);
	for (size_t i = 0; i < n_names; i++) {
		char *file = xasprintf("%s/%s", path, names[i]);

		if (load_file(cfg, file, d))
			rc = -1;
		free(file);
		free(names[i]);
	}
	free(names);
	free(path);

	/* The sources are the configured system's paths. */
	for (size_t i = 0; *prefix && i < cfg->n_sources; i++) {
		char *under = xasprintf("%s%s", prefix, cfg->sources[i]);

		free(cfg->sources[i]);
		cfg->sources[i] = under;
	}
	free(prefix);
	return rc;
}

void config_free(struct config *cfg)
{
	list_free(&cfg->cpus, &cfg->n_cpus, &cfg->cap_cpus);
	list_free(&cfg->sources, &cfg->n_sources, &cfg->cap_sources);
	*cfg = (struct config){ 0 };
}
