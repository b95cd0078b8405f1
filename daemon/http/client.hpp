#pragma once
// A small asynchronous HTTP/1.1 client for provider calls: one POST, one deadline for connect,
// write and read together. Errors come back as a short reason ("timeout", "connection refused",
// "http 503"), which is what a decision records about an unavailable provider.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

#include "util/expected.hpp"

namespace verdict::http {

struct Endpoint {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
};

struct ClientResponse {
  unsigned status = 0;
  std::string body;
};

boost::asio::awaitable<expected<ClientResponse, std::string>> post_json(Endpoint endpoint, std::string target,
                                                                        std::string body,
                                                                        std::chrono::milliseconds timeout);

}  // namespace verdict::http
