#include "activate/package_backend.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "activate/apt_cache.h"
#include "activate/command.h"
#include "util/test_seams.h"

namespace sc {

namespace {

// A name a command line would read as an option. The package type refuses
// these where they are defined; this guards the command lines themselves
// (a manifest read back from the store, a tool that rejects `--`).
bool option_like(const std::string& package) { return package.empty() || package.front() == '-'; }

constexpr const char* kOptionLike = "not a package name: a command line would read it as an option";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

// What a failed command said that matters: the package manager's own error
// lines ("E: " from apt, "Error: " from dnf, "error: " from pacman), else its
// last lines.
std::string error_lines(const std::string& output) {
  std::vector<std::string> all = lines_of(output), errors;
  for (const std::string& line : all)
    if (line.rfind("E: ", 0) == 0 || line.rfind("Error: ", 0) == 0 || line.rfind("error: ", 0) == 0)
      errors.push_back(line);
  if (errors.empty()) errors.assign(all.size() > 3 ? all.end() - 3 : all.begin(), all.end());
  return fmt::format("{}", fmt::join(errors, "; "));
}

std::string describe_failure(const std::string& program, const CommandResult& r) {
  std::string said = error_lines(r.output);
  if (r.status < 0) return fmt::format("{} did not run to the end{}", program, said.empty() ? "" : ": " + said);
  return fmt::format("{} failed (exit {}){}", program, r.status, said.empty() ? "" : ": " + said);
}

// The tool a command line runs, past `env` and its assignments.
std::string program_of(const std::vector<std::string>& argv) {
  for (const std::string& a : argv)
    if (a != "env" && a.find('=') == std::string::npos) return a;
  return argv.empty() ? std::string() : argv[0];
}

std::vector<std::string> with(std::vector<std::string> argv, const std::vector<std::string>& operands) {
  argv.insert(argv.end(), operands.begin(), operands.end());
  return argv;
}

// The packages a query can put on a command line; the others are refused.
std::vector<std::string> askable(const std::vector<std::string>& packages, Availability& answer) {
  std::vector<std::string> names;
  for (const std::string& p : packages) {
    if (option_like(p))
      answer.unavailable[p] = kOptionLike;
    else
      names.push_back(p);
  }
  return names;
}

// apt: `apt-cache policy` says which packages have a candidate, and
// `apt-cache showpkg` which of those without one are virtual packages that
// one package provides (apt-get installs that one). LC_ALL=C: the field
// names are translated otherwise. With a state root, apt reads that root's
// lists and dpkg status and writes no cache file.
class AptQuery final : public PackageQuery {
 public:
  explicit AptQuery(std::string state_root) : state_root_(std::move(state_root)) {}
  std::string name() const override { return "apt"; }

  Availability availability(const std::vector<std::string>& packages) override {
    Availability answer;
    std::vector<std::string> names = askable(packages, answer);
    if (names.empty()) return answer;
    CommandResult policy_run = run_command(with(apt_cache("policy"), names));
    if (policy_run.status != 0) {
      answer.error = describe_failure("apt-cache policy", policy_run);
      return answer;
    }
    AptPolicy policy = parse_apt_policy(policy_run.output);
    std::vector<std::string> without;
    for (const std::string& p : names)
      if (apt_unavailable_reason(p, policy, {})) without.push_back(p);
    AptProviders providers;
    if (!without.empty()) {
      CommandResult showpkg = run_command(with(apt_cache("showpkg"), without));
      if (showpkg.status != 0) {
        answer.error = describe_failure("apt-cache showpkg", showpkg);
        return answer;
      }
      providers = parse_apt_providers(showpkg.output);
    }
    for (const std::string& p : without)
      if (auto reason = apt_unavailable_reason(p, policy, providers)) answer.unavailable[p] = *reason;
    return answer;
  }

