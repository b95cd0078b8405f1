#pragma once
// verdict::expected is tl::expected (Debian's libexpected-dev, header-only), the C++23
// std::expected with the same interface; switching to std::expected is this one file.
#include <tl/expected.hpp>

namespace verdict {
template <class T, class E>
using expected = tl::expected<T, E>;
template <class E>
using unexpected = tl::unexpected<E>;
}  // namespace verdict
