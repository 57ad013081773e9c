# Writes OUT: a C++ table of every file under DIR (relative path -> contents), so `torvyn init`
# needs nothing from the source tree at run time. Run with cmake -P.
file(GLOB_RECURSE files RELATIVE ${DIR} ${DIR}/*)
list(SORT files)
set(body "// Generated from src/cli/templates by embed_templates.cmake. Do not edit.\n#include \"templates.h\"\n\nnamespace torvyn::cli {\n\nconst std::vector<TemplateFile>& template_files() {\n  static const std::vector<TemplateFile> files = {\n")
foreach(f IN LISTS files)
  file(READ ${DIR}/${f} text)
  string(APPEND body "      {\"${f}\", R\"TORVYN_TEMPLATE(${text})TORVYN_TEMPLATE\"},\n")
endforeach()
string(APPEND body "  };\n  return files;\n}\n\n}  // namespace torvyn::cli\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
