// Running threadgroups: the geometry of a group (the attributes of its threads), the order its
// threads run in, and the loop of a worker that takes groups until none is left. With fibers, a
// group runs in rounds; between rounds scheduler.cpp releases what is waiting.
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

namespace metalsim::rt {

__attribute__((tls_model("initial-exec"))) __thread Worker *tl_worker;

// ---------------------------------------------------------------------------------------------
// threadgroup geometry

static void group_template(const Launch &L, uint64_t linear, metalsim_thread_attrs *t,
                           uint32_t act[3]) {
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
static inline void thread_fields(const Launch &L, metalsim_thread_attrs *t,
                                 const uint32_t act[3], uint32_t i) {
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

static void make_order(Worker *w, uint32_t n) {
  const Launch &L = g_launch;
  for (uint32_t i = 0; i < n; i++) w->order[i] = L.schedule == 1 ? n - 1 - i : i;
}

static void shuffle_order(Worker *w, uint32_t n) {
  for (uint32_t i = n; i > 1; i--) {
    uint32_t j = (uint32_t)(splitmix(&w->rng) % i);
    uint32_t t = w->order[i - 1];
    w->order[i - 1] = w->order[j];
    w->order[j] = t;
  }
}

static void reset_tg_memory(Worker *w) {
#if METALSIM_ASAN
  // Each declaration gets its own heap block so ASan puts red zones around it.
  for (int i = 0; i < w->nsites; i++) free(w->sites[i].ptr);
#endif
  w->nsites = 0;
  w->arena_used = 0;
}

// ---------------------------------------------------------------------------------------------
// running threadgroups

static void run_group_fibers(Worker *w, uint64_t linear) {
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

static void run_group_plain(Worker *w, uint64_t linear) {
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

static uint64_t group_for_ticket(const Launch &L, uint64_t k) {
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

}  // namespace metalsim::rt
