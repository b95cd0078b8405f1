#pragma once
// Runs the real `verdict` command line in-process and keeps what it printed.
#include <QString>

#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"

namespace verdict::test {

struct CliResult {
  int code;
  QString out;
  QString err;
};

inline CliResult run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "verdict");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  const int code = cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, QString::fromStdString(out.str()), QString::fromStdString(err.str())};
}

}  // namespace verdict::test
