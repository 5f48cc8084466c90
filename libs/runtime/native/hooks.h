/*
 * OCI hooks on the helper's side, included once by nsexec.c (one translation unit, so the build
 * stays a single gcc call). Policy is in libs/runtime/src/hooks.ts; here only:
 *
 *   hooksync FILE1 FILE2     init stops before pivot_root and writes "H" on its error pipe; the
 *                            shim reports "hooks PID" to the caller, which runs the prestart and
 *                            createRuntime hooks in the runtime's namespaces, writes the state
 *                            JSON of the container into FILE1 (for createContainer) and FILE2
 *                            (for startContainer), and answers one byte: 'g' go on, else stop.
 *   hook KIND PATH TIMEOUT   a createContainer or startContainer hook, followed by its
 *   hookarg S / hookenv S    argv (args[0] included, as execv's) and environment.
 *
 * createContainer hooks run in init's namespaces after its mounts and before pivot_root (the path
 * resolves on the host); startContainer hooks after pivot_root, once `start` has opened the exec
 * fifo, before the user process is exec'd (the path resolves in the container). Each hook is a
 * child of init with the state JSON on stdin (a memfd), stdout and stderr captured (a memfd, so
 * a chatty hook never blocks) for the error message, and killed at its timeout.
 */
#include <sys/mman.h>

#define MAX_HOOKS 32
#define MAX_HOOK_ARGS 128

enum { HOOK_CREATE_CONTAINER, HOOK_START_CONTAINER };
static const char *const hook_kinds[2] = {"createContainer", "startContainer"};

struct hook {
  int kind, timeout;
  char *path;
  char *argv[MAX_HOOK_ARGS], *envp[MAX_HOOK_ARGS];
  int argc, envc;
};

static struct hook hooks[MAX_HOOKS];
static int nhooks, hooksync;
static char *hookstate_file[2], *hookstate[2];
static size_t hookstate_len[2];
static int hook_go_fd = -1; /* in init: the pipe on which the shim relays the caller's answer */

/* parse_plan's share: returns how many arguments op takes when it is a hook op, else -1. */
static int hook_op(const char *op, char **args) {
  if (!strcmp(op, "hooksync")) {
    hooksync = 1, hookstate_file[0] = args[0], hookstate_file[1] = args[1];
    return 2;
  }
  if (!strcmp(op, "hook")) {
    if (nhooks == MAX_HOOKS) { errno = E2BIG; die("more than %d hooks (hooks)", MAX_HOOKS); }
    struct hook *h = &hooks[nhooks++];
    h->kind = strcmp(args[0], "startContainer") ? HOOK_CREATE_CONTAINER : HOOK_START_CONTAINER;
    h->path = args[1], h->timeout = (int)strtol(args[2], NULL, 10);
    return 3;
  }
  if (!strcmp(op, "hookarg") || !strcmp(op, "hookenv")) {
    struct hook *h = nhooks ? &hooks[nhooks - 1] : NULL;
    int is_arg = op[4] == 'a';
    if (!h || (is_arg ? h->argc : h->envc) >= MAX_HOOK_ARGS - 1) { errno = E2BIG; die("plan: %s out of place or too many", op); }
    if (is_arg) h->argv[h->argc++] = args[0];
    else h->envp[h->envc++] = args[0];
    return 1;
  }
  return -1;
}

static void read_hookstate(int kind) {
  int fd = open(hookstate_file[kind], O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0) die("read hook state %s (hooks)", hookstate_file[kind]);
  hookstate[kind] = malloc(st.st_size + 1);
  if (!hookstate[kind] || read(fd, hookstate[kind], st.st_size) != st.st_size) die("read hook state %s (hooks)", hookstate_file[kind]);
  hookstate_len[kind] = (size_t)st.st_size;
  close(fd);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs the hooks of one kind in order; the first failure ends init (die), which fails create or
 * start. */
static void run_hooks(int kind) {
  for (int k = 0, n = 0; k < nhooks; k++) {
    struct hook *h = &hooks[k];
    if (h->kind != kind) continue;
    int index = n++;
    int in = memfd_create("hook-state", MFD_CLOEXEC), out = memfd_create("hook-output", MFD_CLOEXEC);
    if (in < 0 || out < 0) die("memfd for hooks.%s[%d]", hook_kinds[kind], index);
    if (write(in, hookstate[kind], hookstate_len[kind]) != (ssize_t)hookstate_len[kind] || lseek(in, 0, SEEK_SET) < 0)
      die("write state for hooks.%s[%d]", hook_kinds[kind], index);
    pid_t pid = fork();
    if (pid < 0) die("fork hooks.%s[%d]", hook_kinds[kind], index);
    if (pid == 0) {
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, NULL);
      for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
      if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(127);
      char *argv0[2] = {h->path, NULL};
      execve(h->path, h->argc ? h->argv : argv0, h->envp);
      dprintf(2, "cannot exec: %s", strerror(errno));
      _exit(127);
    }
    close(in);
    int status = 0;
    long long deadline = h->timeout > 0 ? now_ms() + h->timeout * 1000LL : 0;
    for (;;) {
      pid_t r = waitpid(pid, &status, WNOHANG);
      if (r == pid) break;
      if (r < 0 && errno != EINTR) die("wait for hooks.%s[%d]", hook_kinds[kind], index);
      if (deadline && now_ms() >= deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        errno = ETIMEDOUT;
        die("hook %s timed out after %ds (hooks.%s[%d].timeout)", h->path, h->timeout, hook_kinds[kind], index);
      }
      struct timespec pause = {0, 2 * 1000 * 1000};
      nanosleep(&pause, NULL);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      char text[300] = {0};
      ssize_t m = lseek(out, 0, SEEK_SET) == 0 ? read(out, text, sizeof text - 1) : 0;
      for (ssize_t c = 0; c < m; c++) if (text[c] == '\n') text[c] = ' ';
      errno = 0;
      die_plain("hook %s (hooks.%s[%d]) %s %d%s%s", h->path, hook_kinds[kind], index,
                WIFEXITED(status) ? "exited with status" : "was killed by signal",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), m > 0 ? ": " : "", text);
    }
    close(out);
  }
}

/* In init, before pivot_root: let the caller run prestart and createRuntime hooks, then run the
 * createContainer hooks here. */
static void sync_hooks(void) {
  char answer;
  if (write(err_fd, "H", 1) != 1) die("ask for prestart/createRuntime hooks");
  if (read(hook_go_fd, &answer, 1) != 1) { errno = ECANCELED; die("prestart/createRuntime hooks (hooks)"); }
  read_hookstate(HOOK_CREATE_CONTAINER);
  read_hookstate(HOOK_START_CONTAINER);
  run_hooks(HOOK_CREATE_CONTAINER);
}

/* In the shim: init asked for the caller's hooks; passes the caller's answer on. Returns 0 (and
 * kills init) when the caller refuses or is gone. */
static int answer_hooks(pid_t child, int go) {
  char answer = 0;
  report("hooks %ld\n", child);
  if (report_fd < 0 || read(report_fd, &answer, 1) != 1 || answer != 'g' || write(go, "g", 1) != 1) {
    kill(child, SIGKILL);
    return 0;
  }
  return 1;
}
