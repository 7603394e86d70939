// The backups sysconf made of files that were in the way
// (/var/lib/sysconf/backups.json), so that when a generation stops managing
// a path, the file that was there before comes back (HAZARDS.md 23).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "util/safe_fs.h"

namespace sc {

// path ("/etc/x", or "~user/rel" for a home) → the backup's name beside it;
// "" for a link that was there before and that sysconf adopted (it stays
// when sysconf stops managing the path).
using BackupRecord = std::map<std::string, std::string>;

// Empty when there is none. Throws DamagedState (state_file.h) when the
// record cannot be read or is not one.
BackupRecord read_backups(const Root& root);
void write_backups(const Root& root, const BackupRecord& record);

// The record as JSON and back; the reader throws DamagedState.
BackupRecord backups_from_json(const nlohmann::json& j);
nlohmann::json backups_to_json(const BackupRecord& record);

// The name to move `name` in `dir` aside to: `first` (plan.h's
// backup_name), or `first`.N when older backups exist (never clobbered).
// The caller records it (the intent) before it renames, so that a crash
// between leaves a record whose backup was never made, which is harmless,
// and never a backup that is not recorded.
std::string free_backup_name(int dir, const std::string& first);

// The newest backup named `first` or `first`.N in `dir` (the last before
// the first free name), or "" when there is none.
std::string newest_backup_name(int dir, const std::string& first);

// What became of a path sysconf stopped managing (remove_managed).
enum class Removal {
  Removed,      // sysconf's entry removed; there was no backup
  PutBack,      // the backup is back in its place
  BackupGone,   // sysconf's entry removed; its recorded backup no longer exists
  LeftEdited,   // not what sysconf put there (or a mount point): left alone
};

// Removes the entry `name` in `dir` that sysconf put there, and puts the
// recorded `backup` (if any) back in its place with one atomic exchange, so
// that a crash leaves the path holding either sysconf's entry or the backup,
// never nothing. `ours(n)` says whether the entry named n in `dir` is what
// sysconf put at the path; a put-back that a crash interrupted after its
// exchange (the backup in place, sysconf's entry under the backup's name) is
// finished. `exchanged` is called between the exchange and the removal (a
// crash test's point). Throws FsError.
Removal remove_managed(int dir, const std::string& name, const std::optional<std::string>& backup,
                       const std::function<bool(const std::string&)>& ours, const std::function<void()>& exchanged);

// What to tell of a removal at `shown` ("/etc/x", "~user/x"), and whether
// the record of its backup goes: it goes once the backup is back or gone,
// and when it was recorded but never made (a crash between the two).
struct RemovalNote {
  std::string message;  // "" for nothing to tell
  bool forget = false;
};
// `edited`: what to say of a path left alone ("" for the usual).
RemovalNote note_removal(Removal removal, const std::string& shown, const std::optional<std::string>& backup, int dir,
                         const std::string& edited = "");

// The recorded backup name of `key` when the record was written but the
// backup never made (a crash between): moving the file aside again reuses
// it. "" otherwise.
std::string reusable_backup(const BackupRecord& record, const std::string& key, int dir);

// Whether `dir` has no entry `name`.
bool absent_at(int dir, const std::string& name);

}  // namespace sc
