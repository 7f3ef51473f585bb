// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * grub.cfg, read statically (see grub.h): a lexer that follows GRUB's
 * script lexer, a reader of its compound commands, and a runner that only
 * records values and what each menu entry loads.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/boot/grub.h"
#include "util/alloc.h"

/* ------------------------------------------------------------- values */

struct var {
	char *name;
	char *value;            /* NULL: not known statically */
	char *why;              /* why, when value is NULL */
	bool exported;
};

struct scope {
	struct var *v;
	size_t n, cap;
	const struct scope *outer;
	bool submenu;           /* the outer scope is seen through `export` only */
	unsigned int load_env;  /* line of a `load_env` naming no variable, or 0 */
};

/* What GRUB sets itself at boot: named so in the reason. */
static bool set_by_grub(const char *name)
{
	static const char *const names[] = {
		"root", "prefix", "cmdpath", "grub_platform", "grub_cpu", "chosen",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static struct var *own_var(struct scope *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

/* Record name's value (NULL: unknown, because why; why is taken). */
static struct var *set_var(struct scope *s, const char *name, const char *value,
			   char *why)
{
	struct var *v = own_var(s, name);

	if (!v) {
		grow(&s->v, &s->cap, s->n + 1, sizeof(*s->v));
		v = &s->v[s->n++];
		memset(v, 0, sizeof(*v));
		v->name = xstrdup(name);
	}
	free(v->value);
	free(v->why);
	v->value = value ? xstrdup(value) : NULL;
	v->why = value ? NULL : why;
	if (value)
		free(why);
	return v;
}

static void scope_free(struct scope *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].value);
		free(s->v[i].why);
	}
	free(s->v);
}

/* name's value, or NULL with *why set (to be freed). */
static const char *lookup(const struct scope *s, const char *name, char **why)
{
	bool exported_only = false;

	for (; s; s = s->outer) {
		for (size_t i = 0; i < s->n; i++) {
			const struct var *v = &s->v[i];

			if (strcmp(v->name, name))
				continue;
			if (exported_only && !v->exported) {
				*why = xasprintf("`$%s` is set outside the submenu but not exported",
						 name);
				return NULL;
			}
			if (!v->value)
				*why = xstrdup(v->why);
			return v->value;
		}
		if (s->load_env) {
			*why = xasprintf("`$%s` may come from grubenv (`load_env` at line %u)",
					 name, s->load_env);
			return NULL;
		}
		if (s->submenu)
			exported_only = true;
	}
	if (set_by_grub(name))
		*why = xasprintf("`$%s` is set by GRUB at boot", name);
	else
		*why = xasprintf("`$%s` is not set in this file", name);
	return NULL;
}

/* -------------------------------------------------------------- lexer */

struct word {
	char *s;
	size_t len, cap;
	bool content;           /* something was written, if only "" */
	bool keyword;           /* unquoted, unescaped, unexpanded: maybe a reserved word */
	bool literal;           /* so far only unquoted literal text */
	size_t lit;             /* leading bytes that are unquoted literal text */
	char *unknown;          /* why a $var in it is not known; NULL: none */
	unsigned int line;
	size_t off;
};

enum term { T_SEP, T_OPEN, T_CLOSE, T_EOF };

struct cmd {
	struct word *w;
	size_t n, cap;
	enum term term;
	unsigned int term_line; /* where the terminator is */
	size_t term_off;
	unsigned int chained;   /* line of a && or || before it, or 0 */
};

struct later;

struct parser {
	const char *buf;
	size_t len, pos;
	unsigned int line;
	const char *name;
	struct diags *d;
	struct boot_entries *out;
	unsigned int depth;
	unsigned int chain;     /* a && or || ended the last command, on this line */
	size_t expanded;        /* bytes of values expanded so far */
	struct cmd pending;     /* the rest of a `then CMD` line, to run next */
	bool has_pending;
	unsigned int stop_line; /* where run_list stopped */
	size_t stop_off;
};

__attribute__((format(printf, 5, 6)))
static int say(struct parser *p, enum diag_level level, size_t off,
	       unsigned int line, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	diag_add(p->d, level, p->name, off, 0, 0, "line %u: %s", line,
		 text ? text : "(out of memory)");
	free(text);
	return -1;
}

static void word_put(struct word *w, char ch)
{
	grow(&w->s, &w->cap, w->len + 2, 1);
	w->s[w->len++] = ch;
	w->s[w->len] = '\0';
	w->content = true;
}

static void word_free(struct word *w)
{
	free(w->s);
	free(w->unknown);
}

static void cmd_free(struct cmd *c)
{
	for (size_t i = 0; i < c->n; i++)
		word_free(&c->w[i]);
	free(c->w);
	memset(c, 0, sizeof(*c));
}

