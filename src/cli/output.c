/* output.c: standard output's end: every command's printed output (CSV, listings, help) is
 * flushed and closed once, and a write or close that failed is said, never silent. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sim/i18n.h"

int cli_close_stdout(const char *cmd, int status, int seen)
{
    static bool closed;   /* stdout is the process's: closing it twice would be a bug */
    if (closed) {
        return status;
    }
    closed = true;
    errno = 0;
    int e = 0;
    if (fflush(stdout) != 0) {
        e = errno ? errno : EIO;
    } else if (ferror(stdout)) {
        e = seen ? seen : EIO;
    }
    if (fclose(stdout) != 0 && !e && errno != EBADF) {
        e = errno ? errno : EIO;   /* EBADF: stdout was closed before we started; nothing lost */
    }
    if (!e) {
        return status;
    }
    cli_error(cmd, _("standard output: write failed: %s"), strerror(e));
    return status == 0 ? 1 : status;
}
