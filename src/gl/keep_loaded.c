/* keep_loaded.c: under AddressSanitizer, the GL driver's libraries stay mapped until the process
 * ends, so LeakSanitizer can name them in its report and the suppressions by module
 * (tests/lsan_gl.supp: swrast_dri.so, libLLVM, ...) match. Otherwise nothing. */
#define _GNU_SOURCE   /* dl_iterate_phdr */
#include <stdbool.h>

#include "gl/gl.h"

#if defined(__SANITIZE_ADDRESS__)
#define KEEP_LOADED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEEP_LOADED 1
#endif
#endif

#ifdef KEEP_LOADED
#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include "sim/util.h"

/* Mesa unloads its driver (swrast_dri.so and the LLVM under it) at eglTerminate and
 * SDL_Quit; the process-lifetime blocks it keeps are reported afterwards as leaks from
 * "<unknown module>", which no suppression by module can match. */
struct names {
    char **v;     /* paths of the loaded objects */
    size_t n, cap;
};

static int collect(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct names *nm = data;
    if (info->dlpi_name && info->dlpi_name[0]) {
        if (nm->n == nm->cap) {
            nm->cap = nm->cap ? 2 * nm->cap : 64;
            nm->v = xrealloc(nm->v, nm->cap * sizeof *nm->v);
        }
        nm->v[nm->n++] = xstrdup(info->dlpi_name);
    }
    return 0;
}

void gl_keep_driver_loaded(void)
{
    /* names first, dlopen after: the loader's list is locked during the walk */
    struct names nm = {0};
    dl_iterate_phdr(collect, &nm);
    for (size_t i = 0; i < nm.n; i++) {
        /* NOLOAD: only what is loaded already; NODELETE: never unmapped. The handle's
           reference is kept on purpose. */
        dlopen(nm.v[i], RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
        free(nm.v[i]);
    }
    free(nm.v);
}
#else
void gl_keep_driver_loaded(void)
{
}
#endif
