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
// every process back to the group it came from (one started since goes where its parent came
// from), until the group is empty, then removes it.
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace verdict::test {

class IdleCpuGroup {
 public:
  /// A group named `prefix` + this process's id. A group with the same prefix whose process has
  /// died (a run that crashed before its destructor ran) is emptied into the hierarchy's root and
  /// removed first; the group of a run still going is left alone.
  IdleCpuGroup(const std::string& prefix, const std::vector<pid_t>& pids) {
    namespace fs = std::filesystem;
    std::error_code ec;
    v2_ = has_word(read_file("/sys/fs/cgroup/cgroup.controllers"), "cpu");
    root_ = v2_ ? fs::path("/sys/fs/cgroup") : fs::path("/sys/fs/cgroup/cpu");
    if (!fs::exists(root_ / "cgroup.procs", ec)) {
      why_not_ = "no cgroup cpu controller at " + root_.string();
      return;
    }
    if (pids.empty()) {
      why_not_ = "no processes to move";
      return;
    }
    for (const auto& entry : fs::directory_iterator(root_, ec)) {
      const std::string name = entry.path().filename();
      if (!entry.is_directory() || !name.starts_with(prefix)) continue;
      const std::string owner = name.substr(prefix.size());
      if (owner.empty() || owner.find_first_not_of("0123456789") != std::string::npos) continue;
      if (fs::exists("/proc/" + owner, ec)) continue;  // a run still going
      group_ = entry.path();
      remove_group();
    }
    if (v2_ && !write_file(root_ / "cgroup.subtree_control", "+cpu")) {
      why_not_ = "cannot enable the cpu controller under " + root_.string() + " (not root?)";
      return;
    }
    group_ = root_ / (prefix + std::to_string(::getpid()));
    fs::create_directory(group_, ec);
    if (ec || !write_file(group_ / "cpu.idle", "1")) {
      why_not_ = "cannot make " + group_.string() + " an idle group (not root, or a kernel before 5.15)";
      remove_group();
      return;
    }
    for (const pid_t pid : pids) {
      const fs::path origin = root_ / cgroup_of(pid).relative_path();
      if (write_file(group_ / "cgroup.procs", std::to_string(pid))) {
        origins_[pid] = origin;
      } else if (fs::exists("/proc/" + std::to_string(pid), ec)) {  // one that has exited since is no loss
        why_not_ = "cannot move process " + std::to_string(pid) + " into " + group_.string();
        return;  // the destructor moves back the ones already moved
      }
    }
    active_ = true;
  }
  ~IdleCpuGroup() { remove_group(); }
  IdleCpuGroup(const IdleCpuGroup&) = delete;
  IdleCpuGroup& operator=(const IdleCpuGroup&) = delete;

  bool active() const { return active_; }
  const std::string& why_not() const { return why_not_; }

  /// Every process one of whose arguments is exactly `argument` (the broker: its main class,
  /// "kafka.Kafka").
  static std::vector<pid_t> processes_running(const std::string& argument) {
    std::vector<pid_t> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
      const std::string name = entry.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::istringstream args(read_file(entry.path() / "cmdline"));
      for (std::string arg; std::getline(args, arg, '\0');)
        if (arg == argument) {
          out.push_back(std::stoi(name));
          break;
        }
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

  static std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  static bool write_file(const std::filesystem::path& file, const std::string& text) {
    std::ofstream out(file);
    out << text;
    out.flush();
    return static_cast<bool>(out);
  }

  /// Whether the space-separated `list` holds `word` ("cpu", and not "cpuset").
  static bool has_word(const std::string& list, const std::string& word) {
    std::istringstream words(list);
    for (std::string w; words >> w;)
      if (w == word) return true;
    return false;
  }

  /// The cpu cgroup of `pid` as a path from the hierarchy's root ("/" when unknown).
  std::filesystem::path cgroup_of(pid_t pid) const {
    std::istringstream lines(read_file("/proc/" + std::to_string(pid) + "/cgroup"));
    for (std::string line; std::getline(lines, line);) {
      // "hierarchy-id:controllers:path"; v2's line is "0::path", v1's names its controllers.
      const auto first = line.find(':'), second = line.find(':', first + 1);
      if (first == std::string::npos || second == std::string::npos) continue;
      std::string controllers = line.substr(first + 1, second - first - 1);
      std::replace(controllers.begin(), controllers.end(), ',', ' ');
      const bool match = v2_ ? line.compare(0, first, "0") == 0 && controllers.empty() : has_word(controllers, "cpu");
      if (match) return line.substr(second + 1);
    }
    return "/";
  }

  /// Where a process in the group goes back to: where it came from; one started since, where its
  /// parent came from; otherwise the hierarchy's root.
  std::filesystem::path origin_of(pid_t pid) const {
    for (pid_t p = pid; p > 1; p = parent_of(p))
      if (const auto it = origins_.find(p); it != origins_.end()) return it->second;
    return root_;
  }

  void remove_group() {
    if (group_.empty()) return;
    // Everything in the group — the processes moved in and any started since — goes back, again
    // until none is left: a backend may be forked while the list is being read.
    for (int round = 0; round < 50; ++round) {
      std::istringstream procs(read_file(group_ / "cgroup.procs"));
      bool any = false;
      for (pid_t pid; procs >> pid; any = true) write_file(origin_of(pid) / "cgroup.procs", std::to_string(pid));
      if (!any) break;
    }
    if (::rmdir(group_.c_str()) != 0)
      std::cerr << "idle CPU group: cannot remove " << group_.string() << ": " << std::strerror(errno) << "\n";
    group_.clear();
  }

  bool v2_ = false;
  std::filesystem::path root_, group_;
  std::map<pid_t, std::filesystem::path> origins_;
  bool active_ = false;
  std::string why_not_;
};

}  // namespace verdict::test
