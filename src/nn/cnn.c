/* cnn.c: the model `small` with its optional batch norm, dropout and hidden layer: layout of
 * parameters and activations, initialization, forward, backward, penalties, save and load. */
#include "nn/cnn.h"
#include "sim/i18n.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======================================================================== models */

static const char *const model_names[] = {"small"};

const char *const *cnn_model_names(size_t *count)
{
    *count = sizeof(model_names) / sizeof(model_names[0]);
    return model_names;
}

bool cnn_config_for_model(const char *name, struct cnn_config *out, char *err, size_t errlen)
{
    if (strcmp(name, "small") != 0) {
        size_t n;
        const char *const *names = cnn_model_names(&n);
        int len = snprintf(err, errlen, _("unknown model '%s'"), name);
        util_append_suggestion(err, errlen, name, names, n);
        if (len >= 0 && strlen(err) == (size_t)len) {
            snprintf(err + len, errlen - (size_t)len, " (known: small)");
        }
        return false;
    }
    memset(out, 0, sizeof(*out));
    out->in_c = 1;
    out->in_h = 28;
    out->in_w = 28;
    out->classes = 10;
    out->batch = 64;
    return true;
}

/* ======================================================================== create/destroy */

/* Adds a tensor (trailing zero dims dropped) and returns its offset plus one, so that 0 can
 * mean "absent"; rebase turns it into a pointer once the group is allocated. */
static size_t add(struct nn_group *g, const char *name, bool pen, int d0, int d1, int d2, int d3)
{
    int shape[4] = {d0, d1, d2, d3};
    int ndim = d3 ? 4 : d2 ? 3 : d1 ? 2 : 1;
    int i = nn_group_add(g, name, pen, ndim, shape);
    return g->t[i].offset + 1;
}

static float *rebase(size_t stash, float *base)
{
    return stash ? base + (stash - 1) : 0;
}

struct cnn *cnn_create(const struct cnn_config *cfg)
{
    assert(cfg->in_c > 0 && cfg->in_h % 4 == 0 && cfg->in_w % 4 == 0 && cfg->classes > 0);
    assert(cfg->batch > 0 && cfg->hidden >= 0 && cfg->dropout >= 0.0f && cfg->dropout < 1.0f);
    struct cnn *net = xcalloc(1, sizeof(*net));
    net->cfg = *cfg;
    int C = cfg->in_c, H = cfg->in_h, W = cfg->in_w, B = cfg->batch;
    int F = 16 * (H / 4) * (W / 4);
    int fin = cfg->hidden ? cfg->hidden : F;

    /* ---- parameters: weights penalized, biases and batch norm not ---- */
    struct nn_group *pl = &net->pl;
    nn_group_init(pl);
    size_t conv1_w = add(pl, "conv1.w", true, 8, C, 3, 3);
    size_t conv1_b = add(pl, "conv1.b", false, 8, 0, 0, 0);
    size_t bn1_w = cfg->batchnorm ? add(pl, "bn1.w", false, 8, 0, 0, 0) : 0;
    size_t bn1_b = cfg->batchnorm ? add(pl, "bn1.b", false, 8, 0, 0, 0) : 0;
    size_t conv2_w = add(pl, "conv2.w", true, 16, 8, 3, 3);
    size_t conv2_b = add(pl, "conv2.b", false, 16, 0, 0, 0);
    size_t bn2_w = cfg->batchnorm ? add(pl, "bn2.w", false, 16, 0, 0, 0) : 0;
    size_t bn2_b = cfg->batchnorm ? add(pl, "bn2.b", false, 16, 0, 0, 0) : 0;
    size_t fc1_w = cfg->hidden ? add(pl, "fc1.w", true, cfg->hidden, F, 0, 0) : 0;
    size_t fc1_b = cfg->hidden ? add(pl, "fc1.b", false, cfg->hidden, 0, 0, 0) : 0;
    size_t out_w = add(pl, "out.w", true, cfg->classes, fin, 0, 0);
    size_t out_b = add(pl, "out.b", false, cfg->classes, 0, 0, 0);
    net->params = nn_group_alloc(pl);
    net->grads = nn_group_alloc(pl);
    net->nparams = pl->total;
#define VIEW(field, stash) \
    net->p_##field = rebase(stash, net->params); \
    net->g_##field = rebase(stash, net->grads)
    VIEW(conv1_w, conv1_w);
    VIEW(conv1_b, conv1_b);
    VIEW(bn1_w, bn1_w);
    VIEW(bn1_b, bn1_b);
    VIEW(conv2_w, conv2_w);
    VIEW(conv2_b, conv2_b);
    VIEW(bn2_w, bn2_w);
    VIEW(bn2_b, bn2_b);
    VIEW(fc1_w, fc1_w);
    VIEW(fc1_b, fc1_b);
    VIEW(out_w, out_w);
    VIEW(out_b, out_b);
#undef VIEW

