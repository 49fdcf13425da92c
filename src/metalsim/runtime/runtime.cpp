// libmetalsim_rt: runs the threads of an MSL compute grid on a CPU.
//
// Threadgroups are spread over a pool of worker OS threads (the calling thread is worker 0).
// Inside a worker the threads of one threadgroup run as fibers that switch only at barriers,
// SIMD/quad collectives and atomics (metalsim_yield). When no fiber can run, the scheduler
// resolves waiting collectives, then releases a barrier, else reports why the group is stuck.
// Kernels without sync points run as plain calls (use_fibers = 0).
//
// Only libc and pthreads are used (no C++ runtime), so the library links with any clang.
#include "metalsim_rt.h"

#include <dlfcn.h>
#if defined(__linux__)
#include <link.h>
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <ucontext.h>  // fault_pc(); macOS only offers it with _XOPEN_SOURCE
#endif

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

#define MSIM_EXPORT extern "C" __attribute__((visibility("default")))
#define MSIM_ABI_VERSION "1"

namespace {

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

static bool same_site(const Site &a, const Site &b) {
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

Launch g_launch;
pthread_mutex_t g_launch_mu = PTHREAD_MUTEX_INITIALIZER;  // one launch at a time

// Worker pool. Worker 0 is whichever thread calls metalsim_launch; 1..n-1 are helpers.
pthread_mutex_t g_pool_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t g_pool_cv = PTHREAD_COND_INITIALIZER;
pthread_cond_t g_done_cv = PTHREAD_COND_INITIALIZER;
uint64_t g_pool_gen;
int g_pool_pending;
Worker **g_workers;
int g_nworkers;     // allocated Worker objects (index 0 included)
int g_nhelpers_up;  // helper threads running (indices 1..g_nhelpers_up)

__attribute__((tls_model("initial-exec"))) __thread Worker *tl_worker;

// ---------------------------------------------------------------------------------------------
// small helpers

uint64_t now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t gcd_u64(uint64_t a, uint64_t b) {
  while (b) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1) / b; }

int load_flag(const int *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

// Appends "file:line:col" (or "<unknown location>") to buf.
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

// Records the first error of the launch and raises the abort flag. Later errors are dropped:
// they are usually consequences of the first.
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

// ---------------------------------------------------------------------------------------------
// fibers

size_t page_size() {
  static size_t ps = 0;
  if (!ps) ps = (size_t)sysconf(_SC_PAGESIZE);
  return ps;
}

void unmap_fibers(Worker *w) {
  for (uint32_t i = 0; i < w->nfibers; i++) {
    if (w->fibers[i].map_base) munmap(w->fibers[i].map_base, w->fibers[i].map_size);
    w->fibers[i].map_base = nullptr;
  }
  w->nfibers = 0;
}

// Makes sure fibers[0..n) have stacks of the launch's size. Returns false (error recorded) if
// the memory cannot be mapped.
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

// Switches from the scheduler into fiber f (returns when the round ends: some fiber switches
// back to the scheduler).
inline void switch_to_fiber(Worker *w, Fiber *f) {
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
inline void switch_to_sched(Worker *w, Fiber *f, bool final) {
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
inline Fiber *next_ready(Worker *w) {
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
inline void leave(Worker *w, Fiber *f, bool final) {
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

// ---------------------------------------------------------------------------------------------
// Faults in kernel code end the launch with a message instead of killing the process:
// - SIGSEGV/SIGBUS in the guard below the running fiber's stack: fiber stack overflow;
// - SIGSEGV/SIGBUS/SIGFPE whose faulting instruction lies in the kernel's shared object: an
//   invalid memory access or an integer division by zero (undefined, but not fatal, on a GPU).
// Any other fault goes to the previous handler (Python's faulthandler, or the default action).
// Not used under ASan, which owns SIGSEGV and reports such accesses itself.

#if !METALSIM_ASAN
struct sigaction g_old_segv, g_old_bus, g_old_fpe;
bool g_signals_installed;
__attribute__((tls_model("initial-exec"))) __thread bool tl_altstack_checked;

[[noreturn]] void escape(Worker *w);

void chain_signal(int sig, siginfo_t *si, void *uc) {
  struct sigaction *old = sig == SIGBUS ? &g_old_bus : sig == SIGFPE ? &g_old_fpe : &g_old_segv;
  if (old->sa_flags & SA_SIGINFO) {
    if (old->sa_sigaction) old->sa_sigaction(sig, si, uc);
    return;
  }
  if (old->sa_handler == SIG_DFL || old->sa_handler == SIG_IGN) {
    sigaction(sig, old, nullptr);  // returning re-executes the access: default action
    return;
  }
  old->sa_handler(sig);
}

uintptr_t fault_pc(void *uc) {
#if defined(__linux__) && defined(__x86_64__)
  return (uintptr_t)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
#elif defined(__linux__) && defined(__aarch64__)
  return (uintptr_t)((ucontext_t *)uc)->uc_mcontext.pc;
#else
  (void)uc;
  return 0;
#endif
}

// Address range of the shared object holding the kernel entry, found once per entry outside
// any signal handler, so that the handlers only compare numbers (async-signal-safe).
struct KernelObject {
  metalsim_entry_fn fn;
  uintptr_t lo, hi, base;
  const char *name;
};
KernelObject g_kobj;

#if defined(__linux__)
int find_object_cb(struct dl_phdr_info *info, size_t, void *data) {
  uintptr_t target = (uintptr_t)data;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  bool hit = false;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) &ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    uintptr_t a = info->dlpi_addr + ph.p_vaddr, b = a + ph.p_memsz;
    if (a < lo) lo = a;
    if (b > hi) hi = b;
    if (target >= a && target < b) hit = true;
  }
  if (!hit) return 0;
  g_kobj.lo = lo;
  g_kobj.hi = hi;
  g_kobj.base = info->dlpi_addr;
  g_kobj.name = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : "<kernel object>";
  return 1;
}
#endif

void locate_kernel_object(metalsim_entry_fn fn) {
  if (g_kobj.fn == fn) return;
  g_kobj = KernelObject{fn, 0, 0, 0, "?"};
#if defined(__linux__)
  dl_iterate_phdr(find_object_cb, (void *)fn);
#else
  Dl_info info;
  if (dladdr((void *)fn, &info) && info.dli_fbase) {
    // Without program headers: assume the object spans 64 MiB from its base (kernels are small).
    g_kobj.base = g_kobj.lo = (uintptr_t)info.dli_fbase;
    g_kobj.hi = g_kobj.lo + (64u << 20);
    g_kobj.name = info.dli_fname ? info.dli_fname : "?";
  }
#endif
}

// True if pc is inside the shared object that holds the kernel entry (kernel code proper, not
// libc or the runtime).
bool pc_in_kernel(uintptr_t pc) { return pc && pc >= g_kobj.lo && pc < g_kobj.hi; }

void fault_handler(int sig, siginfo_t *si, void *uc) {
  Worker *w = tl_worker;
  Fiber *f = w ? w->cur : nullptr;
  char *addr = (char *)si->si_addr;
  if (w && (f || w->in_plain) && sig != SIGFPE && !(f && addr >= f->map_base &&
                                                     addr < f->map_base + kGuardBytes)) {
    uintptr_t pc = fault_pc(uc);
    if (pc_in_kernel(pc)) {
      char th[256];
      fmt_thread(th, sizeof th, w->cur_attrs);
      const char *obj = g_kobj.name;
      uintptr_t off = pc - g_kobj.base;
      // x86 reports a general-protection fault (a misaligned aligned-vector load such as a
      // float4 through a cast pointer, or a non-canonical address) as SIGSEGV at address 0.
#ifdef SI_KERNEL
      bool gp = sig == SIGSEGV && addr == nullptr && si->si_code == SI_KERNEL;
#else
      bool gp = false;  // macOS reports misaligned accesses as SIGBUS with their address
#endif
      record_error(
          "invalid memory access: the kernel %s address %p (%s) at %s+0x%lx (%s).%s "
          "Out-of-bounds accesses are undefined on the GPU; rerun with sanitize=True "
          "(AddressSanitizer) to get the source line. Earlier stray writes may have corrupted "
          "other memory of this process.",
          sig == SIGBUS ? "accessed misaligned or unmapped" : "accessed invalid", (void *)addr,
          sig == SIGBUS ? "SIGBUS" : "SIGSEGV", obj, (unsigned long)off, th,
          gp ? " The CPU reported a general-protection fault, not a real address: most likely "
               "a vector access (float4, half4, ...) through a pointer that is not aligned to "
               "the vector's size, e.g. a cast of `x + 1`, or a wild pointer."
             : "");
      escape(w);
    }
  }
  if (w && (f || w->in_plain) && sig == SIGFPE && pc_in_kernel(fault_pc(uc))) {
    char th[256];
    fmt_thread(th, sizeof th, w->cur_attrs);
    record_error(
        "integer division by zero (or INT_MIN / -1) in the kernel (SIGFPE, %s). The result is "
        "undefined on the GPU, which does not trap; guard the divisor.",
        th);
    escape(w);
  }
  if (f && addr >= f->map_base && addr < f->map_base + kGuardBytes) {
    char th[256];
    fmt_thread(th, sizeof th, &f->attrs);
    record_error(
        "fiber stack overflow (%s): the kernel's private (thread) arrays and call depth need "
        "more than the %zu-byte fiber stack; raise LaunchOptions.stack_size (Metal itself "
        "offers far less private memory per thread)",
        th, f->map_size - kGuardBytes);
    escape(w);  // switches to the scheduler's stack; this signal frame is abandoned
  }
  chain_signal(sig, si, uc);
}

// The handler runs on an alternate stack (the faulting stack is unusable). Python's main thread
// may already have one (faulthandler); otherwise give the thread its own.
void ensure_altstack() {
  if (tl_altstack_checked) return;
  tl_altstack_checked = true;
  stack_t cur;
  if (sigaltstack(nullptr, &cur) == 0 && !(cur.ss_flags & SS_DISABLE) && cur.ss_size >= 16384)
    return;
  stack_t ss;
  ss.ss_size = 64 * 1024;
  ss.ss_sp = malloc(ss.ss_size);  // kept for the thread's lifetime
  ss.ss_flags = 0;
  if (ss.ss_sp) sigaltstack(&ss, nullptr);
}

// Watchdog poke (SIGURG, sent by the watchdog thread once the launch is past its deadline):
// a thread executing kernel code abandons it. Elsewhere (runtime, libm) it is ignored and the
// watchdog pokes again shortly.
struct sigaction g_old_urg;
void poke_handler(int sig, siginfo_t *si, void *uc) {
  Worker *w = tl_worker;
  if (w && (w->cur || w->in_plain) && load_flag(&g_launch.abort) && pc_in_kernel(fault_pc(uc)))
    escape(w);
  if ((g_old_urg.sa_flags & SA_SIGINFO) && g_old_urg.sa_sigaction)
    g_old_urg.sa_sigaction(sig, si, uc);
  else if (!(g_old_urg.sa_flags & SA_SIGINFO) && g_old_urg.sa_handler != SIG_DFL &&
           g_old_urg.sa_handler != SIG_IGN)
    g_old_urg.sa_handler(sig);
}

void install_fault_handler() {
  if (g_signals_installed || getenv("METALSIM_NO_SIGNAL_HANDLER")) return;
  g_signals_installed = true;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fault_handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &g_old_segv);
  sigaction(SIGBUS, &sa, &g_old_bus);
  sigaction(SIGFPE, &sa, &g_old_fpe);
  struct sigaction pk;
  memset(&pk, 0, sizeof pk);
  pk.sa_sigaction = poke_handler;
  pk.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
  sigemptyset(&pk.sa_mask);
  sigaction(SIGURG, &pk, &g_old_urg);
}

bool signals_installed() { return g_signals_installed; }

// The watchdog thread: once the running launch passes its deadline (plus a grace period that
// lets the cheaper in-thread checks report first), it records the error and pokes every worker
// until the launch ends. This stops endless loops that never reach a sync point or an atomic.
pthread_mutex_t g_wd_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t g_wd_cv = PTHREAD_COND_INITIALIZER;
bool g_wd_started, g_wd_active;
uint64_t g_wd_deadline;
// Bumped by every watchdog_arm. The thread acts only for the launch that armed it: a launch can
// end and the next one arm while the thread sleeps, and without this it would keep poking the
// new launch for the old one (its error already wiped) and never time the new one out.
uint64_t g_wd_gen;

void wd_wait_ns(uint64_t ns) {  // called with g_wd_mu held
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t t = (uint64_t)ts.tv_nsec + ns;
  ts.tv_sec += (time_t)(t / 1000000000ull);
  ts.tv_nsec = (long)(t % 1000000000ull);
  pthread_cond_timedwait(&g_wd_cv, &g_wd_mu, &ts);
}

void *watchdog_main(void *) {
  pthread_mutex_lock(&g_wd_mu);
  for (;;) {
    while (!g_wd_active) pthread_cond_wait(&g_wd_cv, &g_wd_mu);
    const uint64_t gen = g_wd_gen;
    auto armed = [gen] { return g_wd_active && g_wd_gen == gen; };
    uint64_t fire = g_wd_deadline + 500000000ull;  // grace: in-thread checks are more precise
    uint64_t now;
    while (armed() && (now = now_ns()) < fire) {
      uint64_t left = fire - now;
      wd_wait_ns(left < 100000000ull ? left : 100000000ull);
    }
    if (!armed()) continue;
    record_error(
        "watchdog: the kernel is still running after %g s (watchdog_seconds): an endless loop "
        "(a classic: an unsigned loop counter tested with >= 0) or a wait that never ends? "
        "Raise watchdog_seconds if the kernel is just slow.",
        g_launch.watchdog_seconds);
    while (armed()) {  // the launching thread clears it (under g_wd_mu) before returning
      for (int i = 0; i < g_launch.nworkers && i < g_nworkers; i++) {
        Worker *w = g_workers[i];
        if (__atomic_load_n(&w->in_work, __ATOMIC_ACQUIRE)) pthread_kill(w->os_thread, SIGURG);
      }
      wd_wait_ns(20000000ull);
    }
  }
  return nullptr;
}

void watchdog_arm(uint64_t deadline) {
  pthread_mutex_lock(&g_wd_mu);
  if (!g_wd_started) {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t t;
    g_wd_started = pthread_create(&t, nullptr, watchdog_main, nullptr) == 0;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (g_wd_started) pthread_detach(t);
  }
  g_wd_deadline = deadline;
  g_wd_gen++;
  g_wd_active = g_wd_started;
  pthread_cond_broadcast(&g_wd_cv);
  pthread_mutex_unlock(&g_wd_mu);
}

void watchdog_disarm() {
  pthread_mutex_lock(&g_wd_mu);
  g_wd_active = false;
  pthread_cond_broadcast(&g_wd_cv);
  pthread_mutex_unlock(&g_wd_mu);
}
#else
void locate_kernel_object(metalsim_entry_fn) {}
void ensure_altstack() {}
void install_fault_handler() {}
bool signals_installed() { return false; }
void watchdog_arm(uint64_t) {}
void watchdog_disarm() {}
#endif

// ---------------------------------------------------------------------------------------------
// threadgroup geometry

void group_template(const Launch &L, uint64_t linear, metalsim_thread_attrs *t, uint32_t act[3]) {
  uint32_t gx = (uint32_t)(linear % L.ngroups[0]);
  uint32_t gy = (uint32_t)((linear / L.ngroups[0]) % L.ngroups[1]);
  uint32_t gz = (uint32_t)(linear / ((uint64_t)L.ngroups[0] * L.ngroups[1]));
  uint32_t g[3] = {gx, gy, gz};
  for (int d = 0; d < 3; d++) {
    uint32_t start = g[d] * L.tg[d];
    uint32_t rem = L.grid[d] - start;
    act[d] = rem < L.tg[d] ? rem : L.tg[d];
  }
  memset(t, 0, sizeof *t);
  t->threadgroup_position_in_grid = {gx, gy, gz};
  t->threads_per_threadgroup = {act[0], act[1], act[2]};
  t->dispatch_threads_per_threadgroup = {L.tg[0], L.tg[1], L.tg[2]};
  t->threadgroups_per_grid = {L.ngroups[0], L.ngroups[1], L.ngroups[2]};
  t->threads_per_grid = {L.grid[0], L.grid[1], L.grid[2]};
  t->grid_origin = {0, 0, 0};
  t->grid_size = {L.grid[0], L.grid[1], L.grid[2]};
  uint32_t n = act[0] * act[1] * act[2];
  uint32_t nd = L.tg[0] * L.tg[1] * L.tg[2];
  t->simdgroups_per_threadgroup = ceil_div(n, kSimdWidth);
  t->dispatch_simdgroups_per_threadgroup = ceil_div(nd, kSimdWidth);
  t->threads_per_simdgroup = kSimdWidth;
  t->thread_execution_width = kSimdWidth;
  t->quadgroups_per_threadgroup = ceil_div(n, kQuadWidth);
  t->dispatch_quadgroups_per_threadgroup = ceil_div(nd, kQuadWidth);
}

// Fills the per-thread fields of *t for linear index i in a group of actual size act.
inline void thread_fields(const Launch &L, metalsim_thread_attrs *t, const uint32_t act[3],
                          uint32_t i) {
  uint32_t lx = i % act[0];
  uint32_t ly = (i / act[0]) % act[1];
  uint32_t lz = i / (act[0] * act[1]);
  t->thread_position_in_threadgroup = {lx, ly, lz};
  t->thread_position_in_grid = {t->threadgroup_position_in_grid.x * L.tg[0] + lx,
                                t->threadgroup_position_in_grid.y * L.tg[1] + ly,
                                t->threadgroup_position_in_grid.z * L.tg[2] + lz};
  t->thread_index_in_threadgroup = i;
  t->thread_index_in_simdgroup = i % kSimdWidth;
  t->simdgroup_index_in_threadgroup = i / kSimdWidth;
  t->thread_index_in_quadgroup = i % kQuadWidth;
  t->quadgroup_index_in_threadgroup = i / kQuadWidth;
}

void make_order(Worker *w, uint32_t n) {
  const Launch &L = g_launch;
  for (uint32_t i = 0; i < n; i++) w->order[i] = L.schedule == 1 ? n - 1 - i : i;
}

void shuffle_order(Worker *w, uint32_t n) {
  for (uint32_t i = n; i > 1; i--) {
    uint32_t j = (uint32_t)(splitmix(&w->rng) % i);
    uint32_t t = w->order[i - 1];
    w->order[i - 1] = w->order[j];
    w->order[j] = t;
  }
}

void reset_tg_memory(Worker *w) {
#if METALSIM_ASAN
  // Each declaration gets its own heap block so ASan puts red zones around it.
  for (int i = 0; i < w->nsites; i++) free(w->sites[i].ptr);
#endif
  w->nsites = 0;
  w->arena_used = 0;
}

// ---------------------------------------------------------------------------------------------
// scheduler: resolution when no fiber can run

const char *barrier_name(int scope) { return scope ? "simdgroup_barrier" : "threadgroup_barrier"; }

void describe_group(const Worker *w, char *buf, size_t len) {
  const metalsim_thread_attrs &a = w->fibers[0].attrs;
  snprintf(buf, len, "threadgroup_position_in_grid (%u, %u, %u)", a.threadgroup_position_in_grid.x,
           a.threadgroup_position_in_grid.y, a.threadgroup_position_in_grid.z);
}

// A SIMD group is quiet when none of its lanes can run: then the lanes waiting at a collective
// (or simdgroup_barrier) are all the lanes that will get there, whatever other SIMD groups do.
// SIMD groups progress independently, as on the GPU: a lane of another group spinning on an
// atomic does not hold them back.
bool simd_quiet(const Worker *w, uint32_t base, uint32_t end) {
  for (uint32_t i = base; i < end; i++)
    if (w->fibers[i].state == F_READY) return false;
  return true;
}

// Resolves every (SIMD group or quad, call site) group of lanes waiting at a collective, in
// quiet SIMD groups.
bool resolve_collectives(Worker *w) {
  alignas(16) unsigned char snap[kSimdWidth * kMaxCollectiveBytes];
  bool any = false;
  uint32_t n = w->n;
  for (uint32_t base = 0; base < n && w->ncollective; base += kSimdWidth) {
    uint32_t end = base + kSimdWidth < n ? base + kSimdWidth : n;
    if (!simd_quiet(w, base, end)) continue;
    uint32_t handled = 0;  // bit per lane of this SIMD group
    for (uint32_t i = base; i < end; i++) {
      Fiber *lead = &w->fibers[i];
      if (lead->state != F_COLLECTIVE || (handled >> (i - base) & 1)) continue;
      int scope = lead->scope;
      size_t size = lead->size;
      uint32_t width = scope == 0 ? kSimdWidth : kQuadWidth;
      uint32_t gbase = scope == 0 ? base : i - i % kQuadWidth;
      uint32_t gend = gbase + width < end ? gbase + width : end;
      memset(snap, 0, width * size);  // lanes that do not take part read zeros
      uint64_t mask = 0;
      uint32_t members[kSimdWidth];
      uint32_t nm = 0;
      for (uint32_t j = i; j < gend; j++) {
        Fiber *f = &w->fibers[j];
        if (f->state != F_COLLECTIVE || (handled >> (j - base) & 1)) continue;
        if (f->scope != scope || f->size != size || !same_site(f->site, lead->site)) continue;
        handled |= 1u << (j - base);
        uint32_t lane = j - gbase;
        mask |= 1ull << lane;
        if (size) memcpy(snap + lane * size, f->value, size);
        members[nm++] = j;
      }
      // Hand every member its own copy now, so a lane that runs ahead cannot change what the
      // others read.
      for (uint32_t k = 0; k < nm; k++) {
        Fiber *f = &w->fibers[members[k]];
        if (size && f->out_lanes) memcpy(f->out_lanes, snap, width * size);
        if (f->out_mask) *f->out_mask = mask;
        f->state = F_READY;
      }
      w->nready += nm;
      w->ncollective -= nm;
      any = true;
    }
  }
  return any;
}

// Releases simdgroup_barriers: per SIMD group, when every live lane waits at the same one.
// Returns 1 if something was released, 0 if nothing to do, -1 on error (recorded).
int resolve_simd_barriers(Worker *w) {
  const Launch &L = g_launch;
  bool any = false;
  uint32_t n = w->n;
  for (uint32_t base = 0; base < n; base += kSimdWidth) {
    uint32_t end = base + kSimdWidth < n ? base + kSimdWidth : n;
    if (!simd_quiet(w, base, end)) continue;
    Fiber *first = nullptr;
    Fiber *other = nullptr;
    uint32_t nlive = 0, nat = 0, ndone = 0;
    for (uint32_t i = base; i < end; i++) {
      Fiber *f = &w->fibers[i];
      if (f->state == F_DONE) {
        ndone++;
        continue;
      }
      nlive++;
      if (f->state == F_BARRIER && f->scope == 1) {
        if (!first)
          first = f;
        else if (!same_site(f->site, first->site) && !other)
          other = f;
        nat++;
      } else if (!other) {
        other = f;
      }
    }
    if (!first) continue;
    char s1[512], s2[512], th[256], grp[128];
    fmt_site(s1, sizeof s1, first->site);
    describe_group(w, grp, sizeof grp);
    if (other) {
      fmt_site(s2, sizeof s2, other->site);
      record_error(
          "divergent barrier: threads of SIMD group %u of %s wait at different barriers: "
          "simdgroup_barrier at %s (thread_index_in_threadgroup %u) and %s at %s "
          "(thread_index_in_threadgroup %u). All threads of a SIMD group must reach the same "
          "simdgroup_barrier.",
          base / kSimdWidth, grp, s1, first->attrs.thread_index_in_threadgroup,
          barrier_name(other->scope), s2, other->attrs.thread_index_in_threadgroup);
      return -1;
    }
    if (L.strict && ndone) {
      fmt_thread(th, sizeof th, &first->attrs);
      record_error(
          "%s: barrier not reached by all threads of the SIMD group: %u returned before it "
          "(simdgroup_barrier, SIMD group %u of %s; strict_barriers is on)",
          s1, ndone, base / kSimdWidth, grp);
      return -1;
    }
    (void)nlive;
    for (uint32_t i = base; i < end; i++) {
      Fiber *f = &w->fibers[i];
      if (f->state == F_BARRIER) f->state = F_READY;
    }
    w->nready += nat;
    w->nsimdbar -= nat;
    any = true;
  }
  return any ? 1 : 0;
}

// Called when no fiber is ready. Returns true if some fiber became ready, false on error.
bool resolve(Worker *w) {
  const Launch &L = g_launch;
  if (w->ncollective && resolve_collectives(w)) return true;
  int r = resolve_simd_barriers(w);
  if (r != 0) return r > 0;
  // Now every live fiber waits at a threadgroup_barrier.
  Fiber *first = nullptr;
  Fiber *other = nullptr;
  uint32_t nfirst = 0, nother = 0;
  for (uint32_t i = 0; i < w->n; i++) {
    Fiber *f = &w->fibers[i];
    if (f->state != F_BARRIER) continue;
    if (!first) {
      first = f;
      nfirst++;
    } else if (same_site(f->site, first->site)) {
      nfirst++;
    } else {
      if (!other) other = f;
      if (same_site(f->site, other->site)) nother++;
    }
  }
  if (!first) {
    record_error("metalsim internal error: threadgroup stuck with no waiting thread");
    return false;
  }
  char s1[512], s2[512], grp[128];
  fmt_site(s1, sizeof s1, first->site);
  describe_group(w, grp, sizeof grp);
  if (other) {
    fmt_site(s2, sizeof s2, other->site);
    record_error(
        "divergent barrier: threads of %s wait at different barriers: threadgroup_barrier at %s "
        "(%u threads, e.g. thread_index_in_threadgroup %u) and threadgroup_barrier at %s "
        "(%u threads, e.g. thread_index_in_threadgroup %u). A barrier must be reached by all "
        "threads of the threadgroup, at the same call.",
        grp, s1, nfirst, first->attrs.thread_index_in_threadgroup, s2, nother,
        other->attrs.thread_index_in_threadgroup);
    return false;
  }
  if (L.strict && w->ndone) {
    uint32_t example = 0;
    for (uint32_t i = 0; i < w->n; i++)
      if (w->fibers[i].state == F_DONE) {
        example = i;
        break;
      }
    record_error(
        "%s: barrier not reached by all threads of the threadgroup: %u returned before it "
        "(e.g. thread_index_in_threadgroup %u; threadgroup_barrier, %s; strict_barriers is on; "
        "Apple GPUs tolerate this, other GPUs may hang)",
        s1, w->ndone, example, grp);
    return false;
  }
  for (uint32_t i = 0; i < w->n; i++) {
    Fiber *f = &w->fibers[i];
    if (f->state == F_BARRIER) f->state = F_READY;
  }
  w->nready += nfirst;
  return true;
}

// ---------------------------------------------------------------------------------------------
// running threadgroups

void run_group_fibers(Worker *w, uint64_t linear) {
  const Launch &L = g_launch;
  metalsim_thread_attrs tmpl;
  uint32_t act[3];
  group_template(L, linear, &tmpl, act);
  uint32_t n = act[0] * act[1] * act[2];
  if (!ensure_fibers(w, n, L.stack_size)) return;
  w->n = n;
  w->nready = n;
  w->ndone = 0;
  w->ncollective = 0;
  w->nsimdbar = 0;
  w->group_linear = linear;
  reset_tg_memory(w);
  for (uint32_t i = 0; i < n; i++) {
    Fiber *f = &w->fibers[i];
    f->attrs = tmpl;
    thread_fields(L, &f->attrs, act, i);
    f->state = F_READY;
#if METALSIM_ASAN
    // A fiber abandoned by an earlier error may have left poisoned stack shadow behind.
    ASAN_UNPOISON_MEMORY_REGION(f->map_base + kGuardBytes, f->map_size - kGuardBytes);
    f->fake_stack = nullptr;
#endif
    msim_ctx_init(&f->ctx, f->map_base + kGuardBytes, f->map_size - kGuardBytes, fiber_main, f);
  }
  make_order(w, n);
  bool random = L.schedule == 2;
  if (random) w->rng = L.seed * 0x2545F4914F6CDD1Dull + linear * 0x9E3779B97F4A7C15ull + 1;
  while (w->ndone < n) {
    if (random) shuffle_order(w, n);
    // One round: every ready fiber runs once, in order; fibers hand over to each other.
    w->pos = (uint32_t)-1;
    if (Fiber *first = next_ready(w)) switch_to_fiber(w, first);
    if (load_flag(&g_launch.abort)) return;  // abandon the group: its fibers are reset later
    if (w->ndone == n) break;
    // Once per round: a loop that only passes barriers or collectives never yields.
    if (L.deadline_ns && now_ns() > L.deadline_ns) {
      char th[128];
      describe_group(w, th, sizeof th);
      record_error(
          "watchdog: the kernel is still running after %g s (watchdog_seconds); the threads of "
          "%s keep passing barriers or SIMD-group functions without finishing (an endless loop?). "
          "Raise watchdog_seconds if the kernel is just slow.",
          L.watchdog_seconds, th);
      return;
    }
    if (w->nready == 0) {
      if (!resolve(w)) return;
    } else if (w->ncollective || w->nsimdbar) {
      // Some lanes keep running (spinning on atomics): let quiet SIMD groups progress.
      if (w->ncollective) resolve_collectives(w);
      if (w->nsimdbar && resolve_simd_barriers(w) < 0) return;
    }
  }
}

void run_group_plain(Worker *w, uint64_t linear) {
  const Launch &L = g_launch;
  uint32_t act[3];
  metalsim_thread_attrs *t = &w->plain_attrs;
  group_template(L, linear, t, act);
  uint32_t n = act[0] * act[1] * act[2];
  w->n = n;
  w->group_linear = linear;
  reset_tg_memory(w);
  w->cur_attrs = t;
  w->in_plain = true;
  if (_setjmp(w->plain_jmp) == 0) {
    if (L.schedule == 0) {
      for (uint32_t i = 0; i < n; i++) {
        thread_fields(L, t, act, i);
        L.fn(L.args, t);
      }
    } else {
      make_order(w, n);
      if (L.schedule == 2) {
        w->rng = L.seed * 0x2545F4914F6CDD1Dull + linear * 0x9E3779B97F4A7C15ull + 1;
        shuffle_order(w, n);
      }
      for (uint32_t k = 0; k < n; k++) {
        thread_fields(L, t, act, w->order[k]);
        L.fn(L.args, t);
      }
    }
  }
  w->in_plain = false;
  w->cur_attrs = nullptr;
}

uint64_t group_for_ticket(const Launch &L, uint64_t k) {
  if (L.schedule == 1) return L.total_groups - 1 - k;
  // a < total < 2^32 keeps a*k + b inside 64 bits; bigger grids fall back to forward order.
  if (L.schedule == 2 && L.total_groups < (1ull << 32)) return (L.perm_a * k + L.perm_b) % L.total_groups;
  return k;
}

void work(Worker *w) {
  Launch &L = g_launch;
  tl_worker = w;
  w->yields = 0;
  w->os_thread = pthread_self();
  __atomic_store_n(&w->in_work, 1, __ATOMIC_RELEASE);
  ensure_altstack();
  for (;;) {
    if (load_flag(&L.abort)) break;
    uint64_t k = __atomic_fetch_add(&L.next_group, 1, __ATOMIC_RELAXED);
    if (k >= L.total_groups) break;
    uint64_t g = group_for_ticket(L, k);
    if (L.use_fibers)
      run_group_fibers(w, g);
    else
      run_group_plain(w, g);
  }
  reset_tg_memory(w);
  __atomic_store_n(&w->in_work, 0, __ATOMIC_RELEASE);
  tl_worker = nullptr;
}

// ---------------------------------------------------------------------------------------------
// worker pool

Worker *new_worker(int index) {
  Worker *w = (Worker *)calloc(1, sizeof(Worker));
  if (!w) return nullptr;
  w->index = index;
  // Run order of the threads of a group; the plain-call path needs it too (reverse/random).
  w->order = (uint32_t *)calloc(kMaxThreadsPerGroup, sizeof(uint32_t));
  if (!w->order) {
    free(w);
    return nullptr;
  }
#if !METALSIM_ASAN
  // 32 KiB of threadgroup memory plus room to honour alignments up to a page.
  if (posix_memalign((void **)&w->arena, 4096, kTgMemLimit + 4096) != 0) {
    free(w);
    return nullptr;
  }
#endif
  return w;
}

void *helper_main(void *arg) {
  Worker *w = (Worker *)arg;
  // Created with every signal blocked; faults raised by kernel code must still be deliverable
  // (a blocked synchronous SIGSEGV kills the process without running any handler), and so must
  // the watchdog's SIGURG.
  sigset_t sync;
  sigemptyset(&sync);
  sigaddset(&sync, SIGSEGV);
  sigaddset(&sync, SIGBUS);
  sigaddset(&sync, SIGFPE);
  sigaddset(&sync, SIGILL);
  sigaddset(&sync, SIGTRAP);
  sigaddset(&sync, SIGABRT);
  sigaddset(&sync, SIGURG);  // the watchdog's poke
  pthread_sigmask(SIG_UNBLOCK, &sync, nullptr);
  pthread_mutex_lock(&g_pool_mu);
  uint64_t seen = w->seen_gen;  // set before the thread was created: no launch is missed
  for (;;) {
    while (g_pool_gen == seen) pthread_cond_wait(&g_pool_cv, &g_pool_mu);
    seen = g_pool_gen;
    pthread_mutex_unlock(&g_pool_mu);
    if (w->index < g_launch.nworkers) work(w);
    pthread_mutex_lock(&g_pool_mu);
    if (--g_pool_pending == 0) pthread_cond_broadcast(&g_done_cv);
  }
  return nullptr;
}

// Grows the pool to n workers. Returns false (error recorded) on failure.
bool ensure_workers(int n) {
  if (n > g_nworkers) {
    Worker **nw = (Worker **)realloc(g_workers, sizeof(Worker *) * n);
    if (!nw) {
      record_error("metalsim: out of memory");
      return false;
    }
    g_workers = nw;
    for (int i = g_nworkers; i < n; i++) {
      g_workers[i] = new_worker(i);
      if (!g_workers[i]) {
        record_error("metalsim: out of memory");
        return false;
      }
      g_nworkers = i + 1;
    }
  }
  while (g_nhelpers_up < n - 1) {
    Worker *w = g_workers[g_nhelpers_up + 1];
    w->seen_gen = g_pool_gen;
    // Helpers must not take the process's signals (Python handles them on the main thread).
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    // Same order of stack as a main thread, so the plain-call path behaves alike on every worker.
    pthread_attr_setstacksize(&attr, 8 << 20);
    int rc = pthread_create(&w->thread, &attr, helper_main, w);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (rc != 0) {
      record_error("metalsim: cannot start a worker thread: %s", strerror(rc));
      return false;
    }
    pthread_detach(w->thread);
    pthread_mutex_lock(&g_pool_mu);
    g_nhelpers_up++;
    pthread_mutex_unlock(&g_pool_mu);
  }
  return true;
}

// After fork() only the forking thread exists: forget the helpers (their memory is leaked).
void after_fork_child() {
  g_workers = nullptr;
  g_nworkers = 0;
  g_nhelpers_up = 0;
  g_pool_gen = 0;
  g_pool_pending = 0;
  pthread_mutex_init(&g_pool_mu, nullptr);
  pthread_cond_init(&g_pool_cv, nullptr);
  pthread_cond_init(&g_done_cv, nullptr);
  pthread_mutex_init(&g_launch_mu, nullptr);
  pthread_mutex_init(&g_launch.err_mu, nullptr);
#if !METALSIM_ASAN
  g_wd_started = g_wd_active = false;  // the watchdog thread did not survive the fork
  pthread_mutex_init(&g_wd_mu, nullptr);
  pthread_cond_init(&g_wd_cv, nullptr);
#endif
}

__attribute__((constructor)) void init_runtime() {
  pthread_atfork(nullptr, nullptr, after_fork_child);
  pthread_mutex_init(&g_launch.err_mu, nullptr);
}

int default_workers() {
#ifdef CPU_COUNT
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int c = CPU_COUNT(&set);
    if (c > 0) return c;
  }
#endif
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  return c > 0 ? (int)c : 1;
}

// Ends the current thread's participation in the launch after an error (never returns).
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

}  // namespace

// =============================================================================================
// C ABI

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
  if (ensure_workers(nw)) {
    if (nw > 1) {
      pthread_mutex_lock(&g_pool_mu);
      g_pool_pending = g_nhelpers_up;
      g_pool_gen++;
      pthread_cond_broadcast(&g_pool_cv);
      pthread_mutex_unlock(&g_pool_mu);
    }
    work(g_workers[0]);
    if (nw > 1) {
      pthread_mutex_lock(&g_pool_mu);
      while (g_pool_pending > 0) pthread_cond_wait(&g_done_cv, &g_pool_mu);
      pthread_mutex_unlock(&g_pool_mu);
    }
  }
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
