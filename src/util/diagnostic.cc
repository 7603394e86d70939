#include "util/diagnostic.h"

#include <fmt/format.h>

namespace sc {

namespace {

struct Style {
  bool on;
  std::string paint(std::string_view code, std::string_view text) const {
    if (!on) return std::string(text);
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
  }
};

// The caret line: keeps tabs from the source so the caret lines up.
std::string caret_prefix(const std::string& line, uint32_t column) {
  std::string prefix;
  for (uint32_t i = 0; i + 1 < column; ++i) prefix += (i < line.size() && line[i] == '\t') ? '\t' : ' ';
  return prefix;
}

void render_site(std::string& out, SourcePos pos, std::string_view label, const SourceFiles& files,
                 const Style& style) {
  if (!pos.known()) return;
  pos = files.resolve(pos);
  std::string number = std::to_string(pos.line);
  std::string gutter(number.size(), ' ');
  out += fmt::format("{} {} {}:{}:{}\n", gutter, style.paint("1;34", "-->"), files.display(pos.file), pos.line,
                     pos.column);
  auto text = files.line(pos.file, pos.line);
  if (!text) return;
  out += fmt::format("{} {}\n", gutter, style.paint("1;34", "|"));
  out += fmt::format("{} {} {}\n", style.paint("1;34", number), style.paint("1;34", "|"), *text);
  std::string caret = caret_prefix(*text, pos.column) + "^";
  if (!label.empty()) caret += fmt::format(" {}", label);
  out += fmt::format("{} {} {}\n", gutter, style.paint("1;34", "|"), style.paint("1;31", caret));
}

}  // namespace

std::string render(const Diagnostic& d, const SourceFiles& files, const RenderOptions& options) {
  Style style{options.color};
  std::string out;
  bool error = d.severity == Severity::Error;
  out += style.paint(error ? "1;31" : "1;33", error ? "error" : "warning");
  out += style.paint("1", fmt::format(": {}", d.message));
  out += '\n';
  render_site(out, d.pos, d.label, files, style);
  for (const Note& note : d.notes) {
    out += fmt::format("{}: {}\n", style.paint("1;36", "note"), note.message);
    render_site(out, note.pos, "", files, style);
  }
  if (!d.help.empty()) out += fmt::format("{}: {}\n", style.paint("1;32", "help"), d.help);
  if (options.show_trace) {
    for (const std::string& step : d.trace) out += fmt::format("{}: {}\n", style.paint("1;35", "trace"), step);
  }
  return out;
}

}  // namespace sc
