/*
 * tsk-nsexec: the only native code of tsk's runtime. It does what JavaScript cannot do between
 * fork and exec (see TOOLCHAIN.md: fork through koffi crashes in V8, a multithreaded Node cannot
 * unshare a user namespace, and nothing in JS runs in the child before exec).
 *
 *   tsk-nsexec run  PLAN   become the shim of one container: clone its init into new namespaces,
 *                          stay its parent, record its exit status in the state dir, then exit.
 *   tsk-nsexec exec PLAN   join a running container's namespaces and cgroup, run one process,
 *                          relay its exit status as our own.
 *
 * PLAN is a file written by libs/runtime (plan.ts): NUL-separated tokens, an op name followed by
 * its arguments. All policy (which mounts, flags, capabilities, the seccomp BPF program) is decided
 * in TypeScript; this file only executes it in a fixed, reviewed order. Progress is reported on
 * fd 3 when the caller passes it: "pid N\n" once the container is created (or its process
 * exec'd), or "error STEP: REASON\n". Kept small on purpose: the shim stays resident for the life
 * of each container, so it must cost little memory (it is linked statically, no heap to speak of).
 *
 * One translation unit, so that the build stays one gcc call; parts are in headers included once:
 * rootfs.h (mounts, devices, pivot_root), tty.h (terminals), hooks.h (OCI hooks), handoff.h
 * (leaving init to a subreaper caller).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <limits.h>
#include <unistd.h>

#define MAXV 512
/* Walks the ops of the plan in order; T is the op's tokens (T[0] its name). */
#define FOR_OPS(T) for (int k_ = 0; k_ < nops; k_++) for (char **T = &P.tok[ops[k_]]; T; T = NULL)
#define ROOTFS_MAX 4096

struct plan {
  char *tok[8192];
  int ntok;
  unsigned long clone_flags;
  int cgroupns;
  char *rootfs, *hostname, *domainname, *cwd, *fifo, *exitfile, *oomfile, *oomkey, *console;
  int tty, nnp, pivot, rootro, handoff, oomscore_set, oomscore, has_user, uid, gid, ngroups;
  unsigned long propagation;
  gid_t groups[64];
  char *argv[MAXV], *envp[MAXV];
  int argc, envc;
  unsigned long long caps[5]; /* bounding, effective, permitted, inheritable, ambient */
  int has_caps;
  char *seccomp_hex;
};

static struct plan P;
static int ops[8192], nops; /* token index of each op, so that arguments are never taken for ops */
static int report_fd = -1; /* fd 3 of the caller, or -1 */
static int err_fd = -1;    /* in the child: pipe to the shim for "error ..." */

static int start_fd = -1;  /* in init after `start` opened the exec fifo: its write end */

/* Prints "error STEP: strerror" (or just "error STEP" with with_errno 0) to whoever listens, then
 * exits 127 (as a failed exec would). Once `start` is waiting on the exec fifo, the message goes
 * there too ("e" + text), so that start fails with it. */
static void vdie(int with_errno, const char *fmt, va_list ap) {
  char buf[1024];
  int saved = errno, n;
  n = vsnprintf(buf, sizeof buf, fmt, ap);
  if (n < 0 || n >= (int)sizeof buf - 64) n = (int)sizeof buf - 64;
  if (with_errno) n += snprintf(buf + n, sizeof buf - n, ": %s\n", saved ? strerror(saved) : "failed");
  else n += snprintf(buf + n, sizeof buf - n, "\n");
  int fd = err_fd >= 0 ? err_fd : report_fd >= 0 ? report_fd : 2;
  if (fd == report_fd || fd == 2) { if (write(fd, "error ", 6) < 0) {} }
  if (write(fd, buf, n) < 0) {}
  if (start_fd >= 0) { if (write(start_fd, "e", 1) < 0 || write(start_fd, buf, n) < 0) {} }
  _exit(127);
}

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vdie(1, fmt, ap);
}

static void die_plain(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vdie(0, fmt, ap);
}

static unsigned long long num(const char *s) { return strtoull(s, NULL, 0); }

static void report(const char *fmt, long v);
static int handing_off;
#include "handoff.h"
#include "hooks.h"

static void read_plan(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("read plan %s", path);
  struct stat st;
  if (fstat(fd, &st) < 0) die("stat plan");
  char *buf = malloc(st.st_size + 1);
  if (!buf || read(fd, buf, st.st_size) != st.st_size) die("read plan %s", path);
  buf[st.st_size] = 0;
  close(fd);
  for (char *p = buf; p < buf + st.st_size && P.ntok < 8191; p += strlen(p) + 1) P.tok[P.ntok++] = p;
}

