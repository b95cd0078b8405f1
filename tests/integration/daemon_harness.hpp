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
#include "http_helpers.hpp"
#include "shared_log.hpp"
#include "sim_app.hpp"

namespace verdict::test {

/// A verdict-sim with instant answers, and a verdictd using it.
struct Stack {
  std::unique_ptr<sim::SimServer> sim;
  unsigned short sim_port = 0;
  std::unique_ptr<daemon::Daemon> daemon;
  unsigned short port = 0;
  std::filesystem::path data_dir;
  SharedLog log;

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

}  // namespace verdict::test
