#include "activate/user_env.h"

#include <sys/stat.h>

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

}  // namespace sc
