/* dataset.c: IDX files through zlib with a clear message for every way a file can be wrong, the
 * validation split, batches as floats, and the seeded synthetic shapes. */
#include "nn/dataset.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "sim/i18n.h"
#include "sim/util.h"

/* ======================================================================== IDX files */

#define IDX_MAGIC_IMAGES 0x00000803u   /* unsigned bytes, 3 dimensions */
#define IDX_MAGIC_LABELS 0x00000801u   /* unsigned bytes, 1 dimension */
#define IDX_MAX_ITEMS 10000000         /* more than this is a corrupt header, not a dataset */
#define IDX_MAX_SIDE 1024

/* Reads exactly n bytes, the part [done, done + n) of a `total`-byte section named `what`; on
 * failure says why (corrupt stream, early end) with counts for the whole section. */
static bool read_exact(gzFile f, const char *path, void *buf, size_t n, const char *what,
                       size_t done, size_t total, char *err, size_t errlen)
{
    size_t got = 0;
    while (got < n) {
        unsigned chunk = n - got > (1u << 30) ? (1u << 30) : (unsigned)(n - got);
        int r = gzread(f, (char *)buf + got, chunk);
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        int code;
        const char *msg = gzerror(f, &code);
        if (r < 0 && code != Z_BUF_ERROR) {
            snprintf(err, errlen, _("%s: corrupt compressed data in the %s (%s)"), path, what, msg);
        } else if (code == Z_BUF_ERROR) {
            /* Z_BUF_ERROR (gzread returns 0 or -1): the deflate data run out before the
             * stream's end marker. A damaged
             * stream (a flipped byte, a bad block length) reads exactly like a cut one, so the
             * message names both, corrupt first. */
            snprintf(err, errlen, _("%s: corrupt or truncated gzip stream: it stops before its "
                     "end marker, inside the %s (%zu of %zu bytes)"), path, what, done + got,
                     total);
        } else {
            /* r == 0: a complete stream (or a plain file) shorter than its header says */
            snprintf(err, errlen, _("%s: truncated: the file ends inside the %s: %zu of %zu "
                     "bytes"), path, what, done + got, total);
        }
        return false;
    }
    return true;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Checks that nothing follows the data: reading past it also makes zlib verify the gzip
 * trailer's CRC and length, so a damaged stream is caught even when the sizes are right. */
static bool check_end(gzFile f, const char *path, char *err, size_t errlen)
{
    char extra;
    int r = gzread(f, &extra, 1);
    int code;
    const char *msg = gzerror(f, &code);
    if (r < 0 || (r == 0 && code == Z_BUF_ERROR)) {
        /* r == 0 with Z_BUF_ERROR: the stream stopped before its trailer was read */
        if (code == Z_BUF_ERROR) {
            snprintf(err, errlen, _("%s: corrupt or truncated gzip stream: it stops before its "
                     "end marker"), path);
        } else {
            snprintf(err, errlen, _("%s: corrupt compressed data (%s)"), path, msg);
        }
        return false;
    }
    if (r > 0) {
        snprintf(err, errlen, _("%s: extra data after the last item the header announces"), path);
        return false;
    }
    return true;
}

static gzFile open_idx(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, _("%s: cannot open: %s"), path, strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, _("%s: is a directory, not an IDX file"), path);
        return NULL;
    }
    gzFile f = gzopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, _("%s: cannot open: %s"), path, errno ? strerror(errno) : "zlib");
        return NULL;
    }
    return f;
}

/* Reads the whole file; *data (count * item bytes) is allocated on success. dims[0] is the
 * count, dims[1], dims[2] the image size (images only). */
