#pragma once
// Counts every global heap allocation of the program that includes this header. Include it in
// exactly one translation unit of an executable: it replaces the global operator new and delete.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace verdict::test {
inline std::atomic<std::uint64_t> heap_allocations{0};
}

void* operator new(std::size_t size) {
  verdict::test::heap_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
