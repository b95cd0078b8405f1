#pragma once
// The human review API (scope review): the queue of referred decisions, claim, release, decide, and
// overrides of automated decisions a customer contests. The store enforces the rules (atomic claims,
// mandatory reasons, audit rows; store/review_store.hpp); this maps them to HTTP (problem+json:
// 400 invalid, 403 not the claimant, 404, 409 conflict, 503 store unreachable) and notifies the
// configured webhook of every human decision.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <ostream>
#include <string>
#include <thread>

#include "client.hpp"
#include "router.hpp"
#include "store/decision_store.hpp"
#include "store/review_store.hpp"

namespace verdict::daemon {

/// POSTs {"decision_id", "status", "automated_outcome", "final_outcome", "decided_at_ms", ...} to a
/// URL after each human decision, from its own thread, with retries (5 attempts, backing off 1, 2,
/// 4, 8 s). The decision is stored before the webhook is tried, so a webhook that fails loses
/// nothing: the shop still gets the outcome from GET /v1/decisions/{id}.
class ReviewWebhook {
 public:
  ReviewWebhook(http::Endpoint endpoint, std::string target, std::ostream& log);
  ~ReviewWebhook();
  void notify(const store::ReviewItem& item);
  std::uint64_t delivered() const;
  std::uint64_t failed() const;

 private:
  void run();
  http::Endpoint endpoint_;
  std::string target_;
  std::ostream& log_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  std::uint64_t delivered_ = 0, failed_ = 0;
  std::thread thread_;
};

class ReviewService {
 public:
  ReviewService(std::unique_ptr<store::ReviewStore> reviews, std::shared_ptr<store::DecisionStore> lookup,
                std::unique_ptr<ReviewWebhook> webhook);

  void routes(http::Router& router);
  store::ReviewStore& reviews() { return *reviews_; }

  boost::asio::awaitable<http::HandlerResult> list(http::RequestContext& context);
  boost::asio::awaitable<http::HandlerResult> show(http::RequestContext& context);
  boost::asio::awaitable<http::HandlerResult> claim(http::RequestContext& context);
  boost::asio::awaitable<http::HandlerResult> release(http::RequestContext& context);
  boost::asio::awaitable<http::HandlerResult> decide(http::RequestContext& context);
  boost::asio::awaitable<http::HandlerResult> override_decision(http::RequestContext& context);

 private:
  std::unique_ptr<store::ReviewStore> reviews_;
  std::shared_ptr<store::DecisionStore> lookup_;
  std::unique_ptr<ReviewWebhook> webhook_;
};

/// Adds the review state to the body of GET /v1/decisions/{id}: status "pending_review" while a
/// person has not decided a referral, else "decided"; automated_outcome, final_outcome and, when
/// reviewed, the review item. A REFER not yet in the queue (still on its way to the store) is
/// pending_review too.
void add_review_status(nlohmann::json& body, store::ReviewStore* reviews);

}  // namespace verdict::daemon
