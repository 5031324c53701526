/* opts.c: scene options on the command line (scene file or preset first, then overrides),
 * atomic output files and error reporting, shared by every command. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sim/i18n.h"
#include "sim/settings.h"
#include "sim/util.h"

/* Each message's user text is escaped where it is written into the message; the whole line
 * passes through util_escape once more (it leaves escaped text as it is), so no byte a user
 * typed reaches the terminal as a control sequence even from a message that forgot. */
void cli_error(const char *cmd, const char *fmt, ...)
{
    char msg[4096], safe[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, _("optiscope %s: %s\n"), cmd, util_escape(msg, safe, sizeof safe));
}

/* Everything below is generated from the settings tables (sim/settings.h): what the help
 * says is what the parsers take. */
void cli_print_scene_help(FILE *out)
{
    fprintf(out, _("scene options (each also a `key = value` line of a scene file):\n"));
    setting_help(settings_scene(), out);
    fprintf(out,
            _("  --scene FILE           read a scene file; options given on the command line\n"
            "                         override it\n"
            "  --preset NAME          a scene from the presets (`optiscope list presets`)\n"
            "\n"
            "optimizer SPEC: name(...) as below, torch's keys and defaults (`list optimizers`).\n"
            "Values before `*` may also be given in that order without their keys, before\n"
            "any key=value: adam(0.01) is adam(lr=0.01).\n"));
    setting_help(settings_optim(), out);
    fprintf(out,
            _("\n"
            "schedule SPEC: the same way, on each optimizer's lr; keys without a default are\n"
            "required: step(30, 0.5) is step(step_size=30, gamma=0.5).\n"));
    setting_help(settings_sched(), out);
}

/* The option name without its leading dashes, and its inline value after '=' if any. */
static const char *split_option(const char *arg, char *name, size_t len)
{
    const char *p = arg + 2;
    const char *eq = strchr(p, '=');
    size_t n = eq ? (size_t)(eq - p) : strlen(p);
    if (n >= len) {
        n = len - 1;
    }
    memcpy(name, p, n);
    name[n] = '\0';
    return eq ? eq + 1 : NULL;
}

static bool is_scene_key(const char *name)
{
    return setting_find(settings_scene(), name, 0) != NULL;
}

/* A yes/no scene key given alone ("--large-text" last, or followed by another option): it
 * means yes, and takes no argument from after it. Followed by anything else, that is its
 * value, checked as such ("--contours maybe" is refused naming --contours). */
static bool bare_flag(int argc, char **argv, int i, const char *name)
{
    const struct setting *row = setting_find(settings_scene(), name, 0);
    return row && row->type == SETTING_BOOL && (i + 1 >= argc || argv[i + 1][0] == '-');
}

static const struct cli_extra *find_extra(const struct cli_extra *extras, const char *arg)
{
    char name[64] = "";
    if (!strncmp(arg, "--", 2)) {
        split_option(arg, name, sizeof name);
    }
    for (const struct cli_extra *e = extras; e && e->name; e++) {
        const char *spellings[2] = {e->name, e->alias};
        for (int k = 0; k < 2; k++) {
            const char *s = spellings[k];
            if (!s) {
                continue;
            }
            if (!strncmp(s, "--", 2)) {
                if (!strncmp(arg, "--", 2) && !strcmp(name, s + 2)) {
                    return e;
                }
            } else if (!strcmp(arg, s)) {
                return e;
            }
        }
    }
    return NULL;
}

/* Every option spelling this command understands, for suggestions; the scene keys' "--key"
 * spellings are written into buf. */
static size_t option_names(const struct cli_extra *extras, const char **out, size_t max,
                           char buf[][40])
{
    const char *keys[64];
    size_t n = 0, nk = scene_keys(keys, 64);
    for (size_t i = 0; i < nk && n < max; i++) {
        snprintf(buf[n], sizeof buf[n], "--%s", keys[i]);
        out[n] = buf[n];
        n++;
    }
    static const char *const fixed[] = {"--scene", "--preset", "--help"};
    for (size_t i = 0; i < 3 && n < max; i++) {
        out[n++] = fixed[i];
    }
    for (const struct cli_extra *e = extras; e && e->name && n < max; e++) {
        out[n++] = e->name;
    }
    return n;
}

/* No optimizers given for a built-in function: race the ones its preset tunes, if there is a
 * preset of the same name; else scene_resolve picks the general default race. */
static void default_race(struct scene *scene)
{
    char path[4096], err[512];
    if (scene->nopt > 0 || scene->expr ||
        !cli_preset_path(scene->function, path, sizeof path, err, sizeof err)) {
        return;
    }
    struct scene preset;
    scene_init(&preset);
    if (scene_load_file(&preset, path, err, sizeof err)) {
        scene->nopt = preset.nopt;
        memcpy(scene->opt, preset.opt, sizeof scene->opt);
    }
    scene_finish(&preset);
}

/* How many arguments the option at argv[i] takes from after it: 1 for an option that needs a
 * value and has none inline ("--title X", "-o F"), else 0. Both passes of cli_parse_scene and
 * cli_scene_given step by it, so a value is never read as an option. */
