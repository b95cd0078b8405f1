#pragma once
// Hashes on OpenSSL: content hashes of policies and keyed hashes of personal identifiers (for
// cache and event keys, so no identifier is stored or sent in the clear).
#include <string>
#include <string_view>

namespace verdict::crypto {

/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

/// Lower-case hex HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

}  // namespace verdict::crypto
