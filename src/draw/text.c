/* text.c: text through Pango (pangocairo): the current font rides on the cairo_t (so that
 * cairo_save/restore keep and restore it as before), layouts are cached per thread. */
#include "draw/text.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pango/pangocairo.h>

#include "draw/draw.h"
#include "sim/util.h"

/* ======================================================================== the current font */

/* draw_set_font keeps the font in cairo's own state: a toy face says bold and italic, the font
 * matrix the size. cairo never resolves that face (no scaled font is made from it: Pango
 * shows the text), so it costs a hash lookup. */
void draw_set_font(cairo_t *cr, double size, bool bold, bool italic)
{
    cairo_select_font_face(cr, "DejaVu Sans",
                           italic ? CAIRO_FONT_SLANT_OBLIQUE : CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

struct font_key {
    double size;                    /* user units */
    bool bold, italic;
};

static struct font_key current_font(cairo_t *cr)
{
    struct font_key k = {.size = 10.0};
    cairo_matrix_t m;
    cairo_get_font_matrix(cr, &m);
    k.size = fabs(m.yy) > 0 ? fabs(m.yy) : 10.0;
    cairo_font_face_t *f = cairo_get_font_face(cr);
    if (f && cairo_font_face_get_type(f) == CAIRO_FONT_TYPE_TOY) {
        k.bold = cairo_toy_font_face_get_weight(f) == CAIRO_FONT_WEIGHT_BOLD;
        k.italic = cairo_toy_font_face_get_slant(f) != CAIRO_FONT_SLANT_NORMAL;
    }
    return k;
}

/* ======================================================================== layout cache */

/* Per thread: a few Pango contexts, one per kind of target (the linear part of the matrix and
 * the surface's and cr's font options: an image surface hints metrics, PDF and SVG do not;
 * rotated text), each with a direct-mapped cache of laid-out strings. A context is only ever
 * updated when it is given to a new kind of target, and then its cache is emptied, so a cached
 * layout's measures are always those it will be drawn with. */
#define CTX_SLOTS 3
#define CACHE_SIZE 1024             /* entries per context (a power of two) */
#define CACHE_MAX_TEXT 512          /* longer strings are laid out uncached */

struct entry {
    uint64_t hash;                  /* 0: empty */
    struct font_key font;
    char *text;                     /* owned copy */
    PangoLayout *layout;
};

struct slot {
    PangoContext *ctx;              /* NULL: unused */
    double lin[4];                  /* xx, yx, xy, yy of the target's matrix */
    cairo_font_options_t *surface_opts, *cr_opts;
    unsigned long used;             /* last use, for eviction */
    struct entry *cache;            /* (CACHE_SIZE) */
};

struct text_cache {
    struct slot slot[CTX_SLOTS];
    unsigned long tick;
    PangoFontDescription *desc;     /* scratch, families set once */
    cairo_surface_t *scratch;       /* 1x1, for draw_text_measure; NULL until used */
    cairo_t *scratch_cr;
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void entry_clear(struct entry *e)
{
    if (e->layout) {
        g_object_unref(e->layout);
    }
    free(e->text);
    memset(e, 0, sizeof *e);
}

static void slot_clear(struct slot *s)
{
    if (s->cache) {
        for (int i = 0; i < CACHE_SIZE; i++) {
            entry_clear(&s->cache[i]);
        }
    }
}

static void cache_destroy(void *p)
{
    struct text_cache *c = p;
    for (int i = 0; i < CTX_SLOTS; i++) {
        struct slot *s = &c->slot[i];
        slot_clear(s);
        free(s->cache);
        if (s->ctx) {
            g_object_unref(s->ctx);
        }
        if (s->surface_opts) {
            cairo_font_options_destroy(s->surface_opts);
            cairo_font_options_destroy(s->cr_opts);
        }
    }
    if (c->desc) {
        pango_font_description_free(c->desc);
    }
    if (c->scratch_cr) {
        cairo_destroy(c->scratch_cr);
        cairo_surface_destroy(c->scratch);
    }
    free(c);
}

static void cache_key_make(void)
{
    if (pthread_key_create(&cache_key, cache_destroy) != 0) {
        abort();
    }
}

static struct text_cache *thread_cache(void)
{
    pthread_once(&cache_once, cache_key_make);
    struct text_cache *c = pthread_getspecific(cache_key);
    if (!c) {
        c = xcalloc(1, sizeof *c);
        c->desc = pango_font_description_from_string(DRAW_TEXT_FAMILIES);
        pthread_setspecific(cache_key, c);
    }
    return c;
}

/* The slot whose context matches cr's target, re-targeting the least recently used one when
 * none does. */
static struct slot *slot_for(struct text_cache *c, cairo_t *cr)
{
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    double lin[4] = {m.xx, m.yx, m.xy, m.yy};
    cairo_font_options_t *so = cairo_font_options_create();
    cairo_font_options_t *co = cairo_font_options_create();
    cairo_surface_get_font_options(cairo_get_target(cr), so);
    cairo_get_font_options(cr, co);
    c->tick++;
    struct slot *lru = &c->slot[0];
    for (int i = 0; i < CTX_SLOTS; i++) {
        struct slot *s = &c->slot[i];
        if (s->ctx && !memcmp(s->lin, lin, sizeof lin) &&
            cairo_font_options_equal(s->surface_opts, so) &&
            cairo_font_options_equal(s->cr_opts, co)) {
            s->used = c->tick;
            cairo_font_options_destroy(so);
            cairo_font_options_destroy(co);
            return s;
        }
        if (!s->ctx || s->used < lru->used) {
            lru = s;
        }
    }
    struct slot *s = lru;
    if (!s->ctx) {
        s->ctx = pango_font_map_create_context(pango_cairo_font_map_get_default());
        s->cache = xcalloc(CACHE_SIZE, sizeof *s->cache);
    } else {
        slot_clear(s);
        cairo_font_options_destroy(s->surface_opts);
        cairo_font_options_destroy(s->cr_opts);
    }
    pango_cairo_update_context(cr, s->ctx);
    memcpy(s->lin, lin, sizeof lin);
    s->surface_opts = so;
    s->cr_opts = co;
    s->used = c->tick;
    return s;
}

static uint64_t hash_of(const char *s, const struct font_key *k)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h = (h ^ *p) * 1099511628211ull;
    }
    const unsigned char *b = (const unsigned char *)&k->size;
    for (size_t i = 0; i < sizeof k->size; i++) {
        h = (h ^ b[i]) * 1099511628211ull;
    }
    h = (h ^ (unsigned)(k->bold + 2 * k->italic)) * 1099511628211ull;
    return h ? h : 1;
}

static PangoLayout *make_layout(struct text_cache *c, struct slot *s, const char *text,
                                const struct font_key *k)
{
    PangoLayout *l = pango_layout_new(s->ctx);
    pango_font_description_set_absolute_size(c->desc, k->size * PANGO_SCALE);
    pango_font_description_set_weight(c->desc, k->bold ? PANGO_WEIGHT_BOLD
                                                       : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_style(c->desc, k->italic ? PANGO_STYLE_OBLIQUE
                                                        : PANGO_STYLE_NORMAL);
    pango_layout_set_font_description(l, c->desc);
    pango_layout_set_text(l, text, -1);
    return l;
}

/* A layout of text in font k for cr: borrowed from the cache (valid until the next call on
 * this thread), or new and owned by the caller when *owned comes back true. */
static PangoLayout *layout_of(cairo_t *cr, const char *text, const struct font_key *k,
                              bool *owned)
{
    struct text_cache *c = thread_cache();
    struct slot *s = slot_for(c, cr);
    *owned = false;
    if (strlen(text) > CACHE_MAX_TEXT) {
        *owned = true;
        return make_layout(c, s, text, k);
    }
    uint64_t h = hash_of(text, k);
    struct entry *e = &s->cache[h & (CACHE_SIZE - 1)];
    if (e->hash == h && e->font.size == k->size && e->font.bold == k->bold &&
        e->font.italic == k->italic && !strcmp(e->text, text)) {
        return e->layout;
    }
    entry_clear(e);
    e->hash = h;
    e->font = *k;
    e->text = xstrdup(text);
    e->layout = make_layout(c, s, text, k);
    return e->layout;
}

static void layout_done(PangoLayout *l, bool owned)
{
    if (owned) {
        g_object_unref(l);
    }
}

/* ======================================================================== measuring, showing */

/* Pango refuses text that is not UTF-8 (a warning and nothing drawn): such text is shown with
 * each bad byte as U+FFFD instead. */
static const char *valid_text(const char *s, char **tmp)
{
    *tmp = NULL;
    if (!s) {
        return "";
    }
    if (g_utf8_validate(s, -1, NULL)) {
        return s;
    }
    *tmp = g_utf8_make_valid(s, -1);
    return *tmp;
}

static double width_in(cairo_t *cr, const char *s, const struct font_key *k)
{
    bool owned;
    PangoLayout *l = layout_of(cr, s, k, &owned);
    PangoRectangle logical;
    pango_layout_get_extents(l, NULL, &logical);
    layout_done(l, owned);
    return (double)logical.width / PANGO_SCALE;
}

double draw_text_width(cairo_t *cr, const char *s)
{
    char *tmp;
    const char *t = valid_text(s, &tmp);
    struct font_key k = current_font(cr);
    double w = width_in(cr, t, &k);
    g_free(tmp);
    return w;
}

double draw_text_measure(const char *s, double size, bool bold)
{
    /* one small scratch surface per thread: its context is the image surfaces' kind */
    struct text_cache *c = thread_cache();
    if (!c->scratch_cr) {
        c->scratch = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
        c->scratch_cr = cairo_create(c->scratch);
    }
    cairo_t *cr = c->scratch_cr;
    draw_set_font(cr, size, bold, false);
    return draw_text_width(cr, s);
}

double draw_text_cap_height(cairo_t *cr)
{
    struct font_key k = current_font(cr);
    bool owned;
    PangoLayout *l = layout_of(cr, "H", &k, &owned);
    PangoRectangle ink;
    pango_layout_get_extents(l, &ink, NULL);
    layout_done(l, owned);
    return (double)ink.height / PANGO_SCALE;
}

void draw_text_at(cairo_t *cr, double x, double y, const char *s, double ha, double va)
{
    char *tmp;
    const char *t = valid_text(s, &tmp);
    struct font_key k = current_font(cr);
    double cap = va != 0.0 ? draw_text_cap_height(cr) : 0.0;
    bool owned;
    PangoLayout *l = layout_of(cr, t, &k, &owned);
    PangoRectangle logical;
    pango_layout_get_extents(l, NULL, &logical);
    double w = (double)logical.width / PANGO_SCALE;
    double base = (double)pango_layout_get_baseline(l) / PANGO_SCALE;
    cairo_move_to(cr, x - ha * w - (double)logical.x / PANGO_SCALE, y + va * cap - base);
    pango_cairo_show_layout(cr, l);
    cairo_new_path(cr);   /* as cairo_show_text left it: no path (the point is not used) */
    layout_done(l, owned);
    g_free(tmp);
}

static const cairo_user_data_key_t cuts_key;   /* its address is the key */

void draw_text_count_cuts(cairo_t *cr, struct draw_text_cuts *cuts)
{
    cairo_set_user_data(cr, &cuts_key, cuts, NULL);
}

void draw_fit_text(cairo_t *cr, const char *s, double maxw, char *buf, size_t len)
{
    util_copy_text(buf, len, s);   /* cut at a character boundary */
    char *tmp;
    const char *t = valid_text(buf, &tmp);
    if (tmp) {
        util_copy_text(buf, len, tmp);
        g_free(tmp);
        t = buf;
    }
    struct font_key k = current_font(cr);
    if (width_in(cr, t, &k) <= maxw) {
        return;
    }
    struct draw_text_cuts *cuts = cairo_get_user_data(cr, &cuts_key);
    if (cuts) {
        cuts->n++;
        util_copy_text(cuts->last, sizeof cuts->last, buf);
    }
    /* Where the text crosses maxw less an ellipsis, by Pango's own hit test (a grapheme
     * boundary), then back one cluster at a time until the cut text and ellipsis fit. */
    double ew = width_in(cr, "\xE2\x80\xA6", &k);
    bool owned;
    PangoLayout *l = layout_of(cr, buf, &k, &owned);
    int index = 0, trailing = 0;
    pango_layout_xy_to_index(l, (int)(fmax(0.0, maxw - ew) * PANGO_SCALE), 0, &index,
                             &trailing);
    layout_done(l, owned);
    size_t n = (size_t)index;
    size_t total = strlen(buf);
    n = n > total ? total : n;
    while (true) {
        while (n > 0 && ((unsigned char)buf[n] & 0xC0) == 0x80) {
            n--;
        }
        if (n + 4 <= len) {
            memcpy(buf + n, "\xE2\x80\xA6", 4);   /* U+2026 and the NUL */
            if (n == 0 || width_in(cr, buf, &k) <= maxw) {
                return;
            }
        } else if (n == 0) {
            buf[0] = '\0';   /* no room even for the ellipsis */
            return;
        }
        n--;
    }
}

void draw_fit_items(cairo_t *cr, const char *s, const char *sep, const char *tail, double maxw,
                    char *buf, size_t len)
{
    if (draw_text_width(cr, s) <= maxw) {
        util_copy_text(buf, len, s);
        return;
    }
    size_t nsep = strlen(sep);
    bool inside = tail[0] == ',';   /* ", …)": only a cut inside one pair of brackets */
    size_t best = 0;
    int depth = 0;
    for (const char *p = s; *p; p++) {
        depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
        if (strncmp(p, sep, nsep) || (inside && depth != 1)) {
            continue;
        }
        size_t n = (size_t)(p - s);
        if (n + strlen(tail) + 1 > len) {
            break;
        }
        char try[512];
        if (n + strlen(tail) + 1 > sizeof try) {
            break;
        }
        memcpy(try, s, n);
        snprintf(try + n, sizeof try - n, "%s", tail);
        if (draw_text_width(cr, try) > maxw) {
            break;
        }
        best = n;
    }
    if (best == 0) {
        draw_fit_text(cr, s, maxw, buf, len);   /* not even one item: cut with an ellipsis */
        return;
    }
    memcpy(buf, s, best);
    snprintf(buf + best, len - best, "%s", tail);
}

int draw_text_unknown_glyphs(cairo_t *cr, const char *s)
{
    char *tmp;
    const char *t = valid_text(s, &tmp);
    struct font_key k = current_font(cr);
    bool owned;
    PangoLayout *l = layout_of(cr, t, &k, &owned);
    int n = pango_layout_get_unknown_glyphs_count(l);
    layout_done(l, owned);
    g_free(tmp);
    return n;
}

void draw_text_warm_up(void)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 4, 4);
    cairo_t *cr = cairo_create(s);
    for (int style = 0; style < 3; style++) {   /* regular, bold, oblique */
        draw_set_font(cr, 12.0, style == 1, style == 2);
        (void)draw_text_width(cr, "Warm up: 0.123 \xE2\x88\x92 \xC2\xB7 "
                                  "\xEA\xB2\xBD\xEC\x82\xAC");   /* − · 경사 */
    }
    cairo_destroy(cr);
    cairo_surface_destroy(s);
}

