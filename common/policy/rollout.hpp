#pragma once
// The policy roll-out messages, as plain JSON (the Kafka adapter carries them; nothing here does I/O).
//
// PolicyRelease: one published, immutable version of a policy, the value of a message on the
// compacted policy topic keyed by the policy name — so the latest message per key is the version
// every daemon serving that policy must run. `verdict publish` (and the studio) write it after
// recording the version in policy_versions; verdictd validates, compiles and swaps it in.
//
// FleetStatus: a daemon's heartbeat on the fleet-status topic (keyed by daemon id): the version it
// runs and the last version it refused. `verdict fleet` reads the latest per daemon.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "domain/codec.hpp"
#include "util/expected.hpp"

namespace verdict {

struct PolicyRelease {
  std::string name;          // the policy name, also the message key
  int version = 0;           // the document's version, > 0
  std::string content_hash;  // "sha256:…" over the canonical document (files::policy_content_hash)
  std::string document;      // the policy document, JSON text
  std::string author, approver, comment;  // four-eyes: approver is not the author
  std::int64_t published_at_ms = 0;       // Unix epoch milliseconds, UTC
};

/// The message value: {"name", "version", "content_hash", "document" (the document as a JSON
/// object), "author", "approver", "comment", "published_at_ms"}.
std::string encode_release(const PolicyRelease& release);
/// Every problem named by JSON pointer. Checks the shape and the four-eyes rule; whether the
/// document compiles and matches its hash is for the receiver to find out (it has the compiler).
expected<PolicyRelease, InputErrors> decode_release(std::string_view text);

struct FleetStatus {
  std::string daemon_id;  // the message key
  std::string host;
  std::string policy_name, policy_hash;
  int policy_version = 0;
  /// The last version refused (refused_reason empty when none): its version (0 when the message was
  /// unreadable), hash and why — never the document's contents.
  int refused_version = 0;
  std::string refused_hash, refused_reason;
  std::int64_t refused_at_ms = 0;
  std::int64_t at_ms = 0;  // when the heartbeat was sent, epoch milliseconds
};

std::string encode_fleet_status(const FleetStatus& status);
expected<FleetStatus, InputErrors> decode_fleet_status(std::string_view text);

/// "Approver" and "author" compare as the policy_versions CHECK does: trimmed, case-insensitive.
bool same_person(std::string_view a, std::string_view b);

}  // namespace verdict
