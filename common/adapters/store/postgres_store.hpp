#pragma once
// Internal to the store (needs libpqxx 6.4): what the PostgreSQL stores and migrations.cpp share —
// connecting with sane timeouts, one serialised session, and libpqxx exceptions as StoreError values.
#include <functional>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <type_traits>

#include "store/decision_store.hpp"

namespace verdict::store::postgres {

/// `url` with connect_timeout and application_name added when it does not set them, so a server that
/// does not answer fails a connection attempt in seconds rather than after the kernel's TCP timeout.
std::string connection_string(const std::string& url);

/// Connects, quietens NOTICEs, bounds statements. Throws what libpqxx throws.
std::unique_ptr<pqxx::connection> connect(const std::string& url);

/// Call inside a catch block: the exception being handled as a StoreError. Transient for a lost or
/// refused connection, a server shutting down, a serialization failure, a full disk or a timeout.
/// Only the first line of the server's message is kept: the DETAIL lines can quote row values.
StoreError current_error(std::string_view doing);

/// What Session::run returns for a piece of work returning T or expected<T, StoreError>.
template <class T>
struct ValueOf {
  using type = T;
};
template <class T>
struct ValueOf<expected<T, StoreError>> {
  using type = T;
};

/// Whether a SQLSTATE names a condition that may pass on its own.
bool transient_sqlstate(std::string_view sqlstate);

/// One connection used by one thread at a time: connects on first use and after a transient failure,
/// turns exceptions into StoreError. `on_connect` runs on every new connection (to prepare statements).
class Session {
 public:
  explicit Session(std::string url, std::function<void(pqxx::connection&)> on_connect = {})
      : url_(std::move(url)), on_connect_(std::move(on_connect)) {}

  /// Runs `work` on the connection under the session's lock. `work` may return a plain value or an
  /// expected of its own. A transient failure drops the connection so the next call starts afresh.
  template <class Work, class Result = std::invoke_result_t<Work, pqxx::connection&>,
            class Value = typename ValueOf<Result>::type>
  expected<Value, StoreError> run(std::string_view doing, Work&& work) {
    std::lock_guard lock(mutex_);
    try {
      if (!conn_ || !conn_->is_open()) {
        conn_ = connect(url_);
        if (on_connect_) on_connect_(*conn_);
      }
      if constexpr (std::is_void_v<Result>) {
        work(*conn_);
        return expected<Value, StoreError>{};
      } else {
        return expected<Value, StoreError>(work(*conn_));
      }
    } catch (...) {
      StoreError error = current_error(doing);
      if (error.transient) conn_.reset();
      return expected<Value, StoreError>(unexpected(std::move(error)));
    }
  }

 private:
  std::mutex mutex_;
  std::string url_;
  std::function<void(pqxx::connection&)> on_connect_;
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace verdict::store::postgres
