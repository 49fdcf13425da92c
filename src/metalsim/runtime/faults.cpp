// The POSIX-specific part of the runtime: the only file that installs signal handlers or walks the
// loaded objects.
//
// Faults in kernel code end the launch with a message instead of killing the process:
// - SIGSEGV/SIGBUS in the guard below the running fiber's stack: fiber stack overflow;
// - SIGSEGV/SIGBUS/SIGFPE whose faulting instruction lies in the kernel's shared object: an
//   invalid memory access or an integer division by zero (undefined, but not fatal, on a GPU).
// Any other fault goes to the previous handler (Python's faulthandler, or the default action).
// Not used under ASan, which owns SIGSEGV and reports such accesses itself: there every function
// of this file is a no-op (at the bottom).
//
// Also here: the watchdog thread, which stops kernels that never reach a sync point or an atomic.
#include <dlfcn.h>
#if defined(__linux__)
#include <link.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__linux__)
#include <ucontext.h>  // fault_pc(); macOS only offers it with _XOPEN_SOURCE
#endif

#include "rt_internal.h"

namespace metalsim::rt {

#if !METALSIM_ASAN
static struct sigaction g_old_segv, g_old_bus, g_old_fpe;
static bool g_signals_installed;
static __attribute__((tls_model("initial-exec"))) __thread bool tl_altstack_checked;

static void chain_signal(int sig, siginfo_t *si, void *uc) {
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

static uintptr_t fault_pc(void *uc) {
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
static KernelObject g_kobj;

#if defined(__linux__)
static int find_object_cb(struct dl_phdr_info *info, size_t, void *data) {
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
static bool pc_in_kernel(uintptr_t pc) { return pc && pc >= g_kobj.lo && pc < g_kobj.hi; }

static void fault_handler(int sig, siginfo_t *si, void *uc) {
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
static struct sigaction g_old_urg;
static void poke_handler(int sig, siginfo_t *si, void *uc) {
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
static pthread_mutex_t g_wd_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wd_cv = PTHREAD_COND_INITIALIZER;
static bool g_wd_started, g_wd_active;
static uint64_t g_wd_deadline;
// Bumped by every watchdog_arm. The thread acts only for the launch that armed it: a launch can
// end and the next one arm while the thread sleeps, and without this it would keep poking the
// new launch for the old one (its error already wiped) and never time the new one out.
static uint64_t g_wd_gen;

static void wd_wait_ns(uint64_t ns) {  // called with g_wd_mu held
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t t = (uint64_t)ts.tv_nsec + ns;
  ts.tv_sec += (time_t)(t / 1000000000ull);
  ts.tv_nsec = (long)(t % 1000000000ull);
  pthread_cond_timedwait(&g_wd_cv, &g_wd_mu, &ts);
}

static void *watchdog_main(void *) {
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

void faults_after_fork() {
  g_wd_started = g_wd_active = false;  // the watchdog thread did not survive the fork
  pthread_mutex_init(&g_wd_mu, nullptr);
  pthread_cond_init(&g_wd_cv, nullptr);
}
#else
void locate_kernel_object(metalsim_entry_fn) {}
void ensure_altstack() {}
void install_fault_handler() {}
bool signals_installed() { return false; }
void watchdog_arm(uint64_t) {}
void watchdog_disarm() {}
void faults_after_fork() {}
#endif

}  // namespace metalsim::rt
