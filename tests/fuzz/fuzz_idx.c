/* fuzz_idx.c: the IDX loader, raw and gzip. The input's first byte picks the form: the rest
 * as the image file byte for byte (raw IDX, or gzip when it starts with the gzip magic), or
 * the rest gzip-compressed (so the fuzzer reaches the IDX checks behind a valid stream); the
 * label file is a valid one whose count follows the images header where it can. Oracles: a
 * rejection has a message; an accepted set has a header-sized shape and labels in range. */
#include <unistd.h>
#include <zlib.h>

#include "fuzz.h"
#include "nn/dataset.h"

static char images_path[64], labels_path[64];

static void remove_files(void)
{
    unlink(images_path);
    unlink(labels_path);
}

static void write_file(const char *path, const uint8_t *data, size_t size, bool gz)
{
    unlink(path);   /* a new file each time, never a truncated one */
    if (gz) {
        gzFile f = gzopen(path, "wb1");
        if (size) {
            gzwrite(f, data, (unsigned)size);
        }
        gzclose(f);
        return;
    }
    FILE *f = fopen(path, "wb");
    if (size) {
        fwrite(data, 1, size, f);
    }
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 20) {
        return 0;
    }
    if (!images_path[0]) {
        /* tmpfs when there is one: rewriting a file on ext4 flushes it at close (the
         * truncate-and-rewrite heuristic), which made this target wait on the disk */
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(images_path, sizeof images_path, "%s/optiscope-fuzz-img-%d", dir,
                 (int)getpid());
        snprintf(labels_path, sizeof labels_path, "%s/optiscope-fuzz-lab-%d", dir,
                 (int)getpid());
        atexit(remove_files);
    }
    int mode = data[0] % 4;
    write_file(images_path, data + 1, size - 1, mode & 1);
    /* labels: the count the images header announces when it is small, else 3 */
    uint32_t n = 3;
    if (size >= 9) {
        uint32_t c = (uint32_t)data[5] << 24 | (uint32_t)data[6] << 16 |
                     (uint32_t)data[7] << 8 | data[8];
        n = c >= 1 && c <= 4096 ? c : 3;
    }
    uint8_t *lab = calloc(1, 8 + n);
    lab[0] = 0, lab[1] = 0, lab[2] = 8, lab[3] = 1;
    lab[4] = (uint8_t)(n >> 24), lab[5] = (uint8_t)(n >> 16), lab[6] = (uint8_t)(n >> 8);
    lab[7] = (uint8_t)n;
    for (uint32_t i = 0; i < n; i++) {
        lab[8 + i] = (uint8_t)(i % 10);
    }
    write_file(labels_path, lab, 8 + n, mode & 2);
    free(lab);
    struct nn_dataset d;
    char err[1024] = "";
    if (nn_idx_load(&d, images_path, labels_path, err, sizeof err)) {
        FUZZ_ASSERT(d.n == (int)n && d.h >= 1 && d.w >= 1 && d.h <= 1024 && d.w <= 1024,
                    "shape %d x %d x %d", d.n, d.h, d.w);
        for (int i = 0; i < d.n; i++) {
            FUZZ_ASSERT(d.labels[i] < 10, "label %d", d.labels[i]);
        }
        nn_dataset_finish(&d);
    } else {
        FUZZ_ASSERT(err[0] != '\0', "rejected without a message");
    }
    return 0;
}
