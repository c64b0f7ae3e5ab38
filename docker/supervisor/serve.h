/*
 * crsup --serve (included once by crsup.c): one long-lived supervisor per container that
 * takes one submission at a time on its stdin and runs each in fresh namespaces.
 *
 * Usage: crsup --serve WORKSPACE_MB WORKSPACE_INODES TMP_MB TMP_INODES SHM_MB NPROC,
 * started as root holding only CAP_SETUID, CAP_SETGID and CAP_SETPCAP (a docker exec as
 * root) and kept running; the service holds its stdin and stdout open.
 *
 * Request:  "R BUILDER RUNNER FILES_LEN COMPILE_LEN RUN_LEN\n" then the files (see
 *           write_files), the compile batch and the run batch (RUN_LEN 0: no run phase).
 * Response: "A\n" once the whole request was read, before anything of it runs (so a
 *           stream that ends before it tells the service that nothing of the submission
 *           ran: the container died idle, and the submission may go to another one);
 *           then "P LEN\n" + LEN bytes, repeated: the session's report (the compile phase's
 *           steps and "E\n", then, when every compile step succeeded and there is a run
 *           batch, the run phase's and "E\n"); then "Z STATUS\n", STATUS 0 when the
 *           session ended normally (anything else: the container must not serve again).
 *
 * Per submission: a child unshares user, mount, PID, IPC, network and UTS namespaces
 * (owned by BUILDER; crsup writes the maps: BUILDER and RUNNER map to themselves,
 * nothing else, not root); its own child is PID 1 there and the
 * session. When the session ends, the kernel kills whatever is left in its PID namespace
 * and the namespaces (with their tmpfs, IPC objects and sockets) go with it: nothing
 * reaches the next submission.
 */

static void read_exactly(int fd, char *buf, size_t len) {
  for (size_t done = 0; done < len;) {
    ssize_t n = read(fd, buf + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) exit(n == 0 ? 0 : 2); /* the service closed the stream: done serving */
    done += (size_t)n;
  }
}

/* A request's header line, without its newline; 0 at the end of the stream. */
static int read_header(char *buf, size_t cap) {
  for (size_t len = 0; len + 1 < cap; len++) {
    ssize_t n;
    while ((n = read(STDIN_FILENO, buf + len, 1)) < 0 && errno == EINTR) {}
    if (n <= 0) return 0;
    if (buf[len] == '\n') {
      buf[len] = '\0';
      return 1;
    }
  }
  errno = E2BIG;
  die("request header");
  return 0;
}

static void write_map(pid_t pid, const char *file, unsigned builder, unsigned runner) {
  char path[64], map[64];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
  int len = snprintf(map, sizeof map, "%u %u 1\n%u %u 1\n", builder, builder, runner, runner);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, map, (size_t)len) != len) die(path);
  close(fd);
}

/* Writes the session's uid_map and gid_map. The kernel lets only the user namespace's
 * owner (BUILDER) holding CAP_SETUID/CAP_SETGID outside map more than itself: crsup
 * takes BUILDER as its effective UID (its saved UID stays 0), raises those two again,
 * writes, and is root again. */
static void write_maps(pid_t pid, uid_t builder, uid_t runner) {
  if (setresuid((uid_t)-1, builder, (uid_t)-1) < 0) die("seteuid to the session's owner");
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct caps[2];
  if (syscall(SYS_capget, &header, caps) < 0) die("capget");
  caps[0].effective = caps[0].permitted;
  if (syscall(SYS_capset, &header, caps) < 0) die("capset");
  write_map(pid, "uid_map", builder, runner);
  write_map(pid, "gid_map", builder, runner);
  if (setresuid((uid_t)-1, 0, (uid_t)-1) < 0) die("seteuid back"); /* restores the effective set */
}

/* The session: PID 1 of the new namespaces. Exits 0 when both phases ran to the end. */
static void session(uid_t builder, uid_t runner, char *files, size_t files_len, char *compile, size_t compile_len,
                    char *run, size_t run_len) {
  in_session = 1;
  session_setup(builder, files, files_len);
  FILE *batch = fmemopen(compile, compile_len, "r");
  if (!batch) die("fmemopen");
  parse_batch(batch);
  step_uid = builder;
  int compiled = run_batch();
  if (compiled && run_len > 0) {
    budget_ms = 30000, cpu_s = 30, output_cap = 1 << 20, file_size = -1, stop_on_failure = 0, memory_kb = 0;
    nsteps = 0;
    batch = fmemopen(run, run_len, "r");
    if (!batch) die("fmemopen");
    parse_batch(batch);
    step_uid = runner;
    run_batch();
  }
  exit(0);
}

