#pragma once
// Hashes on OpenSSL: content hashes of policies and keyed hashes of personal identifiers (for
// cache and event keys, so no identifier is stored or sent in the clear).
#include <cstdint>
#include <string>
#include <string_view>

namespace verdict::crypto {

/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

/// Lower-case hex HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

/// What identifies an applicant across applications. Compared case-insensitively.
struct CustomerIdentifiers {
  std::string_view last_name;
  std::string_view date_of_birth;  // YYYY-MM-DD
  std::string_view postcode;       // as the application has it, e.g. "1012AB"
  std::string_view house_number;
};

/// The stored decisions.customer_key of an applicant: HMAC-SHA256 under the daemon's identifier key
/// of "customer|" + the lower-cased "last_name|date_of_birth|postcode|house_number". Lets compliance
/// find a person's decisions from their identifiers without the store holding them.
std::string customer_key(std::string_view identifier_key, const CustomerIdentifiers& who);

/// A new UUID version 7 (RFC 9562) in lower-case text: 48 bits of `unix_ms` first, then 74 random
/// bits (OpenSSL's CSPRNG). Ids made one after another sort in time order, so a store's index on them
/// grows at its end instead of touching a random page per insert, as version 4 ids do.
std::string uuid_v7(std::int64_t unix_ms);

/// A UUID version 8 (RFC 9562, custom) from HMAC-SHA256 of `name` under `key`: the same name and key
/// give the same id, so a record made from it again (an import run twice) is the same record.
std::string uuid_from_name(std::string_view key, std::string_view name);

}  // namespace verdict::crypto
