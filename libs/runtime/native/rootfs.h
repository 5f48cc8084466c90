/*
 * The file-system half of container init, included once by nsexec.c (one translation unit):
 * mount points, mounts, device nodes, symlinks, the root's propagation, pivot_root, masked and
 * read-only paths, sysctls. Runs in init, in its new mount namespace, between clone and exec.
 */
static void mkdir_p(char *path, mode_t mode) {
  for (char *p = path + 1; *p; p++)
    if (*p == '/') { *p = 0; mkdir(path, mode); *p = '/'; }
  mkdir(path, mode);
}

/* Creates the mount point: a directory, or an empty file when binding a file (runc does the same). */
static void make_target(const char *src, char *dst, int bind) {
  struct stat st;
  if (bind && stat(src, &st) == 0 && !S_ISDIR(st.st_mode)) {
    char *slash = strrchr(dst, '/');
    if (slash && slash != dst) { *slash = 0; mkdir_p(dst, 0755); *slash = '/'; }
    int fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0) close(fd);
  } else {
    mkdir_p(dst, 0755);
  }
}

static char root_real[ROOTFS_MAX];

/* Refuses a path that resolves outside the rootfs: an image may hold symlinks (say /proc ->
 * /etc) meant to turn a mount or mkdir into a write on the host. Checks the deepest existing
 * ancestor, so it is called both before creating a mount point and after. */
static void check_inside(const char *path, const char *shown) {
  char probe[ROOTFS_MAX], real[PATH_MAX];
  snprintf(probe, sizeof probe, "%s", path);
  for (;;) {
    if (realpath(probe, real)) break;
    char *slash = strrchr(probe, '/');
    if (!slash || slash == probe) { real[0] = '/'; real[1] = 0; break; }
    *slash = 0;
  }
  size_t n = strlen(root_real);
  if (strncmp(real, root_real, n) || (real[n] && real[n] != '/')) {
    errno = EXDEV;
    die("mount destination %s resolves outside the rootfs to %s (mounts[].destination)", shown, real);
  }
}

static void in_root(char *out, const char *path) {
  if (snprintf(out, ROOTFS_MAX, "%s%s", P.rootfs, path) >= ROOTFS_MAX) { errno = ENAMETOOLONG; die("path %s", path); }
}

static void do_mount(char **a) {
  /* a: src dst fstype flags propagation data (dst is a path inside the container) */
  char dst[ROOTFS_MAX];
  unsigned long flags = num(a[3]), prop = num(a[4]);
  in_root(dst, a[1]);
  check_inside(dst, a[1]);
  make_target(a[0], dst, (flags & MS_BIND) != 0);
  check_inside(dst, a[1]);
  const char *data = a[5][0] ? a[5] : NULL;
  if (mount(a[0], dst, a[2], (flags & ~MS_RDONLY) | ((flags & MS_BIND) ? 0 : (flags & MS_RDONLY)), data) < 0)
    die("mount %s on %s (type %s)", a[0], a[1], a[2]);
  /* A bind mount ignores MS_RDONLY and friends until it is remounted. */
  if ((flags & MS_BIND) && (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)))
    if (mount(NULL, dst, NULL, (flags & ~MS_REC) | MS_REMOUNT | MS_BIND, NULL) < 0)
      die("remount %s read-only/restricted", a[1]);
  if (prop && mount(NULL, dst, NULL, prop, NULL) < 0) die("set propagation of %s", a[1]);
}

static void do_mkdev(char **a) {
  /* a: path type major minor mode uid gid ; falls back to a bind of the host node when
   * mknod is not allowed (user namespaces). */
  char dst[ROOTFS_MAX];
  in_root(dst, a[0]);
  check_inside(dst, a[0]);
  mode_t mode = (mode_t)num(a[4]) | (a[1][0] == 'b' ? S_IFBLK : a[1][0] == 'p' ? S_IFIFO : S_IFCHR);
  unlink(dst);
  if (mknod(dst, mode, makedev(num(a[2]), num(a[3]))) == 0) {
    /* mknod applies our umask (0644 for a 0666 /dev/null): set the asked mode exactly. */
    if (chmod(dst, mode & 07777) < 0) die("chmod device %s (linux.devices[].fileMode)", a[0]);
    if (chown(dst, (uid_t)num(a[5]), (gid_t)num(a[6])) < 0) die("chown device %s", a[0]);
    return;
  }
  if (errno != EPERM) die("mknod %s", a[0]);
  int fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
  if (fd >= 0) close(fd);
  if (mount(a[0], dst, NULL, MS_BIND, NULL) < 0) die("bind device %s", a[0]);
}

/* Undoes the octal escapes (\040 for a space) of a /proc/self/mountinfo path, in place. */
static void unescape_mountinfo(char *s) {
  char *out = s;
  for (; *s; s++) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
      *out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
      s += 3;
    } else *out++ = *s;
  }
  *out = 0;
}

/* pivot_root refuses a new root whose parent mount is shared, which "shared" root propagation
 * makes every mount: make just the mount that holds `path` private (runtime-spec allows it; runc
 * does the same). The container's root, bound from a shared mount, stays shared itself. */
