#include "activate/activate.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include <fmt/format.h>

#include "activate/accounts.h"
#include "activate/backups.h"
#include "activate/command.h"
#include "activate/home.h"
#include "activate/hook_record.h"
#include "activate/shadow.h"
#include "activate/uid_map.h"
#include "activate/hostname.h"
#include "activate/journal.h"
#include "activate/packages.h"
#include "store/generation.h"
#include "store/profiles.h"
#include "store/store.h"
#include "units/systemd_bus.h"
#include "util/fault.h"
#include "util/test_seams.h"

namespace sc {

namespace {

constexpr const char* kCurrentSystem = "/run/sysconf/current-system";
constexpr int kSteps = 8;  // of run(), for the progress line

class Activator {
 public:
  Activator(const Root& root, const ActivationTarget* from, const ActivationTarget& to, Diagnostics& diags,
            ActivationReport& report)
      : root_(root), from_(from), to_(to), diags_(diags), report_(report) {}

  void phase(const std::string& name) {
    journal_.phase = name;
    write_journal(root_, journal_);
    fault_point("phase:" + name);
  }

  void say(std::string message) { report_.say(std::move(message)); }
  void failed(std::string message) { report_.fail(std::move(message)); }
  // The step of the run being worked on, for the progress line: "[3/8] linking /etc".
  void step(int n, const std::string& what) { report_.enter(fmt::format("[{}/{}] {}", n, kSteps, what)); }

  void run(const Plan& plan) {
    number_ = to_.profile_number;
    if (number_ == 0) number_ = Profiles(root_, false).add("system", to_.object);
    report_.number = number_;
    journal_.from = from_ ? std::optional<std::string>(from_->object) : std::nullopt;
    journal_.to = to_.object;
    journal_.profile_number = number_;
    journal_.units.reload = plan.units.plan.reload;
    journal_.units.restart = plan.units.plan.restart;
    journal_.units.start = plan.units.plan.start;
    journal_.units.start_if_wanted = plan.units.plan.start_if_wanted;
    phase("start");
    if (!plan.changes_anything()) report_.print("nothing to change\n");
    step(1, "stopping units");
    units(stop_units, plan);
    phase("stop");
    step(2, "installing packages");
    install_packages(plan);
    phase("packages");
    step(3, "linking /etc");
    if (changes(plan.etc)) report_.print(describe_etc_steps(plan));
    link_etc(plan);
    set_hostname();
    phase("etc");
    step(4, "running hooks");
    create_accounts(plan);
    run_hooks(plan);
    install_deferred();
    set_passwords(plan);
    phase("hooks");
    step(5, "starting units");
    units(start_units, plan);
    phase("units");
    step(6, "activating homes");
    activate_homes(plan);
    phase("homes");
    step(7, "making the generation current");
    Profiles profiles(root_, false);
    profiles.set_current("system", number_);
    Fd run = open_dir_beneath(root_.fd(), "run/sysconf", true, 0755);
    ensure_symlink_at(run.get(), "current-system", store_path(to_.object));
    phase("profile");
    step(8, "removing packages");
    remove_packages(plan);
    clear_journal(root_);
    report_.enter("");
  }

 private:
  static bool changes(const std::vector<FileStep>& steps) {
    return std::any_of(steps.begin(), steps.end(), [](const FileStep& s) { return s.op != FileOp::Keep; });
  }

  void units(void (*run_step)(const Root&, const UnitSteps&, UnitJobsReport&), const Plan& plan) {
    UnitJobsReport r;
    r.live = [&](const std::string& text, bool failure) { failure ? failed(text) : say(text); };
    run_step(root_, plan.units, r);
  }

