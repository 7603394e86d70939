// The plan (DESIGN.md section 6, step 2): what activating generation `to`
// over generation `from` will do, decided from the two manifests and the
// files actually on disk, before anything changes. Like LevelDB's
// VersionEdit, a change as a value: printed by --dry-run, carried out by
// activate, and compared by tests.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plan/accounts.h"
#include "plan/generation_diff.h"
#include "plan/passwords.h"
#include "store/manifest.h"
#include "units/unit_plan.h"
#include "util/diagnostic.h"
#include "util/safe_fs.h"

namespace sc {

enum class FileOp {
  Create,     // not there: write it
  Update,     // ours, and it changes
  Keep,       // ours, unchanged
  Remove,     // ours, and the new generation drops it
  Backup,     // something that is not ours is in the way: move it aside, then write
  LeaveEdited,  // ours once, edited by hand since: left alone and reported
  LeaveGone,    // dropped, but edited by hand: left alone and reported
  Blocked,      // in a home, a parent is a symlink or a file: not written, reported as a failure
};

struct FileStep {
  FileOp op;
  std::string path;            // /etc/x, or relative to a home
  const ManifestFile* entry = nullptr;  // the new entry (null for Remove/LeaveGone)
  const ManifestFile* old = nullptr;    // the old entry, if any
  std::string note;            // why, for Backup, Leave* and Blocked
  // What is there is sysconf's own entry of another kind (a directory it
  // made for old files, or an old file where a directory is needed): it is
  // removed with the old entries, before anything is written.
  bool replaces_old = false;
  // What is there is a link that is not sysconf's but reaches the same file
  // as the entry's would (Debian's own timers.target.wants/fstrim.timer,
  // or what `systemctl reenable` wrote): adopted, not moved aside.
  bool adopt = false;
};

struct HomePlan {
  std::string user;
  std::string home;
  const ManifestHome* to = nullptr;  // null: the new generation dropped this home
  const ManifestHome* from = nullptr;
  std::vector<FileStep> steps;
  // A dropped home's user units (the old generation's): those running are
  // stopped, and their files go with the home's other files.
  std::vector<std::string> dropped_units;

  bool dropped() const { return to == nullptr; }
};

struct HookStep {
  std::string name;
  bool run = false;       // it has not yet succeeded on its current inputs
  bool runnable = true;   // false: it cannot run under this root
  std::vector<std::string> command;  // as it will run (with the root flag)
  std::string inputs_hash;           // recorded when it succeeds
};

// The system manager's part of the plan (DESIGN.md section 7).
struct UnitSteps {
  bool manager = false;  // a manager answered: `plan` is what will be done
  std::string note;      // otherwise, why not (no manager under --root)
  UnitPlan plan;
  std::vector<std::string> changed;  // units whose files differ, for the note
  std::vector<std::string> all;      // every unit of the new generation: checked for failure at the end
};

struct Plan {
  const Manifest* from = nullptr;  // null on the first activation
  const Manifest* to = nullptr;
  std::vector<FileStep> etc;
  std::vector<HomePlan> homes;
  // The two manifests compared (what `sysconf diff` prints): its packages
  // are the ones to install (added) and to remove (removed).
  GenerationDiff diff;
  AccountPlan accounts;  // normal users created before the hooks run, with the uids given them
  std::vector<HookStep> hooks;
  // Users whose password the activation sets from their file, after the hooks
  // (which make the users); those already set are not here.
  std::vector<PasswordStep> passwords;
  std::vector<std::string> secrets_missing;  // reported as errors before anything changes
  UnitSteps units;
  // Per user: the reload/restart/start lists an interrupted activation had
  // recorded for their manager, carried out again.
  std::map<std::string, UnitPlan> home_units_resume;

  bool changes_anything() const;
};

struct PlanOptions {
  bool no_backup = false;
  // Each hook's inputs hash at its last success (activate/hook_record.h):
  // a hook runs unless it is there with its current hash.
  std::map<std::string, std::string> hooks_succeeded;
  // Every uid sysconf gave a normal user (activate/uid_map.h).
  UidMap uids;
};

// Decides the plan. Problems that must stop the switch before it changes
// anything (a secret missing or readable by others, a file in the way with
// --no-backup, a parent directory that is a symlink) go to `diags`.
Plan make_plan(const Root& root, const Manifest* from, const Manifest& to, const PlanOptions& options,
               Diagnostics& diags);

// Where a managed /etc path is linked to: /etc/static/<rest>, written
// relative to the link ("static/hostname", "../static/ssh/sshd_config").
std::string static_link_target(const std::string& etc_path);
// Where a home file is linked to: the user's profile, files/<rel>.
std::string home_link_target(const std::string& user, const std::string& rel);

// Whether the symlink at the /etc entry's path reaches, inside the root, the
// same file as the link sysconf writes for it would (merged-/usr included).
bool reaches_same_file(const Root& root, const ManifestFile& entry);

// The name a file in the way is moved aside to, beside it: P.sysconf-backup,
// or .P.sysconf-backup (hidden) in a directory that systemd, udev, modprobe,
// sysctl, tmpfiles and the like read every file of.
std::string backup_name(const std::string& path);

// Whether the file at `rel` under `base` is what activating `entry` leaves
// there (`home`: a home file, linked through the user's profile).
bool is_as_activated(int base, const std::string& rel, const ManifestFile& entry, bool home, const std::string& user);
// The same for the file at `at` (a backup's name beside `rel`): whether it
// is what activating `entry` leaves at `rel`.
bool is_as_activated_at(int base, const std::string& at, const std::string& rel, const ManifestFile& entry, bool home,
                        const std::string& user);

// Human and JSON forms. describe_plan is --dry-run's ("would ..."); a real
// run prints the file steps of /etc and of each home as it reaches them
// (a count line, then each step that is not `keep`).
std::string describe_plan(const Plan& plan);
std::string describe_etc_steps(const Plan& plan);
std::string describe_home_steps(const HomePlan& home);
std::string plan_json(const Plan& plan);

}  // namespace sc
