/* outfile.c: the one way every file is written (util_outfile in util.h): atomically beside a
 * regular file, streaming into a device, FIFO or inherited descriptor, with the temporary files
 * of interrupted writes removed by SIGINT, SIGTERM and SIGHUP. */
#include "sim/util.h"
#include "sim/i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ======================================================================== signal cleanup */

/* The temporary files now open, for the signal handler: a fixed table it reads without locks or
 * allocation. A slot goes FREE -> CLAIMED (its owner copies the path in) -> LIVE (the handler
 * may unlink it) -> FREE. More writers at once than slots still work; the extra ones are only
 * not cleaned up on a signal. */
enum { SLOT_FREE, SLOT_CLAIMED, SLOT_LIVE };
#define TMP_SLOTS 32
static struct {
    atomic_int state;                  /* SLOT_* */
    char path[sizeof ((struct util_outfile *)0)->tmp];
} tmp_slots[TMP_SLOTS];

static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP};

/* Removes every live temporary file, then dies of the same signal with its default action so
 * the parent sees it (a shell: 128 + the number). Only async-signal-safe calls. */
void util_outfile_remove_all(void)
{
    for (int i = 0; i < TMP_SLOTS; i++) {
        if (atomic_load(&tmp_slots[i].state) == SLOT_LIVE) {
            unlink(tmp_slots[i].path);
        }
    }
}

static void on_signal(int sig)
{
    util_outfile_remove_all();
    signal(sig, SIG_DFL);   /* SA_RESETHAND did so already; say it for clarity */
    raise(sig);             /* not blocked (SA_NODEFER): the process ends here */
}

/* Installs the handler once, for each signal whose action is still the default: one ignored
 * (nohup, a background job) stays ignored, and one a library handles (SDL turns SIGINT into a
 * quit event, after which the write finishes normally) keeps its handler. */
static void install_handlers(void)
{
    static atomic_bool installed;
    if (atomic_exchange(&installed, true)) {
        return;
    }
    for (size_t i = 0; i < sizeof cleanup_signals / sizeof cleanup_signals[0]; i++) {
        struct sigaction old;
        if (sigaction(cleanup_signals[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL ||
            (old.sa_flags & SA_SIGINFO)) {
            continue;
        }
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND | SA_NODEFER;
        sigaction(cleanup_signals[i], &sa, NULL);
    }
}

static int register_tmp(const char *path)
{
    for (int i = 0; i < TMP_SLOTS; i++) {
        int expected = SLOT_FREE;
        if (atomic_compare_exchange_strong(&tmp_slots[i].state, &expected, SLOT_CLAIMED)) {
            snprintf(tmp_slots[i].path, sizeof tmp_slots[i].path, "%s", path);
            atomic_store(&tmp_slots[i].state, SLOT_LIVE);
            return i;
        }
    }
    return -1;
}

/* slot + 1 as util_outfile keeps it: 0 for none */
static void unregister_tmp(int slot1)
{
    if (slot1 > 0) {
        atomic_store(&tmp_slots[slot1 - 1].state, SLOT_FREE);
    }
}

/* ======================================================================== where a path leads */

/* What writing to a path means, once its symlinks are followed. */
enum target_kind {
    TARGET_NEW,       /* nothing there yet: a new regular file (mode 0666 minus the umask) */
    TARGET_REGULAR,   /* a regular file: replaced atomically, keeping its mode */
    TARGET_STREAM,    /* a device, FIFO, socket or /proc link: written through, in place */
    TARGET_FD,        /* /dev/stdout, /dev/fd/N, /proc/self/fd/N: descriptor N, written through */
};

struct target {
    enum target_kind kind;
    char path[sizeof ((struct util_outfile *)0)->target];   /* the last link's target */
    struct stat st;                                         /* of path, for TARGET_REGULAR */
    int fd;                                                 /* for TARGET_FD */
};

/* The folder part of path ("." when none, "/" for "/x"). */
static void dir_of(const char *path, char *dir, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, len, ".");
    } else if (slash == path) {
        snprintf(dir, len, "/");
    } else {
        snprintf(dir, len, "%.*s", (int)(slash - path), path);
    }
}

/* Links under /proc (/dev/stdout's target /proc/self/fd/1, /dev/fd/N, another process's
 * /proc/PID/fd/N) are not real links: a pipe's reads "pipe:[1234]", a file's names it without
 * the offset or append mode of the descriptor. They are never followed by name. Returns N when
 * path is this process's descriptor N, -2 for any other path in /proc, -1 otherwise. */
