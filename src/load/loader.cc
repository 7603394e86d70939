#include "load/loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include <filesystem>

#include <fmt/format.h>

#include "load/module_parser.h"
#include "util/text.h"

namespace sc {

std::string resolve_module_path(const std::string& path, DirCache* cache) {
  // The common case, a regular file that is not a symlink, in a directory
  // already resolved: one lstat instead of realpath's readlink per component.
  if (cache) {
    struct stat lst;
    size_t slash = path.rfind('/');
    if (slash != std::string::npos && lstat(path.c_str(), &lst) == 0 && S_ISREG(lst.st_mode)) {
      std::string dir = path.substr(0, slash);
      auto it = cache->find(dir);
      if (it == cache->end()) {
        char resolved_dir[PATH_MAX];
        if (!realpath(dir.c_str(), resolved_dir)) return {};
        it = cache->emplace(dir, resolved_dir).first;
      }
      return it->second + path.substr(slash);
    }
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return {};
  std::string file = path;
  if (S_ISDIR(st.st_mode)) {
    file = path + "/default.toml";
    if (stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
  } else if (!S_ISREG(st.st_mode)) {
    return {};
  }
  char resolved[PATH_MAX];
  if (!realpath(file.c_str(), resolved)) return {};
  return resolved;
}

namespace {

// What to say about a module path that names no file: a close name in the
// same directory if there is one, and how paths are resolved.
std::string missing_file_help(const std::string& path, std::string_view relative_to) {
  namespace fs = std::filesystem;
  fs::path p(path);
  std::vector<std::string> siblings;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(p.parent_path(), ec)) siblings.push_back(entry.path().filename().string());
  auto near = closest_names(p.filename().string(), siblings, 1);
  std::string how = fmt::format("paths are relative to {}, and a directory means its default.toml", relative_to);
  if (near.empty()) return "check the path: " + how;
  return fmt::format("did you mean `{}`? ({})", near[0], how);
}

// The error for a module path (an import, or a root module) that
// resolve_module_path could not resolve: not there, or there but not a file
// to read (it is refused without being opened: a FIFO would hang).
void report_unresolved(Diagnostics& diags, const SourceFiles& files, const std::string& path, SourcePos pos,
                       bool import) {
  std::string shown = files.display_path(path);
  struct stat st;
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    diags.error(import ? fmt::format("import of `{}`, which is not a regular file (a FIFO, device or socket)", shown)
                       : fmt::format("module `{}` is not a regular file (a FIFO, device or socket)", shown),
                pos);
  } else if (import) {
    diags.error(fmt::format("import of a missing file `{}`", shown), pos, missing_file_help(path, "the importing file"));
  } else {
    diags.error(fmt::format("module `{}` does not exist", shown), pos, missing_file_help(path, "the file that names it"));
  }
}

// One file of the closure, found by some worker.
struct Slot {
  std::string path;
  std::optional<Module> module;
  std::vector<int> imports;  // slot of each import, -1 where it is missing
  Diagnostics diags;
};

class ParallelLoader {
 public:
  ParallelLoader(SourceFiles& files, const ConfigReader* reader) : files_(files), reader_(reader) {}

  // Returns the slot of `canonical`, queueing it for parsing the first time.
  // REQUIRES: mutex_ held.
  int slot_for(const std::string& canonical) {
    auto [it, inserted] = index_.emplace(canonical, static_cast<int>(slots_.size()));
    if (inserted) {
      slots_.push_back(std::make_unique<Slot>());
      slots_.back()->path = canonical;
      queue_.push_back(it->second);
    }
    return it->second;
  }

  void run(unsigned threads) {
    std::vector<std::unique_ptr<Arena>> arenas;
    for (unsigned i = 0; i < threads; ++i) arenas.push_back(std::make_unique<Arena>());
    std::vector<std::thread> workers;
    for (unsigned i = 1; i < threads; ++i) workers.emplace_back([this, a = arenas[i].get()] { work(*a); });
    work(*arenas[0]);
    for (auto& w : workers) w.join();
    for (auto& a : arenas) arenas_.push_back(std::move(a));
  }

  std::mutex mutex_;
  std::unordered_map<std::string, int> index_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::unique_ptr<Arena>> arenas_;

 private:
  void work(Arena& arena) {
    DirCache dirs;  // this worker's canonical directories
    std::unique_lock lock(mutex_);
    for (;;) {
      ready_.wait(lock, [this] { return !queue_.empty() || busy_ == 0; });
      if (queue_.empty()) break;  // nothing queued and nobody can queue more
      int index = queue_.front();
      queue_.pop_front();
      ++busy_;
      Slot* slot = slots_[index].get();
      lock.unlock();
      parse(*slot, arena);
      // Resolve imports outside the lock: realpath and stat are system calls.
      std::vector<std::string> resolved;
      if (slot->module) {
        for (const Import& imp : slot->module->imports) resolved.push_back(resolve_module_path(imp.path, &dirs));
      }
      lock.lock();
      for (size_t i = 0; i < resolved.size(); ++i) {
        if (resolved[i].empty()) {
          const Import& imp = slot->module->imports[i];
          report_unresolved(slot->diags, files_, imp.path, imp.pos, true);
          slot->imports.push_back(-1);
        } else {
          slot->imports.push_back(slot_for(resolved[i]));
        }
      }
      --busy_;
      ready_.notify_all();
    }
    ready_.notify_all();
  }

  void parse(Slot& slot, Arena& arena) {
    FileId file = files_.add(slot.path);
    std::string text;
    try {
      text = reader_ ? reader_->read_module(slot.path) : read_regular_at(AT_FDCWD, slot.path, 0, slot.path);
    } catch (const FsError& e) {
      slot.diags.error(fmt::format("cannot read module: {}", e.what()), SourcePos{});
      return;
    }
    // parse_module reports into this slot's own list: workers never share one.
    slot.module = parse_module(text, slot.path, file, arena, slot.diags);
  }

  SourceFiles& files_;
  const ConfigReader* reader_;
  std::deque<int> queue_;
  int busy_ = 0;
  std::condition_variable ready_;
};

}  // namespace

LoadedModules load_modules(const std::vector<ModuleRoot>& roots, SourceFiles& files, Diagnostics& diags,
                           const ConfigReader* reader, unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
  ParallelLoader loader(files, reader);
  std::vector<int> root_slots;
  bool out_complete = true;
  {
    std::lock_guard lock(loader.mutex_);
    for (const ModuleRoot& root : roots) {
      std::string canonical = resolve_module_path(root.path);
      if (canonical.empty()) {
        report_unresolved(diags, files, root.path, root.pos, false);
        root_slots.push_back(-1);
        out_complete = false;
      } else {
        root_slots.push_back(loader.slot_for(canonical));
      }
    }
  }
  loader.run(threads);

  // Depth-first pre-order from the roots, each file once: the load order.
  LoadedModules out;
  std::vector<bool> seen(loader.slots_.size(), false);
  std::vector<int> order;
  std::vector<std::pair<int, size_t>> stack;  // slot, next import to visit
  for (int root : root_slots) {
    if (root < 0 || seen[root]) continue;
    seen[root] = true;
    order.push_back(root);
    stack.emplace_back(root, 0);
    while (!stack.empty()) {
      auto& [slot, next] = stack.back();
      const std::vector<int>& imports = loader.slots_[slot]->imports;
      if (next == imports.size()) {
        stack.pop_back();
        continue;
      }
      int child = imports[next++];
      if (child < 0 || seen[child]) continue;
      seen[child] = true;
      order.push_back(child);
      stack.emplace_back(child, 0);
    }
  }
  out.modules.reserve(order.size());
  for (int index : order) {
    Slot& slot = *loader.slots_[index];
    diags.append(std::move(slot.diags));
    bool imports_found = std::find(slot.imports.begin(), slot.imports.end(), -1) == slot.imports.end();
    out_complete &= slot.module.has_value() && imports_found;
    if (slot.module) out.modules.push_back(std::move(*slot.module));
  }
  out.arenas = std::move(loader.arenas_);
  out.complete = out_complete;
  return out;
}

}  // namespace sc
