// Internal interface of libmetalsim_rt, shared by its translation units (not part of the C ABI,
// which is metalsim_rt.h): the runtime's types and shared state, one declaration per function
// that crosses a file, and the fiber-switch path. The switch path (switch_to_fiber,
// switch_to_sched, next_ready, leave) and the small helpers are `static inline` here: every file
// gets its own internal copy, which the compiler inlines or specialises as it did when the runtime
// was one file, so a switch costs what it cost then (tests/metalsim/runtime/bench_instructions.py
// measures it).
//
// Everything here has hidden visibility: only the extern "C" functions of metalsim_rt.h leave the
// shared object.
#ifndef METALSIM_RT_INTERNAL_H
#define METALSIM_RT_INTERNAL_H

#include "metalsim_rt.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "fiber.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define METALSIM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(METALSIM_ASAN)
#define METALSIM_ASAN 1
#endif
#ifndef METALSIM_ASAN
#define METALSIM_ASAN 0
#endif

#if METALSIM_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#pragma GCC visibility push(hidden)

namespace metalsim::rt {

constexpr uint32_t kMaxThreadsPerGroup = 1024;
constexpr size_t kTgMemLimit = 32768;
constexpr size_t kDefaultStack = 64 * 1024;
constexpr int kSimdWidth = 32;
constexpr int kQuadWidth = 4;
constexpr size_t kMaxCollectiveBytes = 256;  // per lane; the largest MSL vector is 32 bytes
constexpr int kMaxTgSites = 64;
// Guard below each fiber stack. Bigger than a page so that a large private array whose frame
// jumps past the bottom still faults here rather than writing into the neighbouring stack; it is
// address space only (PROT_NONE, never backed by memory).
constexpr size_t kGuardBytes = 256 * 1024;

enum FiberState : uint8_t { F_READY, F_BARRIER, F_COLLECTIVE, F_DONE, F_FAILED };

struct Site {
  const char *file;
  int line, col;
};

static inline bool same_site(const Site &a, const Site &b) {
  if (a.line != b.line || a.col != b.col) return false;
  if (a.file == b.file) return true;
  if (!a.file || !b.file) return false;
  return strcmp(a.file, b.file) == 0;
}

struct Worker;

struct Fiber {
  msim_ctx ctx;
  char *map_base;  // mmap base; the lowest kGuardBytes are the PROT_NONE guard
  size_t map_size;
  Worker *w;
  metalsim_thread_attrs attrs;
  FiberState state;
  int scope;  // barrier: 0 threadgroup, 1 simdgroup; collective: 0 SIMD group, 1 quad
  Site site;
  const void *value;
  size_t size;
  void *out_lanes;
  uint64_t *out_mask;
#if METALSIM_ASAN
  void *fake_stack;
#endif
};

struct TgSite {
  int id;
  void *ptr;
};

struct Launch {
  metalsim_entry_fn fn;
  void *const *args;
  uint32_t grid[3], tg[3], ngroups[3];
  uint64_t total_groups;
  uint64_t perm_a, perm_b;  // group order for the random schedule: (a*k + b) mod total
  int schedule;
  uint64_t seed;
  int strict;
  int use_fibers;
  size_t stack_size;
  double watchdog_seconds;
  uint64_t deadline_ns;  // 0 = no watchdog
  int nworkers;
  uint64_t next_group;  // atomic counter
  int abort;            // atomic flag: an error was recorded, everybody stops
  pthread_mutex_t err_mu;
  char err[4096];
};

struct Worker {
  int index;
  pthread_t thread;
  // fibers, reused across threadgroups and launches
  Fiber *fibers;
  uint32_t nfibers;  // fibers with a mapped stack
  size_t stack_size;
  msim_ctx sched_ctx;
  Fiber *cur;  // running fiber, null in the scheduler or in plain mode
  const metalsim_thread_attrs *cur_attrs;
  metalsim_thread_attrs plain_attrs;
  jmp_buf plain_jmp;  // plain mode: metalsim_fail jumps back to the threadgroup loop
  bool in_plain;
  pthread_t os_thread;  // the OS thread running this worker in the current launch
  int in_work;          // atomic: inside work() for the current launch (watchdog pokes it)
  // current threadgroup
  uint32_t n;       // threads in the group
  uint32_t nready;  // fibers in F_READY
  uint32_t ndone;
  uint32_t ncollective;
  uint32_t nsimdbar;  // fibers waiting at a simdgroup_barrier
  uint64_t group_linear;
  uint32_t *order;
  uint32_t pos;  // index in order[] of the running fiber, within the current round
  bool from_sched;  // ASan: the switch into a fiber came from the scheduler's stack
  uint64_t rng;
  uint64_t yields;
  uint64_t seen_gen;  // helper: last pool generation it served
  // threadgroup memory
  unsigned char *arena;
  size_t arena_used;
  TgSite sites[kMaxTgSites];
  int nsites;
#if METALSIM_ASAN
  const void *sched_stack_bottom;
  size_t sched_stack_size;
#endif
};

// The launch in progress (abi.cpp), one at a time.
extern Launch g_launch;
extern pthread_mutex_t g_launch_mu;

// Worker pool (pool.cpp). Worker 0 is whichever thread calls metalsim_launch; 1..n-1 are helpers.
extern Worker **g_workers;
extern int g_nworkers;  // allocated Worker objects (index 0 included)

// The worker running on this OS thread, null outside a launch (groups.cpp).
extern __attribute__((tls_model("initial-exec"))) __thread Worker *tl_worker;

// ---------------------------------------------------------------------------------------------
// small helpers

static inline uint64_t now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static inline uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

static inline int load_flag(const int *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

static inline const char *barrier_name(int scope) {
  return scope ? "simdgroup_barrier" : "threadgroup_barrier";
}

// ---------------------------------------------------------------------------------------------
// errors.cpp: messages and the end of a failed launch

// Appends "file:line:col" (or "<unknown location>") to buf.
void fmt_site(char *buf, size_t len, const Site &s);
void fmt_thread(char *buf, size_t len, const metalsim_thread_attrs *a);
void describe_group(const Worker *w, char *buf, size_t len);
// Records the first error of the launch and raises the abort flag. Later errors are dropped:
// they are usually consequences of the first.
__attribute__((format(printf, 1, 2))) void record_error(const char *fmt, ...);
// Ends the current thread's participation in the launch after an error (never returns).
[[noreturn]] void escape(Worker *w);

// ---------------------------------------------------------------------------------------------
// fibers.cpp: fiber stacks and the body of every fiber

// Makes sure fibers[0..n) have stacks of the launch's size. Returns false (error recorded) if
// the memory cannot be mapped.
bool ensure_fibers(Worker *w, uint32_t n, size_t stack_size);
void fiber_main(void *arg);

// ---------------------------------------------------------------------------------------------
// faults.cpp: signal handlers and the watchdog thread (no-ops under ASan)

void locate_kernel_object(metalsim_entry_fn fn);
void ensure_altstack();
void install_fault_handler();
bool signals_installed();
void watchdog_arm(uint64_t deadline);
void watchdog_disarm();
// After fork(): the watchdog thread did not survive; forget it.
void faults_after_fork();

// ---------------------------------------------------------------------------------------------
// scheduler.cpp: resolution when no fiber can run

// Resolves every (SIMD group or quad, call site) group of lanes waiting at a collective, in
// quiet SIMD groups.
bool resolve_collectives(Worker *w);
// Releases simdgroup_barriers: per SIMD group, when every live lane waits at the same one.
// Returns 1 if something was released, 0 if nothing to do, -1 on error (recorded).
int resolve_simd_barriers(Worker *w);
// Called when no fiber is ready. Returns true if some fiber became ready, false on error.
bool resolve(Worker *w);

// ---------------------------------------------------------------------------------------------
// groups.cpp: running threadgroups

// Runs threadgroups of the current launch on worker w until none is left or the launch fails.
void work(Worker *w);

// ---------------------------------------------------------------------------------------------
// pool.cpp: worker pool

// Runs the current launch on nw workers: the calling thread is worker 0, helpers 1..nw-1.
// Returns when all have finished (or at once, error recorded, if the pool cannot grow).
void run_workers(int nw);
int default_workers();

// ---------------------------------------------------------------------------------------------
// the fiber-switch path (inline: see the top of this file)

// Switches from the scheduler into fiber f (returns when the round ends: some fiber switches
// back to the scheduler).
static inline void switch_to_fiber(Worker *w, Fiber *f) {
  w->cur = f;
  w->cur_attrs = &f->attrs;
#if METALSIM_ASAN
  w->from_sched = true;
  void *fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, f->map_base + kGuardBytes, f->map_size - kGuardBytes);
  msim_ctx_switch(&w->sched_ctx, &f->ctx);
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#else
  msim_ctx_switch(&w->sched_ctx, &f->ctx);
#endif
  w->cur = nullptr;
  w->cur_attrs = nullptr;
}

// Switches from fiber f back to the scheduler. `final` = f will never be resumed.
static inline void switch_to_sched(Worker *w, Fiber *f, bool final) {
#if METALSIM_ASAN
  __sanitizer_start_switch_fiber(final ? nullptr : &f->fake_stack, w->sched_stack_bottom,
                                 w->sched_stack_size);
  msim_ctx_switch(&f->ctx, &w->sched_ctx);
  __sanitizer_finish_switch_fiber(f->fake_stack, nullptr, nullptr);
#else
  (void)final;
  msim_ctx_switch(&f->ctx, &w->sched_ctx);
#endif
}

// Next fiber of the current round: the first ready one after the running one in order[].
static inline Fiber *next_ready(Worker *w) {
  for (uint32_t k = w->pos + 1; k < w->n; k++) {
    Fiber *f = &w->fibers[w->order[k]];
    if (f->state == F_READY) {
      w->pos = k;
      return f;
    }
  }
  return nullptr;
}

// Fiber f stops running (blocked, yielded or finished): switch straight to the next ready fiber
// of the round, or back to the scheduler when the round is over. One switch instead of two.
// `final` = f will never be resumed.
static inline void leave(Worker *w, Fiber *f, bool final) {
  Fiber *nx = load_flag(&g_launch.abort) ? nullptr : next_ready(w);
  if (!nx) {
    switch_to_sched(w, f, final);
    return;
  }
  w->cur = nx;
  w->cur_attrs = &nx->attrs;
#if METALSIM_ASAN
  w->from_sched = false;
  __sanitizer_start_switch_fiber(final ? nullptr : &f->fake_stack, nx->map_base + kGuardBytes,
                                 nx->map_size - kGuardBytes);
  msim_ctx_switch(&f->ctx, &nx->ctx);
  __sanitizer_finish_switch_fiber(f->fake_stack, nullptr, nullptr);
#else
  (void)final;
  msim_ctx_switch(&f->ctx, &nx->ctx);
#endif
}

}  // namespace metalsim::rt

#pragma GCC visibility pop

#endif