static size_t word_new(struct cmd *c, unsigned int line, size_t off)
{
	struct word *w;

	grow(&c->w, &c->cap, c->n + 1, sizeof(*c->w));
	w = &c->w[c->n];
	memset(w, 0, sizeof(*w));
	w->keyword = w->literal = true;
	w->line = line;
	w->off = off;
	return c->n++;
}

static bool is_alpha_(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_name(const char *s, size_t n)
{
	if (!n || !is_alpha_(s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_alpha_(s[i]) && !is_digit(s[i]))
			return false;
	return true;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return n > 0;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int nul_byte(struct parser *p, size_t off)
{
	return say(p, DIAG_ERROR, off, p->line, "a NUL byte: not a text file");
}

/*
 * $NAME, ${NAME}, $1, $?...: at p->pos (the '$'), into word *wi of c.
 * Unquoted values are split into words at blanks, as GRUB does.  A value
 * not known leaves the text as written and the reason in the word.
 */
static int expand(struct parser *p, bool run, struct cmd *c, size_t *wi,
		  bool quoted, const struct scope *scope)
{
	size_t start = p->pos, from, to;
	unsigned int line = p->line;
	const char *value;
	char *name, *why = NULL;

	from = ++p->pos;
	if (p->pos < p->len && p->buf[p->pos] == '{') {
		size_t j = ++from;

		while (j < p->len && p->buf[j] != '}' && p->buf[j] != '\n' && p->buf[j])
			j++;
		if (j >= p->len || p->buf[j] != '}')
			return say(p, DIAG_ERROR, start, line, "`${` without its `}`");
		to = j;
		if (!is_name(p->buf + from, to - from) &&
		    !(to - from == 1 && strchr("?#@*", p->buf[from])) &&
		    !all_digits(p->buf + from, to - from))
			return say(p, DIAG_ERROR, start, line,
				   "`${...}` does not name a variable");
		p->pos = j + 1;
	} else if (p->pos < p->len && is_alpha_(p->buf[p->pos])) {
		while (p->pos < p->len && (is_alpha_(p->buf[p->pos]) ||
					   is_digit(p->buf[p->pos])))
			p->pos++;
		to = p->pos;
	} else if (p->pos < p->len && is_digit(p->buf[p->pos])) {
		while (p->pos < p->len && is_digit(p->buf[p->pos]))
			p->pos++;
		to = p->pos;
	} else if (p->pos < p->len && p->buf[p->pos] && strchr("?#@*", p->buf[p->pos])) {
		to = ++p->pos;
	} else {
		word_put(&c->w[*wi], '$');      /* a lone $ is itself */
		c->w[*wi].keyword = false;
		return 0;
	}
	c->w[*wi].keyword = false;
	c->w[*wi].literal = false;
	if (!run)
		return 0;

	name = memcpy(xmalloc(to - from + 1), p->buf + from, to - from);
	name[to - from] = '\0';
	value = lookup(scope, name, &why);
	/* set a=$a$a doubles with each line: bound the whole parse. */
	if (value && strlen(value) > GRUB_CFG_MAX_EXPANSION - p->expanded) {
		why = xasprintf("`$%s` is not expanded: values expanded in this file "
				"would pass %d bytes", name, GRUB_CFG_MAX_EXPANSION);
		value = NULL;
	} else if (value) {
		p->expanded += strlen(value);
	}
	free(name);
	if (!value) {
		struct word *w = &c->w[*wi];

		for (size_t i = start; i < p->pos; i++)
			word_put(w, p->buf[i]);
		if (!w->unknown)
			w->unknown = why;
		else
			free(why);
		return 0;
	}
	for (const char *v = value; *v; v++) {
		if (!quoted && is_blank(*v)) {
			if (c->w[*wi].content) {
				*wi = word_new(c, line, start);
				c->w[*wi].keyword = c->w[*wi].literal = false;
			}
			continue;
		}
		word_put(&c->w[*wi], *v);
	}
	return 0;
}

static int read_word(struct parser *p, bool run, const struct scope *scope,
		     struct cmd *c)
{
	size_t wi = word_new(c, p->line, p->pos);

	while (p->pos < p->len) {
		char ch = p->buf[p->pos];
		struct word *w = &c->w[wi];

		if (!ch)
			return nul_byte(p, p->pos);
		if (strchr(" \t\r\n;&|<>{}", ch))
			break;
		if (ch == '\\') {
			if (p->pos + 1 >= p->len) {
				word_put(w, '\\');      /* nothing left to escape */
				p->pos++;
				continue;
			}
			ch = p->buf[p->pos + 1];
			if (!ch)
				return nul_byte(p, p->pos + 1);
			p->pos += 2;
			if (ch == '\n') {
				p->line++;
				continue;
			}
			word_put(w, ch);
			w->keyword = w->literal = false;
		} else if (ch == '\'') {
			size_t start = p->pos++;
			unsigned int line = p->line;

			while (p->pos < p->len && p->buf[p->pos] != '\'') {
				if (!p->buf[p->pos])
					return nul_byte(p, p->pos);
				if (p->buf[p->pos] == '\n')
					p->line++;
				word_put(w, p->buf[p->pos++]);
			}
			if (p->pos >= p->len)
				return say(p, DIAG_ERROR, start, line,
					   "a '...' quote that does not end");
			p->pos++;
			w->content = true;
			w->keyword = w->literal = false;
		} else if (ch == '"') {
			size_t start = p->pos++;
			unsigned int line = p->line;

			w->content = true;
			w->keyword = w->literal = false;
			for (;;) {
				char next;

				if (p->pos >= p->len)
					return say(p, DIAG_ERROR, start, line,
						   "a \"...\" quote that does not end");
				ch = p->buf[p->pos];
				next = p->pos + 1 < p->len ? p->buf[p->pos + 1] : 0;
				if (ch == '"') {
					p->pos++;
					break;
				}
				if (!ch)
					return nul_byte(p, p->pos);
				if (ch == '\\' && next && strchr("$\"\\", next)) {
					word_put(&c->w[wi], next);
					p->pos += 2;
					continue;
				}
				if (ch == '\\' && next == '\n') {
					p->pos += 2;
					p->line++;
					continue;
				}
				if (ch == '$') {
					if (expand(p, run, c, &wi, true, scope))
						return -1;
					continue;
				}
				if (ch == '\n')
					p->line++;
				word_put(&c->w[wi], ch);
				p->pos++;
			}
		} else if (ch == '$') {
			if (expand(p, run, c, &wi, false, scope))
				return -1;
		} else {
			word_put(w, ch);
			p->pos++;
			if (w->literal)
				w->lit = w->len;
		}
	}
	if (!c->w[wi].content) {                /* only empty expansions */
		word_free(&c->w[wi]);
		c->n--;
	} else if (!c->w[wi].s) {               /* '' or "" */
		c->w[wi].s = xstrdup("");
	}
	return 0;
}

/* One command: its words up to a separator, a brace, or the end. */
static int read_cmd(struct parser *p, bool run, const struct scope *scope,
		    struct cmd *c)
{
	cmd_free(c);
	c->chained = p->chain;
	p->chain = 0;
	for (;;) {
		char ch;

		while (p->pos < p->len) {
			ch = p->buf[p->pos];
			if (ch == ' ' || ch == '\t' || ch == '\r') {
				p->pos++;
			} else if (ch == '\\' && p->pos + 1 < p->len &&
				   p->buf[p->pos + 1] == '\n') {
				p->pos += 2;
				p->line++;
			} else {
				break;
			}
		}
		c->term_line = p->line;
		c->term_off = p->pos;
		if (p->pos >= p->len) {
			c->term = T_EOF;
			return 0;
		}
		ch = p->buf[p->pos];
		switch (ch) {
		case '#':       /* a comment runs to the end of the line */
			while (p->pos < p->len && p->buf[p->pos] != '\n') {
				if (!p->buf[p->pos])
					return nul_byte(p, p->pos);
				p->pos++;
			}
			continue;
		case '\n':
			p->pos++;
			p->line++;
			c->term = T_SEP;
			return 0;
		case ';':
			p->pos++;
			c->term = T_SEP;
			return 0;
		case '&':
		case '|':
			if (p->pos + 1 >= p->len || p->buf[p->pos + 1] != ch)
				return say(p, DIAG_ERROR, p->pos, p->line,
					   "`%c` alone is not GRUB syntax (`%c%c` is)",
					   ch, ch, ch);
			p->pos += 2;
			p->chain = p->line;
			c->term = T_SEP;
			return 0;
		case '<':
		case '>':
			return say(p, DIAG_ERROR, p->pos, p->line,
				   "`%c`: GRUB has no redirections", ch);
		case '{':
			p->pos++;
			c->term = T_OPEN;
			return 0;
		case '}':
			p->pos++;
			c->term = T_CLOSE;
			return 0;
		case '\0':
			return nul_byte(p, p->pos);
		default:
			if (read_word(p, run, scope, c))
				return -1;
		}
	}
}

/* ------------------------------------------------------------- reader */

enum stop { S_EOF, S_CLOSE, S_THEN, S_ELIF, S_ELSE, S_FI, S_DO, S_DONE, S_ERR };

static const char *const stop_word[] = {
	[S_EOF] = "the end of the file", [S_CLOSE] = "`}`", [S_THEN] = "`then`",
	[S_ELIF] = "`elif`", [S_ELSE] = "`else`", [S_FI] = "`fi`", [S_DO] = "`do`",
	[S_DONE] = "`done`", [S_ERR] = "an error",
};

/* A menuentry or submenu, read now, run once its script has run. */
struct deferred {
	bool submenu;
	char *title;
	unsigned int line;
	size_t body;            /* just after its `{` */
	unsigned int body_line;
	unsigned int depth;
};

struct later {
	struct deferred *v;
	size_t n, cap;
};

struct ctx {
	struct scope *scope;
	struct boot_entry *entry;       /* the menuentry being run, or NULL */
	struct later *later;            /* where menuentries go; NULL: nowhere */
	bool run;                       /* false: only read (functions, bodies ahead) */
	unsigned int cond;              /* line of the if/loop around, or 0 */
	const char *cond_what;
};

static enum stop run_list(struct parser *p, struct ctx *cx);

/* The words of c from the first, joined by single spaces as GRUB does. */
static char *join(const struct cmd *c, size_t first)
{
	size_t n = 1;
	char *s, *q;

	for (size_t i = first; i < c->n; i++)
		n += c->w[i].len + 1;
	q = s = xmalloc(n);
	for (size_t i = first; i < c->n; i++) {
		if (i > first)
			*q++ = ' ';
		memcpy(q, c->w[i].s, c->w[i].len);
		q += c->w[i].len;
	}
	*q = '\0';
	return s;
}

static unsigned int cond_of(const struct ctx *cx, const struct cmd *c,
			    const char **what)
{
	if (cx->cond) {
		*what = cx->cond_what;
		return cx->cond;
	}
	*what = "`&&`/`||`";
	return c->chained;
}

static void boot_file_clear(struct boot_file *f)
{
	free(f->path);
	free(f->file);
	free(f->args);
	memset(f, 0, sizeof(*f));
}

/* A new `linux` or `multiboot` replaces what the entry loaded before. */
static void loader_reset(struct boot_entry *e)
{
	boot_file_clear(&e->kernel);
	free(e->cmdline);
	e->cmdline = NULL;
	for (size_t i = 0; i < e->n_initrds; i++)
		boot_file_clear(&e->initrds[i]);
	free(e->initrds);
	e->initrds = NULL;
	e->n_initrds = 0;
	boot_file_clear(&e->xen);
	free(e->xen_cmdline);
	e->xen_cmdline = NULL;
	for (size_t i = 0; i < e->n_modules; i++)
		boot_file_clear(&e->modules[i]);
	free(e->modules);
	e->modules = NULL;
	e->n_modules = 0;
}

static bool is_option(const struct word *w)
{
	return w->len > 2 && w->s[0] == '-' && w->s[1] == '-';
}

/* A word that names a file as GRUB does: /path or (device)/path. */
static bool looks_like_path(const struct word *w)
{
	return w->len && (w->s[0] == '/' || w->s[0] == '(');
}

static void need_known(struct boot_entry *e, const struct word *w,
		       const char *what)
{
	if (w->unknown)
		boot_entry_unresolved(e, "line %u: the %s: %s", w->line, what, w->unknown);
}

static void load_kernel(struct parser *p, struct boot_entry *e, const struct cmd *c,
			bool xen)
{
	const char *cmd = c->w[0].s;
	size_t i = 1;
	unsigned int before = e->kernel.line ? e->kernel.line : e->xen.line;
	struct boot_file *f;

	while (xen && i < c->n && is_option(&c->w[i]))
		i++;
	if (i >= c->n) {
		say(p, DIAG_WARNING, c->w[0].off, c->w[0].line,
		    "`%s` without a file: GRUB refuses it", cmd);
		return;
	}
	if (before)
		say(p, DIAG_WARNING, c->w[0].off, c->w[0].line,
		    "`%s` replaces what line %u loaded: GRUB boots only the last",
		    cmd, before);
	loader_reset(e);
	e->kind = xen ? BOOT_XEN : BOOT_LINUX;
	f = xen ? &e->xen : &e->kernel;
	f->path = xstrdup(c->w[i].s);
	f->line = c->w[i].line;
	*(xen ? &e->xen_cmdline : &e->cmdline) = join(c, i + 1);
	need_known(e, &c->w[i], xen ? "multiboot image" : "kernel");
}

static void load_initrd(struct parser *p, struct boot_entry *e, const struct cmd *c)
{
	const char *cmd = c->w[0].s;
	size_t i = 1;

	if (!e->kernel.path) {
		say(p, DIAG_WARNING, c->w[0].off, c->w[0].line,
		    "`%s` before any `linux`: GRUB refuses it", cmd);
		return;
	}
	while (i < c->n && is_option(&c->w[i]))
		i++;
	if (i >= c->n) {
		say(p, DIAG_WARNING, c->w[0].off, c->w[0].line,
		    "`%s` without a file: GRUB refuses it", cmd);
		return;
	}
	if (e->n_initrds) {
		say(p, DIAG_WARNING, c->w[0].off, c->w[0].line,
		    "this `%s` replaces the one at line %u: GRUB loads only the last "
		    "(name every file on one line)", cmd, e->initrds[0].line);
		for (size_t k = 0; k < e->n_initrds; k++)
			boot_file_clear(&e->initrds[k]);
		e->n_initrds = 0;
	}
	for (; i < c->n; i++) {
		boot_entry_add_initrd(e, c->w[i].s, c->w[i].line);
		need_known(e, &c->w[i], "initrd");
	}
}

static void load_module(struct parser *p, struct boot_entry *e, const struct cmd *c)
{
	const char *cmd = c->w[0].s;
	bool nounzip = false, paths = true;
	struct boot_file *f;
	char *args = NULL;
	size_t i = 1;

	if (!e->xen.path) {
		say(p, DIAG_WARNING, c->w[0].off, c->w[0].line,
		    "`%s` before any `multiboot`: GRUB refuses it", cmd);
		return;
	}
	for (; i < c->n && is_option(&c->w[i]); i++)
		if (!strcmp(c->w[i].s, "--nounzip"))
			nounzip = true;
	if (i >= c->n) {
		say(p, DIAG_WARNING, c->w[0].off, c->w[0].line,
		    "`%s` without a file: GRUB refuses it", cmd);
		return;
	}
	if (i + 1 < c->n)
		args = join(c, i + 1);
	for (size_t k = i + 1; k < c->n; k++)
		paths = paths && looks_like_path(&c->w[k]);
	f = boot_entry_add_module(e, c->w[i].s, args, c->w[i].line);
	free(args);
	f->nounzip = nounzip;
	f->args_name_files = i + 1 < c->n && paths;
	need_known(e, &c->w[i], "module");
}

/* NAME=VALUE: a value for the scope, unknown under a condition. */
static void assign(struct parser *p, struct ctx *cx, const struct cmd *c,
		   const struct word *w, size_t eq)
{
	const char *what;
	unsigned int cond = cond_of(cx, c, &what);
	char *name = memcpy(xmalloc(eq + 1), w->s, eq);

	name[eq] = '\0';
	(void)p;
	if (cond)
		set_var(cx->scope, name, NULL,
			xasprintf("`$%s` is set under the %s at line %u, which is not "
				  "decided statically", name, what, cond));
	else if (w->unknown)
		set_var(cx->scope, name, NULL, xstrdup(w->unknown));
	else
		set_var(cx->scope, name, w->s + eq + 1, NULL);
	free(name);
}

static bool is(const struct word *w, const char *s)
{
	return !strcmp(w->s, s);
}

static void exec_simple(struct parser *p, struct ctx *cx, const struct cmd *c)
{
	const struct word *w0 = &c->w[0];
	struct boot_entry *e = cx->entry;
	const char *what, *eq;
	unsigned int cond;

	if (!cx->run)
		return;
	cond = cond_of(cx, c, &what);
	eq = memchr(w0->s, '=', w0->lit);
	if (eq && is_name(w0->s, (size_t)(eq - w0->s))) {
		assign(p, cx, c, w0, (size_t)(eq - w0->s));
		return;
	}
	if (is(w0, "set")) {
		for (size_t i = 1; i < c->n; i++) {
			eq = strchr(c->w[i].s, '=');
			if (eq && is_name(c->w[i].s, (size_t)(eq - c->w[i].s)))
				assign(p, cx, c, &c->w[i], (size_t)(eq - c->w[i].s));
		}
	} else if (is(w0, "unset")) {
		for (size_t i = 1; i < c->n; i++)
			if (is_name(c->w[i].s, c->w[i].len))
				set_var(cx->scope, c->w[i].s,
					cond ? NULL : "",
					cond ? xasprintf("`$%s` is unset under the %s at line %u",
							 c->w[i].s, what, cond) : NULL);
	} else if (is(w0, "export")) {
		for (size_t i = 1; i < c->n; i++) {
			struct var *v;

			if (!is_name(c->w[i].s, c->w[i].len))
				continue;
			if (!(v = own_var(cx->scope, c->w[i].s))) {
				char *why = NULL;
				const char *val = lookup(cx->scope, c->w[i].s, &why);

				v = set_var(cx->scope, c->w[i].s, val, why);
			}
			v->exported = true;
		}
	} else if (is(w0, "search")) {
		const char *var = NULL;

		for (size_t i = 1; i < c->n; i++) {
			if (!strncmp(c->w[i].s, "--set=", 6))
				var = c->w[i].s + 6;
			else if (is(&c->w[i], "--set") || is(&c->w[i], "-s"))
				var = "root";
		}
		if (var && is_name(var, strlen(var)))
			set_var(cx->scope, var, NULL,
				xasprintf("`$%s` is set by the `search` at line %u, at boot",
					  var, w0->line));
	} else if (is(w0, "load_env")) {
		bool named = false;

		for (size_t i = 1; i < c->n; i++) {
			if (c->w[i].s[0] == '-' || !is_name(c->w[i].s, c->w[i].len))
				continue;
			named = true;
			set_var(cx->scope, c->w[i].s, NULL,
				xasprintf("`$%s` may come from grubenv (`load_env` at line %u)",
					  c->w[i].s, w0->line));
		}
		if (!named) {
			for (size_t i = 0; i < cx->scope->n; i++) {
				struct var *v = &cx->scope->v[i];

				free(v->value);
				free(v->why);
				v->value = NULL;
				v->why = xasprintf("`$%s` may come from grubenv (`load_env` "
						   "at line %u)", v->name, w0->line);
			}
			cx->scope->load_env = w0->line;
		}
	} else if (is(w0, "source") || is(w0, "configfile") || is(w0, ".") ||
		   is(w0, "extract_entries_source") ||
		   is(w0, "extract_entries_configfile")) {
		const char *file = c->n > 1 ? c->w[1].s : "";

		say(p, DIAG_NOTE, w0->off, w0->line,
		    "`%s %s` is not followed: what it defines is not listed", w0->s, file);
		if (e)
			boot_entry_unresolved(e, "line %u: `%s %s` is not followed",
					      w0->line, w0->s, file);
	} else if (e && (is(w0, "linux") || is(w0, "linux16") || is(w0, "linuxefi") ||
			 is(w0, "multiboot") || is(w0, "multiboot2") ||
			 is(w0, "initrd") || is(w0, "initrd16") || is(w0, "initrdefi") ||
			 is(w0, "module") || is(w0, "module2"))) {
		if (cond)
			boot_entry_unresolved(e, "line %u: `%s` is under the %s at line %u, "
					      "which is not decided statically",
					      w0->line, w0->s, what, cond);
		if (!strncmp(w0->s, "linux", 5))
			load_kernel(p, e, c, false);
		else if (!strncmp(w0->s, "multiboot", 9))
			load_kernel(p, e, c, true);
		else if (!strncmp(w0->s, "initrd", 6))
			load_initrd(p, e, c);
		else
			load_module(p, e, c);
	}
	/* Everything else (insmod, load_video, echo, boot...) loads nothing. */
}

/* Where a keyword closing a block was expected and something else came. */
static int unexpected(struct parser *p, enum stop s, const char *opened,
		      unsigned int line, size_t off, const char *want)
{
	if (s == S_ERR)
		return -1;
	if (s == S_EOF)
		return say(p, DIAG_ERROR, off, line, "`%s` without %s", opened, want);
	return say(p, DIAG_ERROR, p->stop_off, p->stop_line,
		   "%s where %s was expected (the `%s` at line %u)",
		   stop_word[s], want, opened, line);
}

/* Keep the rest of c (after its first word) to run next. */
static void keep_rest(struct parser *p, struct cmd *c)
{
	if (c->n < 2 && c->term == T_SEP)
		return;
	word_free(&c->w[0]);
	memmove(c->w, c->w + 1, (c->n - 1) * sizeof(*c->w));
	c->n--;
	p->pending = *c;
	memset(c, 0, sizeof(*c));
	p->has_pending = true;
}

static int nest(struct parser *p, const struct word *w)
{
	if (p->depth >= GRUB_CFG_MAX_NEST)
		return say(p, DIAG_ERROR, w->off, w->line,
			   "blocks nested deeper than %d", GRUB_CFG_MAX_NEST);
	p->depth++;
	return 0;
}

static int compound(struct parser *p, struct ctx *cx, struct cmd *c)
{
	const struct word *w0 = &c->w[0];
	unsigned int line = w0->line;
	size_t off = w0->off;
	struct ctx in = *cx;
	const char *loop;
	enum stop s;
	int r = -1;

	if (nest(p, w0))
		return -1;
	if (is(w0, "menuentry") || is(w0, "submenu") || is(w0, "function")) {
		bool fn = is(w0, "function");
		const char *kw = fn ? "function" : is(w0, "submenu") ? "submenu" : "menuentry";
		size_t body;
		unsigned int body_line;
		char *title;

		if (c->term != T_OPEN) {
			r = say(p, DIAG_ERROR, off, line, "`%s` without `{` on its line", kw);
			goto out;
		}
		if (c->n < 2) {
			r = say(p, DIAG_ERROR, off, line, "`%s` without a %s", kw,
				fn ? "name" : "title");
			goto out;
		}
		title = xstrdup(c->w[1].s);
		body = p->pos;
		body_line = p->line;
		in.run = false;
		in.entry = NULL;
		in.later = NULL;
		s = run_list(p, &in);
		if (s != S_CLOSE) {
			free(title);
			r = unexpected(p, s, kw, line, off, "its `}`");
			goto out;
		}
		if (!fn && cx->run && cx->later) {
			struct later *l = cx->later;

			grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v));
			l->v[l->n++] = (struct deferred){
				.submenu = kw[0] == 's', .title = title, .line = line,
				.body = body, .body_line = body_line, .depth = p->depth,
			};
			title = NULL;
		}
		free(title);
		r = 0;
		goto out;
	}

	in.cond = line;
	if (is(w0, "if")) {
		in.cond_what = "`if`";
		keep_rest(p, c);
		for (;;) {
			s = run_list(p, &in);
			if (s != S_THEN) {
				r = unexpected(p, s, "if", line, off, "`then`");
				goto out;
			}
			s = run_list(p, &in);
			if (s == S_ELIF)
				continue;
			if (s == S_ELSE)
				s = run_list(p, &in);
			r = s == S_FI ? 0 : unexpected(p, s, "if", line, off, "`fi`");
			goto out;
		}
	}
	/* while, until, for: the body may run any number of times. */
	loop = is(w0, "for") ? "for" : is(w0, "while") ? "while" : "until";
	in.cond_what = loop[0] == 'f' ? "`for`" : loop[0] == 'w' ? "`while`" : "`until`";
	if (loop[0] == 'f') {
		if (c->term != T_SEP || c->n < 2 || !is_name(c->w[1].s, c->w[1].len)) {
			r = say(p, DIAG_ERROR, off, line, "`for` without a variable name");
			goto out;
		}
		if (cx->run)
			set_var(cx->scope, c->w[1].s, NULL,
				xasprintf("`$%s` is set by the `for` at line %u",
					  c->w[1].s, line));
	} else {
		keep_rest(p, c);
	}
	s = run_list(p, &in);
	if (s != S_DO) {
		r = unexpected(p, s, loop, line, off, "`do`");
		goto out;
	}
	s = run_list(p, &in);
	r = s == S_DONE ? 0 : unexpected(p, s, loop, line, off, "`done`");
out:
	p->depth--;
	return r;
}

static bool is_kw(const struct word *w, const char *const *list)
{
	if (!w->keyword)
		return false;
	for (; *list; list++)
		if (!strcmp(w->s, *list))
			return true;
	return false;
}

/* Run commands until a closing keyword, `}` or the end: which one it was. */
static enum stop run_list(struct parser *p, struct ctx *cx)
{
	static const char *const closing[] = {
		"then", "elif", "else", "fi", "do", "done", NULL,
	};
	static const char *const opening[] = {
		"if", "while", "until", "for", "function", "menuentry", "submenu", NULL,
	};
	static const enum stop closing_stop[] = { S_THEN, S_ELIF, S_ELSE, S_FI, S_DO, S_DONE };
	struct cmd c = { 0 };
	enum stop s = S_ERR;

	for (;;) {
		if (p->has_pending) {
			cmd_free(&c);
			c = p->pending;
			memset(&p->pending, 0, sizeof(p->pending));
			p->has_pending = false;
		} else if (read_cmd(p, cx->run, cx->scope, &c)) {
			break;
		}
		p->stop_line = c.term_line;
		p->stop_off = c.term_off;
		if (!c.n) {
			if (c.term == T_EOF || c.term == T_CLOSE) {
				s = c.term == T_EOF ? S_EOF : S_CLOSE;
				break;
			}
			if (c.term == T_OPEN) {
				say(p, DIAG_ERROR, c.term_off, c.term_line,
				    "`{` that opens no menuentry, submenu or function");
				break;
			}
			continue;
		}
		if (is_kw(&c.w[0], closing)) {
			size_t k = 0;

			while (strcmp(c.w[0].s, closing[k]))
				k++;
			s = closing_stop[k];
			p->stop_line = c.w[0].line;
			p->stop_off = c.w[0].off;
			if ((s == S_FI || s == S_DONE) && (c.n > 1 || c.term == T_OPEN)) {
				say(p, DIAG_ERROR, c.n > 1 ? c.w[1].off : c.term_off,
				    c.n > 1 ? c.w[1].line : c.term_line,
				    "`%s` must end its command", c.w[0].s);
				s = S_ERR;
				break;
			}
			keep_rest(p, &c);
			break;
		}
		if (is_kw(&c.w[0], opening)) {
			if (compound(p, cx, &c))
				break;
			continue;
		}
		if (c.term == T_OPEN) {
			say(p, DIAG_ERROR, c.term_off, c.term_line,
			    "`{` after `%s`: only menuentry, submenu and function take one",
			    c.w[0].s);
			break;
		}
		exec_simple(p, cx, &c);
		if (c.term == T_CLOSE || c.term == T_EOF) {
			s = c.term == T_EOF ? S_EOF : S_CLOSE;
			break;
		}
	}
	cmd_free(&c);
	return s;
}

/* --------------------------------------------------------------- runner */

static bool has_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (const char *q = s; q && (q = strstr(q, word)); q += n)
		if ((q == s || q[-1] == ' ') && (q[n] == ' ' || q[n] == '\0'))
			return true;
	return false;
}

