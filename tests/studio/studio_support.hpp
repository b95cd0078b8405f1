#pragma once
// Helpers for the studio tests: the sample policy as a document, generated large policies.
#include <QtTest/QtTest>

#include <string>

#include "files/policy_files.hpp"
#include "policy/policy.hpp"

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

}  // namespace verdict::studio::test
