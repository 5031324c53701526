/* i18n.c: gettext set-up and the language switch. */
#include "sim/i18n.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#define DOMAIN "optiscope"

/* glibc's (and GNU libintl's) counter of loaded catalogs: bumping it drops gettext's cache of
 * translations, so a change of LANGUAGE takes effect at the next call. */
extern int _nl_msg_cat_cntr;

static const char *current = "en";
static unsigned long generation;

/* "ko", "ko_KR", "ko_KR.UTF-8", "ko:en": Korean; "en*", "C", "POSIX": English; else NULL. */
static const char *lang_of(const char *s)
{
    if (!s || !*s) {
        return NULL;
    }
    if (!strncmp(s, "ko", 2) && (s[2] == '\0' || s[2] == '_' || s[2] == '.' || s[2] == ':' ||
                                 s[2] == '@')) {
        return "ko";
    }
    if ((!strncmp(s, "en", 2) && (s[2] == '\0' || s[2] == '_' || s[2] == '.' || s[2] == ':' ||
                                  s[2] == '@')) ||
        !strcmp(s, "C") || !strncmp(s, "C.", 2) || !strcmp(s, "POSIX")) {
        return "en";
    }
    return NULL;
}

/* The language gettext will use, by its own rules: LANGUAGE's first entry (unless the messages
 * locale is C), else the messages locale. */
static const char *detect(const char *messages_locale)
{
    const char *env = getenv("LANGUAGE");
    bool c_locale = !messages_locale || !strcmp(messages_locale, "C") ||
                    !strcmp(messages_locale, "POSIX");
    if (env && *env && !c_locale) {
        const char *l = lang_of(env);
        return l ? l : "en";
    }
    const char *l = lang_of(messages_locale);
    return l ? l : "en";
}

void i18n_init(const char *localedir)
{
    const char *loc = setlocale(LC_MESSAGES, "");
    if (!loc) {
        /* the environment names a locale this machine does not have: still follow its
         * language (LANG=ko_KR.UTF-8 without the locale generated) */
        const char *want = getenv("LC_ALL");
        if (!want || !*want) {
            want = getenv("LC_MESSAGES");
        }
        if (!want || !*want) {
            want = getenv("LANG");
        }
        loc = setlocale(LC_MESSAGES, "C.UTF-8");
        if (lang_of(want) && !strcmp(lang_of(want), "ko")) {
            setenv("LANGUAGE", "ko", 1);
        }
    }
    if (localedir) {
        bindtextdomain(DOMAIN, localedir);
    }
    bind_textdomain_codeset(DOMAIN, "UTF-8");
    /* the C library's own messages (strerror) in the same language come in the locale's
     * character set, ASCII under the C one: "??" for every Hangul character without this */
    bind_textdomain_codeset("libc", "UTF-8");
    textdomain(DOMAIN);
    current = detect(loc);
}

bool i18n_set(const char *lang)
{
    const char *l = lang_of(lang);
    if (!l) {
        return false;
    }
    /* LANGUAGE is ignored under the C messages locale: C.UTF-8 is built into glibc and is not
     * "C" to gettext. */
    const char *loc = setlocale(LC_MESSAGES, NULL);
    if (!loc || !strcmp(loc, "C") || !strcmp(loc, "POSIX")) {
        setlocale(LC_MESSAGES, "C.UTF-8");
    }
    setenv("LANGUAGE", l, 1);
    ++_nl_msg_cat_cntr;
    if (strcmp(current, l)) {
        generation++;
    }
    current = l;
    return true;
}

const char *i18n_text(const char *s)
{
    return s[0] ? gettext(s) : s;
}

const char *i18n_current(void)
{
    return current;
}

const char *i18n_next(void)
{
    return strcmp(current, "ko") ? "ko" : "en";
}

unsigned long i18n_generation(void)
{
    return generation;
}
