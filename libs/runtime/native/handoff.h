/*
 * Hand-off of the container's init (or a detached exec's process) to a subreaper caller, included
 * once by nsexec.c. Plan op `handoff`: allowed for a detached create/run/exec.
 *
 * Normally the shim stays resident as init's parent and records its exit status (README, "Who is
 * the parent of PID 1"). Container managers such as conmon and containerd's shim instead make
 * themselves child subreapers and run `runtime create` expecting init to be re-parented to them
 * once the runtime exits, so that they reap it and read its status with waitpid (runc never
 * stays resident). When the caller of the process that started us (the tsk-runtime CLI's caller,
 * or the library user's parent) is such a subreaper, the shim therefore exits as soon as init is
 * created: init passes to that caller. Then no exit.json is written; `state` still reports the
 * container stopped once init is gone, without an exit code.
 */

/* Field 4 of /proc/PID/stat: the parent of PID, or 0. */
static pid_t parent_of(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *end = strrchr(buf, ')');
  int ppid = 0;
  if (!end || sscanf(end + 1, " %*c %d", &ppid) != 1) return 0;
  return (pid_t)ppid;
}

/*
 * True when an orphan of ours would be adopted by our grandparent (the caller's caller) and that
 * is not the system's init: it is a child subreaper waiting for our children. Found out the only
 * way the kernel tells: orphan a probe process and see who adopts it (two forks of a static
 * binary, well under a millisecond). Must run before we make ourselves a subreaper.
 */
static int caller_is_subreaper(void) {
  pid_t grand = parent_of(getppid());
  if (grand <= 1) return 0;
  int res[2];
  if (pipe2(res, O_CLOEXEC) < 0) return 0;
  pid_t a = fork();
  if (a == 0) {
    close(res[0]);
    /* A forks B and exits at once; B knows A's pid from before the fork, so no race. */
    pid_t self = getpid(), b = fork();
    if (b == 0) {
      /* B: wait until A is gone, then report who adopted us. */
      for (int i = 0; i < 5000 && getppid() == self; i++) usleep(100);
      pid_t adopter = getppid();
      if (write(res[1], &adopter, sizeof adopter) < 0) {}
      _exit(0);
    }
    _exit(0);
  }
  close(res[1]);
  pid_t adopter = 0;
  if (a > 0) {
    waitpid(a, NULL, 0);
    if (read(res[0], &adopter, sizeof adopter) != sizeof adopter) adopter = 0;
  }
  close(res[0]);
  return adopter == grand;
}
