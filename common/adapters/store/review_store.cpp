#include "store/review_store.hpp"

#include <nlohmann/json.hpp>

#include "store/review_rules.hpp"

namespace verdict::store {

std::optional<ReviewError> invalid_review_input(std::string_view reviewer, std::string_view final_outcome,
                                                std::string_view reason) {
  auto blank = [](std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; };
  if (blank(reviewer)) return ReviewError{ReviewError::Kind::Invalid, "a reviewer must be named"};
  if (final_outcome != "ACCEPT" && final_outcome != "ACCEPT_SIM_ONLY" && final_outcome != "REJECT")
    return ReviewError{ReviewError::Kind::Invalid, "the outcome must be ACCEPT, ACCEPT_SIM_ONLY or REJECT, not '" +
                                                       std::string(final_outcome) + "'"};
  if (blank(reason)) return ReviewError{ReviewError::Kind::Invalid, "a reason is required for a human decision"};
  if (reason.size() > 2000) return ReviewError{ReviewError::Kind::Invalid, "the reason is longer than 2000 characters"};
  return std::nullopt;
}

std::string encode_review_item(const ReviewItem& item) {
  nlohmann::json j = {{"decision_id", item.decision_id},
                      {"kind", item.kind},
                      {"status", item.status},
                      {"created_at_ms", item.created_at_ms},
                      {"automated_outcome", item.automated_outcome},
                      {"channel", item.channel},
                      {"shop_id", item.shop_id}};
  if (!item.claimed_by.empty()) {
    j["claimed_by"] = item.claimed_by;
    j["claimed_at_ms"] = item.claimed_at_ms;
  }
  if (item.status == "decided") {
    j["final_outcome"] = item.final_outcome;
    j["decided_by"] = item.decided_by;
    j["decided_at_ms"] = item.decided_at_ms;
    j["reason"] = item.reason;
  }
  return j.dump();
}

namespace review {

ReviewError refusal(Action action, std::string_view decision_id, const std::optional<ReviewItem>& current,
                    std::string_view reviewer) {
  const std::string id(decision_id);
  if (!current) return {ReviewError::Kind::NotFound, "no review item for decision " + id};
  const ReviewItem& item = *current;
  if (item.status == "decided")
    return {ReviewError::Kind::Conflict, "decision " + id + " was already decided by " + item.decided_by};
  switch (action) {
    case Action::Claim:
      return {ReviewError::Kind::Conflict, "decision " + id + " is claimed by " + item.claimed_by};
    case Action::Release:
    case Action::Decide:
      if (item.status == "pending")
        return {ReviewError::Kind::NotClaimant, "claim decision " + id + " before deciding or releasing it"};
      return {ReviewError::Kind::NotClaimant, "decision " + id + " is claimed by " + item.claimed_by + ", not by " +
                                                  std::string(reviewer)};
    case Action::Override:
      return {ReviewError::Kind::Conflict,
              "decision " + id + " is in the review queue (" + item.status + "): claim and decide it instead"};
  }
  return {ReviewError::Kind::Conflict, "decision " + id + " cannot be changed"};
}

std::string audit_details(const ReviewItem& item, std::string_view taken_over_from) {
  nlohmann::json j = {{"kind", item.kind}, {"automated_outcome", item.automated_outcome}, {"status", item.status}};
  if (!taken_over_from.empty()) j["taken_over_from"] = taken_over_from;
  if (item.status == "decided") {
    j["final_outcome"] = item.final_outcome;
    j["reason"] = item.reason;
  }
  return j.dump();
}

std::string_view action_name(Action a) {
  switch (a) {
    case Action::Claim: return "review.claim";
    case Action::Release: return "review.release";
    case Action::Decide: return "review.decide";
    case Action::Override: return "review.override";
  }
  return "review";
}

}  // namespace review

}  // namespace verdict::store
