#pragma once
// Internal to the store (needs libpqxx 6.4): what postgres_store.cpp and migrations.cpp share —
// connecting with sane timeouts and turning libpqxx exceptions into StoreError values.
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <string_view>

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

/// What a store's run() helper returns for a piece of work returning T or expected<T, StoreError>.
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

}  // namespace verdict::store::postgres
