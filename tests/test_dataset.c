/* test_dataset.c: IDX files through zlib: good files (gzip and plain), and every way a file can
 * be wrong (missing, wrong magic, truncated header, data or gzip stream, corrupt stream, count
 * mismatch, bad label, lying header, extra data), each with a message naming file and problem;
 * the validation split; a slice of the real Fashion-MNIST; the seeded synthetic shapes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "nn/dataset.h"
#include "sim/util.h"

static char dir[256];

static void path_of(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Writes header words then `body` bytes of data (pixel i = (i*37+11) % 256, label i = i % 10
 * unless `labels` given); gzip-compressed when gz. */
static void write_file(const char *name, bool gz, const uint32_t *words, int nwords,
                       size_t body, const uint8_t *labels)
{
    char p[512];
    path_of(p, sizeof(p), name);
    unsigned char hdr[16];
    for (int i = 0; i < nwords; i++) {
        put32(hdr + 4 * i, words[i]);
    }
    uint8_t *data = xmalloc(body + 1);
    for (size_t i = 0; i < body; i++) {
        data[i] = labels ? labels[i] : nwords == 2 ? (uint8_t)(i % 10)
                                                    : (uint8_t)((i * 37 + 11) % 256);
    }
    if (gz) {
        gzFile f = gzopen(p, "wb");
        gzwrite(f, hdr, (unsigned)(4 * nwords));
        if (body) {
            gzwrite(f, data, (unsigned)body);
        }
        gzclose(f);
    } else {
        FILE *f = fopen(p, "wb");
        fwrite(hdr, 1, (size_t)(4 * nwords), f);
        fwrite(data, 1, body, f);
        fclose(f);
    }
    free(data);
}

static void write_images(const char *name, bool gz, uint32_t magic, uint32_t n, uint32_t h,
                         uint32_t w, size_t body)
{
    uint32_t words[4] = {magic, n, h, w};
    write_file(name, gz, words, 4, body, NULL);
}

static void write_labels(const char *name, bool gz, uint32_t magic, uint32_t n, size_t body,
                         const uint8_t *labels)
{
    uint32_t words[2] = {magic, n};
    write_file(name, gz, words, 2, body, labels);
}

/* Loads images `iname` with labels `lname` and expects failure whose message contains every
 * one of the given fragments. */
static bool fails_with(const char *iname, const char *lname, const char *frag1,
                       const char *frag2)
{
    char ip[512], lp[512], err[1024] = "";
    path_of(ip, sizeof(ip), iname);
    path_of(lp, sizeof(lp), lname);
    struct nn_dataset d;
    bool ok = nn_idx_load(&d, ip, lp, err, sizeof(err));
    if (ok) {
        nn_dataset_finish(&d);
        fprintf(stderr, "  expected failure for %s / %s\n", iname, lname);
        return false;
    }
    bool has = strstr(err, frag1) && (!frag2 || strstr(err, frag2));
    if (!has) {
        fprintf(stderr, "  message was: %s\n", err);
    }
    return has;
}

static void test_good_files(void)
{
    write_images("img.gz", true, 0x803, 3, 28, 28, 3 * 784);
    write_labels("lab.gz", true, 0x801, 3, 3, NULL);
    char ip[512], lp[512], err[1024];
    path_of(ip, sizeof(ip), "img.gz");
    path_of(lp, sizeof(lp), "lab.gz");
    struct nn_dataset d;
    CHECK(nn_idx_load(&d, ip, lp, err, sizeof(err)));
    CHECK(d.n == 3 && d.h == 28 && d.w == 28);
    CHECK(d.images[0] == 11 && d.images[1] == 48 && d.images[784] == (784 * 37 + 11) % 256);
    CHECK(d.labels[0] == 0 && d.labels[2] == 2);
    /* batches are pixel / 255 */
    int idx[2] = {2, 0};
    float x[2 * 784];
    uint8_t y[2];
    nn_dataset_batch(&d, idx, 2, x, y);
    CHECK(y[0] == 2 && y[1] == 0);
    CHECK_NEAR(x[784], 11.0 / 255.0, 1e-7);
    CHECK_NEAR(x[0], (double)d.images[2 * 784] / 255.0, 1e-7);
    nn_dataset_finish(&d);
    CHECK(d.images == NULL && d.n == 0);

    /* plain (uncompressed) IDX files read the same */
    write_images("img.raw", false, 0x803, 3, 28, 28, 3 * 784);
    write_labels("lab.raw", false, 0x801, 3, 3, NULL);
    path_of(ip, sizeof(ip), "img.raw");
    path_of(lp, sizeof(lp), "lab.raw");
    CHECK(nn_idx_load(&d, ip, lp, err, sizeof(err)));
    CHECK(d.n == 3 && d.images[1] == 48);
    nn_dataset_finish(&d);
}

