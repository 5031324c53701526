/* cmd_cnn.c: the CNN mode from the command line: `optiscope render --cnn [TRAIN OPTIONS] -o
 * dashboard.png|svg|pdf` trains headless and draws the dashboard the window's CNN mode shows;
 * `optiscope view --cnn [TRAIN OPTIONS]` opens the window in that mode. Both start from the
 * lecture's pacing (session_cnn_lecture_defaults), which the options then change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/render_common.h"
#include "cli/train_opts.h"
#include "draw/dash.h"
#include "figure/theme.h"
#include "session/cnn.h"
#include "session/train.h"
#include "sim/i18n.h"
#include "sim/settings.h"
#include "sim/train_settings.h"
#include "sim/util.h"

static void lecture_help(FILE *out)
{
    fprintf(out,
            _("Without options it trains the lecture's race: sgd(lr=0.05), momentum(lr=0.02),\n"
            "adam(lr=0.002) and rmsprop(lr=0.001) from the same initial weights on\n"
            "the same batches: 10,000 training and 2,000 validation images of Fashion-MNIST\n"
            "for 6 epochs, validating every 40 batches; every option below changes that.\n\n"));
    setting_help(settings_train(), out);
}

/* The lecture's settings with the command line's on top; 0, 2 (bad input) or -1 (--help
 * answered by usage). */
static int parse(const char *cmd, int argc, char **argv, struct train_settings *ts,
                 const struct cli_extra *flags, void (*usage)(FILE *out))
{
    train_settings_init(ts);
    session_cnn_lecture_defaults(ts);
    /* the first --optimizer replaces the lecture's four, as it replaces train's adam */
    ts->opt_from_cli = false;
    struct cli_train_extra extra = {.flags = flags};
    int rc = cli_train_parse(cmd, argc, argv, ts, &extra, usage);
    if (rc == 0 && (ts->log[0] || ts->save[0])) {
        cli_error(cmd, _("--%s: the CNN dashboard neither logs nor saves networks; `optiscope "
                  "train` with the same options does"), ts->log[0] ? "log" : "save");
        return 2;
    }
    return rc;
}

static void render_usage(FILE *out)
{
    fprintf(out, _("usage: optiscope render --cnn [TRAIN OPTIONS] -o FILE.png|.svg|.pdf "
            "[--size WxH] [--view 2d|3d]\n"
            "Trains the CNN race headless and draws the dashboard of the window's CNN mode:\n"
            "loss, accuracy and learning rate against images seen, weight histograms,\n"
            "filters, predictions, a confusion matrix and the loss landscape.\n"
            "  -o, --output FILE      the dashboard; the extension picks the format\n"
            "  --size WxH             pixels (PNG) or points (SVG/PDF); default 1920x1080\n"
            "  --view 2d|3d           the landscape flat or as a surface; default 2d\n"
            "  --theme dark|light     light: for a projector; --large-text: larger captions\n"));
    lecture_help(out);
}

static void view_usage(FILE *out)
{
    fprintf(out, _("usage: optiscope view --cnn [TRAIN OPTIONS] [--shot-dir DIR] [--size WxH] "
            "[--paused]\n"
            "Opens the window in the CNN mode: the race trains live; press H for the keys,\n"
            "N for the toy race.\n"
            "  --shot-dir DIR         where S saves screenshots (default: current folder)\n"
            "  --size WxH             initial window size (default 1280x800)\n"
            "  --paused               start paused\n"
            "  --frames N             quit after N frames (tests, benchmarks)\n"
            "  --stats                print first-frame time and frame statistics\n"
            "  --theme dark|light     light: for a projector (F5); --large-text: larger "
            "captions (F6)\n"));
    lecture_help(out);
}

/* --theme and --large-text (the scene keys theme and large-text, read through the settings
 * table, so the CNN commands take and check them as the toy ones do). */
static bool look_options(const char *cmd, const char *theme, const char *large,
                         enum scene_theme *t, bool *lt)
{
    struct scene sc;
    scene_init(&sc);
    char err[512];
    bool ok = (!theme || scene_set(&sc, "theme", theme, true, err, sizeof err)) &&
              (!large || scene_set(&sc, "large-text", large, true, err, sizeof err));
    if (!ok) {
        cli_error(cmd, "--%s", err);
    }
    *t = sc.theme;
    *lt = sc.large_text;
    scene_finish(&sc);
    return ok;
}

