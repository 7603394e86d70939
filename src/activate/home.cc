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
#include <functional>

#include <fmt/format.h>

namespace sc {

namespace {

// The child's report to the parent: records of a kind byte, a length (4
// bytes, host order) and that many bytes, so that a message or a path may
// hold any byte (a space, a newline). Kinds: M message, E error, P unit
// lists, S units stopped, K a crash test's point, B "key\0backup" (a
// backup about to be made: the parent records it and answers), R key (a
// backup put back, or forgotten).
class Reporter {
 public:
  // `out`: to the parent; `answers`: the parent's one-byte answers.
  Reporter(int out, int answers) : out_(out), answers_(answers) {}
  void send(char kind, const std::string& payload) {
    uint32_t size = static_cast<uint32_t>(payload.size());
    std::string out(1, kind);
    out.append(reinterpret_cast<const char*>(&size), sizeof size);
    out += payload;
    for (size_t done = 0; done < out.size();) {
      ssize_t n = write(out_, out.data() + done, out.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // the parent is gone: nothing to tell
      done += static_cast<size_t>(n);
    }
  }
  // Sends, then waits for the parent's answer: whether it did what was asked.
  bool ask(char kind, const std::string& payload) {
    send(kind, payload);
    char answer = 0;
    ssize_t n;
    while ((n = read(answers_, &answer, 1)) < 0 && errno == EINTR) {
    }
    return n == 1 && answer == 'y';
  }

 private:
  int out_;
  int answers_;
};

// The parent's side: splits what the child sends into records.
class RecordReader {
 public:
  void feed(const char* data, size_t size) { pending_.append(data, size); }
  // The next whole record, or false.
  bool next(char& kind, std::string& payload) {
    constexpr size_t kHead = 1 + sizeof(uint32_t);
    if (pending_.size() < kHead) return false;
    uint32_t size;
    std::memcpy(&size, pending_.data() + 1, sizeof size);
    if (pending_.size() < kHead + size) return false;
    kind = pending_[0];
    payload = pending_.substr(kHead, size);
    pending_.erase(0, kHead + size);
    return true;
  }