 private:
  std::vector<std::string> apt_cache(const std::string& verb) const {
    std::vector<std::string> argv = {"env", "LC_ALL=C", "apt-cache"};
    if (!state_root_.empty())
      argv.insert(argv.end(), {"-o", "Dir=" + state_root_, "-o", "Dir::State::status=" + state_root_ + "/var/lib/dpkg/status",
                               "-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache="});
    argv.push_back(verb);
    argv.push_back("--");
    return argv;
  }
  std::string state_root_;  // empty: the machine's own
};

// dnf: repoquery lists the names it has; a name it does not list may still
// be a capability a package provides (dnf install accepts those), or be
// installed from no repository. No `--`: dnf5 rejects it.
class DnfQuery final : public PackageQuery {
 public:
  std::string name() const override { return "dnf"; }

  Availability availability(const std::vector<std::string>& packages) override {
    Availability answer;
    std::vector<std::string> names = askable(packages, answer);
    if (names.empty()) return answer;
    const std::vector<std::string> repoquery = {"dnf", "repoquery", "--quiet", "--queryformat", "%{name}\n"};
    CommandResult listed = run_command(with(repoquery, names));
    if (listed.status != 0) {
      answer.error = describe_failure("dnf repoquery", listed);
      return answer;
    }
    std::vector<std::string> found_lines = lines_of(listed.output);
    std::set<std::string> found(found_lines.begin(), found_lines.end());
    for (const std::string& p : names) {
      if (found.count(p) || run_command({"rpm", "-q", "--", p}).status == 0) continue;
      CommandResult provides = run_command(with(repoquery, {"--whatprovides", p}));
      if (provides.status == 0 && !lines_of(provides.output).empty()) continue;
      answer.unavailable[p] = "No match for argument";  // dnf install's words
    }
    return answer;
  }
};

// pacman: `pacman -Sp` resolves a name as `pacman -S` would (packages,
// provides, groups) and prints what it would download; the sync databases
// are local, so one run a package is cheap and names each failure alone.
class PacmanQuery final : public PackageQuery {
 public:
  std::string name() const override { return "pacman"; }

  Availability availability(const std::vector<std::string>& packages) override {
    Availability answer;
    for (const std::string& p : askable(packages, answer)) {
      CommandResult r = run_command({"pacman", "-Sp", "--print-format", "%n", "--", p});
      if (r.status == 0 || run_command({"pacman", "-Q", "--", p}).status == 0) continue;
      std::string said = error_lines(r.output);
      if (said.rfind("error: ", 0) == 0) said.erase(0, 7);
      answer.unavailable[p] = said.empty() ? fmt::format("pacman -Sp failed (exit {})", r.status) : said;
    }
    return answer;
  }
};

// The test stand-in: `SCRIPT available -- NAME...` prints the available names.
class TestQuery final : public PackageQuery {
 public:
  explicit TestQuery(std::string script) : script_(std::move(script)) {}
  std::string name() const override { return "test"; }

  Availability availability(const std::vector<std::string>& packages) override {
    Availability answer;
    std::vector<std::string> names = askable(packages, answer);
    if (names.empty()) return answer;
    CommandResult r = run_command(with({script_, "available", "--"}, names));
    if (r.status != 0) {
      answer.error = describe_failure("the test backend's available", r);
      return answer;
    }
    std::vector<std::string> listed = lines_of(r.output);
    std::set<std::string> found(listed.begin(), listed.end());
    for (const std::string& p : names)
      if (!found.count(p)) answer.unavailable[p] = "the test backend does not list it as available";
    return answer;
  }

 private:
  std::string script_;
};

// A package manager's command lines, each ending where the package names go.
struct CommandLines {
  std::string name;
  std::vector<std::string> query, install, remove;
  std::string installed_marker;  // in the query's output when installed; empty: exit 0 is enough
};

class CommandBackend final : public PackageBackend {
 public:
  CommandBackend(CommandLines lines, std::unique_ptr<PackageQuery> query)
      : lines_(std::move(lines)), query_(std::move(query)) {}
  std::string name() const override { return lines_.name; }
  Availability availability(const std::vector<std::string>& packages) override {
    return query_->availability(packages);
  }
  bool installed(const std::string& package) override {
    if (option_like(package)) return false;
    CommandResult r = run_command(with(lines_.query, {package}));
    return r.status == 0 && (lines_.installed_marker.empty() || r.output.find(lines_.installed_marker) != std::string::npos);
  }
  std::optional<std::string> install(const std::vector<std::string>& packages) override {
    return run(lines_.install, packages);
  }
  std::optional<std::string> remove(const std::vector<std::string>& packages) override {
    return run(lines_.remove, packages);
  }

