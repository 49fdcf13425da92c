// MSL SIMD-group (32 lanes) and quad-group (4 lanes) functions on top of metalsim_collective.
// Owned by the runtime layer.
//
// Each call deposits its value at the runtime; the runtime waits until no thread of the
// threadgroup can run, then hands every lane waiting at the same call site (in the same SIMD
// group or quad) a snapshot of all lanes' values plus the mask of those lanes. That mask stands
// in for the hardware's active mask. Lanes that do not take part read zeros. Reductions use a
// fixed pairwise tree over the active lanes in lane order, so results do not depend on the
// schedule.
#ifndef METALSIM_METAL_SIMDGROUP_H
#define METALSIM_METAL_SIMDGROUP_H

#include "../../runtime/metalsim_rt.h"

#define __METALSIM_SITE                                                             \
  const char *__file = __builtin_FILE(), int __line = __builtin_LINE(),             \
             int __col = __builtin_COLUMN()
#define __METALSIM_SITE_ARGS __file, __line, __col

namespace metal {

class simd_vote {
 public:
  using vote_t = unsigned long;  // MSL: ulong
  explicit constexpr simd_vote(vote_t v = 0) : __v(v) {}
  explicit constexpr operator vote_t() const { return __v; }
  // True only if every lane of the 32-wide SIMD group voted (inactive lanes count as false).
  constexpr bool all() const { return (__v & 0xFFFFFFFFull) == 0xFFFFFFFFull; }
  constexpr bool any() const { return __v != 0; }

 private:
  vote_t __v;
};

class quad_vote {
 public:
  using vote_t = unsigned short;
  explicit constexpr quad_vote(vote_t v = 0) : __v(v) {}
  explicit constexpr operator vote_t() const { return __v; }
  constexpr bool all() const { return (__v & 0xF) == 0xF; }
  constexpr bool any() const { return (__v & 0xF) != 0; }

