// metalsim: Metal's SIMD-group matrices (MSL specification §2.4 and §6.7): the 8x8 types
// simdgroup_matrix<T, 8, 8> (simdgroup_float8x8, simdgroup_half8x8, simdgroup_bfloat8x8),
// make_filled_simdgroup_matrix, simdgroup_load/simdgroup_store, simdgroup_multiply and
// simdgroup_multiply_accumulate, and thread_elements().
//
// Each of the 32 lanes of a SIMD group holds two adjacent elements of the 8x8 matrix. The spec
// leaves the lane-to-element mapping unspecified; real kernels fill fragments by hand through
// thread_elements(), so metalsim uses the layout that MLX's steel GEMM relies on
// (mlx/backend/metal/kernels/steel/gemm/mma.h, BaseMMAFrag::get_coord): with qid = lane / 4,
// row = (qid & 4) + (lane / 2) % 4, columns = (qid & 2) * 2 + (lane % 2) * 2 and the next one.
//
// Every operation is a SIMD-group collective (metalsim_collective): loads and stores check that
// all 32 lanes arrived; multiplies gather the lanes' fragments, compute the product in float
// (rounded to the destination type once, at the end) and hand each lane its two elements. A
// call that not every lane of a full SIMD group reaches ends the launch with a diagnostic.
#ifndef METALSIM_METAL_SIMDGROUP_MATRIX_H
#define METALSIM_METAL_SIMDGROUP_MATRIX_H

#include <stdio.h>

#include <type_traits>

#include "../../runtime/metalsim_rt.h"
#include "metal_types.h"

#define __METALSIM_SGM_SITE                                                         \
  const char *__file = __builtin_FILE(), int __line = __builtin_LINE(),             \
             int __col = __builtin_COLUMN()
#define __METALSIM_SGM_SITE_ARGS __file, __line, __col

namespace metal {

template <typename T, int Cols, int Rows>
struct simdgroup_matrix {
  static_assert(Cols == 8 && Rows == 8, "metalsim: simdgroup_matrix supports 8x8 only (as Metal)");
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, half> || std::is_same_v<T, bfloat>,
                "simdgroup_matrix element type must be float, half or bfloat");

  simdgroup_matrix() = default;
  // A diagonal matrix with `diagonal` on its diagonal (MSL: simdgroup_matrix(T)).
  simdgroup_matrix(T diagonal);

  vec<T, 2> &thread_elements() { return __e; }
  const vec<T, 2> &thread_elements() const { return __e; }

  vec<T, 2> __e;  // this lane's two elements (row, col) and (row, col + 1)
};

typedef simdgroup_matrix<float, 8, 8> simdgroup_float8x8;
typedef simdgroup_matrix<half, 8, 8> simdgroup_half8x8;
typedef simdgroup_matrix<bfloat, 8, 8> simdgroup_bfloat8x8;

namespace __msim_sgm {

struct coord {
  unsigned row, col;  // first of the lane's two elements; the second is (row, col + 1)
};

inline coord of_lane(unsigned lane) {
  unsigned qid = lane / 4;
  return {(qid & 4) + (lane / 2) % 4, (qid & 2) * 2 + (lane % 2) * 2};
}

inline unsigned lane() { return metalsim_current()->thread_index_in_simdgroup; }

// Ends the launch unless all 32 lanes of the caller's SIMD group are in `mask`.
inline void require_full(uint64_t mask, const char *what, const char *f, int l, int c) {
  if ((mask & 0xFFFFFFFFull) == 0xFFFFFFFFull) return;
  const metalsim_thread_attrs *a = metalsim_current();
  unsigned tg = a->threads_per_threadgroup.x * a->threads_per_threadgroup.y *
                a->threads_per_threadgroup.z;
  unsigned sg = a->simdgroup_index_in_threadgroup;
  unsigned lanes = tg - 32 * sg < 32 ? tg - 32 * sg : 32;
  char msg[512];
  if (lanes < 32) {
    snprintf(msg, sizeof msg,
             "%s needs a full SIMD group of 32 threads, but SIMD group %u of this threadgroup "
             "has only %u (the threadgroup has %u threads). Make the threadgroup size, and the "
             "grid, multiples of 32 for kernels that use simdgroup_matrix",
             what, sg, lanes, tg);
  } else {
    snprintf(msg, sizeof msg,
             "%s was reached by only %d of the 32 lanes of SIMD group %u (active mask 0x%08llx). "
             "SIMD-group matrix functions must be called by every thread of the SIMD group "
             "(SIMD-uniform control flow: no early return or lane-dependent branch around "
             "them); on a GPU the result is undefined",
             what, __builtin_popcountll(mask & 0xFFFFFFFFull), sg,
             (unsigned long long)(mask & 0xFFFFFFFFull));
  }
  metalsim_fail(msg, f, l, c);
}

inline void sync(const char *what, const char *f, int l, int c) {
  uint64_t m = 0;
  metalsim_collective(0, nullptr, 0, f, l, c, nullptr, &m);
  require_full(m, what, f, l, c);
}

template <class P>
inline void gather(const P &mine, P *all, const char *what, const char *f, int l, int c) {
  uint64_t m = 0;
  metalsim_collective(0, &mine, sizeof(P), f, l, c, all, &m);
  require_full(m, what, f, l, c);
}

template <class T>
inline float to_f(T x) {
  return static_cast<float>(x);
}

// matrix_origin: MSL takes a ulong2 (x = column, y = row); accept a scalar (splat) or any
// integer 2-vector.
template <class O>
inline ulong2 origin(O o) {
  if constexpr (std::is_arithmetic_v<O>) {
    return ulong2{ulong(o), ulong(o)};
  } else {
    return ulong2{ulong(o.x), ulong(o.y)};
  }
}

// Offset of matrix element (row, col) in memory: the matrix is the 8x8 window at `o` of the
// row-major array (elements_per_row `epr`), or of its transpose.
inline ulong offset(unsigned row, unsigned col, ulong epr, ulong2 o, bool transpose) {
  return transpose ? (o.x + col) * epr + (o.y + row) : (o.y + row) * epr + (o.x + col);
}

}  // namespace __msim_sgm

