#pragma once
// The review queue (GDPR art. 22: a person decides what the machine referred, and can overrule an
// automated decision the customer contests). Schema: sql/*/0003_review_queue.sql.
//
// Contract, for every implementation (PostgreSQL, SQLite) and every user (verdictd's review API, the
// `verdict review` CLI, the studio's queue view):
//  - An item exists per decision under review. Automated REFER decisions enter as kind "referral",
//    status "pending", in the same transaction that stores the decision (DecisionStore::write); the
//    queue never holds a referral whose decision is not stored, and rewriting a batch adds nothing.
//  - claim: pending -> claimed by the reviewer. Atomic: of two reviewers claiming one item exactly one
//    wins; the other gets Conflict naming the holder. Claiming an item one already holds succeeds.
//    A claim held longer than claim_lapse (a reviewer gone home, ill, on leave) lapses: another
//    reviewer's claim takes the item over, and its audit entry names the previous holder
//    ("taken_over_from"). The previous holder can then no longer decide it (NotClaimant).
//  - release: claimed -> pending, only by the holder.
//  - decide: claimed -> decided, only by the holder (NotClaimant otherwise), with a final outcome
//    ACCEPT, ACCEPT_SIM_ONLY or REJECT and a non-blank reason (Invalid otherwise).
//  - override: a stored decision that is not in the queue, or whose review is decided, gets a new
//    final outcome with a mandatory reason (kind "override"); an item still pending or claimed must
//    be claimed and decided instead (Conflict).
//  - Every successful claim, release, decide and override appends one audit_log row (actor = the
//    reviewer, action "review.claim" / "review.release" / "review.decide" / "review.override",
//    subject "decision:<id>", details with outcomes and reason) in the same transaction.
//  - The automated outcome is never changed: it stays in the decision record and is copied into the
//    item; the human one is `final_outcome`.
// Implementations are thread-safe (calls serialised on one connection); open one per user.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/audit.hpp"
#include "store/decision_store.hpp"

namespace verdict::store {

/// How long a claim keeps an item from other reviewers: a customer waiting on a referral should not
/// wait on one person's absence.
inline constexpr std::chrono::minutes claim_lapse{240};

struct ReviewItem {
  std::string decision_id;
  std::string kind;    // referral, override
  std::string status;  // pending, claimed, decided
  std::int64_t created_at_ms = 0;
  std::string automated_outcome;
  std::string channel, shop_id;
  std::string claimed_by;  // empty while pending
  std::int64_t claimed_at_ms = 0;
  std::string final_outcome;  // empty until decided
  std::string decided_by;
  std::int64_t decided_at_ms = 0;
  std::string reason;
};

struct ReviewFilter {
  std::string status;      // empty: any
  std::string kind;        // empty: any
  std::string claimed_by;  // empty: anyone
  std::string channel, shop_id;
  std::size_t limit = 100;  // oldest first
  std::size_t offset = 0;
};

struct ReviewError {
  enum class Kind {
    NotFound,     // no such item (or, for override, no such stored decision)
    Conflict,     // claimed by someone else, already decided, or still open (override)
    NotClaimant,  // decide/release by someone who does not hold the claim
    Invalid,      // missing reason, outcome not allowed, empty reviewer
    Unavailable,  // the store cannot be reached; the same call may succeed later
  };
  Kind kind = Kind::Unavailable;
  std::string message;
};

class ReviewStore {
 public:
  virtual ~ReviewStore() = default;
  virtual expected<std::vector<ReviewItem>, ReviewError> list(const ReviewFilter& filter) = 0;
  virtual expected<std::optional<ReviewItem>, ReviewError> find(std::string_view decision_id) = 0;
  virtual expected<ReviewItem, ReviewError> claim(std::string_view decision_id, std::string_view reviewer) = 0;
  virtual expected<ReviewItem, ReviewError> release(std::string_view decision_id, std::string_view reviewer) = 0;
  virtual expected<ReviewItem, ReviewError> decide(std::string_view decision_id, std::string_view reviewer,
                                                   std::string_view final_outcome, std::string_view reason) = 0;
  virtual expected<ReviewItem, ReviewError> override_decision(std::string_view decision_id, std::string_view reviewer,
                                                              std::string_view final_outcome,
                                                              std::string_view reason) = 0;
  /// The audit entries of one subject ("decision:<id>"), oldest first.
  virtual expected<std::vector<AuditEntry>, ReviewError> audit(std::string_view subject) = 0;
};

/// A migrated PostgreSQL database (the URL as for open_postgres).
expected<std::unique_ptr<ReviewStore>, StoreError> open_postgres_reviews(const std::string& url);
/// An SQLite file, migrated on open like open_sqlite.
expected<std::unique_ptr<ReviewStore>, StoreError> open_sqlite_reviews(const std::filesystem::path& file);

/// Checks what every implementation checks before touching the store: a reviewer name, an outcome a
/// person may give, a reason. Empty when fine.
std::optional<ReviewError> invalid_review_input(std::string_view reviewer, std::string_view final_outcome,
                                                std::string_view reason);

/// {"decision_id", "kind", "status", ..., "final_outcome", "reason"} — the JSON the API and the CLI show.
std::string encode_review_item(const ReviewItem& item);

}  // namespace verdict::store
