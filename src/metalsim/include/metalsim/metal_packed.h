// metalsim: Metal's packed vector types (MSL 2.2.3): element alignment, no padding.
// packed_T2 / packed_T4 are ext vectors with the scalar's alignment (size 2n / 4n as in Metal);
// packed_T3 is a 3-element struct (an ext vector of 3 would be 4 elements long) that converts
// to and from the aligned vector and supports component access, [] and arithmetic.
#pragma once
#include "metal_types.h"

namespace metalsim {
template <class T>
struct packed3 {
  union {
    T e[3];
    struct { T x, y, z; };
    struct { T r, g, b; };
  };
  using vec3 = T __attribute__((ext_vector_type(3)));
  constexpr packed3() : e{} {}
  constexpr packed3(T s) : e{s, s, s} {}
  constexpr packed3(T a, T b_, T c) : e{a, b_, c} {}
  constexpr packed3(vec3 v) : e{v[0], v[1], v[2]} {}
  constexpr operator vec3() const { return vec3{e[0], e[1], e[2]}; }
  constexpr T &operator[](int i) { return e[i]; }
  constexpr T operator[](int i) const { return e[i]; }
  constexpr vec3 v() const { return vec3(*this); }
  packed3 &operator+=(vec3 o) { return *this = v() + o; }
  packed3 &operator-=(vec3 o) { return *this = v() - o; }
  packed3 &operator*=(vec3 o) { return *this = v() * o; }
  packed3 &operator/=(vec3 o) { return *this = v() / o; }
};
template <class T>
struct vec_traits<packed3<T>> {
  static constexpr bool is_vector = false;  // a class: make<> constructs it directly
  static constexpr int size = 3;
  using elem = T;
};
#define METALSIM_P3_OP(op)                                                                  \
  template <class T, class U>                                                               \
  inline auto operator op(const packed3<T> &a, const U &b) -> decltype(a.v() op b) {       \
    return a.v() op b;                                                                      \
  }                                                                                         \
  template <class T, class U, std::enable_if_t<!std::is_same_v<U, packed3<T>>, int> = 0>   \
  inline auto operator op(const U &a, const packed3<T> &b) -> decltype(a op b.v()) {       \
    return a op b.v();                                                                      \
  }
METALSIM_P3_OP(+)
METALSIM_P3_OP(-)
METALSIM_P3_OP(*)
METALSIM_P3_OP(/)
#undef METALSIM_P3_OP
}  // namespace metalsim

#define METALSIM_PACKED(T, name)                                                     \
  typedef T packed_##name##2 __attribute__((ext_vector_type(2), aligned(alignof(T)))); \
  typedef metalsim::packed3<T> packed_##name##3;                                     \
  typedef T packed_##name##4 __attribute__((ext_vector_type(4), aligned(alignof(T))));
METALSIM_PACKED(char, char)
METALSIM_PACKED(unsigned char, uchar)
METALSIM_PACKED(short, short)
METALSIM_PACKED(unsigned short, ushort)
METALSIM_PACKED(int, int)
METALSIM_PACKED(unsigned int, uint)
METALSIM_PACKED(long, long)
METALSIM_PACKED(_Float16, half)
METALSIM_PACKED(__bf16, bfloat)
METALSIM_PACKED(float, float)
#undef METALSIM_PACKED
