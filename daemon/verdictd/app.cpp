#include "app.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <thread>
#include <unistd.h>

#include "decision_service.hpp"
#include "files/policy_files.hpp"
#include "kafka/decision_events.hpp"
#include "metrics.hpp"
#include "policy_follower.hpp"
#include "provider_cache.hpp"
#include "provider_gateway.hpp"
#include "review_service.hpp"
#include "server.hpp"
#include "sim_app.hpp"
#include "store/decision_sink.hpp"
#include "store/decision_store.hpp"
#include "store/migrations.hpp"

namespace verdict::daemon {

namespace asio = boost::asio;

namespace {
std::optional<http::Endpoint> parse_http_url(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) return std::nullopt;
  std::string rest = url.substr(scheme.size());
  if (const auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) return http::Endpoint{rest, 80};
  try {
    const int port = std::stoi(rest.substr(colon + 1));
    if (port <= 0 || port > 65535) return std::nullopt;
    return http::Endpoint{rest.substr(0, colon), static_cast<unsigned short>(port)};
  } catch (...) {
    return std::nullopt;
  }
}
std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

kafka::ClientSettings kafka_client(const Config& c) {
  kafka::ClientSettings client;
  client.brokers = c.kafka_brokers;
  client.client_id = "verdictd";
  return client;
}

/// The decisions topic (created when missing; a broker that is away now is not fatal, the sink
/// spools until it is back) and the producer behind the DecisionStore interface.
expected<std::unique_ptr<store::DecisionStore>, std::string> open_kafka_decisions(const Config& c) {
  const kafka::TopicSpec topic{c.kafka_decisions_topic, 6, false, -1};
  if (auto created = kafka::ensure_topics(kafka_client(c), std::span(&topic, 1)); !created && !created.error().transient)
    return unexpected("the decisions topic cannot be created: " + created.error().message);
  kafka::DecisionEventSettings events;
  events.client = kafka_client(c);
  events.topic = c.kafka_decisions_topic;
  events.identifier_key = c.identifier_key;
  auto opened = kafka::open_decision_events(events);
  if (!opened) return unexpected("decision events: " + opened.error().message);
  return std::move(*opened);
}

FollowerSettings follower_settings(const Config& c) {
  FollowerSettings f;
  f.client = kafka_client(c);
  f.policy_topic = c.kafka_policy_topic;
  f.fleet_topic = c.kafka_fleet_topic;
  f.host = host_name();
  f.daemon_id = c.daemon_id.empty() ? f.host + "-" + std::to_string(::getpid()) : c.daemon_id;
  f.heartbeat_interval = c.heartbeat_interval;
  f.catch_up_timeout = c.policy_catch_up;
  return f;
}

}  // namespace

struct Daemon::Impl {
  Config config;
  std::ostream& log;
  http::IoPool io;  // before everything bound to it: destroyed last
  Metrics metrics;
  std::unique_ptr<ProviderCache> cache;
  std::unique_ptr<VelocityStep> velocity;
  std::shared_ptr<store::DecisionStore> store;
  std::shared_ptr<store::DecisionStore> lookup_store;
  std::unique_ptr<store::DecisionSink> sink;
  std::unique_ptr<sim::SimServer> simulator;  // the embedded default: verdict-sim in-process
  std::unique_ptr<ProviderGateway> gateway;
  std::unique_ptr<DecisionService> service;
  std::unique_ptr<PolicyFollower> follower;  // Kafka mode only
  std::unique_ptr<ReviewService> review;
  http::Authenticator auth;
  std::unique_ptr<http::Router> router;
  std::unique_ptr<http::Server> server;
  unsigned short port = 0;
  std::mutex mutex;
  std::condition_variable stopped_cv;
  bool stopping = false;
  bool stopped = false;

  Impl(Config c, std::ostream& l) : config(std::move(c)), log(l), io(std::max(1U, config.threads)) {}
};

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Daemon::~Daemon() {
  stop();
  wait();
}

unsigned short Daemon::port() const { return impl_->port; }
const Config& Daemon::config() const { return impl_->config; }
std::string Daemon::policy_hash() const { return impl_->service->active()->policy->content_hash(); }

