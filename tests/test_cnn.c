/* test_cnn.c: the whole model: every parameter's gradient against finite differences in each
 * variant (plain, batch norm, hidden layer, dropout), penalties on weights only, PyTorch-like
 * initialization, evaluation mode, partial batches, save and load. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "nn/cnn.h"
#include "nn/dataset.h"

static struct cnn_config small_config(int side, int batch, bool bn, float drop, int hidden)
{
    struct cnn_config c;
    char err[256];
    cnn_config_for_model("small", &c, err, sizeof(err));
    c.in_h = c.in_w = side;
    c.batch = batch;
    c.batchnorm = bn;
    c.dropout = drop;
    c.hidden = hidden;
    return c;
}

struct fd_ctx {
    struct cnn *net;
    const float *x;
    const uint8_t *y;
    int B;
    struct util_rng rng;   /* dropout's generator, rewound before every forward */
};

static double model_loss(struct fd_ctx *c)
{
    c->net->rng = c->rng;
    return cnn_forward(c->net, c->x, c->y, c->B, true, NULL);
}

/* Every tensor: a few entries' analytic gradients against central differences. */
static void check_model_grads(bool bn, float drop, int hidden)
{
    int B = 3, side = 8;
    struct cnn_config cfg = small_config(side, 4, bn, drop, hidden);
    struct cnn *net = cnn_create(&cfg);
    cnn_init(net, 11);
    struct util_rng rng;
    util_rng_seed(&rng, 5);
    float *x = nn_alloc((size_t)B * side * side);
    nn_fill_uniform(x, (size_t)B * side * side, 1.0f, &rng);
    uint8_t y[3] = {1, 7, 3};
    struct fd_ctx c = {net, x, y, B, net->rng};
    /* nudge batch norm's affine parameters off 1 and 0 so their gradients are generic */
    if (bn) {
        nn_fill_uniform(net->p_bn1_b, 8, 0.3f, &rng);
        nn_fill_uniform(net->p_bn2_b, 16, 0.3f, &rng);
    }
    model_loss(&c);
    cnn_backward(net);
    float *g = nn_alloc(net->nparams);
    memcpy(g, net->grads, net->nparams * sizeof(float));
    int bad = 0, checked = 0;
    for (int ti = 0; ti < net->pl.count; ti++) {
        const struct nn_tensor *t = &net->pl.t[ti];
        for (int s = 0; s < 6; s++) {
            size_t i = t->offset + util_rng_next(&rng) % t->size;
            /* ReLU and max-pool kinks near the point spoil a difference now and then: take
             * the best of three steps (a wrong gradient misses at every step) */
            float keep = net->params[i];
            const float steps[3] = {2e-3f, 1e-3f, 5e-4f};
            double num = 0, best = INFINITY;
            for (int k = 0; k < 3; k++) {
                net->params[i] = keep + steps[k];
                double lp = model_loss(&c);
                net->params[i] = keep - steps[k];
                double lm = model_loss(&c);
                net->params[i] = keep;
                double d = (lp - lm) / (2.0 * steps[k]);
                if (fabs(d - g[i]) < best) {
                    best = fabs(d - g[i]);
                    num = d;
                }
            }
            checked++;
            if (best > 3e-4 + 0.02 * fabs(g[i])) {
                bad++;
                fprintf(stderr, "  bn=%d drop=%g hidden=%d %s[%zu]: analytic %.6g numeric %.6g\n",
                        bn, (double)drop, hidden, t->name, i - t->offset, (double)g[i], num);
            }
        }
    }
    CHECK(bad == 0);
    CHECK(checked == 6 * net->pl.count);
    /* the gradient is not trivially zero */
    double norm = 0;
    for (size_t i = 0; i < net->nparams; i++) {
        norm += (double)g[i] * g[i];
    }
    CHECK(norm > 1e-6);
    nn_free(g);
    nn_free(x);
    cnn_destroy(net);
}

