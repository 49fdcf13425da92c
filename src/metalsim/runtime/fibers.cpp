// Fiber stacks (mapped once per worker, reused across groups and launches, each above a
// PROT_NONE guard) and the body every fiber runs. The switches between fibers are inline in
// rt_internal.h.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rt_internal.h"

namespace metalsim::rt {

static size_t page_size() {
  static size_t ps = 0;
  if (!ps) ps = (size_t)sysconf(_SC_PAGESIZE);
  return ps;
}

static void unmap_fibers(Worker *w) {
  for (uint32_t i = 0; i < w->nfibers; i++) {
    if (w->fibers[i].map_base) munmap(w->fibers[i].map_base, w->fibers[i].map_size);
    w->fibers[i].map_base = nullptr;
  }
  w->nfibers = 0;
}

bool ensure_fibers(Worker *w, uint32_t n, size_t stack_size) {
  if (!w->fibers) {
    w->fibers = (Fiber *)calloc(kMaxThreadsPerGroup, sizeof(Fiber));
    if (!w->fibers) {
      record_error("metalsim: out of memory allocating fibers");
      return false;
    }
  }
  if (w->stack_size != stack_size) {
    unmap_fibers(w);
    w->stack_size = stack_size;
  }
  size_t ps = page_size();
  size_t usable = (stack_size + ps - 1) / ps * ps;
  while (w->nfibers < n) {
    Fiber *f = &w->fibers[w->nfibers];
    size_t total = usable + kGuardBytes;
    void *m = mmap(nullptr, total, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE
#ifdef MAP_STACK
                       | MAP_STACK
#endif
                   ,
                   -1, 0);
    if (m == MAP_FAILED) {
      record_error("metalsim: cannot map a %zu-byte fiber stack: %s", total, strerror(errno));
      return false;
    }
    mprotect(m, kGuardBytes, PROT_NONE);  // a stack overflow faults instead of corrupting
    f->map_base = (char *)m;
    f->map_size = total;
    f->w = w;
    w->nfibers++;
  }
  return true;
}

void fiber_main(void *arg) {
  Fiber *f = (Fiber *)arg;
  Worker *w = f->w;
#if METALSIM_ASAN
  const void *bottom = nullptr;
  size_t size = 0;
  __sanitizer_finish_switch_fiber(nullptr, &bottom, &size);
  if (w->from_sched) {  // remember the scheduler's stack for switches back to it
    w->sched_stack_bottom = bottom;
    w->sched_stack_size = size;
  }
#endif
  g_launch.fn(g_launch.args, &f->attrs);
  f->state = F_DONE;
  w->nready--;
  w->ndone++;
  leave(w, f, true);
  __builtin_trap();  // never resumed
}

}  // namespace metalsim::rt
