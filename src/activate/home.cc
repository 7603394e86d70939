#include "activate/home.h"

#include "activate/units.h"
#include "activate/user_command.h"
#include "units/systemd_bus.h"
#include "util/fault.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace sc {

namespace {

// The child's report to the parent, one line each: M message, E error,
// B key backup (a backup made), R key (a backup put back).
class Reporter {
 public:
  explicit Reporter(int fd) : fd_(fd) {}
  void line(char kind, const std::string& text) {
    std::string out = std::string(1, kind) + " " + text;
    for (char& c : out)
      if (c == '\n') c = ' ';
    out += '\n';
    (void)!write(fd_, out.data(), out.size());
  }

 private:
  int fd_;
};

// Who the child becomes: computed by root before the fork.
struct AsUser {
  std::vector<gid_t> groups;     // the supplementary groups, the primary one first
  std::vector<std::string> env;  // the user's environment, for onChange
};

void apply(int home, const HomePlan& plan, const BackupRecord& backups, bool run_on_change, const AsUser& as,
           Reporter& report) {
  for (const FileStep& step : plan.steps) {
    auto [parent, name] = split_parent(step.path);
    std::string key = fmt::format("~{}/{}", plan.user, step.path);
    try {
      switch (step.op) {
        case FileOp::Keep: break;
        case FileOp::LeaveEdited:
        case FileOp::LeaveGone: report.line('M', fmt::format("~{}/{}: {}", plan.user, step.path, step.note)); break;
        case FileOp::Blocked: report.line('E', fmt::format("~{}/{}: {}", plan.user, step.path, step.note)); break;
        case FileOp::Remove: {
          Fd dir = open_dir_beneath(home, parent, false);
          if (!is_as_activated(home, step.path, *step.old, true, plan.user)) {
            report.line('M', fmt::format("~{}/{}: changed by hand; left alone", plan.user, step.path));
            break;
          }
          unlink_at(dir.get(), name);
          auto backup = backups.find(key);
          if (backup != backups.end() && rename_noreplace(dir.get(), backup->second, name)) {
            report.line('R', key);
            report.line('M', fmt::format("~{}/{}: put back from {}", plan.user, step.path, backup->second));
          }
          break;
        }
        case FileOp::Create:
        case FileOp::Update:
        case FileOp::Backup: {
          Fd dir = open_dir_beneath(home, parent, true, 0755);
          FileStat st = stat_at(dir.get(), name);
          if (step.replaces_old && st.type == FileStat::Type::Dir && remove_empty_dirs(dir.get(), name))
            st = stat_at(dir.get(), name);
          bool ours = st.type == FileStat::Type::Missing || is_as_activated(home, step.path, *step.entry, true, plan.user) ||
                      (step.old && is_as_activated(home, step.path, *step.old, true, plan.user));
          if (!ours) {
            // In the way (planned, or appeared since): moved aside, never overwritten.
            std::string backup = move_aside(dir.get(), name, backup_name("/" + step.path));
            report.line('B', key + " " + backup);
            report.line('M', fmt::format("~{}/{}: not managed by sysconf; moved to {}", plan.user, step.path, backup));
          }
          const ManifestFile& e = *step.entry;
          ensure_symlink_at(dir.get(), name, e.type == "symlink" ? e.target : home_link_target(plan.user, step.path));
          bool changed = !step.old || step.old->object != e.object || step.old->target != e.target;
          if (changed && !e.on_change.empty()) {
            if (run_on_change) {
              std::string error = run_user_command(home, e.on_change, as.env, [&](const std::string& line) {
                report.line('M', fmt::format("{}: {}", plan.user, line));
              });
              if (!error.empty()) report.line('E', fmt::format("~{}/{}: onChange failed: {}", plan.user, step.path, error));
            } else {
              report.line('M', fmt::format("~{}/{}: onChange not run under --root", plan.user, step.path));
            }
          }
          break;
        }
      }
    } catch (const FsError& e) {
      report.line('E', fmt::format("~{}/{}: {}", plan.user, step.path, e.what()));
    }
  }
}

// The unit lists as one line: reload;restart;start, names separated by commas
// (a unit name has neither).
std::string encode_lists(const UnitPlan& p) {
  return fmt::format("{};{};{}", fmt::join(p.reload, ","), fmt::join(p.restart, ","), fmt::join(p.start, ","));
}

// The fields of `s` between `sep`s, empty ones included.
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) out.emplace_back();
    else out.back().push_back(c);
  }
  return out;
}

