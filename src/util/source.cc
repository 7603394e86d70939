#include "util/source.h"

#include <fstream>
#include <sstream>

#include "util/string_position.h"

namespace sc {

SourceFiles::SourceFiles() { paths_.emplace_back("<none>"); }

FileId SourceFiles::add(const std::string& path) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = index_.emplace(path, static_cast<FileId>(paths_.size()));
  if (inserted) paths_.push_back(path);
  return it->second;
}

const std::string& SourceFiles::path(FileId id) const {
  std::lock_guard lock(mutex_);
  return paths_.at(id);
}

std::string SourceFiles::display(FileId id) const { return display_path(path(id)); }

std::string SourceFiles::display_path(const std::string& p) const {
  if (!display_base_.empty() && p.size() > display_base_.size() &&
      p.compare(0, display_base_.size(), display_base_) == 0 && p[display_base_.size()] == '/') {
    return p.substr(display_base_.size() + 1);
  }
  return p;
}

std::optional<std::string> SourceFiles::line(FileId id, uint32_t wanted) const {
  if (id == kNoFile || wanted == 0) return std::nullopt;
  std::ifstream in(path(id), std::ios::binary);
  if (!in) return std::nullopt;
  std::string text;
  for (uint32_t n = 1; std::getline(in, text); ++n) {
    if (n == wanted) {
      if (!text.empty() && text.back() == '\r') text.pop_back();
      return text;
    }
  }
  return std::nullopt;
}

SourcePos SourceFiles::resolve(SourcePos pos) const {
  if (!pos.known() || pos.string_offset == kNotInString) return pos;
  std::ifstream in(path(pos.file), std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return position_in_string(text.str(), pos, pos.string_offset);
}

}  // namespace sc
