#include <chrono>
#include <mutex>

#include "store/migrations.hpp"
#include "store/review_rules.hpp"
#include "store/review_store.hpp"
#include "store/sqlite_store.hpp"

namespace verdict::store {

namespace {

using review::Action;
using sqlite::Binder;
using sqlite::column_text;
using sqlite::ResetOnExit;

constexpr const char* item_columns =
    "decision_id, kind, status, created_at_ms, automated_outcome, channel, shop_id, coalesce(claimed_by, ''),"
    " coalesce(claimed_at_ms, 0), coalesce(final_outcome, ''), coalesce(decided_by, ''), coalesce(decided_at_ms, 0),"
    " coalesce(reason, '')";

ReviewItem item_of(sqlite3_stmt* s) {
  ReviewItem i;
  i.decision_id = column_text(s, 0);
  i.kind = column_text(s, 1);
  i.status = column_text(s, 2);
  i.created_at_ms = sqlite3_column_int64(s, 3);
  i.automated_outcome = column_text(s, 4);
  i.channel = column_text(s, 5);
  i.shop_id = column_text(s, 6);
  i.claimed_by = column_text(s, 7);
  i.claimed_at_ms = sqlite3_column_int64(s, 8);
  i.final_outcome = column_text(s, 9);
  i.decided_by = column_text(s, 10);
  i.decided_at_ms = sqlite3_column_int64(s, 11);
  i.reason = column_text(s, 12);
  return i;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ReviewError unavailable(const StoreError& e) {
  return {e.transient ? ReviewError::Kind::Unavailable : ReviewError::Kind::Invalid, e.message};
}

class SqliteReviewStore final : public review::ConditionalReviewStore {
 public:
  explicit SqliteReviewStore(sqlite::Database db) : db_(std::move(db)) {}

  expected<std::vector<ReviewItem>, ReviewError> list(const ReviewFilter& f) override {
    std::lock_guard lock(mutex_);
    auto statement = prepare(std::string("SELECT ") + item_columns +
                             " FROM review_items WHERE (?1 = '' OR status = ?1) AND (?2 = '' OR kind = ?2) AND"
                             " (?3 = '' OR claimed_by = ?3) AND (?4 = '' OR channel = ?4) AND (?5 = '' OR shop_id = ?5)"
                             " ORDER BY created_at_ms, decision_id LIMIT ?6 OFFSET ?7");
    if (!statement) return unexpected(statement.error());
    sqlite3_stmt* s = statement->get();
    Binder(s)
        .text(f.status)
        .text(f.kind)
        .text(f.claimed_by)
        .text(f.channel)
        .text(f.shop_id)
        .integer(static_cast<std::int64_t>(f.limit))
        .integer(static_cast<std::int64_t>(f.offset));
    std::vector<ReviewItem> out;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back(item_of(s));
    if (rc != SQLITE_DONE) return unexpected(unavailable(sqlite::error(db_.get(), "listing the review queue")));
    return out;
  }

  expected<std::optional<ReviewItem>, ReviewError> find(std::string_view decision_id) override {
    std::lock_guard lock(mutex_);
    return current(decision_id);
  }

  expected<std::vector<AuditEntry>, ReviewError> audit(std::string_view subject) override {
    std::lock_guard lock(mutex_);
    auto statement = prepare("SELECT id, at_ms, actor, action, subject, details FROM audit_log WHERE subject = ?1 ORDER BY id");
    if (!statement) return unexpected(statement.error());
    sqlite3_stmt* s = statement->get();
    Binder(s).text(subject);
    std::vector<AuditEntry> out;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
      out.push_back({sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), column_text(s, 2), column_text(s, 3),
                     column_text(s, 4), column_text(s, 5)});
    if (rc != SQLITE_DONE) return unexpected(unavailable(sqlite::error(db_.get(), "reading the audit log")));
    return out;
  }

 private:
  static const std::string& sql_for(Action action) {
    static const std::string claim =
        "UPDATE review_items SET status = 'claimed', claimed_by = ?2, claimed_at_ms = ?3"
        " WHERE decision_id = ?1 AND (status = 'pending' OR (status = 'claimed' AND claimed_by <> ?2 AND claimed_at_ms < ?3 - " +
        std::to_string(std::chrono::milliseconds(claim_lapse).count()) + "))";
    static const std::string release =
        "UPDATE review_items SET status = 'pending', claimed_by = NULL, claimed_at_ms = NULL"
        " WHERE decision_id = ?1 AND status = 'claimed' AND claimed_by = ?2 AND ?3 IS NOT NULL";
    static const std::string decide =
        "UPDATE review_items SET status = 'decided', final_outcome = ?4, decided_by = ?2,"
        " decided_at_ms = ?3, reason = ?5"
        " WHERE decision_id = ?1 AND status = 'claimed' AND claimed_by = ?2";
    static const std::string override =
        "INSERT INTO review_items (decision_id, kind, status, created_at_ms, automated_outcome, channel,"
        "  shop_id, claimed_by, claimed_at_ms, final_outcome, decided_by, decided_at_ms, reason)"
        " SELECT decision_id, 'override', 'decided', ?3, outcome, channel, shop_id, ?2, ?3, ?4, ?2, ?3, ?5"
        " FROM decisions WHERE decision_id = ?1"
        " ON CONFLICT (decision_id) DO UPDATE SET kind = 'override', final_outcome = excluded.final_outcome,"
        "  decided_by = excluded.decided_by, decided_at_ms = excluded.decided_at_ms, reason = excluded.reason"
        "  WHERE review_items.status = 'decided'";
    switch (action) {
      case Action::Claim: return claim;
      case Action::Release: return release;
      case Action::Decide: return decide;
      case Action::Override: return override;
    }
    return claim;
  }

  expected<sqlite::Statement, ReviewError> prepare(const std::string& sql) {
    auto s = sqlite::prepare(db_.get(), sql);
    if (!s) return unexpected(unavailable(s.error()));
    return std::move(*s);
  }

  expected<std::optional<ReviewItem>, ReviewError> current(std::string_view decision_id) {
    auto statement = prepare(std::string("SELECT ") + item_columns + " FROM review_items WHERE decision_id = ?1");
    if (!statement) return unexpected(statement.error());
    sqlite3_stmt* s = statement->get();
    Binder(s).text(decision_id);
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return std::optional<ReviewItem>{};
    if (rc != SQLITE_ROW) return unexpected(unavailable(sqlite::error(db_.get(), "finding a review item")));
    return std::optional<ReviewItem>{item_of(s)};
  }

  /// The conditional statement and its audit row in one write transaction (SQLite has one writer at a
  /// time, so the condition is checked and applied atomically). Parameters: ?1 decision id, ?2
  /// reviewer, ?3 now (ms), ?4 outcome, ?5 reason.
  expected<ReviewItem, ReviewError> change(Action action, std::string_view decision_id, std::string_view reviewer,
                                           std::string_view outcome, std::string_view reason) override {
    const std::string& sql = sql_for(action);
    std::lock_guard lock(mutex_);
    if (auto begun = sqlite::exec(db_.get(), "BEGIN IMMEDIATE", "starting a review change"); !begun)
      return unexpected(unavailable(begun.error()));
    auto result = change_locked(action, decision_id, reviewer, sql, outcome, reason);
    if (!result) {
      sqlite::exec(db_.get(), "ROLLBACK", "rolling back");
      return result;
    }
    if (auto committed = sqlite::exec(db_.get(), "COMMIT", "committing a review change"); !committed) {
      sqlite::exec(db_.get(), "ROLLBACK", "rolling back");
      return unexpected(unavailable(committed.error()));
    }
    return result;
  }

  expected<ReviewItem, ReviewError> change_locked(Action action, std::string_view decision_id, std::string_view reviewer,
                                                  const std::string& sql, std::string_view outcome,
                                                  std::string_view reason) {
    const std::string id(decision_id), who(reviewer);
    // The item before the change (this write transaction holds SQLite's one write lock): whose claim
    // a claim takes over, if any.
    std::optional<ReviewItem> before;
    if (action == Action::Claim) {
      auto found = current(id);
      if (!found) return unexpected(found.error());
      before = std::move(*found);
    }
    {
      auto statement = prepare(sql);
      if (!statement) return unexpected(statement.error());
      sqlite3_stmt* s = statement->get();
      Binder binder(s);
      binder.text(id).text(who).integer(now_ms());
      if (!outcome.empty()) binder.text(outcome).text(reason);
      if (!binder.ok() || sqlite3_step(s) != SQLITE_DONE)
        return unexpected(unavailable(sqlite::error(db_.get(), "changing review item " + id)));
    }
    const bool changed = sqlite3_changes(db_.get()) > 0;
    auto now = current(id);
    if (!now) return unexpected(now.error());
    if (!changed) {
      if (action == Action::Claim && *now && (*now)->status == "claimed" && (*now)->claimed_by == who) return **now;
      if (action == Action::Override && !*now)
        return unexpected(ReviewError{ReviewError::Kind::NotFound, "no stored decision " + id});
      return unexpected(review::refusal(action, id, *now, who));
    }
    auto insert = prepare("INSERT INTO audit_log (at_ms, actor, action, subject, details) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!insert) return unexpected(insert.error());
    const std::string details = review::audit_details(**now, review::taken_over_from(action, before, who));
    const std::string subject = review::audit_subject(id);
    Binder(insert->get()).integer(now_ms()).text(who).text(review::action_name(action)).text(subject).text(details);
    if (sqlite3_step(insert->get()) != SQLITE_DONE)
      return unexpected(unavailable(sqlite::error(db_.get(), "auditing review item " + id)));
    return **now;
  }

  std::mutex mutex_;
  sqlite::Database db_;
};

}  // namespace

expected<std::unique_ptr<ReviewStore>, StoreError> open_sqlite_reviews(const std::filesystem::path& file) {
  auto db = sqlite::open_database(file);
  if (!db) return unexpected(db.error());
  if (auto applied = apply_sqlite_migrations(db->get(), embedded_sqlite_migrations()); !applied)
    return unexpected(applied.error());
  return std::unique_ptr<ReviewStore>(new SqliteReviewStore(std::move(*db)));
}

}  // namespace verdict::store
