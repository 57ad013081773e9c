// Whole-file reads and writes for tests: fixtures, built components, outputs a run wrote.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace torvyn::test {

// The file's contents; empty when it cannot be read (the test's own assertions say what was missing).
std::string read_file(const std::filesystem::path& p);
std::vector<uint8_t> read_bytes(const std::filesystem::path& p);
// Creates the parent directories, then replaces the file.
void write_file(const std::filesystem::path& p, const std::string& text);

}  // namespace torvyn::test
