// metalsim: metal::numeric_limits (incl. half and bfloat) and the constants of MSL's
// metal_math / metal_integer headers (MAXFLOAT, HALF_MAX, M_PI_F, INT_MAX, ...).
#pragma once
#include <float.h>
#include <limits.h>

#include <limits>

#include "metal_types.h"

namespace metal {

template <class T>
struct numeric_limits : std::numeric_limits<T> {};
template <class T>
struct numeric_limits<const T> : numeric_limits<T> {};

template <>
struct numeric_limits<half> {
  static constexpr bool is_specialized = true;
  static constexpr bool is_signed = true;
  static constexpr bool is_integer = false;
  static constexpr bool is_exact = false;
  static constexpr bool has_infinity = true;
  static constexpr bool has_quiet_NaN = true;
  static constexpr bool has_signaling_NaN = true;
  static constexpr int digits = 11;
  static constexpr int digits10 = 3;
  static constexpr int max_digits10 = 5;
  static constexpr int radix = 2;
  static constexpr int min_exponent = -13;
  static constexpr int min_exponent10 = -4;
  static constexpr int max_exponent = 16;
  static constexpr int max_exponent10 = 4;
  static constexpr half min() { return __builtin_bit_cast(half, (unsigned short)0x0400); }
  static constexpr half lowest() { return __builtin_bit_cast(half, (unsigned short)0xfbff); }
  static constexpr half max() { return __builtin_bit_cast(half, (unsigned short)0x7bff); }
  static constexpr half epsilon() { return __builtin_bit_cast(half, (unsigned short)0x1400); }
  static constexpr half round_error() { return __builtin_bit_cast(half, (unsigned short)0x3800); }
  static constexpr half infinity() { return __builtin_bit_cast(half, (unsigned short)0x7c00); }
  static constexpr half quiet_NaN() { return __builtin_bit_cast(half, (unsigned short)0x7e00); }
  static constexpr half signaling_NaN() {
    return __builtin_bit_cast(half, (unsigned short)0x7d00);
  }
  static constexpr half denorm_min() { return __builtin_bit_cast(half, (unsigned short)0x0001); }
};

template <>
struct numeric_limits<bfloat> {
  static constexpr bool is_specialized = true;
  static constexpr bool is_signed = true;
  static constexpr bool is_integer = false;
  static constexpr bool is_exact = false;
  static constexpr bool has_infinity = true;
  static constexpr bool has_quiet_NaN = true;
  static constexpr bool has_signaling_NaN = true;
  static constexpr int digits = 8;
  static constexpr int digits10 = 2;
  static constexpr int max_digits10 = 4;
  static constexpr int radix = 2;
  static constexpr int min_exponent = -125;
  static constexpr int min_exponent10 = -37;
  static constexpr int max_exponent = 128;
  static constexpr int max_exponent10 = 38;
  static constexpr bfloat min() { return __builtin_bit_cast(bfloat, (unsigned short)0x0080); }
  static constexpr bfloat lowest() { return __builtin_bit_cast(bfloat, (unsigned short)0xff7f); }
  static constexpr bfloat max() { return __builtin_bit_cast(bfloat, (unsigned short)0x7f7f); }
  static constexpr bfloat epsilon() { return __builtin_bit_cast(bfloat, (unsigned short)0x3c00); }
  static constexpr bfloat round_error() {
    return __builtin_bit_cast(bfloat, (unsigned short)0x3f00);
  }
  static constexpr bfloat infinity() {
    return __builtin_bit_cast(bfloat, (unsigned short)0x7f80);
  }
  static constexpr bfloat quiet_NaN() {
    return __builtin_bit_cast(bfloat, (unsigned short)0x7fc0);
  }
  static constexpr bfloat signaling_NaN() {
    return __builtin_bit_cast(bfloat, (unsigned short)0x7fa0);
  }
  static constexpr bfloat denorm_min() {
    return __builtin_bit_cast(bfloat, (unsigned short)0x0001);
  }
};

}  // namespace metal