/* Fills P's scalar fields; ops with side effects (mount, cgroup, setns...) are run later by
 * walking the tokens again, in the order TypeScript wrote them. */
static void parse_plan(void) {
  for (int i = 0, n; i < P.ntok; i++) {
    char *op = P.tok[i];
    ops[nops++] = i;
#define ARG(k) (i + (k) < P.ntok ? P.tok[i + (k)] : "")
    if (!strcmp(op, "clone")) P.clone_flags = num(ARG(1)), i += 1;
    else if (!strcmp(op, "cgroupns")) P.cgroupns = 1;
    else if (!strcmp(op, "rootfs")) P.rootfs = ARG(1), i += 1;
    else if (!strcmp(op, "propagation")) P.propagation = num(ARG(1)), i += 1;
    else if (!strcmp(op, "pivot")) P.pivot = 1;
    else if (!strcmp(op, "rootro")) P.rootro = 1;
    else if (!strcmp(op, "handoff")) P.handoff = 1;
    else if (!strcmp(op, "hostname")) P.hostname = ARG(1), i += 1;
    else if (!strcmp(op, "domainname")) P.domainname = ARG(1), i += 1;
    else if (!strcmp(op, "cwd")) P.cwd = ARG(1), i += 1;
    else if (!strcmp(op, "fifo")) P.fifo = ARG(1), i += 1;
    else if (!strcmp(op, "exitfile")) P.exitfile = ARG(1), i += 1;
    else if (!strcmp(op, "oomfile")) P.oomfile = ARG(1), P.oomkey = ARG(2), i += 2;
    else if (!strcmp(op, "console")) P.console = ARG(1), i += 1;
    else if (!strcmp(op, "tty")) P.tty = 1;
    else if (!strcmp(op, "nnp")) P.nnp = 1;
    else if (!strcmp(op, "oomscore")) P.oomscore_set = 1, P.oomscore = (int)strtol(ARG(1), NULL, 10), i += 1;
    else if (!strcmp(op, "user")) P.has_user = 1, P.uid = (int)num(ARG(1)), P.gid = (int)num(ARG(2)), i += 2;
    else if (!strcmp(op, "group")) { if (P.ngroups < 64) P.groups[P.ngroups++] = (gid_t)num(ARG(1)); i += 1; }
    else if (!strcmp(op, "arg")) { if (P.argc < MAXV - 1) P.argv[P.argc++] = ARG(1); i += 1; }
    else if (!strcmp(op, "env")) { if (P.envc < MAXV - 1) P.envp[P.envc++] = ARG(1); i += 1; }
    else if (!strcmp(op, "caps")) { P.has_caps = 1; for (int k = 0; k < 5; k++) P.caps[k] = num(ARG(k + 1)); i += 5; }
    else if (!strcmp(op, "seccomp")) P.seccomp_hex = ARG(1), i += 1;
    else if ((n = hook_op(op, (char *[]){(char *)ARG(1), (char *)ARG(2), (char *)ARG(3)})) >= 0) i += n;
    else if (!strcmp(op, "setns") || !strcmp(op, "uidmap") || !strcmp(op, "gidmap") ||
             !strcmp(op, "cgroup") || !strcmp(op, "rlimit") || !strcmp(op, "sysctl") ||
             !strcmp(op, "mask") || !strcmp(op, "readonly") || !strcmp(op, "symlink") ||
             !strcmp(op, "mount") || !strcmp(op, "mkdev"))
      ; /* side-effect ops: skipped here, arity handled by skip_op */
    else die("plan: unknown op '%s'", op);
    if (!strcmp(op, "setns") || !strcmp(op, "symlink") || !strcmp(op, "sysctl")) i += 2;
    else if (!strcmp(op, "uidmap") || !strcmp(op, "gidmap") || !strcmp(op, "rlimit")) i += 3;
    else if (!strcmp(op, "cgroup") || !strcmp(op, "mask") || !strcmp(op, "readonly")) i += 1;
    else if (!strcmp(op, "mount")) i += 6;
    else if (!strcmp(op, "mkdev")) i += 7;
  }
}

static int write_file(const char *path, const char *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, data, len);
  int saved = errno;
  close(fd);
  errno = saved;
  return n == (ssize_t)len ? 0 : -1;
}

#include "rootfs.h"
#include "tty.h"