static bool read_idx(const char *path, bool images, int dims[3], uint8_t **data, char *err,
                     size_t errlen)
{
    *data = NULL;
    gzFile f = open_idx(path, err, errlen);
    if (!f) {
        return false;
    }
    bool ok = false;
    unsigned char hdr[16];
    size_t hlen = images ? 16 : 8;
    uint32_t want = images ? IDX_MAGIC_IMAGES : IDX_MAGIC_LABELS;
    /* the magic number first, so a file of the other kind is named as such even if short */
    if (!read_exact(f, path, hdr, 4, _("header"), 0, hlen, err, errlen)) {
        goto done;
    }
    uint32_t magic = be32(hdr);
    if (magic != want) {
        const char *kind = images ? _("image") : _("label");
        if (magic == (images ? IDX_MAGIC_LABELS : IDX_MAGIC_IMAGES)) {
            snprintf(err, errlen, _("%s: this is an IDX %s file, expected an IDX %s file"), path,
                     images ? _("label") : _("image"), kind);
        } else {
            snprintf(err, errlen, _("%s: not an IDX %s file (magic number 0x%08x, expected "
                     "0x%08x)"), path, kind, magic, want);
        }
        goto done;
    }
    if (!read_exact(f, path, hdr + 4, hlen - 4, _("header"), 4, hlen, err, errlen)) {
        goto done;
    }
    uint32_t n = be32(hdr + 4);
    uint32_t h = images ? be32(hdr + 8) : 1, w = images ? be32(hdr + 12) : 1;
    if (n == 0 || n > IDX_MAX_ITEMS) {
        snprintf(err, errlen, _("%s: header announces %u items (expected 1 to %d)"), path, n,
                 IDX_MAX_ITEMS);
        goto done;
    }
    if (h == 0 || w == 0 || h > IDX_MAX_SIDE || w > IDX_MAX_SIDE) {
        snprintf(err, errlen, _("%s: header announces %ux%u images (expected 1 to %d pixels a "
                 "side)"), path, h, w, IDX_MAX_SIDE);
        goto done;
    }
    size_t bytes = (size_t)n * h * w;
    /* Grow the buffer as data really arrives, so a lying header costs nothing. */
    size_t cap = bytes < ((size_t)1 << 24) ? bytes : ((size_t)1 << 24);
    uint8_t *buf = xmalloc(cap);
    char what[96];
    snprintf(what, sizeof(what), images ? _("pixels of %u images") : _("%u labels"), n);
    size_t got = 0;
    while (got < bytes) {
        if (got == cap) {
            cap = cap * 2 < bytes ? cap * 2 : bytes;
            buf = xrealloc(buf, cap);
        }
        if (!read_exact(f, path, buf + got, cap - got, what, got, bytes, err, errlen)) {
            free(buf);
            goto done;
        }
        got = cap;
    }
    if (!check_end(f, path, err, errlen)) {
        free(buf);
        goto done;
    }
    dims[0] = (int)n;
    dims[1] = (int)h;
    dims[2] = (int)w;
    *data = buf;
    ok = true;
done:
    gzclose(f);
    return ok;
}

bool nn_idx_load(struct nn_dataset *out, const char *images_path, const char *labels_path,
                 char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    int di[3], dl[3];
    uint8_t *images, *labels;
    if (!read_idx(images_path, true, di, &images, err, errlen)) {
        return false;
    }
    if (!read_idx(labels_path, false, dl, &labels, err, errlen)) {
        free(images);
        return false;
    }
    if (di[0] != dl[0]) {
        snprintf(err, errlen, _("%s has %d images but %s has %d labels"), images_path, di[0],
                 labels_path, dl[0]);
        free(images);
        free(labels);
        return false;
    }
    for (int i = 0; i < dl[0]; i++) {
        if (labels[i] >= NN_CLASSES) {
            snprintf(err, errlen, _("%s: label %d of item %d is outside 0..%d"), labels_path,
                     labels[i], i, NN_CLASSES - 1);
            free(images);
            free(labels);
            return false;
        }
    }
    out->std = 1.0f;
    out->n = di[0];
    out->h = di[1];
    out->w = di[2];
    out->images = images;
    out->labels = labels;
    return true;
}

/* dir/base.gz if it exists, else dir/base (plain IDX), else dir/base.gz for the message. */
static void find_file(char *buf, size_t len, const char *dir, const char *base)
{
    struct stat st;
    snprintf(buf, len, "%s/%s.gz", dir, base);
    if (stat(buf, &st) == 0) {
        return;
    }
    snprintf(buf, len, "%s/%s", dir, base);
    if (stat(buf, &st) == 0) {
        return;
    }
    snprintf(buf, len, "%s/%s.gz", dir, base);
}