UnitPlan decode_lists(const std::string& text) {
  std::vector<std::string> parts = split(text, ';');
  parts.resize(3);
  auto names = [](const std::string& part) {
    std::vector<std::string> out = split(part, ',');
    std::erase(out, "");
    return out;
  };
  UnitPlan p;
  p.reload = names(parts[0]);
  p.restart = names(parts[1]);
  p.start = names(parts[2]);
  return p;
}

// `out`: the report to the parent; `ack`: the parent's answer that it
// recorded the unit lists in the journal (one byte).
[[noreturn]] void child(int home, const HomePlan& plan, const Account& account, const BackupRecord& backups,
                        bool run_on_change, const HomeUnits& units, const AsUser& as, int out, int ack) {
  Reporter report(out);
  if (account.uid != 0) {
    // The groups first, while root may still set them; then the gid, then the uid.
    if (setgroups(as.groups.size(), as.groups.data()) != 0 || setresgid(account.gid, account.gid, account.gid) != 0 ||
        setresuid(account.uid, account.uid, account.uid) != 0) {
      report.line('E', fmt::format("cannot become user {}: {}", plan.user, std::strerror(errno)));
      _exit(1);
    }
  }
  // The user's manager, reached as the user: stop before the files change,
  // start after, by the same rules as the system's units.
  std::unique_ptr<SystemdManager> manager;
  UnitPlan unit_plan;
  const std::string label = "user units of " + plan.user;
  // Each step's messages reach the parent as they are made.
  auto unit_report = [&] {
    UnitJobsReport r;
    r.live = [&](const std::string& text, bool failure) { report.line(failure ? 'E' : 'M', text); };
    return r;
  };
  if (!units.old_units.units.empty() || !units.new_units.units.empty()) {
    std::string error;
    if (units.address) manager = SystemdManager::connect(*units.address, error);
    std::map<std::string, std::string> active;
    if (manager) active = manager->active_units(error);
    if (!manager || !error.empty()) {
      manager.reset();
      report.line('M', fmt::format("{}: not started ({}); they start at the next login",
                                   label, units.address ? error : "the user has no running manager"));
    } else {
      unit_plan = plan_units(units.old_units, units.new_units, active);
      merge_resumed(unit_plan, units.resume);
      // What must come back is in the journal before anything stops, so that
      // a crash between the stop and the start loses no running unit.
      report.line('P', encode_lists(unit_plan));
      char recorded = 0;
      if (read(ack, &recorded, 1) != 1 || recorded != 'y') {
        report.line('E', fmt::format("{}: the journal could not record them; none was stopped", label));
        unit_plan.stop.clear();
      }
      UnitJobsReport r = unit_report();
      run_stop_step(*manager, unit_plan, label, r);
      // A point the crash tests stop at (the parent kills both processes).
      report.line('S', "");
      (void)!read(ack, &recorded, 1);
    }
  }
  apply(home, plan, backups, run_on_change, as, report);
  if (manager) {
    UnitJobsReport r = unit_report();
    run_start_steps(*manager, unit_plan, units.all, label, r);
  }
  _exit(0);
}

}  // namespace

