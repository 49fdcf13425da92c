// Hand-written kernels for the runtime tests (see prelude.h). Each entry has the ABI signature.
#include "prelude.h"

// Every attribute, 38 uints per thread, at the thread's linear grid index.
KERNEL(k_attrs) {
  uint *out = (uint *)args[0] + 38 * linear_gid(a);
  const metalsim_uint3 *v[] = {&a->thread_position_in_grid,          &a->thread_position_in_threadgroup,
                               &a->threadgroup_position_in_grid,     &a->threads_per_threadgroup,
                               &a->dispatch_threads_per_threadgroup, &a->threadgroups_per_grid,
                               &a->threads_per_grid,                 &a->grid_origin,
                               &a->grid_size};
  for (int i = 0; i < 9; i++) {
    out[3 * i] = v[i]->x;
    out[3 * i + 1] = v[i]->y;
    out[3 * i + 2] = v[i]->z;
  }
  const uint s[] = {a->thread_index_in_threadgroup, a->thread_index_in_simdgroup,
                    a->simdgroup_index_in_threadgroup, a->simdgroups_per_threadgroup,
                    a->dispatch_simdgroups_per_threadgroup, a->threads_per_simdgroup,
                    a->thread_execution_width, a->thread_index_in_quadgroup,
                    a->quadgroup_index_in_threadgroup, a->quadgroups_per_threadgroup,
                    a->dispatch_quadgroups_per_threadgroup};
  for (int i = 0; i < 11; i++) out[27 + i] = s[i];
  // metalsim_current() must agree with the attrs the entry received.
  if (metalsim_current() == nullptr ||
      metalsim_current()->thread_index_in_threadgroup != a->thread_index_in_threadgroup)
    out[0] = 0xDEADBEEF;
}

// Threadgroup memory: poison seen before any write, one pointer per group, sharing via barrier.
// out: [poison bits of slot t, pointer low 32 bits, neighbour's value]
KERNEL(k_tg_share) {
  uint *out = (uint *)args[0] + 3 * a->thread_position_in_grid.x;
  uint *buf = TG_ALLOC(uint, 64, 1);
  uint t = a->thread_index_in_threadgroup, n = a->threads_per_threadgroup.x;
  out[0] = buf[t];
  out[1] = (uint)(uintptr_t)buf;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  buf[t] = a->thread_position_in_grid.x * 10;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  out[2] = buf[(t + 1) % n];
}

// Two declarations: distinct, aligned storage.
KERNEL(k_tg_two) {
  uint *out = (uint *)args[0] + 2 * a->thread_position_in_grid.x;
  char *c = TG_ALLOC(char, 3, 1);
  double *d = TG_ALLOC(double, 5, 2);
  out[0] = (uint)((uintptr_t)d % alignof(double));
  out[1] = (uint)((char *)d - c >= 3);
}

// 9000 floats = 36000 bytes > 32 KiB.
KERNEL(k_tg_too_big) {
  float *big = (float *)metalsim_tg_alloc_at(7, 9000 * sizeof(float), 4, "<source>", 12, 3);
  big[0] = 1;
}

// Tree sum of 256-thread groups: the barrier-heavy reference kernel.
KERNEL(k_tree) {
  const float *in = (const float *)args[0];
  float *out = (float *)args[1];
  float *buf = TG_ALLOC(float, 256, 1);
  uint t = a->thread_index_in_threadgroup, n = a->threads_per_threadgroup.x;
  buf[t] = in[a->thread_position_in_grid.x];
  threadgroup_barrier(mem_flags::mem_threadgroup);
  for (uint s = 128; s > 0; s >>= 1) {
    if (t < s && t + s < n) buf[t] += buf[t + s];
    threadgroup_barrier(mem_flags::mem_threadgroup);
  }
  if (t == 0) out[a->threadgroup_position_in_grid.x] = buf[0];
}

// Threads with index >= keep return before the barrier; the others sum what is there after it.
KERNEL(k_early_return) {
  float *out = (float *)args[0];
  uint keep = *(const uint *)args[1];
  float *buf = TG_ALLOC(float, 64, 1);
  uint t = a->thread_index_in_threadgroup;
  if (t >= keep) return;
  buf[t] = t;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  float s = 0;
  for (uint i = 0; i < keep; i++) s += buf[i];
  out[a->thread_position_in_grid.x] = s;
}

// Odd and even threads wait at different barriers.
KERNEL(k_divergent) {
  uint t = a->thread_index_in_threadgroup;
  if (t % 2)
    threadgroup_barrier(mem_flags::mem_threadgroup);
  else
    threadgroup_barrier(mem_flags::mem_threadgroup);
  ((uint *)args[0])[t] = 1;
}