  void install_packages(const Plan& plan) {
    auto backend = detect_package_backend(root_);
    if (!backend) {
      const std::vector<std::string>& install = plan.diff.packages.added;
      if (!install.empty()) say(fmt::format("packages not installed under --root: {}", fmt::join(install, " ")));
      return;
    }
    // Everything the generation wants that is missing: also what an
    // interrupted activation or a hand removal left out.
    std::vector<std::string> missing;
    for (const std::string& p : to_.manifest->packages)
      if (!backend->installed(p)) missing.push_back(p);
    if (missing.empty()) return;
    step(2, fmt::format("installing with {}: {}", backend->name(), fmt::join(missing, " ")));
    // One package that cannot be installed fails alone: the others are
    // installed, recorded and reported, and the next switch retries it.
    PackageInstall outcome = install_available(*backend, missing);
    for (auto& note : outcome.notes) say(note);
    for (auto& failure : outcome.failures) failed(failure);
    if (outcome.installed.empty()) return;
    auto ours = read_installed_by_sysconf(root_);
    ours.insert(ours.end(), outcome.installed.begin(), outcome.installed.end());
    write_installed_by_sysconf(root_, ours);
    say(fmt::format("installed with {}: {}", backend->name(), fmt::join(outcome.installed, " ")));
  }

  void remove_packages(const Plan& plan) {
    auto backend = detect_package_backend(root_);
    if (!backend) {
      const std::vector<std::string>& remove = plan.diff.packages.removed;
      if (!remove.empty()) say(fmt::format("packages not removed under --root: {}", fmt::join(remove, " ")));
      return;
    }
    auto ours = read_installed_by_sysconf(root_);
    std::set<std::string> wanted(to_.manifest->packages.begin(), to_.manifest->packages.end());
    std::vector<std::string> drop, keep;
    for (const std::string& p : ours) (wanted.count(p) ? keep : drop).push_back(p);
    if (drop.empty()) return;
    if (auto error = backend->remove(drop)) {
      failed(*error);
      return;
    }
    write_installed_by_sysconf(root_, keep);
    say(fmt::format("removed with {}: {}", backend->name(), fmt::join(drop, " ")));
  }

