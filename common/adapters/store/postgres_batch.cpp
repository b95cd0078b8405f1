#include "store/postgres_batch.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "store/aggregates.hpp"
#include "store/json_scan.hpp"
#include "store/postgres_store.hpp"
#include "store/record_codec.hpp"

namespace verdict::store::postgres {

namespace {

// Step 1. Values are never spliced into SQL text: every statement takes arrays as parameters.
constexpr const char* claim_sql = R"sql(
INSERT INTO decision_ids (decision_id, received_at)
SELECT i.id, timestamptz 'epoch' + i.ms * interval '1 millisecond'
FROM unnest($1::uuid[], $2::bigint[]) AS i(id, ms)
ON CONFLICT (decision_id) DO NOTHING
RETURNING decision_id::text
)sql";

// Step 2 (the decision rows themselves go by COPY).
constexpr const char* keys_sql = R"sql(
INSERT INTO idempotency_keys (idempotency_key, decision_id)
SELECT * FROM unnest($1::text[], $2::uuid[])
ON CONFLICT (idempotency_key) DO NOTHING
)sql";

// A REFER is work for a person: it enters the review queue with its decision (0003).
constexpr const char* referrals_sql = R"sql(
INSERT INTO review_items (decision_id, kind, status, created_at, automated_outcome, channel, shop_id)
SELECT r.id, 'referral', 'pending', timestamptz 'epoch' + r.ms * interval '1 millisecond', 'REFER', r.channel, r.shop_id
FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[]) AS r(id, ms, channel, shop_id)
ON CONFLICT (decision_id) DO NOTHING
)sql";

// Step 3, one row per key (folded in C++), in key order.
constexpr const char* decision_counts_sql = R"sql(
INSERT INTO agg_decisions_minute AS a (minute, outcome, channel, product, decisions)
SELECT timestamptz 'epoch' + u.ms * interval '1 millisecond', u.outcome, u.channel, u.product, u.n
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS u(ms, outcome, channel, product, n)
ON CONFLICT (minute, outcome, channel, product) DO UPDATE SET decisions = a.decisions + excluded.decisions
)sql";

constexpr const char* reason_counts_sql = R"sql(
INSERT INTO agg_reasons_minute AS a (minute, reason_code, channel, product, hits)
SELECT timestamptz 'epoch' + u.ms * interval '1 millisecond', u.code, u.channel, u.product, u.n
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[]) AS u(ms, code, channel, product, n)
ON CONFLICT (minute, reason_code, channel, product) DO UPDATE SET hits = a.hits + excluded.hits
)sql";

constexpr const char* call_counts_sql = R"sql(
INSERT INTO agg_provider_calls_minute AS a (minute, provider, status, le_ms, calls, latency_ms_total)
SELECT timestamptz 'epoch' + u.ms * interval '1 millisecond', u.provider, u.status, u.le_ms, u.calls, u.total
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::integer[], $5::bigint[], $6::bigint[])
  AS u(ms, provider, status, le_ms, calls, total)
ON CONFLICT (minute, provider, status, le_ms)
  DO UPDATE SET calls = a.calls + excluded.calls, latency_ms_total = a.latency_ms_total + excluded.latency_ms_total
)sql";

// The decision rows, by COPY in binary format: per row a field count, then each field as its length
// and its bytes in the type's binary form (https://www.postgresql.org/docs/15/sql-copy.html).
constexpr const char* copy_sql =
    "COPY decisions (decision_id, received_at, idempotency_key, application_id, channel, shop_id, outcome, "
    "policy_name, policy_version, policy_hash, elapsed_ms, customer_key, case_json, decision_json, provider_calls) "
    "FROM STDIN (FORMAT binary)";
constexpr std::int16_t copy_fields = 15;

/// A PostgreSQL array literal, given as one text parameter.
class ArrayLiteral {
 public:
  /// An element that needs no quoting (UUIDs, integers).
  void plain(std::string_view value) {
    separate();
    text_.append(value);
  }
  void number(std::int64_t value) { plain(std::to_string(value)); }
  /// Any text, double-quoted ('"' and '\' escaped), so nothing in it reads as array syntax.
  void quoted(std::string_view value) {
    separate();
    text_ += '"';
    for (const char c : value) {
      if (c == '"' || c == '\\') text_ += '\\';
      text_ += c;
    }
    text_ += '"';
  }
  std::string done() && { return std::move(text_) + '}'; }

 private:
  void separate() {
    if (text_.size() > 1) text_ += ',';
  }
  std::string text_ = "{";
};