bool nn_data_load_dir(struct nn_data *out, const char *dir, int val_count, char *err,
                      size_t errlen)
{
    memset(out, 0, sizeof(*out));
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, _("%s: no such data directory"), dir);
        return false;
    }
    char ti[4096], tl[4096], si[4096], sl[4096];
    find_file(ti, sizeof(ti), dir, "train-images-idx3-ubyte");
    find_file(tl, sizeof(tl), dir, "train-labels-idx1-ubyte");
    find_file(si, sizeof(si), dir, "t10k-images-idx3-ubyte");
    find_file(sl, sizeof(sl), dir, "t10k-labels-idx1-ubyte");
    struct nn_dataset all;
    if (!nn_idx_load(&all, ti, tl, err, errlen)) {
        return false;
    }
    if (!nn_idx_load(&out->test, si, sl, err, errlen)) {
        nn_dataset_finish(&all);
        return false;
    }
    if (all.h != out->test.h || all.w != out->test.w) {
        snprintf(err, errlen, _("%s has %dx%d images but %s has %dx%d"), ti, all.h, all.w, si,
                 out->test.h, out->test.w);
        nn_dataset_finish(&all);
        nn_data_finish(out);
        return false;
    }
    int nval = val_count < 0 ? all.n / 12 : val_count;
    if (nval >= all.n) {
        snprintf(err, errlen, _("%s: %d training images leave none after a validation split of %d"),
                 ti, all.n, nval);
        nn_dataset_finish(&all);
        nn_data_finish(out);
        return false;
    }
    /* The validation split is the last nval training images (the files are already shuffled). */
    size_t px = (size_t)all.h * all.w;
    int ntr = all.n - nval;
    out->train = (struct nn_dataset){ntr, all.h, all.w, all.images, all.labels, 0.0f, 1.0f};
    out->val.n = nval;
    out->val.h = all.h;
    out->val.w = all.w;
    out->val.images = xmalloc((size_t)nval * px + 1);
    out->val.labels = xmalloc((size_t)nval + 1);
    memcpy(out->val.images, all.images + (size_t)ntr * px, (size_t)nval * px);
    memcpy(out->val.labels, all.labels + ntr, (size_t)nval);
    snprintf(out->source, sizeof(out->source), "%s", dir);
    nn_data_standardize(out);
    return true;
}

void nn_dataset_finish(struct nn_dataset *d)
{
    free(d->images);
    free(d->labels);
    memset(d, 0, sizeof(*d));
}

void nn_data_finish(struct nn_data *d)
{
    nn_dataset_finish(&d->train);
    nn_dataset_finish(&d->val);
    nn_dataset_finish(&d->test);
}

void nn_data_limit(struct nn_data *d, int limit)
{
    if (limit <= 0) {
        return;
    }
    struct nn_dataset *s[3] = {&d->train, &d->val, &d->test};
    for (int i = 0; i < 3; i++) {
        if (s[i]->n > limit) {
            s[i]->n = limit;
        }
    }
}

void nn_data_standardize(struct nn_data *d)
{
    const struct nn_dataset *t = &d->train;
    size_t n = (size_t)t->n * t->h * t->w;
    double sum = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = t->images[i] / 255.0;
        sum += v;
        ss += v * v;
    }
    double mean = n ? sum / n : 0.0;
    double var = n ? ss / n - mean * mean : 1.0;
    float std = var > 1e-12 ? (float)sqrt(var) : 1.0f;
    struct nn_dataset *s[3] = {&d->train, &d->val, &d->test};
    for (int i = 0; i < 3; i++) {
        s[i]->mean = (float)mean;
        s[i]->std = std;
    }
}

