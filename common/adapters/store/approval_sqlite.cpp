// ApprovalStore on the embedded SQLite file, acting as the configured user. The schema's triggers
// (sql/sqlite/0004_approvals.sql) hold the rules whatever the client; since SQLite's RAISE cannot
// name anyone, this class checks first and says who and what.
#include <chrono>
#include <mutex>

#include "store/approval_store.hpp"
#include "store/sqlite_store.hpp"

namespace verdict::store {

namespace {

using sqlite::Binder;
using sqlite::column_text;
using sqlite::ResetOnExit;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool blank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

std::string lower_trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  std::string out(text.substr(first, last - first + 1));
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

constexpr const char* request_columns =
    "id, policy_name, base_version, document, content_hash, kind, author, comment, submitted_at_ms, status, "
    "coalesce(decision, ''), coalesce(decided_by, ''), coalesce(decided_at_ms, 0), coalesce(decision_comment, ''), "
    "coalesce(published_by, ''), coalesce(published_at_ms, 0), coalesce(published_version, 0)";

ApprovalRequest request_from(sqlite3_stmt* s) {
  ApprovalRequest r;
  r.id = sqlite3_column_int64(s, 0);
  r.policy_name = column_text(s, 1);
  r.base_version = sqlite3_column_int(s, 2);
  r.document = column_text(s, 3);
  r.content_hash = column_text(s, 4);
  r.kind = column_text(s, 5) == "fast_track" ? RequestKind::FastTrack : RequestKind::Standard;
  r.author = column_text(s, 6);
  r.comment = column_text(s, 7);
  r.submitted_at_ms = sqlite3_column_int64(s, 8);
  r.status = status_from_string(column_text(s, 9)).value_or(RequestStatus::AwaitingApproval);
  if (const auto decision = column_text(s, 10); !decision.empty())
    r.decision = ApprovalDecision{decision == "approved", column_text(s, 11), sqlite3_column_int64(s, 12),
                                  column_text(s, 13)};
  r.published_by = column_text(s, 14);
  r.published_at_ms = sqlite3_column_int64(s, 15);
  r.published_version = sqlite3_column_int(s, 16);
  return r;
}

class SqliteApprovalStore final : public ApprovalStore {
 public:
  SqliteApprovalStore(sqlite::Database db, std::string user) : db_(std::move(db)), user_(std::move(user)) {}

  const std::string& identity() const override { return user_; }

  expected<std::vector<Role>, StoreError> roles() override {
    std::lock_guard lock(mutex_);
    return roles_locked();
  }

  expected<std::int64_t, StoreError> submit(const NewApprovalRequest& request) override {
    if (blank(request.comment))
      return unexpected(StoreError{"a comment is mandatory: say what the change does and why", false});
    std::lock_guard lock(mutex_);
    const Role needed = request.kind == RequestKind::FastTrack ? Role::Fraud : Role::Analyst;
    if (auto ok = require(needed, request.kind == RequestKind::FastTrack ? "submit a fast-track change"
                                                                         : "submit a draft for approval");
        !ok)
      return unexpected(ok.error());
    if (request.kind == RequestKind::FastTrack) {
      auto base = sqlite::prepare(db_.get(), "SELECT document FROM policy_versions WHERE name = ?1 AND version = ?2");
      if (!base) return unexpected(base.error());
      if (!Binder(base->get()).text(request.policy_name).integer(request.base_version).ok())
        return unexpected(sqlite::error(db_.get(), "reading the base version"));
      const int rc = sqlite3_step(base->get());
      if (rc == SQLITE_DONE) return unexpected(fast_track_without_base(request));
      if (rc != SQLITE_ROW) return unexpected(sqlite::error(db_.get(), "reading the base version"));
      if (auto problem = fast_track_problem(column_text(base->get(), 0), request.document))
        return unexpected(StoreError{*problem, false});
    }
    auto statement = sqlite::prepare(db_.get(),
                                     "INSERT INTO approval_requests (policy_name, base_version, document, content_hash, "
                                     "kind, author, comment, submitted_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!statement) return unexpected(statement.error());
    const bool bound = Binder(statement->get())
                           .text(request.policy_name)
                           .integer(request.base_version)
                           .text(request.document)
                           .text(request.content_hash)
                           .text(to_string(request.kind))
                           .text(user_)
                           .text(request.comment)
                           .integer(now_ms())
                           .ok();
    if (!bound || sqlite3_step(statement->get()) != SQLITE_DONE)
      return unexpected(sqlite::error(db_.get(), "submitting for approval"));
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_.get()));
  }