 private:
  std::string pending_;
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
        case FileOp::LeaveEdited: report.send('M', fmt::format("~{}/{}: {}", plan.user, step.path, step.note)); break;
        case FileOp::Blocked: report.send('E', fmt::format("~{}/{}: {}", plan.user, step.path, step.note)); break;
        // A path no longer managed that is not as sysconf left it may be a
        // put-back a crash interrupted: remove_managed finishes it.
        case FileOp::LeaveGone:
        case FileOp::Remove: {
          Fd dir = open_dir_beneath(home, parent, false);
          std::optional<std::string> backup;
          if (auto b = backups.find(key); b != backups.end() && !b->second.empty()) backup = b->second;
          Removal removal = remove_managed(
              dir.get(), name, backup,
              [&, dir_rel = parent](const std::string& at) {
                return is_as_activated_at(home, dir_rel.empty() ? at : dir_rel + "/" + at, step.path, *step.old, true,
                                          plan.user);
              },
              [&] {
                if (fault_point_armed("home-restore-exchanged")) report.ask('K', "home-restore-exchanged");
              });
          RemovalNote note = note_removal(removal, key, backup, dir.get(), step.note);
          if (!note.message.empty()) report.send('M', note.message);
          if (note.forget) report.send('R', key);
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
            // In the way (planned, or appeared since): moved aside, never
            // overwritten, and recorded by the parent before it is moved.
            std::string backup = reusable_backup(backups, key, dir.get());
            if (backup.empty()) backup = free_backup_name(dir.get(), backup_name("/" + step.path));
            if (!report.ask('B', key + '\0' + backup)) {
              report.send('E', fmt::format("{}: in the way, and its backup could not be recorded; left alone", key));
              break;
            }
            if (!rename_noreplace(dir.get(), name, backup))
              throw FsError(fmt::format("`{}` appeared while sysconf was moving the file aside", backup), EEXIST);
            report.send('M', fmt::format("{}: not managed by sysconf; moved to {}", key, backup));
          }
          const ManifestFile& e = *step.entry;
          ensure_symlink_at(dir.get(), name, e.type == "symlink" ? e.target : home_link_target(plan.user, step.path));
          bool changed = !step.old || step.old->object != e.object || step.old->target != e.target;
          if (changed && !e.on_change.empty()) {
            if (run_on_change) {
              std::string error = run_user_command(home, e.on_change, as.env, [&](const std::string& line) {
                report.send('M', fmt::format("{}: {}", plan.user, line));
              });
              if (!error.empty()) report.send('E', fmt::format("~{}/{}: onChange failed: {}", plan.user, step.path, error));
            } else {
              report.send('M', fmt::format("~{}/{}: onChange not run under --root", plan.user, step.path));
            }
          }
          break;
        }
      }
    } catch (const FsError& e) {
      report.send('E', fmt::format("~{}/{}: {}", plan.user, step.path, e.what()));
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

// `out`: the report to the parent; `ack`: the parent's answers (Reporter::ask).
[[noreturn]] void child(int home, const HomePlan& plan, const Account& account, const BackupRecord& backups,
                        bool run_on_change, const HomeUnits& units, const AsUser& as, int out, int ack) {
  Reporter report(out, ack);
  if (account.uid != 0) {
    // The groups first, while root may still set them; then the gid, then the uid.
    if (setgroups(as.groups.size(), as.groups.data()) != 0 || setresgid(account.gid, account.gid, account.gid) != 0 ||
        setresuid(account.uid, account.uid, account.uid) != 0) {
      report.send('E', fmt::format("cannot become user {}: {}", plan.user, std::strerror(errno)));
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
    r.live = [&](const std::string& text, bool failure) { report.send(failure ? 'E' : 'M', text); };
    return r;
  };
  if (!units.old_units.units.empty() || !units.new_units.units.empty()) {
    Result<std::unique_ptr<SystemdManager>> connected =
        units.address ? SystemdManager::connect(*units.address) : Failure("the user has no running manager");
    Result<std::map<std::string, std::string>> active =
        connected.ok() ? connected.value()->active_units() : connected.failure();
    if (!active.ok()) {
      report.send('M', fmt::format("{}: not started ({}); they start at the next login", label, active.message()));
    } else {
      manager = std::move(connected).value();
      unit_plan = plan_units(units.old_units, units.new_units, active.value());
      merge_resumed(unit_plan, units.resume);
      // What must come back is in the journal before anything stops, so that
      // a crash between the stop and the start loses no running unit.
      if (!report.ask('P', encode_lists(unit_plan))) {
        report.send('E', fmt::format("{}: the journal could not record them; none was stopped", label));
        unit_plan.stop.clear();
      }
      UnitJobsReport r = unit_report();
      run_stop_step(*manager, unit_plan, label, r);
      // A point the crash tests stop at (the parent kills both processes).
      report.ask('S', "");
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

void activate_home(const Root& root, const HomePlan& plan, const Account& account, const HomeBackups& backups,
                   bool run_on_change, const HomeUnits& units, const HomeSay& say) {
  // The home is opened before dropping root, so that a root directory the
  // user cannot traverse (a 0700 scratch root, a mounted system) is no
  // obstacle; it must be the user's own. Below it, the child follows nothing.
  Fd home;
  try {
    home = root.open_dir_inside(plan.home);
  } catch (const FsError& e) {
    say(fmt::format("the home of {}: {}", plan.user, e.what()), true);
    return;
  }
  struct stat st;
  if (fstat(home.get(), &st) != 0 || st.st_uid != account.uid) {
    say(fmt::format("the home {} is not owned by {}; nothing written there", plan.home, plan.user), true);
    return;
  }
  std::vector<gid_t> groups;
  try {
    groups = groups_of(root, plan.user, account.gid);
  } catch (const FsError& e) {
    say(fmt::format("{}'s home was not activated: {}", plan.user, e.what()), true);
    return;
  }
  AsUser as{std::move(groups), user_environment(root, plan.user, account)};
  auto cannot_start = [&](int err) {
    say(fmt::format("cannot start the activation of {}'s home: {}", plan.user, std::strerror(err)), true);
    return;
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
    child(home.get(), plan, account, backups.known, run_on_change, units, as, pipefd[1], ackfd[0]);
  }
  close(pipefd[1]);
  close(ackfd[0]);
  // Records are handled as they come: messages are told at once, and the
  // child waits for the answer to its unit lists (P) before it stops
  // anything, and to each backup (B) before it makes it.
  auto answer = [&](bool ok) { (void)!write(ackfd[1], ok ? "y" : "n", 1); };
  auto handle = [&](char kind, const std::string& body) {
    switch (kind) {
      case 'M': say(body, false); break;
      case 'E': say(body, true); break;
      case 'P':
        try {
          if (units.record) units.record(decode_lists(body));
          answer(true);
        } catch (const FsError& e) {
          say(fmt::format("cannot record {}'s unit lists in the journal: {}", plan.user, e.what()), true);
          answer(false);
        }
        break;
      case 'S':  // the child's units are stopped
        fault_point_with_child("home-units-stopped", pid);
        answer(true);
        break;
      case 'K':  // a crash test's point, reached by the child
        fault_point_with_child(body, pid);
        answer(true);
        break;
      case 'B': {
        size_t nul = body.find('\0');
        try {
          if (nul == std::string::npos) throw FsError("a backup without a name", EINVAL);
          backups.made(body.substr(0, nul), body.substr(nul + 1));
          fault_point_with_child("home-backup-recorded", pid);
          answer(true);
        } catch (const FsError& e) {
          say(fmt::format("cannot record a backup in {}'s home: {}", plan.user, e.what()), true);
          answer(false);
        }
        break;
      }
      case 'R':
        try {
          backups.forgotten(body);
        } catch (const FsError& e) {
          say(fmt::format("cannot update the record of backups: {}", e.what()), true);
        }
        break;
    }
  };
  RecordReader records;
  char buffer[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
    if (n < 0) continue;
    records.feed(buffer, static_cast<size_t>(n));
    char kind;
    std::string body;
    while (records.next(kind, body)) handle(kind, body);
  }
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
}

}  // namespace sc
