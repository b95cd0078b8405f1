// ApprovalStore on PostgreSQL. The schema (0004_approvals.sql) does the real work: its triggers take
// the identity from session_user, check the roles, refuse author = approver and write the audit log.
// This class only maps rows and makes the database's refusals read well.
#include <algorithm>

#include "store/approval_store.hpp"
#include "store/postgres_store.hpp"

namespace verdict::store {

namespace {

constexpr const char* request_columns = R"sql(
  id, policy_name, base_version, document::text, content_hash, kind, author, comment,
  (extract(epoch FROM submitted_at) * 1000)::bigint, status, coalesce(decision, ''), coalesce(decided_by, ''),
  coalesce((extract(epoch FROM decided_at) * 1000)::bigint, 0), coalesce(decision_comment, ''),
  coalesce(published_by, ''), coalesce((extract(epoch FROM published_at) * 1000)::bigint, 0),
  coalesce(published_version, 0)
)sql";

ApprovalRequest request_from(const pqxx::row& row) {
  ApprovalRequest r;
  r.id = row[0].as<std::int64_t>();
  r.policy_name = row[1].as<std::string>();
  r.base_version = row[2].as<int>();
  r.document = row[3].as<std::string>();
  r.content_hash = row[4].as<std::string>();
  r.kind = row[5].as<std::string>() == "fast_track" ? RequestKind::FastTrack : RequestKind::Standard;
  r.author = row[6].as<std::string>();
  r.comment = row[7].as<std::string>();
  r.submitted_at_ms = row[8].as<std::int64_t>();
  r.status = status_from_string(row[9].as<std::string>()).value_or(RequestStatus::AwaitingApproval);
  if (const auto decision = row[10].as<std::string>(); !decision.empty())
    r.decision = ApprovalDecision{decision == "approved", row[11].as<std::string>(), row[12].as<std::int64_t>(),
                                  row[13].as<std::string>()};
  r.published_by = row[14].as<std::string>();
  r.published_at_ms = row[15].as<std::int64_t>();
  r.published_version = row[16].as<int>();
  return r;
}

/// The server's "ERROR:  four eyes: …" without the severity, which means nothing to an analyst.
StoreError readable(StoreError error) {
  for (std::string_view noise : {"ERROR:  ", "ERROR: "})
    if (const auto at = error.message.find(noise); at != std::string::npos) error.message.erase(at, noise.size());
  return error;
}

template <class T>
expected<T, StoreError> readable(expected<T, StoreError> result) {
  if (!result) return unexpected(readable(result.error()));
  return result;
}

class PostgresApprovalStore final : public ApprovalStore {
 public:
  explicit PostgresApprovalStore(const std::string& url) : session_(url) {}

  expected<void, StoreError> open() {
    auto who = session_.run("opening the approval store", [](pqxx::connection& conn) -> expected<std::string, StoreError> {
      pqxx::read_transaction t(conn);
      if (!t.exec1("SELECT to_regclass('approval_requests') IS NOT NULL")[0].as<bool>())
        return unexpected(StoreError{
            "the database has no approval_requests table (migration 0004); run `verdict migrate --postgres URL`", false});
      return t.exec1("SELECT session_user::text")[0].as<std::string>();
    });
    if (!who) return unexpected(who.error());
    identity_ = *who;
    return {};
  }

  const std::string& identity() const override { return identity_; }

  expected<std::vector<Role>, StoreError> roles() override {
    return session_.run("reading roles", [](pqxx::connection& conn) {
      pqxx::read_transaction t(conn);
      std::vector<Role> out;
      for (Role role : {Role::Analyst, Role::Approver, Role::Fraud, Role::Compliance}) {
        const std::string group = "verdict_" + std::string(to_string(role));
        if (t.exec_params1("SELECT pg_has_role(session_user, $1, 'MEMBER')", group)[0].as<bool>()) out.push_back(role);
      }
      return out;
    });
  }