struct draw_text_warm {
    pthread_t thread;
    PangoFontMap *fm;               /* the warmed font map, handed over at finish */
    void (*paint)(void *ud);        /* more to draw there, or NULL */
    void *ud;
};

static void *warm_main(void *p)
{
    struct draw_text_warm *w = p;
    pango_cairo_font_map_set_default(PANGO_CAIRO_FONT_MAP(w->fm));
    draw_text_warm_up();
    if (w->paint) {
        w->paint(w->ud);
    }
    /* nothing of this thread's may use the font map after the hand-over */
    draw_text_finish();
    return NULL;
}

struct draw_text_warm *draw_text_warm_start(void (*paint)(void *ud), void *ud)
{
    struct draw_text_warm *w = xcalloc(1, sizeof *w);
    w->fm = pango_cairo_font_map_new();
    w->paint = paint;
    w->ud = ud;
    if (pthread_create(&w->thread, NULL, warm_main, w) != 0) {
        g_object_unref(w->fm);
        free(w);
        return NULL;
    }
    return w;
}

void draw_text_warm_finish(struct draw_text_warm *w)
{
    if (!w) {
        return;
    }
    pthread_join(w->thread, NULL);
    pthread_once(&cache_once, cache_key_make);
    struct text_cache *c = pthread_getspecific(cache_key);
    if (c) {   /* layouts made through the old font map go with it */
        cache_destroy(c);
        pthread_setspecific(cache_key, NULL);
    }
    pango_cairo_font_map_set_default(PANGO_CAIRO_FONT_MAP(w->fm));
    g_object_unref(w->fm);
    free(w);
}

void draw_text_finish(void)
{
    pthread_once(&cache_once, cache_key_make);
    struct text_cache *c = pthread_getspecific(cache_key);
    if (c) {
        cache_destroy(c);
        pthread_setspecific(cache_key, NULL);
    }
    pango_cairo_font_map_set_default(NULL);
}
