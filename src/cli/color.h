// Colour in human output (`--color auto|always|never`): the parts people scan for — severity
// labels of diagnostics, `help` lines, a flow's final state — painted with ANSI escapes. The text
// is rendered plain by the layers below; colour is added here, at the terminal's edge, so JSON,
// files and pipes never see an escape sequence unless asked with `--color always`.
#pragma once

#include <string>
#include <string_view>

namespace torvyn::cli {

// Whether output written to file descriptor `fd` gets colour: "always", "never", or "auto" = the
// descriptor is a terminal, TERM is not "dumb" and NO_COLOR is unset or empty (no-color.org).
bool color_enabled(std::string_view mode, int fd);

// `text` with ANSI colour on severity labels (error red, warning yellow), `help`/`note` lines
// (cyan), and the state in "flow NAME: STATE in ..." (Completed green, Failed red, Cancelled
// yellow). Everything else, and the text itself, is unchanged.
std::string colorize(std::string_view text);

}  // namespace torvyn::cli