  expected<void, StoreError> approve(std::int64_t id, std::string_view comment) override {
    return decide(id, true, comment);
  }
  expected<void, StoreError> reject(std::int64_t id, std::string_view comment) override {
    return decide(id, false, comment);
  }

  expected<void, StoreError> mark_published(std::int64_t id, int version) override {
    std::lock_guard lock(mutex_);
    auto found = find_locked(id);
    if (!found) return unexpected(found.error());
    if (!*found) return unexpected(StoreError{"no approval request " + std::to_string(id), false});
    const ApprovalRequest& r = **found;
    const std::string name = "approval request " + std::to_string(id);
    if (r.status == RequestStatus::Published)
      return unexpected(StoreError{name + " was already published as version " + std::to_string(r.published_version), false});
    if (r.status == RequestStatus::Approved) {
      if (auto ok = require(Role::Analyst, "publish an approved policy change"); !ok) return ok;
    } else if (r.status == RequestStatus::AwaitingApproval && r.kind == RequestKind::FastTrack) {
      auto allowed = setting_locked();
      if (!allowed) return unexpected(allowed.error());
      if (!*allowed)
        return unexpected(StoreError{
            name + " is not approved yet, and publishing fast-track changes before approval is switched off", false});
      if (auto ok = require(Role::Fraud, "publish a fast-track change before approval"); !ok) return ok;
    } else {
      return unexpected(StoreError{name + " is " + std::string(to_string(r.status)) + ", not approved: it cannot be published",
                                   false});
    }
    auto statement = sqlite::prepare(db_.get(),
                                     "UPDATE approval_requests SET status = 'published', published_by = ?2, "
                                     "published_at_ms = ?3, published_version = ?4 WHERE id = ?1");
    if (!statement) return unexpected(statement.error());
    if (!Binder(statement->get()).integer(id).text(user_).integer(now_ms()).integer(version).ok() ||
        sqlite3_step(statement->get()) != SQLITE_DONE)
      return unexpected(sqlite::error(db_.get(), "marking " + name + " published"));
    return {};
  }

  expected<std::optional<ApprovalRequest>, StoreError> find(std::int64_t id) override {
    std::lock_guard lock(mutex_);
    return find_locked(id);
  }

