// The floor for `sysconf eval`: read and parse every .toml file of a tree
// with toml++ on two threads, and throw the result away. Nothing sysconf
// does after parsing is here, so eval's time over this is the engine's cost.
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <toml++/toml.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: toml_floor DIR\n");
    return 2;
  }
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(argv[1]))
    if (entry.is_regular_file() && entry.path().extension() == ".toml") files.push_back(entry.path().string());
  std::atomic<size_t> next{0}, nodes{0};
  auto work = [&] {
    for (size_t i; (i = next++) < files.size();) {
      std::ifstream in(files[i], std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      toml::table t = toml::parse(text.str(), files[i]);
      nodes += t.size();
    }
  };
  std::thread other(work);
  work();
  other.join();
  std::printf("%zu files, %zu top-level keys\n", files.size(), nodes.load());
  return 0;
}
