// metalsim: Metal scalar and vector types as host C++ (clang only).
//
// half = _Float16, bfloat = __bf16, vectors = clang ext_vector_type (swizzles, element-wise
// operators, sizeof(float3) == 16 as in Metal). Bool vectors are a small class so that
// `bool2 m = v > 2.0f;` compiles (clang's comparisons yield -1/0 integer vectors) and converting
// one to int gives 1, not -1. Vector construction and casts go through metalsim::make<T>(...),
// which the source rewriter inserts: it converts by value, never bit-casts.
#pragma once
#if !defined(__clang__)
#error "metalsim headers need clang >= 17 (GCC silently ignores ext_vector_type)"
#endif
#if __clang_major__ < 17
#error "metalsim headers need clang >= 17 (bfloat / __bf16 arithmetic)"
#endif

#include <stddef.h>
#include <stdint.h>

#include <limits>
// Not <utility>: libc++ pulls <cmath> in through it, whose ::log1p(float) and ::hypot(float,
// float) clash with the ones MLX's preamble defines at global scope.
#include <type_traits>

typedef _Float16 half;
typedef __bf16 bfloat;
typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned int uint;
typedef unsigned long ulong;

namespace metalsim {

// ---------------------------------------------------------------- bool vectors
// Storage with Metal's component names (x y z w / r g b a) over the same bytes.
template <int N>
struct bstore;
template <>
struct bstore<2> {
  union {
    bool e[2];
    struct { bool x, y; };
    struct { bool r, g; };
  };
};
template <>
struct bstore<3> {
  union {
    bool e[4];  // 3-vectors are sized like 4-vectors, as Metal's bool3
    struct { bool x, y, z; };
    struct { bool r, g, b; };
  };
};
template <>
struct bstore<4> {
  union {
    bool e[4];
    struct { bool x, y, z, w; };
    struct { bool r, g, b, a; };
  };
};

template <int N>
struct bvec : bstore<N> {
  static constexpr int size = N;
  using bstore<N>::e;

  constexpr bvec() : bstore<N>{} {}
  constexpr bvec(bool s) : bstore<N>{} {  // splat (Metal's scalar -> vector conversion)
    for (int i = 0; i < N; ++i) e[i] = s;
  }
  template <class... B, std::enable_if_t<sizeof...(B) == N && (N > 1) &&
                                             (std::is_convertible_v<B, bool> && ...),
                                         int> = 0>
  constexpr bvec(B... b) : bstore<N>{} {
    bool v[N] = {static_cast<bool>(b)...};
    for (int i = 0; i < N; ++i) e[i] = v[i];
  }
  // A comparison of ext vectors yields an integer mask vector (-1 / 0): accept it implicitly.
  template <class V, class = decltype(__builtin_convertvector(std::declval<V>(), V)),
            std::enable_if_t<!std::is_arithmetic_v<V>, int> = 0>
  constexpr bvec(V mask) : bstore<N>{} {
    for (int i = 0; i < N; ++i) e[i] = mask[i] != 0;
  }
  constexpr bool &operator[](int i) { return e[i]; }
  constexpr bool operator[](int i) const { return e[i]; }
};

template <int N>
constexpr bvec<N> operator!(bvec<N> a) {
  bvec<N> r;
  for (int i = 0; i < N; ++i) r.e[i] = !a.e[i];
  return r;
}
#define METALSIM_BV_BINOP(op)                                   \
  template <int N>                                              \
  constexpr bvec<N> operator op(bvec<N> a, bvec<N> b) {         \
    bvec<N> r;                                                  \
    for (int i = 0; i < N; ++i) r.e[i] = (a.e[i] op b.e[i]);    \
    return r;                                                   \
  }                                                             \
  template <int N>                                              \
  constexpr bvec<N> operator op(bvec<N> a, bool b) {            \
    return a op bvec<N>(b);                                     \
  }                                                             \
  template <int N>                                              \
  constexpr bvec<N> operator op(bool a, bvec<N> b) {            \
    return bvec<N>(a) op b;                                     \
  }
METALSIM_BV_BINOP(&&)
METALSIM_BV_BINOP(||)
METALSIM_BV_BINOP(&)
METALSIM_BV_BINOP(|)
METALSIM_BV_BINOP(^)
METALSIM_BV_BINOP(==)
METALSIM_BV_BINOP(!=)
#undef METALSIM_BV_BINOP
#define METALSIM_BV_ASSIGN(op)                                  \
  template <int N>                                              \
  constexpr bvec<N> &operator op##=(bvec<N> &a, bvec<N> b) {    \
    for (int i = 0; i < N; ++i) a.e[i] = (a.e[i] op b.e[i]);    \
    return a;                                                   \
  }