  void link_etc(const Plan& plan) {
    Fd etc = open_dir_beneath(root_.fd(), "etc", true, 0755);
    // One pointer flips every linked file at once.
    ensure_symlink_at(etc.get(), "static", "../" + Root::relative(store_path(to_.object)) + "/etc");
    fault_point("phase:static");
    Fd store = open_dir_beneath(root_.fd(), Root::relative(kStoreDir), false);
    BackupRecord backups = read_backups(root_);
    bool backups_changed = false;
    std::set<std::string> swept;
    for (const FileStep& step : plan.etc) {
      std::string rel = Root::relative(step.path);
      auto [parent, name] = split_parent(rel);
      if (swept.insert(parent).second) {
        try {
          Fd dir = open_dir_beneath(root_.fd(), parent, false);
          remove_stale_temporaries_in(dir.get());
        } catch (const FsError&) {
        }
      }
      try {
        switch (step.op) {
          case FileOp::Keep: break;
          case FileOp::LeaveEdited: say(fmt::format("{}: {}", step.path, step.note)); break;
          case FileOp::Blocked: failed(fmt::format("{}: {}", step.path, step.note)); break;
          // A path no longer managed that is not as sysconf left it may be a
          // put-back a crash interrupted: remove_managed finishes it.
          case FileOp::LeaveGone:
          case FileOp::Remove: {
            Fd dir = open_dir_beneath(root_.fd(), parent, false);
            auto backup = backups.find(step.path);
            if (backup != backups.end() && backup->second.empty() &&
                is_as_activated(root_.fd(), rel, *step.old, false, "")) {
              // Adopted: it was there before sysconf, and stays.
              say(fmt::format("{}: no longer managed; left as it was before sysconf", step.path));
              backups.erase(backup);
              backups_changed = true;
              break;
            }
            std::optional<std::string> backup_file;
            if (backup != backups.end() && !backup->second.empty()) backup_file = backup->second;
            Removal removal = remove_managed(
                dir.get(), name, backup_file,
                [&, dir_rel = parent](const std::string& at) {
                  return is_as_activated_at(root_.fd(), dir_rel.empty() ? at : dir_rel + "/" + at, rel, *step.old, false,
                                            "");
                },
                [] { fault_point("restore:exchanged"); });
            RemovalNote note = note_removal(removal, step.path, backup_file, dir.get(), step.note);
            if (!note.message.empty()) say(note.message);
            if (note.forget) {
              backups.erase(backup);
              backups_changed = true;
              write_backups(root_, backups);
            }
            break;
          }
          case FileOp::Create:
          case FileOp::Update:
          case FileOp::Backup: {
            Fd dir = open_dir_beneath(root_.fd(), parent, true, 0755);
            FileStat st = stat_at(dir.get(), name);
            // A directory sysconf made for old files: empty now that they are gone.
            if (step.replaces_old && st.type == FileStat::Type::Dir && remove_empty_dirs(dir.get(), name))
              st = stat_at(dir.get(), name);
            bool ours = st.type == FileStat::Type::Missing || is_as_activated(root_.fd(), rel, *step.entry, false, "") ||
                        (step.old && is_as_activated(root_.fd(), rel, *step.old, false, "")) ||
                        reaches_same_file(root_, *step.entry) || (step.old && reaches_same_file(root_, *step.old));
            if (step.adopt && !backups.count(step.path)) {
              backups[step.path] = "";
              backups_changed = true;
              write_backups(root_, backups);
            }
            if (!ours) {
              // The backup is recorded before it is made (backups.h).
              std::string backup = reusable_backup(backups, step.path, dir.get());
              if (backup.empty()) backup = free_backup_name(dir.get(), backup_name(step.path));
              backups[step.path] = backup;
              backups_changed = true;
              write_backups(root_, backups);
              fault_point("backup:recorded");
              if (!rename_noreplace(dir.get(), name, backup))
                throw FsError(fmt::format("`{}` appeared while sysconf was moving the file aside", backup), EEXIST);
              say(fmt::format("{}: not managed by sysconf; moved to {}", step.path, backup));
            }
            if (!install(dir.get(), name, *step.entry, store.get())) deferred_.push_back(&step);
            break;
          }
        }
      } catch (const FsError& e) {
        // Nothing half-written: each write is atomic. Report and stop here;
        // the journal lets the next run finish.
        throw FsError(fmt::format("{}: {}", step.path, e.what()), e.error);
      }
    }
    if (backups_changed) write_backups(root_, backups);
  }

  void set_hostname() {
    auto set = apply_hostname(root_, *to_.manifest);
    if (!set.ok()) {
      failed(set.message());
    } else if (!set.value().empty()) {
      say(set.value());
    }
  }

  // Writes one entry. Returns false, writing nothing, when a copy's owner
  // does not exist yet: users and groups are made by the sysusers hook,
  // which runs after the files it reads are in place.
  bool install(int dir, const std::string& name, const ManifestFile& entry, int store) {
    if (entry.type == "symlink") {
      ensure_symlink_at(dir, name, entry.target);
      return true;
    }
    if (entry.type == "file" && entry.mode == "symlink") {
      ensure_symlink_at(dir, name, static_link_target(entry.path));
      return true;
    }
    // A copy: with its own mode and owner, or a secret.
    auto user = find_user(root_, entry.user);
    auto group = find_group(root_, entry.group);
    if (!user || !group) return false;
    std::string content = entry.type == "secret" ? root_.read_inside(entry.secret) : read_file_at(store, entry.object);
    mode_t mode = static_cast<mode_t>(std::stoul(entry.mode, nullptr, 8));
    write_file_at(dir, name, content, mode, user->uid, *group);
    return true;
  }

  // Copies whose owner the hooks had to create first.
  void install_deferred() {
    if (deferred_.empty()) return;
    Fd store = open_dir_beneath(root_.fd(), Root::relative(kStoreDir), false);
    for (const FileStep* step : deferred_) {
      auto [parent, name] = split_parent(Root::relative(step->path));
      Fd dir = open_dir_beneath(root_.fd(), parent, true, 0755);
      if (!install(dir.get(), name, *step->entry, store.get())) {
        const ManifestFile& e = *step->entry;
        bool user_known = find_user(root_, e.user).has_value();
        failed(fmt::format("{}: not written: there is no {} `{}` (declare it in users.{})", step->path,
                           user_known ? "group" : "user", user_known ? e.group : e.user,
                           user_known ? "groups" : "users"));
      }
    }
    deferred_.clear();
  }

