// MSL atomics (metal::atomic<T> and the atomic_*_explicit functions) for device and threadgroup
// memory; address spaces are erased, so one overload set serves both. Every operation first calls
// metalsim_yield(), so a spin-wait lets the other fibers of its threadgroup run and eventually
// hits the launch watchdog instead of hanging.
#ifndef METALSIM_METAL_ATOMIC_H
#define METALSIM_METAL_ATOMIC_H

#include "../../runtime/metalsim_rt.h"
#include "metal_sync.h"

namespace metal {

// Same size and alignment as T, so an MLX `device atomic<float>*` can point into a float buffer.
template <typename T>
struct atomic {
  T __v;
};

using atomic_int = atomic<int>;
using atomic_uint = atomic<unsigned int>;
using atomic_bool = atomic<bool>;
using atomic_float = atomic<float>;
using atomic_ulong = atomic<unsigned long>;
using atomic_long = atomic<long>;

namespace __msim_atomic {
template <typename T>
struct ident {
  using type = T;
};
template <typename T>
using ident_t = typename ident<T>::type;  // blocks deduction: atomic<float> + 0 literal works

constexpr int order(memory_order o) {
  return o == memory_order_relaxed ? __ATOMIC_RELAXED : __ATOMIC_SEQ_CST;
}

// Integer arithmetic wraps in two's complement as in MSL (no signed-overflow UB here).
template <typename T>
inline T add(T a, T b) {
  if constexpr (__is_integral(T) && !__is_same(T, bool)) {
    T r;
    __builtin_add_overflow(a, b, &r);
    return r;
  } else {
    return T(a + b);
  }
}
template <typename T>
inline T sub(T a, T b) {
  if constexpr (__is_integral(T) && !__is_same(T, bool)) {
    T r;
    __builtin_sub_overflow(a, b, &r);
    return r;
  } else {
    return T(a - b);
  }
}

// Read-modify-write through compare-and-swap; works for float as well as integers.
template <typename T, typename F>
inline T rmw(volatile atomic<T> *obj, F f, memory_order o) {
  metalsim_yield();
  T *p = const_cast<T *>(&obj->__v);
  T old;
  __atomic_load(p, &old, __ATOMIC_RELAXED);
  for (;;) {
    T desired = f(old);
    if (__atomic_compare_exchange(p, &old, &desired, true, order(o), __ATOMIC_RELAXED)) break;
  }
  return old;
}
}  // namespace __msim_atomic

template <typename T>
inline void atomic_store_explicit(volatile atomic<T> *obj, __msim_atomic::ident_t<T> desired,
                                  memory_order o) {
  metalsim_yield();
  T v = desired;
  __atomic_store(const_cast<T *>(&obj->__v), &v, __msim_atomic::order(o));
}

template <typename T>
inline T atomic_load_explicit(const volatile atomic<T> *obj, memory_order o) {
  metalsim_yield();
  T r;
  __atomic_load(const_cast<T *>(&obj->__v), &r, __msim_atomic::order(o));
  return r;
}

template <typename T>
inline T atomic_exchange_explicit(volatile atomic<T> *obj, __msim_atomic::ident_t<T> desired,
                                  memory_order o) {
  metalsim_yield();
  T v = desired, r;
  __atomic_exchange(const_cast<T *>(&obj->__v), &v, &r, __msim_atomic::order(o));
  return r;
}

template <typename T>
inline bool atomic_compare_exchange_weak_explicit(volatile atomic<T> *obj, T *expected,
                                                  __msim_atomic::ident_t<T> desired,
                                                  memory_order success, memory_order failure) {
  metalsim_yield();
  (void)failure;
  // Strong CAS: a weak one may fail spuriously, which MSL allows but nothing relies on.
  T v = desired;
  return __atomic_compare_exchange(const_cast<T *>(&obj->__v), expected, &v, false,
                                   __msim_atomic::order(success), __ATOMIC_RELAXED);
}

template <typename T>
inline bool atomic_compare_exchange_strong_explicit(volatile atomic<T> *obj, T *expected,
                                                    __msim_atomic::ident_t<T> desired,
                                                    memory_order success, memory_order failure) {
  return atomic_compare_exchange_weak_explicit(obj, expected, desired, success, failure);
}

#define METALSIM_ATOMIC_FETCH(NAME, EXPR)                                                     \
  template <typename T>                                                                       \
  inline T atomic_fetch_##NAME##_explicit(volatile atomic<T> *obj,                            \
                                          __msim_atomic::ident_t<T> operand, memory_order o) { \
    return __msim_atomic::rmw(                                                                \
        obj, [operand](T old) -> T { return EXPR; }, o);                                      \
  }

METALSIM_ATOMIC_FETCH(add, __msim_atomic::add<T>(old, operand))
METALSIM_ATOMIC_FETCH(sub, __msim_atomic::sub<T>(old, operand))
METALSIM_ATOMIC_FETCH(and, T(old & operand))
METALSIM_ATOMIC_FETCH(or, T(old | operand))
METALSIM_ATOMIC_FETCH(xor, T(old ^ operand))
METALSIM_ATOMIC_FETCH(min, (operand < old ? operand : old))
METALSIM_ATOMIC_FETCH(max, (operand > old ? operand : old))
#undef METALSIM_ATOMIC_FETCH

// atomic_ulong on Apple silicon: min/max without a return value.
template <typename T>
inline void atomic_min_explicit(volatile atomic<T> *obj, __msim_atomic::ident_t<T> operand,
                                memory_order o) {
  (void)atomic_fetch_min_explicit(obj, operand, o);
}
template <typename T>
inline void atomic_max_explicit(volatile atomic<T> *obj, __msim_atomic::ident_t<T> operand,
                                memory_order o) {
  (void)atomic_fetch_max_explicit(obj, operand, o);
}

}  // namespace metal

#endif
