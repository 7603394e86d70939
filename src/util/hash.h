// SHA-256 and the short base32 form used for store object names.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sc {

using Sha256 = std::array<uint8_t, 32>;

class Sha256Builder {
 public:
  Sha256Builder();
  ~Sha256Builder();
  Sha256Builder(const Sha256Builder&) = delete;
  Sha256Builder& operator=(const Sha256Builder&) = delete;
  void add(std::string_view bytes);
  // Adds a length-prefixed field, so that concatenations cannot collide.
  void add_field(std::string_view bytes);
  Sha256 finish();

 private:
  void* ctx_;
};

Sha256 sha256(std::string_view bytes);
std::string to_hex(const Sha256& digest);
// The first 160 bits in Nix's base32 alphabet: 32 characters.
std::string short_base32(const Sha256& digest);

}  // namespace sc
