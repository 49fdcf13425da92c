// The scheduler's resolution step, run between rounds of a threadgroup when fibers wait: hand
// SIMD-group and quad collectives their results, release simdgroup and threadgroup barriers, or
// report why the group is stuck (divergent barrier, strict mode).
#include <stdio.h>
#include <string.h>

#include "rt_internal.h"

namespace metalsim::rt {

// A SIMD group is quiet when none of its lanes can run: then the lanes waiting at a collective
// (or simdgroup_barrier) are all the lanes that will get there, whatever other SIMD groups do.
// SIMD groups progress independently, as on the GPU: a lane of another group spinning on an
// atomic does not hold them back.
static bool simd_quiet(const Worker *w, uint32_t base, uint32_t end) {
  for (uint32_t i = base; i < end; i++)
    if (w->fibers[i].state == F_READY) return false;
  return true;
}

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

}  // namespace metalsim::rt
