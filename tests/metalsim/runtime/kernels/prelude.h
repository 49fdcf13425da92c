// Minimal stand-in for the language layer's metal_stdlib.h: the scalar and vector types the
// runtime headers need, then the three runtime-owned headers. Test kernels are plain C++ with an
// extern "C" entry of the metalsim_entry_fn signature.
#pragma once
#include <stdint.h>
#include <string.h>

typedef unsigned int uint;
typedef unsigned short ushort;
typedef float float2 __attribute__((ext_vector_type(2)));
typedef float float4 __attribute__((ext_vector_type(4)));
typedef int int2 __attribute__((ext_vector_type(2)));
typedef int int4 __attribute__((ext_vector_type(4)));

#include "metalsim/metal_sync.h"
#include "metalsim/metal_simdgroup.h"
#include "metalsim/metal_atomic.h"

using namespace metal;

#define KERNEL(name)                                                     \
  extern "C" __attribute__((visibility("default"))) void name(          \
      void *const *args, const metalsim_thread_attrs *a)

#define TG_ALLOC(T, n, id) ((T *)metalsim_tg_alloc_at(id, sizeof(T) * (n), alignof(T), __FILE__, __LINE__, 5))

static inline uint linear_gid(const metalsim_thread_attrs *a) {
  return a->thread_position_in_grid.x +
         a->threads_per_grid.x * (a->thread_position_in_grid.y +
                                  a->threads_per_grid.y * a->thread_position_in_grid.z);
}
