// The `nabla` command; everything is in app.cpp and the subcommands' files.
#include <unistd.h>

#include <iostream>

#include "app.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return nabla::cli::run_command(std::vector<std::string>(argv + 1, argv + argc), std::cout,
                                 std::cerr, ::isatty(STDOUT_FILENO) != 0);
}
