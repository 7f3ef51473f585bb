// SPDX-License-Identifier: GPL-2.0-or-later
/* Replacing a file atomically, without undoing anyone else's work. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "util/alloc.h"
#include "util/fdout.h"
#include "util/fileio.h"
#include "util/replace.h"

#define TMP_SUFFIX ".mkucode-new"

/* ------------------------------------------------------------ what it was */

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/*
 * The locked file still holds what was read: nobody truncated or wrote it
 * (dracut copies onto the file).  A rename of our own changes the ctime,
 * so after the exchange only size and mtime can tell.
 */
static bool old_unchanged(const struct replacement *r, bool with_ctime)
{
	struct stat now;

	if (fstat(r->old_fd, &now))
		return false;
	return now.st_size == r->old.st_size &&
	       same_time(&now.st_mtim, &r->old.st_mtim) &&
	       (!with_ctime || same_time(&now.st_ctim, &r->old.st_ctim));
}

/* The name leads to the locked file, and that file is unchanged. */
static bool name_unchanged(const struct replacement *r)
{
	struct stat now;

	return !fstatat(r->dirfd, r->base, &now, AT_SYMLINK_NOFOLLOW) &&
	       same_inode(&now, &r->old) && old_unchanged(r, true);
}

/* ------------------------------------------------------------ open */

/*
 * flock() belongs to an open file description: a second open of a
 * directory this process already locked would wait for itself (--raw
 * creating both vendor files).  Replacements in one directory share one
 * description instead.
 */
static struct replacement *open_dirs;

static int open_dir(struct replacement *r)
{
	struct stat mine, theirs;

	r->dirfd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->dirfd < 0 || fstat(r->dirfd, &mine))
		return -1;
	for (struct replacement *o = open_dirs; o; o = o->next_dir)
		if (!fstat(o->dirfd, &theirs) && same_inode(&mine, &theirs)) {
			close(r->dirfd);
			r->dirfd = fcntl(o->dirfd, F_DUPFD_CLOEXEC, 0);
			if (r->dirfd < 0)
				return -1;
			break;
		}
	r->next_dir = open_dirs;
	open_dirs = r;
	return 0;
}

static void close_dir(struct replacement *r)
{
	for (struct replacement **p = &open_dirs; *p; p = &(*p)->next_dir)
		if (*p == r) {
			*p = r->next_dir;
			break;
		}
	if (r->dirfd >= 0)
		close(r->dirfd);
	r->dirfd = -1;
}

static void split(struct replacement *r, const char *dir, const char *path)
{
	char *copy = xstrdup(path);

	r->dir = xstrdup(dir ? dir : dirname(copy));
	free(copy);
	copy = xstrdup(path);
	r->base = xstrdup(basename(copy));
	free(copy);
}

/* Where path leads: its target when it is a symlink, else its directory. */
static int resolve(struct replacement *r, unsigned int flags)
{
	char *real = realpath(r->path, NULL), *copy, *dir;
	struct stat st;

	if (real) {
		split(r, NULL, real);
		free(real);
		return 0;
	}
	if (errno != ENOENT || (flags & REPLACE_EXISTING))
		return diag_error(r->d, r->path, "%s", strerror(errno));
	if (!lstat(r->path, &st))
		return diag_error(r->d, r->path, "a symbolic link to nothing, "
				  "refusing to write through it");
	copy = xstrdup(r->path);
	dir = realpath(dirname(copy), NULL);
	if (!dir) {
		diag_error(r->d, r->path, "cannot create it in %s: %s", copy,
			   strerror(errno));
		free(copy);
		return -1;
	}
	free(copy);
	split(r, dir, r->path);
	free(dir);
	return 0;
}

/*
 * Lock the file behind the name, then make sure the name still leads to
 * what was locked (a concurrent run may have replaced it meanwhile).  No
 * file yet: lock the directory, so that runs creating it take turns too.
 */