/* Unshares the namespaces, waits for crsup to map the users, then forks the session and
 * passes on how it ended. */
static void enter_namespaces(int ready_w, int mapped_r, uid_t builder, uid_t runner, char *files, size_t files_len,
                             char *compile, size_t compile_len, char *run, size_t run_len) {
  /* The namespace's owner is BUILDER, not root: the kernel charges per-user counts
   * (inotify instances, user namespaces, processes) of everything inside to the owner
   * outside, so each session has its own, as a single-use container's users do.
   * Dumpable while crsup writes the maps: its /proc files then belong to BUILDER. */
  if (setresgid((gid_t)-1, builder, (gid_t)-1) < 0 || setresuid((uid_t)-1, builder, (uid_t)-1) < 0) die("seteuid");
  prctl(PR_SET_DUMPABLE, 1);
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS) < 0)
    die("unshare");
  char byte = 0;
  if (write(ready_w, &byte, 1) != 1 || read(mapped_r, &byte, 1) != 1) _exit(2);
  prctl(PR_SET_DUMPABLE, 0);
  close(ready_w);
  close(mapped_r);
  pid_t init = fork();
  if (init < 0) die("fork the session");
  if (init == 0) session(builder, runner, files, files_len, compile, compile_len, run, run_len);
  int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) _exit(2); /* only the session writes the report */
  int status;
  while (waitpid(init, &status, 0) < 0)
    if (errno != EINTR) _exit(2);
  _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* Forwards the session's report as "P" chunks until the session closes it. */
static void forward(int from) {
  char chunk[65536];
  for (;;) {
    ssize_t n = read(from, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    char header[32];
    int hlen = snprintf(header, sizeof header, "P %zd\n", n);
    write_all(header, (size_t)hlen);
    write_all(chunk, (size_t)n);
  }
}

static void serve_one(const char *header) {
  unsigned builder, runner;
  size_t lens[3];
  if (sscanf(header, "R %u %u %zu %zu %zu", &builder, &runner, &lens[0], &lens[1], &lens[2]) != 5 || builder == 0 ||
      runner == 0 || builder == runner) {
    errno = EINVAL;
    die("request");
  }
  char *parts[3];
  for (int i = 0; i < 3; i++) {
    parts[i] = malloc(lens[i] + 1);
    if (!parts[i]) die("malloc");
    read_exactly(STDIN_FILENO, parts[i], lens[i]);
  }
  write_all("A\n", 2); /* before the fork: once the session may run, the service knows */
  int report[2], ready[2], mapped[2];
  if (pipe2(report, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0 || pipe2(mapped, O_CLOEXEC) < 0) die("pipe");
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    if (dup2(report[1], STDOUT_FILENO) < 0) _exit(2);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0) _exit(2);
    close(report[0]);
    close(ready[0]);
    close(mapped[1]);
    enter_namespaces(ready[1], mapped[0], builder, runner, parts[0], lens[0], parts[1], lens[1], parts[2], lens[2]);
  }
  close(report[1]);
  close(ready[1]);
  close(mapped[0]);
  for (int i = 0; i < 3; i++) free(parts[i]);
  char byte;
  if (read(ready[0], &byte, 1) == 1) {
    write_maps(pid, builder, runner);
    if (write(mapped[1], &byte, 1) != 1) die("release the session");
  }
  close(ready[0]);
  close(mapped[1]);
  forward(report[0]);
  close(report[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) die("waitpid");
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  char end[32];
  int len = snprintf(end, sizeof end, "Z %d\n", code);
  write_all(end, (size_t)len);
}

static int serve(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: crsup --serve WORKSPACE_MB WORKSPACE_INODES TMP_MB TMP_INODES SHM_MB NPROC\n");
    return 2;
  }
  if (getuid() != 0 || geteuid() != 0) {
    fprintf(stderr, "crsup: --serve needs to start as root\n");
    return 2;
  }
  long long *cfg[] = {&session_cfg.workspace_mb, &session_cfg.workspace_inodes, &session_cfg.tmp_mb,
                      &session_cfg.tmp_inodes,   &session_cfg.shm_mb,           &session_cfg.nproc};
  for (int i = 0; i < 6; i++) *cfg[i] = number(argv[i]);
  if (prctl(PR_SET_DUMPABLE, 0) < 0) die("PR_SET_DUMPABLE");
  signal(SIGPIPE, SIG_IGN);
  for (size_t i = 0; i < 2 && usage_fd < 0; i++) usage_fd = open(usage_files[i], O_RDONLY | O_CLOEXEC);
  char header[128];
  while (read_header(header, sizeof header)) serve_one(header);
  return 0;
}
