// What the artifact commands (pack, sign, verify, inspect, key) share: opening a local artifact
// reference (a layout directory or .tar, optionally :REF or @sha256:DIGEST), passphrases, keys,
// and the exit code an artifact error gives.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli.h"
#include "registry_args.h"
#include "torvyn/packaging/oci.h"
#include "torvyn/packaging/signing.h"

namespace torvyn::cli {

struct LoadedArtifact {
  packaging::LocalRef ref;
  packaging::Layout layout;
  packaging::Image image;
  std::string name() const;  // "DIR:upper:0.1.0"
};

// True when `text` names a layout (a directory, a .tar, either followed by :REF or @DIGEST).
bool is_artifact_ref(const std::string& text);

// Reads and verifies the layout and selects the image; prints the error and sets `code` when it
// cannot (see artifact_exit_code). An oci:// reference is read from the artifact store (pulled
// into it first when needed: packaging/oci_resolve.h).
// `registry`: the command's registry options for an oci:// reference (nullptr = defaults).
std::optional<LoadedArtifact> load_artifact(const Globals& g, const std::string& text, int& code, const RegistryArgs* registry = nullptr);

// 2 for what the user must fix in the command (no such path, no such image, a key file, an
// oci:// reference) and 1 for an artifact that fails its checks (corrupt, incomplete, bad
// signature, not a component).
int artifact_exit_code(const Error& e);

// The passphrase: the first line of `file` when given, else $TORVYN_KEY_PASSPHRASE, else none.
std::optional<std::string> passphrase(const std::string& file, Error* error);

// Public keys for verification; prints the error and sets `code` on the first that fails.
std::optional<std::vector<packaging::Key>> load_public_keys(const Globals& g, const std::vector<std::string>& files, int& code);

// "oci://..." references for commands that change a local layout (sign): refused, saying how to
// pull the artifact into one.
bool refuse_registry_ref(const Globals& g, const std::string& text, int& code);

}  // namespace torvyn::cli
