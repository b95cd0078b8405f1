#include <nlohmann/json.hpp>
#include <ostream>

#include "commands.hpp"
#include "store/review_store.hpp"

namespace verdict::cli {

namespace {
constexpr int exit_ok = 0;
constexpr int exit_refused = 1;
constexpr int exit_usage = 2;
}  // namespace

int review(const ReviewArgs& args, std::ostream& out, std::ostream& err) {
  if (args.postgres.empty() == args.sqlite.empty()) {
    err << "verdict review: give --postgres URL or --sqlite PATH\n";
    return exit_usage;
  }
  auto opened = args.postgres.empty() ? store::open_sqlite_reviews(args.sqlite) : store::open_postgres_reviews(args.postgres);
  if (!opened) {
    err << "verdict review: " << opened.error().message << "\n";
    return exit_refused;
  }
  store::ReviewStore& reviews = **opened;

  if (args.action == "list") {
    store::ReviewFilter filter;
    filter.status = args.status;
    filter.kind = args.kind;
    filter.shop_id = args.shop_id;
    filter.claimed_by = args.claimed_by;
    filter.limit = args.limit;
    auto items = reviews.list(filter);
    if (!items) {
      err << "verdict review list: " << items.error().message << "\n";
      return exit_refused;
    }
    for (const auto& i : *items) {
      if (args.json) {
        out << store::encode_review_item(i) << "\n";
        continue;
      }
      out << i.decision_id << "  " << i.status << "  " << i.kind << "  " << i.automated_outcome << " -> "
          << (i.final_outcome.empty() ? "?" : i.final_outcome) << "  " << i.channel << "/" << i.shop_id;
      if (!i.claimed_by.empty()) out << "  claimed by " << i.claimed_by;
      if (!i.reason.empty()) out << "  reason: " << i.reason;
      out << "\n";
    }
    if (!args.json) out << items->size() << " item" << (items->size() == 1 ? "" : "s") << "\n";
    return exit_ok;
  }

  expected<store::ReviewItem, store::ReviewError> done = unexpected(store::ReviewError{});
  if (args.action == "claim") done = reviews.claim(args.decision_id, args.reviewer);
  else if (args.action == "release") done = reviews.release(args.decision_id, args.reviewer);
  else if (args.action == "decide") done = reviews.decide(args.decision_id, args.reviewer, args.outcome, args.reason);
  else if (args.action == "override")
    done = reviews.override_decision(args.decision_id, args.reviewer, args.outcome, args.reason);
  else {
    err << "verdict review: unknown action '" << args.action << "'\n";
    return exit_usage;
  }
  if (!done) {
    err << "verdict review " << args.action << ": " << done.error().message << "\n";
    return exit_refused;
  }
  out << store::encode_review_item(*done) << "\n";
  return exit_ok;
}

}  // namespace verdict::cli
