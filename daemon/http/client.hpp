#pragma once
// A small asynchronous HTTP/1.1 client for provider calls: one POST, one deadline for connect,
// write and read together. Errors come back as a short reason ("timeout", "connection refused",
// "http 503"), which is what a decision records about an unavailable provider.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/expected.hpp"

namespace verdict::http {

struct Endpoint {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
};

struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct ClientResponse {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower case
  std::string body;
  std::string header(std::string_view name) const;
};

/// One request on a fresh connection.
boost::asio::awaitable<expected<ClientResponse, std::string>> send(Endpoint endpoint, ClientRequest request,
                                                                   std::chrono::milliseconds timeout);

/// POST with a JSON body.
boost::asio::awaitable<expected<ClientResponse, std::string>> post_json(Endpoint endpoint, std::string target,
                                                                        std::string body,
                                                                        std::chrono::milliseconds timeout);

}  // namespace verdict::http