// ---------------------------------------------------------------- constants
// Float (MSL 6.5 "Math functions", constants); as in Metal these are macros.
#ifndef MAXFLOAT
#define MAXFLOAT 0x1.fffffep+127f
#endif
#ifndef HUGE_VALF
#define HUGE_VALF __builtin_huge_valf()
#endif
#ifndef INFINITY
#define INFINITY __builtin_inff()
#endif
#ifndef NAN
#define NAN __builtin_nanf("")
#endif
#ifndef FLT_DIG
#define FLT_DIG 6
#endif
#ifndef FLT_MANT_DIG
#define FLT_MANT_DIG 24
#endif
#ifndef FLT_MAX_10_EXP
#define FLT_MAX_10_EXP 38
#endif
#ifndef FLT_MAX_EXP
#define FLT_MAX_EXP 128
#endif
#ifndef FLT_MIN_10_EXP
#define FLT_MIN_10_EXP (-37)
#endif
#ifndef FLT_MIN_EXP
#define FLT_MIN_EXP (-125)
#endif
#ifndef FLT_RADIX
#define FLT_RADIX 2
#endif
#ifndef FLT_MAX
#define FLT_MAX 0x1.fffffep+127f
#endif
#ifndef FLT_MIN
#define FLT_MIN 0x1.0p-126f
#endif
#ifndef FLT_EPSILON
#define FLT_EPSILON 0x1.0p-23f
#endif
#ifndef FP_ILOGB0
#define FP_ILOGB0 (-2147483647 - 1)
#endif
#ifndef FP_ILOGBNAN
#define FP_ILOGBNAN (-2147483647 - 1)
#endif
#ifndef M_E_F
#define M_E_F 2.71828182845904523536028747135266250f
#endif
#ifndef M_LOG2E_F
#define M_LOG2E_F 1.44269504088896340735992468100189214f
#endif
#ifndef M_LOG10E_F
#define M_LOG10E_F 0.434294481903251827651128918916605082f
#endif
#ifndef M_LN2_F
#define M_LN2_F 0.693147180559945309417232121458176568f
#endif
#ifndef M_LN10_F
#define M_LN10_F 2.30258509299404568401799145468436421f
#endif
#ifndef M_PI_F
#define M_PI_F 3.14159265358979323846264338327950288f
#endif
#ifndef M_PI_2_F
#define M_PI_2_F 1.57079632679489661923132169163975144f
#endif
#ifndef M_PI_4_F
#define M_PI_4_F 0.785398163397448309615660845819875721f
#endif
#ifndef M_1_PI_F
#define M_1_PI_F 0.318309886183790671537767526745028724f
#endif
#ifndef M_2_PI_F
#define M_2_PI_F 0.636619772367581343075535053490057448f
#endif
#ifndef M_2_SQRTPI_F
#define M_2_SQRTPI_F 1.12837916709551257389615890312154517f
#endif
#ifndef M_SQRT2_F
#define M_SQRT2_F 1.41421356237309504880168872420969808f
#endif
#ifndef M_SQRT1_2_F
#define M_SQRT1_2_F 0.707106781186547524400844362104849039f
#endif
// Half
#ifndef MAXHALF
#define MAXHALF ((half)0x1.ffcp15f)
#endif
#ifndef HUGE_VALH
#define HUGE_VALH ((half)__builtin_huge_valf())
#endif
#ifndef HALF_DIG
#define HALF_DIG 3
#endif
#ifndef HALF_MANT_DIG
#define HALF_MANT_DIG 11
#endif
#ifndef HALF_MAX_10_EXP
#define HALF_MAX_10_EXP 4
#endif
#ifndef HALF_MAX_EXP
#define HALF_MAX_EXP 16
#endif
#ifndef HALF_MIN_10_EXP
#define HALF_MIN_10_EXP (-4)
#endif
#ifndef HALF_MIN_EXP
#define HALF_MIN_EXP (-13)
#endif
#ifndef HALF_RADIX
#define HALF_RADIX 2
#endif
#ifndef HALF_MAX
#define HALF_MAX ((half)0x1.ffcp15f)
#endif
#ifndef HALF_MIN
#define HALF_MIN ((half)0x1.0p-14f)
#endif
#ifndef HALF_EPSILON
#define HALF_EPSILON ((half)0x1.0p-10f)
#endif
#ifndef M_E_H
#define M_E_H ((half)M_E_F)
#endif
#ifndef M_LOG2E_H
#define M_LOG2E_H ((half)M_LOG2E_F)
#endif
#ifndef M_LOG10E_H
#define M_LOG10E_H ((half)M_LOG10E_F)
#endif
#ifndef M_LN2_H
#define M_LN2_H ((half)M_LN2_F)
#endif
#ifndef M_LN10_H
#define M_LN10_H ((half)M_LN10_F)
#endif
#ifndef M_PI_H
#define M_PI_H ((half)M_PI_F)
#endif
#ifndef M_PI_2_H
#define M_PI_2_H ((half)M_PI_2_F)
#endif
#ifndef M_PI_4_H
#define M_PI_4_H ((half)M_PI_4_F)
#endif
#ifndef M_1_PI_H
#define M_1_PI_H ((half)M_1_PI_F)
#endif
#ifndef M_2_PI_H
#define M_2_PI_H ((half)M_2_PI_F)
#endif
#ifndef M_2_SQRTPI_H
#define M_2_SQRTPI_H ((half)M_2_SQRTPI_F)
#endif
#ifndef M_SQRT2_H
#define M_SQRT2_H ((half)M_SQRT2_F)
#endif
#ifndef M_SQRT1_2_H
#define M_SQRT1_2_H ((half)M_SQRT1_2_F)
#endif
// Integer (metal_integer)
#ifndef CHAR_BIT
#define CHAR_BIT 8
#endif
#ifndef SCHAR_MAX
#define SCHAR_MAX 127
#endif
#ifndef SCHAR_MIN
#define SCHAR_MIN (-128)
#endif
#ifndef UCHAR_MAX
#define UCHAR_MAX 255
#endif
#ifndef CHAR_MAX
#define CHAR_MAX SCHAR_MAX
#endif
#ifndef CHAR_MIN
#define CHAR_MIN SCHAR_MIN
#endif
#ifndef USHRT_MAX
#define USHRT_MAX 65535
#endif
#ifndef SHRT_MAX
#define SHRT_MAX 32767
#endif
#ifndef SHRT_MIN
#define SHRT_MIN (-32768)
#endif
#ifndef UINT_MAX
#define UINT_MAX 0xffffffffu
#endif
#ifndef INT_MAX
#define INT_MAX 2147483647
#endif
#ifndef INT_MIN
#define INT_MIN (-2147483647 - 1)
#endif
#ifndef ULONG_MAX
#define ULONG_MAX 0xfffffffffffffffful
#endif
#ifndef LONG_MAX
#define LONG_MAX 0x7fffffffffffffffl
#endif
#ifndef LONG_MIN
#define LONG_MIN (-0x7fffffffffffffffl - 1)
#endif
