#pragma once
// Small, fast, non-cryptographic hashing for deterministic synthetic data (the history generator,
// verdict-sim). Never for identifiers: those are keyed hashes (adapters/crypto).
#include <cstdint>

namespace verdict {

/// SplitMix64's finaliser: a well-mixed 64-bit value from any 64-bit input.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace verdict
