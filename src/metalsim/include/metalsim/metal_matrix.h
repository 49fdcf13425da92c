// metalsim: Metal's matrix types (MSL 2.3): halfNxM / floatNxM = N columns of M-component
// vectors, column-major; m[i] is column i. Constructors: a scalar (diagonal), N column vectors,
// or N*M scalars in column-major order. m * v, v * m, m * m, m +/- m, scalar products,
// transpose, determinant.
#pragma once
#include "metal_types.h"

namespace metalsim {
template <class T, int C, int R>
struct mat {
  using column = vec_t<T, R>;
  column cols[C];

  constexpr mat() : cols{} {}
  explicit constexpr mat(T diag) : cols{} {
    for (int i = 0; i < (C < R ? C : R); ++i) cols[i][i] = diag;
  }
  template <class... V, std::enable_if_t<sizeof...(V) == C && C != 1 &&
                                             (std::is_same_v<std::remove_cv_t<V>, column> && ...),
                                         int> = 0>
  constexpr mat(const V &...c) : cols{c...} {}
  template <class... S, std::enable_if_t<sizeof...(S) == C * R && C * R != 1 &&
                                             (is_scalar_v<std::remove_cv_t<S>> && ...),
                                         int> = 0>
  constexpr mat(S... s) : cols{} {
    const T v[C * R] = {cvt<T>(s)...};
    for (int c = 0; c < C; ++c)
      for (int r = 0; r < R; ++r) cols[c][r] = v[c * R + r];
  }
  template <class U>
  explicit constexpr mat(const mat<U, C, R> &o) : cols{} {
    for (int c = 0; c < C; ++c) cols[c] = make<column>(o.cols[c]);
  }
  constexpr column &operator[](int i) { return cols[i]; }
  constexpr const column &operator[](int i) const { return cols[i]; }

  mat &operator+=(const mat &o) { return *this = *this + o; }
  mat &operator-=(const mat &o) { return *this = *this - o; }
  mat &operator*=(T s) { return *this = *this * s; }
  friend mat operator+(const mat &a, const mat &b) {
    mat r;
    for (int c = 0; c < C; ++c) r.cols[c] = a.cols[c] + b.cols[c];
    return r;
  }
  friend mat operator-(const mat &a, const mat &b) {
    mat r;
    for (int c = 0; c < C; ++c) r.cols[c] = a.cols[c] - b.cols[c];
    return r;
  }
  friend mat operator-(const mat &a) {
    mat r;
    for (int c = 0; c < C; ++c) r.cols[c] = -a.cols[c];
    return r;
  }
  friend mat operator*(const mat &a, T s) {
    mat r;
    for (int c = 0; c < C; ++c) r.cols[c] = a.cols[c] * s;
    return r;
  }
  friend mat operator*(T s, const mat &a) { return a * s; }
  // matrix * column vector (C components) -> R components
  friend column operator*(const mat &a, const vec_t<T, C> &v) {
    column r = a.cols[0] * v[0];
    for (int c = 1; c < C; ++c) r += a.cols[c] * v[c];
    return r;
  }
  // row vector (R components) * matrix -> C components
  friend vec_t<T, C> operator*(const column &v, const mat &a) {
    vec_t<T, C> r;
    for (int c = 0; c < C; ++c) {
      T s = T(0);
      for (int k = 0; k < R; ++k) s += v[k] * a.cols[c][k];
      r[c] = s;
    }
    return r;
  }
  template <int K>
  friend mat<T, K, R> operator*(const mat &a, const mat<T, K, C> &b) {
    mat<T, K, R> r;
    for (int k = 0; k < K; ++k) r.cols[k] = a * b.cols[k];
    return r;
  }
  friend bool operator==(const mat &a, const mat &b) {
    for (int c = 0; c < C; ++c)
      for (int r = 0; r < R; ++r)
        if (a.cols[c][r] != b.cols[c][r]) return false;
    return true;
  }
};
}  // namespace metalsim

namespace metal {
template <class T, int C, int R = C>
using matrix = metalsim::mat<T, C, R>;

template <class T, int C, int R>
inline metalsim::mat<T, R, C> transpose(const metalsim::mat<T, C, R> &m) {
  metalsim::mat<T, R, C> t;
  for (int c = 0; c < C; ++c)
    for (int r = 0; r < R; ++r) t.cols[r][c] = m.cols[c][r];
  return t;
}
template <class T>
inline T determinant(const metalsim::mat<T, 2, 2> &m) {
  return m[0][0] * m[1][1] - m[1][0] * m[0][1];
}
template <class T>
inline T determinant(const metalsim::mat<T, 3, 3> &m) {
  return m[0][0] * (m[1][1] * m[2][2] - m[2][1] * m[1][2]) -
         m[1][0] * (m[0][1] * m[2][2] - m[2][1] * m[0][2]) +
         m[2][0] * (m[0][1] * m[1][2] - m[1][1] * m[0][2]);
}
template <class T>
inline T determinant(const metalsim::mat<T, 4, 4> &m) {
  T d = T(0);
  for (int c = 0; c < 4; ++c) {
    metalsim::mat<T, 3, 3> s;
    for (int cc = 0, k = 0; cc < 4; ++cc) {
      if (cc == c) continue;
      for (int r = 1; r < 4; ++r) s.cols[k][r - 1] = m.cols[cc][r];
      ++k;
    }
    T term = m.cols[c][0] * determinant(s);
    d += (c & 1) ? -term : term;
  }
  return d;
}
}  // namespace metal

#define METALSIM_MATS(T, name)                                         \
  typedef metalsim::mat<T, 2, 2> name##2x2;                            \
  typedef metalsim::mat<T, 2, 3> name##2x3;                            \
  typedef metalsim::mat<T, 2, 4> name##2x4;                            \
  typedef metalsim::mat<T, 3, 2> name##3x2;                            \
  typedef metalsim::mat<T, 3, 3> name##3x3;                            \
  typedef metalsim::mat<T, 3, 4> name##3x4;                            \
  typedef metalsim::mat<T, 4, 2> name##4x2;                            \
  typedef metalsim::mat<T, 4, 3> name##4x3;                            \
  typedef metalsim::mat<T, 4, 4> name##4x4;
METALSIM_MATS(float, float)
METALSIM_MATS(_Float16, half)
#undef METALSIM_MATS
