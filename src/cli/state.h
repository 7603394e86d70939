// What the commands that touch the state share: the root, the lock, the
// check of sysconf's own records, and the end of an activation's output.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "activate/activate.h"
#include "activate/lock.h"
#include "cli/context.h"
#include "store/generation.h"
#include "store/profiles.h"

namespace sc {

// Opens --root (creating it unless `read_only`); reports and returns null on failure.
std::unique_ptr<Root> open_root(CommandContext& ctx, bool read_only);

// Takes the state lock. Returns an exit code to stop with (4 when another
// sysconf holds it), or nullopt when the lock is held.
std::optional<int> take_lock(CommandContext& ctx, const Root& root, bool wait, StateLock& lock);

// What is wrong with the record that `read` reads (state_file.h), or
// nullopt when it is sound.
std::optional<std::string> damage_of(const std::function<void()>& read);

// Reads every record in /var/lib/sysconf (state_file.h) before a command
// changes anything. Returns kExitDamagedState, having said which record is
// damaged, how, and how to recover, or nullopt when all are sound.
std::optional<int> refuse_damaged_state(CommandContext& ctx, const Root& root);

// Prints what an activation has not printed as it went (the plan of
// --dry-run, the JSON document, the messages when nothing was live) and the
// diagnostics; returns the exit code.
int finish_activation(CommandContext& ctx, bool ok, const ActivationReport& report, bool json,
                      const std::string& json_head);

}  // namespace sc
