#include "activate/uid_map.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "activate/state_file.h"
#include "util/accounts_text.h"

namespace sc {

namespace {
constexpr const char* kFile = "uids.json";
}  // namespace

UidMap read_uid_map(const Root& root) {
  auto j = read_state_file(root, kFile);
  if (!j) return {};
  if (!j->is_object() || !j->contains("users") || !(*j)["users"].is_object())
    throw_damaged(kFile, "\"users\" is missing or not an object");
  UidMap out;
  for (const auto& [user, uid] : (*j)["users"].items()) {
    if (!is_account_name(user)) throw_damaged(kFile, fmt::format("`{}` is not a user name", user));
    if (!uid.is_number_unsigned() || uid.get<uint64_t>() >= 4294967295u)
      throw_damaged(kFile, fmt::format("the uid of {} is not a uid", user));
    out[user] = uid.get<int64_t>();
  }
  return out;
}

void write_uid_map(const Root& root, const UidMap& uids) {
  write_state_file(root, kFile, nlohmann::json{{"users", uids}});
}

UidMap normal_uids_in_passwd(const Root& root) {
  std::string text;
  try {
    text = root.read_inside("/etc/passwd");
  } catch (const FsError&) {
    return {};  // no passwd: no users
  }
  auto uids = parse_passwd_uids(text);
  if (!uids.ok()) throw FsError("/etc/passwd is damaged: " + uids.message(), EINVAL);
  UidMap out;
  for (const auto& [user, uid] : *uids)
    if (uid >= kFirstNormalUid && uid <= kLastNormalUid && is_account_name(user)) out[user] = uid;
  return out;
}

}  // namespace sc