 private:
  std::optional<std::string> run(const std::vector<std::string>& argv, const std::vector<std::string>& packages) {
    if (packages.empty()) return std::nullopt;
    for (const std::string& p : packages)
      if (option_like(p)) return fmt::format("`{}` is {}", p, kOptionLike);
    CommandResult r = run_command(with(argv, packages));
    if (r.status == 0) return std::nullopt;
    return describe_failure(program_of(argv), r);
  }

  CommandLines lines_;
  std::unique_ptr<PackageQuery> query_;
};

bool executable(const char* path) { return access(path, X_OK) == 0; }

std::unique_ptr<PackageBackend> test_backend() {
  const char* script = test_seam("SYSCONF_TEST_PACKAGE_BACKEND");
  if (!script || !*script) return nullptr;
  std::string s = script;
  return std::make_unique<CommandBackend>(
      CommandLines{"test", {s, "query", "--"}, {s, "install", "--"}, {s, "remove", "--"}, {}},
      std::make_unique<TestQuery>(s));
}

std::unique_ptr<PackageBackend> machine_backend() {
  if (executable("/usr/bin/apt-get"))
    return std::make_unique<CommandBackend>(
        CommandLines{"apt",
                     {"dpkg-query", "-W", "-f=${Status}", "--"},
                     {"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "--"},
                     {"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "remove", "-y", "-q", "--"},
                     "install ok installed"},
        std::make_unique<AptQuery>(""));
  if (executable("/usr/bin/dnf"))
    return std::make_unique<CommandBackend>(
        CommandLines{"dnf", {"rpm", "-q", "--"}, {"dnf", "install", "-y"}, {"dnf", "remove", "-y"}, {}},
        std::make_unique<DnfQuery>());
  if (executable("/usr/bin/pacman"))
    return std::make_unique<CommandBackend>(CommandLines{"pacman",
                                                         {"pacman", "-Q", "--"},
                                                         {"pacman", "-S", "--noconfirm", "--needed", "--"},
                                                         {"pacman", "-R", "--noconfirm", "--"},
                                                         {}},
                                            std::make_unique<PacmanQuery>());
  return nullptr;
}

// Whether `root` holds what apt needs to answer for it: dpkg's status file
// and at least one package list.
bool has_apt_state(const std::string& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(root + "/var/lib/dpkg/status", ec)) return false;
  for (fs::directory_iterator it(root + "/var/lib/apt/lists", ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().find("_Packages") != std::string::npos) return true;
  return false;
}

}  // namespace

std::unique_ptr<PackageBackend> detect_package_backend(const Root& root) {
  if (auto test = test_backend()) return test;
  if (!root.is_live()) return nullptr;
  return machine_backend();
}

Result<std::unique_ptr<PackageQuery>> detect_package_query(const std::string& root_path) {
  using Query = std::unique_ptr<PackageQuery>;
  if (auto test = test_backend()) return Query(std::move(test));
  std::string root = root_path;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root == "/") {
    if (auto backend = machine_backend()) return Query(std::move(backend));
    return Failure("this machine has none of apt-get, dnf and pacman");
  }
  if (!has_apt_state(root))
    return Failure(fmt::format(
        "--root {} holds no package manager state that this machine can read (apt's lists and dpkg status)", root));
  if (!executable("/usr/bin/apt-cache"))
    return Failure(fmt::format("--root {} holds apt's state, but this machine has no apt-cache to read it", root));
  return Query(std::make_unique<AptQuery>(root));
}

}  // namespace sc
