#include "crypto/hashing.hpp"

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>

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

namespace {
/// HMAC-SHA256 keyed once per thread. OpenSSL 3's one-shot HMAC() fetches the digest and builds a
/// context on every call, which was most of the cost of the daemon's eight identifier hashes per
/// decision; here the keyed context is kept and copied per call instead.
class KeyedHmac {
 public:
  KeyedHmac() : mac_(EVP_MAC_fetch(nullptr, "HMAC", nullptr)) {
    if (!mac_) throw std::runtime_error("HMAC is not available in this OpenSSL");
  }
  ~KeyedHmac() {
    EVP_MAC_CTX_free(keyed_);
    EVP_MAC_free(mac_);
  }
  KeyedHmac(const KeyedHmac&) = delete;
  KeyedHmac& operator=(const KeyedHmac&) = delete;

  std::string digest_hex(std::string_view key, std::string_view data) {
    if (!keyed_ || key != key_) rekey(key);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(keyed_);
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    std::size_t length = 0;
    const bool ok = ctx && EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
                    EVP_MAC_final(ctx, digest.data(), &length, digest.size()) == 1;
    EVP_MAC_CTX_free(ctx);
    if (!ok) throw std::runtime_error("HMAC-SHA256 failed");
    return crypto::hex(digest.data(), static_cast<unsigned>(length));
  }

 private:
  void rekey(std::string_view key) {
    EVP_MAC_CTX_free(keyed_);
    keyed_ = EVP_MAC_CTX_new(mac_);
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0), OSSL_PARAM_construct_end()};
    // An empty key is a valid HMAC key; OpenSSL wants a non-null pointer for it.
    static const unsigned char empty = 0;
    const auto* bytes = key.empty() ? &empty : reinterpret_cast<const unsigned char*>(key.data());
    if (!keyed_ || EVP_MAC_init(keyed_, bytes, key.size(), params) != 1) {
      EVP_MAC_CTX_free(keyed_);
      keyed_ = nullptr;
      throw std::runtime_error("HMAC-SHA256 key set-up failed");
    }
    key_.assign(key);
  }

  EVP_MAC* mac_ = nullptr;
  EVP_MAC_CTX* keyed_ = nullptr;
  std::string key_;
};
}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  thread_local KeyedHmac hmac;
  return hmac.digest_hex(key, data);
}

std::string customer_key(std::string_view identifier_key, const CustomerIdentifiers& who) {
  std::string subject(who.last_name);
  for (std::string_view part : {who.date_of_birth, who.postcode, who.house_number}) subject.append("|").append(part);
  for (auto& c : subject) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return hmac_sha256_hex(identifier_key, "customer|" + subject);
}

std::string uuid_v7(std::int64_t unix_ms) {
  std::array<unsigned char, 16> b{};
  if (RAND_bytes(b.data() + 6, 10) != 1) throw std::runtime_error("no random bytes for a UUID");
  const auto ms = static_cast<std::uint64_t>(unix_ms);
  for (int i = 0; i < 6; ++i) b[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  b[6] = static_cast<unsigned char>(0x70 | (b[6] & 0x0f));  // version 7
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3f));  // variant 10
  const std::string h = hex(b.data(), static_cast<unsigned>(b.size()));
  return h.substr(0, 8) + '-' + h.substr(8, 4) + '-' + h.substr(12, 4) + '-' + h.substr(16, 4) + '-' + h.substr(20);
}

}  // namespace verdict::crypto