static void mark_recovery(struct boot_entry *e)
{
	const char *args = e->kind == BOOT_XEN ? (e->n_modules ? e->modules[0].args : NULL)
					       : e->cmdline;

	e->recovery = (e->title && strstr(e->title, "(recovery mode)")) ||
		      has_word(args, "single") || has_word(args, "recovery");
}

static void later_free(struct later *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].title);
	free(l->v);
}

static int run_later(struct parser *p, struct scope *scope, struct later *l);

/* Run one deferred body, from its `{` to its `}`. */
static int run_body(struct parser *p, struct scope *scope, const struct deferred *dv)
{
	struct scope inner = { .outer = scope, .submenu = dv->submenu };
	struct later l = { 0 };
	struct boot_entries one = { 0 };
	struct ctx cx = { .scope = &inner, .run = true };
	enum stop s;
	int r = 0;

	p->pos = dv->body;
	p->line = dv->body_line;
	p->depth = dv->depth;
	p->chain = 0;
	if (dv->submenu) {
		cx.later = &l;
	} else {
		cx.entry = boot_entry_add(&one, BOOT_FROM_GRUB, BOOT_LINUX);
		cx.entry->config = xstrdup(p->name);
		cx.entry->line = dv->line;
		cx.entry->title = xstrdup(dv->title);
	}
	s = run_list(p, &cx);
	if (s != S_CLOSE)       /* read once already: cannot differ */
		r = s == S_ERR ? -1 : say(p, DIAG_ERROR, dv->body, dv->body_line,
					  "internal: body read differently");
	if (!r && dv->submenu)
		r = run_later(p, &inner, &l);
	if (!r && cx.entry && (cx.entry->kernel.path || cx.entry->xen.path)) {
		mark_recovery(cx.entry);
		grow(&p->out->v, &p->out->cap, p->out->n + 1, sizeof(*p->out->v));
		p->out->v[p->out->n++] = *cx.entry;
		one.n = 0;
	}
	boot_entries_free(&one);
	later_free(&l);
	scope_free(&inner);
	return r;
}