  expected<std::int64_t, StoreError> submit(const NewApprovalRequest& request) override {
    if (request.comment.find_first_not_of(" \t\r\n") == std::string::npos)
      return unexpected(StoreError{"a comment is mandatory: say what the change does and why", false});
    // The database refuses a login without the role too, but as "permission denied for table".
    if (auto ok = require(request.kind == RequestKind::FastTrack ? Role::Fraud : Role::Analyst,
                          request.kind == RequestKind::FastTrack ? "submit a fast-track change"
                                                                 : "submit a draft for approval");
        !ok)
      return unexpected(ok.error());
    return readable(session_.run("submitting for approval", [&](pqxx::connection& conn) -> expected<std::int64_t, StoreError> {
      pqxx::work t(conn);
      if (request.kind == RequestKind::FastTrack) {
        const auto base = t.exec_params("SELECT document::text FROM policy_versions WHERE name = $1 AND version = $2",
                                        request.policy_name, request.base_version);
        if (base.empty()) return unexpected(fast_track_without_base(request));
        if (auto problem = fast_track_problem(base[0][0].as<std::string>(), request.document))
          return unexpected(StoreError{*problem, false});
      }
      const auto id = t.exec_params1(
                           "INSERT INTO approval_requests (policy_name, base_version, document, content_hash, kind, comment) "
                           "VALUES ($1, $2, $3::jsonb, $4, $5, $6) RETURNING id",
                           request.policy_name, request.base_version, request.document, request.content_hash,
                           std::string(to_string(request.kind)), request.comment)[0]
                          .as<std::int64_t>();
      t.commit();
      return id;
    }));
  }

  expected<void, StoreError> approve(std::int64_t id, std::string_view comment) override {
    return decide(id, true, comment);
  }
  expected<void, StoreError> reject(std::int64_t id, std::string_view comment) override {
    return decide(id, false, comment);
  }

  expected<void, StoreError> mark_published(std::int64_t id, int version) override {
    return readable(session_.run("marking a request published", [&](pqxx::connection& conn) -> expected<void, StoreError> {
      pqxx::work t(conn);
      const auto rows = t.exec_params(
          "UPDATE approval_requests SET status = 'published', published_version = $2, published_by = session_user, "
          "published_at = now() WHERE id = $1",
          id, version);
      if (rows.affected_rows() == 0) return unexpected(StoreError{"no approval request " + std::to_string(id), false});
      t.commit();
      return {};
    }));
  }

  expected<std::optional<ApprovalRequest>, StoreError> find(std::int64_t id) override {
    return session_.run("finding an approval request", [&](pqxx::connection& conn) -> std::optional<ApprovalRequest> {
      pqxx::read_transaction t(conn);
      const auto rows =
          t.exec_params(std::string("SELECT ") + request_columns + " FROM approval_requests WHERE id = $1", id);
      if (rows.empty()) return std::nullopt;
      return request_from(rows[0]);
    });
  }

  expected<std::vector<ApprovalRequest>, StoreError> list(const RequestFilter& filter) override {
    const std::string status = filter.status ? std::string(to_string(*filter.status)) : "";
    return session_.run("listing approval requests", [&](pqxx::connection& conn) {
      pqxx::read_transaction t(conn);
      std::vector<ApprovalRequest> out;
      for (const auto& row : t.exec_params(std::string("SELECT ") + request_columns +
                                               " FROM approval_requests WHERE ($1 = '' OR status = $1) "
                                               "AND ($2 = '' OR policy_name = $2) "
                                               "AND (NOT $3 OR (status = 'published' AND decision IS NULL)) "
                                               "ORDER BY submitted_at DESC, id DESC",
                                           status, filter.policy_name, filter.pending_after_the_fact))
        out.push_back(request_from(row));
      return out;
    });
  }

