#pragma once
// Synthetic history for demos, tests and benchmarks: realistic Dutch applicants and provider
// answers, deterministic from (seed, index) so any case can be regenerated on its own. Most
// applicants are clean; a few percent carry BKR codes, Preventel hits, lost documents, arrears or
// the patterns of fraud rings: a few different applicants sharing one IBAN or one device (and
// phone) within hours, or one address within days, each seeing the velocity counts the members
// before it produced; and young applicants collecting device credits.
#include <cstdint>

#include "domain/case.hpp"

namespace verdict::history {

struct GeneratorOptions {
  std::uint64_t seed = 1;
  Date last_day = date_from_civil(2026, 11, 30);  // applications fall in the year up to this day
  int days = 365;
};

/// The index-th case of the stream for `options.seed`.
Case generate_case(const GeneratorOptions& options, std::uint64_t index);

}  // namespace verdict::history