static int proc_link(const char *path)
{
    char dir[PATH_MAX], real[PATH_MAX], mine[64];
    dir_of(path, dir, sizeof dir);
    if (!realpath(dir, real) || strncmp(real, "/proc/", 6) != 0) {
        return -1;
    }
    snprintf(mine, sizeof mine, "/proc/%ld/fd", (long)getpid());
    if (strcmp(real, mine) != 0) {
        return -2;
    }
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;   /* no slash: the folder we are in */
    char *end;
    errno = 0;
    long n = strtol(name, &end, 10);
    return name[0] >= '0' && name[0] <= '9' && !*end && !errno && n <= INT_MAX ? (int)n : -2;
}

/* Follows path's symlinks (each relative target from its link's folder) to what a write would
 * reach. False with a message for an empty path, a folder, a loop or an unreadable link. */
static bool resolve(const char *path, struct target *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->fd = -1;
    if (!path[0]) {
        snprintf(err, errlen, _("the output path is empty"));
        return false;
    }
    if (snprintf(t->path, sizeof t->path, "%s", path) >= (int)sizeof t->path) {
        snprintf(err, errlen, _("%s: path too long"), path);
        return false;
    }
    for (int hops = 0; hops < 40; hops++) {
        int fd = proc_link(t->path);
        if (fd >= 0) {
            t->kind = TARGET_FD;
            t->fd = fd;
            return true;
        }
        if (lstat(t->path, &t->st) != 0) {
            if (errno == ENOENT) {
                t->kind = TARGET_NEW;
                return true;
            }
            snprintf(err, errlen, _("%s: cannot write: %s"), path, strerror(errno));
            return false;
        }
        if (S_ISDIR(t->st.st_mode)) {
            snprintf(err, errlen, _("%s: is a folder, not a file"), path);
            return false;
        }
        if (S_ISREG(t->st.st_mode)) {
            t->kind = TARGET_REGULAR;
            return true;
        }
        if (!S_ISLNK(t->st.st_mode) || fd == -2) {
            t->kind = TARGET_STREAM;   /* a /proc link is opened, the kernel following it */
            return true;
        }
        char link[sizeof t->path], next[sizeof t->path];
        ssize_t n = readlink(t->path, link, sizeof link - 1);
        if (n < 0) {
            snprintf(err, errlen, _("%s: cannot write: %s"), path, strerror(errno));
            return false;
        }
        link[n] = '\0';
        if (link[0] == '/') {
            snprintf(next, sizeof next, "%s", link);
        } else {
            char dir[sizeof t->path];
            dir_of(t->path, dir, sizeof dir);
            if (snprintf(next, sizeof next, "%s/%s", dir, link) >= (int)sizeof next) {
                snprintf(err, errlen, _("%s: path too long"), path);
                return false;
            }
        }
        memcpy(t->path, next, sizeof next);
    }
    snprintf(err, errlen, _("%s: cannot write: %s"), path, strerror(ELOOP));
    return false;
}

/* A new file can go where its folder exists and may be written. */
static bool check_dir(const char *path, const char *target, char *err, size_t errlen)
{
    char dir[sizeof ((struct util_outfile *)0)->target];
    dir_of(target, dir, sizeof dir);
    struct stat st;
    if (stat(dir, &st) != 0) {
        snprintf(err, errlen, _("%s: cannot write: folder %s: %s"), path, dir, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, _("%s: cannot write: %s is not a folder"), path, dir);
        return false;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, _("%s: cannot write: folder %s: %s"), path, dir, strerror(errno));
        return false;
    }
    return true;
}

bool util_outfile_check(const char *path, char *err, size_t errlen)
{
    struct target t;
    if (!resolve(path, &t, err, errlen)) {
        return false;
    }
    switch (t.kind) {
    case TARGET_NEW:
    case TARGET_REGULAR:
        return check_dir(path, t.path, err, errlen);
    case TARGET_STREAM:
        if (access(t.path, W_OK) != 0) {
            snprintf(err, errlen, _("%s: cannot write: %s"), path, strerror(errno));
            return false;
        }
        return true;
    case TARGET_FD: {
        int fl = fcntl(t.fd, F_GETFL);
        if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) {
            snprintf(err, errlen, _("%s: cannot write: %s"), path,
                     strerror(fl < 0 ? errno : EBADF));
            return false;
        }
        return true;
    }
    }
    return false;
}