METALSIM_BV_ASSIGN(&)
METALSIM_BV_ASSIGN(|)
METALSIM_BV_ASSIGN(^)
#undef METALSIM_BV_ASSIGN

// ---------------------------------------------------------------- traits
template <class T>
struct vec_traits {
  static constexpr bool is_vector = false;
  static constexpr int size = 1;
  using elem = T;
};
template <class T, int N>
struct vec_traits<T __attribute__((ext_vector_type(N)))> {
  static constexpr bool is_vector = true;
  static constexpr int size = N;
  using elem = T;
};
template <int N>
struct vec_traits<bvec<N>> {
  static constexpr bool is_vector = true;
  static constexpr int size = N;
  using elem = bool;
};
template <class T>
struct vec_traits<const T> : vec_traits<T> {};
template <class T>
struct vec_traits<volatile T> : vec_traits<T> {};

template <class T>
inline constexpr bool is_vector_v = vec_traits<T>::is_vector;
template <class T>
using elem_t = typename vec_traits<T>::elem;
template <class T>
inline constexpr int size_v = vec_traits<T>::size;

template <class T>
inline constexpr bool is_half_like_v =
    std::is_same_v<std::remove_cv_t<T>, _Float16> || std::is_same_v<std::remove_cv_t<T>, __bf16>;
template <class T>
inline constexpr bool is_float_scalar_v =
    std::is_same_v<std::remove_cv_t<T>, float> || is_half_like_v<T>;
template <class T>
inline constexpr bool is_int_scalar_v =
    std::is_integral_v<std::remove_cv_t<T>> && !std::is_same_v<std::remove_cv_t<T>, bool>;
template <class T>
inline constexpr bool is_scalar_v = std::is_arithmetic_v<std::remove_cv_t<T>> || is_half_like_v<T>;

template <class T, int N>
struct make_vec {
  using type = T __attribute__((ext_vector_type(N)));
};
template <int N>
struct make_vec<bool, N> {
  using type = bvec<N>;
};
template <class T>
struct make_vec<T, 1> {
  using type = T;
};
template <>
struct make_vec<bool, 1> {
  using type = bool;
};
template <class T, int N>
using vec_t = typename make_vec<T, N>::type;

// ---------------------------------------------------------------- conversions
// Scalar value conversion; half <-> bfloat goes through float (clang forbids the direct cast,
// Metal allows it explicitly; float holds both exactly, so the result is the same).
template <class To, class From>
constexpr To cvt(From x) {
  using F = std::remove_cv_t<From>;
  if constexpr (is_half_like_v<To> && is_half_like_v<F> && !std::is_same_v<To, F>) {
    return static_cast<To>(static_cast<float>(x));
  } else if constexpr (std::is_integral_v<To> && !std::is_same_v<To, bool> &&
                       (std::is_floating_point_v<F> || is_half_like_v<F>)) {
    return x != x ? To(0) : static_cast<To>(x);  // Metal: NaN converts to integer 0
  } else {
    return static_cast<To>(x);
  }
}

