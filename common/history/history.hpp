#pragma once
// History: stored applications with the provider results they had, in two forms.
//  - JSON Lines (one `Case` per line, see domain/codec.hpp): the canonical, readable form.
//  - Binary (.vhist): the fact records themselves, written once and loaded with a single read, so
//    simulating a million applications does not spend its time parsing.
// The binary layout is a 64-byte header, `count` FactRecords, `items_count` StrRefs, then the
// character pool. The header records the field catalogue's fingerprint: a file written for another
// catalogue is refused, never misread.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "domain/case.hpp"
#include "facts/facts.hpp"
#include "util/expected.hpp"

namespace verdict::history {

/// An in-memory history that owns its records.
struct HistoryTable {
  std::vector<facts::FactRecord> records;
  facts::FactPools pools;

  void add(const Case& c);
  std::size_t size() const { return records.size(); }
};

/// A read-only history over memory someone else owns (a file buffer or a HistoryTable).
struct HistoryView {
  const facts::FactRecord* records = nullptr;
  std::size_t count = 0;
  const char* chars = nullptr;
  const lang::StrRef* items = nullptr;

  facts::FactView at(std::size_t i) const { return {records + i, chars, items}; }
  std::size_t size() const { return count; }
  std::string_view application_id(std::size_t i) const;
};

HistoryView view_of(const HistoryTable& table);

inline constexpr std::size_t header_size = 64;

/// Writes the binary form through `sink` (called a few times with large blocks).
void write_binary(const HistoryTable& table, const std::function<void(const void*, std::size_t)>& sink);

/// Validates a binary history in `buffer` (8-byte aligned) and returns a view into it.
/// Every string and list reference is bounds-checked.
expected<HistoryView, std::string> parse_binary(std::span<const std::byte> buffer);

}  // namespace verdict::history
