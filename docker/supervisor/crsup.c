/*
 * crsup: the in-container supervisor of coderunner.
 *
 * Runs the steps of one phase (compile, or the tests) one process at a time, each in its
 * own process group, with the phase's wall budget, CPU and file-size rlimits and capped
 * stdout/stderr and report (fd 3) pipes. It reports measured facts on its own stdout in a
 * framed format that the service parses; it does not judge.
 *
 * Identity. The run phase starts crsup as root whose only capabilities are CAP_SETUID,
 * CAP_SETGID and CAP_SETPCAP (the container grants no others, and no-new-privileges is
 * set), with `--as UID`: each step's process empties its capability bounding set, drops
 * its groups and becomes UID:UID before it executes anything, so it holds no capability
 * and can gain none. A process may signal another only if one of its own user ids matches
 * the target's real or saved one: the steps (UID) cannot kill, stop or otherwise signal
 * crsup (0), and as it is non-dumpable they cannot ptrace it or open its /proc files.
 * `--as UID --exec ARGV...` drops the same way and executes ARGV (the container's PID 1
 * and the compile phase, which then runs this program as the unprivileged builder).
 * Without --as, crsup refuses to run as root, and its steps share its UID.
 *
 * Between steps, and whenever a step ends, everything else the step's UID runs is killed
 * (kill(-1) with that UID as effective UID spares only this process and the namespace's
 * init), so nothing a step leaves behind survives into the next one; as child subreaper
 * crsup reaps whatever it orphaned.
 *
 * Memory. With `memory_kb` (a session, whose container is sized for its largest phase),
 * a step whose anonymous plus tmpfs memory grows past it, sampled as below, is killed and
 * reported oom=1 (so is one whose RSS peak passed it). A step's peak is the larger of its RSS (ru_maxrss) and how far the container's
 * memory cgroup grew above its level at the step's start, sampled at least every 10 ms:
 * memory-backed files (memfd, tmpfs, /dev/shm) count, as the memory limit counts them.
 * When the step's run saw an OOM kill, the cgroup was full: the peak is at least the
 * limit minus that starting level.
 *
 * Usage: crsup [--as UID] BATCHFILE, or crsup --as UID --exec ARGV..., or crsup --serve
 * (serve.h: many submissions, each in fresh namespaces; session.h).
 * BATCHFILE lines, fields separated by TAB:
 *   budget_ms N | cpu_s N | output_cap BYTES | file_size BYTES | stop_on_failure 0|1 | memory_kb N
 *   step NAME STDIN(-|path) REPORT(0|1) ARGV0 [ARGV...]
 * Output per started step:
 *   "S NAME exit=E signal=S wall_ms=W cpu_ms=C peak_kb=M timed_out=T capped=K oom=O
 *    out=LEN:TRUNC err=LEN:TRUNC rep=LEN:TRUNC\n" then the three byte strings; then "E\n".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_STEPS 1024
#define MAX_ARGS 64

struct step {
  char *name;
  char *stdin_path; /* NULL: /dev/null */
  int report;
  char *argv[MAX_ARGS + 1];
};

struct capture {
  int fd;
  char *buf;
  size_t len;
  int truncated;
};

