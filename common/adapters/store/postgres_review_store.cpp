#include <mutex>

#include "store/postgres_store.hpp"
#include "store/review_rules.hpp"
#include "store/review_store.hpp"

namespace verdict::store {

namespace {

using review::Action;

constexpr const char* item_columns = R"sql(
  decision_id::text, kind, status, (extract(epoch FROM created_at) * 1000)::bigint, automated_outcome, channel,
  shop_id, coalesce(claimed_by, ''), coalesce((extract(epoch FROM claimed_at) * 1000)::bigint, 0),
  coalesce(final_outcome, ''), coalesce(decided_by, ''), coalesce((extract(epoch FROM decided_at) * 1000)::bigint, 0),
  coalesce(reason, ''))sql";

ReviewItem item_of(const pqxx::row& row) {
  ReviewItem i;
  i.decision_id = row[0].as<std::string>();
  i.kind = row[1].as<std::string>();
  i.status = row[2].as<std::string>();
  i.created_at_ms = row[3].as<std::int64_t>();
  i.automated_outcome = row[4].as<std::string>();
  i.channel = row[5].as<std::string>();
  i.shop_id = row[6].as<std::string>();
  i.claimed_by = row[7].as<std::string>();
  i.claimed_at_ms = row[8].as<std::int64_t>();
  i.final_outcome = row[9].as<std::string>();
  i.decided_by = row[10].as<std::string>();
  i.decided_at_ms = row[11].as<std::int64_t>();
  i.reason = row[12].as<std::string>();
  return i;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

class PostgresReviewStore final : public review::ConditionalReviewStore {
 public:
  explicit PostgresReviewStore(std::string url) : url_(std::move(url)) {}

  expected<void, StoreError> check() {
    try {
      std::lock_guard lock(mutex_);
      conn_ = postgres::connect(url_);
      pqxx::read_transaction t(*conn_);
      if (t.exec1("SELECT to_regclass('review_items') IS NOT NULL")[0].as<bool>()) return {};
      return unexpected(StoreError{"the database has no review_items table; run `verdict migrate --postgres URL`", false});
    } catch (...) {
      return unexpected(postgres::current_error("opening the review queue"));
    }
  }

  expected<std::vector<ReviewItem>, ReviewError> list(const ReviewFilter& f) override {
    return run("listing the review queue", [&](pqxx::connection& c) {
      pqxx::read_transaction t(c);
      std::vector<ReviewItem> out;
      const auto rows = t.exec_params(
          std::string("SELECT ") + item_columns +
              " FROM review_items WHERE ($1 = '' OR status = $1) AND ($2 = '' OR kind = $2) AND"
              " ($3 = '' OR claimed_by = $3) AND ($4 = '' OR channel = $4) AND ($5 = '' OR shop_id = $5)"
              " ORDER BY created_at, decision_id LIMIT $6 OFFSET $7",
          f.status, f.kind, f.claimed_by, f.channel, f.shop_id, static_cast<long long>(f.limit),
          static_cast<long long>(f.offset));
      for (const auto& row : rows) out.push_back(item_of(row));
      return out;
    });
  }

  expected<std::optional<ReviewItem>, ReviewError> find(std::string_view decision_id) override {
    if (!is_uuid(decision_id)) return std::optional<ReviewItem>{};
    return run("finding a review item", [&](pqxx::connection& c) {
      pqxx::read_transaction t(c);
      return current(t, decision_id);
    });
  }

  expected<std::vector<AuditEntry>, ReviewError> audit(std::string_view subject) override {
    return run("reading the audit log", [&](pqxx::connection& c) {
      pqxx::read_transaction t(c);
      std::vector<AuditEntry> out;
      for (const auto& row : t.exec_params("SELECT id, (extract(epoch FROM at) * 1000)::bigint, actor, action, subject,"
                                           " details::text FROM audit_log WHERE subject = $1 ORDER BY id",
                                           std::string(subject)))
        out.push_back({row[0].as<std::int64_t>(), row[1].as<std::int64_t>(), row[2].as<std::string>(),
                       row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>()});
      return out;
    });
  }

 private:
  static const std::string& sql_for(Action action) {
    static const std::string claim =
        "UPDATE review_items SET status = 'claimed', claimed_by = $2, claimed_at = now()"
        " WHERE decision_id = $1 AND (status = 'pending' OR (status = 'claimed' AND claimed_by <> $2"
        " AND claimed_at < now() - interval '" + std::to_string(claim_lapse.count()) + " minutes'))";
    static const std::string release =
        "UPDATE review_items SET status = 'pending', claimed_by = NULL, claimed_at = NULL"
        " WHERE decision_id = $1 AND status = 'claimed' AND claimed_by = $2";
    static const std::string decide =
        "UPDATE review_items SET status = 'decided', final_outcome = $3, decided_by = $2,"
        " decided_at = now(), reason = $4"
        " WHERE decision_id = $1 AND status = 'claimed' AND claimed_by = $2";
    // A decided item gets the new outcome; a decision never queued gets a decided item of its own.
    // ON CONFLICT ... WHERE status = 'decided' leaves an open item alone: zero rows, then refused.
    static const std::string override =
        "INSERT INTO review_items (decision_id, kind, status, created_at, automated_outcome, channel, shop_id,"
        "  claimed_by, claimed_at, final_outcome, decided_by, decided_at, reason)"
        " SELECT i.decision_id, 'override', 'decided', now(), d.outcome, d.channel, d.shop_id, $2, now(), $3,"
        "  $2, now(), $4"
        " FROM decision_ids i JOIN decisions d ON d.decision_id = i.decision_id AND d.received_at = i.received_at"
        " WHERE i.decision_id = $1"
        " ON CONFLICT (decision_id) DO UPDATE SET kind = 'override', final_outcome = excluded.final_outcome,"
        "  decided_by = excluded.decided_by, decided_at = excluded.decided_at, reason = excluded.reason"
        "  WHERE review_items.status = 'decided'";
    switch (action) {
      case Action::Claim: return claim;
      case Action::Release: return release;
      case Action::Decide: return decide;
      case Action::Override: return override;
    }
    return claim;
  }

  template <class Work>
  auto run(std::string_view doing, Work&& work) -> expected<std::invoke_result_t<Work, pqxx::connection&>, ReviewError> {
    std::lock_guard lock(mutex_);
    try {
      if (!conn_ || !conn_->is_open()) conn_ = postgres::connect(url_);
      return work(*conn_);
    } catch (...) {
      StoreError error = postgres::current_error(doing);
      if (error.transient) conn_.reset();
      return unexpected(ReviewError{error.transient ? ReviewError::Kind::Unavailable : ReviewError::Kind::Invalid,
                                    std::move(error.message)});
    }
  }

  static std::optional<ReviewItem> current(pqxx::transaction_base& t, std::string_view decision_id) {
    const auto rows = t.exec_params(std::string("SELECT ") + item_columns + " FROM review_items WHERE decision_id = $1",
                                    std::string(decision_id));
    if (rows.empty()) return std::nullopt;
    return item_of(rows[0]);
  }

  /// One conditional statement and its audit row in one transaction. The condition in `sql` is what
  /// makes the action atomic: of two concurrent claims the second finds the row no longer pending.
  expected<ReviewItem, ReviewError> change(Action action, std::string_view decision_id, std::string_view reviewer,
                                           std::string_view outcome, std::string_view reason) override {
    const std::string& sql = sql_for(action);
    if (!is_uuid(decision_id))
      return unexpected(ReviewError{ReviewError::Kind::NotFound, "no review item for decision " + std::string(decision_id)});
    const std::string id(decision_id), who(reviewer);
    auto result = run("changing a review item", [&](pqxx::connection& c) -> expected<ReviewItem, ReviewError> {
      pqxx::work t(c);
      // A claim locks the row first: whose claim it takes over is read from the row it changes.
      std::optional<ReviewItem> before;
      if (action == Action::Claim) {
        const auto rows = t.exec_params(std::string("SELECT ") + item_columns + " FROM review_items WHERE decision_id = $1 FOR UPDATE", id);
        if (!rows.empty()) before = item_of(rows[0]);
      }
      const auto changed = outcome.empty() ? t.exec_params(sql + " RETURNING " + item_columns, id, who)
                                           : t.exec_params(sql + " RETURNING " + item_columns, id, who,
                                                           std::string(outcome), std::string(reason));
      if (changed.empty()) {
        auto now = current(t, id);
        t.abort();
        if (action == Action::Claim && now && now->status == "claimed" && now->claimed_by == who) return *now;
        if (action == Action::Override && !now)
          return unexpected(ReviewError{ReviewError::Kind::NotFound, "no stored decision " + id});
        return unexpected(review::refusal(action, id, now, who));
      }
      ReviewItem item = item_of(changed[0]);
      t.exec_params0("INSERT INTO audit_log (actor, action, subject, details) VALUES ($1, $2, $3, $4::jsonb)", who,
                     std::string(review::action_name(action)), review::audit_subject(id),
                     review::audit_details(item, review::taken_over_from(action, before, who)));
      t.commit();
      return item;
    });
    if (!result) return unexpected(result.error());
    return std::move(*result);
  }

  std::string url_;
  std::mutex mutex_;
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace

expected<std::unique_ptr<ReviewStore>, StoreError> open_postgres_reviews(const std::string& url) {
  auto store = std::make_unique<PostgresReviewStore>(url);
  if (auto ok = store->check(); !ok) return unexpected(ok.error());
  return std::unique_ptr<ReviewStore>(std::move(store));
}

}  // namespace verdict::store
