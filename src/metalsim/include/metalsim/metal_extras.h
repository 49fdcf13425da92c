// metalsim: small parts of <metal_stdlib> that belong to no other header: os_log (Metal 3.2
// logging, a no-op here) and the threadgroup-variable helper the source rewriter emits.
#pragma once
#include <stddef.h>

#include "../../runtime/metalsim_rt.h"
#include "metal_types.h"

namespace metal {
// Metal 3.2 os_log: accepted and ignored (MLX's logging.h aliases it as mlx::os_log).
struct os_log {
  constexpr os_log() = default;
  constexpr os_log(const char *, const char *) {}
  template <class... A>
  void log(const char *, A...) const {}
  template <class... A>
  void log_debug(const char *, A...) const {}
  template <class... A>
  void log_info(const char *, A...) const {}
  template <class... A>
  void log_error(const char *, A...) const {}
  template <class... A>
  void log_fault(const char *, A...) const {}
};
}  // namespace metal

namespace metalsim {
// `threadgroup T name[...];` becomes `auto &name = metalsim::tg_var<T[...]>(site, align, col);`:
// a reference to storage shared by the threads of the current threadgroup (the runtime's arena,
// poisoned at the start of each threadgroup). A reference keeps sizeof and array decay as in MSL.
template <class T>
inline T &tg_var(int site, size_t align = 0, int col = 0, const char *file = __builtin_FILE(),
                 int line = __builtin_LINE()) {
  size_t a = alignof(T) > align ? alignof(T) : align;
  return *static_cast<T *>(metalsim_tg_alloc_at(site, sizeof(T), a, file, line, col));
}
}  // namespace metalsim

namespace metalsim {
template <class... A>
constexpr size_t max_align(A... a) {
  size_t m = 0;
  ((m = size_t(a) > m ? size_t(a) : m), ...);
  return m;
}
}  // namespace metalsim

namespace metalsim {
// Thread attributes for the generated entry wrapper: MLX declares uint / uint3, Metal also
// allows ushort / ushort2 / uint2 etc.
template <class T>
inline T attr(const metalsim_uint3 &v) {
  if constexpr (is_vector_v<T>) {
    using E = elem_t<T>;
    const E c[3] = {E(v.x), E(v.y), E(v.z)};
    T r{};
    for (int i = 0; i < size_v<T>; ++i) r[i] = c[i];
    return r;
  } else {
    return T(v.x);
  }
}
template <class T>
inline T attr(uint32_t v) {
  return T(v);
}
}  // namespace metalsim

namespace metalsim {
// The rewriter wraps a comparison passed straight to a conversion, `float4(a > b)`, in
// as_bool(): clang's vector comparison yields -1 per true lane, Metal's bool vector converts to 1.
template <class T>
constexpr auto as_bool(const T &x) {
  if constexpr (is_vector_v<T> && std::is_integral_v<elem_t<T>> &&
                std::is_signed_v<elem_t<T>> && !std::is_same_v<elem_t<T>, bool>) {
    return bvec<size_v<T>>(x);
  } else {
    return x;
  }
}
}  // namespace metalsim
