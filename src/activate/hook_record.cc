#include "activate/hook_record.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/store.h"

namespace sc {

namespace {
constexpr const char* kFile = "hooks.json";
}  // namespace

HookRecord read_hook_record(const Root& root) {
  Fd dir;
  try {
    dir = open_dir_beneath(root.fd(), Root::relative(kStateDir), false);
  } catch (const FsError& e) {
    if (e.error == ENOENT) return {};  // nothing activated yet
    throw;
  }
  if (stat_at(dir.get(), kFile).type == FileStat::Type::Missing) return {};
  std::string text = read_file_at(dir.get(), kFile);
  try {
    return nlohmann::json::parse(text).at("lastSuccess").get<HookRecord>();
  } catch (const nlohmann::json::exception& e) {
    throw FsError(fmt::format("{}/{} is damaged ({}); remove it and every hook runs again", kStateDir, kFile, e.what()),
                  EINVAL);
  }
}

void write_hook_record(const Root& root, const HookRecord& record) {
  Fd dir = open_dir_beneath(root.fd(), Root::relative(kStateDir), true, 0755);
  nlohmann::json j = {{"lastSuccess", record}};
  write_file_at(dir.get(), kFile, j.dump(2) + "\n", 0644);
}

}  // namespace sc