// Neighbour exchange. args[1][0] = 1: with the barrier (race-free); 0: the barrier is missing.
KERNEL(k_neighbour) {
  const float *in = (const float *)args[0];
  uint with_barrier = *(const uint *)args[1];
  float *out = (float *)args[2];
  float *buf = TG_ALLOC(float, 64, 1);
  uint t = a->thread_index_in_threadgroup, n = a->threads_per_threadgroup.x;
  uint g = a->thread_position_in_grid.x;
  buf[t] = in[g];
  if (with_barrier) threadgroup_barrier(mem_flags::mem_threadgroup);
  out[g] = buf[(t + 1) % n] + 0.5f * buf[(t + n - 1) % n];
}

// simdgroup_barrier inside each SIMD group; lanes exchange through threadgroup memory.
KERNEL(k_simd_barrier) {
  uint *out = (uint *)args[0];
  uint *buf = TG_ALLOC(uint, 64, 1);
  uint t = a->thread_index_in_threadgroup;
  buf[t] = t * 3;
  simdgroup_barrier(mem_flags::mem_threadgroup);
  uint base = t - a->thread_index_in_simdgroup;
  uint lane = a->thread_index_in_simdgroup;
  uint width = a->threads_per_threadgroup.x - base < 32 ? a->threads_per_threadgroup.x - base : 32;
  out[a->thread_position_in_grid.x] = buf[base + (lane + 1) % width];
}

// Atomics: every thread adds to a threadgroup counter and to device counters.
// args: [0] uint per-group results, [1] atomic_int total, [2] atomic<float> total, [3] atomic_uint max
KERNEL(k_atomics) {
  uint *grp = (uint *)args[0];
  atomic_int *total = (atomic_int *)args[1];
  atomic_float *ftotal = (atomic_float *)args[2];
  atomic_uint *mx = (atomic_uint *)args[3];
  atomic_uint *cnt = TG_ALLOC(atomic_uint, 1, 1);
  uint t = a->thread_index_in_threadgroup;
  if (t == 0) atomic_store_explicit(cnt, 0u, memory_order_relaxed);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  uint before = atomic_fetch_add_explicit(cnt, 1u, memory_order_relaxed);
  atomic_fetch_add_explicit(total, 1, memory_order_relaxed);
  atomic_fetch_sub_explicit(total, 3, memory_order_relaxed);
  atomic_fetch_add_explicit(total, 3, memory_order_relaxed);
  atomic_fetch_add_explicit(ftotal, 0.5f, memory_order_relaxed);
  atomic_fetch_max_explicit(mx, a->thread_position_in_grid.x, memory_order_relaxed);
  (void)before;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  if (t == 0) grp[a->threadgroup_position_in_grid.x] = atomic_load_explicit(cnt, memory_order_relaxed);
}

// Other atomic operations on one device int, single thread: exchange, CAS, and/or/xor/min.
KERNEL(k_atomic_ops) {
  atomic_int *x = (atomic_int *)args[0];
  int *out = (int *)args[1];
  atomic_store_explicit(x, 12, memory_order_relaxed);
  out[0] = atomic_exchange_explicit(x, 10, memory_order_relaxed);  // 12
  int expected = 7;
  out[1] = atomic_compare_exchange_weak_explicit(x, &expected, 20, memory_order_relaxed,
                                                 memory_order_relaxed);  // false
  out[2] = expected;                                                     // 10
  out[3] = atomic_compare_exchange_weak_explicit(x, &expected, 20, memory_order_relaxed,
                                                 memory_order_relaxed);  // true
  out[4] = atomic_fetch_and_explicit(x, 6, memory_order_relaxed);        // 20 -> 4
  out[5] = atomic_fetch_or_explicit(x, 9, memory_order_relaxed);         // 4 -> 13
  out[6] = atomic_fetch_xor_explicit(x, 5, memory_order_relaxed);        // 13 -> 8
  out[7] = atomic_fetch_min_explicit(x, -3, memory_order_relaxed);       // 8 -> -3
  atomic_store_explicit(x, 0x7fffffff, memory_order_relaxed);
  atomic_fetch_add_explicit(x, 1, memory_order_relaxed);                 // wraps
  out[8] = atomic_load_explicit(x, memory_order_relaxed);
}

// Spin-wait on a flag nobody sets.
KERNEL(k_spin) {
  atomic_int *flag = (atomic_int *)args[0];
  while (atomic_load_explicit(flag, memory_order_relaxed) == 0) {
  }
}

