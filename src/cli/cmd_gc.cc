// sysconf gc [--keep N] [--older-than 30d] [--dry-run]: drops old
// generations of every profile (never a current one), then removes every
// store object that no remaining generation uses.
#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <cstring>
#include <ctime>
#include <set>

#include <fmt/format.h>

#include "activate/journal.h"
#include "cli/commands.h"
#include "cli/state.h"

namespace sc {

int run_gc(CommandContext& ctx, const GcOptions& options) {
  auto root = open_root(ctx, options.dry_run);
  if (!root) return ctx.report();
  StateLock lock;
  if (!options.dry_run)
    if (auto stop = take_lock(ctx, *root, false, lock)) return *stop;
  if (auto stop = refuse_damaged_state(ctx, *root)) return *stop;
  try {
    Profiles profiles(*root, true);
    std::time_t now = std::time(nullptr);
    std::set<std::string> live;
    std::vector<std::string> unreadable;
    auto keep = [&](const std::string& what, const std::string& object) {
      if (Status marked = mark_live(*root, object, live); !marked.ok())
        unreadable.push_back(fmt::format("{} cannot be read completely: {}", what, marked.message()));
    };
    // First everything that stays is read completely; only then is anything
    // removed, so that a generation that cannot be read loses nothing.
    std::vector<std::pair<std::string, int>> drops;
    for (const std::string& profile : profiles.names()) {
      auto all = profiles.list(profile);
      auto current = profiles.current(profile);
      for (size_t i = 0; i < all.size(); ++i) {
        const ProfileGeneration& g = all[i];
        size_t newer = all.size() - 1 - i;  // generations newer than this one
        bool is_current = current && *current == g.number;
        bool beyond_keep = options.keep && newer >= static_cast<size_t>(*options.keep);
        bool too_old = options.older_than_days && (now - g.time) > *options.older_than_days * 86400;
        bool drop = !is_current && (options.keep || options.older_than_days) &&
                    (!options.keep || beyond_keep) && (!options.older_than_days || too_old);
        if (drop)
          drops.emplace_back(profile, g.number);
        else
          keep(fmt::format("generation {} of {}", g.number, profile), g.object);
      }
    }
    // Also what the machine is on right now, and an interrupted activation's generations.
    if (auto object = current_generation(*root)) keep("the current generation", *object);
    if (auto journal = read_journal(*root)) {
      keep("the generation an interrupted activation goes to", journal->to);
      if (journal->from) keep("the generation an interrupted activation left", *journal->from);
    }
    if (!unreadable.empty()) {
      for (const std::string& what : unreadable)
        ctx.diags().error(fmt::format("{}; gc removed nothing", what), SourcePos{},
                          "its objects would be swept; restore the store object, or drop the generation with "
                          "`sysconf gc` once it is no longer kept (README: \"When sysconf's own state is damaged\")");
      return ctx.report();
    }
    std::string out;
    for (const auto& [profile, number] : drops) {
      out += fmt::format("{} generation {} of {}\n", options.dry_run ? "would remove" : "removing", number, profile);
      if (!options.dry_run) profiles.remove(profile, number);
    }
    Store store(*root, true);
    size_t removed = 0;
    if (store.dir_fd() >= 0) {
      std::vector<std::string> names;
      DIR* d = fdopendir(dup(store.dir_fd()));
      if (!d) throw FsError(fmt::format("cannot list {}: {}", kStoreDir, std::strerror(errno)), errno);
      while (dirent* e = readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != ".." && !live.count(n)) names.push_back(n);
      }
      closedir(d);
      std::sort(names.begin(), names.end());
      for (const std::string& n : names) {
        if (!options.dry_run) remove_object(store.dir_fd(), n);
        ++removed;
      }
    }
    out += fmt::format("{} {} store object{}, {} kept\n", options.dry_run ? "would remove" : "removed", removed,
                       removed == 1 ? "" : "s", live.size());
    if (!ctx.quiet()) std::fputs(out.c_str(), stdout);
  } catch (const FsError& e) {
    ctx.diags().error(e.what(), SourcePos{});
  }
  return ctx.report();
}

}  // namespace sc