  expected<std::vector<ApprovalRequest>, StoreError> list(const RequestFilter& filter) override {
    std::lock_guard lock(mutex_);
    auto statement = sqlite::prepare(db_.get(), std::string("SELECT ") + request_columns +
                                                    " FROM approval_requests WHERE (?1 = '' OR status = ?1) "
                                                    "AND (?2 = '' OR policy_name = ?2) "
                                                    "AND (NOT ?3 OR (status = 'published' AND decision IS NULL)) "
                                                    "ORDER BY submitted_at_ms DESC, id DESC");
    if (!statement) return unexpected(statement.error());
    if (!Binder(statement->get())
             .text(filter.status ? to_string(*filter.status) : "")
             .text(filter.policy_name)
             .integer(filter.pending_after_the_fact ? 1 : 0)
             .ok())
      return unexpected(sqlite::error(db_.get(), "listing approval requests"));
    std::vector<ApprovalRequest> out;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(statement->get())) == SQLITE_ROW) out.push_back(request_from(statement->get()));
    if (rc != SQLITE_DONE) return unexpected(sqlite::error(db_.get(), "listing approval requests"));
    return out;
  }

  expected<std::optional<ApprovalRequest>, StoreError> find_published(std::string_view policy_name,
                                                                      int version) override {
    std::lock_guard lock(mutex_);
    auto statement = sqlite::prepare(db_.get(), std::string("SELECT ") + request_columns +
                                                    " FROM approval_requests WHERE policy_name = ?1 AND "
                                                    "published_version = ?2 ORDER BY id DESC LIMIT 1");
    if (!statement) return unexpected(statement.error());
    return one_request(statement->get(), Binder(statement->get()).text(policy_name).integer(version).ok());
  }

  expected<bool, StoreError> fast_track_after_the_fact() override {
    std::lock_guard lock(mutex_);
    return setting_locked();
  }

  expected<void, StoreError> set_fast_track_after_the_fact(bool allowed) override {
    std::lock_guard lock(mutex_);
    if (auto ok = require(Role::Compliance, "change the approval settings"); !ok) return ok;
    auto statement =
        sqlite::prepare(db_.get(), "UPDATE approval_settings SET fast_track_after_the_fact = ?1, changed_by = ?2");
    if (!statement) return unexpected(statement.error());
    if (!Binder(statement->get()).integer(allowed ? 1 : 0).text(user_).ok() ||
        sqlite3_step(statement->get()) != SQLITE_DONE)
      return unexpected(sqlite::error(db_.get(), "changing the approval settings"));
    return {};
  }

  expected<std::vector<AuditEntry>, StoreError> audit_log(std::string_view subject_prefix) override {
    std::lock_guard lock(mutex_);
    auto statement = sqlite::prepare(db_.get(),
                                     "SELECT id, at_ms, actor, action, subject, details FROM audit_log "
                                     "WHERE substr(subject, 1, length(?1)) = ?1 ORDER BY id");
    if (!statement) return unexpected(statement.error());
    sqlite3_stmt* s = statement->get();
    if (!Binder(s).text(subject_prefix).ok()) return unexpected(sqlite::error(db_.get(), "reading the audit log"));
    std::vector<AuditEntry> out;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
      out.push_back({sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), column_text(s, 2), column_text(s, 3),
                     column_text(s, 4), column_text(s, 5)});
    if (rc != SQLITE_DONE) return unexpected(sqlite::error(db_.get(), "reading the audit log"));
    return out;
  }

 private:
  expected<std::vector<Role>, StoreError> roles_locked() {
    auto statement = sqlite::prepare(db_.get(), "SELECT role FROM user_roles WHERE user_name = ?1");
    if (!statement) return unexpected(statement.error());
    if (!Binder(statement->get()).text(user_).ok()) return unexpected(sqlite::error(db_.get(), "reading roles"));
    std::vector<Role> out;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(statement->get())) == SQLITE_ROW)
      if (auto role = role_from_string(column_text(statement->get(), 0))) out.push_back(*role);
    if (rc != SQLITE_DONE) return unexpected(sqlite::error(db_.get(), "reading roles"));
    return out;
  }

  expected<void, StoreError> require(Role role, std::string_view doing) {
    auto roles = roles_locked();
    if (!roles) return unexpected(roles.error());
    for (Role r : *roles)
      if (r == role) return {};
    return unexpected(missing_role(user_, role, doing));
  }

  expected<bool, StoreError> setting_locked() {
    auto statement = sqlite::prepare(db_.get(), "SELECT fast_track_after_the_fact FROM approval_settings");
    if (!statement) return unexpected(statement.error());
    if (sqlite3_step(statement->get()) != SQLITE_ROW)
      return unexpected(sqlite::error(db_.get(), "reading the approval settings"));
    return sqlite3_column_int(statement->get(), 0) != 0;
  }

  expected<std::optional<ApprovalRequest>, StoreError> one_request(sqlite3_stmt* s, bool bound) {
    if (!bound) return unexpected(sqlite::error(db_.get(), "finding an approval request"));
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return std::optional<ApprovalRequest>{};
    if (rc != SQLITE_ROW) return unexpected(sqlite::error(db_.get(), "finding an approval request"));
    return std::optional<ApprovalRequest>{request_from(s)};
  }

  expected<std::optional<ApprovalRequest>, StoreError> find_locked(std::int64_t id) {
    auto statement =
        sqlite::prepare(db_.get(), std::string("SELECT ") + request_columns + " FROM approval_requests WHERE id = ?1");
    if (!statement) return unexpected(statement.error());
    return one_request(statement->get(), Binder(statement->get()).integer(id).ok());
  }

  expected<void, StoreError> decide(std::int64_t id, bool approve, std::string_view comment) {
    if (blank(comment))
      return unexpected(StoreError{std::string("a comment is mandatory when ") + (approve ? "approving" : "rejecting"),
                                   false});
    std::lock_guard lock(mutex_);
    if (auto ok = require(Role::Approver, "approve or reject a policy change"); !ok) return ok;
    auto found = find_locked(id);
    if (!found) return unexpected(found.error());
    if (!*found) return unexpected(StoreError{"no approval request " + std::to_string(id), false});
    const ApprovalRequest& r = **found;
    if (lower_trimmed(r.author) == lower_trimmed(user_))
      return unexpected(StoreError{"four eyes: " + user_ + " submitted approval request " + std::to_string(id) +
                                       " and cannot approve or reject it; another approver must",
                                   false});
    if (r.decision)
      return unexpected(StoreError{"approval request " + std::to_string(id) + " was already " +
                                       (r.decision->approved ? "approved" : "rejected") + " by " + r.decision->by,
                                   false});
    auto statement = sqlite::prepare(
        db_.get(),
        "UPDATE approval_requests SET decision = ?2, decision_comment = ?3, decided_by = ?4, decided_at_ms = ?5, "
        "status = CASE WHEN status = 'published' THEN 'published' ELSE ?2 END WHERE id = ?1");
    if (!statement) return unexpected(statement.error());
    if (!Binder(statement->get())
             .integer(id)
             .text(approve ? "approved" : "rejected")
             .text(comment)
             .text(user_)
             .integer(now_ms())
             .ok() ||
        sqlite3_step(statement->get()) != SQLITE_DONE)
      return unexpected(sqlite::error(db_.get(), approve ? "approving" : "rejecting"));
    return {};
  }

  std::mutex mutex_;
  sqlite::Database db_;
  std::string user_;
};

}  // namespace

