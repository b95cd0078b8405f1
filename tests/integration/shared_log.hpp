#pragma once
// A log that several threads write to at once. verdictd writes its log from its request, policy
// follower and sink threads, and a benchmark may hand one log to several daemons; an
// std::ostringstream is not safe for that (concurrent writes corrupted the heap in bench_kafka,
// where the followers of three daemons log the same swap at the same moment).
#include <mutex>
#include <ostream>
#include <streambuf>
#include <string>

namespace verdict::test {

class SharedLog : public std::ostream {
 public:
  SharedLog() : std::ostream(&buffer_) {}
  SharedLog(const SharedLog&) = delete;
  SharedLog& operator=(const SharedLog&) = delete;

  /// Everything written so far. Lines written at the same moment by different threads may be
  /// interleaved, never lost.
  std::string str() const {
    std::lock_guard lock(buffer_.mutex);
    return buffer_.text;
  }

 private:
  /// No put area of its own: every character reaches overflow() or xsputn(), under the lock.
  struct Buffer : std::streambuf {
    mutable std::mutex mutex;
    std::string text;

    int_type overflow(int_type c) override {
      if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
      std::lock_guard lock(mutex);
      text.push_back(traits_type::to_char_type(c));
      return c;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
      std::lock_guard lock(mutex);
      text.append(s, static_cast<std::size_t>(n));
      return n;
    }
  };
  Buffer buffer_;
};

}  // namespace verdict::test
