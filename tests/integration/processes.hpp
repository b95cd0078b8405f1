#pragma once
// Child processes for integration tests: real servers (redis-server, a private PostgreSQL,
// verdictd itself) started, signalled and reaped.
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace verdict::test {

/// How the child competes for the CPU. Idle (SCHED_IDLE): it runs only on CPU time no other thread
/// wants, like a program on another machine as far as the processes under test are concerned.
enum class Priority { Normal, Idle };

class ChildProcess {
 public:
  ChildProcess() = default;
  explicit ChildProcess(std::vector<std::string> argv, const std::string& log_file = "/dev/null",
                        Priority priority = Priority::Normal) {
    start(std::move(argv), log_file, priority);
  }
  ~ChildProcess() { kill_now(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// Starts `argv` with stdout and stderr appended to `log_file`. The child gets SIGTERM if this
  /// process dies first, so a crashed test leaves no server behind.
  bool start(std::vector<std::string> argv, const std::string& log_file = "/dev/null",
             Priority priority = Priority::Normal) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const pid_t parent = ::getpid();
    const sched_param no_priority{};
    // vfork, not fork: a test or benchmark process holds daemons with busy threads, and fork would
    // copy its page tables under the memory-map lock and leave every page copy-on-write, stalling
    // those threads on page faults — a cost of the harness, not of what it measures. The child
    // shares our memory until exec, so it makes system calls only and writes nothing of ours.
    const pid_t child = ::vfork();
    if (child == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);
      // Before exec, so the program's first instruction already runs at this priority.
      if (priority == Priority::Idle) ::sched_setscheduler(0, SCHED_IDLE, &no_priority);
      const int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::close(fd);
      }
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    pid_ = child;
    return pid_ > 0;
  }
  pid_t pid() const { return pid_; }
  void signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  /// Waits for the exit; returns the exit code, or -signal, or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pid_ > 0) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      }
      if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }
  void kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

/// A port nobody listens on right now.
inline unsigned short free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// Runs a command to completion; true on exit code 0.
inline bool run_command(std::vector<std::string> argv, const std::string& log_file = "/dev/null") {
  ChildProcess p(std::move(argv), log_file);
  const auto rc = p.wait(std::chrono::seconds(120));
  return rc && *rc == 0;
}

template <class Predicate>
bool eventually(Predicate p, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (p()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return p();
}

}  // namespace verdict::test
