#include "plan/plan.h"

#include <fcntl.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/profiles.h"
#include "store/store.h"

namespace sc {

std::string static_link_target(const std::string& etc_path) {
  // Relative, so that it resolves the same on the running system and from a
  // rescue shell under --root (where tools given --root open these files).
  std::string rel = etc_path.substr(5);
  std::string up;
  for (char c : rel)
    if (c == '/') up += "../";
  return up + "static/" + rel;
}

std::string home_link_target(const std::string& user, const std::string& rel) {
  return Profiles::runtime_path("home-" + user) + "/files/" + rel;
}

namespace {

// The state of `rel` below `base`, never following a symlink; `parent_ok`
// is false when a parent directory is a symlink or not a directory.
FileStat inspect(int base, const std::string& rel, bool& parent_ok, std::string& bad_parent) {
  parent_ok = true;
  auto [parent, name] = split_parent(rel);
  try {
    Fd dir = open_dir_beneath(base, parent, false);
    return stat_at(dir.get(), name);
  } catch (const FsError& e) {
    if (e.error == ENOENT) return FileStat{};
    parent_ok = false;
    bad_parent = e.what();
    return FileStat{};
  }
}

// Whether an object's content in the store equals the file at rel (a copy we made).
bool copy_matches(int base, const std::string& rel, const ManifestFile& entry) {
  if (entry.type == "secret") return true;  // a secret's bytes are not in the store: a file there is ours
  try {
    auto [parent, name] = split_parent(rel);
    Fd dir = open_dir_beneath(base, parent, false);
    std::string content = read_file_at(dir.get(), name);
    return object_name(file_object_hash(content, entry.executable), entry.path) == entry.object;
  } catch (const FsError&) {
    return false;
  }
}

}  // namespace

bool is_as_activated(int base, const std::string& rel, const ManifestFile& entry, bool home, const std::string& user) {
  return is_as_activated_at(base, rel, rel, entry, home, user);
}

bool is_as_activated_at(int base, const std::string& at, const std::string& rel, const ManifestFile& entry, bool home,
                        const std::string& user) {
  bool parent_ok;
  std::string bad;
  FileStat st = inspect(base, at, parent_ok, bad);
  if (!parent_ok) return false;
  auto link_is = [&](const std::string& target) {
    if (st.type != FileStat::Type::Symlink) return false;
    auto [parent, name] = split_parent(at);
    Fd dir = open_dir_beneath(base, parent, false);
    return readlink_at(dir.get(), name) == target;
  };
  if (home) return link_is(entry.type == "symlink" ? entry.target : home_link_target(user, rel));
  if (entry.type == "symlink") return link_is(entry.target);
  if (entry.mode == "symlink") return link_is(static_link_target(entry.path));
  return st.type == FileStat::Type::File && copy_matches(base, at, entry);
}

bool reaches_same_file(const Root& root, const ManifestFile& entry) {
  std::string rel = Root::relative(entry.path);
  auto [parent, name] = split_parent(rel);
  try {
    Fd dir = open_dir_beneath(root.fd(), parent, false);
    if (stat_at(dir.get(), name).type != FileStat::Type::Symlink) return false;
  } catch (const FsError&) {
    return false;
  }
  std::string ours = entry.type == "symlink" ? entry.target : static_link_target(entry.path);
  std::string target = ours.starts_with("/") ? ours : "/" + parent + "/" + ours;
  return root.same_file_inside(entry.path, target);
}

std::string backup_name(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string parent = path.substr(0, slash), name = path.substr(slash + 1);
  // Unit directories read every name (and warn at each daemon-reload about
  // those that are not units); *.d directories are read by many tools, some
  // of them every file. All of them skip hidden files.
  bool scanned = parent.ends_with(".d") || parent.ends_with(".wants") || parent.ends_with(".requires") ||
                 parent.rfind("/etc/systemd", 0) == 0 || parent.rfind("/etc/udev", 0) == 0 ||
                 parent.find("/systemd/") != std::string::npos;
  return (scanned ? "." : "") + name + ".sysconf-backup";
}

bool Plan::changes_anything() const {
  auto busy = [](const std::vector<FileStep>& steps) {
    return std::any_of(steps.begin(), steps.end(), [](const FileStep& s) {
      return s.op == FileOp::Create || s.op == FileOp::Update || s.op == FileOp::Remove || s.op == FileOp::Backup;
    });
  };
  if (busy(etc) || !diff.packages.empty() || !units.plan.empty() || !accounts.create.empty() || !passwords.empty())
    return true;
  for (const HomePlan& h : homes)
    if (busy(h.steps) || (h.dropped() && !h.dropped_units.empty())) return true;
  for (const HookStep& h : hooks)
    if (h.run && h.runnable) return true;
  return false;
}

namespace {

class Planner {
 public:
  Planner(const Root& root, const PlanOptions& options, Diagnostics& diags)
      : root_(root), options_(options), diags_(diags) {}

