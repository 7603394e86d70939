#include "util/hash.h"

#include <cstdio>

#include <openssl/evp.h>

#include <stdexcept>

namespace sc {

namespace {
// Fetched once: OpenSSL 3 otherwise looks the algorithm up on every
// initialisation, which costs more than hashing a small file.
const EVP_MD* sha256_algorithm() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}
}  // namespace

Sha256Builder::Sha256Builder() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || !sha256_algorithm() || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), sha256_algorithm(), nullptr) != 1)
    throw std::runtime_error("cannot initialise SHA-256");
}

Sha256Builder::~Sha256Builder() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256Builder::add(std::string_view bytes) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), bytes.data(), bytes.size());
}

void Sha256Builder::add_field(std::string_view bytes) {
  char length[24];
  int n = std::snprintf(length, sizeof length, "%zu:", bytes.size());
  add(std::string_view(length, static_cast<size_t>(n)));
  add(bytes);
}

Sha256 Sha256Builder::finish() {
  Sha256 out{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &size);
  return out;
}

Sha256 sha256(std::string_view bytes) {
  Sha256Builder b;
  b.add(bytes);
  return b.finish();
}

std::string to_hex(const Sha256& digest) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (uint8_t byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 15];
  }
  return out;
}

std::string short_base32(const Sha256& digest) {
  // Nix's alphabet: no e, o, u, t, so that names never spell words.
  static const char* kAlphabet = "0123456789abcdfghijklmnpqrsvwxyz";
  std::string out;
  for (int i = 0; i < 32; ++i) {
    int bit = i * 5;
    int byte = bit / 8, shift = bit % 8;
    unsigned v = digest[byte] << 8 | (byte + 1 < 20 ? digest[byte + 1] : 0);
    out += kAlphabet[(v >> (11 - shift)) & 31];
  }
  return out;
}

}  // namespace sc
