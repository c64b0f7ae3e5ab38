// `program plant` leaves state of every kind a submission can leave; `program look`
// reports, one "item=value" line each, what of it is there. See test_sandbox_reuse.py.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <mqueue.h>
#include <sstream>
#include <string>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;
static const key_t SHM_KEY = 0xC0DE1, MSG_KEY = 0xC0DE2, SEM_KEY = 0xC0DE3;
static const char ABSTRACT[] = "coderunner-planted";

static bool exists(const char *path) { return access(path, F_OK) == 0; }

static sockaddr_un abstract_address(socklen_t *len) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path + 1, ABSTRACT, sizeof ABSTRACT - 1);
    *len = offsetof(sockaddr_un, sun_path) + 1 + sizeof ABSTRACT - 1;
    return addr;
}

static bool sleeper_running() {
    DIR *proc = opendir("/proc");
    for (dirent *entry; proc && (entry = readdir(proc));) {
        std::ifstream cmdline(std::string("/proc/") + entry->d_name + "/cmdline");
        std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
        if (text.rfind("planted-sleeper", 0) == 0) return true;
    }
    if (proc) closedir(proc);
    return false;
}

static void look() {
    std::printf("workspace=%d\n", exists("/workspace/planted"));
    std::printf("tmp=%d\n", exists("/tmp/planted"));
    std::printf("dev_shm=%d\n", exists("/dev/shm/planted"));
    std::printf("sysv_shm=%d\n", shmget(SHM_KEY, 0, 0) >= 0);
    std::printf("sysv_msg=%d\n", msgget(MSG_KEY, 0) >= 0);
    std::printf("sysv_sem=%d\n", semget(SEM_KEY, 0, 0) >= 0);
    std::printf("posix_mq=%d\n", mq_open("/planted", O_RDONLY) >= 0);
    socklen_t len;
    sockaddr_un addr = abstract_address(&len);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    std::printf("abstract_socket=%d\n", connect(fd, (sockaddr *)&addr, len) == 0);
    std::printf("process=%d\n", sleeper_running());
    std::printf("env_planted=%d\n", getenv("PLANTED") != nullptr);
    std::string names;
    for (char **e = environ; *e; ++e) names += std::string(*e).substr(0, std::string(*e).find('=')) + ",";
    std::printf("env_names=%s\n", names.c_str());
    std::ifstream limits("/proc/self/limits");
    std::stringstream text;
    text << limits.rdbuf();
    std::string flat = text.str();
    for (char &c : flat) if (c == '\n') c = '|';
    std::printf("limits=%s\n", flat.c_str());
}

// Each planting prints "item=1" when it took, so that a probe that plants nothing fails.
static void plant() {
    std::printf("tmp=%d\n", (bool)(std::ofstream("/tmp/planted") << "x"));
    std::printf("dev_shm=%d\n", (bool)(std::ofstream("/dev/shm/planted") << "x"));
    std::printf("sysv_shm=%d\n", shmget(SHM_KEY, 4096, IPC_CREAT | 0666) >= 0);
    std::printf("sysv_msg=%d\n", msgget(MSG_KEY, IPC_CREAT | 0666) >= 0);
    std::printf("sysv_sem=%d\n", semget(SEM_KEY, 1, IPC_CREAT | 0666) >= 0);
    std::printf("posix_mq=%d\n", mq_open("/planted", O_CREAT | O_RDWR, 0666, nullptr) >= 0);
    setenv("PLANTED", "1", 1);
    rlimit low{16, 16};
    std::printf("rlimit=%d\n", setrlimit(RLIMIT_NOFILE, &low) == 0);
    std::fflush(stdout);
    socklen_t len;
    sockaddr_un addr = abstract_address(&len);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    bool bound = bind(fd, (sockaddr *)&addr, len) == 0 && listen(fd, 1) == 0;
    std::printf("abstract_socket=%d\n", bound);
    std::fflush(stdout);
    if (fork() == 0) {  // a daemon, holding the socket, with the low limit and the planted variable
        setsid();
        if (fork() == 0) {
            for (int out = 0; out < 3; ++out) close(out);
            execl("/bin/sleep", "planted-sleeper", "1000", (char *)nullptr);
        }
        _exit(0);
    }
    usleep(200000);
    std::printf("process=%d\n", sleeper_running());
}

int main(int argc, char **argv) {
    if (argc == 2 && std::strcmp(argv[1], "plant") == 0) plant();
    else look();
}
