/*
 * Terminals, included once by nsexec.c: init opens a pseudo-terminal and sends its master to the
 * console socket (or to the shim, which relays it to its own stdio for `run -t`).
 */
/* Opens a pseudo-terminal inside the container and hands its master to `sock` (the console
 * socket, or our shim) with SCM_RIGHTS; the slave becomes our controlling terminal and stdio. */
static void setup_tty(int sock) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || unlockpt(master) < 0) die("open /dev/ptmx (process.terminal)");
  char name[128];
  if (ptsname_r(master, name, sizeof name) != 0) die("ptsname");
  int slave = open(name, O_RDWR | O_NOCTTY);
  if (slave < 0) die("open %s", name);
  char byte = 'T';
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &master, sizeof(int));
  if (sendmsg(sock, &msg, 0) < 0) die("send terminal to console socket (--console-socket)");
  close(master);
  close(sock);
  if (setsid() < 0 && errno != EPERM) die("setsid");
  if (ioctl(slave, TIOCSCTTY, 0) < 0) die("set controlling terminal");
  for (int fd = 0; fd < 3; fd++) if (dup2(slave, fd) < 0) die("dup2 terminal");
  if (slave > 2) close(slave);
}

static int recv_fd(int sock) {
  char byte;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  if (recvmsg(sock, &msg, 0) <= 0) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  int fd = -1;
  if (c && c->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return fd;
}

/* Copies our stdin to the terminal master and the master to our stdout until the container
 * side closes it (the `run -t` / `exec -t` case without a console socket). */
static void relay_tty(int master) {
  struct termios saved, raw;
  int restore = tcgetattr(0, &saved) == 0;
  if (restore) { raw = saved; cfmakeraw(&raw); tcsetattr(0, TCSANOW, &raw); }
  struct pollfd fds[2] = {{.fd = 0, .events = POLLIN}, {.fd = master, .events = POLLIN}};
  char buf[4096];
  for (;;) {
    if (poll(fds, 2, -1) < 0) { if (errno == EINTR) continue; break; }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0 || write(1, buf, n) < 0) break;
    }
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n <= 0) fds[0].fd = -1; else if (write(master, buf, n) < 0) break;
    }
  }
  if (restore) tcsetattr(0, TCSANOW, &saved);
}
