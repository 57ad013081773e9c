// SHA-256, computed by OpenSSL (DESIGN.md §1: hashing is OpenSSL's, never hand-written), as 64
// lowercase hex digits. One helper for every digest Torvyn shows or records: a component's digest
// (GET /components, torvyn inspect) and the aot compilation cache's keys and entry records.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace torvyn {

std::string sha256_hex(std::span<const uint8_t> data);

// The same of the whole file behind `fd`, read with pread from offset 0 (never mapped: a file that
// shrinks meanwhile cannot fault us). "" on a read error.
std::string sha256_hex_of_fd(int fd);

// "sha256:<hex>": the OCI digest form, as in oci://registry/repository@sha256:<hex> references.
std::string sha256_digest(std::span<const uint8_t> data);

}  // namespace torvyn
