#include "history/history.hpp"

#include <algorithm>
#include <cstring>

namespace verdict::history {

namespace {

constexpr char magic[8] = {'V', 'R', 'D', 'H', 'I', 'S', 'T', '1'};
constexpr std::uint32_t format_version = 1;

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t record_size;
  std::uint64_t fingerprint;
  std::uint64_t count;
  std::uint64_t items_count;
  std::uint64_t chars_size;
  std::uint64_t reserved[2];
};
static_assert(sizeof(Header) == header_size);

}  // namespace

void HistoryTable::add(const Case& c) {
  records.emplace_back();
  facts::build_facts(c, records.back(), pools);
}

std::string_view HistoryView::application_id(std::size_t i) const {
  const lang::StrRef ref = records[i].values[facts::field_id("application.id")].str;
  return {chars + ref.offset, ref.length};
}

HistoryView view_of(const HistoryTable& table) {
  return {table.records.data(), table.records.size(), table.pools.chars.data(), table.pools.items.data()};
}

void write_binary(const HistoryTable& table, const std::function<void(const void*, std::size_t)>& sink) {
  Header h{};
  std::memcpy(h.magic, magic, sizeof magic);
  h.version = format_version;
  h.record_size = sizeof(facts::FactRecord);
  h.fingerprint = facts::catalog_fingerprint();
  h.count = table.records.size();
  h.items_count = table.pools.items.size();
  h.chars_size = table.pools.chars.size();
  sink(&h, sizeof h);
  sink(table.records.data(), table.records.size() * sizeof(facts::FactRecord));
  sink(table.pools.items.data(), table.pools.items.size() * sizeof(lang::StrRef));
  sink(table.pools.chars.data(), table.pools.chars.size());
}

expected<HistoryView, std::string> parse_binary(std::span<const std::byte> buffer) {
  if (buffer.size() < sizeof(Header)) return unexpected(std::string("file is too short to be a Verdict history"));
  if (reinterpret_cast<std::uintptr_t>(buffer.data()) % alignof(facts::FactRecord) != 0)
    return unexpected(std::string("history buffer is not 8-byte aligned"));
  Header h;
  std::memcpy(&h, buffer.data(), sizeof h);
  if (std::memcmp(h.magic, magic, sizeof magic) != 0) return unexpected(std::string("not a Verdict binary history"));
  if (h.version != format_version)
    return unexpected("history format version " + std::to_string(h.version) + " is not supported");
  if (h.record_size != sizeof(facts::FactRecord) || h.fingerprint != facts::catalog_fingerprint())
    return unexpected(std::string(
        "history was written for another field catalogue; rebuild it from its JSON Lines form (verdict history build)"));
  const std::uint64_t expected_size =
      sizeof(Header) + h.count * sizeof(facts::FactRecord) + h.items_count * sizeof(lang::StrRef) + h.chars_size;
  if (h.count > (1ULL << 32) || h.items_count > (1ULL << 34) || h.chars_size > (1ULL << 38) || expected_size != buffer.size())
    return unexpected("history size " + std::to_string(buffer.size()) + " does not match its header (" +
                      std::to_string(expected_size) + ")");

  HistoryView v;
  const std::byte* base = buffer.data() + sizeof(Header);
  v.records = reinterpret_cast<const facts::FactRecord*>(base);
  v.count = h.count;
  v.items = reinterpret_cast<const lang::StrRef*>(base + h.count * sizeof(facts::FactRecord));
  v.chars = reinterpret_cast<const char*>(base + h.count * sizeof(facts::FactRecord) + h.items_count * sizeof(lang::StrRef));

  for (std::uint64_t k = 0; k < h.items_count; ++k)
    if (std::uint64_t{v.items[k].offset} + v.items[k].length > h.chars_size)
      return unexpected("history list item " + std::to_string(k) + " points outside the character pool");
  const auto catalog = facts::catalog();
  std::vector<std::size_t> string_fields, list_fields;
  for (std::size_t f = 0; f < facts::stored_field_count; ++f) {
    if (catalog[f].type == lang::ValueType::String) string_fields.push_back(f);
    if (catalog[f].type == lang::ValueType::List) list_fields.push_back(f);
  }
  for (std::uint64_t r = 0; r < h.count; ++r) {
    std::uint64_t furthest_string = 0, furthest_item = 0;
    for (std::size_t f : string_fields) {
      const lang::StrRef ref = v.records[r].values[f].str;
      furthest_string = std::max(furthest_string, std::uint64_t{ref.offset} + ref.length);
    }
    for (std::size_t f : list_fields) {
      const auto& list = v.records[r].values[f].list;
      furthest_item = std::max(furthest_item, std::uint64_t{list.offset} + list.count);
    }
    if (furthest_string <= h.chars_size && furthest_item <= h.items_count) continue;
    // Out of bounds somewhere in this record: find the field to name it.
    for (std::size_t f = 0; f < facts::stored_field_count; ++f) {
      const lang::Slot& s = v.records[r].values[f];
      if (catalog[f].type == lang::ValueType::String) {
        if (std::uint64_t{s.str.offset} + s.str.length > h.chars_size)
          return unexpected("history record " + std::to_string(r) + " field " + std::string(catalog[f].path) +
                            " points outside the character pool");
      } else if (catalog[f].type == lang::ValueType::List) {
        if (std::uint64_t{s.list.offset} + s.list.count > h.items_count)
          return unexpected("history record " + std::to_string(r) + " field " + std::string(catalog[f].path) +
                            " points outside the list pool");
      }
    }
  }
  return v;
}

}  // namespace verdict::history
