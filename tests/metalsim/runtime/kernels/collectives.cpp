// Every SIMD-group and quad-group function, with all lanes or a divergent subset active.
// args: [0] float x[], [1] int iv[], [2] uint mode, [3] float fout[NF*n], [4] uint uout[NU*n]
#include "prelude.h"

#define NF 38
#define NU 23

KERNEL(k_collectives) {
  const float *xs = (const float *)args[0];
  const int *ivs = (const int *)args[1];
  uint mode = *(const uint *)args[2];
  uint g = a->thread_position_in_grid.x;
  float *float_out = (float *)args[3] + NF * g;
  uint *uint_out = (uint *)args[4] + NU * g;
  uint t = a->thread_index_in_threadgroup;
  bool active = mode == 0 || (t * 7 + 3) % 5 != 0;
  if (!active) {
    // A different call site: grouped separately from the active lanes.
    uint_out[0] = (uint)(unsigned long)simd_active_threads_mask();
    return;
  }
  float x = xs[g];
  float y = 1.0f + x / 64.0f;
  int iv = ivs[g];
  ushort lane = a->thread_index_in_simdgroup;
  int k = 0;
  float_out[k++] = simd_sum(x);
  float_out[k++] = simd_product(y);
  float_out[k++] = simd_min(x);
  float_out[k++] = simd_max(x);
  float_out[k++] = simd_prefix_inclusive_sum(x);
  float_out[k++] = simd_prefix_exclusive_sum(x);
  float_out[k++] = simd_prefix_inclusive_product(y);
  float_out[k++] = simd_prefix_exclusive_product(y);
  float_out[k++] = simd_broadcast(x, 5);
  float_out[k++] = simd_broadcast_first(x);
  float_out[k++] = simd_shuffle(x, (ushort)((lane * 5 + 1) % 32));
  float_out[k++] = simd_shuffle_up(x, 3);
  float_out[k++] = simd_shuffle_down(x, 5);
  float_out[k++] = simd_shuffle_xor(x, 6);
  float_out[k++] = simd_shuffle_rotate_up(x, 3);
  float_out[k++] = simd_shuffle_rotate_down(x, 5);
  float_out[k++] = simd_shuffle_and_fill_up(x, -x, 3);
  float_out[k++] = simd_shuffle_and_fill_down(x, -x, 5);
  float_out[k++] = simd_shuffle_and_fill_up(x, -x, 2, 8);
  float_out[k++] = simd_shuffle_and_fill_down(x, -x, 3, 8);
  float4 v4 = {x, 2 * x, -x, 1.0f};
  float4 r4 = simd_sum(v4);
  float_out[k++] = r4.y;
  float_out[k++] = r4.w;
  ushort ql = a->thread_index_in_quadgroup;
  float_out[k++] = quad_sum(x);
  float_out[k++] = quad_product(y);
  float_out[k++] = quad_min(x);
  float_out[k++] = quad_max(x);
  float_out[k++] = quad_prefix_inclusive_sum(x);
  float_out[k++] = quad_prefix_exclusive_sum(x);
  float_out[k++] = quad_broadcast(x, 2);
  float_out[k++] = quad_broadcast_first(x);
  float_out[k++] = quad_shuffle(x, (ushort)((ql + 3) % 4));
  float_out[k++] = quad_shuffle_up(x, 1);
  float_out[k++] = quad_shuffle_down(x, 1);
  float_out[k++] = quad_shuffle_xor(x, 1);
  float_out[k++] = quad_shuffle_rotate_up(x, 1);
  float_out[k++] = quad_shuffle_rotate_down(x, 3);
  float_out[k++] = quad_shuffle_and_fill_up(x, -x, 1);
  float_out[k++] = quad_shuffle_and_fill_down(x, -x, 2);

  k = 0;
  simd_vote b = simd_ballot(x > 0.3f);
  unsigned long bm = (unsigned long)b;
  uint_out[k++] = (uint)bm;
  uint_out[k++] = (uint)(bm >> 32);
  uint_out[k++] = (uint)(unsigned long)simd_active_threads_mask();
  uint_out[k++] = simd_all(x > -100.0f);
  uint_out[k++] = simd_any(x > 0.9f);
  uint_out[k++] = simd_is_first();
  uint_out[k++] = (uint)simd_and(iv);
  uint_out[k++] = (uint)simd_or(iv);
  uint_out[k++] = (uint)simd_xor(iv);
  uint_out[k++] = (uint)simd_sum(iv);
  uint_out[k++] = (uint)simd_max(iv);
  uint_out[k++] = (uint)simd_min(iv);
  uint_out[k++] = (uint)(quad_vote::vote_t)quad_ballot(x > 0.3f);
  uint_out[k++] = (uint)(quad_vote::vote_t)quad_active_threads_mask();
  uint_out[k++] = quad_all(x > 0.1f);
  uint_out[k++] = quad_any(x > 0.8f);
  uint_out[k++] = quad_is_first();
  uint_out[k++] = (uint)quad_and(iv);
  uint_out[k++] = (uint)quad_or(iv);
  uint_out[k++] = (uint)quad_xor(iv);
  uint_out[k++] = (uint)quad_sum(iv);
  uint_out[k++] = b.all();
  int2 i2 = {iv, -iv};
  uint_out[k++] = (uint)simd_sum(i2).y;
}

// A shuffle inside a loop whose trip count differs per lane: each round groups the lanes still
// in the loop. out[t] = sum over rounds of simd_sum(1) = number of lanes left at each round.
KERNEL(k_collective_loop) {
  uint *out = (uint *)args[0];
  uint t = a->thread_index_in_threadgroup;
  uint rounds = t % 4 + 1;
  uint acc = 0;
  for (uint r = 0; r < rounds; r++) acc += simd_sum(1u);
  out[a->thread_position_in_grid.x] = acc;
}

// simd_sum on the fast path's misuse: a kernel launched without fibers must fail cleanly.
KERNEL(k_collective_plain) {
  ((float *)args[0])[a->thread_position_in_grid.x] = simd_sum(1.0f);
}