static int lock_target(struct replacement *r, unsigned int flags)
{
	for (int tries = 0;; tries++) {
		struct stat now;

		/* O_NONBLOCK: a fifo must not hang us before we can refuse it. */
		r->old_fd = openat(r->dirfd, r->base,
				   O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (r->old_fd < 0) {
			if (errno != ENOENT || (flags & REPLACE_EXISTING))
				return diag_error(r->d, r->path, "%s", strerror(errno));
			if (flock(r->dirfd, LOCK_EX))
				return diag_error(r->d, r->path, "cannot lock its "
						  "directory: %s", strerror(errno));
			if (fstatat(r->dirfd, r->base, &now, AT_SYMLINK_NOFOLLOW)) {
				if (errno == ENOENT)
					return 0;
				return diag_error(r->d, r->path, "%s", strerror(errno));
			}
			/* It appeared: lock it too (the directory's lock may be
			 * a sibling's, so it stays). */
		} else {
			if (fstat(r->old_fd, &r->old))
				return diag_error(r->d, r->path, "%s", strerror(errno));
			if (!S_ISREG(r->old.st_mode))
				return diag_error(r->d, r->path, "not a regular file, "
						  "refusing to replace it");
			if (flock(r->old_fd, LOCK_EX))
				return diag_error(r->d, r->path, "cannot lock it: %s",
						  strerror(errno));
			if (!fstatat(r->dirfd, r->base, &now, AT_SYMLINK_NOFOLLOW) &&
			    same_inode(&now, &r->old))
				return fstat(r->old_fd, &r->old)
					       ? diag_error(r->d, r->path, "%s", strerror(errno))
					       : 0;
			close(r->old_fd);
			r->old_fd = -1;
		}
		if (tries == 100)
			return diag_error(r->d, r->path, "keeps being replaced "
					  "while we wait for it");
	}
}

int replace_open(struct replacement *r, const char *path, unsigned int flags,
		 struct diags *d)
{
	memset(r, 0, sizeof(*r));
	r->d = d;
	r->path = path;
	r->dirfd = r->old_fd = r->fd = -1;
	if ((flags & REPLACE_STDOUT) && !strcmp(path, "-")) {
		r->to_stdout = true;
		r->fd = STDOUT_FILENO;
		return 0;
	}
	if (resolve(r, flags))
		goto fail;
	if (strlen(r->base) + 1 + strlen(TMP_SUFFIX) > NAME_MAX) {
		diag_error(d, path, "cannot create a temporary file: %s",
			   strerror(ENAMETOOLONG));
		goto fail;
	}
	r->tmp = xasprintf(".%s" TMP_SUFFIX, r->base);
	if (open_dir(r)) {
		diag_error(d, path, "%s: %s", r->dir, strerror(errno));
		goto fail;
	}
	if (lock_target(r, flags))
		goto fail;
	/* Left by a run killed between naming its file and renaming it; we
	 * hold the lock, so it is nobody's now. */
	if (!unlinkat(r->dirfd, r->tmp, 0))
		diag_note(d, path, "removed %s/%s, left by an interrupted run",
			  r->dir, r->tmp);
	return 0;
fail:
	replace_close(r);
	return -1;
}

/* ------------------------------------------------------------ create */

/* Owner first (chown clears set-id bits), then mode, then every xattr. */
static int copy_metadata(int src, const struct stat *st, int dst)
{
	char *names;
	ssize_t len;
	int r = 0;

	if ((st->st_uid != geteuid() || st->st_gid != getegid()) &&
	    fchown(dst, st->st_uid, st->st_gid))
		return -1;
	if (fchmod(dst, st->st_mode & 07777))
		return -1;
	len = flistxattr(src, NULL, 0);
	if (len <= 0)
		return len < 0 && errno != ENOTSUP ? -1 : 0;
	names = xmalloc((size_t)len);
	len = flistxattr(src, names, (size_t)len);
	if (len < 0)
		r = -1;
	for (ssize_t i = 0; i < len && !r; i += (ssize_t)strlen(names + i) + 1) {
		ssize_t vlen = fgetxattr(src, names + i, NULL, 0);
		void *val;

		if (vlen < 0) {
			r = -1;
			break;
		}
		val = xmalloc((size_t)vlen + 1);
		vlen = fgetxattr(src, names + i, val, (size_t)vlen);
		if (vlen < 0 || fsetxattr(dst, names + i, val, (size_t)vlen, 0))
			r = -1;
		free(val);
	}
	free(names);
	return r;
}

/* An error about the replacement: what failed, and that nothing changed. */
static int fail(struct replacement *r, const char *step, int err)
{
	diag_error(r->d, r->path, "%s%s%s; %s", step, err ? ": " : "",
		   err ? strerror(err) : "",
		   r->old_fd >= 0 ? "the file is unchanged" : "nothing written");
	replace_abort(r);
	return -1;
}

/*
 * Interrupting signals wait until every file under way is whole again
 * (--raw has two): blocked with the first, unblocked with the last.
 */
static unsigned int blocking;
static sigset_t unblocked;

static void block_signals(struct replacement *r)
{
	sigset_t block;

	if (r->blocked)
		return;
	r->blocked = true;
	if (blocking++)
		return;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
}

static void unblock_signals(struct replacement *r)
{
	if (!r->blocked)
		return;
	r->blocked = false;
	if (!--blocking)
		sigprocmask(SIG_SETMASK, &unblocked, NULL);
}

int replace_create(struct replacement *r)
{
	if (r->to_stdout)
		return 0;
	block_signals(r);

	/* Unnamed: a crash leaves nothing behind. */
	r->fd = openat(r->dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (r->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		r->fd = openat(r->dirfd, r->tmp, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC,
			       0600);
		r->named = r->fd >= 0;
	}
	if (r->fd < 0)
		return fail(r, "cannot create a temporary file", errno);
	/*
	 * Locked as the old file is: once swapped in, it is what the next
	 * run waits for, until this one has dropped the old file from the
	 * temporary name (else that run would take it for a leftover).
	 * Nobody else knows the file yet, so this cannot wait.
	 */
	if (flock(r->fd, LOCK_EX))
		return fail(r, "cannot lock the temporary file", errno);
	if (r->old_fd >= 0 ? copy_metadata(r->old_fd, &r->old, r->fd)
			   : fchmod(r->fd, 0644))
		return fail(r, "cannot give the new file the old one's owner, mode "
			    "and extended attributes", errno);
	return 0;
}

/* ------------------------------------------------------------ write */

int replace_write(struct replacement *r, int (*produce)(int fd, void *ctx),
		  int (*verify)(const void *data, size_t len, void *ctx),
		  void *ctx)
{
	off_t len;
	void *m;
	int err, bad;

	err = produce(r->fd, ctx);
	if (r->to_stdout)
		return err > 0 ? diag_error(r->d, NULL, "standard output: %s",
					    strerror(err))
			       : err;
	if (err) {
		if (err < 0) {
			replace_abort(r);
			return -1;
		}
		return fail(r, "write error", err);
	}
	if (!verify)
		return 0;
	len = lseek(r->fd, 0, SEEK_END);
	m = len > 0 ? mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, r->fd, 0)
		    : MAP_FAILED;
	if (m == MAP_FAILED)
		return fail(r, "cannot read back what was written", len ? errno : 0);
	bad = verify(m, (size_t)len, ctx);
	munmap(m, (size_t)len);
	if (bad) {
		replace_abort(r);
		return -1;
	}
	return 0;
}

struct pieces {
	const struct piece *p;
	size_t n;
};

static int produce_pieces(int fd, void *ctx)
{
	const struct pieces *ps = ctx;
	struct fd_out o;

	fd_out_init(&o, fd);
	for (size_t i = 0; i < ps->n; i++)
		/* Copied, not referenced: a piece of a mapped file that shrinks
		 * then faults here (SIGBUS, which image.c guards against) instead
		 * of failing inside the kernel's write with EFAULT. */
		fd_out_put(&o, ps->p[i].data, ps->p[i].len);
	return fd_out_finish(&o) ? errno : 0;
}

int replace_write_pieces(struct replacement *r, const struct piece *p, size_t n)
{
	struct pieces ps = { p, n };

	return replace_write(r, produce_pieces, NULL, &ps);
}

/* ------------------------------------------------------------ commit */

/*
 * The file a rename is about to replace gives back its cached pages inside
 * rename(), which then waits on it.  Dropping them first, before our fsync
 * while the disk is still busy with our data, takes that off the end
 * (about 1 ms per 15 MB).
 * Not for a file with other names (it lives on).
 */
static void drop_replaced_cache(const struct replacement *r)
{
	struct stat st;

	if (!fstat(r->old_fd, &st) && st.st_nlink == 1)
		(void)posix_fadvise(r->old_fd, 0, 0, POSIX_FADV_DONTNEED);
}

/* Give the unnamed file the fixed temporary name. */
static int name_it(struct replacement *r, const char *as)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", r->fd);
	if (linkat(AT_FDCWD, proc, r->dirfd, as, AT_SYMLINK_FOLLOW) &&
	    (errno != ENOENT ||
	     linkat(r->fd, "", r->dirfd, as, AT_EMPTY_PATH)))
		return -1;
	return 0;
}

