/* i18n.h: the interface's language. Words shown to people go through gettext catalogs
 * (po/LANG.po, built by meson's i18n module): English (the messages as written) and Korean. The
 * language follows the locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG) and can be forced with
 * --lang or a key in the window. Numbers, file names, CSV headers and scene-file keys are never
 * translated. Only LC_MESSAGES is taken from the environment: numbers keep the C locale's
 * decimal point everywhere. */
#ifndef OPTISCOPE_I18N_H
#define OPTISCOPE_I18N_H

#include <stdbool.h>
#include <stddef.h>

#include <libintl.h>

/* A message to translate where it is used. */
#define _(s) gettext(s)
/* A message in a table, translated where it is shown (with _() on the table's entry). */
#define N_(s) s

/* Text from a scene file (a preset's title, description or runner label): its translation when
 * the catalog has one, else the text itself; "" stays "" (gettext("") is the catalog's
 * header). */
const char *i18n_text(const char *s);

/* The languages: their codes, as --lang takes them. */
#define I18N_LANGS "en, ko"

/* Binds the catalogs in localedir (LOCALEDIR/ko/LC_MESSAGES/optiscope.mo; NULL: gettext's
 * default folder) and takes the language from the environment. Call once, first. */
void i18n_init(const char *localedir);

/* Forces the language: "en" or "ko" (also "ko_KR.UTF-8" and the like); messages change at
 * once. False (and nothing changed) if the code names no language we have. */
bool i18n_set(const char *lang);

/* The language in use: "en" or "ko". */
const char *i18n_current(void);

/* The other language (the window's key cycles through them). */
const char *i18n_next(void);

/* Incremented at each change of language, so that drawings keyed on their text redraw. */
unsigned long i18n_generation(void);

#endif
