// The C ABI of metalsim_rt.h: metalsim_launch (checks the request, sets up the launch, runs it on
// the pool) and the functions compiled kernels call (threadgroup memory, barriers, collectives,
// atomics' yield, metalsim_fail).
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

#define MSIM_EXPORT extern "C" __attribute__((visibility("default")))
#define MSIM_ABI_VERSION "1"

namespace metalsim::rt {

Launch g_launch;
pthread_mutex_t g_launch_mu = PTHREAD_MUTEX_INITIALIZER;  // one launch at a time

}  // namespace metalsim::rt

using namespace metalsim::rt;

static uint64_t gcd_u64(uint64_t a, uint64_t b) {
  while (b) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

MSIM_EXPORT const char *metalsim_runtime_info(void) {
  static char buf[96];
  snprintf(buf, sizeof buf, "metalsim_rt %s %s%s", MSIM_ABI_VERSION, msim_ctx_backend(),
           METALSIM_ASAN ? " asan" : "");
  return buf;
}

MSIM_EXPORT int metalsim_launch(metalsim_entry_fn fn, void *const *args, const uint32_t grid[3],
                                const uint32_t threadgroup[3], const metalsim_launch_options *opt,
                                char *err, size_t errlen) {
  if (err && errlen) err[0] = 0;
  auto fail_now = [&](const char *msg) {
    if (err && errlen) snprintf(err, errlen, "%s", msg);
    return 1;
  };
  if (!fn) return fail_now("metalsim_launch: null kernel entry");
  metalsim_launch_options defaults;
  memset(&defaults, 0, sizeof defaults);
  defaults.use_fibers = 1;
  if (!opt) opt = &defaults;
  char msg[512];
  uint64_t tgsize = (uint64_t)threadgroup[0] * threadgroup[1] * threadgroup[2];
  // MLX checks the unclamped size, with this exact text (double space included).
  if (tgsize > kMaxThreadsPerGroup) {
    snprintf(msg, sizeof msg,
             "Thread group size (%llu) is greater than  the maximum allowed threads per "
             "threadgroup (%u).",
             (unsigned long long)tgsize, kMaxThreadsPerGroup);
    return fail_now(msg);
  }
  if (threadgroup[0] == 0 || threadgroup[1] == 0 || threadgroup[2] == 0) {
    snprintf(msg, sizeof msg, "threadgroup size (%u, %u, %u) must be positive in every dimension",
             threadgroup[0], threadgroup[1], threadgroup[2]);
    return fail_now(msg);
  }
  if (opt->schedule < 0 || opt->schedule > 2) return fail_now("metalsim_launch: bad schedule");
  if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0) return 0;  // nothing to run, as on Metal

  pthread_mutex_lock(&g_launch_mu);
  Launch &L = g_launch;
  L.fn = fn;
  L.args = args;
  uint64_t groups = 1;
  for (int d = 0; d < 3; d++) {
    L.grid[d] = grid[d];
    L.tg[d] = threadgroup[d] < grid[d] ? threadgroup[d] : grid[d];  // MLX clamps per dimension
    L.ngroups[d] = ceil_div(grid[d], L.tg[d]);
    groups *= L.ngroups[d];
  }
  L.total_groups = groups;
  L.schedule = opt->schedule;
  L.seed = opt->seed;
  L.strict = opt->strict_barriers;
  L.use_fibers = opt->use_fibers;
  L.stack_size = opt->stack_size ? opt->stack_size : kDefaultStack;
  if (L.stack_size < 16384) L.stack_size = 16384;
  L.watchdog_seconds = opt->watchdog_seconds;
  L.deadline_ns = opt->watchdog_seconds > 0
                      ? now_ns() + (uint64_t)(opt->watchdog_seconds * 1e9)
                      : 0;
  L.next_group = 0;
  L.abort = 0;
  L.err[0] = 0;
  if (L.schedule == 2) {
    uint64_t s = L.seed ^ 0xD1B54A32D192ED03ull;
    L.perm_b = splitmix(&s) % groups;
    L.perm_a = 1;
    if (groups > 2) {
      do L.perm_a = splitmix(&s) % groups; while (L.perm_a == 0 || gcd_u64(L.perm_a, groups) != 1);
    }
  }
  int nw = opt->workers > 0 ? opt->workers : default_workers();
  if (nw > 256) nw = 256;
  if ((uint64_t)nw > groups) nw = (int)groups;
  L.nworkers = nw;

  locate_kernel_object(fn);
  install_fault_handler();
  bool watchdog = L.deadline_ns && signals_installed();
  sigset_t urg, saved_mask;
  sigemptyset(&urg);
  sigaddset(&urg, SIGURG);
  if (watchdog) {
    pthread_sigmask(SIG_UNBLOCK, &urg, &saved_mask);  // the caller is worker 0: keep it pokeable
    watchdog_arm(L.deadline_ns);
  }
  run_workers(nw);
  if (watchdog) {
    watchdog_disarm();
    pthread_sigmask(SIG_SETMASK, &saved_mask, nullptr);
  }
  int rc = 0;
  if (L.abort || L.err[0]) {
    rc = 1;
    if (err && errlen) snprintf(err, errlen, "%s", L.err[0] ? L.err : "kernel failed");
  }
  L.fn = nullptr;
  L.args = nullptr;
  pthread_mutex_unlock(&g_launch_mu);
  return rc;
}

MSIM_EXPORT const metalsim_thread_attrs *metalsim_current(void) {
  Worker *w = tl_worker;
  return w ? w->cur_attrs : nullptr;
}

