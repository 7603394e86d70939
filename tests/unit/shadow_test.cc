// /etc/shadow as a root tool must edit it: the password field of one entry
// replaced and every other byte kept, a damaged file refused, a hash file
// read strictly; and the writer that never follows a symlink and keeps the
// file's mode, owner and group.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "activate/shadow.h"
#include "util/shadow_text.h"
#include "scratch_root.h"

using namespace sc;
using sc::test::ScratchRoot;

namespace {
const std::string kShadow =
    "root:*:19000:0:99999:7:::\n"
    "craig:!*:19500::::::\n"
    "ann:$y$old:19500:0:99999:7::20000:\n";

}  // namespace

TEST_CASE("a password hash file holds one hash on its first line") {
  auto hash = [](std::string_view text) {
    auto r = password_hash_from_file(text);
    return r.ok() ? std::optional<std::string>(r.value()) : std::nullopt;
  };
  CHECK(hash("$y$j9T$salt$hash\n") == std::optional<std::string>("$y$j9T$salt$hash"));
  CHECK(hash("$y$j9T$salt$hash") == std::optional<std::string>("$y$j9T$salt$hash"));
  CHECK(hash("$6$s$h\n\n  \n") == std::optional<std::string>("$6$s$h"));
  CHECK(hash("!") == std::optional<std::string>("!"));

  auto problem = [](std::string_view text) {
    auto r = password_hash_from_file(text);
    REQUIRE_FALSE(r.ok());
    return r.message();
  };
  CHECK(problem("").find("empty") != std::string::npos);
  CHECK(problem("\n$6$s$h\n").find("empty") != std::string::npos);
  CHECK(problem("$6$s$h\nsecond\n").find("more than one line") != std::string::npos);
  CHECK(problem("$6$s$h:0:::\n").find("`:`") != std::string::npos);
  CHECK(problem("$6$s$h\r\n").find("control character") != std::string::npos);
  // The problem never quotes the text: it is a secret.
  CHECK(problem(std::string("$6$s\0h", 6)).find("$6$s") == std::string::npos);
}

TEST_CASE("one entry's password field is replaced, every other byte kept") {
  auto edited = with_shadow_password(kShadow, "craig", "$y$new$hash");
  REQUIRE(edited.ok());
  CHECK(edited.value() ==
        "root:*:19000:0:99999:7:::\n"
        "craig:$y$new$hash:19500::::::\n"
        "ann:$y$old:19500:0:99999:7::20000:\n");
  // The last entry, in a file without a final newline.
  std::string unterminated = kShadow.substr(0, kShadow.size() - 1);
  auto last = with_shadow_password(unterminated, "ann", "$6$x");
  REQUIRE(last.ok());
  CHECK(last->substr(last->rfind('\n') + 1) == "ann:$6$x:19500:0:99999:7::20000:");

  auto passwords = shadow_passwords(kShadow);
  REQUIRE(passwords.ok());
  CHECK(passwords->at("craig") == "!*");
  CHECK(passwords->at("ann") == "$y$old");
  CHECK(passwords->size() == 3);

  auto missing = with_shadow_password(kShadow, "bob", "$6$x");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.message() == "/etc/shadow has no entry for `bob`");
}

TEST_CASE("a damaged shadow is refused, never guessed at") {
  for (const char* damaged : {"root:*:19000:0:99999:7:::\ncraig:!*:19500\n",   // too few fields
                              "root:*:19000:0:99999:7:::\ncraig:!*:1:2:3:4:5:6:7:8\n",  // too many
                              "root:*:19000:0:99999:7:::\n\ncraig:!*:19500::::::\n",    // a blank line
                              "root:*:19000:0:99999:7:::\n:!*:19500::::::\n",           // no name
                              "root:*:19000:0:99999:7:::\nroot:$6$x:19500::::::\n"}) {  // an entry twice
    INFO(damaged);
    auto passwords = shadow_passwords(damaged);
    REQUIRE_FALSE(passwords.ok());
    CHECK(passwords.message().find("line 2") != std::string::npos);
    CHECK_FALSE(with_shadow_password(damaged, "root", "$6$x").ok());
  }
  CHECK(shadow_passwords("").value().empty());
}

TEST_CASE("the root's /etc/shadow is replaced with its mode, owner and group, and never through a symlink") {
  if (geteuid() != 0) {
    WARN("skipped: needs root to give the file a group");
    return;
  }
  ScratchRoot scratch;
  scratch.write("etc/shadow", kShadow, 0640);
  REQUIRE(chown((scratch.dir + "/etc/shadow").c_str(), 0, 42) == 0);
  Root root(scratch.dir);

  ShadowUpdate update = set_shadow_passwords(root, {{"craig", "$y$new"}, {"ann", "$y$old"}, {"bob", "$6$x"}});
  CHECK(update.problem.empty());
  CHECK(update.changed == std::vector<std::string>{"craig"});
  CHECK(update.missing == std::vector<std::string>{"bob"});
  CHECK(scratch.read("etc/shadow") == "root:*:19000:0:99999:7:::\ncraig:$y$new:19500::::::\n"
                                      "ann:$y$old:19500:0:99999:7::20000:\n");
  struct stat st;
  REQUIRE(stat((scratch.dir + "/etc/shadow").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  CHECK(st.st_uid == 0);
  CHECK(st.st_gid == 42);

  // Nothing to change: the file is not rewritten.
  ino_t inode = st.st_ino;
  update = set_shadow_passwords(root, {{"craig", "$y$new"}});
  CHECK(update.changed.empty());
  REQUIRE(stat((scratch.dir + "/etc/shadow").c_str(), &st) == 0);
  CHECK(st.st_ino == inode);

  // /etc/shadow a symlink to another file: refused, neither file touched.
  scratch.write("elsewhere", kShadow, 0600);
  std::filesystem::remove(scratch.dir + "/etc/shadow");
  std::filesystem::create_symlink(scratch.dir + "/elsewhere", scratch.dir + "/etc/shadow");
  update = set_shadow_passwords(root, {{"craig", "$y$other"}});
  CHECK(update.problem == "/etc/shadow is not a regular file");
  CHECK(scratch.read("elsewhere") == kShadow);
  CHECK(std::filesystem::is_symlink(scratch.dir + "/etc/shadow"));
}

TEST_CASE("a damaged shadow in the root is left alone, byte for byte") {
  ScratchRoot scratch;
  std::string damaged = "root:*:19000\n";
  scratch.write("etc/shadow", damaged, 0600);
  Root root(scratch.dir);
  ShadowUpdate update = set_shadow_passwords(root, {{"root", "$6$x"}});
  CHECK(update.problem.find("/etc/shadow is damaged: line 1") == 0);
  CHECK(scratch.read("etc/shadow") == damaged);
}