static int changed(struct replacement *r)
{
	diag_error(r->d, r->path, "%s while mkucode worked; nothing %s",
		   r->old_fd >= 0 ? "changed" : "appeared",
		   r->fd >= 0 ? "replaced" : "removed");
	replace_abort(r);
	return -1;
}

/* A new file: linking fails when the name appeared meanwhile. */
static int link_new(struct replacement *r)
{
	int e;

	if (!r->named) {
		if (!name_it(r, r->base))
			goto linked;
	} else if (!linkat(r->dirfd, r->tmp, r->dirfd, r->base, 0)) {
		unlinkat(r->dirfd, r->tmp, 0);
		r->named = false;
		goto linked;
	}
	e = errno;
	return e == EEXIST ? changed(r) : fail(r, "cannot name the new file", e);
linked:
	r->state = REPLACE_LINKED;
	return 0;
}

/*
 * Swap the new file in; what comes out must be the file read, unchanged,
 * else it goes back at once.  Without RENAME_EXCHANGE, the same check just
 * before a plain rename (which cannot be undone).
 */
static int swap_in(struct replacement *r)
{
	struct stat out;
	int e;

	if (!r->named) {
		if (name_it(r, r->tmp))
			return fail(r, "cannot name the new file", errno);
		r->named = true;
	}
	if (!old_unchanged(r, true))
		return changed(r);
	if (renameat2(r->dirfd, r->tmp, r->dirfd, r->base, RENAME_EXCHANGE)) {
		e = errno;
		if (e != EINVAL && e != ENOSYS && e != EOPNOTSUPP)
			return fail(r, "cannot replace it", e);
		if (!name_unchanged(r))
			return changed(r);
		if (renameat(r->dirfd, r->tmp, r->dirfd, r->base))
			return fail(r, "cannot replace it", errno);
		r->named = false;
		r->state = REPLACE_RENAMED;
		return 0;
	}
	/* tmp now names what was at the name. */
	r->named = false;
	r->state = REPLACE_SWAPPED;
	if (fstatat(r->dirfd, r->tmp, &out, AT_SYMLINK_NOFOLLOW) ||
	    !same_inode(&out, &r->old) || !old_unchanged(r, false))
		return changed(r);      /* aborting swaps back */
	return 0;
}

