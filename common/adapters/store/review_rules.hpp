#pragma once
// Internal to the store: what the PostgreSQL and SQLite review stores share — the wording of a
// refused action, worked out from the item as it is now, and the audit row's details.
#include <optional>
#include <string>
#include <string_view>

#include "store/review_store.hpp"

namespace verdict::store::review {

enum class Action { Claim, Release, Decide, Override };

/// Why `action` by `reviewer` did not apply to the item as it is now (`current`; nullopt: none).
ReviewError refusal(Action action, std::string_view decision_id, const std::optional<ReviewItem>& current,
                    std::string_view reviewer);
/// The audit row's details: kind, automated outcome, status, and final outcome and reason once
/// decided; for a claim that took a lapsed claim over, whose it was.
std::string audit_details(const ReviewItem& item, std::string_view taken_over_from = {});
/// Whose lapsed claim `claim` by `reviewer` took over, judged from the item before it: empty if none.
inline std::string taken_over_from(Action action, const std::optional<ReviewItem>& before, std::string_view reviewer) {
  if (action != Action::Claim || !before || before->status != "claimed" || before->claimed_by == reviewer) return {};
  return before->claimed_by;
}
std::string_view action_name(Action action);
inline std::string audit_subject(std::string_view decision_id) { return "decision:" + std::string(decision_id); }

/// The four actions, validated the same way on every backend; a backend supplies one conditional
/// statement per action (`change`), run with its audit row in one transaction.
class ConditionalReviewStore : public ReviewStore {
 public:
  expected<ReviewItem, ReviewError> claim(std::string_view id, std::string_view reviewer) override {
    if (auto bad = invalid_review_input(reviewer, "ACCEPT", "-")) return unexpected(*bad);
    return change(Action::Claim, id, reviewer, {}, {});
  }
  expected<ReviewItem, ReviewError> release(std::string_view id, std::string_view reviewer) override {
    if (auto bad = invalid_review_input(reviewer, "ACCEPT", "-")) return unexpected(*bad);
    return change(Action::Release, id, reviewer, {}, {});
  }
  expected<ReviewItem, ReviewError> decide(std::string_view id, std::string_view reviewer, std::string_view outcome,
                                           std::string_view reason) override {
    if (auto bad = invalid_review_input(reviewer, outcome, reason)) return unexpected(*bad);
    return change(Action::Decide, id, reviewer, outcome, reason);
  }
  expected<ReviewItem, ReviewError> override_decision(std::string_view id, std::string_view reviewer,
                                                      std::string_view outcome, std::string_view reason) override {
    if (auto bad = invalid_review_input(reviewer, outcome, reason)) return unexpected(*bad);
    return change(Action::Override, id, reviewer, outcome, reason);
  }

 protected:
  virtual expected<ReviewItem, ReviewError> change(Action action, std::string_view decision_id,
                                                   std::string_view reviewer, std::string_view outcome,
                                                   std::string_view reason) = 0;
};

}  // namespace verdict::store::review