    /* ---- buffers: running statistics ---- */
    nn_group_init(&net->bl);
    if (cfg->batchnorm) {
        size_t m1 = add(&net->bl, "bn1.running_mean", false, 8, 0, 0, 0);
        size_t v1 = add(&net->bl, "bn1.running_var", false, 8, 0, 0, 0);
        size_t m2 = add(&net->bl, "bn2.running_mean", false, 16, 0, 0, 0);
        size_t v2 = add(&net->bl, "bn2.running_var", false, 16, 0, 0, 0);
        net->buffers = nn_group_alloc(&net->bl);
        net->bn1_mean = rebase(m1, net->buffers);
        net->bn1_var = rebase(v1, net->buffers);
        net->bn2_mean = rebase(m2, net->buffers);
        net->bn2_var = rebase(v2, net->buffers);
    } else {
        net->buffers = nn_group_alloc(&net->bl);
    }

    /* ---- activations for cfg.batch images ---- */
    struct nn_group *al = &net->al;
    nn_group_init(al);
    int H2 = H / 2, W2 = W / 2;
    struct nn_conv_shape s1 = {B, C, H, W, 8, 3, 1}, s2 = {B, 8, H2, W2, 16, 3, 1};
    size_t col1 = add(al, "col1", false, (int)nn_conv_col_size(&s1), 0, 0, 0);
    size_t c1 = add(al, "c1", false, 8, B, H, W);
    size_t xhat1 = cfg->batchnorm ? add(al, "xhat1", false, 8, B * H * W, 0, 0) : 0;
    size_t invstd1 = cfg->batchnorm ? add(al, "invstd1", false, 8, 0, 0, 0) : 0;
    size_t p1 = add(al, "p1", false, B, 8, H2, W2);
    size_t dp1 = add(al, "dp1", false, B, 8, H2, W2);
    size_t col2 = add(al, "col2", false, (int)nn_conv_col_size(&s2), 0, 0, 0);
    size_t c2 = add(al, "c2", false, 16, B, H2, W2);
    size_t xhat2 = cfg->batchnorm ? add(al, "xhat2", false, 16, B * H2 * W2, 0, 0) : 0;
    size_t invstd2 = cfg->batchnorm ? add(al, "invstd2", false, 16, 0, 0, 0) : 0;
    size_t p2 = add(al, "p2", false, B, F, 0, 0);
    size_t dp2 = add(al, "dp2", false, B, F, 0, 0);
    bool drop = cfg->dropout > 0.0f;
    size_t d0 = drop ? add(al, "d0", false, B, F, 0, 0) : 0;
    size_t mask0 = drop ? add(al, "mask0", false, B, F, 0, 0) : 0;
    size_t h1 = cfg->hidden ? add(al, "h1", false, B, cfg->hidden, 0, 0) : 0;
    size_t dh1 = cfg->hidden ? add(al, "dh1", false, B, cfg->hidden, 0, 0) : 0;
    size_t d1 = cfg->hidden && drop ? add(al, "d1", false, B, cfg->hidden, 0, 0) : 0;
    size_t mask1 = cfg->hidden && drop ? add(al, "mask1", false, B, cfg->hidden, 0, 0) : 0;
    size_t logits = add(al, "logits", false, B, cfg->classes, 0, 0);
    size_t probs = add(al, "probs", false, B, cfg->classes, 0, 0);
    size_t dlogits = add(al, "dlogits", false, B, cfg->classes, 0, 0);
    net->acts = nn_group_alloc(al);
#define AVIEW(name) net->name = rebase(name, net->acts)
    AVIEW(col1);
    AVIEW(c1);
    AVIEW(xhat1);
    AVIEW(invstd1);
    AVIEW(p1);
    AVIEW(dp1);
    AVIEW(col2);
    AVIEW(c2);
    AVIEW(xhat2);
    AVIEW(invstd2);
    AVIEW(p2);
    AVIEW(dp2);
    AVIEW(d0);
    AVIEW(mask0);
    AVIEW(h1);
    AVIEW(dh1);
    AVIEW(d1);
    AVIEW(mask1);
    AVIEW(logits);
    AVIEW(probs);
    AVIEW(dlogits);
#undef AVIEW
    net->args = xmalloc((size_t)B * 8 * H2 * W2 + (size_t)B * F);
    return net;
}