/// A binary COPY stream: network byte order throughout.
class BinaryCopy {
 public:
  BinaryCopy() { data_.append("PGCOPY\n\377\r\n\0", 11).append(8, '\0'); }  // signature, flags, no extension

  void row(const DecisionRecord& r, std::string_view id) {
    integer<std::int16_t>(copy_fields);
    uuid(id);
    // timestamptz: microseconds since 2000-01-01 UTC. claim_sql has already turned the same
    // milliseconds into a timestamp, so they are within PostgreSQL's range and this does not overflow.
    constexpr std::int64_t postgres_epoch_ms = 946'684'800'000;
    field_of<std::int64_t>((r.received_at_ms - postgres_epoch_ms) * 1000);
    if (r.idempotency_key.empty()) integer<std::int32_t>(-1);  // NULL
    else text(r.idempotency_key);
    text(r.application_id);
    text(r.channel);
    text(r.shop_id);
    text(r.outcome);
    text(r.policy_name);
    field_of<std::int32_t>(r.policy_version);
    text(r.policy_hash);
    field_of<std::int32_t>(r.elapsed_ms);
    text(r.customer_key);
    text(r.case_json);  // json's binary form is its text
    text(r.decision_json);
    text(provider_calls_json(r.provider_calls));
  }

  void reserve(std::size_t bytes) { data_.reserve(bytes); }

  /// The stream so far, with the trailer once finished.
  std::string& finish() {
    integer<std::int16_t>(-1);
    return data_;
  }

 private:
  template <class Int>
  void integer(Int value) {
    using Unsigned = std::make_unsigned_t<Int>;
    const auto u = static_cast<Unsigned>(value);
    for (int shift = static_cast<int>(sizeof(Int) * 8) - 8; shift >= 0; shift -= 8)
      data_ += static_cast<char>((u >> shift) & 0xFFU);
  }
  template <class Int>
  void field_of(Int value) {
    integer<std::int32_t>(sizeof(Int));
    integer(value);
  }
  void text(std::string_view value) {
    integer<std::int32_t>(static_cast<std::int32_t>(value.size()));
    data_.append(value);
  }
  /// A UUID's 16 bytes from its canonical text (checked by the caller, lower-cased by PostgreSQL).
  void uuid(std::string_view id) {
    integer<std::int32_t>(16);
    auto nibble = [](char c) { return static_cast<unsigned>(c <= '9' ? c - '0' : c - 'a' + 10); };
    unsigned byte = 0;
    bool high = true;
    for (const char c : id) {
      if (c == '-') continue;
      if (high) byte = nibble(c) << 4;
      else data_ += static_cast<char>(byte | nibble(c));
      high = !high;
    }
  }

  std::string data_;
};

/// Thrown inside this file only: BatchWriter::write answers it as a StoreError.
struct Failure {
  StoreError error;
};

std::string first_line(const char* text) {
  std::string s(text ? text : "");
  if (const auto end = s.find('\n'); end != std::string::npos) s.resize(end);
  return s;
}

}  // namespace

/// A libpq connection with the write statements prepared. Every failure is thrown as a Failure.
class BatchWriter::Connection {
 public:
  using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

  explicit Connection(const std::string& url) : conn_(PQconnectdb(connection_string(url).c_str()), &PQfinish) {
    if (!ok()) throw Failure{{"connection failed: " + first_line(PQerrorMessage(conn_.get())), true}};
    if (PQsetClientEncoding(conn_.get(), "UTF8") != 0) fail(nullptr);
    // As postgres::connect() sets them for libpqxx's connections.
    exec("SET client_min_messages = warning");
    exec("SET statement_timeout = 60000");
    for (const auto& [name, sql] : {std::pair{"verdict_claim_ids", claim_sql}, {"verdict_keys", keys_sql},
                                    {"verdict_referrals", referrals_sql}, {"verdict_agg_decisions", decision_counts_sql},
                                    {"verdict_agg_reasons", reason_counts_sql}, {"verdict_agg_calls", call_counts_sql}})
      check(Result(PQprepare(conn_.get(), name, sql, 0, nullptr), &PQclear), PGRES_COMMAND_OK);
  }

