/* train_settings.c: the options of `optiscope train` as values: defaults and one key at a
 * time, both read from settings_train()'s rows. */
#include "sim/train_settings.h"

#include <stdio.h>
#include <string.h>

#include "sim/settings.h"


void train_settings_init(struct train_settings *ts)
{
    setting_defaults(settings_train(), 0, ts);
    /* the default list is there to be replaced by the first optimizer given */
    ts->opt_from_cli = false;
}

void landscape_settings_init(struct landscape_settings *ls)
{
    setting_defaults(settings_landscape(), 0, ls);
}

bool landscape_settings_set(struct landscape_settings *ls, const char *key, const char *value,
                            char *err, size_t errlen)
{
    const struct setting *row = setting_find_key(settings_landscape(), key, err, errlen);
    if (!row) {
        return false;
    }
    char msg[768];
    if (!setting_parse(row, ls, value, true, msg, sizeof msg)) {
        snprintf(err, errlen, "%s: %s", key, msg);
        return false;
    }
    return true;
}

bool train_settings_set(struct train_settings *ts, const char *key, const char *value,
                        char *err, size_t errlen)
{
    const struct setting_table *t = settings_train();
    const struct setting *row = setting_find_key(t, key, err, errlen);
    if (!row) {
        return false;
    }
    char msg[768];
    if (!setting_parse(row, ts, value, true, msg, sizeof msg)) {
        snprintf(err, errlen, "%s: %s", key, msg);
        return false;
    }
    return true;
}