expected<std::unique_ptr<Daemon>, std::string> Daemon::start(Config config, std::ostream& log) {
  if (config.threads == 0) config.threads = std::max(1U, std::thread::hardware_concurrency());
  auto impl = std::make_unique<Impl>(std::move(config), log);
  Impl& d = *impl;
  const Config& c = d.config;

  auto policy = files::load_policy(c.policy_path);
  if (!policy) {
    std::string message = "the policy " + c.policy_path.string() + " cannot be loaded:";
    for (const auto& diagnostic : policy.error()) message += "\n  " + diagnostic.to_string();
    return unexpected(message);
  }

  if (!c.redis_url.empty()) {
    const auto redis = parse_redis_url(c.redis_url);
    if (!redis) return unexpected("redis_url '" + c.redis_url + "' is not redis://host:port");
    d.cache = std::make_unique<RedisCache>(redis->first, redis->second);
    d.velocity = std::make_unique<VelocityStep>(
        std::make_unique<velocity::RedisCounter>(redis->first, redis->second, c.velocity_key_prefix), c.identifier_key,
        /*remote=*/true);
  } else {
    d.cache = std::make_unique<LruCache>(c.cache_entries);
    d.velocity = std::make_unique<VelocityStep>(std::make_unique<velocity::InProcessCounter>(), c.identifier_key);
  }

  std::error_code fs_error;
  std::filesystem::create_directories(c.data_dir, fs_error);
  if (fs_error) return unexpected("cannot create data_dir " + c.data_dir.string() + ": " + fs_error.message());
  const bool kafka_mode = !c.kafka_brokers.empty();
  if (kafka_mode && c.postgres_url.empty())
    return unexpected(std::string("kafka_brokers needs postgres_url: decisions are looked up where verdict-worker stores them"));
  std::unique_ptr<store::ReviewStore> review_store;
  if (!c.postgres_url.empty()) {
    if (c.migrate_on_start) {
      auto migrated = store::migrate_postgres(c.postgres_url, {});
      if (!migrated) return unexpected("migrating PostgreSQL failed: " + migrated.error().message);
    }
    auto opened = store::open_postgres(c.postgres_url);
    auto lookup = store::open_postgres(c.postgres_url);
    if (!opened || !lookup)
      return unexpected("PostgreSQL cannot be opened: " + (opened ? lookup.error().message : opened.error().message));
    d.store = std::move(*opened);
    d.lookup_store = std::move(*lookup);
    if (kafka_mode) {
      // Decisions go to Kafka; the sink in front spools them while the brokers are away.
      auto events = open_kafka_decisions(c);
      if (!events) return unexpected(events.error());
      d.store = std::move(*events);
    }
    auto reviews = store::open_postgres_reviews(c.postgres_url);
    if (!reviews) return unexpected("the review queue cannot be opened: " + reviews.error().message);
    review_store = std::move(*reviews);
  } else {
    const auto file = c.data_dir / "verdict.db";
    auto opened = store::open_sqlite(file);
    auto lookup = store::open_sqlite(file);
    if (!opened || !lookup)
      return unexpected("SQLite " + file.string() + " cannot be opened: " +
                        (opened ? lookup.error().message : opened.error().message));
    d.store = std::move(*opened);
    d.lookup_store = std::move(*lookup);
    auto reviews = store::open_sqlite_reviews(file);
    if (!reviews) return unexpected("the review queue cannot be opened: " + reviews.error().message);
    review_store = std::move(*reviews);
  }
  store::SinkOptions sink_options;
  sink_options.spool_dir = c.data_dir / "spool";
  sink_options.log = [&log = d.log](const std::string& line) { log << "store: " << line << std::endl; };
  auto sink = store::DecisionSink::start(d.store, sink_options);
  if (!sink) return unexpected("the decision spool cannot be opened: " + sink.error());
  d.sink = std::move(*sink);

  GatewaySettings gateway;
  gateway.identifier_key = c.identifier_key;
  gateway.breaker = {c.breaker_failures, c.breaker_open};
  gateway.sequential = c.sequential_providers;
  if (c.providers_url.empty()) {
    d.simulator = std::make_unique<sim::SimServer>(sim::default_config());
    auto sim_port = d.simulator->start("127.0.0.1", 0, 1);
    if (!sim_port) return unexpected("the embedded verdict-sim cannot start: " + sim_port.error());
    gateway.endpoint = {"127.0.0.1", *sim_port};
  } else {
    const auto endpoint = parse_http_url(c.providers_url);
    if (!endpoint) return unexpected("providers_url '" + c.providers_url + "' is not http://host:port");
    gateway.endpoint = *endpoint;
  }
  d.gateway = std::make_unique<ProviderGateway>(gateway, *d.cache, d.metrics);
  d.service = std::make_unique<DecisionService>(d.config, d.metrics, *d.gateway, d.lookup_store, d.sink.get());
  d.service->set_policy(*policy);
  d.service->set_velocity(d.velocity.get());
  if (kafka_mode) {
    auto follower = PolicyFollower::start(follower_settings(c), *d.service, d.metrics, d.log);
    if (!follower) return unexpected(follower.error());
    d.follower = std::move(*follower);
  }
  std::unique_ptr<ReviewWebhook> webhook;
  if (!c.review_webhook_url.empty()) {
    const auto endpoint = parse_http_url(c.review_webhook_url);
    if (!endpoint) return unexpected("review_webhook_url '" + c.review_webhook_url + "' is not http://host:port/path");
    const auto path_at = c.review_webhook_url.find('/', std::string_view("http://").size());
    webhook = std::make_unique<ReviewWebhook>(*endpoint,
                                              path_at == std::string::npos ? "/" : c.review_webhook_url.substr(path_at),
                                              d.log);
  }
  d.review = std::make_unique<ReviewService>(std::move(review_store), d.lookup_store, std::move(webhook));
  d.service->set_reviews(&d.review->reviews());

  for (const auto& token : c.tokens) d.auth.add_token(token.token, {token.name, token.scopes});
  d.router = std::make_unique<http::Router>(d.auth);
  d.service->routes(*d.router);
  d.review->routes(*d.router);
  d.server = std::make_unique<http::Server>(d.io, *d.router, c.limits,
                                            [&metrics = d.metrics](const http::HttpRequest&, const std::string& route,
                                                                   unsigned status, double seconds) {
                                              metrics.http_request(route, status, seconds);
                                            });
  auto port = d.server->listen(c.listen_address, c.port);
  if (!port) return unexpected(port.error());
  d.port = *port;

  d.io.start();
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

void Daemon::stop() {
  Impl& d = *impl_;
  {
    std::lock_guard lock(d.mutex);
    if (d.stopping) return;
    d.stopping = true;
  }
  d.service->set_draining(true);
  d.server->begin_shutdown();
  const auto deadline = std::chrono::steady_clock::now() + d.config.shutdown_grace;
  while ((d.server->in_flight() > 0 || d.server->connections() > 0) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (d.server->in_flight() > 0)
    d.log << "shutdown: " << d.server->in_flight() << " request(s) still in flight at the end of the grace period" << std::endl;
  d.sink->stop(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  if (d.follower) d.follower->stop();
  d.io.stop();
  if (d.simulator) d.simulator->stop();
  d.io.join();
  {
    std::lock_guard lock(d.mutex);
    d.stopped = true;
  }
  d.stopped_cv.notify_all();
}

void Daemon::wait() {
  std::unique_lock lock(impl_->mutex);
  impl_->stopped_cv.wait(lock, [&] { return impl_->stopped; });
}

int run(int argc, char** argv) {
  CLI::App app{"verdictd — the Verdict decision daemon"};
  std::string config_file;
  std::optional<unsigned short> port;
  std::string listen, policy, providers_url;
  app.add_option("--config,-c", config_file, "configuration file (JSON); VERDICT_* environment variables override it")
      ->check(CLI::ExistingFile);
  app.add_option("--port,-p", port, "port to listen on (default 8080)");
  app.add_option("--listen", listen, "address to listen on (default 127.0.0.1)");
  app.add_option("--policy", policy, "policy file (default: the bundled sample policy)")->check(CLI::ExistingFile);
  app.add_option("--providers-url", providers_url, "where the providers answer (default: verdict-sim in-process)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  auto config = load_config(config_file.empty() ? std::nullopt : std::optional<std::filesystem::path>(config_file));
  if (!config) {
    std::cerr << "verdictd: " << config.error() << "\n";
    return 1;
  }
  if (port) config->port = *port;
  if (!listen.empty()) config->listen_address = listen;
  if (!policy.empty()) config->policy_path = policy;
  if (!providers_url.empty()) config->providers_url = providers_url;

  // Signals are blocked in every thread; this one waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto daemon = Daemon::start(*config, std::cerr);
  if (!daemon) {
    std::cerr << "verdictd: " << daemon.error() << "\n";
    return 1;
  }
  const Config& c = (*daemon)->config();
  const auto url = "http://" + c.listen_address + ":" + std::to_string((*daemon)->port());
  std::cout << "verdictd listening on " << url << " (" << c.threads << " threads)\n";
  std::cout << "  policy:    " << c.policy_path.string() << "\n";
  std::cout << "  providers: " << (c.providers_url.empty() ? "verdict-sim in-process" : c.providers_url) << "\n";
  std::cout << "  cache:     " << (c.redis_url.empty() ? "in-process LRU" : c.redis_url) << "\n";
  std::cout << "  store:     "
            << (!c.kafka_brokers.empty() ? "Kafka " + c.kafka_decisions_topic + " (lookups: PostgreSQL)"
                : c.postgres_url.empty() ? (c.data_dir / "verdict.db").string()
                                         : std::string("PostgreSQL"))
            << "\n";
  if (!c.kafka_brokers.empty()) std::cout << "  policy roll-out: " << c.kafka_policy_topic << " on " << c.kafka_brokers << "\n";
  if (c.development_identifier_key)
    std::cout << "  warning: identifier_key not set; using a development key (set VERDICT_IDENTIFIER_KEY in production)\n";
  if (c.development_token) {
    std::cout << "  warning: no tokens configured; the development token '" << c.tokens[0].token << "' has every scope\n";
    std::cout << "\nGet a decision:\n  curl -s -X POST " << url << "/v1/decisions -H 'Authorization: Bearer "
              << c.tokens[0].token << "' -H 'Content-Type: application/json' --data @"
              << (c.policy_path.parent_path().parent_path() / "samples/application.json").string() << "\n";
  }
  std::cout << std::flush;

  int received = 0;
  sigwait(&signals, &received);
  std::cout << "verdictd: " << (received == SIGTERM ? "SIGTERM" : "SIGINT") << ", draining\n" << std::flush;
  (*daemon)->stop();
  std::cout << "verdictd: stopped\n" << std::flush;
  return 0;
}

}  // namespace verdict::daemon
