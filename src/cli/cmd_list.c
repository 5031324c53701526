/* cmd_list.c: `optiscope list functions|optimizers|schedules|presets`: what is built in, one
 * line each. */
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "sim/catalog.h"
#include "sim/i18n.h"
#include "sim/optim.h"
#include "sim/sched.h"
#include "sim/scene.h"
#include "sim/util.h"

static void list_functions(void)
{
    for (size_t i = 0; i < catalog_count(); i++) {
        const struct catalog_entry *c = catalog_get(i);
        printf("%-16s %s\n", c->name, _(c->description));
        printf("%-16s   f = %s\n", "", c->expr);
        printf(_("%-16s   domain [%g, %g] x [%g, %g], start (%g, %g)"), "", c->xmin, c->xmax,
               c->ymin, c->ymax, c->start[0], c->start[1]);
        for (int k = 0; k < c->nminima; k++) {
            printf("%s(%g, %g)", k == 0 ? _(", minima ") : " ", c->minima[k][0], c->minima[k][1]);
        }
        printf("\n");
    }
}

static void list_optimizers(void)
{
    for (int k = 0; k < OPTIM_COUNT; k++) {
        struct optim_params p;
        optim_defaults((enum optim_kind)k, &p);
        printf("%-10s %s\n", optim_name((enum optim_kind)k),
               optim_description((enum optim_kind)k));
    }
}

static void list_schedules(void)
{
    for (int k = 0; k < SCHED_COUNT; k++) {
        printf("%-13s %s\n", sched_name((enum sched_kind)k),
               sched_description((enum sched_kind)k));
    }
    printf("%-13s %s\n", "(any)", "warmup=N: linear warmup over the first N steps");
}

/* A preset's description, in the interface's language (src/sim/preset_text.c marks them). */
static void preset_description(const char *name, char *out, size_t len)
{
    char path[4096], err[256], en[256];
    out[0] = '\0';
    if (!cli_preset_path(name, path, sizeof path, err, sizeof err)) {
        return;
    }
    scene_file_description(path, en, sizeof en);
    util_copy_text(out, len, i18n_text(en));
}

int cmd_list(int argc, char **argv)
{
    static const char *const what[] = {"functions", "optimizers", "schedules", "presets"};
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf(_("usage: optiscope list functions|optimizers|schedules|presets\n"));
        return 0;
    }
    if (argc != 2) {
        cli_error("list", _("expected one of functions, optimizers, schedules, presets"));
        return 2;
    }
    const char *w = argv[1];
    if (!strcmp(w, "functions")) {
        list_functions();
    } else if (!strcmp(w, "optimizers")) {
        list_optimizers();
    } else if (!strcmp(w, "schedules")) {
        list_schedules();
    } else if (!strcmp(w, "presets")) {
        char names[64][64];
        int n = cli_preset_names(names, 64);
        if (n == 0) {
            cli_error("list", _("no presets found (is the data folder installed?)"));
            return 1;
        }
        for (int i = 0; i < n; i++) {
            char desc[512];
            preset_description(names[i], desc, sizeof desc);
            printf("%-12s %s\n", names[i], desc);
        }
    } else {
        char msg[256];
        snprintf(msg, sizeof msg, _("unknown list '%s'"), w);
        util_append_suggestion(msg, sizeof msg, w, what, 4);
        cli_error("list", _("%s; expected functions, optimizers, schedules or presets"), msg);
        return 2;
    }
    return 0;
}