HomeOutcome activate_home(const Root& root, const HomePlan& plan, const Account& account, const BackupRecord& backups,
                          bool run_on_change, const HomeUnits& units, const HomeSay& say) {
  HomeOutcome outcome;
  // The home is opened before dropping root, so that a root directory the
  // user cannot traverse (a 0700 scratch root, a mounted system) is no
  // obstacle; it must be the user's own. Below it, the child follows nothing.
  Fd home;
  try {
    home = root.open_dir_inside(plan.home);
  } catch (const FsError& e) {
    say(fmt::format("the home of {}: {}", plan.user, e.what()), true);
    return outcome;
  }
  struct stat st;
  if (fstat(home.get(), &st) != 0 || st.st_uid != account.uid) {
    say(fmt::format("the home {} is not owned by {}; nothing written there", plan.home, plan.user), true);
    return outcome;
  }
  std::vector<gid_t> groups;
  try {
    groups = groups_of(root, plan.user, account.gid);
  } catch (const FsError& e) {
    say(fmt::format("{}'s home was not activated: {}", plan.user, e.what()), true);
    return outcome;
  }
  AsUser as{std::move(groups), user_environment(root, plan.user, account)};
  auto cannot_start = [&](int err) {
    say(fmt::format("cannot start the activation of {}'s home: {}", plan.user, std::strerror(err)), true);
    return outcome;
  };
  int pipefd[2], ackfd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return cannot_start(errno);
  if (pipe2(ackfd, O_CLOEXEC) != 0) {
    int err = errno;
    close(pipefd[0]);
    close(pipefd[1]);
    return cannot_start(err);
  }
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    for (int fd : {pipefd[0], pipefd[1], ackfd[0], ackfd[1]}) close(fd);
    return cannot_start(err);
  }
  if (pid == 0) {
    close(pipefd[0]);
    close(ackfd[1]);
    child(home.get(), plan, account, backups, run_on_change, units, as, pipefd[1], ackfd[0]);
  }
  close(pipefd[1]);
  close(ackfd[0]);
  // Lines are handled as they come: messages are told at once, and the child
  // waits for the answer to its unit lists (P) before it stops anything.
  auto handle = [&](const std::string& line) {
    if (line.rfind("P ", 0) == 0) {
      char answer = 'y';
      try {
        if (units.record) units.record(decode_lists(line.substr(2)));
      } catch (const FsError& e) {
        say(fmt::format("cannot record {}'s unit lists in the journal: {}", plan.user, e.what()), true);
        answer = 'n';
      }
      (void)!write(ackfd[1], &answer, 1);
      return;
    }
    if (line.rfind("S", 0) == 0) {  // the child's units are stopped
      fault_point_with_child("home-units-stopped", pid);
      (void)!write(ackfd[1], "y", 1);
      return;
    }
    if (line.size() < 2) return;
    std::string body = line.substr(2);
    switch (line[0]) {
      case 'M': say(body, false); break;
      case 'E': say(body, true); break;
      case 'B': {
        size_t space = body.rfind(' ');
        outcome.new_backups[body.substr(0, space)] = body.substr(space + 1);
        break;
      }
      case 'R': outcome.restored.push_back(body); break;
    }
  };
  std::string pending;
  char buffer[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
    if (n < 0) continue;
    pending.append(buffer, static_cast<size_t>(n));
    for (size_t newline; (newline = pending.find('\n')) != std::string::npos; pending.erase(0, newline + 1))
      handle(pending.substr(0, newline));
  }
  if (!pending.empty()) handle(pending);
  close(pipefd[0]);
  close(ackfd[1]);
  int status = 0;
  pid_t waited;
  while ((waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (waited < 0)
    say(fmt::format("cannot wait for the activation of {}'s home: {}", plan.user, std::strerror(errno)), true);
  else if (WIFSIGNALED(status))
    say(fmt::format("the activation of {}'s home was killed", plan.user), true);
  else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
    say(fmt::format("the activation of {}'s home failed (status {})", plan.user, WEXITSTATUS(status)), true);
  return outcome;
}

}  // namespace sc
