# torvyn_e2e_suite_can_run(<suite> <out-var>): whether an end-to-end suite that builds components
# and drives the torvyn binary can run here. It needs the binary and the guest toolchain
# (clang-19, node, and jco from `npm ci`); without them the suite is skipped with a warning, not
# failed. The caller returns when <out-var> is false. (It reads the cache entries sdk/ sets, which
# are global; sdk/'s TORVYN_COMPONENT_TOOLCHAIN_FOUND is scoped to sdk/.)
function(torvyn_e2e_suite_can_run suite out)
  set(${out} FALSE PARENT_SCOPE)
  if(NOT TARGET torvyn)
    return()
  endif()
  if(NOT TORVYN_GUEST_CLANG OR NOT TORVYN_NODE OR NOT EXISTS "${TORVYN_JCO_JS}")
    message(WARNING "${suite} tests need clang-19, node and jco (run `npm ci`); skipped")
    return()
  endif()
  set(${out} TRUE PARENT_SCOPE)
endfunction()
