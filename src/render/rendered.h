// What the render stage produces: every file, package, user and hook of one
// generation, as plain data. The store turns it into objects; the planner
// compares two of them.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sc {

struct RenderedFile {
  enum class Kind { Content, Symlink, Secret };
  std::string path;  // absolute for /etc ("/etc/hostname"); relative to the home for a user's file
  Kind kind = Kind::Content;
  std::string content;     // Content
  bool executable = false;
  std::string target;      // Symlink: where the link points
  std::string secret;      // Secret: the file copied at activation; its bytes never enter the store
  std::string mode = "symlink";  // /etc: "symlink" (linked through /etc/static) or an octal mode (a copy)
  std::string user = "root";
  std::string group = "root";
  std::string on_change;   // home: shell commands run as the user when the file changed
};

// A store object that no path links to, named by its content: the scripts
// of services, which their unit runs from the store.
struct RenderedObject {
  std::string name;  // <hash>-<hint>, as the store names it
  std::string content;
  bool executable = true;
};

struct RenderedHook {
  std::string name;
  std::vector<std::string> command;
  std::vector<std::string> inputs;   // managed paths whose change makes it run
  std::optional<std::string> root_flag;  // e.g. "--root": how the tool takes a root; none: live root only
  std::vector<std::string> after;    // hooks that run before this one
};

struct RenderedUser {
  std::string name;
  std::optional<int64_t> uid;
  std::string description;
  std::string home;
  std::string shell;
  bool normal = false;
  std::vector<std::string> groups;
  // Absolute path of the file holding the password hash, read at activation
  // (plan/passwords.h); empty: sysconf leaves the password alone.
  std::string hashed_password_file;
};

struct RenderedGroup {
  std::string name;
  std::optional<int64_t> gid;
};

struct RenderedHome {
  std::string user;
  std::string home;  // absolute, as on the running system
  std::vector<RenderedFile> files;
  std::vector<std::string> packages;
};

struct Rendered {
  std::string host;
  std::vector<RenderedFile> etc;      // sorted by path
  std::vector<RenderedHome> homes;    // sorted by user
  std::vector<std::string> packages;  // sorted, unique; the system's and every user's
  std::vector<RenderedUser> users;
  std::vector<RenderedGroup> groups;
  std::vector<RenderedHook> hooks;    // in the order they run
  std::vector<RenderedObject> objects;  // the system's and every user's, by name
};

}  // namespace sc
