/* catalog.h: the built-in 2-D test functions: each an expression with a domain, known minima,
 * a default start and a one-line description. */
#ifndef OPTISCOPE_SIM_CATALOG_H
#define OPTISCOPE_SIM_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#define CATALOG_MAX_MINIMA 6

struct catalog_entry {
    const char *name;          /* e.g. "beale" */
    const char *expr;          /* the one definition, in expr.h syntax */
    double xmin, xmax;         /* default view / domain */
    double ymin, ymax;
    double start[2];           /* default start point */
    int nminima;               /* number of known global (or notable) minima, 0 for saddles */
    double minima[CATALOG_MAX_MINIMA][2];
    bool log_scale;            /* colour scale default: log where the range spans decades */
    const char *description;   /* one line */
};

size_t catalog_count(void);
const struct catalog_entry *catalog_get(size_t i);
const struct catalog_entry *catalog_find(const char *name);   /* NULL if unknown */
/* The names, for suggestions: an array of catalog_count() strings. */
const char *const *catalog_names(void);

#endif
