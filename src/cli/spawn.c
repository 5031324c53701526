/* spawn.c: child processes (the PyTorch peers of the benchmarks) started from an argument
 * vector, never through a shell, so a file name is only ever a name; their stdout and stderr
 * read together through one pipe. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sim/i18n.h"

extern char **environ;

FILE *cli_spawn_read(char *const argv[], pid_t *pid, char *err, size_t errlen)
{
    int fd[2];
    if (pipe(fd) != 0) {
        snprintf(err, errlen, _("cannot run %s: %s"), argv[0], strerror(errno));
        return NULL;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, fd[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    posix_spawn_file_actions_addclose(&fa, fd[1]);
    fflush(NULL);   /* nothing of ours buffered twice */
    int rc = posix_spawnp(pid, argv[0], &fa, NULL, argv, environ);   /* PATH, as a shell */
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (rc != 0) {
        close(fd[0]);
        snprintf(err, errlen, _("cannot run %s: %s"), argv[0], strerror(rc));
        return NULL;
    }
    FILE *f = fdopen(fd[0], "r");
    if (!f) {
        snprintf(err, errlen, _("cannot read from %s: %s"), argv[0], strerror(errno));
        close(fd[0]);
        cli_spawn_wait(*pid, NULL, 0);
    }
    return f;
}

int cli_spawn_wait(pid_t pid, char *how, size_t len)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (how && WIFSIGNALED(status)) {
        snprintf(how, len, _("killed by signal %d"), WTERMSIG(status));
    } else if (how) {
        snprintf(how, len, _("exit status %d"), WEXITSTATUS(status));
    }
    return status;
}
