// Workload of bench_instructions.py: the runtime's hot paths (fiber switches at barriers and
// SIMD-group functions, the scheduler's resolution, threadgroup memory) on one worker, so that the
// instruction count is the same on every run. Checks its results: a wrong runtime fails here.
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "metalsim_rt.h"
extern "C" void k_tree(void *const *, const metalsim_thread_attrs *);
extern "C" void k_collective_loop(void *const *, const metalsim_thread_attrs *);
static float x[65536], sums[256];
static uint32_t counts[1024];
int main() {
  for (int i = 0; i < 65536; i++) x[i] = (float)(i % 97) * 0.25f;
  char err[2048];
  int fails = 0;
  for (int sched = 0; sched < 3; sched++) {
    metalsim_launch_options o;
    memset(&o, 0, sizeof o);
    o.schedule = sched; o.seed = 5; o.workers = 1; o.use_fibers = 1;
    void *tree_args[] = {x, sums};
    uint32_t grid[3] = {65536, 1, 1}, tg[3] = {256, 1, 1};
    if (metalsim_launch(k_tree, tree_args, grid, tg, &o, err, sizeof err)) {
      printf("tree FAIL schedule %d: %s\n", sched, err);
      return 1;
    }
    for (int g = 0; g < 256; g++) {
      double s = 0;
      for (int i = 0; i < 256; i++) s += x[g * 256 + i];
      if (fabs(s - sums[g]) > 1e-3 * fabs(s) + 1e-3) fails++;
    }
    void *loop_args[] = {counts};
    uint32_t grid2[3] = {1024, 1, 1};
    if (metalsim_launch(k_collective_loop, loop_args, grid2, tg, &o, err, sizeof err)) {
      printf("collective FAIL schedule %d: %s\n", sched, err);
      return 1;
    }
    // Lane t runs t % 4 + 1 rounds of simd_sum(1); in round r the lanes with t % 4 >= r take
    // part: 32, 24, 16, 8 of the 32.
    static const uint32_t expected[4] = {32, 56, 72, 80};
    for (int i = 0; i < 1024; i++) fails += counts[i] != expected[i % 4];
  }
  printf("%s (%s)\n", fails ? "FAILED" : "ALL OK", metalsim_runtime_info());
  return fails != 0;
}
