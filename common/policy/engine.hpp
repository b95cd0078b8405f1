#pragma once
// The policy engine: a policy document compiled into one immutable program. Share it as
// `std::shared_ptr<const CompiledPolicy>` between threads and swap the pointer to roll out a new
// version; evaluation reads it and never writes.
#include <memory>
#include <string>
#include <vector>

#include "domain/case.hpp"
#include "domain/decision.hpp"
#include "facts/facts.hpp"
#include "lang/runtime/program.hpp"
#include "policy/policy.hpp"

namespace verdict {

/// A problem in a policy: where (JSON pointer, and for expressions the line and column inside
/// the expression text; 0 when not an expression) and what.
struct PolicyDiagnostic {
  std::string pointer;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string message;
};

/// Per-thread working memory for evaluation; allocate once, reuse for every evaluation.
struct EvalScratch {
  std::vector<lang::Tri> results;  // one per rule, in policy order
  std::array<lang::Slot, facts::derived_field_count> derived{};
  std::uint32_t derived_known = 0;
  const NormTable* norm_table = nullptr;
  bool required_provider_missing = false;
};

class CompiledPolicy {
 public:
  /// Checks and compiles; every problem found is reported, not only the first.
  static expected<std::shared_ptr<const CompiledPolicy>, std::vector<PolicyDiagnostic>> compile(
      PolicyDocument document, std::string content_hash);

  const PolicyDocument& document() const { return document_; }
  const std::string& content_hash() const { return content_hash_; }

  EvalScratch make_scratch() const;

  /// The hot path: the outcome for one fact record, with per-rule results left in `scratch`.
  /// Allocates nothing.
  Outcome evaluate(const facts::FactView& facts, EvalScratch& scratch) const;

  /// The full decision with reasons, values, counter-offers and affordability. Allocates.
  Decision explain(const Case& c) const;
  Decision explain(const Case& c, const facts::FactView& facts, EvalScratch& scratch, Outcome outcome) const;

  /// Providers to call for this application: those whose `when` is true or unknown.
  std::vector<ProviderPlanEntry> plan(const Application& application) const;

  /// The expression of rule i, for tools that show what a rule reads.
  const lang::Expr& rule_condition(std::size_t i) const { return rules_[i].condition; }
  std::size_t rule_count() const { return rules_.size(); }

 private:
  struct CompiledRule {
    lang::Expr condition;
    bool enabled = true;
    Outcome outcome{};
    std::optional<Outcome> on_unknown;
  };
  struct CompiledOffer {
    std::optional<lang::Expr> target_credit;
  };
  struct CompiledPlanEntry {
    lang::Expr when;
  };
  struct RequiredProvider {
    std::size_t plan_index;
    std::uint16_t status_field;
  };

  CompiledPolicy() = default;
  void derive(const facts::FactView& facts, EvalScratch& scratch) const;
  lang::EvalContext context(const facts::FactView& facts, const EvalScratch& scratch) const;
  Reason make_reason(std::size_t rule_index, const facts::FactView& facts, const EvalScratch& scratch,
                     bool by_unknown) const;
  std::string render_value(std::uint16_t field, const facts::FactView& facts, const EvalScratch& scratch,
                           bool for_customer) const;
  std::string fill_template(const std::string& message, const facts::FactView& facts,
                            const EvalScratch& scratch) const;

  PolicyDocument document_;
  std::string content_hash_;
  lang::Program program_;
  lang::Symbols symbols_;
  std::vector<CompiledRule> rules_;
  std::vector<CompiledOffer> offers_;
  std::vector<CompiledPlanEntry> plan_;
  std::vector<RequiredProvider> required_;
  std::vector<const NormTable*> norm_tables_by_date_;  // newest first
};

}  // namespace verdict