static long long budget_ms = 30000;
static long cpu_s = 30;
static size_t output_cap = 1 << 20;
static long long file_size = -1; /* RLIMIT_FSIZE of each step; -1: inherited */
static int stop_on_failure = 0;
static long long memory_kb = 0; /* a step whose peak passes this is killed (oom=1); 0: the cgroup's limit only */
static int in_session = 0;        /* --serve: pid 1 of a submission's namespaces, holding their capabilities */
static uid_t step_uid = 0; /* --as: the identity of every step; 0: crsup's own */
/* The container's memory cgroup (v2, or v1): current usage, limit, OOM kill count. */
static const char *const usage_files[] = {"/sys/fs/cgroup/memory.current", "/sys/fs/cgroup/memory/memory.usage_in_bytes"};
static const char *const limit_files[] = {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
static const char *const oom_files[] = {"/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"};
static int usage_fd = -1;
static struct step steps[MAX_STEPS];
static int nsteps = 0;

static void die(const char *msg) {
  fprintf(stderr, "crsup: %s: %s\n", msg, strerror(errno));
  exit(2);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_all(const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = write(STDOUT_FILENO, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      exit(3); /* the service went away: nothing left to report to */
    }
    p += n;
    len -= (size_t)n;
  }
}

/* A directive's value: a whole non-negative decimal number, or the batch is refused. */
static long long number(const char *value) {
  char *end = NULL;
  errno = 0;
  long long n = strtoll(value, &end, 10);
  if (errno || end == value || *end || n < 0) { errno = EINVAL; die("not a number in batch file"); }
  return n;
}

static void parse_batch(FILE *f) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) > 0) {
    if (line[n - 1] == '\n') line[n - 1] = '\0';
    char *save = NULL;
    char *key = strtok_r(line, "\t", &save);
    if (!key) continue;
    char *value = strtok_r(NULL, "\t", &save);
    if (!value) { errno = EINVAL; die("directive without value"); }
    if (strcmp(key, "budget_ms") == 0) budget_ms = number(value);
    else if (strcmp(key, "cpu_s") == 0) cpu_s = (long)number(value);
    else if (strcmp(key, "output_cap") == 0) output_cap = (size_t)number(value);
    else if (strcmp(key, "file_size") == 0) file_size = number(value);
    else if (strcmp(key, "stop_on_failure") == 0) stop_on_failure = number(value) != 0;
    else if (strcmp(key, "memory_kb") == 0) memory_kb = number(value);
    else if (strcmp(key, "step") == 0) {
      if (nsteps == MAX_STEPS) { errno = E2BIG; die("too many steps"); }
      struct step *s = &steps[nsteps++];
      s->name = strdup(value);
      char *in = strtok_r(NULL, "\t", &save);
      char *rep = strtok_r(NULL, "\t", &save);
      if (!in || !rep) { errno = EINVAL; die("step needs stdin and report fields"); }
      s->stdin_path = strcmp(in, "-") == 0 ? NULL : strdup(in);
      s->report = number(rep) != 0;
      int argc = 0;
      char *arg;
      while ((arg = strtok_r(NULL, "\t", &save))) {
        /* Never run a silently shortened command line. */
        if (argc == MAX_ARGS) { errno = E2BIG; die("step with too many arguments"); }
        s->argv[argc++] = strdup(arg);
      }
      if (argc == 0) { errno = EINVAL; die("step without argv"); }
      s->argv[argc] = NULL;
    } else { errno = EINVAL; die("unknown directive"); }
  }
  free(line);
  fclose(f);
  if (output_cap == 0 || cpu_s == 0) { errno = EINVAL; die("output_cap and cpu_s must be positive"); }
}

/* Cumulative OOM kills of this container's memory cgroup, or -1. */
static long oom_kills(void) {
  for (size_t i = 0; i < 2; i++) {
    FILE *f = fopen(oom_files[i], "re");
    if (!f) continue;
    char key[64];
    long value;
    while (fscanf(f, "%63s %ld", key, &value) == 2) {
      if (strcmp(key, "oom_kill") == 0) { fclose(f); return value; }
    }
    fclose(f);
  }
  return -1;
}

/* A number read from the start of a cgroup file, or -1 ("max" too). */
static long long read_number(int fd) {
  char buf[32];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return -1;
  buf[n] = '\0';
  char *end = NULL;
  long long value = strtoll(buf, &end, 10);
  return end == buf ? -1 : value;
}

/* Bytes charged to the container's memory cgroup now, or -1 when unknown. */
static long long memory_usage(void) { return usage_fd >= 0 ? read_number(usage_fd) : -1; }

/* Anonymous and tmpfs/shm memory of the container's cgroup in bytes (no page cache: a
 * warm container has already paid for the toolchain's files), or -1. */