template <class V, class X>
constexpr V convert_vector(X x) {
  using TE = elem_t<V>;
  using XE = elem_t<X>;
  constexpr int N = size_v<V>;
  static_assert(size_v<X> == N, "metalsim: vector conversion between different lengths (Metal "
                                "rejects it)");
  if constexpr (std::is_same_v<std::remove_cv_t<X>, V>) {
    return x;
  } else if constexpr (std::is_same_v<TE, bool> || std::is_same_v<XE, bool>) {
    V r{};
    for (int i = 0; i < N; ++i) {
      if constexpr (std::is_same_v<TE, bool>)
        r[i] = x[i] != 0;
      else
        r[i] = x[i] ? TE(1) : TE(0);
    }
    return r;
  } else if constexpr (is_half_like_v<TE> && is_half_like_v<XE>) {
    return __builtin_convertvector(__builtin_convertvector(x, vec_t<float, N>), V);
  } else if constexpr (std::is_integral_v<TE> && !std::is_integral_v<XE>) {
    V r = __builtin_convertvector(x, V);
    for (int i = 0; i < N; ++i)
      if (x[i] != x[i]) r[i] = TE(0);  // Metal: NaN converts to integer 0
    return r;
  } else {
    return __builtin_convertvector(x, V);
  }
}

template <class E, int N>
struct comp_buf {
  E v[N]{};
  int n = 0;
};

template <class E, int N, class X>
constexpr void push_comps(comp_buf<E, N> &buf, const X &x) {
  if constexpr (is_vector_v<X>) {
    for (int i = 0; i < size_v<X>; ++i) {
      if (buf.n < N) buf.v[buf.n] = cvt<E>(x[i]);
      ++buf.n;
    }
  } else {
    if (buf.n < N) buf.v[buf.n] = cvt<E>(x);
    ++buf.n;
  }
}

template <class X>
inline constexpr int comps_v = size_v<std::remove_cvref_t<X>>;

template <class T, T... I>
struct int_seq {};
template <class V, class E, int N, size_t... I>
constexpr V from_buf(const comp_buf<E, N> &b, int_seq<size_t, I...>) {
  return V{b.v[I]...};
}

// make<T>(args...): Metal's constructor / functional cast / static_cast / C cast semantics.
//  - vector from components (scalars and vectors, left to right; count must match exactly),
//  - vector splat from one scalar, vector from vector of the same length (value conversion),
//  - scalar from scalar (half <-> bfloat allowed), anything else: T(args...).
template <class T, class... A>
constexpr T make(const A &...a) {
  using V = std::remove_cv_t<T>;
  if constexpr (sizeof...(A) == 0) {
    return V{};
  } else if constexpr (is_vector_v<V>) {
    using E = elem_t<V>;
    constexpr int N = size_v<V>;
    if constexpr (sizeof...(A) == 1 && (!is_vector_v<std::remove_cvref_t<A>> && ...)) {
      if constexpr ((std::is_class_v<std::remove_cvref_t<A>> && ...)) {
        return V(a...);  // e.g. a class with a conversion operator to the vector type
      } else {
        return V(cvt<E>(a...));  // splat
      }
    } else if constexpr (sizeof...(A) == 1) {
      return convert_vector<V>(a...);
    } else {
      static_assert((comps_v<A> + ...) == N,
                    "metalsim: wrong number of components in a vector constructor");
      comp_buf<E, N> buf;
      (push_comps(buf, a), ...);
      if constexpr (std::is_same_v<E, bool>) {
        V r;
        for (int i = 0; i < N; ++i) r.e[i] = buf.v[i];
        return r;
      } else {
        return from_buf<V>(buf, __make_integer_seq<int_seq, size_t, N>{});
      }
    }
  } else if constexpr (sizeof...(A) == 1 && (is_scalar_v<std::remove_cvref_t<A>> && ...) &&
                       is_scalar_v<V>) {
    return cvt<V>(a...);
  } else if constexpr (sizeof...(A) == 1 && std::is_pointer_v<V>) {
    return (V)(a, ...);
  } else {
    return V(a...);
  }
}

}  // namespace metalsim

namespace metal {
template <class T, int N>
using vec = typename metalsim::make_vec<T, N>::type;
}

// ---------------------------------------------------------------- named vector types
#define METALSIM_VECTORS(T, name)                                  \
  typedef T name##2 __attribute__((ext_vector_type(2)));           \
  typedef T name##3 __attribute__((ext_vector_type(3)));           \
  typedef T name##4 __attribute__((ext_vector_type(4)));