static void test_bad_files(void)
{
    write_labels("lab.gz", true, 0x801, 3, 3, NULL);
    write_images("img.gz", true, 0x803, 3, 28, 28, 3 * 784);

    /* missing */
    CHECK(fails_with("nothere.gz", "lab.gz", "nothere.gz", "cannot open"));
    CHECK(fails_with("img.gz", "nothere.gz", "nothere.gz", "No such file"));
    /* wrong magic, and the two kinds swapped */
    write_images("magic.gz", true, 0x12345678, 3, 28, 28, 3 * 784);
    CHECK(fails_with("magic.gz", "lab.gz", "magic.gz", "not an IDX image file"));
    CHECK(fails_with("magic.gz", "lab.gz", "0x12345678", NULL));
    CHECK(fails_with("lab.gz", "lab.gz", "lab.gz", "is an IDX label file"));
    CHECK(fails_with("img.gz", "img.gz", "img.gz", "expected an IDX label file"));
    /* truncated: an empty file, a short header, short pixel data, short labels */
    write_file("empty.gz", true, NULL, 0, 0, NULL);
    CHECK(fails_with("empty.gz", "lab.gz", "empty.gz", "truncated"));
    uint32_t half[1] = {0x803};
    write_file("short.gz", true, half, 1, 0, NULL);
    CHECK(fails_with("short.gz", "lab.gz", "short.gz", "header"));
    write_images("cut.gz", true, 0x803, 3, 28, 28, 2 * 784 + 100);
    CHECK(fails_with("cut.gz", "lab.gz", "cut.gz", "truncated"));
    CHECK(fails_with("cut.gz", "lab.gz", "1668 of 2352 bytes", NULL));
    write_labels("labcut.gz", true, 0x801, 3, 2, NULL);
    CHECK(fails_with("img.gz", "labcut.gz", "labcut.gz", "truncated"));
    /* a gzip stream cut in the middle */
    char p[512];
    path_of(p, sizeof(p), "img.gz");
    FILE *f = fopen(p, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    unsigned char *bytes = xmalloc((size_t)size);
    CHECK(fread(bytes, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    path_of(p, sizeof(p), "gzcut.gz");
    f = fopen(p, "wb");
    fwrite(bytes, 1, (size_t)size / 2, f);
    fclose(f);
    CHECK(fails_with("gzcut.gz", "lab.gz", "gzcut.gz", "truncated"));
    /* ... which zlib cannot tell from a damaged stream that runs out before its end marker,
     * so the message says corrupt too */
    CHECK(fails_with("gzcut.gz", "lab.gz", "corrupt or truncated gzip stream", NULL));
    /* every byte of data there, the gzip trailer (CRC, length) cut: not accepted silently */
    path_of(p, sizeof(p), "notrailer.gz");
    f = fopen(p, "wb");
    fwrite(bytes, 1, (size_t)size - 4, f);
    fclose(f);
    CHECK(fails_with("notrailer.gz", "lab.gz", "notrailer.gz", "corrupt or truncated"));
    /* corrupt compressed data: bytes flipped in the middle of the stream */
    for (long i = size / 2; i < size / 2 + 8; i++) {
        bytes[i] ^= 0x5a;
    }
    path_of(p, sizeof(p), "corrupt.gz");
    f = fopen(p, "wb");
    fwrite(bytes, 1, (size_t)size, f);
    fclose(f);
    CHECK(fails_with("corrupt.gz", "lab.gz", "corrupt.gz", "corrupt"));
    /* the gzip trailer's checksum damaged: the data decode but do not match */
    bytes[size - 6] ^= 0xff;
    for (long i = size / 2; i < size / 2 + 8; i++) {
        bytes[i] ^= 0x5a;
    }
    path_of(p, sizeof(p), "crc.gz");
    f = fopen(p, "wb");
    fwrite(bytes, 1, (size_t)size, f);
    fclose(f);
    CHECK(fails_with("crc.gz", "lab.gz", "crc.gz", "corrupt"));
    free(bytes);
    /* extra data after what the header announces */
    write_images("extra.gz", true, 0x803, 3, 28, 28, 3 * 784 + 5);
    CHECK(fails_with("extra.gz", "lab.gz", "extra.gz", "extra data"));
    /* mismatched counts */
    write_labels("lab2.gz", true, 0x801, 2, 2, NULL);
    CHECK(fails_with("img.gz", "lab2.gz", "3 images", "2 labels"));
    CHECK(fails_with("img.gz", "lab2.gz", "img.gz", "lab2.gz"));
    /* a label outside 0..9 */
    uint8_t bad[3] = {1, 12, 3};
    write_labels("labbad.gz", true, 0x801, 3, 3, bad);
    CHECK(fails_with("img.gz", "labbad.gz", "labbad.gz", "label 12 of item 1"));
    /* a lying header: a billion images, or 0x0 pixels */
    write_images("huge.gz", true, 0x803, 1000000000u, 28, 28, 784);
    CHECK(fails_with("huge.gz", "lab.gz", "huge.gz", "1000000000"));
    write_images("big.gz", true, 0x803, 5000000, 28, 28, 784);   /* plausible, but absent */
    CHECK(fails_with("big.gz", "lab.gz", "big.gz", "truncated"));
    write_images("zero.gz", true, 0x803, 3, 0, 28, 0);
    CHECK(fails_with("zero.gz", "lab.gz", "zero.gz", "0x28"));
    /* a directory where a file should be */
    CHECK(fails_with("", "lab.gz", "directory", NULL));
}

static void test_dir(void)
{
    /* an MNIST-format folder of 24 training and 5 test images, 8x8, plain and gzip mixed */
    char sub[512];
    snprintf(sub, sizeof(sub), "%s/mnistlike", dir);
    CHECK(mkdir(sub, 0700) == 0);
    char save[256];
    snprintf(save, sizeof(save), "%s", dir);
    snprintf(dir, sizeof(dir), "%s", sub);
    write_images("train-images-idx3-ubyte.gz", true, 0x803, 24, 8, 8, 24 * 64);
    write_labels("train-labels-idx1-ubyte", false, 0x801, 24, 24, NULL);
    write_images("t10k-images-idx3-ubyte.gz", true, 0x803, 5, 8, 8, 5 * 64);
    write_labels("t10k-labels-idx1-ubyte.gz", true, 0x801, 5, 5, NULL);
    struct nn_data d;
    char err[1024];
    CHECK(nn_data_load_dir(&d, sub, 4, err, sizeof(err)));
    CHECK(d.train.n == 20 && d.val.n == 4 && d.test.n == 5 && d.val.h == 8);
    /* the validation split is the last images of the training file */
    CHECK(d.val.labels[0] == 20 % 10 && d.val.images[0] == (20 * 64 * 37 + 11) % 256);
    CHECK(d.train.labels[19] == 9);
    nn_data_limit(&d, 3);
    CHECK(d.train.n == 3 && d.val.n == 3 && d.test.n == 3);
    nn_data_finish(&d);
    CHECK(nn_data_load_dir(&d, sub, -1, err, sizeof(err)));   /* one twelfth: 2 */
    CHECK(d.val.n == 2 && d.train.n == 22);
    nn_data_finish(&d);
    CHECK(!nn_data_load_dir(&d, sub, 24, err, sizeof(err)));
    CHECK(strstr(err, "validation") != NULL);
    /* test images of another size */
    write_images("t10k-images-idx3-ubyte.gz", true, 0x803, 5, 12, 12, 5 * 144);
    CHECK(!nn_data_load_dir(&d, sub, 4, err, sizeof(err)));
    CHECK(strstr(err, "8x8") && strstr(err, "12x12"));
    /* a missing test file is named */
    char p[512];
    path_of(p, sizeof(p), "t10k-labels-idx1-ubyte.gz");
    unlink(p);
    CHECK(!nn_data_load_dir(&d, sub, 4, err, sizeof(err)));
    CHECK(strstr(err, "t10k-labels-idx1-ubyte") != NULL);
    CHECK(!nn_data_load_dir(&d, "/nonexistent/dir", 4, err, sizeof(err)));
    CHECK(strstr(err, "/nonexistent/dir") != NULL);
    snprintf(dir, sizeof(dir), "%s", save);
}

static void test_fashion(void)
{
    char ip[512];
    snprintf(ip, sizeof(ip), "%s/train-images-idx3-ubyte.gz", NN_FASHION_MNIST_DIR);
    if (access(ip, R_OK) != 0) {
        printf("note: %s missing (package dataset-fashion-mnist): real-data checks skipped\n",
               NN_FASHION_MNIST_DIR);
        return;
    }
    struct nn_data d;
    char err[1024];
    CHECK(nn_data_load_dir(&d, NN_FASHION_MNIST_DIR, -1, err, sizeof(err)));
    CHECK(d.train.n == 55000 && d.val.n == 5000 && d.test.n == 10000);
    CHECK(d.train.h == 28 && d.train.w == 28);
    /* the first training and test images are both ankle boots (class 9) */
    CHECK(d.train.labels[0] == 9 && d.test.labels[0] == 9);
    long counts[NN_CLASSES] = {0};
    for (int i = 0; i < d.test.n; i++) {
        counts[d.test.labels[i]]++;
    }
    bool balanced = true;
    for (int c = 0; c < NN_CLASSES; c++) {
        balanced = balanced && counts[c] == 1000;
    }
    CHECK(balanced);   /* the test set has 1000 of each class */
    nn_data_finish(&d);
}

static void test_synthetic(void)
{
    struct nn_data a, b, c;
    nn_data_synthetic(&a, 500, 50, 60, 7);
    nn_data_synthetic(&b, 500, 50, 60, 7);
    nn_data_synthetic(&c, 500, 50, 60, 8);
    CHECK(a.train.n == 500 && a.val.n == 50 && a.test.n == 60 && a.train.h == 28);
    CHECK(memcmp(a.train.images, b.train.images, 500 * 784) == 0);
    CHECK(memcmp(a.test.labels, b.test.labels, 60) == 0);
    CHECK(memcmp(a.train.images, c.train.images, 500 * 784) != 0);
    int seen[NN_CLASSES] = {0};
    bool in_range = true;
    for (int i = 0; i < a.train.n; i++) {
        in_range = in_range && a.train.labels[i] < NN_CLASSES;
        if (a.train.labels[i] < NN_CLASSES) {
            seen[a.train.labels[i]]++;
        }
    }
    CHECK(in_range);
    bool all = true;
    for (int k = 0; k < NN_CLASSES; k++) {
        all = all && seen[k] > 20;
    }
    CHECK(all);
    /* shapes are drawn: every image has bright pixels and dark background */
    bool drawn = true;
    for (int i = 0; i < a.train.n; i++) {
        int bright = 0;
        for (int p = 0; p < 784; p++) {
            bright += a.train.images[(size_t)i * 784 + p] > 128;
        }
        drawn = drawn && bright > 5 && bright < 500;
    }
    CHECK(drawn);
    CHECK(strstr(a.source, "synthetic") != NULL);
    nn_data_finish(&a);
    nn_data_finish(&b);
    nn_data_finish(&c);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/optiscope-test-dataset-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_good_files();
    test_bad_files();
    test_dir();
    test_fashion();
    test_synthetic();
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", dir);
    }
    return check_done("dataset");
}
