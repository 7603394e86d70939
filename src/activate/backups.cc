#include "activate/backups.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/store.h"

namespace sc {

BackupRecord read_backups(const Root& root) {
  try {
    Fd dir = open_dir_beneath(root.fd(), Root::relative(kStateDir), false);
    if (stat_at(dir.get(), "backups.json").type == FileStat::Type::Missing) return {};
    return nlohmann::json::parse(read_file_at(dir.get(), "backups.json")).get<BackupRecord>();
  } catch (...) {
    return {};
  }
}

void write_backups(const Root& root, const BackupRecord& record) {
  Fd dir = open_dir_beneath(root.fd(), Root::relative(kStateDir), true);
  write_file_at(dir.get(), "backups.json", nlohmann::json(record).dump(2) + "\n", 0644);
}

std::string move_aside(int dir, const std::string& name, const std::string& first) {
  std::string backup = first;
  for (int n = 1; !rename_noreplace(dir, name, backup); ++n) {
    backup = fmt::format("{}.{}", first, n);
    if (n > 1000) throw FsError(fmt::format("too many backups of `{}`", name), EEXIST);
  }
  return backup;
}

}  // namespace sc