void cnn_destroy(struct cnn *net)
{
    if (!net) {
        return;
    }
    nn_free(net->params);
    nn_free(net->grads);
    nn_free(net->buffers);
    nn_free(net->acts);
    free(net->args);
    free(net);
}

/* ======================================================================== init */

void cnn_init(struct cnn *net, uint64_t seed)
{
    struct util_rng rng;
    util_rng_seed(&rng, seed);
    memset(net->params, 0, net->pl.total * sizeof(float));
    /* In torch's creation order each layer draws its weight then its bias. */
    for (int i = 0; i < net->pl.count; i++) {
        const struct nn_tensor *t = &net->pl.t[i];
        float *p = net->params + t->offset;
        if (strncmp(t->name, "bn", 2) == 0) {
            nn_fill(p, t->size, strstr(t->name, ".w") ? 1.0f : 0.0f);
            continue;
        }
        /* fan_in of a weight (out, in, k, k) is in*k*k; a bias uses its weight's fan_in,
         * which is the tensor just before it */
        const struct nn_tensor *w = t->penalized ? t : &net->pl.t[i - 1];
        size_t fan_in = w->size / (size_t)w->shape[0];
        nn_fill_uniform(p, t->size, (float)(1.0 / sqrt((double)fan_in)), &rng);
    }
    for (int i = 0; i < net->bl.count; i++) {
        const struct nn_tensor *t = &net->bl.t[i];
        nn_fill(net->buffers + t->offset, t->size, strstr(t->name, "var") ? 1.0f : 0.0f);
    }
    util_rng_seed(&net->rng, seed ^ 0x9e3779b97f4a7c15ull);
}

/* ======================================================================== forward/backward */

double cnn_forward(struct cnn *net, const float *x, const uint8_t *y, int B, bool train,
                   int *correct)
{
    const struct cnn_config *cfg = &net->cfg;
    assert(B > 0 && B <= cfg->batch);
    int H = cfg->in_h, W = cfg->in_w, H2 = H / 2, W2 = W / 2;
    int F = 16 * (H / 4) * (W / 4);
    struct nn_ctx *ctx = &net->ctx;
    int8_t *arg1 = net->args;                                  /* (B, 8, H2, W2) */
    int8_t *arg2 = net->args + (size_t)cfg->batch * 8 * H2 * W2;   /* (B, F) */
    bool drop = cfg->dropout > 0.0f;

    struct nn_conv_shape s1 = {B, cfg->in_c, H, W, 8, 3, 1};
    nn_conv2d_forward(ctx, &s1, net->c1, net->col1, x, net->p_conv1_w, net->p_conv1_b);
    if (cfg->batchnorm) {
        struct nn_bn_shape bs = {8, B * H * W, 0.1f, 1e-5f};
        nn_batchnorm_forward(ctx, &bs, net->c1, net->xhat1, net->invstd1, net->bn1_mean,
                             net->bn1_var, net->c1, net->p_bn1_w, net->p_bn1_b, train);
    }
    nn_relu_maxpool2_forward(ctx, net->p1, arg1, net->c1, 8, B, H, W);

    struct nn_conv_shape s2 = {B, 8, H2, W2, 16, 3, 1};
    nn_conv2d_forward(ctx, &s2, net->c2, net->col2, net->p1, net->p_conv2_w, net->p_conv2_b);
    if (cfg->batchnorm) {
        struct nn_bn_shape bs = {16, B * H2 * W2, 0.1f, 1e-5f};
        nn_batchnorm_forward(ctx, &bs, net->c2, net->xhat2, net->invstd2, net->bn2_mean,
                             net->bn2_var, net->c2, net->p_bn2_w, net->p_bn2_b, train);
    }
    nn_relu_maxpool2_forward(ctx, net->p2, arg2, net->c2, 16, B, H2, W2);

    const float *feat = net->p2;   /* (B, F) */
    if (drop) {
        nn_dropout_forward(net->d0, net->mask0, net->p2, (size_t)B * F, cfg->dropout, train,
                           &net->rng);
        feat = net->d0;
    }
    if (cfg->hidden) {
        int Hd = cfg->hidden;
        nn_dense_forward(ctx, net->h1, feat, net->p_fc1_w, net->p_fc1_b, B, F, Hd);
        nn_relu_forward(net->h1, net->h1, (size_t)B * Hd);
        const float *hin = net->h1;
        if (drop) {
            nn_dropout_forward(net->d1, net->mask1, net->h1, (size_t)B * Hd, cfg->dropout,
                               train, &net->rng);
            hin = net->d1;
        }
        nn_dense_forward(ctx, net->logits, hin, net->p_out_w, net->p_out_b, B, Hd,
                         cfg->classes);
    } else {
        nn_dense_forward(ctx, net->logits, feat, net->p_out_w, net->p_out_b, B, F,
                         cfg->classes);
    }
    net->last_b = B;
    net->last_train = train;
    net->last_y = y;
    return nn_softmax_ce_forward(net->probs, net->logits, y, B, cfg->classes, correct);
}