/* Removal: the file goes aside under tmp first, where it can be checked. */
static int move_aside(struct replacement *r)
{
	struct stat out;

	if (!name_unchanged(r))
		return changed(r);
	block_signals(r);
	if (renameat(r->dirfd, r->base, r->dirfd, r->tmp)) {
		diag_error(r->d, r->path, "cannot remove it: %s", strerror(errno));
		replace_abort(r);
		return -1;
	}
	r->state = REPLACE_ASIDE;
	if (fstatat(r->dirfd, r->tmp, &out, AT_SYMLINK_NOFOLLOW) ||
	    !same_inode(&out, &r->old))
		return changed(r);      /* aborting puts it back */
	return 0;
}

/* Put back what replace_swap() took away; 0, or -1 after an error. */
static int undo(struct replacement *r)
{
	struct stat at, mine;
	enum replace_state was = r->state;

	r->state = REPLACE_PENDING;
	switch (was) {
	case REPLACE_SWAPPED:
		if (!renameat2(r->dirfd, r->tmp, r->dirfd, r->base, RENAME_EXCHANGE)) {
			r->named = true;        /* ours again, to be dropped */
			return 0;
		}
		break;
	case REPLACE_ASIDE:
		if (!renameat2(r->dirfd, r->tmp, r->dirfd, r->base, RENAME_NOREPLACE))
			return 0;
		break;
	case REPLACE_LINKED:
		if (!fstatat(r->dirfd, r->base, &at, AT_SYMLINK_NOFOLLOW) &&
		    !fstat(r->fd, &mine) && same_inode(&at, &mine))
			unlinkat(r->dirfd, r->base, 0);
		return 0;
	case REPLACE_RENAMED:
		return diag_error(r->d, r->path, "already replaced: without "
				  "RENAME_EXCHANGE here, that cannot be undone");
	default:
		return 0;
	}
	/* Never delete what we could not put back. */
	return diag_error(r->d, r->path, "putting back the file that was there "
			  "failed (%s): it is %s/%s now", strerror(errno), r->dir,
			  r->tmp);
}