static void test_penalty(void)
{
    struct cnn_config cfg = small_config(8, 2, true, 0.0f, 5);
    struct cnn *net = cnn_create(&cfg);
    cnn_init(net, 1);
    net->p_conv1_w[0] = 0.0f;   /* d|w|/dw = 0 at 0 */
    double l1 = 0.01, l2 = 0.1;
    double want = 0;
    for (int ti = 0; ti < net->pl.count; ti++) {
        const struct nn_tensor *t = &net->pl.t[ti];
        if (t->penalized) {
            for (size_t j = 0; j < t->size; j++) {
                double w = net->params[t->offset + j];
                want += l1 * fabs(w) + l2 * w * w;
            }
        }
    }
    memset(net->grads, 0, net->nparams * sizeof(float));
    CHECK_NEAR(cnn_penalty(net, l1, l2, true), want, 1e-6);
    CHECK(net->grads[0] == 0.0f);
    float w1 = net->p_conv1_w[1];
    CHECK_NEAR(net->g_conv1_w[1], l1 * (w1 > 0 ? 1 : -1) + 2 * l2 * w1, 1e-7);
    /* biases and batch norm are not penalized */
    bool untouched = true;
    for (int i = 0; i < 8; i++) {
        untouched = untouched && net->g_conv1_b[i] == 0 && net->g_bn1_w[i] == 0;
        untouched = untouched && net->g_bn1_b[i] == 0;
    }
    untouched = untouched && net->g_out_b[0] == 0 && net->g_fc1_b[0] == 0;
    CHECK(untouched);
    CHECK(net->g_fc1_w[3] != 0 && net->g_out_w[3] != 0 && net->g_conv2_w[3] != 0);
    CHECK(cnn_penalty(net, 0, 0, true) == 0);
    cnn_destroy(net);
}

static void test_init(void)
{
    struct cnn_config cfg = small_config(28, 64, true, 0.0f, 0);
    struct cnn *a = cnn_create(&cfg), *b = cnn_create(&cfg);
    cnn_init(a, 3);
    cnn_init(b, 3);
    CHECK(memcmp(a->params, b->params, a->nparams * sizeof(float)) == 0);
    cnn_init(b, 4);
    CHECK(memcmp(a->params, b->params, a->nparams * sizeof(float)) != 0);
    /* torch's default: uniform in +-1/sqrt(fan_in) for weights and biases */
    const char *names[6] = {"conv1.w", "conv1.b", "conv2.w", "conv2.b", "out.w", "out.b"};
    double fan[6] = {9, 9, 72, 72, 784, 784};
    for (int i = 0; i < 6; i++) {
        const struct nn_tensor *t = nn_group_find(&a->pl, names[i]);
        CHECK(t != NULL);
        float bound = (float)(1.0 / sqrt(fan[i])), big = 0;
        for (size_t j = 0; j < t->size; j++) {
            big = fmaxf(big, fabsf(a->params[t->offset + j]));
        }
        CHECK(big <= bound);
        CHECK(t->size < 16 || big > 0.8f * bound);
    }
    CHECK(a->p_bn1_w[3] == 1.0f && a->p_bn1_b[3] == 0.0f && a->bn2_var[5] == 1.0f);
    CHECK(a->bn2_mean[5] == 0.0f);
    CHECK(nn_group_find(&a->pl, "out.w")->shape[1] == 784);
    /* 80 + 1168 + 7850 parameters, plus 48 of batch norm */
    size_t count = 0;
    for (int i = 0; i < a->pl.count; i++) {
        count += a->pl.t[i].size;
    }
    CHECK(count == 80 + 1168 + 7850 + 48);
    cnn_destroy(a);
    cnn_destroy(b);

    struct cnn_config c;
    char err[256];
    CHECK(!cnn_config_for_model("smal", &c, err, sizeof(err)));
    CHECK(strstr(err, "smal") && strstr(err, "did you mean small"));
    CHECK(!cnn_config_for_model("resnet", &c, err, sizeof(err)));
    CHECK(strstr(err, "known: small") != NULL);
}