METALSIM_VECTORS(char, char)
METALSIM_VECTORS(unsigned char, uchar)
METALSIM_VECTORS(short, short)
METALSIM_VECTORS(unsigned short, ushort)
METALSIM_VECTORS(int, int)
METALSIM_VECTORS(unsigned int, uint)
METALSIM_VECTORS(long, long)
METALSIM_VECTORS(unsigned long, ulong)
METALSIM_VECTORS(_Float16, half)
METALSIM_VECTORS(__bf16, bfloat)
METALSIM_VECTORS(float, float)
#undef METALSIM_VECTORS
typedef metalsim::bvec<2> bool2;
typedef metalsim::bvec<3> bool3;
typedef metalsim::bvec<4> bool4;

namespace metal {
using ::bfloat;
using ::half;
using ::uchar;
using ::uint;
using ::ulong;
using ::ushort;
#define METALSIM_USING_VEC(name) \
  using ::name##2;               \
  using ::name##3;               \
  using ::name##4;
METALSIM_USING_VEC(bool)
METALSIM_USING_VEC(char)
METALSIM_USING_VEC(uchar)
METALSIM_USING_VEC(short)
METALSIM_USING_VEC(ushort)
METALSIM_USING_VEC(int)
METALSIM_USING_VEC(uint)
METALSIM_USING_VEC(long)
METALSIM_USING_VEC(ulong)
METALSIM_USING_VEC(half)
METALSIM_USING_VEC(bfloat)
METALSIM_USING_VEC(float)
#undef METALSIM_USING_VEC

// as_type<T>(x): reinterpret the bits; sizes must match exactly (Metal rejects anything else).
template <class To, class From>
constexpr To as_type(const From &x) {
  static_assert(sizeof(To) == sizeof(From), "as_type: source and destination sizes differ");
  return __builtin_bit_cast(To, x);
}

// ---------------------------------------------------------------- type traits (metal_type_traits)
using std::conditional;
using std::conditional_t;
using std::decay;
using std::decay_t;
using std::enable_if;
using std::enable_if_t;
using std::false_type;
using std::integral_constant;
using std::is_arithmetic;
using std::is_base_of;
using std::is_base_of_v;
using std::is_class;
using std::is_class_v;
using std::is_const;
using std::is_const_v;
using std::is_convertible;
using std::is_convertible_v;
using std::is_enum_v;
using std::is_integral;
using std::is_integral_v;
using std::is_pointer;
using std::is_pointer_v;
using std::is_reference_v;
using std::is_same;
using std::is_same_v;
using std::is_signed;
using std::is_signed_v;
using std::is_unsigned;
using std::is_unsigned_v;
using std::is_void_v;
using std::make_signed;
using std::make_signed_t;
using std::make_unsigned;
using std::make_unsigned_t;
using std::remove_const;
using std::remove_const_t;
using std::remove_cv;
using std::remove_cv_t;
using std::remove_reference;
using std::remove_reference_t;
using std::true_type;
using std::declval;

template <class T>
struct is_floating_point
    : std::bool_constant<metalsim::is_float_scalar_v<std::remove_cv_t<T>>> {};
template <class T>
inline constexpr bool is_floating_point_v = is_floating_point<T>::value;
template <class T>
inline constexpr bool is_arithmetic_v =
    std::is_arithmetic_v<std::remove_cv_t<T>> || metalsim::is_half_like_v<T>;
template <class T>
struct is_scalar : std::bool_constant<metalsim::is_scalar_v<T>> {};
template <class T>
inline constexpr bool is_scalar_v = metalsim::is_scalar_v<T>;
template <class T>
struct is_vector : std::bool_constant<metalsim::is_vector_v<T>> {};
template <class T>
inline constexpr bool is_vector_v = metalsim::is_vector_v<T>;
template <class T>
struct vec_elements : std::integral_constant<int, metalsim::size_v<T>> {};
template <class T>
struct make_scalar {
  using type = metalsim::elem_t<T>;
};
template <class T>
using make_scalar_t = typename make_scalar<T>::type;

}  // namespace metal