static long long memory_charged(void) {
  static const char *const stat_files[] = {"/sys/fs/cgroup/memory.stat", "/sys/fs/cgroup/memory/memory.stat"};
  static const char *const keys[][2] = {{"anon", "shmem"}, {"total_rss", "total_shmem"}};
  for (size_t i = 0; i < 2; i++) {
    FILE *f = fopen(stat_files[i], "re");
    if (!f) continue;
    char key[64];
    long long value, sum = 0;
    while (fscanf(f, "%63s %lld", key, &value) == 2)
      if (strcmp(key, keys[i][0]) == 0 || strcmp(key, keys[i][1]) == 0) sum += value;
    fclose(f);
    return sum;
  }
  return -1;
}

static long long memory_limit(void) {
  for (size_t i = 0; i < 2; i++) {
    int fd = open(limit_files[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    long long value = read_number(fd);
    close(fd);
    return value;
  }
  return -1;
}

/* Runs fn with the steps' UID as effective UID when crsup is root, so that kill() reaches
 * their processes (root here holds no CAP_KILL); the saved UID 0 lets it switch back. */
static void as_step_user(void (*fn)(pid_t), pid_t arg) {
  if (step_uid != 0 && seteuid(step_uid) < 0) die("seteuid");
  fn(arg);
  if (step_uid != 0 && seteuid(0) < 0) die("seteuid back");
}

static void kill_all(pid_t pgid) {
  if (pgid > 0) kill(-pgid, SIGKILL);
  kill(-1, SIGKILL);
}

/* Every process the steps' UID runs, except this one and the container's init. */
static void kill_everything_else(pid_t pgid) {
  /* In a session, this process is the init of the submission's PID namespace and holds
   * CAP_KILL there: kill(-1) reaches every other process of the namespace directly. */
  if (in_session) kill_all(pgid);
  else as_step_user(kill_all, pgid);
}

/* Becomes uid:uid with no capability at all and no way to regain one; exits 126 (the
 * reason on stderr) rather than run anything with more. */
static void become(uid_t uid) {
  for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) { perror("crsup: cannot empty the capability bounding set"); _exit(126); }
  if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0) {
    perror("crsup: cannot change user");
    _exit(126);
  }
  /* Leaving UID 0 for good clears the permitted, effective and ambient sets; say so
   * explicitly rather than rely on it, then check. */
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct none[2];
  memset(none, 0, sizeof none);
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  struct __user_cap_data_struct held[2];
  uid_t r, e, saved;
  if (syscall(SYS_capset, &header, none) < 0 || syscall(SYS_capget, &header, held) < 0 ||
      held[0].permitted | held[1].permitted | held[0].effective | held[1].effective | held[0].inheritable |
          held[1].inheritable ||
      prctl(PR_CAPBSET_READ, CAP_SETUID, 0, 0, 0) != 0 || getresuid(&r, &e, &saved) < 0 || r != uid || e != uid ||
      saved != uid || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    fprintf(stderr, "crsup: refusing to run with privileges left\n");
    _exit(126);
  }
}

/* The step's stdin: a regular file beneath the working directory (the workspace),
 * reached through no symlink at all, so not even a compile step that swapped a file for
 * a link (or a FIFO, or a device) can point a test's stdin elsewhere. */
static int open_stdin(const char *path) {
  if (!path) return open("/dev/null", O_RDONLY | O_CLOEXEC);
  struct open_how how = {
      .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
      .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
  if (fd < 0 && (errno == ENOSYS || errno == EPERM)) /* kernel < 5.6, or a seccomp profile without it */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    errno = EINVAL;
    return -1;
  }
  /* O_NONBLOCK only kept a FIFO from blocking the open. */
  if (fcntl(fd, F_SETFL, 0) < 0) return -1;
  return fd;
}

#include "session.h"

