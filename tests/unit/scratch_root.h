// A scratch directory to use as a --root in unit tests, removed at the end
// of the test.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sc::test {

struct ScratchRoot {
  ScratchRoot() {
    char tmpl[] = "/tmp/sysconf-unit-root-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  ~ScratchRoot() { std::filesystem::remove_all(dir); }
  ScratchRoot(const ScratchRoot&) = delete;
  ScratchRoot& operator=(const ScratchRoot&) = delete;

  // Writes `text` at `relative` (creating its directories), with `mode`.
  void write(const std::string& relative, const std::string& text, mode_t mode = 0644) const {
    std::filesystem::path p = dir + "/" + relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    chmod(p.c_str(), mode);
  }
  std::string read(const std::string& relative) const {
    std::ifstream in(dir + "/" + relative);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir;
};

}  // namespace sc::test
