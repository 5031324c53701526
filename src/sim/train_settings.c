/* train_settings.c: the options of `optiscope train` as values: defaults and one key at a
 * time, both read from settings_train()'s rows. */
#include "sim/train_settings.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "sim/settings.h"
#include "sim/util.h"

void train_settings_init(struct train_settings *ts)
{
    memset(ts, 0, sizeof *ts);
    const struct setting_table *t = settings_train();
    for (size_t i = 0; i < t->nrows; i++) {
        if (t->rows[i].def) {
            char err[256];
            bool ok = setting_parse(&t->rows[i], ts, t->rows[i].def, false, err, sizeof err);
            assert(ok && "every default parses (test_settings checks)");
            (void)ok;
        }
    }
    /* the default list is there to be replaced by the first optimizer given */
    ts->opt_from_cli = false;
}

bool train_settings_set(struct train_settings *ts, const char *key, const char *value,
                        char *err, size_t errlen)
{
    const struct setting_table *t = settings_train();
    const struct setting *row = setting_find(t, key, 0);
    if (!row) {
        snprintf(err, errlen, "unknown key '%s'", key);
        const char *names[64];
        size_t n = setting_names(t, -1, names, 64);
        util_append_suggestion(err, errlen, key, names, n);
        return false;
    }
    char msg[768];
    if (!setting_parse(row, ts, value, true, msg, sizeof msg)) {
        snprintf(err, errlen, "%s: %s", key, msg);
        return false;
    }
    return true;
}
