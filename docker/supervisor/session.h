/*
 * crsup's session side (included once by crsup.c: one compilation unit): what the init
 * of a submission's fresh namespaces sets up before its steps run, and what each of its
 * steps gets on top of the single-use container's limits.
 *
 * The session process is PID 1 of new user, mount, PID, IPC, network and UTS
 * namespaces. It holds every capability there (none outside), so it can mount the
 * submission's own tmpfs on /workspace, /tmp and /dev/shm and bring up its loopback; its
 * steps drop them all (become()) and then get an inner seccomp filter forbidding what the
 * container's profile allows only for this set-up.
 */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>

struct session_config {
  long long workspace_mb, workspace_inodes, tmp_mb, tmp_inodes, shm_mb, nproc;
};
static struct session_config session_cfg;

#if defined(__x86_64__)
#define SESSION_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SESSION_ARCH AUDIT_ARCH_AARCH64
#else
#error "crsup's session filter knows x86_64 and aarch64 only"
#endif
#define CLONE_NEW_ANY (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)
#define DENY(nr, err) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err))

/* The inner filter. The container's profile lets unshare and mount through for the
 * session's set-up; no step may use them, nor create a namespace any other way (clone
 * with CLONE_NEW*, clone3 whose flags a filter cannot read, setns). Everything else the
 * container's profile forbids stays forbidden by it: filters stack, the strictest wins. */
static void install_step_filter(void) {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SESSION_ARCH, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
      /* x32 numbers alias the same calls. */
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
#endif
      DENY(__NR_unshare, EPERM),
      DENY(__NR_setns, EPERM),
      DENY(__NR_mount, EPERM),
      DENY(__NR_umount2, EPERM),
      DENY(__NR_pivot_root, EPERM),
      DENY(__NR_sethostname, EPERM),
      DENY(__NR_setdomainname, EPERM),
      DENY(__NR_clone3, ENOSYS), /* glibc falls back to clone, whose flags are checked below */
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEW_ANY, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {(unsigned short)(sizeof filter / sizeof filter[0]), filter};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
    perror("crsup: cannot install the step filter");
    _exit(126);
  }
}

/* In a step's child, after become(): the submission's process count, then the filter. */
static void session_step_limits(void) {
  struct rlimit nproc = {(rlim_t)session_cfg.nproc, (rlim_t)session_cfg.nproc};
  if (setrlimit(RLIMIT_NPROC, &nproc) < 0) { perror("crsup: RLIMIT_NPROC"); _exit(126); }
  install_step_filter();
}

static void mount_tmpfs(const char *target, unsigned long flags, const char *options) {
  if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | flags, options) < 0) die(target);
}

/* A file of the submission, written by the builder into the fresh workspace (nothing of
 * the submission runs yet, so no link can be in the way; the service checked the path). */
static void write_file(const char *path, mode_t mode, const char *data, size_t size) {
  if (path[0] == '/' || strstr(path, "..")) { errno = EINVAL; die("file path outside the workspace"); }
  char *dir = strdup(path);
  for (char *slash = strchr(dir, '/'); slash; slash = strchr(slash + 1, '/')) {
    *slash = '\0';
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) die("mkdir");
    *slash = '/';
  }
  free(dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) die("create file");
  for (size_t done = 0; done < size;) {
    ssize_t n = write(fd, data + done, size - done);
    if (n < 0) die("write file");
    done += (size_t)n;
  }
  if (fchmod(fd, mode) < 0 || close(fd) < 0) die("close file");
}

/* Files as "F MODE SIZE PATH\n" then SIZE bytes, one after another. */
static void write_files(const char *blob, size_t len) {
  const char *p = blob, *end = blob + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) { errno = EINVAL; die("file header"); }
    char header[4200];
    size_t hlen = (size_t)(nl - p);
    if (hlen >= sizeof header) { errno = E2BIG; die("file header"); }
    memcpy(header, p, hlen);
    header[hlen] = '\0';
    unsigned mode;
    unsigned long long size;
    int path_at = 0;
    if (sscanf(header, "F %o %llu %n", &mode, &size, &path_at) != 2 || !path_at || size > (size_t)(end - nl - 1)) {
      errno = EINVAL;
      die("file header");
    }
    write_file(header + path_at, (mode_t)(mode & 0777), nl + 1, (size_t)size);
    p = nl + 1 + size;
  }
}

static void loopback_up(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) die("loopback");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) die("loopback up");
  close(fd);
}

/* The session's own filesystem view, network, environment and workspace, owned by
 * `builder`; the process stays the namespaces' privileged init. */
static void session_setup(uid_t builder, const char *files, size_t files_len) {
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die("make mounts private");
  char options[160];
  snprintf(options, sizeof options, "size=%lldm,nr_inodes=%lld,mode=0755,uid=%u,gid=%u", session_cfg.workspace_mb,
           session_cfg.workspace_inodes, builder, builder);
  mount_tmpfs("/workspace", 0, options);
  snprintf(options, sizeof options, "size=%lldm,nr_inodes=%lld,mode=1777", session_cfg.tmp_mb, session_cfg.tmp_inodes);
  mount_tmpfs("/tmp", MS_NOEXEC, options);
  snprintf(options, sizeof options, "size=%lldm,mode=1777", session_cfg.shm_mb);
  mount_tmpfs("/dev/shm", MS_NOEXEC, options);
  loopback_up();
  clearenv();
  setenv("LANG", "C.UTF-8", 1);
  setenv("LC_ALL", "C.UTF-8", 1);
  setenv("HOME", "/tmp", 1);
  setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
  if (chdir("/workspace") < 0) die("chdir /workspace");
  /* Files (and the capture pipes, see open_capture) are created as the builder. */
  setfsgid(builder);
  setfsuid(builder);
  write_files(files, files_len);
}
