#pragma once
// One row of the append-only audit log (sql/*/0001_initial.sql): who did what to which subject, when,
// with what details. Written in the same transaction as the action it records by the approval and
// review stores; read back by subject (review) or subject prefix (approvals).
#include <cstdint>
#include <string>

namespace verdict::store {

struct AuditEntry {
  std::int64_t id = 0;     // ascending in the order the entries were written
  std::int64_t at_ms = 0;  // Unix epoch milliseconds, UTC
  std::string actor, action, subject;
  std::string details;  // JSON object
};

}  // namespace verdict::store
