#pragma once
// The CLI twins of the studio's publish and compliance views: request-approval, approve, reject,
// publish-approved, approvals, grant-role, history, lookup, replay, export. Each talks to the production store
// (--postgres URL: the login in the URL is who acts) or the embedded file (--sqlite FILE --user NAME).
#include <iosfwd>
#include <memory>
#include <optional>

namespace CLI {
class App;
}

namespace verdict::cli {

class StudioCommands {
 public:
  /// Adds the subcommands to `app`; their arguments live in this object.
  explicit StudioCommands(CLI::App& app);
  ~StudioCommands();
  StudioCommands(const StudioCommands&) = delete;
  StudioCommands& operator=(const StudioCommands&) = delete;

  /// Runs the subcommand that was parsed, if it is one of these; nullopt otherwise.
  std::optional<int> run(std::ostream& out, std::ostream& err);

  struct Args;

 private:
  std::unique_ptr<Args> args_;
};

}  // namespace verdict::cli
