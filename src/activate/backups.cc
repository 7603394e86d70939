#include "activate/backups.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "activate/state_file.h"

namespace sc {

namespace {
constexpr const char* kFile = "backups.json";

// first, first.1, first.2, ...: the names a path's backups take in turn.
std::string backup_candidate(const std::string& first, int n) {
  if (n > 1000) throw FsError(fmt::format("too many backups named `{}`", first), EEXIST);
  return n == 0 ? first : fmt::format("{}.{}", first, n);
}
}  // namespace

BackupRecord backups_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw_damaged(kFile, "it is not a JSON object of paths");
  BackupRecord out;
  for (const auto& [path, backup] : j.items()) {
    bool home = path.starts_with("~") && path.find('/') != std::string::npos;
    if (!(path.starts_with("/") || home) || path.find('\0') != std::string::npos)
      throw_damaged(kFile, fmt::format("{} is not a managed path", nlohmann::json(path).dump()));
    if (!backup.is_string())
      throw_damaged(kFile, fmt::format("the backup of {} is not a file name", nlohmann::json(path).dump()));
    std::string name = backup.get<std::string>();
    if (name.find('/') != std::string::npos || name == "." || name == ".." || name.find('\0') != std::string::npos)
      throw_damaged(kFile, fmt::format("the backup of {} is not a file name beside it", nlohmann::json(path).dump()));
    out[path] = name;
  }
  return out;
}

nlohmann::json backups_to_json(const BackupRecord& record) { return nlohmann::json(record); }

BackupRecord read_backups(const Root& root) {
  auto j = read_state_file(root, kFile);
  if (!j) return {};
  return backups_from_json(*j);
}

void write_backups(const Root& root, const BackupRecord& record) { write_state_file(root, kFile, backups_to_json(record)); }

std::string free_backup_name(int dir, const std::string& first) {
  int n = 0;
  while (!absent_at(dir, backup_candidate(first, n))) ++n;
  return backup_candidate(first, n);
}

std::string newest_backup_name(int dir, const std::string& first) {
  int n = 0;
  while (n <= 1000 && !absent_at(dir, backup_candidate(first, n))) ++n;
  return n == 0 ? "" : backup_candidate(first, n - 1);
}

RemovalNote note_removal(Removal removal, const std::string& shown, const std::optional<std::string>& backup, int dir,
                         const std::string& edited) {
  switch (removal) {
    case Removal::Removed: return {"", false};
    case Removal::PutBack: return {fmt::format("{}: put back from {}", shown, *backup), true};
    case Removal::BackupGone: return {fmt::format("{}: removed; its backup {} is gone", shown, *backup), true};
    case Removal::LeftEdited: break;
  }
  return {fmt::format("{}: {}", shown, edited.empty() ? "changed by hand; left alone" : edited),
          backup && absent_at(dir, *backup)};
}

std::string reusable_backup(const BackupRecord& record, const std::string& key, int dir) {
  auto known = record.find(key);
  if (known == record.end() || known->second.empty() || !absent_at(dir, known->second)) return "";
  return known->second;
}

bool absent_at(int dir, const std::string& name) { return stat_at(dir, name).type == FileStat::Type::Missing; }

Removal remove_managed(int dir, const std::string& name, const std::optional<std::string>& backup,
                       const std::function<bool(const std::string&)>& ours, const std::function<void()>& exchanged) {
  // The identity of what is at `name` is taken before it is judged ours, so
  // that what the exchange swaps out can be checked to be what was judged.
  struct stat before {};
  bool present = fstatat(dir, name.c_str(), &before, AT_SYMLINK_NOFOLLOW) == 0;
  if (!present && backup && !absent_at(dir, *backup) && rename_noreplace(dir, *backup, name))
    return Removal::PutBack;  // sysconf's entry removed by hand: nothing at the path to lose
  if (present && stat_at(dir, name).mount_point) return Removal::LeftEdited;  // never unmounted by sysconf
  if (!present || !ours(name)) {
    if (backup && !absent_at(dir, *backup) && ours(*backup)) {
      unlink_at(dir, *backup);  // an exchange done before a crash: finish it
      return Removal::PutBack;
    }
    return Removal::LeftEdited;
  }
  if (!backup) {
    unlink_at(dir, name);
    return Removal::Removed;
  }
  if (absent_at(dir, *backup)) {
    unlink_at(dir, name);
    return Removal::BackupGone;
  }
  exchange_at(dir, *backup, name);
  if (exchanged) exchanged();
  struct stat after {};
  if (fstatat(dir, backup->c_str(), &after, AT_SYMLINK_NOFOLLOW) != 0 || after.st_dev != before.st_dev ||
      after.st_ino != before.st_ino) {
    exchange_at(dir, *backup, name);  // it changed while judged: as it was
    return Removal::LeftEdited;
  }
  unlink_at(dir, *backup);
  return Removal::PutBack;
}

}  // namespace sc