void cnn_backward(struct cnn *net)
{
    const struct cnn_config *cfg = &net->cfg;
    assert(net->last_train && net->last_b > 0);
    int B = net->last_b;
    int H = cfg->in_h, W = cfg->in_w, H2 = H / 2, W2 = W / 2;
    int F = 16 * (H / 4) * (W / 4);
    struct nn_ctx *ctx = &net->ctx;
    int8_t *arg1 = net->args;
    int8_t *arg2 = net->args + (size_t)cfg->batch * 8 * H2 * W2;
    bool drop = cfg->dropout > 0.0f;
    const float *feat = drop ? net->d0 : net->p2;

    nn_softmax_ce_backward(net->dlogits, net->probs, net->last_y, B, cfg->classes);
    if (cfg->hidden) {
        int Hd = cfg->hidden;
        const float *hin = drop ? net->d1 : net->h1;
        nn_dense_backward(ctx, net->dh1, net->g_out_w, net->g_out_b, net->dlogits, hin,
                          net->p_out_w, B, Hd, cfg->classes);
        if (drop) {
            nn_dropout_backward(net->dh1, net->dh1, net->mask1, (size_t)B * Hd, true);
        }
        nn_relu_backward(net->dh1, net->dh1, net->h1, (size_t)B * Hd);
        nn_dense_backward(ctx, net->dp2, net->g_fc1_w, net->g_fc1_b, net->dh1, feat,
                          net->p_fc1_w, B, F, Hd);
    } else {
        nn_dense_backward(ctx, net->dp2, net->g_out_w, net->g_out_b, net->dlogits, feat,
                          net->p_out_w, B, F, cfg->classes);
    }
    if (drop) {
        nn_dropout_backward(net->dp2, net->dp2, net->mask0, (size_t)B * F, true);
    }

    /* c2 is no longer needed (pool kept its winners), so its gradient overwrites it */
    float *dc2 = net->c2;
    nn_relu_maxpool2_backward(ctx, dc2, net->dp2, arg2, 16, B, H2, W2);
    if (cfg->batchnorm) {
        struct nn_bn_shape bs = {16, B * H2 * W2, 0.1f, 1e-5f};
        nn_batchnorm_backward(ctx, &bs, dc2, net->g_bn2_w, net->g_bn2_b, dc2, net->xhat2,
                              net->invstd2, net->p_bn2_w);
    }
    /* each worker reads its columns of col2 for dw before it writes their dcol: dcol may be
     * col2 itself */
    struct nn_conv_shape s2 = {B, 8, H2, W2, 16, 3, 1};
    nn_conv2d_backward(ctx, &s2, net->dp1, net->g_conv2_w, net->g_conv2_b, net->col2, dc2,
                       net->col2, net->p_conv2_w);

    float *dc1 = net->c1;
    nn_relu_maxpool2_backward(ctx, dc1, net->dp1, arg1, 8, B, H, W);
    if (cfg->batchnorm) {
        struct nn_bn_shape bs = {8, B * H * W, 0.1f, 1e-5f};
        nn_batchnorm_backward(ctx, &bs, dc1, net->g_bn1_w, net->g_bn1_b, dc1, net->xhat1,
                              net->invstd1, net->p_bn1_w);
    }
    struct nn_conv_shape s1 = {B, cfg->in_c, H, W, 8, 3, 1};
    nn_conv2d_backward(ctx, &s1, NULL, net->g_conv1_w, net->g_conv1_b, NULL, dc1, net->col1,
                       net->p_conv1_w);
}

/* ======================================================================== penalties */

double cnn_penalty(struct cnn *net, double l1, double l2, bool add_grad)
{
    if (l1 == 0.0 && l2 == 0.0) {
        return 0.0;
    }
    double sum_abs = 0.0, sum_sq = 0.0;
    float fl1 = (float)l1, fl2 = (float)(2.0 * l2);
    for (int i = 0; i < net->pl.count; i++) {
        const struct nn_tensor *t = &net->pl.t[i];
        if (!t->penalized) {
            continue;
        }
        const float *w = net->params + t->offset;
        float *g = net->grads + t->offset;
        for (size_t j = 0; j < t->size; j++) {
            sum_abs += fabsf(w[j]);
            sum_sq += (double)w[j] * w[j];
            if (add_grad) {
                float sign = w[j] > 0.0f ? 1.0f : w[j] < 0.0f ? -1.0f : 0.0f;
                g[j] += fl1 * sign + fl2 * w[j];
            }
        }
    }
    return l1 * sum_abs + l2 * sum_sq;
}