expected<std::unique_ptr<ApprovalStore>, StoreError> open_sqlite_approvals(const std::filesystem::path& file,
                                                                           std::string user,
                                                                           const std::filesystem::path& sql_dir) {
  if (blank(user))
    return unexpected(StoreError{"the embedded store needs a user name (the studio's or CLI's --user)", false});
  auto db = sqlite::open_migrated(file, sql_dir);
  if (!db) return unexpected(db.error());
  return std::unique_ptr<ApprovalStore>(std::make_unique<SqliteApprovalStore>(std::move(*db), std::move(user)));
}

expected<void, StoreError> grant_sqlite_role(const std::filesystem::path& file, std::string_view user, Role role,
                                             std::string_view granted_by) {
  if (blank(user) || blank(granted_by))
    return unexpected(StoreError{"granting a role needs the user's name and the granter's", false});
  auto db = sqlite::open_migrated(file, {});
  if (!db) return unexpected(db.error());
  auto statement = sqlite::prepare(
      db->get(), "INSERT INTO user_roles (user_name, role, granted_by) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
  if (!statement) return unexpected(statement.error());
  if (!Binder(statement->get()).text(user).text(to_string(role)).text(granted_by).ok() ||
      sqlite3_step(statement->get()) != SQLITE_DONE)
    return unexpected(sqlite::error(db->get(), "granting a role"));
  return {};
}

}  // namespace verdict::store
