#include "activate/state_file.h"

#include <fmt/format.h>

#include "store/store.h"

namespace sc {

namespace {
std::string runtime_path(const char* name) { return fmt::format("{}/{}", kStateDir, name); }
}  // namespace

std::optional<nlohmann::json> read_state_file(const Root& root, const char* name) {
  Fd dir;
  try {
    dir = open_dir_beneath(root.fd(), Root::relative(kStateDir), false);
  } catch (const FsError& e) {
    if (e.error == ENOENT) return std::nullopt;  // nothing activated yet
    throw;
  }
  FileStat st = stat_at(dir.get(), name);
  if (st.type == FileStat::Type::Missing) return std::nullopt;
  if (st.type != FileStat::Type::File) throw DamagedState(runtime_path(name), "it is not a regular file");
  std::string text;
  try {
    text = read_file_at(dir.get(), name);
  } catch (const FsError& e) {
    throw DamagedState(runtime_path(name), fmt::format("it cannot be read ({})", e.what()));
  }
  return parse_state_text(name, text);
}

nlohmann::json parse_state_text(const char* name, const std::string& text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw DamagedState(runtime_path(name), text.empty() ? "it is empty" : fmt::format("it is not JSON ({})", e.what()));
  }
}

void throw_damaged(const char* name, const std::string& what) { throw DamagedState(runtime_path(name), what); }

void write_state_file(const Root& root, const char* name, const nlohmann::json& record) {
  Fd dir = open_dir_beneath(root.fd(), Root::relative(kStateDir), true, 0755);
  write_file_at(dir.get(), name, record.dump(2) + "\n", 0644);
}

}  // namespace sc