static int value_args(int argc, char **argv, int i, const struct cli_extra *extras)
{
    const char *arg = argv[i];
    const struct cli_extra *ex = find_extra(extras, arg);
    char name[64] = "";
    const char *inline_value = !strncmp(arg, "--", 2) ? split_option(arg, name, sizeof name)
                                                      : NULL;
    bool takes = ex ? ex->takes_value
                    : !strncmp(arg, "--", 2) && (is_scene_key(name) || !strcmp(name, "scene") ||
                                                 !strcmp(name, "preset")) &&
                          !bare_flag(argc, argv, i, name);
    return takes && !inline_value && i + 1 < argc ? 1 : 0;
}

bool cli_scene_given(int argc, char **argv, const struct cli_extra *extras)
{
    for (int i = 1; i < argc; i++) {
        char name[64] = "";
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            break;
        }
        if (!find_extra(extras, argv[i]) && !strncmp(argv[i], "--", 2)) {
            split_option(argv[i], name, sizeof name);
            if (!strcmp(name, "scene") || !strcmp(name, "preset")) {
                return true;
            }
        }
        i += value_args(argc, argv, i, extras);
    }
    return false;
}

bool cli_parse_scene(int argc, char **argv, struct scene *scene, const struct cli_extra *extras,
                     bool *help)
{
    const char *cmd = argv[0];
    char err[1024];
    *help = false;
    /* Pass 1: the scene file or preset, so that every other option overrides it. It steps
     * over arguments exactly as pass 2 does, so the value of another option ("--title
     * --scene=x") is never taken for an option. */
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            break;
        }
        char name[64] = "";
        const char *inline_value = !strncmp(arg, "--", 2)
                                       ? split_option(arg, name, sizeof name) : NULL;
        bool is_scene = !strcmp(name, "scene"), is_preset = !strcmp(name, "preset");
        if (find_extra(extras, arg) || (!is_scene && !is_preset)) {
            i += value_args(argc, argv, i, extras);
            continue;
        }
        const char *value = inline_value;
        if (!value) {
            if (i + 1 >= argc) {
                cli_error(cmd, _("--%s: missing value"), name);
                return false;
            }
            value = argv[++i];
        }
        char path[4096];
        if (is_preset) {
            if (!cli_preset_path(value, path, sizeof path, err, sizeof err)) {
                cli_error(cmd, "--preset: %s", err);
                return false;
            }
        } else {
            snprintf(path, sizeof path, "%s", value);
        }
        if (!scene_load_file(scene, path, err, sizeof err)) {
            cli_error(cmd, "%s", err);
            return false;
        }
    }
    /* Pass 2: everything else, in order. */
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            *help = true;
            return true;
        }
        const struct cli_extra *ex = find_extra(extras, arg);
        if (ex) {
            const char *value = "1";
            if (ex->takes_value) {
                char name[64];
                const char *inline_value = !strncmp(arg, "--", 2)
                                               ? split_option(arg, name, sizeof name) : NULL;
                if (inline_value) {
                    value = inline_value;
                } else if (i + 1 < argc) {
                    value = argv[++i];
                } else {
                    cli_error(cmd, _("%s: missing value"), ex->name);
                    return false;
                }
            }
            *ex->value = value;
            continue;
        }
        if (strncmp(arg, "--", 2)) {
            cli_error(cmd, _("unexpected argument '%s'; see `optiscope %s --help`"), UTIL_ESC(arg),
                  cmd);
            return false;
        }
        char name[64];
        const char *value = split_option(arg, name, sizeof name);
        bool file_opt = !strcmp(name, "scene") || !strcmp(name, "preset");
        if (!file_opt && !is_scene_key(name)) {
            const char *names[64];
            char spelled[64][40];
            size_t n = option_names(extras, names, 64, spelled);
            char msg[256];
            snprintf(msg, sizeof msg, _("unknown option '%s'"), UTIL_ESC(arg));
            char dashed[70];
            snprintf(dashed, sizeof dashed, "--%s", name);
            util_append_suggestion(msg, sizeof msg, dashed, names, n);
            cli_error(cmd, _("%s; see `optiscope %s --help`"), msg, cmd);
            return false;
        }
        if (!value && !file_opt && bare_flag(argc, argv, i, name)) {
            value = "true";
        }
        if (!value) {
            if (i + 1 >= argc) {
                cli_error(cmd, _("--%s: missing value"), name);
                return false;
            }
            value = argv[++i];
        }
        if (file_opt) {
            continue;   /* done in pass 1 */
        }
        if (!scene_set(scene, name, value, true, err, sizeof err)) {
            cli_error(cmd, "--%s", err);
            return false;
        }
    }
    default_race(scene);
    return true;
}

int cli_scene_command_parse(int argc, char **argv, struct scene *scene,
                            const struct cli_extra *extras, void (*usage)(FILE *out))
{
    scene_init(scene);
    bool help;
    if (!cli_parse_scene(argc, argv, scene, extras, &help)) {
        scene_finish(scene);
        return 2;
    }
    if (help) {
        usage(stdout);
        scene_finish(scene);
        return -1;
    }
    char err[1024];
    struct scene_resolved res;
    if (!scene_resolve(scene, &res, err, sizeof err)) {
        cli_error(argv[0], "%s", err);
        scene_finish(scene);
        return 2;
    }
    scene_resolved_finish(&res);
    return 0;
}
