#pragma once
// A declarative route table: method, path pattern ("/v1/decisions/{id}"), required scope, handler.
// Dispatch resolves the route, authenticates the bearer token, checks the scope and calls the
// handler; unknown paths are 404, known paths with another method 405 with Allow.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http_types.hpp"

namespace verdict::http {

/// Bearer tokens and what they may do.
class Authenticator {
 public:
  void add_token(std::string token, Principal principal);
  /// The principal for an "Authorization: Bearer <token>" header value, or null.
  const Principal* authenticate(std::string_view authorization) const;
  bool empty() const { return tokens_.empty(); }

 private:
  std::vector<std::pair<std::string, Principal>> tokens_;
};

struct Route {
  std::string method;
  std::string pattern;
  Scope scope = Scope::None;
  Handler handler;
};

class Router {
 public:
  explicit Router(const Authenticator& auth) : auth_(auth) {}
  Router& add(std::string method, std::string pattern, Scope scope, Handler handler);

  /// Handles one request; `route_label` receives the matched pattern (for metrics), or "unmatched".
  boost::asio::awaitable<HttpResponse> dispatch(const HttpRequest& request, std::string& route_label) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  static bool match(const std::string& pattern, const std::string& path, std::map<std::string, std::string>& params);
  const Authenticator& auth_;
  std::vector<Route> routes_;
};

}  // namespace verdict::http
