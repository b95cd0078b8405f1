#include "review_service.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

namespace verdict::daemon {

using http::ApiError;
using http::HandlerResult;
using http::HttpResponse;
using nlohmann::json;
namespace asio = boost::asio;

namespace {

ApiError api_error(const store::ReviewError& e) {
  using Kind = store::ReviewError::Kind;
  switch (e.kind) {
    case Kind::NotFound: return ApiError::not_found(e.message);
    case Kind::Conflict: return {409, "Conflict", e.message, {}, {}};
    case Kind::NotClaimant: return {403, "Forbidden", e.message, {}, {}};
    case Kind::Invalid: {
      std::vector<FieldError> fields;
      if (e.message.find("reason") != std::string::npos) fields.push_back({"/reason", e.message});
      if (e.message.find("outcome") != std::string::npos) fields.push_back({"/outcome", e.message});
      return ApiError::bad_request(e.message, std::move(fields));
    }
    case Kind::Unavailable: return ApiError::unavailable("the review queue cannot be reached; try again shortly");
  }
  return ApiError::unavailable(e.message);
}

/// {"outcome": "...", "reason": "..."}; what is missing or of the wrong type is named by pointer.
expected<std::pair<std::string, std::string>, ApiError> outcome_and_reason(const http::HttpRequest& request) {
  const json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return unexpected(ApiError::bad_request("the body must be a JSON object {\"outcome\", \"reason\"}"));
  std::vector<FieldError> errors;
  for (const char* key : {"outcome", "reason"})
    if (!body.contains(key) || !body[key].is_string()) errors.push_back({std::string("/") + key, "must be a string"});
  for (const auto& [key, _] : body.items())
    if (key != "outcome" && key != "reason") errors.push_back({"/" + key, "is not a known field"});
  if (!errors.empty()) return unexpected(ApiError::bad_request("the review decision is incomplete", std::move(errors)));
  return std::make_pair(body["outcome"].get<std::string>(), body["reason"].get<std::string>());
}

HttpResponse item_response(const store::ReviewItem& item) { return HttpResponse::json(200, store::encode_review_item(item)); }

}  // namespace

ReviewWebhook::ReviewWebhook(http::Endpoint endpoint, std::string target, std::ostream& log)
    : endpoint_(std::move(endpoint)), target_(std::move(target)), log_(log), thread_([this] { run(); }) {}

ReviewWebhook::~ReviewWebhook() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ReviewWebhook::notify(const store::ReviewItem& item) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(store::encode_review_item(item));
  }
  wake_.notify_one();
}

std::uint64_t ReviewWebhook::delivered() const {
  std::lock_guard lock(mutex_);
  return delivered_;
}

std::uint64_t ReviewWebhook::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

void ReviewWebhook::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    const std::string body = std::move(queue_.front());
    queue_.pop_front();
    bool ok = false;
    for (int attempt = 0; attempt < 5 && !ok; ++attempt) {
      if (attempt > 0 && wake_.wait_for(lock, std::chrono::seconds(1 << (attempt - 1)), [&] { return stopping_; })) break;
      lock.unlock();
      asio::io_context io;
      unsigned status = 0;
      asio::co_spawn(io, http::post_json(endpoint_, target_, body, std::chrono::seconds(5)),
                     [&](std::exception_ptr e, expected<http::ClientResponse, std::string> r) {
                       if (!e && r) status = r->status;
                     });
      io.run();
      lock.lock();
      ok = status >= 200 && status < 300;
    }
    if (ok) {
      ++delivered_;
    } else {
      ++failed_;
      log_ << "review webhook: a human decision could not be delivered after retries (it is stored)" << std::endl;
    }
  }
}

ReviewService::ReviewService(std::unique_ptr<store::ReviewStore> reviews, std::shared_ptr<store::DecisionStore> lookup,
                             std::unique_ptr<ReviewWebhook> webhook)
    : reviews_(std::move(reviews)), lookup_(std::move(lookup)), webhook_(std::move(webhook)) {}

void ReviewService::routes(http::Router& router) {
  using http::Scope;
  auto bind = [this](auto member) {
    return [this, member](http::RequestContext& c) { return (this->*member)(c); };
  };
  router.add("GET", "/v1/review/items", Scope::Review, bind(&ReviewService::list))
      .add("GET", "/v1/review/items/{id}", Scope::Review, bind(&ReviewService::show))
      .add("POST", "/v1/review/items/{id}/claim", Scope::Review, bind(&ReviewService::claim))
      .add("POST", "/v1/review/items/{id}/release", Scope::Review, bind(&ReviewService::release))
      .add("POST", "/v1/review/items/{id}/decide", Scope::Review, bind(&ReviewService::decide))
      .add("POST", "/v1/decisions/{id}/override", Scope::Review, bind(&ReviewService::override_decision));
}

