#pragma once
// The `verdict` command line: validate, evaluate, simulate, diff, generate, build-history, migrate.
// Exit codes: 0 ok, 1 policy or input error, 2 usage error.
#include <iosfwd>

namespace verdict::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_input_error = 1;
inline constexpr int exit_usage = 2;

int run(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace verdict::cli