static void make_parent_mount_private(const char *path) {
  char real[PATH_MAX], best[PATH_MAX] = "/", line[4 * PATH_MAX];
  if (!realpath(path, real)) die("resolve rootfs %s (root.path)", path);
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) die("read /proc/self/mountinfo");
  size_t best_len = 1;
  while (fgets(line, sizeof line, f)) {
    char mnt[PATH_MAX];
    if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1) continue;
    unescape_mountinfo(mnt);
    size_t n = strlen(mnt);
    if (n > best_len && !strncmp(real, mnt, n) && (real[n] == '/' || real[n] == 0)) strcpy(best, mnt), best_len = n;
  }
  fclose(f);
  if (mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0) die("make %s private for pivot_root (linux.rootfsPropagation)", best);
}

/* Everything between clone and exec that concerns the file system, in runc's order. */
static void setup_rootfs(void) {
  /* An unbindable tree would refuse the bind of the rootfs below: that flag is set after
   * pivot_root, on the container's own root. */
  unsigned long prop = P.propagation ? P.propagation : MS_PRIVATE | MS_REC;
  if (mount(NULL, "/", NULL, MS_REC | ((prop & MS_UNBINDABLE) ? MS_PRIVATE : prop), NULL) < 0)
    die("set / mount propagation (linux.rootfsPropagation)");
  /* Before the overlay too: mounted in a shared parent, it would show up on the host. */
  if (prop & MS_SHARED) make_parent_mount_private(P.rootfs);
  FOR_OPS(t)
    if (!strcmp(t[0], "mount") && !strcmp(t[2], "/")) {
      /* overlay rootfs: mounted first, in our own mount namespace, so it vanishes with it */
      char **a = &t[1];
      if (mount(a[0], P.rootfs, a[2], num(a[3]), a[5][0] ? a[5] : NULL) < 0) die("mount rootfs (%s)", a[2]);
    }
  if (mount(P.rootfs, P.rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) die("bind rootfs %s (root.path)", P.rootfs);
  if (!realpath(P.rootfs, root_real)) die("resolve rootfs %s (root.path)", P.rootfs);
  FOR_OPS(t) {
    if (!strcmp(t[0], "mount") && strcmp(t[2], "/")) do_mount(&t[1]);
    else if (!strcmp(t[0], "mkdev")) do_mkdev(&t[1]);
    else if (!strcmp(t[0], "symlink")) {
      char dst[ROOTFS_MAX];
      in_root(dst, t[2]);
      check_inside(dst, t[2]);
      unlink(dst);
      if (symlink(t[1], dst) < 0) die("symlink %s", t[2]);
    }
  }
  /* Mounts done, old root still reachable: the point for prestart, createRuntime and
   * createContainer hooks (runtime-spec config.md, "POSIX-platform Hooks"). */
  if (hooksync) sync_hooks();
  if (chdir(P.rootfs) < 0) die("chdir to rootfs %s", P.rootfs);
  if (P.pivot) {
    /* pivot_root(".", ".") stacks the old root under the new one; detaching it leaves no
     * trace of the host's mounts (the trick runc and lxc use, no temporary directory needed). */
    if (syscall(SYS_pivot_root, ".", ".") < 0) die("pivot_root to %s", P.rootfs);
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) die("make old root a slave");
    if (umount2(".", MNT_DETACH) < 0) die("detach old root");
  } else {
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) die("move rootfs to /");
    if (chroot(".") < 0) die("chroot");
  }
  if (chdir("/") < 0) die("chdir /");
  /* sysctls first: /proc/sys is usually among the read-only paths made below. */
  FOR_OPS(t)
    if (!strcmp(t[0], "sysctl")) {
      char file[512];
      snprintf(file, sizeof file, "/proc/sys/%s", t[1]);
      for (char *p = file + 10; *p; p++) if (*p == '.') *p = '/';
      if (write_file(file, t[2], strlen(t[2])) < 0) die("write sysctl %s (linux.sysctl)", t[1]);
    }
  FOR_OPS(t) {
    char *op = t[0], *path = t[1];
    struct stat st;
    if (!strcmp(op, "readonly")) {
      if (stat(path, &st) < 0) continue; /* absent paths are fine, as in runc */
      if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0 ||
          mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        die("make %s read-only (linux.readonlyPaths)", path);
    } else if (!strcmp(op, "mask")) {
      if (stat(path, &st) < 0) continue;
      int r = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL)
                                  : mount("/dev/null", path, NULL, MS_BIND, NULL);
      if (r < 0) die("mask %s (linux.maskedPaths)", path);
    }
  }
  if (P.rootro && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0) die("remount / read-only (root.readonly)");
  /* Shared or unbindable applies to the container's own root, now "/", and last: an unbindable
   * tree would refuse the binds of masked and read-only paths above. */
  if ((prop & (MS_SHARED | MS_UNBINDABLE)) && mount(NULL, "/", NULL, prop & (MS_SHARED | MS_UNBINDABLE | MS_REC), NULL) < 0)
    die("set / mount propagation (linux.rootfsPropagation)");
}