static void test_modes(void)
{
    struct cnn_config cfg = small_config(28, 8, true, 0.5f, 16);
    struct cnn *net = cnn_create(&cfg);
    cnn_init(net, 2);
    struct util_rng rng;
    util_rng_seed(&rng, 8);
    float *x = nn_alloc(8 * 784);
    nn_fill_uniform(x, 8 * 784, 1.0f, &rng);
    for (int i = 0; i < 8 * 784; i++) {
        x[i] = fabsf(x[i]);
    }
    uint8_t y[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    /* evaluation: deterministic, leaves running statistics alone */
    float m0 = net->bn1_mean[0];
    double e1 = cnn_forward(net, x, y, 8, false, NULL);
    double e2 = cnn_forward(net, x, y, 8, false, NULL);
    CHECK(e1 == e2 && net->bn1_mean[0] == m0);
    /* training: dropout draws new masks, batch norm moves its statistics */
    double t1 = cnn_forward(net, x, y, 8, true, NULL);
    double t2 = cnn_forward(net, x, y, 8, true, NULL);
    CHECK(t1 != t2 && net->bn1_mean[0] != m0);
    /* in evaluation each image is on its own: a partial batch gives the same logits */
    int correct;
    cnn_forward(net, x, y, 8, false, &correct);
    CHECK(correct >= 0 && correct <= 8);
    float logits8[3 * 10];
    memcpy(logits8, net->logits, sizeof(logits8));
    cnn_forward(net, x, y, 3, false, NULL);
    double worst = 0;
    for (int i = 0; i < 30; i++) {
        worst = fmax(worst, fabs(logits8[i] - net->logits[i]));
    }
    CHECK(worst < 1e-5);
    /* copy_state makes an identical network */
    struct cnn *twin = cnn_create(&cfg);
    cnn_init(twin, 99);
    cnn_copy_state(twin, net);
    CHECK(cnn_forward(twin, x, y, 8, true, NULL) == cnn_forward(net, x, y, 8, true, NULL));

    /* save and load */
    char path[] = "/tmp/optiscope-test-cnn-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    char err[512];
    CHECK(cnn_save(net, path, err, sizeof(err)));
    cnn_init(twin, 5);
    CHECK(cnn_load(twin, path, err, sizeof(err)));
    CHECK(memcmp(twin->params, net->params, net->nparams * sizeof(float)) == 0);
    CHECK(memcmp(twin->buffers, net->buffers, net->bl.total * sizeof(float)) == 0);
    struct cnn_config other = small_config(28, 8, false, 0.0f, 0);
    struct cnn *plain = cnn_create(&other);
    CHECK(!cnn_load(plain, path, err, sizeof(err)));
    CHECK(strstr(err, "configuration") != NULL);
    if (truncate(path, 500) == 0) {
        CHECK(!cnn_load(twin, path, err, sizeof(err)));
        CHECK(strstr(err, "truncated") != NULL);
    }
    unlink(path);
    CHECK(!cnn_save(net, "/nonexistent-dir/x.bin", err, sizeof(err)));
    CHECK(strstr(err, "/nonexistent-dir/x.bin") != NULL);
    cnn_destroy(plain);
    cnn_destroy(twin);
    cnn_destroy(net);
    nn_free(x);
}

/* The fast model (im2col + sgemm, fused ReLU-pool) against the same network built from the
 * naive convolution and dense layers, on a slice of the real Fashion-MNIST test images, or on
 * synthetic shapes where the package is missing. */
static void test_fast_vs_naive_on_data(void)
{
    struct nn_data d;
    char err[1024];
    int B = 16;
    if (!nn_data_load_dir(&d, NN_FASHION_MNIST_DIR, -1, err, sizeof(err))) {
        printf("note: %s; naive-against-fast on synthetic shapes only\n", err);
        nn_data_synthetic(&d, 100, 10, B, 3);
    }
    struct cnn_config cfg = small_config(28, B, false, 0.0f, 0);
    struct cnn *net = cnn_create(&cfg);
    cnn_init(net, 21);
    float *x = nn_alloc((size_t)B * 784);
    uint8_t y[16];
    int idx[16];
    for (int i = 0; i < B; i++) {
        idx[i] = i * 37 % d.test.n;
    }
    nn_dataset_batch(&d.test, idx, B, x, y);
    cnn_forward(net, x, y, B, false, NULL);

    /* the naive path, layer by layer */
    struct nn_conv_shape s1 = {B, 1, 28, 28, 8, 3, 1}, s2 = {B, 8, 14, 14, 16, 3, 1};
    float *c1 = nn_alloc((size_t)8 * B * 784), *p1 = nn_alloc((size_t)B * 8 * 196);
    float *c2 = nn_alloc((size_t)16 * B * 196), *p2 = nn_alloc((size_t)B * 784);
    float *logits = nn_alloc((size_t)B * 10);
    int8_t *arg = xmalloc((size_t)B * 8 * 196);
    nn_conv2d_forward_naive(&s1, c1, x, net->p_conv1_w, net->p_conv1_b);
    nn_relu_forward(c1, c1, (size_t)8 * B * 784);
    nn_maxpool2_forward(NULL, p1, arg, c1, 8, B, 28, 28);
    nn_conv2d_forward_naive(&s2, c2, p1, net->p_conv2_w, net->p_conv2_b);
    nn_relu_forward(c2, c2, (size_t)16 * B * 196);
    nn_maxpool2_forward(NULL, p2, arg, c2, 16, B, 14, 14);
    nn_dense_forward_naive(logits, p2, net->p_out_w, net->p_out_b, B, 784, 10);
    double worst = 0;
    for (int i = 0; i < B * 10; i++) {
        worst = fmax(worst, fabs(logits[i] - net->logits[i]));
    }
    CHECK(worst < 1e-4);
    float *bufs[] = {x, c1, p1, c2, p2, logits};
    for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        nn_free(bufs[i]);
    }
    free(arg);
    cnn_destroy(net);
    nn_data_finish(&d);
}

int main(void)
{
    nn_set_threads(1);
    check_model_grads(false, 0.0f, 0);
    check_model_grads(true, 0.0f, 0);
    check_model_grads(false, 0.0f, 12);
    check_model_grads(true, 0.3f, 12);
    test_penalty();
    test_init();
    test_modes();
    test_fast_vs_naive_on_data();
    return check_done("cnn");
}
