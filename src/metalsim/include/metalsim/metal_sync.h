// MSL synchronisation: mem_flags, threadgroup_barrier, simdgroup_barrier, atomic_thread_fence.
// Owned by the runtime layer. Each barrier passes its call site (file/line/column of the call in
// the kernel source) so the runtime can tell barriers apart and name them in diagnostics.
#ifndef METALSIM_METAL_SYNC_H
#define METALSIM_METAL_SYNC_H

#include "../../runtime/metalsim_rt.h"

namespace metal {

enum class mem_flags : unsigned {
  mem_none = 0,
  mem_device = 1,
  mem_threadgroup = 2,
  mem_texture = 4,
  mem_threadgroup_imageblock = 8,
  mem_object_data = 16,
};
constexpr mem_flags operator|(mem_flags a, mem_flags b) {
  return mem_flags(unsigned(a) | unsigned(b));
}
constexpr mem_flags operator&(mem_flags a, mem_flags b) {
  return mem_flags(unsigned(a) & unsigned(b));
}

// MSL lists relaxed and seq_cst (acquire/release/acq_rel since Metal 3.2 for fences).
enum memory_order {
  memory_order_relaxed,
  memory_order_acquire,
  memory_order_release,
  memory_order_acq_rel,
  memory_order_seq_cst,
};

enum thread_scope {
  thread_scope_thread,
  thread_scope_simdgroup,
  thread_scope_threadgroup,
  thread_scope_device,
};

// All threads of the threadgroup must reach the same call. Threads that returned do not hold it
// (Apple silicon), unless the launch uses strict barriers.
inline void threadgroup_barrier(mem_flags flags, const char *__file = __builtin_FILE(),
                                int __line = __builtin_LINE(), int __col = __builtin_COLUMN()) {
  (void)flags;
  metalsim_barrier(0, __file, __line, __col);
}

inline void simdgroup_barrier(mem_flags flags, const char *__file = __builtin_FILE(),
                              int __line = __builtin_LINE(), int __col = __builtin_COLUMN()) {
  (void)flags;
  metalsim_barrier(1, __file, __line, __col);
}

// Fibers of one threadgroup share an OS thread, and threadgroups on other workers get a real
// hardware fence.
inline void atomic_thread_fence(mem_flags flags, memory_order order,
                                thread_scope scope = thread_scope_device) {
  (void)flags;
  (void)order;
  (void)scope;
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

}  // namespace metal

#endif
