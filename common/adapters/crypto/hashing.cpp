#include "crypto/hashing.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cctype>
#include <stdexcept>

namespace verdict::crypto {

namespace {
std::string hex(const unsigned char* bytes, unsigned length) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(length * 2, '0');
  for (unsigned i = 0; i < length; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  return out;
}
}  // namespace

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  return hex(digest.data(), length);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned length = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), digest.data(), &length))
    throw std::runtime_error("HMAC-SHA256 failed");
  return hex(digest.data(), length);
}

std::string customer_key(std::string_view identifier_key, const CustomerIdentifiers& who) {
  std::string subject(who.last_name);
  for (std::string_view part : {who.date_of_birth, who.postcode, who.house_number}) subject.append("|").append(part);
  for (auto& c : subject) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return hmac_sha256_hex(identifier_key, "customer|" + subject);
}

}  // namespace verdict::crypto
