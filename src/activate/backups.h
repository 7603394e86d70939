// The backups sysconf made of files that were in the way
// (/var/lib/sysconf/backups.json), so that when a generation stops managing
// a path, the file that was there before comes back (HAZARDS.md 23).
#pragma once

#include <map>
#include <string>

#include "util/safe_fs.h"

namespace sc {

// path ("/etc/x", or "~user/rel" for a home) → the backup's name beside it;
// "" for a link that was there before and that sysconf adopted (it stays
// when sysconf stops managing the path).
using BackupRecord = std::map<std::string, std::string>;

BackupRecord read_backups(const Root& root);
void write_backups(const Root& root, const BackupRecord& record);

// Moves `name` in `dir` aside to `backup` (plan.h's backup_name), or
// `backup`.N when older backups exist (never clobbered). Returns the
// backup's name.
std::string move_aside(int dir, const std::string& name, const std::string& backup);

}  // namespace sc