static int run_later(struct parser *p, struct scope *scope, struct later *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (run_body(p, scope, &l->v[i]))
			return -1;
	return 0;
}

int grub_cfg_parse(const char *buf, size_t len, const char *name,
		   struct boot_entries *out, struct diags *d)
{
	struct boot_entries mine = { 0 };
	struct parser p = {
		.buf = buf, .len = len, .line = 1, .name = name, .d = d, .out = &mine,
	};
	struct scope top = { 0 };
	struct later l = { 0 };
	struct ctx cx = { .scope = &top, .later = &l, .run = true };
	enum stop s;
	int r;

	s = run_list(&p, &cx);
	if (s == S_EOF)
		r = 0;
	else if (s == S_ERR)
		r = -1;
	else
		r = say(&p, DIAG_ERROR, p.stop_off, p.stop_line, "%s without %s",
			stop_word[s], s == S_CLOSE ? "`{`" : s == S_DO || s == S_DONE ?
			"`while`, `until` or `for`" : "`if`");
	if (!r)
		r = run_later(&p, &top, &l);
	cmd_free(&p.pending);
	later_free(&l);
	scope_free(&top);
	if (r) {
		boot_entries_free(&mine);
		return -1;
	}
	for (size_t i = 0; i < mine.n; i++) {
		grow(&out->v, &out->cap, out->n + 1, sizeof(*out->v));
		out->v[out->n++] = mine.v[i];
	}
	free(mine.v);
	return 0;
}
