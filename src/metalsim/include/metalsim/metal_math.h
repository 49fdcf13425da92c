// metalsim: the metal:: math, common, integer, relational and geometric functions
// (MSL spec sections 6.2-6.6), element-wise over vectors. half and bfloat are computed in float
// and rounded once. metal::fast:: and metal::precise:: name the same host functions: the host
// libm is used in every mode (accuracy differs from Metal's tables; see the fidelity notes).
#pragma once
#include "metal_types.h"

namespace metalsim {

template <class T>
using scalar_of = std::remove_cv_t<elem_t<std::remove_cv_t<T>>>;

// Apply a float function element-wise; half/bfloat go through float and are rounded once.
template <class T, class F>
inline T map1(T x, F f) {
  if constexpr (is_vector_v<T>) {
    T r;
    for (int i = 0; i < size_v<T>; ++i) r[i] = map1(scalar_of<T>(x[i]), f);
    return r;
  } else if constexpr (std::is_same_v<T, float> || !is_half_like_v<T>) {
    return f(x);
  } else {
    return static_cast<T>(f(static_cast<float>(x)));
  }
}
template <class T, class F>
inline T map2(T x, T y, F f) {
  if constexpr (is_vector_v<T>) {
    T r;
    for (int i = 0; i < size_v<T>; ++i) r[i] = map2(scalar_of<T>(x[i]), scalar_of<T>(y[i]), f);
    return r;
  } else if constexpr (std::is_same_v<T, float> || !is_half_like_v<T>) {
    return f(x, y);
  } else {
    return static_cast<T>(f(static_cast<float>(x), static_cast<float>(y)));
  }
}
template <class T, class F>
inline T map3(T x, T y, T z, F f) {
  if constexpr (is_vector_v<T>) {
    T r;
    for (int i = 0; i < size_v<T>; ++i)
      r[i] = map3(scalar_of<T>(x[i]), scalar_of<T>(y[i]), scalar_of<T>(z[i]), f);
    return r;
  } else if constexpr (std::is_same_v<T, float> || !is_half_like_v<T>) {
    return f(x, y, z);
  } else {
    return static_cast<T>(
        f(static_cast<float>(x), static_cast<float>(y), static_cast<float>(z)));
  }
}

// Result type of a mixed call such as max(float, int), pow(half4, half) or clamp(x, 0, 1):
// a vector argument wins, else the "highest" float type, else the usual integer promotion.
template <class A, class B>
struct common {
  using a = std::remove_cvref_t<A>;
  using b = std::remove_cvref_t<B>;
  static auto pick() {
    if constexpr (is_vector_v<a>) {
      return a{};
    } else if constexpr (is_vector_v<b>) {
      return b{};
    } else if constexpr (std::is_same_v<a, b>) {
      return a{};
    } else if constexpr (std::is_same_v<a, float> || std::is_same_v<b, float>) {
      return float{};
    } else if constexpr (is_half_like_v<a> && is_half_like_v<b>) {
      return float{};
    } else if constexpr (is_half_like_v<a>) {
      return a{};
    } else if constexpr (is_half_like_v<b>) {
      return b{};
    } else {
      return std::common_type_t<a, b>{};
    }
  }
  using type = decltype(pick());
};
template <class A, class B>
using common_t = typename common<A, B>::type;
template <class A, class B, class C>
using common3_t = common_t<common_t<A, B>, C>;

template <class T>
inline constexpr bool is_fp_v = is_float_scalar_v<scalar_of<T>> && !std::is_pointer_v<T>;
template <class T>
inline constexpr bool is_int_v = is_int_scalar_v<scalar_of<T>> && !std::is_pointer_v<T>;
template <class T>
inline constexpr bool is_num_v = is_fp_v<T> || is_int_v<T>;

// Convert an argument (scalar or vector) to the call's result type R.
template <class R, class X>
inline R to(const X &x) {
  if constexpr (std::is_same_v<std::remove_cv_t<X>, R>) {
    return x;
  } else if constexpr (is_vector_v<R> && !is_vector_v<X>) {
    return R(cvt<scalar_of<R>>(x));
  } else {
    return make<R>(x);
  }
}

template <class T>
using fp1_t = std::enable_if_t<is_fp_v<T>, T>;
template <class T, class U>
using fp2_t = std::enable_if_t<(is_fp_v<T> || is_fp_v<U>) && is_num_v<T> && is_num_v<U>,
                               common_t<T, U>>;
template <class T, class U, class V>
using fp3_t = std::enable_if_t<(is_fp_v<T> || is_fp_v<U> || is_fp_v<V>) && is_num_v<T> &&
                                   is_num_v<U> && is_num_v<V>,
                               common3_t<T, U, V>>;
template <class T, class U>
using num2_t = std::enable_if_t<is_num_v<T> && is_num_v<U>, common_t<T, U>>;
template <class T, class U, class V>
using num3_t = std::enable_if_t<is_num_v<T> && is_num_v<U> && is_num_v<V>, common3_t<T, U, V>>;
template <class T>
using int1_t = std::enable_if_t<is_int_v<T>, T>;

// Vector of bools with the shape of T (bool for scalars).
template <class T>
using bool_like = vec_t<bool, size_v<T>>;

inline constexpr double kPi = 3.14159265358979323846;

}  // namespace metalsim

