// The hashing adapter: SHA-256 and HMAC-SHA256 against published test vectors (FIPS 180-2,
// RFC 4231), including a key change on the same thread and concurrent use from several threads,
// since the HMAC keeps a keyed context per thread.
#include <QtTest/QtTest>

#include <algorithm>

#include <string>
#include <thread>
#include <vector>

#include "crypto/hashing.hpp"

using namespace verdict;

class HashingTest : public QObject {
  Q_OBJECT
 private slots:
  void sha256_vectors() {
    QCOMPARE(crypto::sha256_hex("abc"), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    QCOMPARE(crypto::sha256_hex(""), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  }

  void hmac_rfc4231_vectors() {
    const std::string key1(20, '\x0b');
    QCOMPARE(crypto::hmac_sha256_hex(key1, "Hi There"),
             std::string("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
    // A different key on the same thread must not reuse the first one's context.
    QCOMPARE(crypto::hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
             std::string("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
    QCOMPARE(crypto::hmac_sha256_hex(key1, "Hi There"),
             std::string("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
    // Keys longer than the block are hashed first (RFC 4231 test case 6).
    const std::string long_key(131, '\xaa');
    QCOMPARE(crypto::hmac_sha256_hex(long_key, "Test Using Larger Than Block-Size Key - Hash Key First"),
             std::string("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
  }

  void uuid_from_name_is_the_names_and_a_version_8_uuid() {
    const std::string a = crypto::uuid_from_name("verdict import", "APP-1");
    QCOMPARE(a, crypto::uuid_from_name("verdict import", "APP-1"));
    QVERIFY(a != crypto::uuid_from_name("verdict import", "APP-2"));
    QVERIFY(a != crypto::uuid_from_name("another key", "APP-1"));
    QCOMPARE(a.size(), std::size_t{36});
    QCOMPARE(a[14], '8');                                          // version
    QVERIFY(std::string("89ab").find(a[19]) != std::string::npos);  // variant 10
    // The HMAC's first 16 bytes, with those two nibbles set.
    std::string digest = crypto::hmac_sha256_hex("verdict import", "APP-1").substr(0, 32);
    std::string plain = a;
    plain.erase(std::remove(plain.begin(), plain.end(), '-'), plain.end());
    QCOMPARE(plain.substr(0, 12), digest.substr(0, 12));
    QCOMPARE(plain.substr(17), digest.substr(17));
  }

  void uuid_v7_is_time_ordered() {
    const std::int64_t ms = 1'796'083'200'123;  // 2026-12-01T00:00:00.123Z = 0x01a22ee6b07b
    const std::string a = crypto::uuid_v7(ms);
    QCOMPARE(a.size(), std::size_t{36});
    QCOMPARE(a.substr(0, 13), std::string("01a22ee6-b07b"));  // the instant, big-endian
    QCOMPARE(a[8], '-');
    QCOMPARE(a[14], '7');                                      // version
    QVERIFY(std::string("89ab").find(a[19]) != std::string::npos);  // variant 10
    for (char c : a) QVERIFY(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    QVERIFY(crypto::uuid_v7(ms) != a);      // random below the millisecond
    QVERIFY(crypto::uuid_v7(ms + 1) > a);   // and ordered by it
    QVERIFY(crypto::uuid_v7(ms + 1000) > crypto::uuid_v7(ms + 999));
  }

  void hmac_empty_key_and_data() {
    QCOMPARE(crypto::hmac_sha256_hex("", ""),
             std::string("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"));
  }

  void hmac_from_many_threads_agrees() {
    const std::string expected = crypto::hmac_sha256_hex("Jefe", "what do ya want for nothing?");
    std::vector<std::thread> threads;
    std::atomic<int> mismatches{0};
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 500; ++i) {
          const std::string key = (i + t) % 2 ? "Jefe" : "other";
          const auto h = crypto::hmac_sha256_hex(key, "what do ya want for nothing?");
          if ((key == "Jefe") != (h == expected)) ++mismatches;
        }
      });
    for (auto& t : threads) t.join();
    QCOMPARE(mismatches.load(), 0);
  }
};

QTEST_GUILESS_MAIN(HashingTest)
#include "test_hashing.moc"
