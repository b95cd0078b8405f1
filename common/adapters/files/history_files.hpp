#pragma once
// History files: JSON Lines (.jsonl, one Case per line) and the binary form (.vhist), which is
// memory-mapped, so a warm million-application file is ready in milliseconds.
#include <filesystem>
#include <memory>
#include <string>

#include "history/history.hpp"
#include "util/expected.hpp"

namespace verdict::files {

/// A loaded history: either owns a HistoryTable (from JSON Lines) or a read-only mapping.
class LoadedHistory {
 public:
  virtual ~LoadedHistory() = default;
  virtual history::HistoryView view() const = 0;
};

/// Reads JSON Lines; an invalid line is an error naming its line number and field.
expected<history::HistoryTable, std::string> read_history_jsonl(const std::filesystem::path& path);

/// Loads either form, telling them apart by the binary magic.
expected<std::unique_ptr<LoadedHistory>, std::string> load_history(const std::filesystem::path& path);

expected<void, std::string> write_history_binary(const history::HistoryTable& table, const std::filesystem::path& path);

}  // namespace verdict::files