static void child(const struct step *s, int out_w, int err_w, int rep_w) {
  setpgid(0, 0);
  /* When the container runs out of memory, the kernel must pick the program, not us:
   * raising one's own score needs no privilege, and descendants inherit it. Dumpable
   * again first, or /proc/self belongs to root (crsup is not dumpable); execve decides
   * it anew for the program. */
  prctl(PR_SET_DUMPABLE, 1);
  int adj = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (adj >= 0) {
    if (write(adj, "1000", 4) < 0) {}
    close(adj);
  }
  if (step_uid != 0) {
    if (dup2(err_w, 2) < 0) _exit(126);
    become(step_uid);
  }
  /* stderr is already the capture pipe, so the reason lands in the step's stderr. */
  if (dup2(err_w, 2) < 0) _exit(126);
  int in = open_stdin(s->stdin_path);
  if (in < 0) { perror("crsup: stdin"); _exit(126); }
  if (dup2(in, 0) < 0 || dup2(out_w, 1) < 0) _exit(126);
  if (rep_w >= 0 && dup2(rep_w, 3) < 0) _exit(126);
  /* Nothing else of ours (batch file, other pipes, the docker exec's fds) reaches the program. */
  int first = rep_w >= 0 ? 4 : 3;
  if (close_range((unsigned)first, ~0U, 0) < 0)
    for (int fd = first; fd < 65536; fd++) close(fd);
  struct rlimit cpu = {(rlim_t)cpu_s, (rlim_t)cpu_s + 1};
  setrlimit(RLIMIT_CPU, &cpu);
  if (file_size >= 0) {
    struct rlimit fsize = {(rlim_t)file_size, (rlim_t)file_size};
    if (setrlimit(RLIMIT_FSIZE, &fsize) < 0) { perror("crsup: RLIMIT_FSIZE"); _exit(126); }
  }
  if (in_session) session_step_limits();
  signal(SIGPIPE, SIG_DFL);
  execvp(s->argv[0], s->argv);
  fprintf(stderr, "crsup: cannot execute %s: %s\n", s->argv[0], strerror(errno));
  _exit(127);
}

static void open_capture(struct capture *c, int *write_end) {
  int fds[2];
  /* A pipe belongs to its creator's filesystem UID: made as the step's user, so that the
   * step may reopen its own ends by name (/dev/stdout, /dev/fd/3). */
  uid_t old_fsuid = 0, old_fsgid = 0;
  if (step_uid != 0) {
    old_fsgid = (uid_t)setfsgid(step_uid);
    old_fsuid = (uid_t)setfsuid(step_uid);
    if ((uid_t)setfsuid((uid_t)-1) != step_uid) die("setfsuid");
  }
  int made = pipe2(fds, O_CLOEXEC);
  if (step_uid != 0) {
    setfsuid(old_fsuid);
    setfsgid(old_fsgid);
  }
  if (made < 0) die("pipe");
  c->fd = fds[0];
  *write_end = fds[1];
  c->buf = malloc(output_cap);
  if (!c->buf) die("malloc");
  c->len = 0;
  c->truncated = 0;
}

/* Reads what is available; returns 1 when this read pushed the stream past the cap. */
static int drain(struct capture *c) {
  char chunk[65536];
  ssize_t n = read(c->fd, chunk, sizeof chunk);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
  if (n <= 0) {
    close(c->fd);
    c->fd = -1;
    return 0;
  }
  size_t room = output_cap - c->len;
  size_t take = (size_t)n < room ? (size_t)n : room;
  memcpy(c->buf + c->len, chunk, take);
  c->len += take;
  if ((size_t)n > take) {
    c->truncated = 1;
    return 1;
  }
  return 0;
}

