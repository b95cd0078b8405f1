// verdictd when the world misbehaves, with real servers: Redis killed, PostgreSQL stopped under
// load, SIGTERM under load.
#include <QtTest/QtTest>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <thread>

#include "daemon_harness.hpp"
#include "processes.hpp"
#include "store/decision_store.hpp"

using namespace verdict;
using namespace verdict::test;
using nlohmann::json;

namespace {

/// A private PostgreSQL cluster in a temporary directory, run as the postgres user.
class PrivatePostgres {
 public:
  PrivatePostgres() : dir_(scratch_dir("pg")), port_(free_port()) {
    std::filesystem::permissions(dir_.parent_path(), std::filesystem::perms::all, std::filesystem::perm_options::add);
    run_command({"chown", "postgres:postgres", dir_.string()});
    ok_ = run_command({"runuser", "-u", "postgres", "--", bin("initdb"), "-D", (dir_ / "data").string(), "-A", "trust",
                       "-U", "postgres", "--no-sync"},
                      (dir_ / "initdb.log").string()) &&
          start();
  }
  ~PrivatePostgres() {
    stop();
    std::filesystem::remove_all(dir_);
  }
  bool ok() const { return ok_; }
  std::string url() const { return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres"; }
  bool start() {
    return run_command({"runuser", "-u", "postgres", "--", bin("pg_ctl"), "-D", (dir_ / "data").string(), "-w", "-l",
                        (dir_ / "server.log").string(), "-o",
                        "-p " + std::to_string(port_) + " -k " + dir_.string() + " -c listen_addresses=127.0.0.1 -c fsync=off",
                        "start"});
  }
  bool stop() {
    return run_command({"runuser", "-u", "postgres", "--", bin("pg_ctl"), "-D", (dir_ / "data").string(), "-w", "-m", "fast",
                        "stop"});
  }

 private:
  static std::string bin(const std::string& name) {
    for (const char* version : {"17", "16", "15", "14", "13"}) {
      const std::string path = std::string("/usr/lib/postgresql/") + version + "/bin/" + name;
      if (std::filesystem::exists(path)) return path;
    }
    return name;
  }
  std::filesystem::path dir_;
  unsigned short port_;
  bool ok_ = false;
};

/// One keep-alive connection sending decisions back to back until the server says Connection: close.
struct KeepAliveClient {
  unsigned short port;
  std::atomic<int>* ok;
  std::atomic<int>* failed;
  std::string* first_failure;
  std::mutex* failure_mutex;

  void run(const std::string& body) {
    namespace beast = boost::beast;
    namespace bhttp = beast::http;
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    boost::system::error_code ec;
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return;  // never connected: not a request in flight
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/v1/decisions", 11};
      req.set(bhttp::field::host, "127.0.0.1");
      req.set(bhttp::field::authorization, "Bearer " + decide_token);
      req.set(bhttp::field::content_type, "application/json");
      req.keep_alive(true);
      req.body() = body;
      req.prepare_payload();
      bhttp::write(stream, req, ec);
      bhttp::response<bhttp::string_body> res;
      if (!ec) bhttp::read(stream, buffer, res, ec);
      if (ec || res.result_int() != 200) {
        ++*failed;
        std::lock_guard lock(*failure_mutex);
        if (first_failure->empty()) first_failure->assign(ec ? ec.message() : std::to_string(res.result_int()) + " " + res.body());
        return;
      }
      ++*ok;
      if (!res.keep_alive()) return;  // the server is draining: this connection is done
    }
  }
};

}  // namespace

class ResilienceTest : public QObject {
  Q_OBJECT
 private slots:
  void redis_killed_decisions_continue_uncached() {
    const auto port = free_port();
    ChildProcess redis({"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"});
    QVERIFY(eventually([&] { return run_command({"redis-cli", "-p", std::to_string(port), "ping"}); }));
    Stack stack("redis", [&](daemon::Config& c) { c.redis_url = "redis://127.0.0.1:" + std::to_string(port); });
    json a = application("clean");
    a["applicant"]["last_name"] = "Rediscached";
    QCOMPARE(stack.decide(a).status, 200u);
    const auto cached = stack.decide(a);
    QCOMPARE(cached.json["providers"]["preventel"]["cached"], json(true));
    // The key in Redis is a hash: no name, no date of birth, no IBAN.
    redis.kill_now();
    for (int i = 0; i < 5; ++i) {
      const auto r = stack.decide(a);
      QCOMPARE(r.status, 200u);
      QCOMPARE(r.json["providers"]["preventel"].value("cached", false), false);
      QCOMPARE(r.json["providers"]["preventel"]["status"], json("no_hit"));
    }
  }

