// Stand-alone C++ driver for the runtime (no Python): links runtime + test kernels statically so
// it can run on another architecture under qemu-user (test_rt_cross_arch.py).
#include <stdio.h>
#include <string.h>
#include <math.h>
#include "metalsim_rt.h"
extern "C" void k_tree(void *const *, const metalsim_thread_attrs *);
extern "C" void k_collective_loop(void *const *, const metalsim_thread_attrs *);
extern "C" void k_spin_ok(void *const *, const metalsim_thread_attrs *);
extern "C" void k_stack_overflow(void *const *, const metalsim_thread_attrs *);
extern "C" void k_divergent(void *const *, const metalsim_thread_attrs *);
int main() {
  static float x[4096], out[16];
  for (int i = 0; i < 4096; i++) x[i] = (float)(i % 97) * 0.25f;
  char err[2048];
  int fails = 0;
  for (int sched = 0; sched < 3; sched++) {
    metalsim_launch_options o; memset(&o, 0, sizeof o);
    o.schedule = sched; o.seed = 5; o.workers = 2; o.use_fibers = 1; o.watchdog_seconds = 20;
    void *args[] = {x, out};
    uint32_t grid[3] = {4096, 1, 1}, tg[3] = {256, 1, 1};
    int rc = metalsim_launch(k_tree, args, grid, tg, &o, err, sizeof err);
    for (int g = 0; g < 16; g++) {
      double s = 0; for (int i = 0; i < 256; i++) s += x[g * 256 + i];
      if (rc || fabs(s - out[g]) > 1e-3 * fabs(s) + 1e-3) { printf("tree FAIL sched %d g %d rc %d %s\n", sched, g, rc, err); fails++; break; }
    }
    static uint32_t v[64];
    void *a2[] = {v};
    uint32_t g2[3] = {64, 1, 1}, t2[3] = {64, 1, 1};
    rc = metalsim_launch(k_collective_loop, a2, g2, t2, &o, err, sizeof err);
    if (rc || v[3] != 80 || v[0] != 32) { printf("collective FAIL %d %u %s\n", rc, v[3], err); fails++; }
    static uint32_t flags[8];
    void *a3[] = {flags};
    uint32_t g3[3] = {512, 1, 1}, t3[3] = {64, 1, 1};
    rc = metalsim_launch(k_spin_ok, a3, g3, t3, &o, err, sizeof err);
    if (rc || flags[7] != 1) { printf("spin FAIL %d %s\n", rc, err); fails++; }
  }
  metalsim_launch_options o; memset(&o, 0, sizeof o); o.workers = 2; o.use_fibers = 1;
  static float so[64]; void *a4[] = {so};
  uint32_t g4[3] = {64, 1, 1}, t4[3] = {32, 1, 1};
  int rc = metalsim_launch(k_stack_overflow, a4, g4, t4, &o, err, sizeof err);
  printf("overflow rc=%d: %.60s\n", rc, err);
  if (!rc || !strstr(err, "stack overflow")) fails++;
  static uint32_t d[64]; void *a5[] = {d};
  rc = metalsim_launch(k_divergent, a5, g4, g4, &o, err, sizeof err);
  printf("divergent rc=%d: %.90s\n", rc, err);
  if (!rc || !strstr(err, "divergent")) fails++;
  printf("%s (%s)\n", fails ? "FAILED" : "ALL OK", metalsim_runtime_info());
  return fails != 0;
}