  // Steps for one set of files below `base` (the root for /etc, a home).
  std::vector<FileStep> files(int base, const std::vector<ManifestFile>* from, const std::vector<ManifestFile>& to,
                              bool home, const std::string& user, const std::string& where) {
    std::vector<FileStep> steps;
    auto find = [](const std::vector<ManifestFile>* list, const std::string& path) -> const ManifestFile* {
      if (!list) return nullptr;
      for (const ManifestFile& f : *list)
        if (f.path == path) return &f;
      return nullptr;
    };
    auto rel_of = [&](const std::string& path) { return home ? path : Root::relative(path); };
    for (const ManifestFile& entry : to) {
      std::string rel = rel_of(entry.path);
      const ManifestFile* old = find(from, entry.path);
      bool parent_ok;
      std::string bad_parent;
      FileStat st = inspect(base, rel, parent_ok, bad_parent);
      FileStep step{FileOp::Create, entry.path, &entry, old, ""};
      if (!parent_ok) {
        // A parent that is an old entry of ours, dropped now, is removed first.
        std::string blocker = blocking_parent(base, rel);
        std::string blocker_path = home ? blocker : "/" + blocker;
        const ManifestFile* blocking_old = find(from, blocker_path);
        if (!blocker.empty() && blocking_old && !find(&to, blocker_path) &&
            is_as_activated(base, blocker, *blocking_old, home, user)) {
          step.op = FileOp::Create;
          steps.push_back(std::move(step));
          continue;
        }
        if (home) {
          step.op = FileOp::Blocked;
          step.note = bad_parent + "; not written";
          steps.push_back(std::move(step));
          continue;
        }
        diags_.error(fmt::format("cannot manage {}{}: {}", where, entry.path, bad_parent), SourcePos{},
                     "replace the symlink by a directory, or stop managing this file");
        continue;
      }
      if (entry.type == "secret") check_secret(entry);
      if (st.mount_point) {
        // A rename over a mount point fails: say so before anything changes.
        if (home) {
          step.op = FileOp::Blocked;
          step.note = "something is mounted here; not replaced";
          steps.push_back(std::move(step));
          continue;
        }
        diags_.error(fmt::format("{}{} is a mount point; sysconf does not replace it", where, entry.path), SourcePos{},
                     "unmount it, or stop managing this path");
        continue;
      }
      bool as_new = st.type != FileStat::Type::Missing && is_as_activated(base, rel, entry, home, user);
      bool as_old = old && st.type != FileStat::Type::Missing && is_as_activated(base, rel, *old, home, user);
      if (!home && !as_new && !as_old && st.type == FileStat::Type::Symlink &&
          (reaches_same_file(root_, entry) || (old && reaches_same_file(root_, *old)))) {
        // The same file by another road: made ours, written the way sysconf writes it.
        step.op = FileOp::Update;
        step.adopt = !old;
        steps.push_back(std::move(step));
        continue;
      }
      if (st.type == FileStat::Type::Missing) {
        step.op = FileOp::Create;
      } else if (as_new) {
        // Already right: unchanged, or left so by an interrupted activation.
        step.op = (old && old->same_content(entry)) ? FileOp::Keep : FileOp::Update;
      } else if (as_old) {
        step.op = FileOp::Update;
      } else if (st.type == FileStat::Type::Dir && from && only_old_entries(base, rel, *from, to, home, user)) {
        // A directory sysconf made for files it no longer manages.
        step.op = FileOp::Update;
        step.replaces_old = true;
      } else if (old) {
        step.op = FileOp::LeaveEdited;
        step.note = "changed by hand since sysconf wrote it; left alone";
      } else {
        step.op = FileOp::Backup;
        std::string backup = entry.path.substr(0, entry.path.rfind('/') + 1) + backup_name(entry.path);
        step.note = "not managed by sysconf; moved aside to " + backup;
        if (options_.no_backup)
          diags_.error(fmt::format("{}{} exists and is not managed by sysconf", where, entry.path), SourcePos{},
                       "move it away yourself, or run without --no-backup to have it moved to " + backup);
      }
      // Copies whose content is already right may still need their mode or owner.
      if (step.op == FileOp::Keep && old && (old->mode != entry.mode || old->user != entry.user || old->group != entry.group))
        step.op = FileOp::Update;
      steps.push_back(std::move(step));
    }
    if (from) {
      for (const ManifestFile& old : *from) {
        if (find(&to, old.path)) continue;
        std::string rel = rel_of(old.path);
        bool parent_ok;
        std::string bad_parent;
        FileStat st = inspect(base, rel, parent_ok, bad_parent);
        if (!parent_ok || st.type == FileStat::Type::Missing) continue;  // already gone
        if (st.mount_point) {
          steps.push_back(FileStep{FileOp::LeaveGone, old.path, nullptr, &old, "something is mounted here; left alone"});
          continue;
        }
        if (is_as_activated(base, rel, old, home, user)) {
          steps.push_back(FileStep{FileOp::Remove, old.path, nullptr, &old, ""});
        } else {
          steps.push_back(FileStep{FileOp::LeaveGone, old.path, nullptr, &old,
                                   "no longer managed, but changed by hand since sysconf wrote it; left alone"});
        }
      }
    }
    // Removals first, deepest first, so that a path changing kind (x/y to x)
    // is free before it is written; then everything else by path.
    std::sort(steps.begin(), steps.end(), [](const FileStep& a, const FileStep& b) {
      bool ra = a.op == FileOp::Remove || a.op == FileOp::LeaveGone;
      bool rb = b.op == FileOp::Remove || b.op == FileOp::LeaveGone;
      if (ra != rb) return ra;
      return ra ? a.path > b.path : a.path < b.path;
    });
    return steps;
  }

