// The `nabla` command line: subcommands train, eval, predict, summary and
// models, parsed with CLI11. main() only calls run_command.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace nabla::cli {

// Runs `nabla args...` (args without the program name) and returns the exit
// code: 0, 1 for bad input (one "nabla: error: ..." line on err), or 130/143
// when a signal stopped training. tty draws progress bars in place.
int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                bool tty = false);

}  // namespace nabla::cli
