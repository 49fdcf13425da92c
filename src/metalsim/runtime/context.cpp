// Context switch backends. The assembly switch saves only the callee-saved registers of the
// platform ABI (plus the FP control words), which is all a cooperative switch needs; glibc's
// swapcontext also makes a sigprocmask system call and is 10-15x slower.
#include "fiber.h"

#include <stdint.h>
#include <string.h>

#if METALSIM_ASM_SWITCH

#if defined(__APPLE__)
#define MSIM_SYM(x) "_" #x
#define MSIM_HIDDEN(x) ".private_extern _" #x "\n"
#define MSIM_TYPE(x) ""
#else
#define MSIM_SYM(x) #x
#define MSIM_HIDDEN(x) ".hidden " #x "\n"
#define MSIM_TYPE(x) ".type " #x ",@function\n"
#endif

#if defined(__x86_64__)
// System V x86-64: rbx, rbp, r12-r15 are callee-saved; also MXCSR control bits and the x87
// control word. Frame layout at the saved sp: [mxcsr:4 fpucw:4] r15 r14 r13 r12 rbx rbp ret.
asm(".text\n"
    ".globl " MSIM_SYM(metalsim_ctx_switch_asm) "\n" MSIM_HIDDEN(metalsim_ctx_switch_asm)
    MSIM_TYPE(metalsim_ctx_switch_asm)
    ".p2align 4\n"
    MSIM_SYM(metalsim_ctx_switch_asm) ":\n"
    "  pushq %rbp\n"
    "  pushq %rbx\n"
    "  pushq %r12\n"
    "  pushq %r13\n"
    "  pushq %r14\n"
    "  pushq %r15\n"
    "  subq $8, %rsp\n"
    "  stmxcsr (%rsp)\n"
    "  fnstcw 4(%rsp)\n"
    "  movq %rsp, (%rdi)\n"
    "  movq %rsi, %rsp\n"
    "  ldmxcsr (%rsp)\n"
    "  fldcw 4(%rsp)\n"
    "  addq $8, %rsp\n"
    "  popq %r15\n"
    "  popq %r14\n"
    "  popq %r13\n"
    "  popq %r12\n"
    "  popq %rbx\n"
    "  popq %rbp\n"
    "  ret\n"
    // First entry of a fiber: r12 = arg, r13 = fn. rsp is 16-byte aligned here, so the call
    // leaves it as the ABI expects at function entry. fn never returns.
    ".globl " MSIM_SYM(metalsim_fiber_trampoline) "\n" MSIM_HIDDEN(metalsim_fiber_trampoline)
    MSIM_TYPE(metalsim_fiber_trampoline)
    ".p2align 4\n"
    MSIM_SYM(metalsim_fiber_trampoline) ":\n"
    "  .cfi_startproc\n"
    "  .cfi_undefined rip\n"
    "  movq %r12, %rdi\n"
    "  callq *%r13\n"
    "  ud2\n"
    "  .cfi_endproc\n");

extern "C" void metalsim_fiber_trampoline(void);

void msim_ctx_init(msim_ctx *c, char *stack_lo, size_t stack_size, msim_fiber_fn fn, void *arg) {
  uintptr_t top = ((uintptr_t)stack_lo + stack_size) & ~(uintptr_t)15;
  uint64_t *sp = (uint64_t *)(top - 80);  // 8 slots + 16 bytes of slack; sp stays 16-aligned
  // The fiber inherits the worker's FP environment, as a plain call on that thread would.
  uint32_t mxcsr;
  uint16_t fpucw;
  __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
  __asm__ volatile("fnstcw %0" : "=m"(fpucw));
  sp[0] = (uint64_t)mxcsr | ((uint64_t)fpucw << 32);
  sp[1] = 0;                               // r15
  sp[2] = 0;                               // r14
  sp[3] = (uint64_t)(uintptr_t)fn;         // r13
  sp[4] = (uint64_t)(uintptr_t)arg;        // r12
  sp[5] = 0;                               // rbx
  sp[6] = 0;                               // rbp = 0 ends frame-pointer unwinding here
  sp[7] = (uint64_t)(uintptr_t)&metalsim_fiber_trampoline;
  c->sp = sp;
}

const char *msim_ctx_backend(void) { return "asm-x86_64"; }