  // Whether the directory at `rel` holds nothing but old entries of ours that
  // the new generation drops (and empty directories).
  bool only_old_entries(int base, const std::string& rel, const std::vector<ManifestFile>& from,
                        const std::vector<ManifestFile>& to, bool home, const std::string& user) {
    Fd dir;
    try {
      dir = open_dir_beneath(base, rel, false);
    } catch (const FsError&) {
      return false;
    }
    DIR* d = fdopendir(dup(dir.get()));
    if (!d) return false;
    std::vector<std::string> children;
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") children.push_back(n);
    }
    closedir(d);
    for (const std::string& child : children) {
      std::string child_rel = rel + "/" + child;
      FileStat st = stat_at(dir.get(), child);
      if (st.type == FileStat::Type::Dir) {
        if (!only_old_entries(base, child_rel, from, to, home, user)) return false;
        continue;
      }
      std::string path = home ? child_rel : "/" + child_rel;
      auto is_path = [&](const ManifestFile& f) { return f.path == path; };
      auto old = std::find_if(from.begin(), from.end(), is_path);
      if (old == from.end() || std::any_of(to.begin(), to.end(), is_path)) return false;
      if (!is_as_activated(base, child_rel, *old, home, user)) return false;
    }
    return true;
  }

  void check_secret(const ManifestFile& entry) {
    mode_t mode = 0;
    try {
      root_.read_inside(entry.secret, &mode);
    } catch (const FsError& e) {
      diags_.error(fmt::format("the secret for {} cannot be read: {}", entry.path, e.what()), SourcePos{},
                   fmt::format("put the secret at {} (inside --root), readable by root only", entry.secret));
      return;
    }
    if (mode & 077) {
      diags_.error(fmt::format("the secret {} for {} is readable by others (mode {:04o})", entry.secret, entry.path, mode),
                   SourcePos{}, fmt::format("chmod 600 {}", entry.secret));
    }
  }

  // The normal users to create, with their uids (plan/accounts.h).
  AccountPlan accounts(const Manifest& to) {
    std::string passwd;
    try {
      passwd = root_.read_inside("/etc/passwd");
    } catch (const FsError&) {
      // No passwd yet (a fresh root): every uid is free.
    }
    auto plan = plan_accounts(to.users, passwd, options_.uids);
    if (plan.ok()) return std::move(plan).value();
    diags_.error(fmt::format("cannot give normal users their uids: the root's /etc/passwd is damaged: {}", plan.message()),
                 SourcePos{}, "repair /etc/passwd (vipw), then run sysconf again");
    return AccountPlan{{}, options_.uids};
  }

