#include "activate/command.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

extern char** environ;

namespace sc {

namespace {

// Where systemd keeps the tools it does not put on PATH; /lib/systemd for
// distributions without a merged /usr.
constexpr const char* kSystemdToolDirs[] = {"/usr/lib/systemd", "/lib/systemd"};

std::vector<std::string> search_dirs() {
  std::vector<std::string> dirs;
  std::string path = kSanePath;
  for (size_t start = 0; start <= path.size();) {
    size_t colon = path.find(':', start);
    if (colon == std::string::npos) colon = path.size();
    dirs.push_back(path.substr(start, colon - start));
    start = colon + 1;
  }
  for (const char* dir : kSystemdToolDirs) dirs.emplace_back(dir);
  return dirs;
}

// Starts `program` (searched on the caller's PATH when `search`) with stdin
// from /dev/null and stdout and stderr to `out`. Returns 0 or an errno.
int start(const std::string& program, const std::vector<std::string>& argv, char* const* envp, bool search, int out,
          pid_t& pid) {
  posix_spawn_file_actions_t actions;
  if (int err = posix_spawn_file_actions_init(&actions)) return err;
  int err = posix_spawn_file_actions_adddup2(&actions, out, 1);
  if (!err) err = posix_spawn_file_actions_adddup2(&actions, out, 2);
  if (!err) err = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (!err) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    err = search ? posix_spawnp(&pid, program.c_str(), &actions, nullptr, args.data(), envp)
                 : posix_spawn(&pid, program.c_str(), &actions, nullptr, args.data(), envp);
  }
  posix_spawn_file_actions_destroy(&actions);
  return err;
}

// Runs `program` with its output captured, and waits for it.
CommandResult spawn(const std::string& program, const std::vector<std::string>& argv, char* const* envp, bool search) {
  CommandResult result;
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    result.output = fmt::format("{}: cannot make a pipe: {}", argv[0], std::strerror(errno));
    return result;
  }
  pid_t pid = 0;
  int err = start(program, argv, envp, search, pipefd[1], pid);
  close(pipefd[1]);
  if (err != 0) {
    close(pipefd[0]);
    result.output = fmt::format("{}: {}", program, std::strerror(err));
    return result;
  }
  char buffer[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) result.output.append(buffer, static_cast<size_t>(n));
  close(pipefd[0]);
  int status = 0;
  pid_t waited;
  while ((waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (waited < 0)
    result.output += fmt::format("{}: cannot wait for it: {}", argv[0], std::strerror(errno));
  else if (WIFEXITED(status))
    result.status = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.output += fmt::format("{}: killed by signal {}", argv[0], WTERMSIG(status));
  return result;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv) {
  if (argv.empty()) return {};
  return spawn(argv[0], argv, environ, true);
}

Result<std::string> find_program(const std::string& name) {
  if (name.empty()) return Failure("the command is empty");
  if (name.find('/') != std::string::npos) return name;
  std::vector<std::string> dirs = search_dirs();
  for (const std::string& dir : dirs) {
    std::string path = dir + "/" + name;
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0) return path;
  }
  return Failure(fmt::format("{}: not found in {}", name, fmt::join(dirs, ", ")));
}

CommandResult run_system_command(const std::vector<std::string>& argv) {
  CommandResult result;
  if (argv.empty()) return result;
  auto program = find_program(argv[0]);
  if (!program.ok()) {
    result.output = program.message();
    return result;
  }
  // The caller's environment, with the PATH the tool's own children need.
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "PATH=", 5) != 0) env.emplace_back(*e);
  env.push_back(std::string("PATH=") + kSanePath);
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  return spawn(program.value(), argv, envp.data(), false);
}

}  // namespace sc
