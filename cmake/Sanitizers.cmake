# -DTORVYN_SANITIZE=ON: ASan + UBSan for every target. AOT modules compiled at run time are not
# instrumented (they are plain C loaded with dlopen), which ASan tolerates.
if(TORVYN_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