asio::awaitable<HandlerResult> ReviewService::list(http::RequestContext& context) {
  const auto& q = context.request.query;
  store::ReviewFilter filter;
  std::vector<FieldError> errors;
  auto text = [&](const char* key, std::string& into, std::initializer_list<std::string_view> allowed) {
    const auto it = q.find(key);
    if (it == q.end()) return;
    into = it->second;
    if (allowed.size() && std::find(allowed.begin(), allowed.end(), into) == allowed.end())
      errors.push_back({std::string("?") + key, "is not one of the allowed values"});
  };
  text("status", filter.status, {"pending", "claimed", "decided"});
  text("kind", filter.kind, {"referral", "override"});
  text("claimed_by", filter.claimed_by, {});
  text("channel", filter.channel, {"shop", "web"});
  text("shop_id", filter.shop_id, {});
  auto number = [&](const char* key, std::size_t& into, std::size_t max) {
    const auto it = q.find(key);
    if (it == q.end()) return;
    try {
      const auto n = std::stoull(it->second);
      if (n > max) throw std::out_of_range(key);
      into = static_cast<std::size_t>(n);
    } catch (...) {
      errors.push_back({std::string("?") + key, "must be a whole number up to " + std::to_string(max)});
    }
  };
  number("limit", filter.limit, 500);
  number("offset", filter.offset, 10'000'000);
  if (!errors.empty()) co_return unexpected(ApiError::bad_request("bad query parameters", std::move(errors)));
  auto items = reviews_->list(filter);
  if (!items) co_return unexpected(api_error(items.error()));
  json out = json::array();
  for (const auto& item : *items) out.push_back(json::parse(store::encode_review_item(item)));
  co_return HttpResponse::json(200, json{{"items", std::move(out)}}.dump());
}

asio::awaitable<HandlerResult> ReviewService::show(http::RequestContext& context) {
  const std::string& id = context.params.at("id");
  auto item = reviews_->find(id);
  if (!item) co_return unexpected(api_error(item.error()));
  if (!*item) co_return unexpected(ApiError::not_found("no review item for decision " + id));
  json body = json::parse(store::encode_review_item(**item));
  // The reviewer sees why it was referred: the decision with its reasons, and what it was decided on.
  if (lookup_) {
    if (auto record = lookup_->find(id); record && *record) {
      body["decision"] = json::parse((*record)->decision_json, nullptr, false);
      body["case"] = json::parse((*record)->case_json, nullptr, false);
    }
  }
  co_return HttpResponse::json(200, body.dump());
}

asio::awaitable<HandlerResult> ReviewService::claim(http::RequestContext& context) {
  auto item = reviews_->claim(context.params.at("id"), context.principal->name);
  if (!item) co_return unexpected(api_error(item.error()));
  co_return item_response(*item);
}

asio::awaitable<HandlerResult> ReviewService::release(http::RequestContext& context) {
  auto item = reviews_->release(context.params.at("id"), context.principal->name);
  if (!item) co_return unexpected(api_error(item.error()));
  co_return item_response(*item);
}

asio::awaitable<HandlerResult> ReviewService::decide(http::RequestContext& context) {
  auto input = outcome_and_reason(context.request);
  if (!input) co_return unexpected(input.error());
  auto item = reviews_->decide(context.params.at("id"), context.principal->name, input->first, input->second);
  if (!item) co_return unexpected(api_error(item.error()));
  if (webhook_) webhook_->notify(*item);
  co_return item_response(*item);
}

asio::awaitable<HandlerResult> ReviewService::override_decision(http::RequestContext& context) {
  auto input = outcome_and_reason(context.request);
  if (!input) co_return unexpected(input.error());
  auto item =
      reviews_->override_decision(context.params.at("id"), context.principal->name, input->first, input->second);
  if (!item) co_return unexpected(api_error(item.error()));
  if (webhook_) webhook_->notify(*item);
  co_return item_response(*item);
}

void add_review_status(json& body, store::ReviewStore* reviews) {
  const std::string automated = body["decision"].value("outcome", "");
  body["automated_outcome"] = automated;
  std::optional<store::ReviewItem> item;
  if (reviews) {
    if (auto found = reviews->find(body.value("decision_id", "")); found && *found) item = std::move(*found);
  }
  if (item) {
    const bool decided = item->status == "decided";
    body["status"] = decided ? "decided" : "pending_review";
    body["final_outcome"] = decided ? json(item->final_outcome) : json(nullptr);
    body["review"] = json::parse(store::encode_review_item(*item));
  } else if (automated == "REFER") {
    body["status"] = "pending_review";
    body["final_outcome"] = nullptr;
  } else {
    body["status"] = "decided";
    body["final_outcome"] = automated;
  }
}

}  // namespace verdict::daemon