  // A hook runs until it has succeeded on its current inputs, whatever the
  // generation before had: one that failed or never ran is tried again.
  std::vector<HookStep> hooks(const Manifest& to) {
    std::vector<HookStep> out;
    for (const ManifestHook& h : to.hooks) {
      HookStep step;
      step.name = h.name;
      auto done = options_.hooks_succeeded.find(h.name);
      step.run = done == options_.hooks_succeeded.end() || done->second != h.inputs_hash;
      step.command = h.command;
      step.inputs_hash = h.inputs_hash;
      if (!root_.is_live()) {
        step.runnable = h.root_flag.has_value();
        if (step.runnable) step.command.push_back(*h.root_flag + "=" + root_.path());
      }
      out.push_back(std::move(step));
    }
    return out;
  }

  // A home the new generation no longer has: every file of the old one is
  // removed while it is still what sysconf put there, and its units stop.
  // Nothing when the home itself is gone, with all sysconf had put there.
  std::optional<HomePlan> dropped_home(const ManifestHome& old) {
    Fd home_dir;
    try {
      home_dir = root_.open_dir_inside(old.home);
    } catch (const FsError&) {
      return std::nullopt;
    }
    HomePlan hp;
    hp.user = old.user;
    hp.home = old.home;
    hp.from = &old;
    for (const ManifestUnit& u : units_among(old.files, kUserUnitDir)) hp.dropped_units.push_back(u.name);
    static const std::vector<ManifestFile> kNone;
    hp.steps = files(home_dir.get(), &old.files, kNone, true, old.user, fmt::format("~{}/", old.user));
    return hp;
  }

  Plan run(const Manifest* from, const Manifest& to) {
    Plan plan;
    plan.from = from;
    plan.to = &to;
    plan.etc = files(root_.fd(), from ? &from->files : nullptr, to.files, false, "", "");
    for (const ManifestHome& h : to.homes) {
      HomePlan hp;
      hp.user = h.user;
      hp.home = h.home;
      hp.to = &h;
      hp.from = from ? from->home(h.user) : nullptr;
      // Inspect the home read-only, resolving it inside the root: nothing
      // below it is followed.
      Fd home_dir;
      try {
        home_dir = root_.open_dir_inside(h.home);
      } catch (const FsError&) {
        // No home yet: the tmpfiles hook makes it; every file is created.
      }
      if (home_dir.valid()) {
        hp.steps = files(home_dir.get(), hp.from ? &hp.from->files : nullptr, h.files, true, h.user,
                         fmt::format("~{}/", h.user));
      } else {
        for (const ManifestFile& f : h.files) hp.steps.push_back(FileStep{FileOp::Create, f.path, &f, nullptr, ""});
      }
      plan.homes.push_back(std::move(hp));
    }
    if (from)
      for (const ManifestHome& h : from->homes)
        if (!to.home(h.user))
          if (auto dropped = dropped_home(h)) plan.homes.push_back(std::move(*dropped));
    plan.diff = compare_manifests(from, to);
    plan.accounts = accounts(to);
    plan.hooks = hooks(to);
    plan.passwords = plan_passwords(root_, to.users, diags_);
    return plan;
  }

 private:
  const Root& root_;
  const PlanOptions& options_;
  Diagnostics& diags_;
};

const char* op_symbol(FileOp op) {
  switch (op) {
    case FileOp::Create: return "+";
    case FileOp::Update: return "~";
    case FileOp::Keep: return "=";
    case FileOp::Remove: return "-";
    case FileOp::Backup: return "!";
    case FileOp::LeaveEdited:
    case FileOp::LeaveGone: return "?";
    case FileOp::Blocked: return "x";
  }
  return " ";
}

const char* op_name(FileOp op) {
  switch (op) {
    case FileOp::Create: return "create";
    case FileOp::Update: return "update";
    case FileOp::Keep: return "keep";
    case FileOp::Remove: return "remove";
    case FileOp::Backup: return "backup";
    case FileOp::LeaveEdited: return "leave-edited";
    case FileOp::LeaveGone: return "leave-gone";
    case FileOp::Blocked: return "blocked";
  }
  return "";
}

void describe_steps(std::string& out, const std::vector<FileStep>& steps, const std::string& title) {
  size_t counts[8] = {};
  for (const FileStep& s : steps) counts[static_cast<int>(s.op)]++;
  std::string aside = counts[4] ? fmt::format(", {} moved aside", counts[4]) : "";
  std::string left = counts[5] + counts[6] ? fmt::format(", {} left alone", counts[5] + counts[6]) : "";
  std::string blocked = counts[7] ? fmt::format(", {} blocked", counts[7]) : "";
  out += fmt::format("{}: {} created, {} updated, {} removed{}{}{}, {} unchanged\n", title, counts[0], counts[1],
                     counts[3], aside, left, blocked, counts[2]);
  for (const FileStep& s : steps) {
    if (s.op == FileOp::Keep) continue;
    out += fmt::format("  {} {}{}\n", op_symbol(s.op), s.path, s.note.empty() ? "" : ": " + s.note);
  }
}

}  // namespace

