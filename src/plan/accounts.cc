#include "plan/accounts.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "util/accounts_text.h"

namespace sc {

namespace {

// The user's `u` line as modules/users.toml writes it in sysusers.d, with its uid.
std::string sysusers_line(const RenderedUser& u, int64_t uid) {
  auto field = [](const std::string& text) { return text.empty() ? std::string("-") : systemd_field(text); };
  return fmt::format("u {} {} {} {} {}", u.name, uid, field(u.description.empty() ? u.name : u.description),
                     field(u.home), field(u.shell));
}
}  // namespace

Result<AccountPlan> plan_accounts(const std::vector<RenderedUser>& users, const std::string& passwd, const UidMap& kept) {
  auto existing = parse_passwd_uids(passwd);
  if (!existing.ok()) return existing.failure();
  AccountPlan out;
  out.uids = kept;
  // Taken: every uid on the machine, every uid the configuration fixes, and
  // every uid sysconf gave (to users that may come back).
  std::set<int64_t> taken;
  for (const auto& [name, uid] : *existing) taken.insert(uid);
  for (const auto& [name, uid] : kept) taken.insert(uid);
  for (const RenderedUser& u : users)
    if (u.uid) taken.insert(*u.uid);
  for (const RenderedUser& u : users) {  // sorted by name: the allocation is stable
    if (u.uid || !u.normal) continue;
    if (auto there = existing->find(u.name); there != existing->end()) {
      out.uids[u.name] = there->second;  // made before (or by hand): its uid is the one to keep
      continue;
    }
    AccountStep step;
    step.user = u.name;
    auto before = kept.find(u.name);
    bool free_again = before != kept.end() &&
                      std::none_of(existing->begin(), existing->end(), [&](const auto& e) { return e.second == before->second; });
    if (free_again) {
      step.uid = before->second;
      step.kept = true;
    } else {
      step.uid = kFirstNormalUid;
      while (taken.count(step.uid)) ++step.uid;
    }
    taken.insert(step.uid);
    out.uids[u.name] = step.uid;
    step.sysusers = sysusers_line(u, step.uid);
    out.create.push_back(std::move(step));
  }
  out.uids_changed = out.uids != kept;
  return out;
}

}  // namespace sc
