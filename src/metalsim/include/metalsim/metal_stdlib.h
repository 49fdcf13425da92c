// metalsim: host C++ stand-in for Metal's <metal_stdlib> (compute subset). clang >= 17 only.
//
// Order matters: system headers and every metalsim header first, the address-space keywords
// (device, constant, thread, threadgroup) are #defined away last (metal_keywords.h, included by
// the compiler's prelude after MLX's preamble shim) so no system header sees those macros.
#pragma once
#if !defined(__clang__)
#error "metalsim needs clang >= 17: GCC silently ignores ext_vector_type (float4 would be float)"
#endif

#ifndef __METAL_VERSION__
#define __METAL_VERSION__ 320
#endif
#ifndef __METAL__
#define __METAL__ 1
#endif
#ifndef METAL_FUNC
#define METAL_FUNC inline __attribute__((__always_inline__))
#endif

#include "metal_types.h"
#include "metal_limits.h"
#include "metal_math.h"
#include "metal_packed.h"
#include "metal_matrix.h"
// Runtime layer: barriers, SIMD/quad functions, atomics.
#include "metal_sync.h"
#include "metal_simdgroup.h"
#include "metal_simdgroup_matrix.h"
#include "metal_atomic.h"
#include "metal_extras.h"
