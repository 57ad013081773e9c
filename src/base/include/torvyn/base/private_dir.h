// Directories and files that Torvyn keeps for one user (the state directory with the inspection
// socket and audit log, the compilation cache) must not be plantable by anyone else: a directory
// another local user owns or can write into lets them put a symbolic link where the audit log goes
// or a compiled module where Torvyn loads one. These helpers create such directories 0700 and
// refuse existing ones that are not ours, with an error (E0902) that names the directory and the fix.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "torvyn/base/result.h"

namespace torvyn {

enum class DirTrust {
  OwnerOnly,            // no access at all for group or others (0700): the state directory
  NotWritableByOthers,  // group and others may read, never write: a cache of our own artifacts
};

// Creates `dir` (and each missing parent) with mode 0700 when absent, then checks it without
// following a symbolic link: it must be a directory, owned by the effective user, with the access
// `trust` allows. `what` names it in messages ("state directory", "compilation cache directory").
Status ensure_private_dir(const std::string& dir, DirTrust trust, std::string_view what);

// Checks an existing directory that holds one of our files but is not ours to create (the parent of
// a configured audit log): owned by the effective user or root, and not writable by group or others
// unless it is sticky (like /tmp, where nobody can remove or replace another user's file).
Status check_parent_dir(const std::string& dir, std::string_view what);

// Opens `path` for appending, creating it with `mode` (umask applied); never follows a symbolic
// link in the last component, closes on exec, and refuses anything that is not a regular file
// owned by the effective user. Returns the descriptor.
Result<int> open_private_append(const std::string& path, mode_t mode = 0600);

}  // namespace torvyn
