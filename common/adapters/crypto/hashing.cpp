#include "crypto/hashing.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <cctype>
#include <utility>
#include <stdexcept>

namespace verdict::crypto {

namespace {
/// 32 hex digits as 8-4-4-4-12.
std::string uuid_text(const std::string& h) {
  return h.substr(0, 8) + '-' + h.substr(8, 4) + '-' + h.substr(12, 4) + '-' + h.substr(16, 4) + '-' + h.substr(20, 12);
}

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
/// HMAC-SHA256 (RFC 2104) keyed once per thread: the SHA-256 states after the key's inner and outer
/// pads are kept, and each call copies them, hashes the data, then the inner digest. OpenSSL 3's
/// one-shot HMAC() fetched the digest and built a context on every call; an EVP_MAC context kept and
/// duplicated per call still copied three digest contexts and cost ~8,800 instructions per hash
/// (callgrind of verdictd, ten hashes per decision); two copies of one digest context cost less.
class KeyedHmac {
 public:
  KeyedHmac()
      : sha256_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), inner_(EVP_MD_CTX_new()), outer_(EVP_MD_CTX_new()),
        work_(EVP_MD_CTX_new()) {
    if (!sha256_ || !inner_ || !outer_ || !work_) throw std::runtime_error("SHA-256 is not available in this OpenSSL");
  }
  ~KeyedHmac() {
    EVP_MD_CTX_free(work_);
    EVP_MD_CTX_free(outer_);
    EVP_MD_CTX_free(inner_);
    EVP_MD_free(sha256_);
  }
  KeyedHmac(const KeyedHmac&) = delete;
  KeyedHmac& operator=(const KeyedHmac&) = delete;

  std::string digest_hex(std::string_view key, std::string_view data) {
    if (!keyed_ || key != key_) rekey(key);
    std::array<unsigned char, EVP_MAX_MD_SIZE> inner_digest{}, digest{};
    unsigned inner_length = 0, length = 0;
    const bool ok = EVP_MD_CTX_copy_ex(work_, inner_) == 1 && EVP_DigestUpdate(work_, data.data(), data.size()) == 1 &&
                    EVP_DigestFinal_ex(work_, inner_digest.data(), &inner_length) == 1 &&
                    EVP_MD_CTX_copy_ex(work_, outer_) == 1 &&
                    EVP_DigestUpdate(work_, inner_digest.data(), inner_length) == 1 &&
                    EVP_DigestFinal_ex(work_, digest.data(), &length) == 1;
    if (!ok) throw std::runtime_error("HMAC-SHA256 failed");
    return crypto::hex(digest.data(), length);
  }

 private:
  static constexpr std::size_t block = 64;  // SHA-256's block size

  void rekey(std::string_view key) {
    keyed_ = false;
    std::array<unsigned char, block> padded{};  // the key, hashed first when longer than a block
    if (key.size() > block) {
      unsigned length = 0;
      if (EVP_Digest(key.data(), key.size(), padded.data(), &length, sha256_, nullptr) != 1)
        throw std::runtime_error("HMAC-SHA256 key set-up failed");
    } else {
      std::copy(key.begin(), key.end(), padded.begin());
    }
    std::array<unsigned char, block> pad{};
    for (auto [ctx, mask] : {std::pair{inner_, 0x36}, std::pair{outer_, 0x5c}}) {
      for (std::size_t i = 0; i < block; ++i) pad[i] = static_cast<unsigned char>(padded[i] ^ mask);
      if (EVP_DigestInit_ex(ctx, sha256_, nullptr) != 1 || EVP_DigestUpdate(ctx, pad.data(), pad.size()) != 1)
        throw std::runtime_error("HMAC-SHA256 key set-up failed");
    }
    key_.assign(key);
    keyed_ = true;
  }

  EVP_MD* sha256_ = nullptr;
  EVP_MD_CTX* inner_ = nullptr;  // SHA-256 after (key ^ ipad)
  EVP_MD_CTX* outer_ = nullptr;  // SHA-256 after (key ^ opad)
  EVP_MD_CTX* work_ = nullptr;
  bool keyed_ = false;
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

namespace {
/// Random bytes from OpenSSL's CSPRNG, drawn a few kilobytes at a time per thread: one RAND_bytes call
/// (with its locking and DRBG set-up) per UUID was a fiftieth of verdictd's CPU on the cached path.
/// Each byte is handed out once; a forked child (same pool, other pid) draws its own.
void random_bytes(unsigned char* out, std::size_t n) {
  thread_local std::array<unsigned char, 4096> pool{};
  thread_local std::size_t used = pool.size();
  thread_local pid_t drawn_by = 0;
  if (pool.size() - used < n || drawn_by != ::getpid()) {
    drawn_by = ::getpid();
    if (RAND_bytes(pool.data(), static_cast<int>(pool.size())) != 1) throw std::runtime_error("no random bytes for a UUID");
    used = 0;
  }
  std::memcpy(out, pool.data() + used, n);
  used += n;
}
}  // namespace

std::string uuid_v7(std::int64_t unix_ms) {
  std::array<unsigned char, 16> b{};
  random_bytes(b.data() + 6, 10);
  const auto ms = static_cast<std::uint64_t>(unix_ms);
  for (int i = 0; i < 6; ++i) b[static_cast<std::size_t>(i)] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  b[6] = static_cast<unsigned char>(0x70 | (b[6] & 0x0f));  // version 7
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3f));  // variant 10
  return uuid_text(hex(b.data(), static_cast<unsigned>(b.size())));
}

std::string uuid_from_name(std::string_view key, std::string_view name) {
  std::string h = hmac_sha256_hex(key, name).substr(0, 32);
  h[12] = '8';                                                          // version 8
  h[16] = "89ab"[(h[16] >= 'a' ? h[16] - 'a' + 10 : h[16] - '0') & 3];  // variant 10
  return uuid_text(h);
}

}  // namespace verdict::crypto
