// Source files and positions. Every value, definition and declaration carries
// a SourcePos so that an error found late (during merging, or in a template)
// still names the file, line and column where the user wrote it.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sc {

using FileId = uint32_t;
constexpr FileId kNoFile = 0;  // file id 0 is reserved for "no position"
constexpr uint32_t kNotInString = std::numeric_limits<uint32_t>::max();

struct SourcePos {
  FileId file = kNoFile;
  uint32_t line = 0;    // 1-based; 0 means unknown
  uint32_t column = 0;  // 1-based
  // For a site inside a string's value (a `{{ }}`, a condition): line and
  // column are those of the string literal, and this is the byte offset in
  // its value. Finding where that byte is written means reading the file,
  // which only an error needs: SourceFiles::resolve() does it when shown.
  uint32_t string_offset = kNotInString;
  bool known() const { return file != kNoFile && line != 0; }
  bool operator==(const SourcePos&) const = default;
};

// The site `offset` bytes into the value of the string literal at `literal`.
inline SourcePos inside_string(SourcePos literal, uint32_t offset) {
  if (literal.known()) literal.string_offset = offset;
  return literal;
}

// The registry of every file the engine read. Thread-safe: modules are parsed
// on several threads.
class SourceFiles {
 public:
  SourceFiles();

  // Registers a file by its canonical path; returns the same id for the same path.
  FileId add(const std::string& path);
  const std::string& path(FileId id) const;

  // The path to show a user: relative to `base` when below it.
  std::string display(FileId id) const;
  std::string display_path(const std::string& path) const;
  void set_display_base(std::string base) { display_base_ = std::move(base); }

  // Text of one line (1-based) of a file, read from disk on demand; nullopt
  // when the file or line is gone. Only error reporting calls this.
  std::optional<std::string> line(FileId id, uint32_t line) const;

  // The line and column to show for `pos`: for a site inside a string's
  // value, where that byte is written, found in the file's text (read from
  // disk); any other position as it is.
  SourcePos resolve(SourcePos pos) const;

 private:
  mutable std::mutex mutex_;
  std::deque<std::string> paths_;  // deque: references stay valid as it grows
  std::unordered_map<std::string, FileId> index_;
  std::string display_base_;
};

}  // namespace sc