void nn_dataset_batch(const struct nn_dataset *d, const int *index, int B, float *x, uint8_t *y)
{
    size_t px = (size_t)d->h * d->w;
    /* a table of the 256 possible values: exactly (p/255 - mean)/std for each */
    float lut[256];
    float std = d->std > 0.0f ? d->std : 1.0f;
    for (int p = 0; p < 256; p++) {
        lut[p] = ((float)p / 255.0f - d->mean) / std;
    }
    for (int b = 0; b < B; b++) {
        const uint8_t *src = d->images + (size_t)index[b] * px;
        float *dst = x + (size_t)b * px;
        for (size_t i = 0; i < px; i++) {
            dst[i] = lut[src[i]];
        }
        y[b] = d->labels[index[b]];
    }
}

/* ======================================================================== synthetic shapes */

/* Draws one shape of class `cls` into img (28, 28). */
static void draw_shape(uint8_t *img, int cls, struct util_rng *rng)
{
    enum { S = 28 };
    double cx = 13.5 + (util_rng_uniform(rng) - 0.5) * 8.0;
    double cy = 13.5 + (util_rng_uniform(rng) - 0.5) * 8.0;
    double r = 5.0 + util_rng_uniform(rng) * 4.0;       /* half size */
    double t = 1.2 + util_rng_uniform(rng) * 1.0;       /* stroke half width */
    double bright = 150.0 + util_rng_uniform(rng) * 105.0;
    double noise = util_rng_uniform(rng) * 30.0;
    for (int y = 0; y < S; y++) {
        for (int x = 0; x < S; x++) {
            double dx = x - cx, dy = y - cy;
            double ax = fabs(dx), ay = fabs(dy), d = sqrt(dx * dx + dy * dy);
            bool on = false;
            switch (cls) {
            case 0: on = ax <= r && ay <= r; break;                                 /* square */
            case 1: on = fmax(ax, ay) <= r && fmax(ax, ay) >= r - 2 * t; break;     /* frame */
            case 2: on = d <= r; break;                                             /* disc */
            case 3: on = d <= r && d >= r - 2 * t; break;                           /* ring */
            case 4: on = ay <= t && ax <= r; break;                                 /* h bar */
            case 5: on = ax <= t && ay <= r; break;                                 /* v bar */
            case 6: on = (ax <= t && ay <= r) || (ay <= t && ax <= r); break;       /* plus */
            case 7: on = fabs(dx - dy) <= 1.4 * t && fabs(dx + dy) <= 2 * r;        /* cross */
                on = on || (fabs(dx + dy) <= 1.4 * t && fabs(dx - dy) <= 2 * r); break;
            case 8: on = dy <= r && dy >= -r && ax <= (dy + r) / 2; break;          /* triangle */
            default: {                                                              /* dots */
                double ex = ax - r * 0.6;
                on = sqrt(ex * ex + dy * dy) <= r * 0.4;
                break;
            }
            }
            double v = (on ? bright : 0.0) + noise * util_rng_normal(rng);
            img[y * S + x] = (uint8_t)(v < 0.0 ? 0.0 : v > 255.0 ? 255.0 : v);
        }
    }
}

static void make_split(struct nn_dataset *d, int n, struct util_rng *rng)
{
    d->n = n;
    d->h = 28;
    d->w = 28;
    d->images = xmalloc((size_t)n * 28 * 28 + 1);
    d->labels = xmalloc((size_t)n + 1);
    for (int i = 0; i < n; i++) {
        int cls = (int)(util_rng_next(rng) % NN_CLASSES);
        d->labels[i] = (uint8_t)cls;
        draw_shape(d->images + (size_t)i * 28 * 28, cls, rng);
    }
}

void nn_data_synthetic(struct nn_data *out, int ntrain, int nval, int ntest, uint64_t seed)
{
    memset(out, 0, sizeof(*out));
    struct util_rng rng;
    util_rng_seed(&rng, seed);
    make_split(&out->train, ntrain, &rng);
    make_split(&out->val, nval, &rng);
    make_split(&out->test, ntest, &rng);
    snprintf(out->source, sizeof(out->source), _("synthetic shapes (seed %llu)"),
             (unsigned long long)seed);
    nn_data_standardize(out);
}