  expected<std::optional<ApprovalRequest>, StoreError> find_published(std::string_view policy_name,
                                                                      int version) override {
    const std::string name(policy_name);
    return session_.run("finding a published request", [&](pqxx::connection& conn) -> std::optional<ApprovalRequest> {
      pqxx::read_transaction t(conn);
      const auto rows = t.exec_params(std::string("SELECT ") + request_columns +
                                          " FROM approval_requests WHERE policy_name = $1 AND published_version = $2 "
                                          "ORDER BY id DESC LIMIT 1",
                                      name, version);
      if (rows.empty()) return std::nullopt;
      return request_from(rows[0]);
    });
  }

  expected<bool, StoreError> fast_track_after_the_fact() override {
    return session_.run("reading the approval settings", [](pqxx::connection& conn) {
      pqxx::read_transaction t(conn);
      return t.exec1("SELECT fast_track_after_the_fact FROM approval_settings")[0].as<bool>();
    });
  }

  expected<void, StoreError> set_fast_track_after_the_fact(bool allowed) override {
    if (auto ok = require(Role::Compliance, "change the approval settings"); !ok) return ok;
    return readable(session_.run("changing the approval settings", [&](pqxx::connection& conn) {
      pqxx::work t(conn);
      t.exec_params0("UPDATE approval_settings SET fast_track_after_the_fact = $1", allowed);
      t.commit();
    }));
  }

  expected<std::vector<AuditEntry>, StoreError> audit_log(std::string_view subject_prefix) override {
    const std::string prefix(subject_prefix);
    return session_.run("reading the audit log", [&](pqxx::connection& conn) {
      pqxx::read_transaction t(conn);
      std::vector<AuditEntry> out;
      for (const auto& row : t.exec_params(
               "SELECT id, (extract(epoch FROM at) * 1000)::bigint, actor, action, subject, details::text "
               "FROM audit_log WHERE starts_with(subject, $1) ORDER BY id",
               prefix))
        out.push_back({row[0].as<std::int64_t>(), row[1].as<std::int64_t>(), row[2].as<std::string>(),
                       row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>()});
      return out;
    });
  }

 private:
  expected<void, StoreError> require(Role role, std::string_view doing) {
    auto held = roles();
    if (!held) return unexpected(held.error());
    if (std::find(held->begin(), held->end(), role) != held->end()) return {};
    return unexpected(missing_role(identity_, role, doing));
  }

  expected<void, StoreError> decide(std::int64_t id, bool approve, std::string_view comment) {
    if (comment.find_first_not_of(" \t\r\n") == std::string_view::npos)
      return unexpected(StoreError{std::string("a comment is mandatory when ") + (approve ? "approving" : "rejecting"),
                                   false});
    if (auto ok = require(Role::Approver, "approve or reject a policy change"); !ok) return ok;
    const std::string text(comment);
    return readable(session_.run(approve ? "approving" : "rejecting", [&](pqxx::connection& conn) -> expected<void, StoreError> {
      pqxx::work t(conn);
      // A published fast-track request keeps its status; anything else moves to the decision.
      const auto rows = t.exec_params(
          "UPDATE approval_requests SET decision = $2, decision_comment = $3, decided_by = session_user, "
          "decided_at = now(), status = CASE WHEN status = 'published' THEN 'published' ELSE $2 END "
          "WHERE id = $1",
          id, std::string(approve ? "approved" : "rejected"), text);
      if (rows.affected_rows() == 0) return unexpected(StoreError{"no approval request " + std::to_string(id), false});
      t.commit();
      return {};
    }));
  }

  postgres::Session session_;
  std::string identity_;
};

}  // namespace

expected<std::unique_ptr<ApprovalStore>, StoreError> open_postgres_approvals(const std::string& url) {
  auto store = std::make_unique<PostgresApprovalStore>(url);
  if (auto opened = store->open(); !opened) return unexpected(opened.error());
  return std::unique_ptr<ApprovalStore>(std::move(store));
}

}  // namespace verdict::store
