#include "router.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

namespace verdict::http {

std::string_view to_string(Scope s) {
  switch (s) {
    case Scope::None: return "none";
    case Scope::Decide: return "decide";
    case Scope::Read: return "read";
    case Scope::Admin: return "admin";
    case Scope::Review: return "review";
  }
  return "?";
}

bool Principal::has(Scope s) const {
  for (Scope mine : scopes)
    if (mine == s || mine == Scope::Admin) return true;
  return false;
}

HttpResponse problem_response(const ApiError& error, std::string_view instance) {
  nlohmann::json body = {{"type", "about:blank"}, {"title", error.title}, {"status", error.status}};
  if (!error.detail.empty()) body["detail"] = error.detail;
  if (!instance.empty()) body["instance"] = std::string(instance);
  if (!error.errors.empty()) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& e : error.errors) errors.push_back({{"pointer", e.pointer}, {"detail", e.message}});
    body["errors"] = std::move(errors);
  }
  HttpResponse r{error.status, "application/problem+json", body.dump(), error.headers, false};
  return r;
}

void Authenticator::add_token(std::string token, Principal principal) {
  tokens_.emplace_back(std::move(token), std::move(principal));
}

const Principal* Authenticator::authenticate(std::string_view authorization) const {
  constexpr std::string_view prefix = "Bearer ";
  if (!authorization.starts_with(prefix)) return nullptr;
  const std::string_view token = authorization.substr(prefix.size());
  if (token.empty()) return nullptr;
  for (const auto& [known, principal] : tokens_) {
    // Compare every byte regardless of where a mismatch is, so timing does not leak a prefix.
    if (known.size() != token.size()) continue;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < known.size(); ++i) diff |= static_cast<unsigned char>(known[i] ^ token[i]);
    if (diff == 0) return &principal;
  }
  return nullptr;
}

Router& Router::add(std::string method, std::string pattern, Scope scope, Handler handler) {
  routes_.push_back({std::move(method), std::move(pattern), scope, std::move(handler)});
  return *this;
}

bool Router::match(const std::string& pattern, const std::string& path, std::map<std::string, std::string>& params) {
  std::size_t p = 0, q = 0;
  params.clear();
  while (p < pattern.size() && q < path.size()) {
    if (pattern[p] == '{') {
      const auto close = pattern.find('}', p);
      const auto name = pattern.substr(p + 1, close - p - 1);
      const auto end = path.find('/', q);
      const auto value = path.substr(q, end == std::string::npos ? std::string::npos : end - q);
      if (value.empty()) return false;
      params[name] = value;
      p = close + 1;
      q = end == std::string::npos ? path.size() : end;
      continue;
    }
    if (pattern[p] != path[q]) return false;
    ++p;
    ++q;
  }
  return p == pattern.size() && q == path.size();
}

boost::asio::awaitable<HttpResponse> Router::dispatch(const HttpRequest& request, std::string& route_label) const {
  std::map<std::string, std::string> params;
  std::string allowed;
  const Route* found = nullptr;
  for (const auto& route : routes_) {
    if (!match(route.pattern, request.path, params)) continue;
    if (route.method == request.method) {
      found = &route;
      break;
    }
    allowed += (allowed.empty() ? "" : ", ") + route.method;
  }
  if (!found) {
    route_label = allowed.empty() ? "unmatched" : request.path;
    if (allowed.empty()) co_return problem_response(ApiError::not_found("no resource at " + request.path), request.path);
    ApiError e{405, "Method not allowed", request.method + " is not allowed here", {}, {{"Allow", allowed}}};
    co_return problem_response(e, request.path);
  }
  route_label = found->pattern;
  match(found->pattern, request.path, params);

  const Principal* principal = nullptr;
  if (found->scope != Scope::None) {
    principal = auth_.authenticate(request.header("authorization"));
    if (!principal) {
      ApiError e{401, "Unauthorized", "a valid bearer token is required", {}, {{"WWW-Authenticate", "Bearer"}}};
      co_return problem_response(e, request.path);
    }
    if (!principal->has(found->scope)) {
      ApiError e{403, "Forbidden", "this token lacks the '" + std::string(to_string(found->scope)) + "' scope", {}, {}};
      co_return problem_response(e, request.path);
    }
  }
  RequestContext context{request, std::move(params), principal};
  HandlerResult result = co_await found->handler(context);
  if (!result) co_return problem_response(result.error(), request.path);
  co_return std::move(*result);
}

}  // namespace verdict::http
