// Fiber contexts: a hand-written stack switch on x86-64 and aarch64, glibc/POSIX ucontext
// elsewhere (or when built with -DMETALSIM_USE_UCONTEXT, which the tests use to cover it).
#ifndef METALSIM_FIBER_H
#define METALSIM_FIBER_H

#include <stddef.h>

#if !defined(METALSIM_USE_UCONTEXT) && (defined(__x86_64__) || defined(__aarch64__))
#define METALSIM_ASM_SWITCH 1
#else
#define METALSIM_ASM_SWITCH 0
#include <ucontext.h>
#endif

typedef void (*msim_fiber_fn)(void *arg);

struct msim_ctx {
#if METALSIM_ASM_SWITCH
  void *sp;  // saved stack pointer; the callee-saved registers live on that stack
#else
  ucontext_t uc;
#endif
};

extern "C" void metalsim_ctx_switch_asm(void **save_sp, void *new_sp);

// Prepares `c` so that the first switch into it calls fn(arg) on the given stack.
// fn must never return (it switches away for good instead).
void msim_ctx_init(msim_ctx *c, char *stack_lo, size_t stack_size, msim_fiber_fn fn, void *arg);

static inline void msim_ctx_switch(msim_ctx *from, msim_ctx *to) {
#if METALSIM_ASM_SWITCH
  metalsim_ctx_switch_asm(&from->sp, to->sp);
#else
  swapcontext(&from->uc, &to->uc);
#endif
}

const char *msim_ctx_backend(void);

#endif
