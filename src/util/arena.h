// A bump allocator for the engine's many small, immutable objects (values,
// paths, expression nodes). Everything allocated in an Arena lives exactly as
// long as the Arena; nothing is freed one by one.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace sc {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  Arena(Arena&&) = default;
  Arena& operator=(Arena&&) = default;
  ~Arena() {
    // Destroy non-trivial objects in reverse order of construction.
    for (auto it = destructors_.rbegin(); it != destructors_.rend(); ++it) it->destroy(it->object);
  }

  void* allocate(size_t size, size_t align = alignof(std::max_align_t)) {
    size_t offset = (used_ + align - 1) & ~(align - 1);
    if (blocks_.empty() || offset + size > capacity_) {
      size_t block = size + align > kBlockSize ? size + align : kBlockSize;
      blocks_.push_back(std::make_unique<char[]>(block));
      capacity_ = block;
      offset = (reinterpret_cast<uintptr_t>(blocks_.back().get()) % align)
                   ? align - reinterpret_cast<uintptr_t>(blocks_.back().get()) % align
                   : 0;
    }
    used_ = offset + size;
    return blocks_.back().get() + offset;
  }

  // Constructs a T in the arena. Non-trivially-destructible objects are
  // destroyed when the arena is.
  template <typename T, typename... Args>
  T* make(Args&&... args) {
    T* object = new (allocate(sizeof(T), alignof(T))) T(std::forward<Args>(args)...);
    if constexpr (!std::is_trivially_destructible_v<T>) {
      destructors_.push_back({object, [](void* p) { static_cast<T*>(p)->~T(); }});
    }
    return object;
  }

  // An uninitialised array of n trivially-destructible T.
  template <typename T>
  T* array(size_t n) {
    static_assert(std::is_trivially_destructible_v<T>);
    if (n == 0) return nullptr;
    return static_cast<T*>(allocate(sizeof(T) * n, alignof(T)));
  }

  std::string_view copy(std::string_view s) {
    if (s.empty()) return {};
    char* p = static_cast<char*>(allocate(s.size(), 1));
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }

 private:
  static constexpr size_t kBlockSize = 64 * 1024;
  struct Destructor {
    void* object;
    void (*destroy)(void*);
  };
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t capacity_ = 0;
  size_t used_ = 0;
  std::vector<Destructor> destructors_;
};

}  // namespace sc