  void postgres_stopped_under_load_loses_no_decision() {
    PrivatePostgres pg;
    if (!pg.ok()) QSKIP("cannot run a private PostgreSQL here (initdb/pg_ctl as user postgres)");
    Stack stack("pgload", [&](daemon::Config& c) { c.postgres_url = pg.url(); });

    std::atomic<int> answered{0};
    std::atomic<bool> done{false};
    std::vector<std::string> ids;
    std::mutex ids_mutex;
    std::thread load([&] {
      for (int i = 0; i < 240; ++i) {
        const auto r = stack.decide(application());
        if (r.status == 200) {
          std::lock_guard lock(ids_mutex);
          ids.push_back(r.json["decision_id"]);
          ++answered;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      done = true;
    });
    QVERIFY(eventually([&] { return answered.load() >= 60; }));
    QVERIFY(pg.stop());  // the store goes away under load...
    const int during_start = answered.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    QVERIFY2(answered.load() > during_start, "decisions must go on while the store is down");
    // A lookup the store must answer says so, with 503, not 500.
    const auto lookup = http_call(stack.port, "GET", "/v1/decisions/00000000-0000-4000-8000-000000000000", {}, bearer(read_token));
    QCOMPARE(lookup.status, 503u);
    QVERIFY(pg.start());  // ...and comes back
    load.join();
    QCOMPARE(answered.load(), 240);  // every request got its decision

    auto store = store::open_postgres(pg.url());
    QVERIFY(store);
    QVERIFY2(eventually([&] {
               auto n = (*store)->count_decisions();
               return n && *n == ids.size();
             }, std::chrono::seconds(60)),
             "the spooled decisions reach PostgreSQL once it is back");
    for (std::size_t i = 0; i < ids.size(); i += 17) {
      auto found = (*store)->find(ids[i]);
      QVERIFY(found && *found);
    }
    QCOMPARE(*(*store)->count_decisions(), std::uint64_t(ids.size()));  // and none twice
  }

  void sigterm_under_load_fails_no_request_in_flight() {
    auto sim_config = sim::default_config();
    sim_config.latency_scale = 0.3;  // requests stay in flight for tens of milliseconds
    sim::SimServer sim(sim_config);
    const auto sim_port = sim.start("127.0.0.1", 0, 1);
    QVERIFY(sim_port);
    const auto dir = scratch_dir("sigterm");
    const auto port = free_port();
    {
      std::ofstream config(dir / "verdictd.json");
      config << json{{"port", port},
                     {"threads", 2},
                     {"providers_url", "http://127.0.0.1:" + std::to_string(*sim_port)},
                     {"data_dir", (dir / "data").string()},
                     {"identifier_key", "sigterm-test-key"},
                     {"tokens", json::array({{{"token", decide_token}, {"name", "shop"}, {"scopes", {"decide"}}}})}}
                    .dump();
    }
    ChildProcess verdictd({VERDICTD_BINARY, "--config", (dir / "verdictd.json").string()}, (dir / "verdictd.log").string());
    QVERIFY(eventually([&] { return http_call(port, "GET", "/readyz").status == 200; }));

    std::atomic<int> ok{0}, failed{0};
    std::string first_failure;
    std::mutex failure_mutex;
    std::vector<std::thread> clients;
    const std::string body = application().dump();
    for (int i = 0; i < 16; ++i)
      clients.emplace_back([&] { KeepAliveClient{port, &ok, &failed, &first_failure, &failure_mutex}.run(body); });
    QVERIFY(eventually([&] { return ok.load() >= 100; }));
    verdictd.signal(SIGTERM);
    for (auto& c : clients) c.join();
    const auto exit_code = verdictd.wait(std::chrono::seconds(30));
    QVERIFY2(failed.load() == 0, first_failure.c_str());
    QVERIFY(ok.load() >= 100);
    QVERIFY(exit_code.has_value());
    QCOMPARE(*exit_code, 0);
    std::filesystem::remove_all(dir);
  }
};

QTEST_APPLESS_MAIN(ResilienceTest)
#include "test_resilience.moc"
