// Configuration errors and warnings as values. Every stage appends to a
// Diagnostics list instead of throwing across stage boundaries; the command
// line renders them at the end.
#pragma once

#include <string>
#include <vector>

#include "util/source.h"

namespace sc {

enum class Severity { Error, Warning };

// A further site that explains a diagnostic ("also defined here").
struct Note {
  std::string message;
  SourcePos pos;  // may be unknown: the note is then text only
};

struct Diagnostic {
  Severity severity = Severity::Error;
  std::string message;             // one line, no trailing period
  SourcePos pos;                   // the primary site
  std::string label;               // printed after the caret
  std::vector<Note> notes;         // other sites involved
  std::string help;                // what to do about it
  std::vector<std::string> trace;  // evaluation chain, shown with --show-trace
};

class Diagnostics {
 public:
  void add(Diagnostic d) { (d.severity == Severity::Error ? errors_ : warnings_)++, all_.push_back(std::move(d)); }
  void error(std::string message, SourcePos pos, std::string help = {}) {
    Diagnostic d;
    d.message = std::move(message);
    d.pos = pos;
    d.help = std::move(help);
    add(std::move(d));
  }
  void append(Diagnostics&& other) {
    for (auto& d : other.all_) add(std::move(d));
    other.all_.clear();
    other.errors_ = other.warnings_ = 0;
  }
  bool has_errors() const { return errors_ > 0; }
  size_t error_count() const { return errors_; }
  size_t warning_count() const { return warnings_; }
  const std::vector<Diagnostic>& all() const { return all_; }

 private:
  std::vector<Diagnostic> all_;
  size_t errors_ = 0;
  size_t warnings_ = 0;
};

struct RenderOptions {
  bool color = false;
  bool show_trace = false;
};

// Renders one diagnostic: the message, each site as `file:line:col` with the
// source line and a caret under the column, the notes, help and trace.
std::string render(const Diagnostic& d, const SourceFiles& files, const RenderOptions& options);

}  // namespace sc
