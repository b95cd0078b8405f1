#include "sim_app.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "util/json_locator.hpp"

namespace verdict::sim {

namespace asio = boost::asio;
using nlohmann::json;
using http::ApiError;
using http::HandlerResult;
using http::HttpResponse;
using http::RequestContext;
using http::Scope;

// ---- routes ----

void add_routes(http::Router& router, Simulator& simulator) {
  router.add("POST", "/v1/providers/{provider}", Scope::None,
             [&simulator](RequestContext& ctx) -> asio::awaitable<HandlerResult> {
               const auto id = provider_from_string(ctx.params.at("provider"));
               if (!id)
                 co_return unexpected(ApiError::not_found(
                     "no simulated provider '" + ctx.params.at("provider") +
                     "'; there are bkr, preventel, bureau, operator, id_check, iban_check, address"));
               co_return co_await simulator.call(*id, ctx.request.body);
             });

  router.add("GET", "/admin/config", Scope::None, [&simulator](RequestContext&) -> asio::awaitable<HandlerResult> {
    co_return HttpResponse::json(200, encode_config(*simulator.config()).dump(2));
  });

  router.add("PUT", "/admin/config", Scope::None, [&simulator](RequestContext& ctx) -> asio::awaitable<HandlerResult> {
    const json patch = json::parse(ctx.request.body, nullptr, false);
    if (patch.is_discarded()) co_return unexpected(ApiError::bad_request("the body is not valid JSON"));
    auto updated = simulator.update(patch);
    if (!updated)
      co_return unexpected(ApiError::bad_request("the configuration was not changed", std::move(updated.error().errors)));
    co_return HttpResponse::json(200, encode_config(**updated).dump(2));
  });

  router.add("POST", "/admin/reset", Scope::None, [&simulator](RequestContext&) -> asio::awaitable<HandlerResult> {
    simulator.reset();
    co_return HttpResponse::json(200, encode_config(*simulator.config()).dump(2));
  });

  router.add("GET", "/admin/stats", Scope::None, [&simulator](RequestContext&) -> asio::awaitable<HandlerResult> {
    co_return HttpResponse::json(200, simulator.stats_json().dump(2));
  });

  router.add("GET", "/healthz", Scope::None, [](RequestContext&) -> asio::awaitable<HandlerResult> {
    co_return HttpResponse::json(200, R"({"status":"ok"})");
  });
}

// ---- server ----

SimServer::SimServer(Config config, http::ServerLimits limits)
    : simulator_(config), router_(auth_), limits_(limits) {
  add_routes(router_, simulator_);
}

SimServer::~SimServer() { stop(); }

expected<unsigned short, std::string> SimServer::start(const std::string& address, unsigned short port, unsigned threads) {
  if (io_) return unexpected(std::string("already started"));
  auto pool = std::make_unique<http::IoPool>(threads);
  auto server = std::make_unique<http::Server>(*pool, router_, limits_);
  auto bound = server->listen(address, port);
  if (!bound) return bound;
  io_ = std::move(pool);
  server_ = std::move(server);
  io_->start();
  return bound;
}

void SimServer::stop() {
  if (!io_) return;
  server_->begin_shutdown();
  simulator_.stop();
  // The threads return once the acceptor is closed and the last connection has ended; the
  // server's read and write timeouts bound how long a stuck client can delay that.
  io_->finish();
  io_->join();
  server_.reset();
  io_.reset();
}

// ---- configuration ----

namespace {


std::string at_position(const std::string& file, TextPosition pos) {
  return file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
}

std::string describe(const InputErrors& errors) {
  std::string out;
  for (const auto& e : errors.errors) {
    if (!out.empty()) out += "; ";
    out += (e.pointer.empty() ? "" : e.pointer + ": ") + e.message;
  }
  return out;
}

}  // namespace

expected<Config, std::string> load_config_file(const std::string& path, const Config& base) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot open " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  json document;
  try {
    document = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string message = e.what();
    if (const auto cut = message.find("parse error"); cut != std::string::npos) message = message.substr(cut);
    return unexpected(at_position(path, position_of(text, e.byte > 0 ? e.byte - 1 : 0)) + ": invalid JSON: " + message);
  }
  auto merged = merge_config(base, document);
  if (!merged) {
    std::string out;
    for (const auto& e : merged.error().errors) {
      if (!out.empty()) out += "\n";
      out += at_position(path, position_of_pointer(text, e.pointer)) + ": " + (e.pointer.empty() ? "" : e.pointer + ": ") + e.message;
    }
    return unexpected(out);
  }
  return std::move(*merged);
}

namespace {

/// "bkr.error_rate=0.2" or "latency_scale=0" as a patch; the value is JSON where it parses as
/// JSON, else a string (which the merge then refuses with a precise message).
expected<json, std::string> setting_patch(const std::string& setting) {
  const auto eq = setting.find('=');
  if (eq == std::string::npos || eq == 0) return unexpected(std::string("expected KEY=VALUE"));
  const std::string key = setting.substr(0, eq);
  const std::string text = setting.substr(eq + 1);
  json value = json::parse(text, nullptr, false);
  if (value.is_discarded()) value = text;
  const auto dot = key.find('.');
  if (dot == std::string::npos) return json{{key, std::move(value)}};
  return json{{"providers", {{key.substr(0, dot), {{key.substr(dot + 1), std::move(value)}}}}}};
}

}  // namespace

// ---- command line ----

