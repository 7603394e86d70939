// What activation runs: finding a hook's program, and the groups and
// environment of a command run as a user.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "activate/accounts.h"
#include "activate/command.h"
#include "activate/user_command.h"
#include "scratch_root.h"

using namespace sc;
using sc::test::ScratchRoot;

namespace {


}  // namespace

TEST_CASE("a hook's program is found on the sane PATH, then where systemd keeps its tools") {
  auto sh = find_program("sh");
  REQUIRE(sh.ok());
  CHECK(sh->size() > 3);
  CHECK(sh->substr(sh->size() - 3) == "/sh");
  CHECK(find_program("/no/such/dir/tool").value() == "/no/such/dir/tool");

  auto missing = find_program("sysconf-no-such-tool");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.message() ==
        "sysconf-no-such-tool: not found in /usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin, /bin, "
        "/usr/lib/systemd, /lib/systemd");

  // Wherever this machine's systemd keeps systemd-sysctl, it is found.
  for (const char* dir : {"/usr/lib/systemd", "/lib/systemd"}) {
    std::string path = std::string(dir) + "/systemd-sysctl";
    if (access(path.c_str(), X_OK) != 0) continue;
    auto found = find_program("systemd-sysctl");
    REQUIRE(found.ok());
    CHECK(std::filesystem::equivalent(found.value(), path));
  }
}

TEST_CASE("a system command runs with the sane PATH whatever the caller's") {
  const char* before = std::getenv("PATH");
  std::string saved = before ? before : "";
  setenv("PATH", "/nowhere", 1);
  CommandResult r = run_system_command({"sh", "-c", "echo \"$PATH\""});
  setenv("PATH", saved.c_str(), 1);
  CHECK(r.status == 0);
  CHECK(r.output == std::string(kSanePath) + "\n");
}

TEST_CASE("a user's groups are the primary one, then each group that lists the user") {
  ScratchRoot scratch;
  scratch.write("etc/group",
                "root:x:0:\n"
                "craig:x:1000:\n"
                "media:x:44:alice,craig\n"
                "video:x:45:craigx\n"     // another user, whose name begins the same
                "audio:x:46:craig\n"
                "wheel:x:1000:craig\n");  // the primary group again
  Root root(scratch.dir);
  CHECK(groups_of(root, "craig", 1000) == std::vector<gid_t>{1000, 44, 46});
  CHECK(groups_of(root, "nobody-here", 1234) == std::vector<gid_t>{1234});
}

TEST_CASE("a user's environment is the user's own, with the session only where it exists") {
  ScratchRoot scratch;
  const std::string& root_dir = scratch.dir;
  Root root(root_dir);
  uid_t uid = getuid();  // the runtime directory must be the user's own
  Account account{uid, getgid(), "/home/craig", "/bin/zsh"};
  std::vector<std::string> bare = {"HOME=" + root_dir + "/home/craig", "USER=craig", "LOGNAME=craig",
                                   "SHELL=/bin/zsh", std::string("PATH=") + kSanePath};
  CHECK(user_environment(root, "craig", account) == bare);

  std::string runtime = root_dir + "/run/user/" + std::to_string(uid);
  std::filesystem::create_directories(runtime);
  std::vector<std::string> with_runtime = bare;
  with_runtime.push_back("XDG_RUNTIME_DIR=" + runtime);
  CHECK(user_environment(root, "craig", account) == with_runtime);

  // A bus that is not a socket is no bus.
  std::ofstream(runtime + "/bus") << "";
  CHECK(user_environment(root, "craig", account) == with_runtime);
}