#elif defined(__aarch64__)
// AAPCS64: x19-x28, fp (x29), lr (x30) and the low halves of v8-v15 are callee-saved; FPCR too.
// Tested on Linux aarch64 under qemu-user (tests/metalsim/runtime/test_rt_cross_arch.py), not on
// real hardware; the macOS arm64 spelling (underscore symbols, .private_extern) is compiled only.
// 176-byte frame: x19..x28 at 0..72, x29/x30 at 80, d8..d15 at 96..152, fpcr at 160.
asm(".text\n"
    ".globl " MSIM_SYM(metalsim_ctx_switch_asm) "\n" MSIM_HIDDEN(metalsim_ctx_switch_asm)
    MSIM_TYPE(metalsim_ctx_switch_asm)
    ".p2align 4\n"
    MSIM_SYM(metalsim_ctx_switch_asm) ":\n"
    "  sub sp, sp, #176\n"
    "  stp x19, x20, [sp, #0]\n"
    "  stp x21, x22, [sp, #16]\n"
    "  stp x23, x24, [sp, #32]\n"
    "  stp x25, x26, [sp, #48]\n"
    "  stp x27, x28, [sp, #64]\n"
    "  stp x29, x30, [sp, #80]\n"
    "  stp d8, d9, [sp, #96]\n"
    "  stp d10, d11, [sp, #112]\n"
    "  stp d12, d13, [sp, #128]\n"
    "  stp d14, d15, [sp, #144]\n"
    "  mrs x9, fpcr\n"
    "  str x9, [sp, #160]\n"
    "  mov x9, sp\n"
    "  str x9, [x0]\n"
    "  mov sp, x1\n"
    "  ldr x9, [sp, #160]\n"
    "  msr fpcr, x9\n"
    "  ldp x19, x20, [sp, #0]\n"
    "  ldp x21, x22, [sp, #16]\n"
    "  ldp x23, x24, [sp, #32]\n"
    "  ldp x25, x26, [sp, #48]\n"
    "  ldp x27, x28, [sp, #64]\n"
    "  ldp x29, x30, [sp, #80]\n"
    "  ldp d8, d9, [sp, #96]\n"
    "  ldp d10, d11, [sp, #112]\n"
    "  ldp d12, d13, [sp, #128]\n"
    "  ldp d14, d15, [sp, #144]\n"
    "  add sp, sp, #176\n"
    "  ret\n"
    ".globl " MSIM_SYM(metalsim_fiber_trampoline) "\n" MSIM_HIDDEN(metalsim_fiber_trampoline)
    MSIM_TYPE(metalsim_fiber_trampoline)
    ".p2align 4\n"
    MSIM_SYM(metalsim_fiber_trampoline) ":\n"
    "  mov x0, x19\n"
    "  blr x20\n"
    "  brk #0\n");

extern "C" void metalsim_fiber_trampoline(void);

void msim_ctx_init(msim_ctx *c, char *stack_lo, size_t stack_size, msim_fiber_fn fn, void *arg) {
  uintptr_t top = ((uintptr_t)stack_lo + stack_size) & ~(uintptr_t)15;
  uint64_t *sp = (uint64_t *)(top - 176 - 16);
  memset(sp, 0, 176);
  sp[0] = (uint64_t)(uintptr_t)arg;                          // x19
  sp[1] = (uint64_t)(uintptr_t)fn;                           // x20
  sp[10] = 0;                                                // x29 (fp) = 0 ends unwinding
  sp[11] = (uint64_t)(uintptr_t)&metalsim_fiber_trampoline;  // x30 (lr)
  uint64_t fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  sp[20] = fpcr;  // the fiber inherits the worker's FP control register
  c->sp = sp;
}

const char *msim_ctx_backend(void) { return "asm-aarch64"; }
#endif

#else  // ucontext fallback

// makecontext passes int arguments only; hand the pointer over in two halves.
static void msim_uc_entry(unsigned lo, unsigned hi, unsigned flo, unsigned fhi) {
  void *arg = (void *)(((uintptr_t)hi << 32) | lo);
  msim_fiber_fn fn = (msim_fiber_fn)(((uintptr_t)fhi << 32) | flo);
  fn(arg);
}

void msim_ctx_init(msim_ctx *c, char *stack_lo, size_t stack_size, msim_fiber_fn fn, void *arg) {
  getcontext(&c->uc);
  c->uc.uc_stack.ss_sp = stack_lo;
  c->uc.uc_stack.ss_size = stack_size;
  c->uc.uc_link = nullptr;
  uintptr_t a = (uintptr_t)arg, f = (uintptr_t)fn;
  makecontext(&c->uc, (void (*)())msim_uc_entry, 4, (unsigned)a, (unsigned)(a >> 32), (unsigned)f,
              (unsigned)(f >> 32));
}

const char *msim_ctx_backend(void) { return "ucontext"; }
#endif
