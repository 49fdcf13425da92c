// How a launch fails: the messages that name a site, a thread or a group; the first error of the
// launch; leaving kernel code once an error is recorded.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "rt_internal.h"

namespace metalsim::rt {

void fmt_site(char *buf, size_t len, const Site &s) {
  if (s.file && s.line > 0)
    snprintf(buf, len, "%s:%d:%d", s.file, s.line, s.col);
  else if (s.file)
    snprintf(buf, len, "%s", s.file);
  else
    snprintf(buf, len, "<unknown location>");
}

void fmt_thread(char *buf, size_t len, const metalsim_thread_attrs *a) {
  if (!a) {
    snprintf(buf, len, "outside any kernel thread");
    return;
  }
  snprintf(buf, len,
           "thread_position_in_grid (%u, %u, %u), threadgroup_position_in_grid (%u, %u, %u), "
           "thread_index_in_threadgroup %u",
           a->thread_position_in_grid.x, a->thread_position_in_grid.y,
           a->thread_position_in_grid.z, a->threadgroup_position_in_grid.x,
           a->threadgroup_position_in_grid.y, a->threadgroup_position_in_grid.z,
           a->thread_index_in_threadgroup);
}

void describe_group(const Worker *w, char *buf, size_t len) {
  const metalsim_thread_attrs &a = w->fibers[0].attrs;
  snprintf(buf, len, "threadgroup_position_in_grid (%u, %u, %u)", a.threadgroup_position_in_grid.x,
           a.threadgroup_position_in_grid.y, a.threadgroup_position_in_grid.z);
}

__attribute__((format(printf, 1, 2))) void record_error(const char *fmt, ...) {
  Launch &L = g_launch;
  pthread_mutex_lock(&L.err_mu);
  if (!L.err[0]) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L.err, sizeof L.err, fmt, ap);
    va_end(ap);
  }
  pthread_mutex_unlock(&L.err_mu);
  __atomic_store_n(&L.abort, 1, __ATOMIC_RELEASE);
}

[[noreturn]] void escape(Worker *w) {
  if (w->cur) {
    Fiber *f = w->cur;
    f->state = F_FAILED;
    switch_to_sched(w, f, true);
    __builtin_trap();
  }
  if (w->in_plain) _longjmp(w->plain_jmp, 1);
  // Not inside a kernel thread of this launch: nothing to unwind to.
  fprintf(stderr, "metalsim: fatal: %s\n", g_launch.err);
  abort();
}

}  // namespace metalsim::rt
