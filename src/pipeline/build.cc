#include "pipeline/build.h"

#include <cstdlib>
#include <ctime>

#include "activate/command.h"
#include "render/render.h"
#include "store/store.h"
#include "util/config_reader.h"

namespace sc {

namespace {

// The configuration's git revision, and whether the work tree is dirty.
void git_revision(const std::string& dir, BuildInfo& info) {
  CommandResult head = run_command({"git", "-C", dir, "rev-parse", "--verify", "-q", "HEAD"});
  if (head.status != 0) return;
  std::string rev = head.output.substr(0, head.output.find('\n'));
  if (rev.size() != 40) return;
  info.revision = rev;
  CommandResult status = run_command({"git", "-C", dir, "status", "--porcelain", "--untracked-files=normal"});
  info.dirty = status.status != 0 || !status.output.empty();
}

// UTC now, or SOURCE_DATE_EPOCH for reproducible builds and tests.
std::string build_time() {
  std::time_t t = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) t = std::strtoll(epoch, nullptr, 10);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buffer;
}

}  // namespace

bool evaluate_with_checks(HostEvaluation& host, Diagnostics& diags) {
  host.system->eval->whole_tree();
  host.system->eval->run_checks();
  for (HomeEvaluation& home : host.homes) {
    home.config->eval->whole_tree();
    home.config->eval->run_checks();
  }
  return !diags.has_errors();
}

std::optional<Candidate> render_candidate(HostEvaluation& host, const Root& root, const std::string& config_dir,
                                          SourceFiles& files, Diagnostics& diags) {
  std::optional<ConfigReader> sources;
  try {
    sources.emplace(config_dir);
  } catch (const FsError& e) {
    diags.error(e.what(), SourcePos{});
    return std::nullopt;
  }
  RenderContext render_ctx{root, *sources, files, diags};
  auto rendered = render_host(host, render_ctx);
  if (!rendered) return std::nullopt;
  Candidate candidate{std::move(*rendered), BuildInfo{host.host->name, SYSCONF_VERSION, build_time(), std::nullopt, false}};
  git_revision(config_dir, candidate.info);
  return candidate;
}

StoredGeneration store_candidate(const Root& root, const Candidate& candidate, bool dry_run) {
  Store store(root, dry_run);
  if (!dry_run) store.remove_stale_temporaries();
  StoredGeneration out{build_generation(candidate.rendered, candidate.info, store), 0};
  out.objects_written = store.objects_written();
  return out;
}

}  // namespace sc