  bool ok() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }

  void exec(const char* sql) { check(Result(PQexec(conn_.get(), sql), &PQclear), PGRES_COMMAND_OK); }

  /// A prepared statement with text parameters.
  Result exec_prepared(const char* name, std::initializer_list<const std::string*> params,
                       ExecStatusType want = PGRES_COMMAND_OK) {
    std::vector<const char*> values;
    for (const auto* p : params) values.push_back(p->c_str());
    Result r(PQexecPrepared(conn_.get(), name, static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0),
             &PQclear);
    check(r, want);
    return r;
  }

  /// COPY ... FROM STDIN with `data` as the whole stream.
  void copy(const char* sql, const std::string& data) {
    check(Result(PQexec(conn_.get(), sql), &PQclear), PGRES_COPY_IN);
    constexpr std::size_t chunk = 1 << 20;
    for (std::size_t at = 0; at < data.size(); at += chunk) {
      const auto n = std::min(chunk, data.size() - at);
      if (PQputCopyData(conn_.get(), data.data() + at, static_cast<int>(n)) != 1) fail(nullptr);
    }
    if (PQputCopyEnd(conn_.get(), nullptr) != 1) fail(nullptr);
    // The server answers the COPY once the stream has ended: with its error, if a row was refused.
    Result end(PQgetResult(conn_.get()), &PQclear);
    while (PGresult* more = PQgetResult(conn_.get())) PQclear(more);
    check(end, PGRES_COMMAND_OK);
  }

  /// Ends a failed transaction, keeping the connection. Errors here mean it is gone anyway.
  void rollback() { Result(PQexec(conn_.get(), "ROLLBACK"), &PQclear); }

 private:
  void check(const Result& r, ExecStatusType want) {
    if (!r || PQresultStatus(r.get()) != want) fail(r.get());
  }

  /// Throws the failure `r` reports (or the connection's, without a result), as current_error() would.
  [[noreturn]] void fail(const PGresult* r) {
    const char* sqlstate = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string message = first_line(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_.get()));
    if (message.empty()) message = first_line(PQerrorMessage(conn_.get()));
    if (message.empty()) message = "unexpected answer from the server";
    const bool lost = !ok();
    if (lost) throw Failure{{"connection failed: " + message, true}};
    if (sqlstate) throw Failure{{message + " (SQLSTATE " + sqlstate + ")", transient_sqlstate(sqlstate)}};
    throw Failure{{message, false}};
  }

  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_{nullptr, &PQfinish};
};

namespace {

/// The chart aggregates of the claimed records, keyed and so ordered as their primary keys.
struct Aggregates {
  std::map<std::tuple<std::int64_t, std::string, std::string, std::string>, std::int64_t> decisions, reasons;
  std::map<std::tuple<std::int64_t, std::string, std::string, int>, std::pair<std::int64_t, std::int64_t>> calls;

  void add(const DecisionRecord& r) {
    const std::int64_t minute = aggregates::minute_of(r.received_at_ms);
    const std::string product = case_product(r.case_json);
    ++decisions[{minute, r.outcome, r.channel, product}];
    for (auto& code : reason_codes(r.decision_json)) ++reasons[{minute, std::move(code), r.channel, product}];
    for (const auto& c : r.provider_calls) {
      auto& [count, total] = calls[{minute, c.provider, std::string(aggregates::call_status(c)),
                                    aggregates::latency_bucket_ms(c.latency_ms)}];
      ++count;
      total += std::max(c.latency_ms, 0);
    }
  }

