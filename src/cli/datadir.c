/* datadir.c: finding presets and shaders at run time, installed or from the build folder, and
 * listing the presets. */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config.h"
#include "sim/i18n.h"
#include "sim/util.h"

static bool has_presets(const char *dir)
{
    char p[PATH_MAX + 16];
    struct stat st;
    snprintf(p, sizeof p, "%s/presets", dir);
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A meson build folder holds meson-private/ (its configuration) beside the top-level targets;
 * an installed bin/ does not. */
static bool in_build_dir(const char *dir)
{
    char p[PATH_MAX + 32];
    struct stat st;
    snprintf(p, sizeof p, "%s/meson-private", dir);
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The folder of the running binary into dir (empty if unknown). */
static void exe_dir(char *dir, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    dir[0] = '\0';
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(dir, len, "%s", exe);
        }
    }
}

const char *cli_datadir(void)
{
    static char found[PATH_MAX];
    static bool done;
    if (done) {
        return found[0] ? found : NULL;
    }
    done = true;
    const char *env = getenv("OPTISCOPE_DATA");
    if (env && *env) {
        snprintf(found, sizeof found, "%s", env);
        if (!has_presets(found)) {
            found[0] = '\0';
        }
        return found[0] ? found : NULL;
    }
    char exedir[PATH_MAX];
    exe_dir(exedir, sizeof exedir);
    char cand[PATH_MAX + 32];
    /* Uninstalled: the binary sits in a meson build folder, which may be anywhere (not only
     * inside the source tree), so recognise the folder itself. Checked before the installed
     * places so that a build does not pick up an older installed copy's presets. */
    if (exedir[0] && in_build_dir(exedir)) {
        snprintf(cand, sizeof cand, "%s/assets", OPTISCOPE_SRCDIR);
        if (has_presets(cand) && realpath(cand, found)) {
            return found;
        }
    }
    /* Installed: PREFIX/bin/optiscope next to PREFIX/share/optiscope (works under DESTDIR). */
    if (exedir[0]) {
        snprintf(cand, sizeof cand, "%s/../share/optiscope", exedir);
        if (has_presets(cand) && realpath(cand, found)) {
            return found;
        }
    }
    if (has_presets(OPTISCOPE_DATADIR)) {
        snprintf(found, sizeof found, "%s", OPTISCOPE_DATADIR);
        return found;
    }
    found[0] = '\0';
    return NULL;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

int cli_preset_names(char names[][64], int max)
{
    const char *dir = cli_datadir();
    if (!dir) {
        return 0;
    }
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/presets", dir);
    DIR *d = opendir(p);
    if (!d) {
        return 0;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        size_t len = strlen(e->d_name);
        if (len > 6 && len < 64 + 6 && !strcmp(e->d_name + len - 6, ".scene")) {
            memcpy(names[n], e->d_name, len - 6);
            names[n][len - 6] = '\0';
            n++;
        }
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_names);
    return n;
}

bool cli_preset_path(const char *name, char *path, size_t len, char *err, size_t errlen)
{
    const char *dir = cli_datadir();
    if (!dir) {
        snprintf(err, errlen, _("cannot find the presets folder (set OPTISCOPE_DATA to the "
                 "installed share/optiscope)"));
        return false;
    }
    char names[64][64];
    int n = cli_preset_names(names, 64);
    const char *ptrs[64];
    for (int i = 0; i < n; i++) {
        ptrs[i] = names[i];
        if (!strcmp(names[i], name)) {
            snprintf(path, len, "%s/presets/%s.scene", dir, name);
            return true;
        }
    }
    snprintf(err, errlen, _("unknown preset '%s'"), name);
    util_append_suggestion(err, errlen, name, ptrs, (size_t)n);
    return false;
}

const char *cli_localedir(void)
{
    static char found[PATH_MAX];
    static bool done;
    if (done) {
        return found[0] ? found : NULL;
    }
    done = true;
    char exe[PATH_MAX], cand[PATH_MAX + 32];
    struct stat st;
    exe_dir(exe, sizeof exe);
    if (exe[0]) {
        /* uninstalled: the catalogs meson built into the build folder's po/locale */
        if (in_build_dir(exe)) {
            snprintf(cand, sizeof cand, "%s/po/locale", exe);
            if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode) && realpath(cand, found)) {
                return found;
            }
        }
        snprintf(cand, sizeof cand, "%s/../share/locale", exe);
        if (stat(cand, &st) == 0 && S_ISDIR(st.st_mode) && realpath(cand, found)) {
            return found;
        }
    }
    snprintf(found, sizeof found, "%s", OPTISCOPE_LOCALEDIR);
    return found;
}
