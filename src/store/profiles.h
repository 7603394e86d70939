// Profiles: numbered links to generations, and a link to the current one.
//   /var/lib/sysconf/profiles/system          -> system-42-link
//   /var/lib/sysconf/profiles/system-42-link  -> ../store/<hash>-sysconf-system-vivobook
// The same for each user's home: home-craig, home-craig-7-link.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/safe_fs.h"

namespace sc {

constexpr const char* kProfilesDir = "/var/lib/sysconf/profiles";

struct ProfileGeneration {
  int number = 0;
  std::string object;  // the store object it points to
  int64_t time = 0;    // when the link was made (seconds since the epoch)
};

class Profiles {
 public:
  // Opens <root>/var/lib/sysconf/profiles; creates it unless `read_only`.
  Profiles(const Root& root, bool read_only);

  std::vector<ProfileGeneration> list(const std::string& profile) const;  // by number
  std::optional<int> current(const std::string& profile) const;
  std::optional<ProfileGeneration> get(const std::string& profile, int number) const;
  // Adds generation N+1 pointing at `object`, unless the newest already does
  // (with `reuse_any`: unless any does); returns the number. Does not make it
  // current.
  int add(const std::string& profile, const std::string& object, bool reuse_any = false);
  // Atomically points `profile` at generation `number`.
  void set_current(const std::string& profile, int number);
  void remove(const std::string& profile, int number);
  // Every profile name ("system", "home-craig", ...): those with a current
  // link and those with only numbered ones.
  std::vector<std::string> names() const;
  // The runtime path of a profile link: /var/lib/sysconf/profiles/NAME.
  static std::string runtime_path(const std::string& profile) { return std::string(kProfilesDir) + "/" + profile; }

 private:
  Fd dir_;
};

}  // namespace sc