static void *tg_alloc_impl(int site_id, size_t size, size_t align, const char *file, int line,
                           int col) {
  Worker *w = tl_worker;
  if (!w || !w->cur_attrs) {
    fprintf(stderr, "metalsim: threadgroup memory requested outside a kernel launch\n");
    abort();
  }
  for (int i = 0; i < w->nsites; i++)
    if (w->sites[i].id == site_id) return w->sites[i].ptr;
  // Metal hands out threadgroup memory in 16-byte units, so a `threadgroup float buf[N]` may be
  // read through a float4 pointer: align every declaration to at least 16.
  if (align < 16) align = 16;
  if (align > 4096 || (align & (align - 1))) {
    metalsim_fail("threadgroup memory alignment must be a power of two <= 4096", file, line, col);
  }
  size_t off = (w->arena_used + align - 1) & ~(align - 1);
  size_t total = off + size;
  if (total > kTgMemLimit || size > kTgMemLimit) {
    char msg[256];
    snprintf(msg, sizeof msg,
             "threadgroup memory of %zu bytes exceeds the limit of %zu bytes (this declaration "
             "needs %zu bytes)",
             size > kTgMemLimit ? size + off : total, kTgMemLimit, size);
    metalsim_fail(msg, file, line, col);
  }
  if (w->nsites == kMaxTgSites) {
    metalsim_fail("too many threadgroup memory declarations (metalsim supports 64)", file, line,
                  col);
  }
#if METALSIM_ASAN
  void *p = nullptr;
  if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size ? size : 1) != 0)
    metalsim_fail("out of memory for threadgroup memory", file, line, col);
#else
  void *p = w->arena + off;
#endif
  memset(p, 0xFF, size);  // poison: unwritten floats read as NaN, ints as -1
  w->arena_used = total;
  w->sites[w->nsites].id = site_id;
  w->sites[w->nsites].ptr = p;
  w->nsites++;
  return p;
}

MSIM_EXPORT void *metalsim_tg_alloc(int site_id, size_t size, size_t align) {
  return tg_alloc_impl(site_id, size, align, nullptr, 0, 0);
}

MSIM_EXPORT void *metalsim_tg_alloc_at(int site_id, size_t size, size_t align, const char *file,
                                       int line, int col) {
  return tg_alloc_impl(site_id, size, align, file, line, col);
}

MSIM_EXPORT void metalsim_fail(const char *message, const char *file, int line, int col) {
  Worker *w = tl_worker;
  char where[512], th[256];
  Site s = {file, line, col};
  fmt_site(where, sizeof where, s);
  fmt_thread(th, sizeof th, w ? w->cur_attrs : nullptr);
  if (file)
    record_error("%s: %s (%s)", where, message, th);
  else
    record_error("%s (%s)", message, th);
  if (!w) {
    fprintf(stderr, "metalsim: fatal outside a launch: %s\n", message);
    abort();
  }
  escape(w);
}

static void need_fiber(Worker *w, const char *what, const char *file, int line, int col) {
  if (!w || !w->cur) {
    char msg[256];
    snprintf(msg, sizeof msg,
             "%s called in a kernel launched without fibers (use_fibers=0); the compiler must "
             "mark kernels with barriers, SIMD-group functions or threadgroup atomics as "
             "uses_sync",
             what);
    metalsim_fail(msg, file, line, col);
  }
}

MSIM_EXPORT void metalsim_barrier(int scope, const char *file, int line, int col) {
  Worker *w = tl_worker;
  if (w && !w->cur && w->in_plain && w->n == 1) return;  // a lone thread needs no barrier
  need_fiber(w, barrier_name(scope), file, line, col);
  Fiber *f = w->cur;
  f->state = F_BARRIER;
  f->scope = scope ? 1 : 0;
  f->site = {file, line, col};
  w->nready--;
  if (f->scope) w->nsimdbar++;
  leave(w, f, false);
}

MSIM_EXPORT void metalsim_collective(int scope, const void *value, size_t size, const char *file,
                                     int line, int col, void *out_lanes, uint64_t *out_mask) {
  Worker *w = tl_worker;
  need_fiber(w, "a SIMD-group or quad-group function", file, line, col);
  if (size > kMaxCollectiveBytes)
    metalsim_fail("SIMD-group function argument larger than 256 bytes", file, line, col);
  Fiber *f = w->cur;
  f->state = F_COLLECTIVE;
  f->scope = scope ? 1 : 0;
  f->site = {file, line, col};
  f->value = value;
  f->size = size;
  f->out_lanes = out_lanes;
  f->out_mask = out_mask;
  w->nready--;
  w->ncollective++;
  leave(w, f, false);
}

MSIM_EXPORT void metalsim_yield(void) {
  Worker *w = tl_worker;
  if (!w) return;
  const Launch &L = g_launch;
  if (load_flag(&L.abort)) escape(w);  // another thread failed: stop spinning
  if ((++w->yields & 255) == 0 && L.deadline_ns && now_ns() > L.deadline_ns) {
    char msg[1024];
    snprintf(msg, sizeof msg,
             "watchdog: the kernel is still running after %g s (watchdog_seconds); a thread keeps "
             "spinning on an atomic that never reaches the value it waits for. In the emulator, "
             "threads switch only at barriers, SIMD-group functions and atomics, and "
             "threadgroups run on %d worker thread(s), so a spin-wait on another thread or "
             "threadgroup may never be satisfied. Raise watchdog_seconds if the kernel is just "
             "slow.",
             L.watchdog_seconds, L.nworkers);
    metalsim_fail(msg, nullptr, 0, 0);
  }
  if (w->cur) leave(w, w->cur, false);  // stays F_READY: runs again next round
}
