/* C ABI between compiled kernels, the MSL headers and libmetalsim_rt (ARCHITECTURE.md, Interface 1).
   Plain C so that both the runtime and every kernel translation unit agree on the layout. */
#ifndef METALSIM_RT_H
#define METALSIM_RT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct { uint32_t x, y, z; } metalsim_uint3;

typedef struct metalsim_thread_attrs {           /* values of MLX's 20 attributes */
  metalsim_uint3 thread_position_in_grid, thread_position_in_threadgroup,
                 threadgroup_position_in_grid, threads_per_threadgroup,
                 dispatch_threads_per_threadgroup, threadgroups_per_grid,
                 threads_per_grid, grid_origin, grid_size;
  uint32_t thread_index_in_threadgroup, thread_index_in_simdgroup,
           simdgroup_index_in_threadgroup, simdgroups_per_threadgroup,
           dispatch_simdgroups_per_threadgroup, threads_per_simdgroup,
           thread_execution_width, thread_index_in_quadgroup,
           quadgroup_index_in_threadgroup, quadgroups_per_threadgroup,
           dispatch_quadgroups_per_threadgroup;
} metalsim_thread_attrs;

/* The compiled kernel exports one of these (symbol name chosen by compiler.py). */
typedef void (*metalsim_entry_fn)(void *const *args, const metalsim_thread_attrs *attrs);

typedef struct metalsim_launch_options {
  int schedule;            /* 0 forward, 1 reverse, 2 random(seed) */
  uint64_t seed;
  int strict_barriers;     /* 0 lenient (Apple silicon), 1 strict */
  int workers;             /* OS threads; 0 = number of cores */
  size_t stack_size;       /* fiber stack bytes; 0 = 64 KiB */
  double watchdog_seconds; /* 0 = off */
  int use_fibers;          /* 0 plain calls (kernel has no sync point), 1 fibers */
} metalsim_launch_options;

/* Runs grid (threads per dimension, as MLX) with threadgroup (clamped to grid per dimension).
   Returns 0, or non-zero with a NUL-terminated message in err. Never aborts the process for
   kernel-level errors (divergent barrier, tg memory limit, watchdog). */
int metalsim_launch(metalsim_entry_fn fn, void *const *args, const uint32_t grid[3],
                    const uint32_t threadgroup[3], const metalsim_launch_options *opt,
                    char *err, size_t errlen);

/* Called from kernel code (through the headers). site = file/line/col of the call. */
void *metalsim_tg_alloc(int site_id, size_t size, size_t align);   /* per-threadgroup storage */
/* Same, with the declaration's location for the 32 KiB limit message (additive; preferred). */
void *metalsim_tg_alloc_at(int site_id, size_t size, size_t align, const char *file, int line,
                           int col);
const metalsim_thread_attrs *metalsim_current(void);
void metalsim_barrier(int scope /*0 threadgroup, 1 simdgroup*/, const char *file, int line, int col);
/* Each active lane deposits `size` bytes; returns when the group (scope 0 SIMD-group of 32,
   1 quad) at this call site is resolved. out_lanes gets 32 (or 4) slots of `size` bytes,
   *out_mask the active lanes. */
void metalsim_collective(int scope, const void *value, size_t size, const char *file, int line,
                         int col, void *out_lanes, uint64_t *out_mask);
void metalsim_yield(void);   /* called by atomics so spin-waits make progress / hit the watchdog */
void metalsim_fail(const char *message, const char *file, int line, int col); /* ends the launch */

/* Runtime identification, for launch.py's sanity check: returns "metalsim_rt <abi> <backend>". */
const char *metalsim_runtime_info(void);

#ifdef __cplusplus
}
#endif

#endif /* METALSIM_RT_H */