static void sync_dir(struct replacement *r)
{
	/* The new file is in place; only the rename's durability is open. */
	if (fsync(r->dirfd))
		diag_warning(r->d, r->path, "replaced, but syncing its directory "
			     "failed (%s): whether the rename survives a crash is "
			     "unknown", strerror(errno));
}

int replace_flush(struct replacement *r)
{
	if (r->to_stdout || r->synced)
		return 0;
	if (fsync(r->fd))
		return fail(r, "cannot make the new file durable", errno);
	r->synced = true;
	return 0;
}

int replace_swap(struct replacement *r)
{
	if (r->to_stdout)
		return 0;
	if (r->fd < 0)          /* never created: a removal */
		return r->old_fd >= 0 ? move_aside(r) : 0;
	/* Before the fsync: the disk is still busy with our data then. */
	if (r->old_fd >= 0)
		drop_replaced_cache(r);
	if (replace_flush(r))
		return -1;
	if (r->old_fd < 0)
		return link_new(r);
	return swap_in(r);
}

void replace_finish(struct replacement *r)
{
	if (r->to_stdout || r->state == REPLACE_PENDING)
		return;
	if ((r->state == REPLACE_SWAPPED || r->state == REPLACE_ASIDE) &&
	    unlinkat(r->dirfd, r->tmp, 0))
		diag_warning(r->d, r->path, "replaced, but the old file stays as "
			     "%s/%s: %s", r->dir, r->tmp, strerror(errno));
	r->state = REPLACE_PENDING;
	sync_dir(r);
	replace_abort(r);       /* nothing left to drop: closes and unblocks */
}

int replace_commit(struct replacement *r)
{
	if (replace_swap(r))
		return -1;
	replace_finish(r);
	return 0;
}

void replace_abort(struct replacement *r)
{
	int saved = errno;

	if (r->to_stdout)
		return;
	undo(r);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	if (r->named)
		unlinkat(r->dirfd, r->tmp, 0);
	r->named = false;
	unblock_signals(r);
	errno = saved;
}

void replace_close(struct replacement *r)
{
	replace_abort(r);
	if (r->old_fd >= 0)
		close(r->old_fd);
	close_dir(r);
	free(r->dir);
	free(r->base);
	free(r->tmp);
	r->dir = r->base = r->tmp = NULL;
	r->old_fd = r->dirfd = -1;
}
