#pragma once
// Helpers shared by the unit tests: build cases, compile and run single expressions.
#include <QtTest/QtTest>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "domain/codec.hpp"
#include "facts/facts.hpp"
#include "lang/compiler/compiler.hpp"
#include "lang/runtime/program.hpp"
#include "policy/engine.hpp"

namespace verdict::test {

inline std::string source_path(const std::string& relative) { return std::string(VERDICT_SOURCE_DIR) + "/" + relative; }

inline nlohmann::json read_json(const std::string& relative) {
  std::ifstream in(source_path(relative));
  return nlohmann::json::parse(in);
}

/// The clean sample case (ACCEPT under the sample policy).
inline Case sample_case() {
  auto c = decode_case(read_json("resources/samples/case-accept.json"));
  if (!c) qFatal("sample case does not decode: %s", c.error().summary().c_str());
  return *c;
}

/// A compiled single expression with the symbols it was compiled against.
struct CompiledExpression {
  lang::Program program;
  lang::Symbols symbols;
  std::optional<lang::Expr> expr;
  lang::Diagnostics diagnostics;
};

inline std::unique_ptr<CompiledExpression> compile_expression(const std::string& source,
                                                              lang::ValueType type = lang::ValueType::Bool,
                                                              lang::Symbols symbols = {}) {
  auto out = std::make_unique<CompiledExpression>();
  out->symbols = std::move(symbols);
  lang::Compiler compiler(out->program, out->symbols);
  out->expr = compiler.compile(source, type, out->diagnostics);
  return out;
}

/// Evaluates a bool expression against a case: "true", "false" or "unknown".
inline QString truth(const std::string& source, const Case& c, lang::Symbols symbols = {}) {
  auto compiled = compile_expression(source, lang::ValueType::Bool, std::move(symbols));
  if (!compiled->expr) {
    return QString("error: ") + QString::fromStdString(compiled->diagnostics.empty() ? "" : compiled->diagnostics[0].message);
  }
  facts::OwnedFacts facts(c);
  lang::EvalContext ctx{facts.view(), nullptr, 0};
  switch (lang::run_condition(compiled->program, *compiled->expr, ctx, nullptr)) {
    case lang::Tri::True: return "true";
    case lang::Tri::False: return "false";
    case lang::Tri::Unknown: return "unknown";
  }
  return "?";
}

inline std::shared_ptr<const CompiledPolicy> sample_policy() {
  auto doc = decode_policy(read_json("resources/policy/sample-policy.json"));
  if (!doc) qFatal("sample policy does not decode: %s", doc.error().summary().c_str());
  auto compiled = CompiledPolicy::compile(std::move(*doc), "test");
  if (!compiled) qFatal("sample policy does not compile: %s", compiled.error()[0].message.c_str());
  return *compiled;
}

}  // namespace verdict::test