// Thread 0 of each group waits for the last thread of its group (works only with yields).
KERNEL(k_spin_ok) {
  atomic_uint *flag = TG_ALLOC(atomic_uint, 1, 1);
  uint *out = (uint *)args[0];
  uint t = a->thread_index_in_threadgroup, n = a->threads_per_threadgroup.x;
  if (t == 0) atomic_store_explicit(flag, 0u, memory_order_relaxed);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  if (t == n - 1) atomic_store_explicit(flag, 42u, memory_order_relaxed);
  if (t == 0) {
    while (atomic_load_explicit(flag, memory_order_relaxed) != 42u) {
    }
    out[a->threadgroup_position_in_grid.x] = 1;
  }
}

// metalsim_fail from one thread in the middle of the grid.
KERNEL(k_fail) {
  if (a->thread_position_in_grid.x == 77) metalsim_fail("planted failure", "<source>", 3, 9);
  if (a->thread_position_in_grid.x == 77) ((uint *)args[0])[0] = 1;  // never reached
}

// Out-of-bounds write one past a 64-float threadgroup array (for the ASan test).
KERNEL(k_tg_oob) {
  float *buf = TG_ALLOC(float, 64, 1);
  uint t = a->thread_index_in_threadgroup;
  buf[t + 1] = 1.0f;
  threadgroup_barrier(mem_flags::mem_threadgroup);
  ((float *)args[0])[t] = buf[t];
}

// Big private array: a recursion that overflows a small fiber stack is not tested (it would
// SIGSEGV by design); this checks a 40 KiB private array fits the default 64 KiB stack.
KERNEL(k_private_array) {
  volatile float arr[10000];
  uint t = a->thread_index_in_threadgroup;
  for (int i = 0; i < 10000; i++) arr[i] = (float)(i + t);
  threadgroup_barrier(mem_flags::mem_none);
  float s = 0;
  for (int i = 0; i < 10000; i += 1000) s += arr[i];
  ((float *)args[0])[a->thread_position_in_grid.x] = s;
}

// 100 KB of private memory: overflows the default 64 KiB fiber stack into its guard.
KERNEL(k_stack_overflow) {
  volatile float arr[25000];
  uint t = a->thread_index_in_threadgroup;
  for (int i = 0; i < 25000; i++) arr[i] = (float)(i + t);
  threadgroup_barrier(mem_flags::mem_none);
  ((float *)args[0])[a->thread_position_in_grid.x] = arr[t];
}

// Thread 5 writes through a wild pointer (args[1] holds an unmapped address).
KERNEL(k_wild_write) {
  uint t = a->thread_position_in_grid.x;
  float *wild = *(float *const *)args[1];
  if (t == 5) wild[t] = 1.0f;
  ((float *)args[0])[t] = 2.0f;
}

// Integer division by a zero taken from memory (so the compiler cannot fold it).
KERNEL(k_div_zero) {
  const int *d = (const int *)args[0];
  int *out = (int *)args[1];
  uint t = a->thread_position_in_grid.x;
  out[t] = 100 / d[t];
}

// Thread 0 spins until SIMD group 1 has finished a simd_sum (SIMD groups progress
// independently; the spinning lane must not hold the other group's collective back).
KERNEL(k_spin_simd) {
  atomic_uint *flag = TG_ALLOC(atomic_uint, 1, 1);
  uint t = a->thread_index_in_threadgroup;
  if (t == 0) atomic_store_explicit(flag, 0u, memory_order_relaxed);
  threadgroup_barrier(mem_flags::mem_threadgroup);
  if (t == 0) {
    uint v;
    while ((v = atomic_load_explicit(flag, memory_order_relaxed)) == 0) {
    }
    ((uint *)args[0])[a->threadgroup_position_in_grid.x] = v;
  } else if (t >= 32) {
    uint s = simd_sum(1u);
    simdgroup_barrier(mem_flags::mem_none);
    if (t == 32) atomic_store_explicit(flag, s, memory_order_relaxed);
  }
}

// Never ends, but only ever waits at a barrier (no atomic, so no yield).
KERNEL(k_barrier_forever) {
  volatile uint *stop = (volatile uint *)args[0];
  while (*stop == 0) threadgroup_barrier(mem_flags::mem_none);
}

// Endless loop with no sync point and no atomic (the volatile read keeps it a real loop), in
// every threadgroup, so every worker (helpers included) has to be interrupted.
KERNEL(k_endless) {
  volatile const uint *stop = (volatile const uint *)args[0];
  uint t = a->thread_index_in_threadgroup;
  if (t == 3)
    while (*stop == 0) {
    }
}
