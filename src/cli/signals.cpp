#include "signals.h"

#include <atomic>
#include <csignal>

namespace nabla::cli {

namespace {

std::atomic<int> g_stop_signal{0};
std::atomic<int64_t> g_batches_left{0};
std::atomic<int> g_hook_signal{SIGINT};

struct sigaction g_previous_int, g_previous_term;

extern "C" void on_stop_signal(int signal_number) {
  int expected = 0;
  if (!g_stop_signal.compare_exchange_strong(expected, signal_number)) {
    // Asked twice: the user means it. Die by the signal's default action.
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
  }
}

}  // namespace

StopSignalGuard::StopSignalGuard() {
  struct sigaction action = {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

StopSignalGuard::~StopSignalGuard() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
}

int stop_requested() {
  return g_stop_signal.load();
}
void request_stop(int signal_number) {
  g_stop_signal.store(signal_number);
}
void clear_stop() {
  g_stop_signal.store(0);
}

void stop_after_batches(int64_t batches, int signal_number) {
  g_hook_signal.store(signal_number);
  g_batches_left.store(batches);
}

void count_batch() {
  if (g_batches_left.load() > 0 && --g_batches_left == 0) request_stop(g_hook_signal.load());
}

}  // namespace nabla::cli