void cnn_prox_l1(struct cnn *net, double threshold, const float *scale)
{
    if (!(threshold > 0.0)) {
        return;
    }
    float thr = (float)threshold;
    for (int i = 0; i < net->pl.count; i++) {
        const struct nn_tensor *t = &net->pl.t[i];
        if (!t->penalized) {
            continue;
        }
        float *w = net->params + t->offset;
        const float *sc = scale ? scale + t->offset : NULL;
        for (size_t j = 0; j < t->size; j++) {
            float a = fabsf(w[j]) - (sc ? thr * sc[j] : thr);
            w[j] = a > 0.0f ? copysignf(a, w[j]) : 0.0f;
        }
    }
}

void cnn_copy_state(struct cnn *dst, const struct cnn *src)
{
    assert(dst->pl.total == src->pl.total && dst->bl.total == src->bl.total);
    memcpy(dst->params, src->params, src->pl.total * sizeof(float));
    memcpy(dst->buffers, src->buffers, src->bl.total * sizeof(float));
    dst->rng = src->rng;
}

/* ======================================================================== save/load */

static void write_header(FILE *f, const struct cnn *net)
{
    const struct cnn_config *c = &net->cfg;
    fprintf(f, "optiscope-cnn 1\nmodel small in %d %d %d classes %d batchnorm %d dropout %.9g "
            "hidden %d\n", c->in_c, c->in_h, c->in_w, c->classes, c->batchnorm ? 1 : 0,
            (double)c->dropout, c->hidden);
    const struct nn_group *groups[2] = {&net->pl, &net->bl};
    for (int gi = 0; gi < 2; gi++) {
        for (int i = 0; i < groups[gi]->count; i++) {
            const struct nn_tensor *t = &groups[gi]->t[i];
            fprintf(f, "tensor %s", t->name);
            for (int d = 0; d < t->ndim; d++) {
                fprintf(f, " %d", t->shape[d]);
            }
            fputc('\n', f);
        }
    }
    fprintf(f, "data\n");
}

bool cnn_save(const struct cnn *net, const char *path, char *err, size_t errlen)
{
    struct util_outfile out;
    if (!util_outfile_open(&out, path, err, errlen)) {
        return false;
    }
    FILE *f = out.f;
    write_header(f, net);
    const struct nn_group *groups[2] = {&net->pl, &net->bl};
    const float *bases[2] = {net->params, net->buffers};
    bool ok = true;
    for (int gi = 0; gi < 2 && ok; gi++) {
        for (int i = 0; i < groups[gi]->count && ok; i++) {
            const struct nn_tensor *t = &groups[gi]->t[i];
            ok = fwrite(bases[gi] + t->offset, sizeof(float), t->size, f) == t->size;
        }
    }
    if (!ok) {
        snprintf(err, errlen, _("%s: cannot write: %s"), path, strerror(errno));
        util_outfile_abort(&out);
        return false;
    }
    return util_outfile_commit(&out, err, errlen);
}

bool cnn_load(struct cnn *net, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, _("%s: cannot open: %s"), path, strerror(errno));
        return false;
    }
    /* The header must be exactly what this network would write. */
    FILE *mem = tmpfile();
    if (!mem) {
        fclose(f);
        snprintf(err, errlen, _("%s: cannot read: %s"), path, strerror(errno));
        return false;
    }
    write_header(mem, net);
    long hlen = ftell(mem);
    rewind(mem);
    bool ok = true;
    for (long i = 0; i < hlen && ok; i++) {
        ok = fgetc(mem) == fgetc(f);
    }
    fclose(mem);
    if (!ok) {
        fclose(f);
        snprintf(err, errlen, _("%s: not a saved network of this configuration"), path);
        return false;
    }
    const struct nn_group *groups[2] = {&net->pl, &net->bl};
    float *bases[2] = {net->params, net->buffers};
    for (int gi = 0; gi < 2 && ok; gi++) {
        for (int i = 0; i < groups[gi]->count && ok; i++) {
            const struct nn_tensor *t = &groups[gi]->t[i];
            ok = fread(bases[gi] + t->offset, sizeof(float), t->size, f) == t->size;
        }
    }
    ok = ok && fgetc(f) == EOF;
    fclose(f);
    if (!ok) {
        snprintf(err, errlen, _("%s: truncated or has extra data"), path);
        return false;
    }
    return true;
}