int cmd_render_cnn(int argc, char **argv)
{
    struct train_settings ts;
    const char *output = NULL, *size = NULL, *cnn = NULL, *view = NULL, *theme = NULL,
               *large = NULL;
    const struct cli_extra extras[] = {
        {"-o", "--output", true, &output},
        {"--size", NULL, true, &size},
        {"--cnn", NULL, false, &cnn},
        {"--view", NULL, true, &view},
        {"--theme", NULL, true, &theme},
        {"--large-text", NULL, false, &large},
        {0},
    };
    int rc = parse("render", argc, argv, &ts, extras, render_usage);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }
    enum scene_theme look;
    bool large_text;
    if (!look_options("render", theme, large ? "yes" : NULL, &look, &large_text)) {
        return 2;
    }
    if (!output) {
        cli_error("render", _("missing -o FILE (.png, .svg or .pdf)"));
        return 2;
    }
    int w = 1920, h = 1080;
    if (size && !render_parse_size(size, &w, &h)) {
        cli_error("render", _("--size: expected WIDTHxHEIGHT between 16 and 16384, got '%s'"),
                  size);
        return 2;
    }
    if (view && strcmp(view, "2d") && strcmp(view, "3d")) {
        cli_error("render", _("--view: expected 2d or 3d, got '%s'"), view);
        return 2;
    }
    const char *dot = strrchr(output, '.');
    if (!dot || (strcmp(dot, ".png") && strcmp(dot, ".svg") && strcmp(dot, ".pdf"))) {
        cli_error("render", _("'%s': the dashboard is written as .png, .svg or .pdf"), output);
        return 2;
    }
    char err[1200];
    if (!render_check_output(output, err, sizeof err)) {
        cli_error("render", "%s", err);
        return 2;
    }
    struct session_cnn_desc desc = {.ts = &ts, .landscape = true, .landscape_threads = 2};
    struct session_cnn *s = session_cnn_create(&desc, err, sizeof err);
    if (!s) {
        cli_error("render", "%s", err);
        return 2;
    }
    if (view && !strcmp(view, "3d")) {
        session_cnn_act(s, CNN_VIEW3D, 0, 0.0);
    }
    if (!session_cnn_finish_run(s, err, sizeof err)) {
        cli_error("render", "%s", err);
        session_cnn_destroy(s);
        return 2;
    }
    struct dash *d = xmalloc(sizeof *d);
    session_cnn_dash(s, d, w, h, 0.0);
    struct session_train_state st;
    session_cnn_state(s, &st);
    /* a slide: the figure without the window's key hints */
    d->status[1][0] = '\0';
    d->theme = look;
    d->font_scale = large_text ? FIGURE_LARGE_TEXT_SCALE : 0.0;
    dash_layout(d);
    bool ok = draw_dash_export(output, d, err, sizeof err);
    free(d);
    session_cnn_destroy(s);
    if (!ok) {
        cli_error("render", "%s", err);
        return 1;
    }
    printf("%s\n", output);
    for (int i = 0; i < st.nracers; i++) {
        cli_print_test_line(stdout, &st.racer[i], ts.patience > 0);
    }
    return 0;
}

int cmd_view_cnn(int argc, char **argv, const struct app_options *base)
{
    struct train_settings ts;
    const char *shot_dir = NULL, *size = NULL, *paused = NULL, *frames = NULL, *stats = NULL,
               *cnn = NULL, *theme = NULL, *large = NULL;
    const struct cli_extra extras[] = {
        {"--shot-dir", NULL, true, &shot_dir},
        {"--size", NULL, true, &size},
        {"--paused", NULL, false, &paused},
        {"--frames", NULL, true, &frames},
        {"--stats", NULL, false, &stats},
        {"--cnn", NULL, false, &cnn},
        {"--theme", NULL, true, &theme},
        {"--large-text", NULL, false, &large},
        {0},
    };
    int rc = parse("view", argc, argv, &ts, extras, view_usage);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }
    /* The look is the toy session's (the window's F5 and F6 serve both modes). */
    struct scene look = *base->scene;   /* a shallow copy: the window copies it again */
    if (!look_options("view", theme, large ? "yes" : NULL, &look.theme, &look.large_text)) {
        return 2;
    }
    struct stat st;
    if (shot_dir && (stat(shot_dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        cli_error("view", _("--shot-dir: '%s' is not a folder"), shot_dir);
        return 2;
    }
    struct app_options o = *base;
    o.scene = &look;
    if (size && !render_parse_size(size, &o.width, &o.height)) {
        cli_error("view", _("--size: expected WIDTHxHEIGHT between 16 and 16384, got '%s'"), size);
        return 2;
    }
    long nframes = 0;
    if (frames && !util_parse_long(frames, 1, 100000000, &nframes)) {
        cli_error("view", _("--frames: expected a positive whole number, got '%s'"), frames);
        return 2;
    }
    /* Bad input is reported before any window opens: the model, and the data (loaded again,
     * briefly, by the window's worker). */
    char err[1200];
    struct session_train_config cfg;
    if (!session_train_config_from(&ts, &cfg, err, sizeof err)) {
        cli_error("view", "--model: %s", err);
        return 2;
    }
    struct nn_data data;
    if (!cli_train_data("view", &ts, &data)) {
        return 2;
    }
    nn_data_finish(&data);
    o.shot_dir = shot_dir;
    o.paused = paused != NULL;
    o.frames = nframes;
    o.stats = stats != NULL;
    o.cnn = &ts;
    o.start_cnn = true;
    enum app_status as = app_run(&o, err, sizeof err);
    if (as == APP_OK) {
        return 0;
    }
    cli_error("view", "%s", err);
    if (as != APP_FAILED) {
        fprintf(stderr, _("optiscope view: the window needs a display with OpenGL 3.3; "
                "`optiscope render --cnn -o dashboard.png` draws the same dashboard without "
                "one.\n"));
    }
    return 1;
}
