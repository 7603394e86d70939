// How a store object is named (DESIGN.md section 5): <hash>-<hint>, the hash
// being SHA-256 over the object's canonical serialisation. Below both the
// render stage, which names the scripts it renders, and the store, which
// writes objects under these names, so that neither includes the other.
#pragma once

#include <string>
#include <string_view>

#include "util/hash.h"

namespace sc {

constexpr const char* kStateDir = "/var/lib/sysconf";
constexpr const char* kStoreDir = "/var/lib/sysconf/store";

// The hash of a file object: its bytes and its executable bit.
Sha256 file_object_hash(std::string_view content, bool executable);

// <hash in short base32>-<the hint's last path component, made safe>.
std::string object_name(const Sha256& hash, std::string_view hint);

// /var/lib/sysconf/store/NAME, as on the running system.
inline std::string store_path(const std::string& name) { return std::string(kStoreDir) + "/" + name; }

}  // namespace sc
