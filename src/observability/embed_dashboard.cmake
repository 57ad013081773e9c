# Writes OUT: a C++ table of the web dashboard's files under DIR (name -> contents), so the
# inspection API serves GET / from the binary alone: nothing is read from disk or fetched from a
# network at run time. Run with cmake -P.
file(GLOB files RELATIVE ${DIR} ${DIR}/*)
list(SORT files)
set(body "// Generated from src/observability/dashboard by embed_dashboard.cmake. Do not edit.\n#include \"dashboard_assets.h\"\n\nnamespace torvyn::observability::detail {\n\nconst std::vector<DashboardAsset>& dashboard_assets() {\n  static const std::vector<DashboardAsset> assets = {\n")
foreach(f IN LISTS files)
  file(READ ${DIR}/${f} text)
  string(FIND "${text}" ")TORVYN_ASSET" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${f} contains the raw-string delimiter )TORVYN_ASSET")
  endif()
  string(APPEND body "      {\"${f}\", R\"TORVYN_ASSET(${text})TORVYN_ASSET\"},\n")
endforeach()
string(APPEND body "  };\n  return assets;\n}\n\n}  // namespace torvyn::observability::detail\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
