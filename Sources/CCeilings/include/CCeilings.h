// The machine's ceilings, measured where Zoo runs: the FMA peak of its widest vector unit and the memory
// bandwidth of a large copy. Zoo's profile and the latency report state every speed as a share of these,
// never of a figure taken from another machine.
//
// The FMA loops are compiled per function for their instruction set (`__attribute__((target(...)))`), and
// one is chosen at run time from cpuid/xgetbv, so this target needs no compiler flags: a binary built here
// runs on any x86-64 and measures whichever unit the CPU it lands on has.
#ifndef ZOO_CCEILINGS_H
#define ZOO_CCEILINGS_H

#include <stddef.h>

typedef enum {
    ZOO_FMA_NONE = 0,    // neither AVX2+FMA nor AVX-512F (or not x86-64): no FMA peak to measure
    ZOO_FMA_AVX2 = 8,    // 8-float ymm FMA
    ZOO_FMA_AVX512 = 16, // 16-float zmm FMA
} zoo_fma_width;

// The widest FMA the CPU and the operating system both enable: the widest kernel path CKernels found.
zoo_fma_width zoo_widest_fma(void);

// Rates are over each thread's own CPU time (CLOCK_THREAD_CPUTIME_ID) and summed over the threads, so other
// processes taking turns on the cores lower them little: they are the hardware's ceilings.
//
// Floating-point operations per second (2 per lane of each FMA), in GFLOP/s, of `threads` threads each running
// twelve independent FMA chains of `width`, in short trials that take about
// `seconds` in all; the best trial. 0 when `width` is
// not one the CPU has.
double zoo_fma_peak_gflops(zoo_fma_width width, int threads, double seconds);

// Bytes read plus bytes written per second, in GB/s (1e9), of `threads` threads copying disjoint parts of a
// `bytes`-byte buffer into another with memcpy; the best of `trials` copies. 0 when the memory cannot be had.
double zoo_copy_bandwidth_gbps(size_t bytes, int threads, int trials);

#endif