Plan make_plan(const Root& root, const Manifest* from, const Manifest& to, const PlanOptions& options,
               Diagnostics& diags) {
  return Planner(root, options, diags).run(from, to);
}

std::string describe_etc_steps(const Plan& plan) {
  std::string out;
  describe_steps(out, plan.etc, "/etc");
  return out;
}

std::string describe_home_steps(const HomePlan& home) {
  std::string out;
  if (!home.dropped()) {
    describe_steps(out, home.steps, fmt::format("home of {} ({})", home.user, home.home));
    return out;
  }
  describe_steps(out, home.steps, fmt::format("home of {} ({}), no longer managed", home.user, home.home));
  if (!home.dropped_units.empty())
    out += fmt::format("  user units of {} stopped if running, and removed: {}\n", home.user,
                       fmt::join(home.dropped_units, ", "));
  return out;
}

std::string describe_plan(const Plan& plan) {
  std::string out = describe_etc_steps(plan);
  for (const HomePlan& h : plan.homes) out += describe_home_steps(h);
  const NameChanges& packages = plan.diff.packages;
  if (!packages.added.empty()) out += fmt::format("packages to install: {}\n", fmt::join(packages.added, " "));
  if (!packages.removed.empty())
    out += fmt::format("packages to remove (if sysconf installed them): {}\n", fmt::join(packages.removed, " "));
  for (const AccountStep& a : plan.accounts.create)
    out += fmt::format("user {}: created with uid {}{}\n", a.user, a.uid, a.kept ? " (the uid it had before)" : "");
  for (const HookStep& h : plan.hooks) {
    if (!h.run) continue;
    out += h.runnable ? fmt::format("hook {}: {}\n", h.name, fmt::join(h.command, " "))
                      : fmt::format("hook {}: not run under --root (the tool takes no root)\n", h.name);
  }
  for (const PasswordStep& p : plan.passwords) out += fmt::format("user {}: password from {}\n", p.user, p.file);
  if (plan.units.manager) {
    out += describe_unit_plan(plan.units.plan, "units");
  } else if (!plan.units.changed.empty()) {
    out += fmt::format("units changed: {} ({})\n", fmt::join(plan.units.changed, ", "), plan.units.note);
  }
  if (!plan.changes_anything()) out += "nothing to change\n";
  return out;
}

std::string plan_json(const Plan& plan) {
  using nlohmann::json;
  auto steps = [](const std::vector<FileStep>& list) {
    json out = json::array();
    for (const FileStep& s : list) {
      json j = {{"path", s.path}, {"action", op_name(s.op)}};
      if (!s.note.empty()) j["note"] = s.note;
      out.push_back(j);
    }
    return out;
  };
  json j;
  j["etc"] = steps(plan.etc);
  json homes = json::array();
  for (const HomePlan& h : plan.homes) {
    json home = {{"user", h.user}, {"home", h.home}, {"files", steps(h.steps)}};
    if (h.dropped()) {
      home["dropped"] = true;
      home["units"] = h.dropped_units;
    }
    homes.push_back(home);
  }
  j["homes"] = homes;
  j["packages"] = {{"install", plan.diff.packages.added}, {"remove", plan.diff.packages.removed}};
  json accounts = json::array();
  for (const AccountStep& a : plan.accounts.create) accounts.push_back({{"user", a.user}, {"uid", a.uid}, {"kept", a.kept}});
  j["accounts"] = accounts;
  json hooks = json::array();
  for (const HookStep& h : plan.hooks)
    hooks.push_back({{"name", h.name}, {"run", h.run && h.runnable}, {"changed", h.run}, {"command", h.command}});
  j["hooks"] = hooks;
  json passwords = json::array();
  for (const PasswordStep& p : plan.passwords) passwords.push_back({{"user", p.user}, {"file", p.file}});
  j["passwords"] = passwords;
  const UnitPlan& u = plan.units.plan;
  j["units"] = {{"manager", plan.units.manager}, {"stop", u.stop},     {"skip", u.skip},
                {"reload", u.reload},           {"restart", u.restart}, {"start", u.start},
                {"changed", plan.units.changed}};
  if (!plan.units.note.empty()) j["units"]["note"] = plan.units.note;
  j["diff"] = generation_diff_json(plan.diff);
  j["changes"] = plan.changes_anything();
  return j.dump(2) + "\n";
}

}  // namespace sc