template <typename T, int C, int R>
simdgroup_matrix<T, C, R>::simdgroup_matrix(T diagonal) {
  __msim_sgm::coord p = __msim_sgm::of_lane(__msim_sgm::lane());
  for (unsigned k = 0; k < 2; k++) __e[k] = p.row == p.col + k ? diagonal : T(0.0f);
}

template <typename T, int C = 8, int R = 8>
inline simdgroup_matrix<T, C, R> make_filled_simdgroup_matrix(const T value) {
  simdgroup_matrix<T, C, R> m;
  m.__e = vec<T, 2>(value);
  return m;
}

template <typename T, int C, int R, class S, class O = ulong2>
inline void simdgroup_load(simdgroup_matrix<T, C, R> &d, const S *src,
                           ulong elements_per_row = C, O matrix_origin = O(0),
                           bool transpose_matrix = false, __METALSIM_SGM_SITE) {
  __msim_sgm::sync("simdgroup_load", __METALSIM_SGM_SITE_ARGS);
  __msim_sgm::coord p = __msim_sgm::of_lane(__msim_sgm::lane());
  ulong2 o = __msim_sgm::origin(matrix_origin);
  for (unsigned k = 0; k < 2; k++)
    d.__e[k] = static_cast<T>(
        src[__msim_sgm::offset(p.row, p.col + k, elements_per_row, o, transpose_matrix)]);
}

template <typename T, int C, int R, class S, class O = ulong2>
inline void simdgroup_store(const simdgroup_matrix<T, C, R> &a, S *dst,
                            ulong elements_per_row = C, O matrix_origin = O(0),
                            bool transpose_matrix = false, __METALSIM_SGM_SITE) {
  __msim_sgm::sync("simdgroup_store", __METALSIM_SGM_SITE_ARGS);
  __msim_sgm::coord p = __msim_sgm::of_lane(__msim_sgm::lane());
  ulong2 o = __msim_sgm::origin(matrix_origin);
  for (unsigned k = 0; k < 2; k++)
    dst[__msim_sgm::offset(p.row, p.col + k, elements_per_row, o, transpose_matrix)] =
        static_cast<S>(a.__e[k]);
}

namespace __msim_sgm {

template <class TA, class TB, class TC>
struct operands {
  vec<TA, 2> a;
  vec<TB, 2> b;
  vec<TC, 2> c;
};

// d = a * b (+ c): every lane's fragments gathered, this lane's two elements computed in float.
template <class TD, class TA, class TB, class TC>
inline void multiply(vec<TD, 2> &d, const vec<TA, 2> &a, const vec<TB, 2> &b,
                     const vec<TC, 2> *c, const char *what, const char *f, int l, int cl) {
  operands<TA, TB, TC> mine{a, b, c ? *c : vec<TC, 2>(TC(0.0f))};
  operands<TA, TB, TC> all[32];
  gather(mine, all, what, f, l, cl);
  float A[8][8], B[8][8], Cm[8][8];
  for (unsigned ln = 0; ln < 32; ln++) {
    coord q = of_lane(ln);
    for (unsigned k = 0; k < 2; k++) {
      A[q.row][q.col + k] = to_f(all[ln].a[k]);
      B[q.row][q.col + k] = to_f(all[ln].b[k]);
      Cm[q.row][q.col + k] = to_f(all[ln].c[k]);
    }
  }
  coord p = of_lane(lane());
  for (unsigned k = 0; k < 2; k++) {
    float acc = 0.0f;
    for (unsigned j = 0; j < 8; j++) acc += A[p.row][j] * B[j][p.col + k];
    if (c) acc += Cm[p.row][p.col + k];
    d[k] = static_cast<TD>(acc);
  }
}

}  // namespace __msim_sgm

template <class TD, class TA, class TB, int C, int R>
inline void simdgroup_multiply(simdgroup_matrix<TD, C, R> &d,
                               const simdgroup_matrix<TA, C, R> &a,
                               const simdgroup_matrix<TB, C, R> &b,
                               __METALSIM_SGM_SITE) {
  vec<TA, 2> ea = a.__e;  // d may alias a or b
  vec<TB, 2> eb = b.__e;
  __msim_sgm::multiply<TD, TA, TB, TD>(d.__e, ea, eb, nullptr, "simdgroup_multiply",
                                       __METALSIM_SGM_SITE_ARGS);
}

template <class TD, class TA, class TB, class TC, int C, int R>
inline void simdgroup_multiply_accumulate(simdgroup_matrix<TD, C, R> &d,
                                          const simdgroup_matrix<TA, C, R> &a,
                                          const simdgroup_matrix<TB, C, R> &b,
                                          const simdgroup_matrix<TC, C, R> &c,
                                          __METALSIM_SGM_SITE) {
  vec<TA, 2> ea = a.__e;
  vec<TB, 2> eb = b.__e;
  vec<TC, 2> ec = c.__e;
  __msim_sgm::multiply<TD, TA, TB, TC>(d.__e, ea, eb, &ec, "simdgroup_multiply_accumulate",
                                       __METALSIM_SGM_SITE_ARGS);
}

}  // namespace metal

#undef __METALSIM_SGM_SITE
#undef __METALSIM_SGM_SITE_ARGS

#endif  // METALSIM_METAL_SIMDGROUP_MATRIX_H
