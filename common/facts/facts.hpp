#pragma once
// Fact records: the flat, fixed-size form of one case that the runtime reads. Strings live in
// pools beside the records, so a record is trivially copyable and a history of a million of them
// loads with one read.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "domain/case.hpp"
#include "facts/catalog.hpp"
#include "lang/types.hpp"

namespace verdict::facts {

struct FactRecord {
  std::array<lang::Slot, stored_field_count> values;
  std::array<std::uint64_t, 2> known;  // bit i: field i has a value

  bool is_known(std::size_t field) const { return (known[field >> 6] >> (field & 63)) & 1U; }
  void set_known(std::size_t field) { known[field >> 6] |= std::uint64_t{1} << (field & 63); }
};
static_assert(stored_field_count <= 128);

/// Growable pools that records point into.
struct FactPools {
  std::string chars;
  std::vector<lang::StrRef> items;
};

/// Everything the runtime needs to read one record.
struct FactView {
  const FactRecord* record = nullptr;
  const char* chars = nullptr;
  const lang::StrRef* items = nullptr;
};

/// Flattens a case. Provider fields are known only when the provider answered.
void build_facts(const Case& c, FactRecord& out, FactPools& pools);

/// A single case with its own pools, for the daemon and the CLI.
struct OwnedFacts {
  FactRecord record{};
  FactPools pools;
  explicit OwnedFacts(const Case& c) { build_facts(c, record, pools); }
  FactView view() const { return {&record, pools.chars.data(), pools.items.data()}; }
};

}  // namespace verdict::facts
