#include "cli/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sc {

namespace {

// The terminal's width, so that the line never wraps (a wrapped line
// cannot be cleared with one carriage return).
size_t terminal_width() {
  struct winsize ws;
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1) return ws.ws_col - 1;
  return 79;
}

}  // namespace

bool want_progress_line(int verbosity) {
  const char* term = std::getenv("TERM");
  return verbosity >= 0 && isatty(STDERR_FILENO) && !(term && std::strcmp(term, "dumb") == 0);
}

ActivationConsole::ActivationConsole(bool print, bool errors_only, bool progress)
    : print_(print), errors_only_(errors_only), progress_(progress) {}

ActivationConsole::~ActivationConsole() { clear(); }

ActivationProgress ActivationConsole::progress() {
  ActivationProgress p;
  if (print_) p.print = [this](const std::string& text) { print(text); };
  if (progress_) p.phase = [this](const std::string& name) { phase(name); };
  return p;
}

void ActivationConsole::print(const std::string& text) {
  if (errors_only_ && !text.starts_with("error: ")) return;
  clear();
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  draw();
}

void ActivationConsole::phase(const std::string& phase) {
  clear();
  phase_ = phase;
  draw();
}

void ActivationConsole::clear() {
  if (!shown_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}

void ActivationConsole::draw() {
  if (!progress_ || phase_.empty()) return;
  std::string line = phase_.size() > terminal_width() ? phase_.substr(0, terminal_width()) : phase_;
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  shown_ = true;
}

}  // namespace sc