/* Runs one step; returns 1 when it succeeded (exit status 0, no limit hit). */
static int run_step(const struct step *s, long long deadline) {
  struct capture cap[3] = {{-1, NULL, 0, 0}, {-1, NULL, 0, 0}, {-1, NULL, 0, 0}};
  int out_w, err_w, rep_w = -1;
  open_capture(&cap[0], &out_w);
  open_capture(&cap[1], &err_w);
  if (s->report) open_capture(&cap[2], &rep_w);
  long oom_before = oom_kills();
  long long usage_start = memory_usage(), usage_peak = usage_start;
  long long charged_start = memory_kb > 0 ? memory_charged() : -1;
  long long start = now_ms();
  pid_t pid;
  /* EAGAIN: the pids limit is still full of a previous step's dying processes. */
  for (int tries = 0; (pid = fork()) < 0 && errno == EAGAIN && tries < 100; tries++) {
    kill_everything_else(0);
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    usleep(10000);
  }
  if (pid < 0) die("fork");
  if (pid == 0) child(s, out_w, err_w, rep_w);
  setpgid(pid, pid); /* also here, so the group exists before we might signal it */
  close(out_w);
  close(err_w);
  if (rep_w >= 0) close(rep_w);
  for (int i = 0; i < 3; i++)
    if (cap[i].fd >= 0) fcntl(cap[i].fd, F_SETFL, O_NONBLOCK);
  /* Readable when the step exits, so its end wakes the poll below at once instead of at
   * the next tick (-1 on kernels without pidfd_open: the tick still catches it). */
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

  int timed_out = 0, capped = 0, exited = 0, stopped = 0, status = 0, over = 0;
  struct rusage usage;
  memset(&usage, 0, sizeof usage);
  for (;;) {
    /* Reap everything, not only the step: orphans come to us as subreaper, and their
     * zombies would count against the container's pids limit until the next step. */
    int st;
    struct rusage ru;
    pid_t w;
    while ((w = wait4(-1, &st, WNOHANG, &ru)) > 0) {
      if (w == pid) {
        exited = 1;
        status = st;
        usage = ru;
      }
    }
    /* Once the step is gone, what it left behind would keep the pipes open and the CPU
     * busy. Repeated on every pass: a process forking right then may dodge one kill(-1). */
    if (exited) kill_everything_else(pid);
    /* Also once the step has exited: the tmpfs files it leaves are still its memory. */
    long long usage = memory_usage();
    if (usage > usage_peak) usage_peak = usage;
    if (memory_kb > 0 && !over && charged_start >= 0 && (memory_charged() - charged_start) / 1024 > memory_kb) {
      over = 1;
      kill_everything_else(pid);
    }
    struct pollfd pfd[4];
    int map[4], nfds = 0;
    for (int i = 0; i < 3; i++)
      if (cap[i].fd >= 0) { pfd[nfds].fd = cap[i].fd; pfd[nfds].events = POLLIN; map[nfds++] = i; }
    if (nfds == 0 && exited) break;
    if (!exited && pidfd >= 0) { pfd[nfds].fd = pidfd; pfd[nfds].events = POLLIN; map[nfds++] = -1; }
    long long left = deadline - now_ms();
    if (left <= 0 && !stopped) {
      stopped = 1;
      timed_out = !exited; /* a step that had exited in time did not time out */
      kill_everything_else(pid);
    }
    int wait_ms = exited || stopped ? 50 : (int)(left < 10 ? left : 10);
    if (nfds == 0) { usleep(1000 * (useconds_t)(wait_ms > 0 ? wait_ms : 1)); continue; }
    int ready = poll(pfd, (nfds_t)nfds, wait_ms > 0 ? wait_ms : 0);
    if (ready < 0 && errno != EINTR) die("poll");
    for (int j = 0; ready > 0 && j < nfds; j++) {
      if (map[j] < 0 || !(pfd[j].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (drain(&cap[map[j]]) && !capped) {
        capped = 1;
        kill_everything_else(pid);
      }
    }
    if (stopped && exited) {
      /* Past the deadline: take what is already buffered (a bounded amount: a pipe holds
       * at most 1 MiB), but wait for nothing more. */
      for (int i = 0; i < 3; i++) {
        for (int n = 0; n < 64 && cap[i].fd >= 0 && poll(&(struct pollfd){.fd = cap[i].fd, .events = POLLIN}, 1, 0) > 0; n++)
          drain(&cap[i]);
        if (cap[i].fd >= 0) close(cap[i].fd);
        cap[i].fd = -1;
      }
      break;
    }
  }
  if (pidfd >= 0) close(pidfd);
  long long wall = now_ms() - start;
  long oom_after = oom_kills();
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  long long cpu = (long long)usage.ru_utime.tv_sec * 1000 + usage.ru_utime.tv_usec / 1000 +
                  (long long)usage.ru_stime.tv_sec * 1000 + usage.ru_stime.tv_usec / 1000;
  int oom = oom_before >= 0 && oom_after > oom_before;
  long long peak_kb = usage.ru_maxrss;
  if (usage_start >= 0) {
    long long limit = oom ? memory_limit() : -1;
    if (limit > usage_peak) usage_peak = limit;
    if ((usage_peak - usage_start) / 1024 > peak_kb) peak_kb = (usage_peak - usage_start) / 1024;
  }
  /* Past the phase's own memory limit in a container sized for a larger one (a session). */
  if (memory_kb > 0 && (over || usage.ru_maxrss > memory_kb)) oom = 1;

  char header[512];
  int hlen = snprintf(header, sizeof header,
                      "S %s exit=%d signal=%d wall_ms=%lld cpu_ms=%lld peak_kb=%lld timed_out=%d capped=%d oom=%d "
                      "out=%zu:%d err=%zu:%d rep=%zu:%d\n",
                      s->name, code, sig, wall, cpu, peak_kb, timed_out, capped, oom, cap[0].len,
                      cap[0].truncated, cap[1].len, cap[1].truncated, cap[2].len, cap[2].truncated);
  write_all(header, (size_t)hlen);
  for (int i = 0; i < 3; i++) {
    if (cap[i].len) write_all(cap[i].buf, cap[i].len);
    free(cap[i].buf);
  }
  return code == 0 && !timed_out && !capped && !oom;
}

/* Runs the parsed steps within the phase's budget, then ends the report with "E";
 * returns 1 when every step ran and succeeded. */
static int run_batch(void) {
  long long deadline = now_ms() + budget_ms;
  int all_ok = 1;
  for (int i = 0; i < nsteps; i++) {
    if (now_ms() >= deadline) { all_ok = 0; break; }
    if (!run_step(&steps[i], deadline)) {
      all_ok = 0;
      if (stop_on_failure) break;
    }
  }
  write_all("E\n", 2);
  return all_ok;
}

#include "serve.h"

static uid_t parse_uid(const char *value) {
  long long n = number(value);
  if (n <= 0 || n > 0x7fffffff) { errno = EINVAL; die("--as needs a user id other than 0"); }
  return (uid_t)n;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--serve") == 0) return serve(argc - 2, argv + 2);
  int arg = 1;
  if (argc > 2 && strcmp(argv[1], "--as") == 0) {
    step_uid = parse_uid(argv[2]);
    arg = 3;
  }
  if (step_uid != 0 && (getuid() != 0 || geteuid() != 0)) {
    fprintf(stderr, "crsup: --as needs to start as root\n");
    return 2;
  }
  /* kill(-1) reaches whatever crsup's effective UID may signal: as root without --as that
   * could be every process of the container, so only ever run as a sandbox user. */
  if (step_uid == 0 && (getuid() == 0 || geteuid() == 0)) {
    fprintf(stderr, "crsup: refusing to run as root without --as\n");
    return 2;
  }
  if (argc > arg + 1 && strcmp(argv[arg], "--exec") == 0 && step_uid != 0) {
    become(step_uid);
    execvp(argv[arg + 1], argv + arg + 1);
    fprintf(stderr, "crsup: cannot execute %s: %s\n", argv[arg + 1], strerror(errno));
    return 127;
  }
  if (argc != arg + 1) {
    fprintf(stderr, "usage: crsup [--as UID] BATCHFILE | crsup --as UID --exec ARGV...\n");
    return 2;
  }
  /* Non-dumpable: the steps cannot ptrace us or open our fds via /proc. */
  if (prctl(PR_SET_DUMPABLE, 0) < 0) die("PR_SET_DUMPABLE");
  /* Orphans of a step come to us, so we can reap and account for them. */
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) die("PR_SET_CHILD_SUBREAPER");
  signal(SIGPIPE, SIG_IGN);
  for (size_t i = 0; i < 2 && usage_fd < 0; i++) usage_fd = open(usage_files[i], O_RDONLY | O_CLOEXEC);
  FILE *batch = fopen(argv[arg], "re");
  if (!batch) die("cannot open batch file");
  parse_batch(batch);
  run_batch();
  return 0;
}
