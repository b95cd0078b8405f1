#pragma once
// Helpers for the studio tests: the sample policy as a document, generated large policies, and
// decisions recorded as verdictd stores them.
#include <QtTest/QtTest>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "crypto/hashing.hpp"
#include "domain/codec.hpp"
#include "files/policy_files.hpp"
#include "policy/policy.hpp"
#include "store/compliance_store.hpp"
#include "store/decision_store.hpp"
#include "store/record_codec.hpp"

namespace verdict::studio::test {

inline std::string sourcePath(const std::string& relative) { return std::string(VERDICT_SOURCE_DIR) + "/" + relative; }

inline verdict::PolicyDocument samplePolicy() {
  auto document = files::read_policy_document(sourcePath("resources/policy/sample-policy.json"));
  if (!document) qFatal("sample policy: %s", document.error().front().to_string().c_str());
  return *document;
}

/// The sample policy grown to `rules` rules: copies of the sample rules with new ids, every tenth
/// disabled, tags extended with a bucket tag, so filters and compilation see realistic variety.
inline verdict::PolicyDocument largePolicy(std::size_t rules) {
  verdict::PolicyDocument document = samplePolicy();
  const auto base = document.rules;
  document.rules.clear();
  for (std::size_t i = 0; i < rules; ++i) {
    Rule r = base[i % base.size()];
    if (i >= base.size()) r.id += "_" + std::to_string(i);
    r.tags.push_back("bucket" + std::to_string(i % 50));
    if (i % 10 == 9) r.enabled = false;
    if (!r.counter_offers.empty() && i >= base.size()) r.outcome = Outcome::AcceptSimOnly;
    document.rules.push_back(std::move(r));
  }
  return document;
}

template <class T>
T ok(expected<T, store::StoreError> result, const char* what) {
  if (!result) qFatal("%s: %s", what, result.error().message.c_str());
  return std::move(*result);
}

inline void ok(expected<void, store::StoreError> result, const char* what) {
  if (!result) qFatal("%s: %s", what, result.error().message.c_str());
}

constexpr const char* identifier_key = "studio-test-key";
constexpr std::int64_t received_at = 1796083200000;  // 2026-12-01T00:00:00Z

/// A decision as verdictd stores it: case `c` decided by the sample policy, received at `receivedAt`.
inline store::DecisionRecord decidedCase(const std::string& id, const Case& decidedOn, std::int64_t receivedAt) {
  static const auto policy = files::load_policy(sourcePath("resources/policy/sample-policy.json"));
  if (!policy) qFatal("sample policy does not load");
  const Case* c = &decidedOn;
  const Decision decision = (*policy)->explain(*c);
  const auto& a = c->application.applicant;
  const std::string birth = format_iso_date(a.date_of_birth);
  const crypto::CustomerIdentifiers who{a.last_name, birth, a.address.postcode, a.address.house_number};
  store::DecisionRecord r = store::record_of(*c, decision, {id, store::iso_utc_ms(receivedAt), 41}, receivedAt,
                                             crypto::customer_key(identifier_key, who));
  r.provider_calls = {{"bkr", "ok", 180, false, ""}, {"iban_check", "unavailable", 800, false, "timeout after 800 ms"}};
  return r;
}

/// The sample case `caseFile` (resources/samples/<caseFile>.json) decided by the sample policy.
inline store::DecisionRecord decided(const std::string& id, const std::string& caseFile = "case-accept",
                                     std::int64_t receivedAt = received_at) {
  std::ifstream in(sourcePath("resources/samples/" + caseFile + ".json"));
  auto c = decode_case(nlohmann::json::parse(in));
  if (!c) qFatal("sample case does not decode");
  return decidedCase(id, *c, receivedAt);
}

}  // namespace verdict::studio::test