  // Passwords from files, once the hooks have made the users. The file is
  // read again: what the plan read may have changed since. The hash goes
  // only to /etc/shadow; messages name the file.
  void set_passwords(const Plan& plan) {
    if (plan.passwords.empty()) return;
    step(4, "setting passwords");
    std::map<std::string, std::string> hashes;
    std::map<std::string, std::string> files;
    for (const PasswordStep& p : plan.passwords) {
      PasswordHash hash = read_password_hash(root_, p.file);
      if (hash.status != PasswordHash::Status::Ok) {
        failed(fmt::format("user {}: password not set: {}", p.user, hash.problem));
        continue;
      }
      hashes[p.user] = std::move(hash.hash);
      files[p.user] = p.file;
    }
    ShadowUpdate update = set_shadow_passwords(root_, hashes);
    if (!update.problem.empty()) {
      std::vector<std::string> users;
      for (const auto& [user, file] : files) users.push_back(user);
      failed(fmt::format("passwords of {} not set: {}", fmt::join(users, ", "), update.problem));
      return;
    }
    for (const std::string& user : update.missing)
      failed(fmt::format("user {}: password not set: /etc/shadow has no entry for them", user));
    for (const std::string& user : update.changed) say(fmt::format("user {}: password set from {}", user, files[user]));
  }

  // Normal users whose uid the configuration leaves open, made with the uid
  // the plan gave them before the hooks run (the sysusers hook then finds
  // them made). The uid map is written first: a crash between leaves a uid
  // reserved, never one given twice.
  void create_accounts(const Plan& plan) {
    if (plan.accounts.uids_changed) write_uid_map(root_, plan.accounts.uids);
    if (plan.accounts.create.empty()) return;
    std::vector<std::string> command{"systemd-sysusers"};
    if (!root_.is_live()) command.push_back("--root=" + root_.path());
    command.push_back("--inline");
    for (const AccountStep& a : plan.accounts.create) command.push_back(a.sysusers);
    step(4, "creating users");
    CommandResult r = run_system_command(command);
    std::vector<std::string> users;
    for (const AccountStep& a : plan.accounts.create) users.push_back(fmt::format("{} (uid {})", a.user, a.uid));
    if (r.status == 0) {
      say(fmt::format("created {}", fmt::join(users, ", ")));
    } else {
      std::string output = r.output.substr(0, r.output.find_last_not_of(" \n") + 1);
      failed(fmt::format("could not create {}{}", fmt::join(users, ", "), output.empty() ? "" : ": " + output));
    }
  }

  // Each success is recorded at once, so that a crash after it does not run
  // the hook again; a failure drops the hook's record, so that the next
  // activation runs it again.
  void run_hooks(const Plan& plan) {
    HookRecord record = read_hook_record(root_);
    HookRecord written = record;
    std::set<std::string> hooks;
    for (const HookStep& hook : plan.hooks) {
      hooks.insert(hook.name);
      if (!hook.run) continue;
      if (!hook.runnable) {
        say(fmt::format("hook {}: not run under --root", hook.name));
        continue;
      }
      step(4, "running hook " + hook.name);
      CommandResult r = run_system_command(hook.command);
      if (r.status == 0) {
        record[hook.name] = hook.inputs_hash;
        say(fmt::format("hook {}: ran {}", hook.name, fmt::join(hook.command, " ")));
      } else {
        record.erase(hook.name);
        std::string output = r.output.substr(0, r.output.find_last_not_of(" \n") + 1);
        failed(fmt::format("hook {} failed{} and runs again at the next switch{}", hook.name,
                           r.status < 0 ? "" : fmt::format(" (exit {})", r.status), output.empty() ? "" : ": " + output));
      }
      if (record != written) write_hook_record(root_, written = record);
    }
    // A hook the generation dropped is forgotten: if it comes back, it runs.
    std::erase_if(record, [&](const auto& entry) { return !hooks.count(entry.first); });
    if (record != written) write_hook_record(root_, record);
  }