int run(int argc, char** argv, std::ostream& out, std::ostream& err) {
  CLI::App app{
      "verdict-sim — the seven data providers Verdict calls (BKR, Preventel, credit bureau, operator history, "
      "ID document check, IBAN-name check, BAG address check), simulated over HTTP: answers deterministic from the "
      "applicant data, realistic latency, faults on demand. Markers in the e-mail after '+' ask for findings, e.g. "
      "jan+bkr-a+preventel@example.com; see daemon/README.md."};
  app.set_version_flag("--version", "verdict-sim 0.1.0");

  std::string address = "127.0.0.1";
  unsigned short port = default_port;
  unsigned threads = std::max(1U, std::thread::hardware_concurrency());
  std::string config_path;
  app.add_option("--listen,-l", address, "address to listen on")->capture_default_str();
  app.add_option("--port,-p", port, "port; 0 picks a free one (printed at start)")->capture_default_str();
  app.add_option("--threads,-j", threads, "I/O threads (default: one per core)")->check(CLI::Range(1U, 256U));
  app.add_option("--config,-c", config_path, "JSON configuration as GET /admin/config shows it, or any part of it")
      ->check(CLI::ExistingFile);

  // Flags that set one field for every provider, applied after --config; --set refines after them.
  struct AllProviders {
    const char* flag;
    const char* field;
    const char* help;
    const char* type;
    std::string value;  // JSON text, so the merge checks type and range like everywhere else
    CLI::Option* option = nullptr;
  };
  std::uint64_t seed = 0;
  double latency_scale = 1.0;
  auto* seed_option = app.add_option("--seed", seed, "seed of the answers for unmarked applicants (default 0)");
  auto* scale_option =
      app.add_option("--latency-scale", latency_scale, "multiplies every simulated latency; 0: answer at once");
  std::vector<AllProviders> all_flags{
      {"--error-rate", "error_rate", "fraction of calls answered 503, every provider", "RATE", {}, nullptr},
      {"--timeout-rate", "timeout_rate", "fraction of calls never answered, every provider", "RATE", {}, nullptr},
      {"--slow-rate", "slow_rate", "fraction of calls slowed by the slow factor, every provider", "RATE", {}, nullptr},
      {"--reset-rate", "reset_rate", "fraction of calls whose connection is reset, every provider", "RATE", {}, nullptr},
      {"--slow-factor", "slow_factor", "latency multiplier of slow calls (default 5)", "FACTOR", {}, nullptr},
      {"--timeout-ms", "timeout_ms", "how long a timed-out call hangs (default 30000)", "MS", {}, nullptr},
  };
  for (auto& f : all_flags) f.option = app.add_option(f.flag, f.value, f.help)->type_name(f.type);
  std::vector<std::string> settings;
  app.add_option("--set", settings, "PROVIDER.FIELD=VALUE or FIELD=VALUE, e.g. bkr.error_rate=0.2 (repeatable)")
      ->type_name("KEY=VALUE");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return exit_ok;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return exit_ok;
  } catch (const CLI::CallForVersion&) {
    out << "verdict-sim 0.1.0\n";
    return exit_ok;
  } catch (const CLI::ParseError& e) {
    err << "verdict-sim: " << e.what() << "\n";
    err << "Run 'verdict-sim --help' for usage.\n";
    return exit_usage;
  }

  Config config = default_config();
  if (!config_path.empty()) {
    auto loaded = load_config_file(config_path, config);
    if (!loaded) {
      err << loaded.error() << "\n";
      return exit_error;
    }
    config = std::move(*loaded);
  }
  // Each flag merged on its own, so an error names the flag that caused it.
  auto apply = [&](const std::string& flag, const json& patch) {
    auto merged = merge_config(config, patch);
    if (!merged) {
      err << "verdict-sim: " << flag << ": " << describe(merged.error()) << "\n";
      return false;
    }
    config = std::move(*merged);
    return true;
  };
  if (seed_option->count() && !apply("--seed", {{"seed", seed}})) return exit_usage;
  if (scale_option->count() && !apply("--latency-scale", {{"latency_scale", latency_scale}})) return exit_usage;
  for (const auto& f : all_flags) {
    if (!f.option->count()) continue;
    json value = json::parse(f.value, nullptr, false);
    if (value.is_discarded()) value = f.value;
    if (!apply(f.flag + (" " + f.value), {{"providers", {{"all", {{f.field, std::move(value)}}}}}})) return exit_usage;
  }
  for (const auto& setting : settings) {
    auto patch = setting_patch(setting);
    if (!patch) {
      err << "verdict-sim: --set " << setting << ": " << patch.error() << "\n";
      return exit_usage;
    }
    if (!apply("--set " + setting, *patch)) return exit_usage;
  }

  // Signals are caught from here on, before any thread starts, so none is lost.
  asio::io_context signal_io;
  asio::signal_set signals(signal_io, SIGINT, SIGTERM);
  SimServer server(config);
  const auto bound = server.start(address, port, threads);
  if (!bound) {
    err << "verdict-sim: " << bound.error() << "\n";
    return exit_error;
  }
  const std::string host = address.find(':') == std::string::npos ? address : "[" + address + "]";
  out << "verdict-sim listening on http://" << host << ":" << *bound << " (" << threads << " threads)" << std::endl;

  int received = 0;
  signals.async_wait([&received](const boost::system::error_code& ec, int signal_number) {
    if (!ec) received = signal_number;
  });
  signal_io.run();
  out << "verdict-sim: " << (received == SIGTERM ? "SIGTERM" : "SIGINT") << ", finishing the calls in progress"
      << std::endl;
  server.stop();
  out << "verdict-sim stopped" << std::endl;
  return exit_ok;
}

}  // namespace verdict::sim
