// metalsim: the __metal_* compiler intrinsics that MLX's real preamble (bf16_math.h) calls,
// mapped onto metalsim's metal:: functions, plus the math-mode macros it passes as `mfast`.
#pragma once
#include "metal_stdlib.h"

#define __METAL_MAYBE_FAST_MATH__ 0
#define __METAL_FAST_MATH__ 1
#define __METAL_PRECISE_MATH__ 0

// Math: float in, float out (MLX casts bfloat to float around the call); the mode argument is
// ignored because the host uses one libm for every mode.
#define METALSIM_SHIM1(name, fn)                              \
  template <class T, class M>                                 \
  inline T __metal_##name(T x, M) {                           \
    return ::metal::fn(x);                                    \
  }                                                           \
  template <class T>                                          \
  inline T __metal_##name(T x) {                              \
    return ::metal::fn(x);                                    \
  }
#define METALSIM_SHIM2(name, fn)                              \
  template <class T, class M>                                 \
  inline T __metal_##name(T x, T y, M) {                      \
    return ::metal::fn(x, y);                                 \
  }                                                           \
  template <class T>                                          \
  inline T __metal_##name(T x, T y) {                         \
    return ::metal::fn(x, y);                                 \
  }
METALSIM_SHIM1(fabs, fabs)
METALSIM_SHIM1(acos, acos)
METALSIM_SHIM1(acosh, acosh)
METALSIM_SHIM1(asin, asin)
METALSIM_SHIM1(asinh, asinh)
METALSIM_SHIM1(atan, atan)
METALSIM_SHIM1(atanh, atanh)
METALSIM_SHIM1(ceil, ceil)
METALSIM_SHIM1(cos, cos)
METALSIM_SHIM1(cosh, cosh)
METALSIM_SHIM1(cospi, cospi)
METALSIM_SHIM1(exp, exp)
METALSIM_SHIM1(exp10, exp10)
METALSIM_SHIM1(exp2, exp2)
METALSIM_SHIM1(floor, floor)
METALSIM_SHIM1(fract, fract)
METALSIM_SHIM1(log, log)
METALSIM_SHIM1(log10, log10)
METALSIM_SHIM1(log2, log2)
METALSIM_SHIM1(rint, rint)
METALSIM_SHIM1(round, round)
METALSIM_SHIM1(rsqrt, rsqrt)
METALSIM_SHIM1(sin, sin)
METALSIM_SHIM1(sinh, sinh)
METALSIM_SHIM1(sinpi, sinpi)
METALSIM_SHIM1(sqrt, sqrt)
METALSIM_SHIM1(tan, tan)
METALSIM_SHIM1(tanh, tanh)
METALSIM_SHIM1(tanpi, tanpi)
METALSIM_SHIM1(trunc, trunc)
METALSIM_SHIM2(atan2, atan2)
METALSIM_SHIM2(divide, divide)
METALSIM_SHIM2(fdim, fdim)
METALSIM_SHIM2(fmax, fmax)
METALSIM_SHIM2(fmin, fmin)
METALSIM_SHIM2(fmod, fmod)
METALSIM_SHIM2(nextafter, nextafter)
METALSIM_SHIM2(pow, pow)
METALSIM_SHIM2(powr, powr)
METALSIM_SHIM2(copysign, copysign)
#undef METALSIM_SHIM1
#undef METALSIM_SHIM2
template <class T, class M>
inline T __metal_fma(T x, T y, T z, M) {
  return ::metal::fma(x, y, z);
}
template <class T, class M>
inline T __metal_fmax3(T x, T y, T z, M) {
  return ::metal::fmax3(x, y, z);
}
template <class T, class M>
inline T __metal_fmin3(T x, T y, T z, M) {
  return ::metal::fmin3(x, y, z);
}
template <class T, class M>
inline T __metal_fmedian3(T x, T y, T z, M) {
  return ::metal::fmedian3(x, y, z);
}
template <class T>
inline T __metal_fma(T x, T y, T z) {
  return ::metal::fma(x, y, z);
}
template <class T>
inline T __metal_frexp(T x, int *e) {
  return ::metal::frexp(x, *e);
}
template <class T>
inline T __metal_ldexp(T x, int k) {
  return ::metal::ldexp(x, k);
}
template <class T, class M>
inline T __metal_ldexp(T x, int k, M) {
  return ::metal::ldexp(x, k);
}

// SIMD-group intrinsics: forwarded to the runtime's metal::simd_* functions. The runtime keys
// collectives by call site, so calls through MLX's bfloat wrappers share the shim's site.
#define METALSIM_SHIM_SIMD(name)                                  \
  template <class... A>                                           \
  inline auto __metal_##name(A... a) {                            \
    return ::metal::name(a...);                                   \
  }
METALSIM_SHIM_SIMD(simd_broadcast)
METALSIM_SHIM_SIMD(simd_shuffle)
METALSIM_SHIM_SIMD(simd_shuffle_and_fill_down)
METALSIM_SHIM_SIMD(simd_shuffle_and_fill_up)
METALSIM_SHIM_SIMD(simd_shuffle_down)
METALSIM_SHIM_SIMD(simd_shuffle_rotate_down)
METALSIM_SHIM_SIMD(simd_shuffle_rotate_up)
METALSIM_SHIM_SIMD(simd_shuffle_up)
METALSIM_SHIM_SIMD(simd_shuffle_xor)
METALSIM_SHIM_SIMD(simd_max)
METALSIM_SHIM_SIMD(simd_min)
METALSIM_SHIM_SIMD(simd_prefix_exclusive_product)
METALSIM_SHIM_SIMD(simd_prefix_exclusive_sum)
METALSIM_SHIM_SIMD(simd_prefix_inclusive_product)
METALSIM_SHIM_SIMD(simd_prefix_inclusive_sum)
METALSIM_SHIM_SIMD(simd_product)
METALSIM_SHIM_SIMD(simd_sum)
// simd_xor on a float (MLX's bfloat overload passes one) works on the bits.
template <class T>
inline T __metal_simd_xor(T x) {
  if constexpr (metalsim::is_float_scalar_v<T>) {
    using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint16_t>;
    return __builtin_bit_cast(T, ::metal::simd_xor(__builtin_bit_cast(U, x)));
  } else {
    return ::metal::simd_xor(x);
  }
}
#undef METALSIM_SHIM_SIMD
template <class T>
inline T __metal_get_simdgroup_size(T) {
  return T(32);
}