/* ======================================================================== writing */

/* Creates PATH.tmp-XXXXXX exclusively with mode 0666, which the umask trims as for any new
 * file (mkstemp would make it 0600). */
static int create_tmp(const char *target, char *tmp, size_t len)
{
    static atomic_uint counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 16);
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (int attempt = 0; attempt < 100; attempt++) {
        /* splitmix64 of the time, the process and a counter: names no one else picks */
        uint64_t z = (x += 0x9E3779B97F4A7C15ull * (1 + atomic_fetch_add(&counter, 1)));
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        char suffix[7];
        for (int i = 0; i < 6; i++) {
            suffix[i] = digits[z % 62];
            z /= 62;
        }
        suffix[6] = '\0';
        if (snprintf(tmp, len, "%s.tmp-%s", target, suffix) >= (int)len) {
            errno = ENAMETOOLONG;
            return -1;
        }
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
        if (fd >= 0 || errno != EEXIST) {
            return fd;
        }
    }
    errno = EEXIST;
    return -1;
}

bool util_outfile_open(struct util_outfile *o, const char *path, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    struct target t;
    if (!resolve(path, &t, err, errlen)) {
        return false;
    }
    snprintf(o->path, sizeof o->path, "%s", path);
    snprintf(o->target, sizeof o->target, "%s", t.path);
    int fd;
    if (t.kind == TARGET_FD) {
        fd = fcntl(t.fd, F_DUPFD_CLOEXEC, 3);
        o->stream = true;
    } else if (t.kind == TARGET_STREAM) {
        /* a FIFO waits here for its reader, as any writer would */
        fd = open(t.path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        o->stream = true;
    } else {
        if (!check_dir(path, t.path, err, errlen)) {
            return false;
        }
        /* signals wait while the file is made and registered: none may come between */
        install_handlers();
        sigset_t block, old;
        sigemptyset(&block);
        for (size_t i = 0; i < sizeof cleanup_signals / sizeof cleanup_signals[0]; i++) {
            sigaddset(&block, cleanup_signals[i]);
        }
        pthread_sigmask(SIG_BLOCK, &block, &old);
        fd = create_tmp(t.path, o->tmp, sizeof o->tmp);
        if (fd >= 0) {
            o->slot = register_tmp(o->tmp) + 1;
        }
        int saved = errno;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        errno = saved;
        if (fd >= 0 && t.kind == TARGET_REGULAR) {
            /* the replacement looks like what it replaces: owner where allowed, and mode */
            if (fchown(fd, t.st.st_uid, t.st.st_gid) != 0) {
                /* not the owner and not root: the file becomes ours, as any rewrite would */
            }
            fchmod(fd, t.st.st_mode & 0777);
        }
    }
    if (fd < 0) {
        snprintf(err, errlen, _("%s: cannot write: %s"), path, strerror(errno));
        o->tmp[0] = '\0';
        return false;
    }
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        snprintf(err, errlen, _("%s: cannot write: %s"), path, strerror(errno));
        close(fd);
        util_outfile_abort(o);
        return false;
    }
    return true;
}

bool util_outfile_commit(struct util_outfile *o, char *err, size_t errlen)
{
    /* a write that failed earlier left the error flag; errno says why only if this flush
       fails too, so a clean flush after a failure reports EIO */
    errno = 0;
    bool ok = fflush(o->f) == 0 && !ferror(o->f);
    int saved = errno ? errno : EIO;
    if (ok && !o->stream && fsync(fileno(o->f)) != 0 && errno != EINVAL) {
        ok = false;   /* a full disk can show up only here */
        saved = errno;
    }
    if (fclose(o->f) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    o->f = NULL;
    if (ok && o->tmp[0] && rename(o->tmp, o->target) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        snprintf(err, errlen, _("%s: cannot write: %s"), o->path, strerror(saved));
        if (o->tmp[0]) {
            unlink(o->tmp);
        }
    }
    unregister_tmp(o->slot);
    o->slot = 0;
    o->tmp[0] = '\0';
    return ok;
}

void util_outfile_abort(struct util_outfile *o)
{
    if (o->f) {
        fclose(o->f);
        o->f = NULL;
    }
    if (o->tmp[0]) {
        unlink(o->tmp);
        o->tmp[0] = '\0';
    }
    unregister_tmp(o->slot);
    o->slot = 0;
}