static void load_seccomp(void) {
  size_t len = strlen(P.seccomp_hex) / 2;
  static struct sock_filter prog[4096];
  unsigned char *raw = (unsigned char *)prog;
  if (len > sizeof prog || len % sizeof(struct sock_filter)) { errno = EINVAL; die("seccomp program size"); }
  for (size_t k = 0; k < len; k++) {
    unsigned v;
    sscanf(P.seccomp_hex + 2 * k, "%2x", &v);
    raw[k] = (unsigned char)v;
  }
  struct sock_fprog fprog = {.len = (unsigned short)(len / sizeof(struct sock_filter)), .filter = prog};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0) die("load seccomp filter (linux.seccomp)");
}

static void exit_on_signal(int sig) { _exit(128 + sig); }

/* The program to exec, looked up with the container's PATH (not ours). Done before the exec fifo
 * so that a missing program fails `create`, as with runc, rather than `start`. */
static const char *find_program(void) {
  static char full[ROOTFS_MAX];
  if (P.argc == 0) { errno = EINVAL; die("no process.args"); }
  if (strchr(P.argv[0], '/')) {
    if (P.argv[0][0] == '/' && access(P.argv[0], X_OK) < 0) die("exec %s (process.args[0])", P.argv[0]);
    return P.argv[0];
  }
  char *path = NULL;
  for (int i = 0; i < P.envc; i++) if (!strncmp(P.envp[i], "PATH=", 5)) path = P.envp[i] + 5;
  char *dirs = strdup(path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  for (char *d = dirs ? strtok(dirs, ":") : NULL; d; d = strtok(NULL, ":")) {
    snprintf(full, sizeof full, "%s/%s", d, P.argv[0]);
    if (access(full, X_OK) == 0) return full;
  }
  errno = ENOENT;
  die("exec %s (process.args[0], looked up in the container's PATH)", P.argv[0]);
  return NULL;
}

/* The process part shared by container init and exec: limits, identity, capabilities,
 * seccomp, then exec. Order matters: rlimits and groups need privileges we drop afterwards. */
static void finish_and_exec(int fifo_fd) {
  /* Ignored signals survive exec; the shim ignores some for itself, the workload must not. */
  signal(SIGHUP, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  FOR_OPS(t)
    if (!strcmp(t[0], "rlimit")) {
      struct rlimit rl = {.rlim_cur = num(t[2]), .rlim_max = num(t[3])};
      if (setrlimit((int)num(t[1]), &rl) < 0) die("setrlimit %s (process.rlimits)", t[1]);
    }
  const char *program = find_program();
  /* Ready: everything that can fail before `start` has been done; `create` returns. */
  if (fifo_fd >= 0 && write(err_fd, "R", 1) != 1) die("report ready");
  if (fifo_fd >= 0) {
    /* `create` stops here until `start` opens the fifo for reading. As PID 1 of its namespace,
     * init only receives the signals it handles: without these handlers a `kill` of a created
     * container (SIGTERM, say) would be dropped by the kernel. exec resets them to default. */
    static const int stop_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM};
    for (size_t k = 0; k < sizeof stop_signals / sizeof *stop_signals; k++) signal(stop_signals[k], exit_on_signal);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fifo_fd);
    int w = open(path, O_WRONLY | O_CLOEXEC);
    if (w < 0 || write(w, "0", 1) != 1) die("wait for start on exec fifo");
    /* Kept open (close-on-exec): `start` reads EOF once the process is exec'd, or "e" and our
     * error if anything fails before. */
    start_fd = w;
    close(fifo_fd);
  }
  run_hooks(HOOK_START_CONTAINER);
  /* Without no_new_privs the kernel only accepts a filter from a process holding
   * CAP_SYS_ADMIN, so load it while we still do; with it, load last (fewer syscalls filtered). */
  if (P.seccomp_hex && !P.nnp) load_seccomp();
  if (P.has_caps) {
    for (int c = 0; c <= CAP_LAST_CAP; c++)
      if (!(P.caps[0] & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
        die("drop capability %d from bounding set (process.capabilities.bounding)", c);
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) die("keep capabilities");
  }
  if (P.has_user) {
    if (setgroups(P.ngroups, P.groups) < 0 && !(errno == EPERM && P.ngroups == 0)) die("setgroups (process.user.additionalGids)");
    if (setresgid(P.gid, P.gid, P.gid) < 0) die("setgid %d (process.user.gid)", P.gid);
    if (setresuid(P.uid, P.uid, P.uid) < 0) die("setuid %d (process.user.uid)", P.uid);
  }
  if (P.has_caps) {
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[2];
    for (int k = 0; k < 2; k++) {
      d[k].effective = (unsigned)(P.caps[1] >> (32 * k));
      d[k].permitted = (unsigned)(P.caps[2] >> (32 * k));
      d[k].inheritable = (unsigned)(P.caps[3] >> (32 * k));
    }
    if (syscall(SYS_capset, &h, d) < 0) die("capset (process.capabilities)");
    /* A cap can only be ambient if also permitted and inheritable; `runc spec` lists ambient
     * caps without inheritable ones, and runc ignores the refusal, so do we. */
    for (int c = 0; c <= CAP_LAST_CAP; c++)
      if ((P.caps[4] & (1ULL << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 && errno != EPERM)
        die("raise ambient capability %d (process.capabilities.ambient)", c);
  }
  if (P.nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("set no_new_privs (process.noNewPrivileges)");
  if (P.cwd && chdir(P.cwd) < 0) die("chdir to %s (process.cwd)", P.cwd);
  if (P.seccomp_hex && P.nnp) load_seccomp();
  execve(program, P.argv, P.envp);
  die("exec %s (process.args[0])", P.argv[0]);
}

static void report(const char *fmt, long v) {
  if (report_fd < 0) return;
  char buf[64];
  int n = snprintf(buf, sizeof buf, fmt, v);
  if (write(report_fd, buf, n) < 0) {}
}

/* Reads the child's error pipe; returns 1 on EOF (exec happened or it is ready), 0 on error text.
 * With hook_go >= 0, an "H" from init is a request for the caller's hooks (hooks.h). */
static int forward_child_errors(int rd, char ready_byte, pid_t child, int hook_go) {
  char buf[1024];
  ssize_t n;
  for (;;) {
    n = read(rd, buf, sizeof buf - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n == 1 && buf[0] == 'H' && hook_go >= 0) {
      if (!answer_hooks(child, hook_go)) return 0;
      continue;
    }
    break;
  }
  if (n <= 0) return 1;
  if (n == 1 && buf[0] == ready_byte) return 1;
  /* Ready, then failed before we read: the error follows the ready byte. */
  char *text = buf;
  if (ready_byte && buf[0] == ready_byte) text++, n--;
  if (report_fd >= 0) { if (write(report_fd, "error ", 6) < 0 || write(report_fd, text, n) < 0) {} }
  else if (write(2, text, n) < 0) {}
  return 0;
}

static long oom_kills(void) {
  if (!P.oomfile) return 0;
  char buf[2048] = {0};
  int fd = open(P.oomfile, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  char *p = n > 0 ? strstr(buf, P.oomkey) : NULL;
  return p ? strtol(p + strlen(P.oomkey), NULL, 10) : 0;
}

static int write_exit(pid_t pid, int status, long ooms_before) {
  char tmp[ROOTFS_MAX], buf[256];
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  int n = snprintf(buf, sizeof buf, "{\"pid\":%d,\"exitCode\":%d,\"signal\":%d,\"oomKilled\":%s,\"finishedAt\":%lld%03ld}\n",
                   pid, code, WIFSIGNALED(status) ? WTERMSIG(status) : 0, oom_kills() > ooms_before ? "true" : "false",
                   (long long)ts.tv_sec, ts.tv_nsec / 1000000);
  if (P.exitfile) {
    snprintf(tmp, sizeof tmp, "%s.tmp", P.exitfile);
    int fd = open(tmp, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) { if (write(fd, buf, n) < 0) {} close(fd); rename(tmp, P.exitfile); }
  }
  return code;
}

/* Waits for `child`, reaping anything else reparented to us; returns its wait status. */
static int reap_until(pid_t child) {
  for (;;) {
    int status;
    pid_t p = waitpid(-1, &status, 0);
    if (p == child) return status;
    if (p < 0 && errno != EINTR) return 0;
  }
}

static void join_setns(void) {
  int fds[16], types[16], n = 0;
  /* Open every path first: once we enter a mount namespace, host paths no longer resolve. */
  FOR_OPS(t)
    if (!strcmp(t[0], "setns") && n < 16) {
      fds[n] = open(t[1], O_RDONLY | O_CLOEXEC);
      if (fds[n] < 0) die("open namespace %s (linux.namespaces[].path)", t[1]);
      types[n++] = (int)num(t[2]);
    }
  for (int k = 0; k < n; k++)
    if (setns(fds[k], types[k]) < 0) die("join namespace type %#x (linux.namespaces[].path)", types[k]);
  for (int k = 0; k < n; k++) close(fds[k]);
}

static void join_cgroups(pid_t pid) {
  char buf[32];
  int len = snprintf(buf, sizeof buf, "%d", pid);
  FOR_OPS(t)
    if (!strcmp(t[0], "cgroup") && write_file(t[1], buf, len) < 0) die("join cgroup %s", t[1]);
}

static void write_idmaps(pid_t pid) {
  const char *kinds[2] = {"uidmap", "gidmap"}, *files[2] = {"uid_map", "gid_map"};
  for (int k = 0; k < 2; k++) {
    char map[4096] = "", path[64];
    size_t len = 0;
    FOR_OPS(t)
      if (!strcmp(t[0], kinds[k]))
        len += snprintf(map + len, sizeof map - len, "%s %s %s\n", t[1], t[2], t[3]);
    if (!len) continue;
    snprintf(path, sizeof path, "/proc/%d/%s", pid, files[k]);
    if (write_file(path, map, len) < 0) die("write %s (linux.%sMappings)", files[k], k ? "gid" : "uid");
  }
}

static int run_container(void) {
  int errp[2], gop[2], ttyp[2] = {-1, -1}, fifo_fd = -1;
  if (pipe2(errp, O_CLOEXEC) < 0 || pipe2(gop, O_CLOEXEC) < 0) die("pipe");
  if (P.console) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, P.console, sizeof addr.sun_path - 1);
    ttyp[1] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ttyp[1] < 0 || connect(ttyp[1], (struct sockaddr *)&addr, sizeof addr) < 0) die("connect console socket %s (--console-socket)", P.console);
  } else if (P.tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ttyp) < 0) die("socketpair");
  /* The exec fifo is made here rather than in Node, which has no mkfifo. */
  /* chmod: mkfifo applies our umask, and a mapped root (user namespace) opens it as "other". */
  if (P.fifo && ((mkfifo(P.fifo, 0622) < 0 && errno != EEXIST) || chmod(P.fifo, 0622) < 0 || (fifo_fd = open(P.fifo, O_PATH | O_CLOEXEC)) < 0))
    die("make exec fifo %s", P.fifo);
  join_setns();
  long ooms_before = oom_kills();
  /* A raw clone with no stack behaves like fork: we are single-threaded and static, so the
   * child may run C freely. CLONE_NEWCGROUP waits until the child is inside its cgroup. */
  pid_t child = (pid_t)syscall(SYS_clone, (P.clone_flags & ~(unsigned long)CLONE_NEWCGROUP) | SIGCHLD, 0, 0, 0, 0);
  if (child < 0) die("clone namespaces (linux.namespaces)");
  if (child == 0) {
    /* The caller waits for EOF on the report pipe: only the shim may hold it. */
    if (report_fd >= 0) close(report_fd);
    report_fd = -1;
    err_fd = errp[1];
    close(errp[0]);
    close(gop[1]);
    char go;
    if (read(gop[0], &go, 1) != 1) die("wait for parent setup");
    hook_go_fd = gop[0];
    if (P.clone_flags & CLONE_NEWUSER) {
      if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) die("become root in user namespace (linux.uidMappings)");
    }
    if (P.cgroupns && unshare(CLONE_NEWCGROUP) < 0) die("unshare cgroup namespace");
    if (P.oomscore_set) {
      char b[16];
      int n = snprintf(b, sizeof b, "%d", P.oomscore);
      if (write_file("/proc/self/oom_score_adj", b, n) < 0) die("write oom_score_adj (process.oomScoreAdj)");
    }
    if (P.hostname && sethostname(P.hostname, strlen(P.hostname)) < 0) die("sethostname %s (hostname)", P.hostname);
    if (P.domainname && setdomainname(P.domainname, strlen(P.domainname)) < 0) die("setdomainname (domainname)");
    if (P.rootfs) setup_rootfs();
    if (ttyp[1] >= 0) setup_tty(ttyp[1]);
    if (ttyp[0] >= 0) close(ttyp[0]);
    finish_and_exec(fifo_fd);
  }
  close(errp[1]);
  close(gop[0]);
  if (ttyp[1] >= 0) close(ttyp[1]);
  join_cgroups(child);
  write_idmaps(child);
  if (write(gop[1], "g", 1) != 1) die("release child");
  /* Hooks first: init sends the terminal only after them (the socket buffers it meanwhile). */
  int ok = forward_child_errors(errp[0], 'R', child, hooksync ? gop[1] : -1);
  close(gop[1]);
  if (!ok) {
    int status = reap_until(child);
    (void)status;
    return 127;
  }
  int master = P.tty && !P.console ? recv_fd(ttyp[0]) : -1;
  report("pid %ld\n", child);
  /* A subreaper caller takes init over (handoff.h): leave now, init is re-parented to it. */
  if (handing_off && master < 0) { report("handoff\n", 0); return 0; }
  if (report_fd >= 0) close(report_fd);
  report_fd = -1;
  if (master >= 0) relay_tty(master);
  /* Let go of the caller's terminal and pipes so that nobody waits on us for EOF. */
  int null = open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 3 && null >= 0; fd++) dup2(null, fd);
  int status = reap_until(child);
  return write_exit(child, status, ooms_before);
}

