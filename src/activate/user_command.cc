#include "activate/user_command.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "activate/command.h"

namespace sc {

std::vector<std::string> user_environment(const Root& root, const std::string& user, const Account& account) {
  std::vector<std::string> env = {
      "HOME=" + root.host_path(account.home),
      "USER=" + user,
      "LOGNAME=" + user,
      "SHELL=" + account.shell,
      std::string("PATH=") + kSanePath,
  };
  // The session's runtime directory and bus (pam_systemd's), for tools that
  // talk to the user's running programs (makoctl reload).
  std::string runtime = root.host_path(fmt::format("/run/user/{}", account.uid));
  struct stat st;
  if (stat(runtime.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == account.uid) {
    env.push_back("XDG_RUNTIME_DIR=" + runtime);
    std::string bus = runtime + "/bus";
    if (stat(bus.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) env.push_back("DBUS_SESSION_BUS_ADDRESS=unix:path=" + bus);
  }
  return env;
}

std::string run_user_command(int dir, const std::string& command, const std::vector<std::string>& env,
                             const std::function<void(const std::string& line)>& line) {
  // Everything the new process needs is made before the fork.
  std::vector<char*> envp;
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const char* argv[] = {"sh", "-c", command.c_str(), nullptr};
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return fmt::format("cannot run it: {}", std::strerror(errno));
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(pipefd[0]);
    close(pipefd[1]);
    return fmt::format("cannot run it: {}", std::strerror(err));
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here to exec.
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(pipefd[1], 1) < 0 || dup2(pipefd[1], 2) < 0) _exit(126);
    static const char kNoDir[] = "cannot enter the home\n";
    if (fchdir(dir) != 0) {
      (void)!write(2, kNoDir, sizeof kNoDir - 1);
      _exit(126);
    }
    execve("/bin/sh", const_cast<char* const*>(argv), envp.data());
    static const char kNoShell[] = "cannot run /bin/sh\n";
    (void)!write(2, kNoShell, sizeof kNoShell - 1);
    _exit(127);
  }
  close(pipefd[1]);
  // Output is read until the shell has exited and what it wrote is read;
  // a background program still holding the pipe is not waited for.
  int in = pipefd[0];
  (void)fcntl(in, F_SETFL, O_NONBLOCK);
  std::string pending, error;
  int status = 0;
  bool exited = false;
  for (;;) {
    char buffer[4096];
    ssize_t n = read(in, buffer, sizeof buffer);
    if (n > 0) {
      pending.append(buffer, static_cast<size_t>(n));
      for (size_t newline; (newline = pending.find('\n')) != std::string::npos; pending.erase(0, newline + 1))
        line(pending.substr(0, newline));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || errno != EAGAIN || exited) break;
    pid_t waited = waitpid(pid, &status, WNOHANG);
    if (waited == pid) {
      exited = true;  // read once more what it wrote before it exited
      continue;
    }
    if (waited < 0 && errno != EINTR) {
      error = fmt::format("cannot wait for it: {}", std::strerror(errno));
      exited = true;
      break;
    }
    struct pollfd ready = {in, POLLIN, 0};
    (void)poll(&ready, 1, 100);
  }
  if (!pending.empty()) line(pending);
  close(in);
  while (!exited) {
    pid_t waited = waitpid(pid, &status, 0);
    if (waited == pid) break;
    if (errno != EINTR) return fmt::format("cannot wait for it: {}", std::strerror(errno));
  }
  if (!error.empty()) return error;
  if (WIFEXITED(status)) return WEXITSTATUS(status) == 0 ? "" : fmt::format("exit {}", WEXITSTATUS(status));
  return fmt::format("killed by signal {}", WTERMSIG(status));
}

}  // namespace sc
