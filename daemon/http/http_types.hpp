#pragma once
// The HTTP vocabulary handlers see: plain structs, no Beast, so handler code compiles fast and
// tests can call handlers directly. A handler is a coroutine from request to
// expected<HttpResponse, ApiError>; the session turns an ApiError into application/problem+json.
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/codec.hpp"
#include "util/expected.hpp"

namespace verdict::http {

struct HttpRequest {
  std::string method;  // upper case: GET, POST, ...
  std::string target;  // as sent: path and query
  std::string path;    // without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower case
  std::string body;
  std::string remote_address;

  /// Header value or empty; `name` must be lower case.
  std::string_view header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string_view{} : std::string_view(it->second);
  }
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// Close the connection without answering (fault injection in verdict-sim: "connection reset").
  bool abort_connection = false;

  static HttpResponse json(unsigned status, std::string body) { return {status, "application/json", std::move(body), {}, false}; }
  static HttpResponse text(unsigned status, std::string body, std::string type = "text/plain; charset=utf-8") {
    return {status, std::move(type), std::move(body), {}, false};
  }
};

/// An RFC 9457 problem. `errors` names offending fields by JSON pointer.
struct ApiError {
  unsigned status = 400;
  std::string title;
  std::string detail;
  std::vector<FieldError> errors;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. WWW-Authenticate, Allow

  static ApiError bad_request(std::string detail, std::vector<FieldError> errors = {}) {
    return {400, "Bad request", std::move(detail), std::move(errors), {}};
  }
  static ApiError not_found(std::string detail) { return {404, "Not found", std::move(detail), {}, {}}; }
  static ApiError unavailable(std::string detail) { return {503, "Service unavailable", std::move(detail), {}, {}}; }
};

/// Renders an ApiError as application/problem+json.
HttpResponse problem_response(const ApiError& error, std::string_view instance);

/// Access scopes of API tokens. Review: the human review queue (fraud and credit reviewers).
enum class Scope { None, Decide, Read, Admin, Review };
std::string_view to_string(Scope);

struct Principal {
  std::string name;  // which shop or channel the token belongs to; safe to log
  std::vector<Scope> scopes;
  bool has(Scope s) const;
};

struct RequestContext {
  const HttpRequest& request;
  std::map<std::string, std::string> params;  // from the route pattern, e.g. {id}
  const Principal* principal = nullptr;       // null on open routes
};

using HandlerResult = expected<HttpResponse, ApiError>;
using Handler = std::function<boost::asio::awaitable<HandlerResult>(RequestContext&)>;

}  // namespace verdict::http
