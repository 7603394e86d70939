// sysconf repair [--dry-run]: what to do when a record in /var/lib/sysconf
// is damaged (state_file.h). Each damaged record is kept aside as
// NAME.damaged (never deleted: a person may still read it), and replaced by
// what can be known again from the machine:
//   journal.json   nothing: the interrupted activation is forgotten, and the
//                  next `switch` or `rollback` activates a whole generation;
//   packages.json  an empty record: the packages sysconf installed stay
//                  installed when a generation drops them;
//   backups.json   the backups found beside the paths the current
//                  generation manages (the newest of P.sysconf-backup,
//                  P.sysconf-backup.N), so each is still put back;
//   hooks.json     nothing: every hook runs again at the next switch.
#include <cstdio>

#include <fmt/format.h>

#include "activate/backups.h"
#include "activate/hook_record.h"
#include "activate/journal.h"
#include "activate/packages.h"
#include "activate/state_file.h"
#include "activate/uid_map.h"
#include "cli/commands.h"
#include "cli/state.h"
#include "plan/plan.h"
#include "store/store.h"

namespace sc {

namespace {

// The backups beside the paths the current generation manages.
BackupRecord backups_on_disk(const Root& root, std::string& note) {
  auto object = current_generation(root);
  if (!object) {
    note = "there is no current generation, so no backup was found";
    return {};
  }
  auto manifest = read_manifest(root, *object);
  if (!manifest.ok()) {
    note = fmt::format("the current generation cannot be read ({}), so no backup was found", manifest.message());
    return {};
  }
  BackupRecord found;
  auto look = [&](int base, const std::string& rel, const std::string& key, const std::string& first) {
    auto [parent, name] = split_parent(rel);
    try {
      Fd dir = open_dir_beneath(base, parent, false);
      if (std::string newest = newest_backup_name(dir.get(), first); !newest.empty()) found[key] = newest;
    } catch (const FsError&) {
      // A directory that is not there holds no backup.
    }
  };
  for (const ManifestFile& f : manifest->files) look(root.fd(), Root::relative(f.path), f.path, backup_name(f.path));
  for (const ManifestHome& home : manifest->homes) {
    Fd dir;
    try {
      dir = root.open_dir_inside(home.home);
    } catch (const FsError&) {
      continue;
    }
    for (const ManifestFile& f : home.files)
      look(dir.get(), f.path, fmt::format("~{}/{}", home.user, f.path), backup_name("/" + f.path));
  }
  note = fmt::format("{} backup{} found beside the managed files and recorded; links that were there before sysconf "
                     "and that it adopted are forgotten",
                     found.size(), found.size() == 1 ? "" : "s");
  return found;
}

}  // namespace

int run_repair(CommandContext& ctx, const RepairOptions& options) {
  auto root = open_root(ctx, options.dry_run);
  if (!root) return ctx.report();
  StateLock lock;
  if (!options.dry_run)
    if (auto stop = take_lock(ctx, *root, false, lock)) return *stop;
  const std::string verb = options.dry_run ? "would keep" : "kept";
  size_t repaired = 0;
  try {
    // Set aside first, then the new record, so that a crash between leaves
    // the record absent (sound), never the damaged one gone.
    auto set_aside = [&](const char* name, const std::string& consequence) {
      ++repaired;
      std::string aside = fmt::format("{}.damaged", name);
      if (!options.dry_run) {
        Fd dir = open_dir_beneath(root->fd(), Root::relative(kStateDir), false);
        aside = free_backup_name(dir.get(), aside);
        if (!rename_noreplace(dir.get(), name, aside))
          throw FsError(fmt::format("{}/{} appeared meanwhile", kStateDir, aside), EEXIST);
      }
      if (!ctx.quiet()) fmt::print("{}/{}: damaged; {} as {}; {}\n", kStateDir, name, verb, aside, consequence);
    };
    if (damage_of([&] { read_journal(*root); }))
      set_aside("journal.json",
                "the interrupted activation it recorded is forgotten: `sudo sysconf switch` (or `rollback`) activates a "
                "whole generation again");
    if (damage_of([&] { read_installed_by_sysconf(*root); })) {
      set_aside("packages.json",
                "sysconf no longer knows which packages it installed: they stay installed when a generation drops "
                "them (remove them by hand if you no longer want them)");
      if (!options.dry_run) write_installed_by_sysconf(*root, {});
    }
    if (damage_of([&] { read_backups(*root); })) {
      std::string note;
      BackupRecord found = backups_on_disk(*root, note);
      set_aside("backups.json", note);
      if (!options.dry_run) write_backups(*root, found);
    }
    if (damage_of([&] { read_hook_record(*root); }))
      set_aside("hooks.json", "every activation hook runs again at the next switch");
    if (damage_of([&] { read_uid_map(*root); })) {
      set_aside("uids.json",
                "rebuilt from the normal users in /etc/passwd: a user removed before may get another uid when added "
                "again");
      if (!options.dry_run) write_uid_map(*root, normal_uids_in_passwd(*root));
    }
  } catch (const FsError& e) {
    ctx.diags().error(e.what(), SourcePos{});
    return ctx.report();
  }
  if (repaired == 0 && !ctx.quiet()) fmt::print("nothing to repair: every record in {} is sound\n", kStateDir);
  return ctx.report();
}

}  // namespace sc
