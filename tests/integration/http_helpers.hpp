#pragma once
// Plain HTTP helpers for the integration tests and the benchmarks (no Qt): a blocking call over a
// real connection, bearer headers, scratch directories and sample applications.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "client.hpp"

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
