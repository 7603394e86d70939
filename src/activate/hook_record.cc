#include "activate/hook_record.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "activate/state_file.h"

namespace sc {

namespace {
constexpr const char* kFile = "hooks.json";
}  // namespace

HookRecord read_hook_record(const Root& root) {
  auto j = read_state_file(root, kFile);
  if (!j) return {};
  if (!j->is_object() || !j->contains("lastSuccess") || !(*j)["lastSuccess"].is_object())
    throw_damaged(kFile, "\"lastSuccess\" is missing or not an object");
  HookRecord out;
  for (const auto& [hook, hash] : (*j)["lastSuccess"].items()) {
    if (!hash.is_string()) throw_damaged(kFile, fmt::format("the hash of hook {} is not a string", hook));
    out[hook] = hash.get<std::string>();
  }
  return out;
}

void write_hook_record(const Root& root, const HookRecord& record) {
  write_state_file(root, kFile, nlohmann::json{{"lastSuccess", record}});
}

}  // namespace sc
