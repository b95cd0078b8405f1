#pragma once
// Processes moved into a CPU cgroup marked idle (cpu.idle = 1, Linux 5.15+): as a group they run
// only on CPU time nothing else on the machine wants, and so do the processes they start later
// (PostgreSQL's backends, forked by the postmaster). bench_kafka uses it to stand in for
// PostgreSQL and the broker running on machines of their own, as they do in production, while it
// measures what a policy swap costs the daemons' requests.
//
// Needs root and the cpu controller: cgroup v2 with `cpu` available at /sys/fs/cgroup, or v1 with
// it mounted at /sys/fs/cgroup/cpu. Without them the group is not made and why_not() says why; the
// benchmark then reports only the figures with everything sharing the cores. The destructor moves
// every process in the group back to the group the first one came from, then removes the group.
#include <sys/types.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace verdict::test {

class IdleCpuGroup {
 public:
  /// A group named `prefix` + this process's id. Groups with the same prefix left by a run that
  /// died before its destructor ran are emptied into the hierarchy's root and removed first.
  IdleCpuGroup(const std::string& prefix, const std::vector<pid_t>& pids) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const bool v2 = read_file("/sys/fs/cgroup/cgroup.controllers").find("cpu") != std::string::npos;
    const fs::path root = v2 ? fs::path("/sys/fs/cgroup") : fs::path("/sys/fs/cgroup/cpu");
    if (!fs::exists(root / "cgroup.procs", ec)) {
      why_not_ = "no cgroup cpu controller at " + root.string();
      return;
    }
    if (pids.empty()) {
      why_not_ = "no processes to move";
      return;
    }
    for (const auto& entry : fs::directory_iterator(root, ec))
      if (entry.is_directory() && entry.path().filename().string().starts_with(prefix)) {
        origin_ = root;
        group_ = entry.path();
        remove_group();
      }
    origin_ = root / cgroup_of(pids.front(), v2).relative_path();
    if (v2 && !write_file(root / "cgroup.subtree_control", "+cpu")) {
      why_not_ = "cannot enable the cpu controller under " + root.string() + " (not root?)";
      return;
    }
    group_ = root / (prefix + std::to_string(::getpid()));
    fs::create_directory(group_, ec);
    if (ec || !write_file(group_ / "cpu.idle", "1")) {
      why_not_ = "cannot make " + group_.string() + " an idle group (not root, or a kernel before 5.15)";
      remove_group();
      return;
    }
    for (const pid_t pid : pids)
      if (!write_file(group_ / "cgroup.procs", std::to_string(pid)) &&
          fs::exists("/proc/" + std::to_string(pid), ec)) {  // one that has exited since (a backend) is no loss
        why_not_ = "cannot move process " + std::to_string(pid) + " into " + group_.string();
        return;  // the destructor moves back the ones already moved
      }
    active_ = true;
  }
  ~IdleCpuGroup() { remove_group(); }
  IdleCpuGroup(const IdleCpuGroup&) = delete;
  IdleCpuGroup& operator=(const IdleCpuGroup&) = delete;

  bool active() const { return active_; }
  const std::string& why_not() const { return why_not_; }

  /// Every process whose command line contains `needle` (the broker: "kafka.Kafka").
  static std::vector<pid_t> processes_running(const std::string& needle) {
    std::vector<pid_t> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
      const std::string name = entry.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      if (read_file(entry.path() / "cmdline").find(needle) != std::string::npos) out.push_back(std::stoi(name));
    }
    return out;
  }

  /// `parent` and every process whose parent it is (the postmaster and its backends and workers).
  static std::vector<pid_t> with_children(pid_t parent) {
    std::vector<pid_t> out{parent};
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
      const std::string name = entry.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      if (parent_of(std::stoi(name)) == parent) out.push_back(std::stoi(name));
    }
    return out;
  }

  /// The parent of `pid`, from /proc/PID/stat (field 4), or 0.
  static pid_t parent_of(pid_t pid) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto name_end = stat.rfind(')');
    if (name_end == std::string::npos) return 0;
    std::istringstream fields(stat.substr(name_end + 1));
    std::string state;
    pid_t parent = 0;
    fields >> state >> parent;
    return parent;
  }

 private:
  static std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  static bool write_file(const std::filesystem::path& file, const std::string& text) {
    std::ofstream out(file);
    out << text;
    out.flush();
    return static_cast<bool>(out);
  }

  /// The cpu cgroup of `pid` as a path from the hierarchy's root ("/" when unknown).
  static std::filesystem::path cgroup_of(pid_t pid, bool v2) {
    std::istringstream lines(read_file("/proc/" + std::to_string(pid) + "/cgroup"));
    for (std::string line; std::getline(lines, line);) {
      // "hierarchy-id:controllers:path"; v2's line is "0::path", v1's names its controllers.
      const auto first = line.find(':'), second = line.find(':', first + 1);
      if (first == std::string::npos || second == std::string::npos) continue;
      const std::string controllers = line.substr(first + 1, second - first - 1);
      bool match = v2 ? line.compare(0, first, "0") == 0 && controllers.empty() : false;
      for (std::istringstream list(controllers); !v2 && list.good();) {
        std::string c;
        std::getline(list, c, ',');
        match = match || c == "cpu";
      }
      if (match) return line.substr(second + 1);
    }
    return "/";
  }

  void remove_group() {
    if (group_.empty()) return;
    // Everything in the group now — the processes moved in and any started since — goes back.
    std::istringstream procs(read_file(group_ / "cgroup.procs"));
    for (std::string pid; procs >> pid;) write_file(origin_ / "cgroup.procs", pid);
    std::error_code ec;
    std::filesystem::remove(group_, ec);  // rmdir: succeeds once the group is empty
    group_.clear();
  }

  std::filesystem::path origin_, group_;
  bool active_ = false;
  std::string why_not_;
};

}  // namespace verdict::test