namespace metal {

// ---------------------------------------------------------------- float math (6.5)
#define METALSIM_F1(name, expr)                                            \
  template <class T>                                                       \
  inline metalsim::fp1_t<T> name(T x) {                                    \
    return metalsim::map1(x, [](float v) -> float { return (expr); });     \
  }
METALSIM_F1(acos, __builtin_acosf(v))
METALSIM_F1(acosh, __builtin_acoshf(v))
METALSIM_F1(asin, __builtin_asinf(v))
METALSIM_F1(asinh, __builtin_asinhf(v))
METALSIM_F1(atan, __builtin_atanf(v))
METALSIM_F1(atanh, __builtin_atanhf(v))
METALSIM_F1(ceil, __builtin_ceilf(v))
METALSIM_F1(cos, __builtin_cosf(v))
METALSIM_F1(cosh, __builtin_coshf(v))
METALSIM_F1(cospi, (float)__builtin_cos(metalsim::kPi * (double)v))
METALSIM_F1(exp, __builtin_expf(v))
METALSIM_F1(exp2, __builtin_exp2f(v))
METALSIM_F1(exp10, (float)__builtin_pow(10.0, (double)v))
METALSIM_F1(fabs, __builtin_fabsf(v))
METALSIM_F1(floor, __builtin_floorf(v))
METALSIM_F1(fract, __builtin_fminf(v - __builtin_floorf(v), 0x1.fffffep-1f))
METALSIM_F1(log, __builtin_logf(v))
METALSIM_F1(log2, __builtin_log2f(v))
METALSIM_F1(log10, __builtin_log10f(v))
METALSIM_F1(rint, __builtin_rintf(v))
METALSIM_F1(round, __builtin_roundf(v))
METALSIM_F1(rsqrt, (float)(1.0 / __builtin_sqrt((double)v)))
METALSIM_F1(sin, __builtin_sinf(v))
METALSIM_F1(sinh, __builtin_sinhf(v))
METALSIM_F1(sinpi, (float)__builtin_sin(metalsim::kPi * (double)v))
METALSIM_F1(sqrt, __builtin_sqrtf(v))
METALSIM_F1(tan, __builtin_tanf(v))
METALSIM_F1(tanh, __builtin_tanhf(v))
METALSIM_F1(tanpi, (float)__builtin_tan(metalsim::kPi * (double)v))
METALSIM_F1(trunc, __builtin_truncf(v))
METALSIM_F1(saturate, __builtin_fminf(__builtin_fmaxf(v, 0.0f), 1.0f))
METALSIM_F1(sign, (v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : v == v ? v * 0.0f : 0.0f))
#undef METALSIM_F1

#define METALSIM_F2(name, expr)                                                       \
  template <class T, class U>                                                         \
  inline metalsim::fp2_t<T, U> name(T x, U y) {                                       \
    using R = metalsim::fp2_t<T, U>;                                                  \
    return metalsim::map2(metalsim::to<R>(x), metalsim::to<R>(y),                     \
                          [](float a, float b) -> float { return (expr); });          \
  }
METALSIM_F2(atan2, __builtin_atan2f(a, b))
METALSIM_F2(copysign, __builtin_copysignf(a, b))
METALSIM_F2(divide, a / b)
METALSIM_F2(fdim, __builtin_fdimf(a, b))
METALSIM_F2(fmax, __builtin_fmaxf(a, b))
METALSIM_F2(fmin, __builtin_fminf(a, b))
METALSIM_F2(fmod, __builtin_fmodf(a, b))
METALSIM_F2(nextafter, __builtin_nextafterf(a, b))
METALSIM_F2(pow, __builtin_powf(a, b))
METALSIM_F2(powr, __builtin_powf(a, b))
METALSIM_F2(step, (b < a ? 0.0f : 1.0f))
#undef METALSIM_F2

#define METALSIM_F3(name, expr)                                                       \
  template <class T, class U, class V>                                                \
  inline metalsim::fp3_t<T, U, V> name(T x, U y, V z) {                               \
    using R = metalsim::fp3_t<T, U, V>;                                               \
    return metalsim::map3(metalsim::to<R>(x), metalsim::to<R>(y), metalsim::to<R>(z), \
                          [](float a, float b, float c) -> float { return (expr); }); \
  }
METALSIM_F3(fma, __builtin_fmaf(a, b, c))
METALSIM_F3(fmax3, __builtin_fmaxf(__builtin_fmaxf(a, b), c))
METALSIM_F3(fmin3, __builtin_fminf(__builtin_fminf(a, b), c))
METALSIM_F3(fmedian3,
            __builtin_fmaxf(__builtin_fminf(a, b), __builtin_fminf(__builtin_fmaxf(a, b), c)))
METALSIM_F3(mix, a + (b - a) * c)
METALSIM_F3(smoothstep, ([](float e0, float e1, float x) {
              float t = __builtin_fminf(__builtin_fmaxf((x - e0) / (e1 - e0), 0.0f), 1.0f);
              return t * t * (3.0f - 2.0f * t);
            })(a, b, c))
#undef METALSIM_F3

template <class T>
inline metalsim::fp1_t<T> ldexp(T x, int k) {
  return metalsim::map1(x, [k](float v) -> float { return __builtin_ldexpf(v, k); });
}
template <class T, class K>
inline std::enable_if_t<metalsim::is_fp_v<T> && metalsim::is_vector_v<K>, T> ldexp(T x, K k) {
  T r;
  for (int i = 0; i < metalsim::size_v<T>; ++i) r[i] = ldexp(metalsim::scalar_of<T>(x[i]), k[i]);
  return r;
}
template <class T>
inline metalsim::fp1_t<T> pown(T x, int n) {
  return metalsim::map1(x, [n](float v) -> float { return __builtin_powf(v, (float)n); });
}
template <class T>
inline metalsim::fp1_t<T> rootn(T x, int n) {
  return metalsim::map1(x, [n](float v) -> float {
    if (v < 0.0f && (n & 1)) return -__builtin_powf(-v, 1.0f / (float)n);
    return __builtin_powf(v, 1.0f / (float)n);
  });
}
template <class T>
inline metalsim::fp1_t<T> frexp(T x, int &e) {
  return static_cast<T>(__builtin_frexpf(static_cast<float>(x), &e));
}
template <class T>
inline std::enable_if_t<metalsim::is_fp_v<T> && !metalsim::is_vector_v<T>, int> ilogb(T x) {
  return __builtin_ilogbf(static_cast<float>(x));
}
template <class T>
inline std::enable_if_t<metalsim::is_fp_v<T> && !metalsim::is_vector_v<T>, T> modf(T x, T &ip) {
  float i;
  float f = __builtin_modff(static_cast<float>(x), &i);
  ip = static_cast<T>(i);
  return static_cast<T>(f);
}
template <class T>
inline std::enable_if_t<metalsim::is_fp_v<T> && metalsim::is_vector_v<T>, T> modf(T x, T &ip) {
  T r;
  for (int i = 0; i < metalsim::size_v<T>; ++i) {
    metalsim::scalar_of<T> a;
    r[i] = modf(metalsim::scalar_of<T>(x[i]), a);
    ip[i] = a;
  }
  return r;
}
template <class T>
inline metalsim::fp1_t<T> sincos(T x, T &c) {
  c = cos(x);
  return sin(x);
}

// ---------------------------------------------------------------- min / max / clamp (float & int)
namespace detail_ms {
template <class R>
inline R max2(R a, R b) {
  if constexpr (metalsim::is_fp_v<R>)
    return metalsim::map2(a, b, [](float x, float y) -> float { return __builtin_fmaxf(x, y); });
  else if constexpr (metalsim::is_vector_v<R>)
    return a < b ? b : a;
  else
    return a < b ? b : a;
}
template <class R>
inline R min2(R a, R b) {
  if constexpr (metalsim::is_fp_v<R>)
    return metalsim::map2(a, b, [](float x, float y) -> float { return __builtin_fminf(x, y); });
  else if constexpr (metalsim::is_vector_v<R>)
    return b < a ? b : a;
  else
    return b < a ? b : a;
}
}  // namespace detail_ms

template <class T, class U>
inline metalsim::num2_t<T, U> max(T x, U y) {
  using R = metalsim::num2_t<T, U>;
  return detail_ms::max2<R>(metalsim::to<R>(x), metalsim::to<R>(y));
}
template <class T, class U>
inline metalsim::num2_t<T, U> min(T x, U y) {
  using R = metalsim::num2_t<T, U>;
  return detail_ms::min2<R>(metalsim::to<R>(x), metalsim::to<R>(y));
}
template <class T, class U, class V>
inline metalsim::num3_t<T, U, V> max3(T x, U y, V z) {
  using R = metalsim::num3_t<T, U, V>;
  return max(max(metalsim::to<R>(x), metalsim::to<R>(y)), metalsim::to<R>(z));
}
template <class T, class U, class V>
inline metalsim::num3_t<T, U, V> min3(T x, U y, V z) {
  using R = metalsim::num3_t<T, U, V>;
  return min(min(metalsim::to<R>(x), metalsim::to<R>(y)), metalsim::to<R>(z));
}
template <class T, class U, class V>
inline metalsim::num3_t<T, U, V> median3(T x, U y, V z) {
  using R = metalsim::num3_t<T, U, V>;
  R a = metalsim::to<R>(x), b = metalsim::to<R>(y), c = metalsim::to<R>(z);
  return max(min(a, b), min(max(a, b), c));
}
template <class T, class U, class V>
inline metalsim::num3_t<T, U, V> clamp(T x, U lo, V hi) {
  using R = metalsim::num3_t<T, U, V>;
  return min(max(metalsim::to<R>(x), metalsim::to<R>(lo)), metalsim::to<R>(hi));
}

// abs: fabs for floats, |x| for integers (the most negative value stays itself, as on the GPU).
template <class T>
inline std::enable_if_t<metalsim::is_num_v<T>, T> abs(T x) {
  if constexpr (metalsim::is_fp_v<T>) {
    return fabs(x);
  } else if constexpr (std::is_unsigned_v<metalsim::scalar_of<T>>) {
    return x;
  } else if constexpr (metalsim::is_vector_v<T>) {
    T r;
    for (int i = 0; i < metalsim::size_v<T>; ++i) r[i] = abs(metalsim::scalar_of<T>(x[i]));
    return r;
  } else {
    using U = std::make_unsigned_t<T>;
    return x < 0 ? T(U(0) - U(x)) : x;
  }
}

// ---------------------------------------------------------------- integer functions (6.4)
namespace detail_ms {
template <class T, class F>
inline T imap1(T x, F f) {
  if constexpr (metalsim::is_vector_v<T>) {
    T r;
    for (int i = 0; i < metalsim::size_v<T>; ++i) r[i] = f(metalsim::scalar_of<T>(x[i]));
    return r;
  } else {
    return f(x);
  }
}
template <class T, class F>
inline T imap2(T x, T y, F f) {
  if constexpr (metalsim::is_vector_v<T>) {
    T r;
    for (int i = 0; i < metalsim::size_v<T>; ++i)
      r[i] = f(metalsim::scalar_of<T>(x[i]), metalsim::scalar_of<T>(y[i]));
    return r;
  } else {
    return f(x, y);
  }
}
template <class T, class F>
inline T imap3(T x, T y, T z, F f) {
  if constexpr (metalsim::is_vector_v<T>) {
    T r;
    for (int i = 0; i < metalsim::size_v<T>; ++i)
      r[i] = f(metalsim::scalar_of<T>(x[i]), metalsim::scalar_of<T>(y[i]),
               metalsim::scalar_of<T>(z[i]));
    return r;
  } else {
    return f(x, y, z);
  }
}
template <class S>
using wide_t = std::conditional_t<(sizeof(S) < 8), std::conditional_t<std::is_signed_v<S>, int64_t,
                                                                        uint64_t>,
                                  std::conditional_t<std::is_signed_v<S>, __int128,
                                                     unsigned __int128>>;
template <class S>
inline S sat(wide_t<S> v) {
  using L = std::conditional_t<(sizeof(S) < 8), wide_t<S>, wide_t<S>>;
  constexpr L lo = (L)std::numeric_limits<S>::min(), hi = (L)std::numeric_limits<S>::max();
  return (S)(v < lo ? lo : v > hi ? hi : v);
}
template <class S>
inline constexpr int bits_v = int(sizeof(S) * 8);
}  // namespace detail_ms

#define METALSIM_I1(name, ...)                                                         \
  template <class T>                                                                    \
  inline metalsim::int1_t<T> name(T x) {                                                \
    return detail_ms::imap1(x, [](auto v) -> metalsim::scalar_of<T> {                   \
      using S = metalsim::scalar_of<T>;                                                 \
      using US = std::make_unsigned_t<S>;                                               \
      (void)sizeof(US);                                                                 \
      __VA_ARGS__                                                                       \
    });                                                                                 \
  }
METALSIM_I1(clz, { return v == 0 ? S(detail_ms::bits_v<S>)
                                : S(__builtin_clzll((unsigned long long)(US)v) -
                                    (64 - detail_ms::bits_v<S>)); })
METALSIM_I1(ctz, { return v == 0 ? S(detail_ms::bits_v<S>)
                                : S(__builtin_ctzll((unsigned long long)(US)v)); })
METALSIM_I1(popcount, { return S(__builtin_popcountll((unsigned long long)(US)v)); })
METALSIM_I1(reverse_bits, {
  US u = (US)v, r = 0;
  for (int i = 0; i < detail_ms::bits_v<S>; ++i) r = US((r << 1) | ((u >> i) & 1));
  return S(r);
})
#undef METALSIM_I1

#define METALSIM_I2(name, ...)                                                         \
  template <class T, class U>                                                           \
  inline std::enable_if_t<metalsim::is_int_v<T> && metalsim::is_int_v<U>,               \
                          metalsim::common_t<T, U>>                                     \
  name(T x_, U y_) {                                                                    \
    using R = metalsim::common_t<T, U>;                                                 \
    return detail_ms::imap2(metalsim::to<R>(x_), metalsim::to<R>(y_),                   \
                            [](auto a, auto b) -> metalsim::scalar_of<R> {              \
                              using S = metalsim::scalar_of<R>;                         \
                              using W = detail_ms::wide_t<S>;                           \
                              using US = std::make_unsigned_t<S>;                       \
                              (void)sizeof(W), (void)sizeof(US);                        \
                              __VA_ARGS__                                               \
                            });                                                         \
  }
METALSIM_I2(absdiff, { return a > b ? S(US(a) - US(b)) : S(US(b) - US(a)); })
METALSIM_I2(addsat, { return detail_ms::sat<S>(W(a) + W(b)); })
METALSIM_I2(subsat, { return detail_ms::sat<S>(W(a) - W(b)); })
METALSIM_I2(hadd, { return S((W(a) + W(b)) >> 1); })
METALSIM_I2(rhadd, { return S((W(a) + W(b) + 1) >> 1); })
METALSIM_I2(mulhi, { return S((W(a) * W(b)) >> detail_ms::bits_v<S>); })
METALSIM_I2(mul24, { return S(S(a << 8 >> 8) * S(b << 8 >> 8)); })
METALSIM_I2(rotate, {
  constexpr int n = detail_ms::bits_v<S>;
  int k = int(US(b) % US(n));
  US u = US(a);
  return k == 0 ? a : S(US(u << k) | US(u >> (n - k)));
})
#undef METALSIM_I2

template <class T, class U, class V>
inline std::enable_if_t<metalsim::is_int_v<T>, metalsim::common3_t<T, U, V>> madsat(T a, U b, V c) {
  using R = metalsim::common3_t<T, U, V>;
  return detail_ms::imap3(metalsim::to<R>(a), metalsim::to<R>(b), metalsim::to<R>(c),
                          [](auto x, auto y, auto z) -> metalsim::scalar_of<R> {
                            using S = metalsim::scalar_of<R>;
                            using W = detail_ms::wide_t<S>;
                            return detail_ms::sat<S>(W(x) * W(y) + W(z));
                          });
}
template <class T, class U, class V>
inline std::enable_if_t<metalsim::is_int_v<T>, metalsim::common3_t<T, U, V>> madhi(T a, U b, V c) {
  return mulhi(a, b) + c;
}
template <class T, class U, class V>
inline std::enable_if_t<metalsim::is_int_v<T>, metalsim::common3_t<T, U, V>> mad24(T a, U b, V c) {
  return mul24(a, b) + c;
}
template <class T>
inline metalsim::int1_t<T> extract_bits(T x, uint offset, uint bits) {
  return detail_ms::imap1(x, [offset, bits](auto v) -> metalsim::scalar_of<T> {
    using S = metalsim::scalar_of<T>;
    using US = std::make_unsigned_t<S>;
    constexpr uint n = detail_ms::bits_v<S>;
    if (bits == 0) return S(0);
    US u = US(US(v) << (n - offset - bits));
    if constexpr (std::is_signed_v<S>)
      return S(S(u) >> (n - bits));
    else
      return S(u >> (n - bits));
  });
}
template <class T>
inline metalsim::int1_t<T> insert_bits(T base, T insert, uint offset, uint bits) {
  return detail_ms::imap2(base, insert, [offset, bits](auto b, auto i) -> metalsim::scalar_of<T> {
    using S = metalsim::scalar_of<T>;
    using US = std::make_unsigned_t<S>;
    constexpr uint n = detail_ms::bits_v<S>;
    if (bits == 0) return b;
    US mask = US((bits >= n ? ~US(0) : US((US(1) << bits) - 1)) << offset);
    return S((US(b) & ~mask) | ((US(i) << offset) & mask));
  });
}

// ---------------------------------------------------------------- relational (6.6)
template <class T>
inline std::enable_if_t<!metalsim::is_vector_v<T>, bool> all(T x) {
  return bool(x);
}
template <class T>
inline std::enable_if_t<!metalsim::is_vector_v<T>, bool> any(T x) {
  return bool(x);
}
template <class T>
inline std::enable_if_t<metalsim::is_vector_v<T>, bool> all(T x) {
  for (int i = 0; i < metalsim::size_v<T>; ++i)
    if (!(x[i] != 0)) return false;
  return true;
}
template <class T>
inline std::enable_if_t<metalsim::is_vector_v<T>, bool> any(T x) {
  for (int i = 0; i < metalsim::size_v<T>; ++i)
    if (x[i] != 0) return true;
  return false;
}

#define METALSIM_PRED(name, expr)                                               \
  template <class T>                                                            \
  inline std::enable_if_t<metalsim::is_fp_v<T>, metalsim::bool_like<T>> name(T x) { \
    if constexpr (metalsim::is_vector_v<T>) {                                   \
      metalsim::bool_like<T> r;                                                 \
      for (int i = 0; i < metalsim::size_v<T>; ++i) r[i] = name(x[i]);          \
      return r;                                                                 \
    } else {                                                                    \
      float v = static_cast<float>(x);                                          \
      return (expr);                                                            \
    }                                                                           \
  }
METALSIM_PRED(isnan, __builtin_isnan(v))
METALSIM_PRED(isinf, __builtin_isinf(v))
METALSIM_PRED(isfinite, __builtin_isfinite(v))
METALSIM_PRED(isnormal, __builtin_isnormal(static_cast<metalsim::scalar_of<T>>(x)))
METALSIM_PRED(signbit, __builtin_signbit(v))
#undef METALSIM_PRED

template <class T, class U>
inline std::enable_if_t<metalsim::is_fp_v<T>, metalsim::bool_like<T>> isordered(T x, U y) {
  return !isunordered(x, y);
}
template <class T, class U>
inline std::enable_if_t<metalsim::is_fp_v<T>, metalsim::bool_like<T>> isunordered(T x, U y) {
  if constexpr (metalsim::is_vector_v<T>) {
    metalsim::bool_like<T> r;
    for (int i = 0; i < metalsim::size_v<T>; ++i) r[i] = isunordered(x[i], metalsim::to<T>(y)[i]);
    return r;
  } else {
    return __builtin_isnan(static_cast<float>(x)) || __builtin_isnan(static_cast<float>(y));
  }
}
// Metal spells logical not of a bool vector "not(x)"; in C++ `not` is the ! operator token.

// select(a, b, c): c ? b : a, per component for vectors (c a bool vector or a comparison mask).
template <class T, class C>
inline std::enable_if_t<!metalsim::is_vector_v<C>, T> select(T a, T b, C c) {
  return c ? b : a;
}
template <class T, class C>
inline std::enable_if_t<metalsim::is_vector_v<C>, T> select(T a, T b, C c) {
  static_assert(metalsim::size_v<T> == metalsim::size_v<C>, "select: lengths differ");
  T r = a;
  for (int i = 0; i < metalsim::size_v<T>; ++i)
    if (c[i] != 0) r[i] = b[i];
  return r;
}
template <class T, class U, class C>
inline std::enable_if_t<!std::is_same_v<T, U> && metalsim::is_num_v<T> && metalsim::is_num_v<U>,
                        metalsim::common_t<T, U>>
select(T a, U b, C c) {
  using R = metalsim::common_t<T, U>;
  return select(metalsim::to<R>(a), metalsim::to<R>(b), c);
}

// ---------------------------------------------------------------- geometric (6.7)
template <class T>
inline std::enable_if_t<metalsim::is_fp_v<T> && metalsim::is_vector_v<T>, metalsim::scalar_of<T>>
dot(T x, T y) {
  float s = 0.0f;
  for (int i = 0; i < metalsim::size_v<T>; ++i) s += float(x[i]) * float(y[i]);
  return metalsim::scalar_of<T>(s);
}
template <class T>
inline std::enable_if_t<metalsim::is_fp_v<T> && metalsim::is_vector_v<T>, metalsim::scalar_of<T>>
length_squared(T x) {
  return dot(x, x);
}
template <class T>
inline std::enable_if_t<metalsim::is_fp_v<T>, metalsim::scalar_of<T>> length(T x) {
  if constexpr (metalsim::is_vector_v<T>) {
    float s = 0.0f;
    for (int i = 0; i < metalsim::size_v<T>; ++i) s += float(x[i]) * float(x[i]);
    return metalsim::scalar_of<T>(__builtin_sqrtf(s));
  } else {
    return fabs(x);
  }
}
template <class T>
inline std::enable_if_t<metalsim::is_fp_v<T>, metalsim::scalar_of<T>> distance(T x, T y) {
  return length(x - y);
}
template <class T>
inline std::enable_if_t<metalsim::is_fp_v<T> && metalsim::is_vector_v<T>, metalsim::scalar_of<T>>
distance_squared(T x, T y) {
  return length_squared(x - y);
}
template <class T>
inline std::enable_if_t<metalsim::is_fp_v<T>, T> normalize(T x) {
  if constexpr (metalsim::is_vector_v<T>) {
    float l = float(length(x));
    T r;
    for (int i = 0; i < metalsim::size_v<T>; ++i)
      r[i] = metalsim::scalar_of<T>(float(x[i]) / l);
    return r;
  } else {
    return sign(x);
  }
}
template <class T>
inline std::enable_if_t<metalsim::is_fp_v<T> && metalsim::size_v<T> == 3, T> cross(T x, T y) {
  return T{x.y * y.z - y.y * x.z, x.z * y.x - y.z * x.x, x.x * y.y - y.x * x.y};
}
template <class T>
inline std::enable_if_t<metalsim::is_fp_v<T> && metalsim::is_vector_v<T>, T> faceforward(T n, T i,
                                                                                      T nref) {
  return dot(nref, i) < 0 ? n : -n;
}
template <class T>
inline std::enable_if_t<metalsim::is_fp_v<T> && metalsim::is_vector_v<T>, T> reflect(T i, T n) {
  return i - metalsim::scalar_of<T>(2) * dot(n, i) * n;
}
template <class T, class E>
inline std::enable_if_t<metalsim::is_fp_v<T> && metalsim::is_vector_v<T>, T> refract(T i, T n,
                                                                                 E eta) {
  using S = metalsim::scalar_of<T>;
  float e = float(eta);
  float d = float(dot(n, i));
  float k = 1.0f - e * e * (1.0f - d * d);
  if (k < 0.0f) return T(S(0));
  return metalsim::to<T>(S(e)) * i - metalsim::to<T>(S(e * d + __builtin_sqrtf(k))) * n;
}

// ---------------------------------------------------------------- fast:: and precise::
#define METALSIM_MATH_NAMES(X)                                                                 \
  X(acos) X(acosh) X(asin) X(asinh) X(atan) X(atanh) X(ceil) X(cos) X(cosh) X(cospi) X(exp)    \
  X(exp2) X(exp10) X(fabs) X(abs) X(floor) X(fract) X(log) X(log2) X(log10) X(rint) X(round)   \
  X(rsqrt) X(sin) X(sinh) X(sinpi) X(sqrt) X(tan) X(tanh) X(tanpi) X(trunc) X(saturate)        \
  X(atan2) X(copysign) X(divide) X(fdim) X(fmax) X(fmin) X(fmod) X(nextafter) X(pow) X(powr)  \
  X(fma) X(fmax3) X(fmin3) X(fmedian3) X(ldexp) X(pown) X(rootn) X(frexp) X(ilogb) X(modf)     \
  X(sincos) X(max) X(min) X(max3) X(min3) X(median3) X(clamp) X(distance) X(length)           \
  X(normalize) X(sign) X(mix) X(smoothstep) X(step)
#define METALSIM_USING(name) using ::metal::name;
namespace fast {
METALSIM_MATH_NAMES(METALSIM_USING)
}
namespace precise {
METALSIM_MATH_NAMES(METALSIM_USING)
}
#undef METALSIM_USING

}  // namespace metal
