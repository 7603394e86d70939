// What switch and rollback show while they work (DESIGN.md section 8): each
// step's output on stdout as it happens, and on a terminal a progress line
// on stderr naming the phase being worked on, cleared before anything else
// is printed and when the work is done.
#pragma once

#include <string>

#include "activate/activate.h"

namespace sc {

class ActivationConsole {
 public:
  // `print`: output goes to stdout as it comes (off with --json, whose one
  // document is printed at the end); `errors_only` (-q): of it, only the
  // failures. `progress`: draw the progress line.
  ActivationConsole(bool print, bool errors_only, bool progress);
  ~ActivationConsole();
  ActivationConsole(const ActivationConsole&) = delete;
  ActivationConsole& operator=(const ActivationConsole&) = delete;

  // The callbacks an ActivationReport calls. REQUIRES: this console
  // outlives the report they are given to.
  ActivationProgress progress();

 private:
  void print(const std::string& text);
  void phase(const std::string& phase);
  void clear();
  void draw();

  bool print_;
  bool errors_only_;
  bool progress_;
  std::string phase_;
  bool shown_ = false;
};

// Whether a progress line belongs on stderr: a terminal, and not -q.
bool want_progress_line(int verbosity);

}  // namespace sc