 private:
  vote_t __v;
};

namespace __msim_simd {

// Snapshot of the lanes' values, as raw bytes so any trivially copyable T works.
template <typename T>
struct lanes {
  alignas(T) unsigned char raw[32 * sizeof(T)];
  T get(unsigned i) const {
    T v;
    __builtin_memcpy(&v, raw + i * sizeof(T), sizeof(T));
    return v;
  }
};

template <int Scope>
struct group {
  static constexpr unsigned width = Scope == 0 ? 32u : 4u;
  static unsigned lane() {
    const metalsim_thread_attrs *a = metalsim_current();
    return Scope == 0 ? a->thread_index_in_simdgroup : a->thread_index_in_quadgroup;
  }
};

template <int Scope, typename T>
inline unsigned long long gather(const T &x, lanes<T> &out, const char *f, int l, int c) {
  unsigned long long m = 0;
  metalsim_collective(Scope, &x, sizeof(T), f, l, c, out.raw, (uint64_t *)&m);
  return m;
}

template <int Scope>
inline unsigned long long mask_only(const char *f, int l, int c) {
  uint64_t m = 0;
  metalsim_collective(Scope, nullptr, 0, f, l, c, nullptr, &m);
  return m;
}

template <typename T>
inline T vmin(T a, T b) {
  return __builtin_elementwise_min(a, b);
}
template <typename T>
inline T vmax(T a, T b) {
  return __builtin_elementwise_max(a, b);
}

struct op_sum {
  template <typename T>
  T operator()(T a, T b) const { return a + b; }
};
struct op_product {
  template <typename T>
  T operator()(T a, T b) const { return a * b; }
};
struct op_min {
  template <typename T>
  T operator()(T a, T b) const { return vmin(a, b); }
};
struct op_max {
  template <typename T>
  T operator()(T a, T b) const { return vmax(a, b); }
};
struct op_and {
  template <typename T>
  T operator()(T a, T b) const { return a & b; }
};
struct op_or {
  template <typename T>
  T operator()(T a, T b) const { return a | b; }
};
struct op_xor {
  template <typename T>
  T operator()(T a, T b) const { return a ^ b; }
};

// Pairwise tree over the active lanes, compacted in lane order: ((l0 l1)(l2 l3))...
template <typename T, typename Op>
inline T tree(const lanes<T> &v, unsigned long long mask, unsigned width, Op op) {
  T a[32];
  unsigned k = 0;
  for (unsigned i = 0; i < width; i++)
    if (mask >> i & 1) a[k++] = v.get(i);
  while (k > 1) {
    unsigned h = k / 2;
    for (unsigned i = 0; i < h; i++) a[i] = op(a[2 * i], a[2 * i + 1]);
    if (k & 1) a[h] = a[k - 1];
    k = h + (k & 1);
  }
  return a[0];
}

template <int Scope, typename T, typename Op>
inline T reduce(T x, Op op, const char *f, int l, int c) {
  lanes<T> v;
  unsigned long long m = gather<Scope>(x, v, f, l, c);
  return tree(v, m, group<Scope>::width, op);
}

// Prefix over active lanes below (exclusive) or up to (inclusive) the caller, in lane order.
template <int Scope, typename T, typename Op>
inline T prefix(T x, Op op, T identity, bool inclusive, const char *f, int l, int c) {
  lanes<T> v;
  unsigned long long m = gather<Scope>(x, v, f, l, c);
  unsigned me = group<Scope>::lane();
  T acc = identity;
  for (unsigned i = 0; i < me + (inclusive ? 1u : 0u); i++)
    if (m >> i & 1) acc = op(acc, v.get(i));
  return acc;
}

template <int Scope, typename T>
inline T from_lane(T x, unsigned src, const char *f, int l, int c) {
  lanes<T> v;
  gather<Scope>(x, v, f, l, c);
  return v.get(src % group<Scope>::width);
}

template <int Scope, typename T>
inline T shuffle_up(T x, unsigned delta, const char *f, int l, int c) {
  lanes<T> v;
  gather<Scope>(x, v, f, l, c);
  unsigned me = group<Scope>::lane();
  return me >= delta ? v.get(me - delta) : x;  // no wrap: the low lanes keep their value
}

template <int Scope, typename T>
inline T shuffle_down(T x, unsigned delta, const char *f, int l, int c) {
  lanes<T> v;
  gather<Scope>(x, v, f, l, c);
  unsigned me = group<Scope>::lane();
  return me + delta < group<Scope>::width ? v.get(me + delta) : x;
}

template <int Scope, typename T>
inline T rotate(T x, int delta, const char *f, int l, int c) {
  lanes<T> v;
  gather<Scope>(x, v, f, l, c);
  int w = (int)group<Scope>::width;
  int src = ((int)group<Scope>::lane() + delta) % w;
  if (src < 0) src += w;
  return v.get((unsigned)src);
}

template <typename T>
struct pair {
  T data, fill;
};

// The group is split into blocks of `modulo` lanes; data moves within a block and the lanes
// left without a source take the filling value from the other end of the block.
template <int Scope, typename T>
inline T fill_up(T data, T filling, unsigned delta, unsigned modulo, const char *f, int l,
                 int c) {
  lanes<pair<T>> v;
  gather<Scope>(pair<T>{data, filling}, v, f, l, c);
  unsigned me = group<Scope>::lane();
  if (modulo == 0 || modulo > group<Scope>::width) modulo = group<Scope>::width;
  unsigned base = me - me % modulo, i = me % modulo;
  return i >= delta ? v.get(base + i - delta).data : v.get(base + modulo - delta + i).fill;
}

template <int Scope, typename T>
inline T fill_down(T data, T filling, unsigned delta, unsigned modulo, const char *f, int l,
                   int c) {
  lanes<pair<T>> v;
  gather<Scope>(pair<T>{data, filling}, v, f, l, c);
  unsigned me = group<Scope>::lane();
  if (modulo == 0 || modulo > group<Scope>::width) modulo = group<Scope>::width;
  unsigned base = me - me % modulo, i = me % modulo;
  return i + delta < modulo ? v.get(base + i + delta).data : v.get(base + i + delta - modulo).fill;
}

template <int Scope>
inline unsigned long long ballot(bool e, const char *f, int l, int c) {
  lanes<bool> v;
  unsigned long long m = gather<Scope>(e, v, f, l, c);
  unsigned long long r = 0;
  for (unsigned i = 0; i < group<Scope>::width; i++)
    if ((m >> i & 1) && v.get(i)) r |= 1ull << i;
  return r;
}

template <int Scope>
inline bool all(bool e, const char *f, int l, int c) {
  lanes<bool> v;
  unsigned long long m = gather<Scope>(e, v, f, l, c);
  for (unsigned i = 0; i < group<Scope>::width; i++)
    if ((m >> i & 1) && !v.get(i)) return false;
  return true;
}

template <int Scope>
inline bool is_first(const char *f, int l, int c) {
  unsigned long long m = mask_only<Scope>(f, l, c);
  return m && (unsigned)__builtin_ctzll(m) == group<Scope>::lane();
}

}  // namespace __msim_simd

// One macro per function family, instantiated for simd_ (scope 0) and quad_ (scope 1).
#define __METALSIM_GROUP_FUNCS(P, S)                                                              \
  template <typename T>                                                                           \
  inline T P##sum(T data, __METALSIM_SITE) {                                                      \
    return __msim_simd::reduce<S>(data, __msim_simd::op_sum{}, __METALSIM_SITE_ARGS);             \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##product(T data, __METALSIM_SITE) {                                                  \
    return __msim_simd::reduce<S>(data, __msim_simd::op_product{}, __METALSIM_SITE_ARGS);         \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##min(T data, __METALSIM_SITE) {                                                      \
    return __msim_simd::reduce<S>(data, __msim_simd::op_min{}, __METALSIM_SITE_ARGS);             \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##max(T data, __METALSIM_SITE) {                                                      \
    return __msim_simd::reduce<S>(data, __msim_simd::op_max{}, __METALSIM_SITE_ARGS);             \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##and(T data, __METALSIM_SITE) {                                                      \
    return __msim_simd::reduce<S>(data, __msim_simd::op_and{}, __METALSIM_SITE_ARGS);             \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##or(T data, __METALSIM_SITE) {                                                       \
    return __msim_simd::reduce<S>(data, __msim_simd::op_or{}, __METALSIM_SITE_ARGS);              \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##xor(T data, __METALSIM_SITE) {                                                      \
    return __msim_simd::reduce<S>(data, __msim_simd::op_xor{}, __METALSIM_SITE_ARGS);             \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##prefix_inclusive_sum(T data, __METALSIM_SITE) {                                     \
    return __msim_simd::prefix<S>(data, __msim_simd::op_sum{}, T(0), true, __METALSIM_SITE_ARGS); \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##prefix_exclusive_sum(T data, __METALSIM_SITE) {                                     \
    return __msim_simd::prefix<S>(data, __msim_simd::op_sum{}, T(0), false,                       \
                                  __METALSIM_SITE_ARGS);                                          \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##prefix_inclusive_product(T data, __METALSIM_SITE) {                                 \
    return __msim_simd::prefix<S>(data, __msim_simd::op_product{}, T(1), true,                    \
                                  __METALSIM_SITE_ARGS);                                          \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##prefix_exclusive_product(T data, __METALSIM_SITE) {                                 \
    return __msim_simd::prefix<S>(data, __msim_simd::op_product{}, T(1), false,                   \
                                  __METALSIM_SITE_ARGS);                                          \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##broadcast(T data, unsigned short lane, __METALSIM_SITE) {                           \
    return __msim_simd::from_lane<S>(data, lane, __METALSIM_SITE_ARGS);                           \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##broadcast_first(T data, __METALSIM_SITE) {                                          \
    __msim_simd::lanes<T> v;                                                                      \
    unsigned long long m = __msim_simd::gather<S>(data, v, __METALSIM_SITE_ARGS);                 \
    return v.get(m ? (unsigned)__builtin_ctzll(m) : 0u);                                          \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##shuffle(T data, unsigned short lane, __METALSIM_SITE) {                             \
    return __msim_simd::from_lane<S>(data, lane, __METALSIM_SITE_ARGS);                           \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##shuffle_xor(T data, unsigned short mask, __METALSIM_SITE) {                         \
    return __msim_simd::from_lane<S>(data, __msim_simd::group<S>::lane() ^ mask,                  \
                                     __METALSIM_SITE_ARGS);                                       \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##shuffle_up(T data, unsigned short delta, __METALSIM_SITE) {                         \
    return __msim_simd::shuffle_up<S>(data, delta, __METALSIM_SITE_ARGS);                         \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##shuffle_down(T data, unsigned short delta, __METALSIM_SITE) {                       \
    return __msim_simd::shuffle_down<S>(data, delta, __METALSIM_SITE_ARGS);                       \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##shuffle_rotate_up(T data, unsigned short delta, __METALSIM_SITE) {                  \
    return __msim_simd::rotate<S>(data, -(int)delta, __METALSIM_SITE_ARGS);                       \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##shuffle_rotate_down(T data, unsigned short delta, __METALSIM_SITE) {                \
    return __msim_simd::rotate<S>(data, (int)delta, __METALSIM_SITE_ARGS);                        \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##shuffle_and_fill_up(T data, T filling, unsigned short delta,                        \
                                  unsigned short modulo = 0, __METALSIM_SITE) {                   \
    return __msim_simd::fill_up<S>(data, filling, delta, modulo, __METALSIM_SITE_ARGS);           \
  }                                                                                               \
  template <typename T>                                                                           \
  inline T P##shuffle_and_fill_down(T data, T filling, unsigned short delta,                      \
                                    unsigned short modulo = 0, __METALSIM_SITE) {                 \
    return __msim_simd::fill_down<S>(data, filling, delta, modulo, __METALSIM_SITE_ARGS);         \
  }                                                                                               \
  inline bool P##all(bool expr, __METALSIM_SITE) {                                                \
    return __msim_simd::all<S>(expr, __METALSIM_SITE_ARGS);                                       \
  }                                                                                               \
  inline bool P##any(bool expr, __METALSIM_SITE) {                                                \
    return __msim_simd::ballot<S>(expr, __METALSIM_SITE_ARGS) != 0;                               \
  }                                                                                               \
  inline bool P##is_first(__METALSIM_SITE) {                                                      \
    return __msim_simd::is_first<S>(__METALSIM_SITE_ARGS);                                        \
  }

__METALSIM_GROUP_FUNCS(simd_, 0)
__METALSIM_GROUP_FUNCS(quad_, 1)
#undef __METALSIM_GROUP_FUNCS

inline simd_vote simd_ballot(bool expr, __METALSIM_SITE) {
  return simd_vote(__msim_simd::ballot<0>(expr, __METALSIM_SITE_ARGS));
}
inline simd_vote simd_active_threads_mask(__METALSIM_SITE) {
  return simd_vote((simd_vote::vote_t)__msim_simd::mask_only<0>(__METALSIM_SITE_ARGS));
}
inline quad_vote quad_ballot(bool expr, __METALSIM_SITE) {
  return quad_vote((unsigned short)__msim_simd::ballot<1>(expr, __METALSIM_SITE_ARGS));
}
inline quad_vote quad_active_threads_mask(__METALSIM_SITE) {
  return quad_vote((unsigned short)__msim_simd::mask_only<1>(__METALSIM_SITE_ARGS));
}

}  // namespace metal

#undef __METALSIM_SITE
#undef __METALSIM_SITE_ARGS

#endif
