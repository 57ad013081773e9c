# torvyn_add_component: build C/C++ sources into a WebAssembly component for a Torvyn WIT world.
#
#   torvyn_add_component(NAME <target> WORLD <world> SOURCES <files...>
#                        [WIT_DIR <dir>] [WASI] [OUTPUT <file>]
#                        [INCLUDE_DIRECTORIES <dirs...>] [COMPILE_DEFINITIONS <defs...>]
#                        [COMPILE_OPTIONS <flags...>] [LINK_OPTIONS <flags...>] [ALL])
#
#   NAME     custom target to create; the component is <OUTPUT> (default
#            ${CMAKE_CURRENT_BINARY_DIR}/<NAME>.wasm), also stored in the target property
#            TORVYN_COMPONENT_FILE
#   WORLD    "transform", "data-source", "content-filter", "torvyn:aggregation/stream-aggregator", ...
#   WIT_DIR  WIT package folder or folder of package folders (default: the repository's wit/)
#   WASI     build a WASI reactor (wasm32-wasi + wasi-libc, jco new --wasi-reactor) instead of the
#            default WASI-free guest (wasm32-unknown-unknown, freestanding, SDK runtime)
#   ALL      add the target to the default build
#
# The work is done by sdk/tools/torvyn-component-build (clang-19 -> core module; stage a WIT folder
# holding only WORLD; jco embed; jco new). It writes a depfile, so edits to included headers and to
# WIT files rebuild the component. Needs clang-19, lld-19, node and `npm ci` at the repository root.

set(TORVYN_SDK_DIR "${CMAKE_CURRENT_LIST_DIR}/.." CACHE INTERNAL "Torvyn guest SDK folder")
get_filename_component(TORVYN_SDK_DIR "${TORVYN_SDK_DIR}" ABSOLUTE)
set(TORVYN_COMPONENT_BUILD "${TORVYN_SDK_DIR}/tools/torvyn-component-build" CACHE INTERNAL "")
get_filename_component(_torvyn_repo "${TORVYN_SDK_DIR}/.." ABSOLUTE)
set(TORVYN_DEFAULT_WIT_DIR "${_torvyn_repo}/wit" CACHE INTERNAL "")
set(TORVYN_JCO_JS "${_torvyn_repo}/node_modules/@bytecodealliance/jco/dist/jco.js" CACHE INTERNAL "")

find_program(TORVYN_GUEST_CLANG NAMES clang-19)
find_program(TORVYN_NODE NAMES node nodejs)

# TRUE when wasi-libc for clang-19 is installed (Debian wasi-libc): needed for torvyn_add_component(WASI).
set(TORVYN_WASI_SYSROOT_FOUND FALSE)
if(TORVYN_GUEST_CLANG)
  execute_process(COMMAND ${TORVYN_GUEST_CLANG} --target=wasm32-wasi -print-file-name=crt1-reactor.o
                  OUTPUT_VARIABLE _torvyn_crt OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(IS_ABSOLUTE "${_torvyn_crt}" AND EXISTS "${_torvyn_crt}")
    set(TORVYN_WASI_SYSROOT_FOUND TRUE)
  endif()
endif()

# TRUE when every tool the function needs is present (callers may skip components otherwise).
if(TORVYN_GUEST_CLANG AND TORVYN_NODE AND EXISTS "${TORVYN_JCO_JS}")
  set(TORVYN_COMPONENT_TOOLCHAIN_FOUND TRUE)
else()
  set(TORVYN_COMPONENT_TOOLCHAIN_FOUND FALSE)
endif()

function(torvyn_add_component)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "WASI;ALL" "NAME;WORLD;WIT_DIR;OUTPUT"
                        "SOURCES;INCLUDE_DIRECTORIES;COMPILE_DEFINITIONS;COMPILE_OPTIONS;LINK_OPTIONS")
  if(NOT ARG_NAME OR NOT ARG_WORLD OR NOT ARG_SOURCES)
    message(FATAL_ERROR "torvyn_add_component: NAME, WORLD and SOURCES are required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "torvyn_add_component: unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TORVYN_GUEST_CLANG)
    message(FATAL_ERROR "torvyn_add_component: clang-19 not found (apt-get install clang-19 lld-19)")
  endif()
  if(NOT TORVYN_NODE)
    message(FATAL_ERROR "torvyn_add_component: node not found")
  endif()
  if(NOT EXISTS "${TORVYN_JCO_JS}")
    message(FATAL_ERROR "torvyn_add_component: jco missing; run `npm ci` in ${_torvyn_repo}")
  endif()

  set(out "${ARG_OUTPUT}")
  if(NOT out)
    set(out "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}.wasm")
  endif()
  get_filename_component(out "${out}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  set(wit_dir "${ARG_WIT_DIR}")
  if(NOT wit_dir)
    set(wit_dir "${TORVYN_DEFAULT_WIT_DIR}")
  endif()
  get_filename_component(wit_dir "${wit_dir}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")

  set(sources "")
  foreach(src IN LISTS ARG_SOURCES)
    get_filename_component(abs "${src}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND sources "${abs}")
  endforeach()

  set(args --world "${ARG_WORLD}" --wit-dir "${wit_dir}" -o "${out}" --depfile "${out}.d")
  if(ARG_WASI)
    list(APPEND args --wasi)
  endif()
  foreach(dir IN LISTS ARG_INCLUDE_DIRECTORIES)
    get_filename_component(dir "${dir}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND args "-I${dir}")
  endforeach()
  foreach(def IN LISTS ARG_COMPILE_DEFINITIONS)
    list(APPEND args "-D${def}")
  endforeach()
  if(ARG_COMPILE_OPTIONS)
    list(JOIN ARG_COMPILE_OPTIONS " " flags)
    list(APPEND args --cflags "${flags}")
  endif()
  if(ARG_LINK_OPTIONS)
    list(JOIN ARG_LINK_OPTIONS " " flags)
    list(APPEND args --ldflags "${flags}")
  endif()

  get_filename_component(out_dir "${out}" DIRECTORY)
  get_filename_component(out_name "${out}" NAME)
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${out_dir}"
    COMMAND ${CMAKE_COMMAND} -E env TORVYN_CLANG=${TORVYN_GUEST_CLANG} NODE=${TORVYN_NODE}
            "${TORVYN_COMPONENT_BUILD}" ${args} ${sources}
    DEPENDS ${sources} "${TORVYN_COMPONENT_BUILD}" "${TORVYN_SDK_DIR}/tools/stage-wit.mjs"
            "${TORVYN_SDK_DIR}/tools/jco-preopens.mjs" "${TORVYN_JCO_JS}"
    DEPFILE "${out}.d"
    COMMENT "Torvyn component ${out_name} (world ${ARG_WORLD})"
    VERBATIM)

  if(ARG_ALL)
    add_custom_target(${ARG_NAME} ALL DEPENDS "${out}")
  else()
    add_custom_target(${ARG_NAME} DEPENDS "${out}")
  endif()
  set_target_properties(${ARG_NAME} PROPERTIES TORVYN_COMPONENT_FILE "${out}" TORVYN_COMPONENT_WORLD "${ARG_WORLD}")
endfunction()
