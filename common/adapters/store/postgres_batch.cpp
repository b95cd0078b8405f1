#include "store/postgres_batch.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "store/aggregates.hpp"
#include "store/json_scan.hpp"

namespace verdict::store::postgres {

namespace {

// Step 1. Values are never spliced into SQL text: every statement takes arrays as parameters.
constexpr const char* claim_sql = R"sql(
INSERT INTO decision_ids (decision_id, received_at)
SELECT i.id, timestamptz 'epoch' + i.ms * interval '1 millisecond'
FROM unnest($1::uuid[], $2::bigint[]) AS i(id, ms)
ON CONFLICT (decision_id) DO NOTHING
RETURNING decision_id::text, received_at::text
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
SELECT r.id, 'referral', 'pending', r.at, 'REFER', r.channel, r.shop_id
FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[]) AS r(id, at, channel, shop_id)
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

const std::vector<std::string> decision_columns{
    "decision_id", "received_at", "idempotency_key", "application_id", "channel",   "shop_id",       "outcome",
    "policy_name", "policy_version", "policy_hash",  "elapsed_ms",     "customer_key", "case_json", "decision_json",
    "provider_calls"};

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

/// COPY's text format: backslash, newline, carriage return and tab are escaped; nothing else is special.
void append_copy_field(std::string& out, std::string_view s) {
  std::size_t from = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    char escaped = 0;
    if (c == '\\') escaped = '\\';
    else if (c == '\n') escaped = 'n';
    else if (c == '\r') escaped = 'r';
    else if (c == '\t') escaped = 't';
    else continue;
    out.append(s.substr(from, i - from));
    out += '\\';
    out += escaped;
    from = i + 1;
  }
  out.append(s.substr(from));
}

/// A JSON string literal. Plain ASCII is written as it is; anything else is left to nlohmann_json
/// (escapes, and invalid UTF-8 replaced as the rest of the record's JSON is).
void append_json_string(std::string& out, std::string_view s) {
  const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
  });
  if (plain) {
    out += '"';
    out.append(s);
    out += '"';
  } else {
    out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

/// The provider calls as the jsonb array 0005 keeps in the decision row.
std::string calls_json(const std::vector<DecisionRecord::ProviderCall>& calls) {
  std::string out = "[";
  for (const auto& c : calls) {
    if (out.size() > 1) out += ',';
    out += "{\"provider\":";
    append_json_string(out, c.provider);
    out += ",\"status\":";
    append_json_string(out, c.status);
    out += ",\"latency_ms\":" + std::to_string(c.latency_ms);
    out += c.cached ? ",\"cached\":true" : ",\"cached\":false";
    out += ",\"error\":";
    append_json_string(out, c.error);
    out += '}';
  }
  return out + ']';
}

/// One COPY line of `decisions` (without the newline).
std::string decision_line(const DecisionRecord& r, std::string_view id, std::string_view received_at) {
  std::string line;
  line.reserve(r.case_json.size() + r.decision_json.size() + 512);
  auto field = [&](std::string_view value) {
    append_copy_field(line, value);
    line += '\t';
  };
  field(id);
  field(received_at);
  if (r.idempotency_key.empty()) line += "\\N\t";
  else field(r.idempotency_key);
  field(r.application_id);
  field(r.channel);
  field(r.shop_id);
  field(r.outcome);
  field(r.policy_name);
  field(std::to_string(r.policy_version));
  field(r.policy_hash);
  field(std::to_string(r.elapsed_ms));
  field(r.customer_key);
  field(r.case_json);
  field(r.decision_json);
  append_copy_field(line, calls_json(r.provider_calls));
  return line;
}

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

  void write(pqxx::work& t) const {
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
      t.exec_prepared0(statement, std::move(minutes).done(), std::move(a).done(), std::move(b).done(),
                       std::move(c).done(), std::move(n).done());
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
    t.exec_prepared0("verdict_agg_calls", std::move(minutes).done(), std::move(providers).done(),
                     std::move(statuses).done(), std::move(buckets).done(), std::move(counts_).done(),
                     std::move(totals).done());
  }
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

void prepare_batch_statements(pqxx::connection& conn) {
  conn.prepare("verdict_claim_ids", claim_sql);
  conn.prepare("verdict_keys", keys_sql);
  conn.prepare("verdict_referrals", referrals_sql);
  conn.prepare("verdict_agg_decisions", decision_counts_sql);
  conn.prepare("verdict_agg_reasons", reason_counts_sql);
  conn.prepare("verdict_agg_calls", call_counts_sql);
}

void write_batch(pqxx::work& t, std::span<const DecisionRecord> batch) {
  // 1. Claim the ids, in id order (two writers of overlapping batches lock them in the same order).
  std::vector<std::pair<std::string, std::int64_t>> ids;
  ids.reserve(batch.size());
  for (const auto& r : batch) ids.emplace_back(lower(r.decision_id), r.received_at_ms);
  std::sort(ids.begin(), ids.end());
  ArrayLiteral id_array, ms_array;
  for (const auto& [id, ms] : ids) {
    id_array.plain(id);
    ms_array.number(ms);
  }
  std::unordered_map<std::string, std::string> claimed;  // id -> received_at, as PostgreSQL wrote it
  for (const auto& row : t.exec_prepared("verdict_claim_ids", std::move(id_array).done(), std::move(ms_array).done()))
    claimed.emplace(row[0].as<std::string>(), row[1].as<std::string>());
  if (claimed.empty()) return;

  // 2. The claimed records, each once (the first of a repeated id).
  ArrayLiteral key_names, key_ids, referral_ids, referral_at, referral_channels, referral_shops;
  bool any_key = false, any_referral = false;
  Aggregates aggregates;
  {
    // tablewriter is libpqxx 6.4's only COPY writer that takes a line as it is; its replacement
    // (stream_to) would escape each field again, character by character.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    pqxx::tablewriter copy(t, "decisions", decision_columns.begin(), decision_columns.end());
#pragma GCC diagnostic pop
    for (const auto& r : batch) {
      const auto found = claimed.find(lower(r.decision_id));
      if (found == claimed.end()) continue;
      const auto& [id, received_at] = *found;
      copy.write_raw_line(decision_line(r, id, received_at));
      if (!r.idempotency_key.empty()) {
        key_names.quoted(r.idempotency_key);
        key_ids.plain(id);
        any_key = true;
      }
      if (r.outcome == "REFER") {
        referral_ids.plain(id);
        referral_at.quoted(received_at);
        referral_channels.quoted(r.channel);
        referral_shops.quoted(r.shop_id);
        any_referral = true;
      }
      aggregates.add(r);
      claimed.erase(found);
    }
    copy.complete();
  }
  if (any_key) t.exec_prepared0("verdict_keys", std::move(key_names).done(), std::move(key_ids).done());
  if (any_referral)
    t.exec_prepared0("verdict_referrals", std::move(referral_ids).done(), std::move(referral_at).done(),
                     std::move(referral_channels).done(), std::move(referral_shops).done());

  // 3. The aggregates, last: their rows are what concurrent writers share, so they are held the
  // shortest while.
  aggregates.write(t);
}

}  // namespace verdict::store::postgres