  void write(BatchWriter::Connection& conn) const {
    auto counts = [&](const char* statement, const auto& map) {
      if (map.empty()) return;
      ArrayLiteral minutes, a, b, c, n;
      for (const auto& [key, count] : map) {
        minutes.number(std::get<0>(key));
        a.quoted(std::get<1>(key));
        b.quoted(std::get<2>(key));
        c.quoted(std::get<3>(key));
        n.number(count);
      }
      const std::string params[] = {std::move(minutes).done(), std::move(a).done(), std::move(b).done(),
                                    std::move(c).done(), std::move(n).done()};
      conn.exec_prepared(statement, {&params[0], &params[1], &params[2], &params[3], &params[4]});
    };
    counts("verdict_agg_decisions", decisions);
    counts("verdict_agg_reasons", reasons);
    if (calls.empty()) return;
    ArrayLiteral minutes, providers, statuses, buckets, counts_, totals;
    for (const auto& [key, value] : calls) {
      minutes.number(std::get<0>(key));
      providers.quoted(std::get<1>(key));
      statuses.quoted(std::get<2>(key));
      buckets.number(std::get<3>(key));
      counts_.number(value.first);
      totals.number(value.second);
    }
    const std::string params[] = {std::move(minutes).done(), std::move(providers).done(), std::move(statuses).done(),
                                  std::move(buckets).done(),  std::move(counts_).done(),   std::move(totals).done()};
    conn.exec_prepared("verdict_agg_calls", {&params[0], &params[1], &params[2], &params[3], &params[4], &params[5]});
  }
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}


/// Steps 1 to 3 of BatchWriter::write, inside its transaction.
void write_batch(BatchWriter::Connection& conn, std::span<const DecisionRecord> batch) {
  std::vector<std::string> ids;  // lower case, as PostgreSQL answers them
  ids.reserve(batch.size());
  for (const auto& r : batch) ids.push_back(lower(r.decision_id));

  // 1. Claim the ids, in id order (two writers of overlapping batches lock them in the same order).
  std::vector<std::pair<std::string_view, std::int64_t>> order;
  order.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) order.emplace_back(ids[i], batch[i].received_at_ms);
  std::sort(order.begin(), order.end());
  ArrayLiteral id_array, ms_array;
  for (const auto& [id, ms] : order) {
    id_array.plain(id);
    ms_array.number(ms);
  }
  const std::string claim_ids = std::move(id_array).done(), claim_ms = std::move(ms_array).done();
  const auto claimed_rows = conn.exec_prepared("verdict_claim_ids", {&claim_ids, &claim_ms}, PGRES_TUPLES_OK);
  std::unordered_set<std::string> claimed;
  for (int row = 0; row < PQntuples(claimed_rows.get()); ++row) claimed.emplace(PQgetvalue(claimed_rows.get(), row, 0));
  if (claimed.empty()) return;

  // 2. The claimed records, each once (the first of a repeated id).
  BinaryCopy rows;
  std::size_t bytes = 0;
  for (const auto& r : batch) bytes += r.case_json.size() + r.decision_json.size() + 128 * r.provider_calls.size() + 512;
  rows.reserve(bytes);
  ArrayLiteral key_names, key_ids, referral_ids, referral_ms, referral_channels, referral_shops;
  bool any_key = false, any_referral = false;
  Aggregates aggregates;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& r = batch[i];
    const auto& id = ids[i];
    if (claimed.erase(id) == 0) continue;
    rows.row(r, id);
    if (!r.idempotency_key.empty()) {
      key_names.quoted(r.idempotency_key);
      key_ids.plain(id);
      any_key = true;
    }
    if (r.outcome == "REFER") {
      referral_ids.plain(id);
      referral_ms.number(r.received_at_ms);
      referral_channels.quoted(r.channel);
      referral_shops.quoted(r.shop_id);
      any_referral = true;
    }
    aggregates.add(r);
  }
  conn.copy(copy_sql, rows.finish());
  if (any_key) {
    const std::string names = std::move(key_names).done(), of = std::move(key_ids).done();
    conn.exec_prepared("verdict_keys", {&names, &of});
  }
  if (any_referral) {
    const std::string params[] = {std::move(referral_ids).done(), std::move(referral_ms).done(),
                                  std::move(referral_channels).done(), std::move(referral_shops).done()};
    conn.exec_prepared("verdict_referrals", {&params[0], &params[1], &params[2], &params[3]});
  }

  // 3. The aggregates, last: their rows are what concurrent writers share, so they are held the
  // shortest while.
  aggregates.write(conn);
}

}  // namespace

BatchWriter::BatchWriter(std::string url) : url_(std::move(url)) {}
BatchWriter::~BatchWriter() = default;

expected<void, StoreError> BatchWriter::write(std::span<const DecisionRecord> batch) {
  std::lock_guard lock(mutex_);
  try {
    if (!conn_ || !conn_->ok()) {
      conn_.reset();
      conn_ = std::make_unique<Connection>(url_);
    }
    conn_->exec("BEGIN");
    write_batch(*conn_, batch);
    conn_->exec("COMMIT");  // lost on the way: transient, and writing the batch again is harmless
    return {};
  } catch (const Failure& f) {
    // A transient failure drops the connection, so the next call starts afresh (as Session does).
    if (f.error.transient || !conn_ || !conn_->ok()) conn_.reset();
    else conn_->rollback();
    return unexpected(StoreError{"writing decisions: " + f.error.message, f.error.transient});
  } catch (const std::exception& e) {
    if (conn_ && conn_->ok()) conn_->rollback();
    return unexpected(StoreError{std::string("writing decisions: ") + e.what(), false});
  }
}

}  // namespace verdict::store::postgres
