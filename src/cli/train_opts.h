/* train_opts.h: what `optiscope train` and `optiscope landscape` share: the train options
 * (settings_train()'s rows, plus a command's own table and -o), the training configuration and
 * data built from them, and the report of each racer's weights. */
#ifndef OPTISCOPE_CLI_TRAIN_OPTS_H
#define OPTISCOPE_CLI_TRAIN_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/cli.h"
#include "nn/cnn.h"
#include "nn/dataset.h"
#include "nn/train.h"
#include "sim/settings.h"
#include "sim/train_settings.h"

/* A command's options beside the train table. */
struct cli_train_extra {
    const struct setting_table *table;   /* its own keys (landscape's), or NULL */
    void *obj;                           /* the table's struct */
    const char **output;                 /* -o FILE / --output FILE goes here; NULL: none */
    const struct cli_extra *flags;       /* its own flags and options (--size, --cnn), ended
                                            by a zeroed entry; NULL: none */
};

/* Parses argv[1..argc) as --key VALUE, --key=VALUE or a flag alone; the extra table's keys,
 * then the train keys. Returns 0 when parsed, 2 on bad input (one message on stderr, naming
 * the option, with a suggestion for a misspelt one), -1 when --help was asked (usage printed
 * to stdout). ts starts as the caller set it (train_settings_init, perhaps more), extra->obj
 * from its table's defaults. */
int cli_train_parse(const char *cmd, int argc, char **argv, struct train_settings *ts,
                    const struct cli_train_extra *extra, void (*usage)(FILE *out));

/* The trainer's configuration from the options; false (message printed) for an unknown model. */
bool cli_train_config(const char *cmd, const struct train_settings *o,
                      struct nn_train_config *cfg);

/* Loads the dataset the options name; false with one message (and, for a missing
 * Fashion-MNIST, the package to install). */
bool cli_train_data(const char *cmd, const struct train_settings *o, struct nn_data *out);

/* "weights LABEL: N weights, Z exact zeros, S below 1e-3 (P%)" for a racer. */
void cli_train_print_weights(FILE *out, const char *label, const struct cnn *net);

struct session_train_racer;
/* "test  LABEL  loss L  accuracy A%" (or "diverged"): a racer's result on the test split. */
void cli_print_test_line(FILE *out, const struct session_train_racer *r, bool best_weights);

#endif