  void activate_homes(const Plan& plan) {
    Profiles profiles(root_, false);
    BackupRecord backups = read_backups(root_);
    for (const HomePlan& home : plan.homes) {
      std::optional<Account> account;
      try {
        account = find_user(root_, home.user);
      } catch (const FsError& e) {
        failed(fmt::format("{}'s home was not activated: {}", home.user, e.what()));
        continue;
      }
      if (!account && home.dropped()) {
        // Nobody left to act as: what was in the home stays, said once.
        say(fmt::format("user {} no longer exists in {}/etc/passwd; what sysconf put in {} is left there", home.user,
                        root_.is_live() ? "" : root_.path(), home.home));
        continue;
      }
      if (!account) {
        failed(fmt::format("user {} does not exist (yet) in {}/etc/passwd; their home was not activated", home.user,
                           root_.is_live() ? "" : root_.path()));
        continue;
      }
      step(6, (home.dropped() ? "removing what sysconf put in the home of " : "activating the home of ") + home.user);
      if (changes(home.steps) || home.dropped()) report_.print(describe_home_steps(home));
      std::string profile = "home-" + home.user;
      // A dropped home keeps its profile: a rollback (or gc) finds it there.
      if (!home.dropped()) profiles.set_current(profile, profiles.add(profile, home.to->generation, true));
      // onChange runs only on the live system (or when a test asks for it).
      const char* test_run = test_seam("SYSCONF_TEST_RUN_ON_CHANGE");
      bool run_on_change = root_.is_live() || (test_run && *test_run == '1');
      HomeUnits units;
      static const std::vector<ManifestFile> kNone;
      units.old_units = generation_units(root_, home.from ? home.from->files : kNone, kUserUnitDir, nullptr, home.home);
      units.new_units = generation_units(root_, home.to ? home.to->files : kNone, kUserUnitDir, nullptr, home.home);
      for (const auto& [name, unit] : units.new_units.units) units.all.push_back(name);
      units.address = user_manager_address(root_.is_live(), account->uid);
      if (auto r = plan.home_units_resume.find(home.user); r != plan.home_units_resume.end()) units.resume = r->second;
      units.record = [&](const UnitPlan& lists) {
        journal_.home_units[home.user] = lists;
        write_journal(root_, journal_);
      };
      HomeBackups home_backups;
      home_backups.known = backups;
      home_backups.made = [&](const std::string& key, const std::string& backup) {
        backups[key] = backup;
        write_backups(root_, backups);
      };
      home_backups.forgotten = [&](const std::string& key) {
        if (backups.erase(key)) write_backups(root_, backups);
      };
      activate_home(root_, home, *account, home_backups, run_on_change, units,
                    [&](const std::string& message, bool error) { error ? failed(message) : say(message); });
    }
  }

