// What the registry commands (publish, pull, lock) share: their connection options and where the
// credentials come from, and the exit code a registry error gives.
//
// Credentials, first found wins: --username with --password-stdin (the password is read from
// standard input, never taken from the command line, where `ps` and shell history would show it);
// TORVYN_REGISTRY_USERNAME and TORVYN_REGISTRY_PASSWORD; the registry's entry in docker's
// config.json ($DOCKER_CONFIG/config.json or ~/.docker/config.json, as `docker login` writes it).
// None: anonymous (a registry that asks for credentials then gets E0981 with this list).
#pragma once

#include <string>

#include "cli.h"
#include "torvyn/packaging/registry_client.h"

namespace torvyn::cli {

struct RegistryArgs {
  std::string username;
  bool password_stdin = false;
  std::string ca_file;
  bool plain_http = false;
};

void add_registry_options(CLI::App* command, RegistryArgs& args);
// Whether any of them was given (commands that also take local paths refuse them there).
bool any_registry_option(const RegistryArgs& args);

// `args` completed from the manifest's [registry."<ref's host>"] section: its plain_http and
// ca_file apply where the command line gave neither option.
RegistryArgs with_manifest_registry(RegistryArgs args, const config::Config& cfg, const packaging::RegistryRef& ref);

// The client options for `ref`: credentials resolved as above, TLS and plain-HTTP settings.
// E0981 for a --username without a password (or the reverse), IoError for an unreadable stdin.
Result<packaging::RegistryOptions> registry_options(const RegistryArgs& args, const packaging::RegistryRef& ref, bool push);

// 2 for what the command line must fix (a malformed reference, --plain-http to a remote host, an
// unreadable file, a manifest the registry does not have), 3 for the environment (the registry
// unreachable, a TLS trust problem, an unsafe store directory), 1 for the rest (the registry
// refused or answered wrongly, digests that do not match, a blob too large).
int registry_exit_code(const Error& e);

}  // namespace torvyn::cli
