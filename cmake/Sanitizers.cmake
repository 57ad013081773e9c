# -DTORVYN_SANITIZE=ON: ASan + UBSan for every target. AOT modules compiled at run time are not
# instrumented (they are plain C loaded with dlopen), which ASan tolerates.
if(TORVYN_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  # GCC's -Wmaybe-uninitialized is not reliable on sanitizer-instrumented code (GCC documents
  # false positives with -fsanitize); GCC 12 reports one inside libstdc++'s <regex> at -O2, which
  # -Werror turns into a failed build. The ordinary build keeps the warning.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
  add_link_options(-fsanitize=address,undefined)
endif()