  const Root& root_;
  const ActivationTarget* from_;
  const ActivationTarget& to_;
  Diagnostics& diags_;
  ActivationReport& report_;
  Journal journal_;
  int number_ = 0;
  std::vector<const FileStep*> deferred_;
};

}  // namespace

void ActivationReport::say(std::string message) {
  print(message + "\n");
  messages.push_back(std::move(message));
}

void ActivationReport::fail(std::string message) {
  failures = true;
  say("error: " + message);
}

void ActivationReport::print(const std::string& text) const {
  if (live.print) live.print(text);
}

void ActivationReport::enter(const std::string& phase) const {
  if (live.phase) live.phase(phase);
}

std::optional<std::string> current_generation(const Root& root) {
  try {
    Fd run = open_dir_beneath(root.fd(), "run/sysconf", false);
    if (stat_at(run.get(), "current-system").type == FileStat::Type::Symlink) {
      std::string target = readlink_at(run.get(), "current-system");
      return target.substr(target.rfind('/') + 1);
    }
  } catch (const FsError&) {
  }
  Profiles profiles(root, true);
  if (auto n = profiles.current("system"))
    if (auto g = profiles.get("system", *n)) return g->object;
  return std::nullopt;
}

bool plan_activation(const Root& root, const std::optional<ActivationTarget>& from, const ActivationTarget& to,
                     const ActivationOptions& options, Diagnostics& diags, ActivationReport& report, Plan& plan) {
  size_t errors_before = diags.error_count();
  PlanOptions plan_options{options.no_backup, {}, {}};
  try {
    plan_options.hooks_succeeded = read_hook_record(root);
  } catch (const std::runtime_error& e) {  // FsError, DamagedState
    diags.error(fmt::format("cannot tell which hooks have run: {}", e.what()), SourcePos{});
    return false;
  }
  try {
    plan_options.uids = read_uid_map(root);
  } catch (const std::runtime_error& e) {
    diags.error(fmt::format("cannot tell which uids sysconf gave: {}", e.what()), SourcePos{});
    return false;
  }
  plan = make_plan(root, from ? from->manifest : nullptr, *to.manifest, plan_options, diags);
  try {
    plan.units = plan_system_units(root, from ? from->manifest : nullptr, *to.manifest, options.unbuilt, options.resume);
    if (options.resume) plan.home_units_resume = options.resume->home_units;
  } catch (const FsError& e) {
    diags.error(fmt::format("cannot plan the units: {}", e.what()), SourcePos{});
  }
  if (options.json) report.plan_text = plan_json(plan);
  else if (options.dry_run) report.plan_text = describe_plan(plan);
  return diags.error_count() == errors_before;
}

void run_plan(const Root& root, const std::optional<ActivationTarget>& from, const ActivationTarget& to,
              const Plan& plan, Diagnostics& diags, ActivationReport& report) {
  Activator(root, from ? &*from : nullptr, to, diags, report).run(plan);
}

bool activate(const Root& root, const std::optional<ActivationTarget>& from, const ActivationTarget& to,
              const ActivationOptions& options, Diagnostics& diags, ActivationReport& report) {
  Plan plan;
  if (!plan_activation(root, from, to, options, diags, report, plan)) return false;
  if (!options.dry_run) run_plan(root, from, to, plan, diags, report);
  return true;
}

bool recover(const Root& root, bool undo, Diagnostics& diags, ActivationReport& report) {
  auto journal = read_journal(root);
  if (!journal) return true;
  auto to_manifest = read_manifest(root, journal->to);
  std::optional<Result<Manifest>> from_manifest;
  if (journal->from) from_manifest = read_manifest(root, *journal->from);
  // When both are gone, the message names the generation it came from.
  const Result<Manifest>& unreadable = from_manifest && !from_manifest->ok() ? *from_manifest : to_manifest;
  if (!unreadable.ok()) {
    diags.error(fmt::format("an interrupted activation cannot be resumed: {}", unreadable.message()), SourcePos{},
                "the generations it named are gone; remove /var/lib/sysconf/journal.json and switch again");
    return false;
  }
  Profiles profiles(root, true);
  std::optional<ActivationTarget> from;
  ActivationTarget to{journal->to, &to_manifest.value(), journal->profile_number};
  if (from_manifest) {
    int number = 0;
    for (const auto& g : profiles.list("system"))
      if (g.object == *journal->from) number = g.number;
    from = ActivationTarget{*journal->from, &from_manifest->value(), number};
  }
  if (undo) {
    if (!from) {
      // The first activation was interrupted: there is nothing to go back to
      // but no generation; finish it instead.
      report.say("the interrupted first activation is finished instead (nothing to go back to)");
    } else {
      std::swap(*from, to);  // back to the generation the journal left
    }
  }
  report.say(fmt::format("{} the interrupted activation of {} (it had reached phase {})",
                         undo && from ? "undoing" : "finishing", journal->to, journal->phase));
  ActivationOptions options;
  options.resume = &*journal;
  return activate(root, from, to, options, diags, report);
}

}  // namespace sc