static int run_exec(void) {
  int errp[2], ttyp[2] = {-1, -1};
  if (pipe2(errp, O_CLOEXEC) < 0) die("pipe");
  if (P.console) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, P.console, sizeof addr.sun_path - 1);
    ttyp[1] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ttyp[1] < 0 || connect(ttyp[1], (struct sockaddr *)&addr, sizeof addr) < 0) die("connect console socket %s", P.console);
  } else if (P.tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ttyp) < 0) die("socketpair");
  /* Only the new process joins the container's cgroup, not this helper (it would show in
   * `ps`, count against pids.max and be charged the container's memory). The cgroup files are
   * opened now, while we are still host root in every sense; after setns(user) we write the
   * child's pid through these descriptors. */
  int cgfds[16], ncg = 0, gop[2];
  if (pipe2(gop, O_CLOEXEC) < 0) die("pipe");
  FOR_OPS(t)
    if (!strcmp(t[0], "cgroup") && ncg < 16 && (cgfds[ncg++] = open(t[1], O_WRONLY | O_CLOEXEC)) < 0) die("open cgroup %s", t[1]);
  join_setns();
  /* setns into a PID namespace applies to children only, hence this fork. */
  pid_t child = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (child < 0) die("fork into container");
  if (child == 0) {
    if (report_fd >= 0) close(report_fd);
    report_fd = -1;
    err_fd = errp[1];
    close(errp[0]);
    close(gop[1]);
    char go;
    if (read(gop[0], &go, 1) != 1) die("wait for cgroup join");
    if (ttyp[0] >= 0) close(ttyp[0]);
    if (ttyp[1] >= 0) setup_tty(ttyp[1]);
    finish_and_exec(-1);
  }
  close(errp[1]);
  close(gop[0]);
  char buf[32];
  int len = snprintf(buf, sizeof buf, "%d", child);
  for (int k = 0; k < ncg; k++) {
    if (write(cgfds[k], buf, len) != len) { kill(child, SIGKILL); die("join cgroup with pid %d", child); }
    close(cgfds[k]);
  }
  if (write(gop[1], "g", 1) != 1) die("release child");
  close(gop[1]);
  if (ttyp[1] >= 0) close(ttyp[1]);
  int master = ttyp[0] >= 0 ? recv_fd(ttyp[0]) : -1;
  if (!forward_child_errors(errp[0], 0, child, -1)) { reap_until(child); return 127; }
  report("pid %ld\n", child);
  if (handing_off && master < 0) { report("handoff\n", 0); return 0; }
  if (report_fd >= 0) close(report_fd);
  if (master >= 0) relay_tty(master);
  int status = reap_until(child);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: tsk-nsexec run|exec PLAN (internal helper of tsk-runtime)\n");
    return 2;
  }
  if (fcntl(3, F_GETFD) >= 0) { report_fd = 3; fcntl(3, F_SETFD, FD_CLOEXEC); }
  read_plan(argv[2]);
  parse_plan();
  /* Probe before we become a subreaper ourselves (the probe's orphan would come to us). */
  handing_off = P.handoff && caller_is_subreaper();
  /* Orphans of the container (when it shares our PID namespace) become ours to reap. */
  if (!handing_off) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  /* The shim outlives whoever started it: its own session, deaf to the terminal's signals. */
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  if (!strcmp(argv[1], "run")) { setsid(); return run_container(); }
  if (!strcmp(argv[1], "exec")) return run_exec();
  fprintf(stderr, "tsk-nsexec: unknown mode %s\n", argv[1]);
  return 2;
}
