#include "files/history_files.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "domain/codec.hpp"

namespace verdict::files {

namespace {

class OwnedHistory final : public LoadedHistory {
 public:
  explicit OwnedHistory(history::HistoryTable table) : table_(std::move(table)) {}
  history::HistoryView view() const override { return history::view_of(table_); }

 private:
  history::HistoryTable table_;
};

class MappedHistory final : public LoadedHistory {
 public:
  MappedHistory(void* data, std::size_t size, history::HistoryView view) : data_(data), size_(size), view_(view) {}
  ~MappedHistory() override { munmap(data_, size_); }
  MappedHistory(const MappedHistory&) = delete;
  MappedHistory& operator=(const MappedHistory&) = delete;
  history::HistoryView view() const override { return view_; }

 private:
  void* data_;
  std::size_t size_;
  history::HistoryView view_;
};

}  // namespace

expected<history::HistoryTable, std::string> read_history_jsonl(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return unexpected("cannot open " + path.string());
  history::HistoryTable table;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    const auto json = nlohmann::json::parse(line, nullptr, false);
    const std::string where = path.string() + ":" + std::to_string(number) + ": ";
    if (json.is_discarded()) return unexpected(where + "invalid JSON");
    auto c = decode_case(json);
    if (!c) return unexpected(where + c.error().summary());
    table.add(*c);
  }
  return table;
}

expected<std::unique_ptr<LoadedHistory>, std::string> load_history(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unexpected("cannot open " + path.string() + ": " + std::strerror(errno));
  struct stat st {};
  ::fstat(fd, &st);
  const auto size = static_cast<std::size_t>(st.st_size);
  char magic[8] = {};
  const bool binary = size >= history::header_size && ::pread(fd, magic, sizeof magic, 0) == 8 &&
                      std::memcmp(magic, "VRDHIST", 7) == 0;
  if (!binary) {
    ::close(fd);
    auto table = read_history_jsonl(path);
    if (!table) return unexpected(table.error());
    return std::unique_ptr<LoadedHistory>(new OwnedHistory(std::move(*table)));
  }
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  ::close(fd);
  if (data == MAP_FAILED) return unexpected("cannot map " + path.string() + ": " + std::strerror(errno));
  auto view = history::parse_binary({static_cast<const std::byte*>(data), size});
  if (!view) {
    munmap(data, size);
    return unexpected(path.string() + ": " + view.error());
  }
  return std::unique_ptr<LoadedHistory>(new MappedHistory(data, size, *view));
}

expected<void, std::string> write_history_binary(const history::HistoryTable& table, const std::filesystem::path& path) {
  const auto temporary = path.string() + ".tmp";
  std::FILE* out = std::fopen(temporary.c_str(), "wb");
  if (!out) return unexpected("cannot write " + temporary + ": " + std::strerror(errno));
  bool ok = true;
  history::write_binary(table, [&](const void* data, std::size_t n) {
    ok = ok && std::fwrite(data, 1, n, out) == n;
  });
  ok = std::fclose(out) == 0 && ok;
  if (!ok) return unexpected("writing " + temporary + " failed");
  std::filesystem::rename(temporary, path);  // never leave a half-written history under the real name
  return {};
}

}  // namespace verdict::files
