# Interface targets that carry compile options; every project target links them
# instead of setting flags one by one.

add_library(verdict_warnings INTERFACE)
add_library(verdict::warnings ALIAS verdict_warnings)
target_compile_options(verdict_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough)
# GCC 12 false positives outside our code: -Wrestrict inside libstdc++'s std::string at -O3
# (GCC bug 105651), and -Wmismatched-new-delete on Asio's coroutine frames, which pair their own
# operator new and delete (GCC bug 109224).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(verdict_warnings INTERFACE -Wno-restrict -Wno-mismatched-new-delete)
endif()
if(VERDICT_WARNINGS_AS_ERRORS)
  target_compile_options(verdict_warnings INTERFACE -Werror)
endif()

add_library(verdict_options INTERFACE)
add_library(verdict::options ALIAS verdict_options)
if(VERDICT_SANITIZE)
  target_compile_options(verdict_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(verdict_options INTERFACE -fsanitize=address,undefined)
endif()
