// The worker pool: worker 0 is whichever thread calls metalsim_launch; helper threads 1..n-1 are
// started once and reused by every launch. The pool only masks signals; faults.cpp handles them.
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_internal.h"

namespace metalsim::rt {

Worker **g_workers;
int g_nworkers;

static pthread_mutex_t g_pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_pool_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t g_done_cv = PTHREAD_COND_INITIALIZER;
static uint64_t g_pool_gen;
static int g_pool_pending;
static int g_nhelpers_up;  // helper threads running (indices 1..g_nhelpers_up)

static Worker *new_worker(int index) {
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

static void *helper_main(void *arg) {
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
static bool ensure_workers(int n) {
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
static void after_fork_child() {
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
  faults_after_fork();
}

static __attribute__((constructor)) void init_runtime() {
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

void run_workers(int nw) {
  if (!ensure_workers(nw)) return;
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

}  // namespace metalsim::rt
