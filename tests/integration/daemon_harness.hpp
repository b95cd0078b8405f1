#pragma once
// Starts a real verdictd in-process (its own threads, a real port) against a real verdict-sim,
// and talks to both over real HTTP.
#include <QtTest/QtTest>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app.hpp"
#include "client.hpp"
#include "sim_app.hpp"

namespace verdict::test {

struct Reply {
  unsigned status = 0;  // 0: no HTTP answer at all
  std::string error;    // why, when status is 0
  std::string body;
  nlohmann::json json;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
};

inline Reply http_call(unsigned short port, const std::string& method, const std::string& target, const std::string& body = {},
                       std::vector<std::pair<std::string, std::string>> headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  boost::asio::io_context io;
  Reply reply;
  http::ClientRequest request{method, target, std::move(headers), body};
  boost::asio::co_spawn(io, http::send({"127.0.0.1", port}, std::move(request), timeout),
                        [&](std::exception_ptr e, expected<http::ClientResponse, std::string> r) {
                          if (e) {
                            reply.error = "exception";
                            return;
                          }
                          if (!r) {
                            reply.error = r.error();
                            return;
                          }
                          reply.status = r->status;
                          reply.body = r->body;
                          reply.headers = r->headers;
                          reply.json = nlohmann::json::parse(r->body, nullptr, false);
                        });
  io.run();
  return reply;
}

inline const std::string decide_token = "decide-token-0123456789";
inline const std::string read_token = "read-token-0123456789ab";
inline const std::string admin_token = "admin-token-0123456789";

inline std::vector<std::pair<std::string, std::string>> bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
}

inline std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("verdict-it-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// A verdict-sim with instant answers, and a verdictd using it.
struct Stack {
  std::unique_ptr<sim::SimServer> sim;
  unsigned short sim_port = 0;
  std::unique_ptr<daemon::Daemon> daemon;
  unsigned short port = 0;
  std::filesystem::path data_dir;
  std::ostringstream log;

  explicit Stack(const std::string& name, std::function<void(daemon::Config&)> adjust = {}) {
    auto sim_config = sim::default_config();
    sim_config.latency_scale = 0;
    sim = std::make_unique<sim::SimServer>(sim_config);
    auto p = sim->start("127.0.0.1", 0, 1);
    if (!p) qFatal("verdict-sim: %s", p.error().c_str());
    sim_port = *p;

    auto config = daemon::load_config(std::nullopt);
    if (!config) qFatal("config: %s", config.error().c_str());
    data_dir = scratch_dir(name);
    config->port = 0;
    config->threads = 2;
    config->data_dir = data_dir;
    config->providers_url = "http://127.0.0.1:" + std::to_string(sim_port);
    config->identifier_key = "integration-test-key";
    config->kafka_brokers.clear();  // $VERDICT_KAFKA_BROKERS says where the tests' broker is, not that every daemon uses it
    config->tokens = {{decide_token, "shop-17", {http::Scope::Decide}},
                      {read_token, "auditor", {http::Scope::Read}},
                      {admin_token, "ops", {http::Scope::Admin}}};
    if (adjust) adjust(*config);
    auto started = daemon::Daemon::start(*config, log);
    if (!started) qFatal("verdictd: %s", started.error().c_str());
    daemon = std::move(*started);
    port = daemon->port();
  }
  ~Stack() {
    daemon.reset();
    sim.reset();
    std::filesystem::remove_all(data_dir);
  }

  Reply decide(const nlohmann::json& application, std::vector<std::pair<std::string, std::string>> extra = {}) {
    auto headers = bearer(decide_token);
    for (auto& h : extra) headers.push_back(std::move(h));
    return http_call(port, "POST", "/v1/decisions", application.dump(), headers);
  }
  Reply sim_config(const nlohmann::json& patch) {
    return http_call(sim_port, "PUT", "/admin/config", patch.dump(), {{"Content-Type", "application/json"}});
  }
};

/// A valid Dutch IBAN (mod-97 check digits) for account number `account`.
inline std::string test_iban(long long account) {
  std::string digits = std::to_string(account);
  digits.insert(0, 10 - std::min<std::size_t>(10, digits.size()), '0');
  const std::string bban = "ABNA" + digits;
  unsigned remainder = 0;
  for (char c : bban + "NL00")
    remainder = c >= 'A' ? (remainder * 100 + static_cast<unsigned>(c - 'A' + 10)) % 97
                         : (remainder * 10 + static_cast<unsigned>(c - '0')) % 97;
  const unsigned check = 98 - remainder;
  return "NL" + std::to_string(check / 10) + std::to_string(check % 10) + bban;
}

/// The sample application with e-mail markers for verdict-sim ("clean" unless told otherwise).
/// Each call is a different person (last name, document, house number and IBAN), so no provider
/// answer comes from the cache and no velocity counter links them.
inline nlohmann::json application(const std::string& markers = "clean") {
  static std::atomic<int> people{0};
  std::ifstream in(std::string(VERDICT_SOURCE_DIR) + "/resources/samples/application.json");
  auto a = nlohmann::json::parse(in);
  a["applicant"]["email"] = "sophie.devries+" + markers + "@ziggo.nl";
  const int person = ++people;
  a["applicant"]["last_name"] = "de Vries-" + std::to_string(person);
  a["applicant"]["id_document"]["number"] = "NX" + std::to_string(1'000'000 + person);
  a["applicant"]["address"]["house_number"] = std::to_string(person);
  a["applicant"]["iban"] = test_iban((::getpid() % 100'000) * 100'000LL + person);
  return a;
}

}  // namespace verdict::test
