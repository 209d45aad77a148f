// See include/CCeilings.h. The FMA loops are inline assembly so that what runs is exactly twelve independent
// vfmadd231ps per iteration at any optimisation level (an intrinsics loop built without optimisation keeps its
// accumulators on the stack and measures the store-to-load latency instead).
#define _GNU_SOURCE
#include "CCeilings.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "CKernels.h"

// The widest FMA unit is the one the kernel paths found (cpuid and xgetbv, read once in CKernels).
zoo_fma_width zoo_widest_fma(void) {
    if (zoo_cpu_supports(zoo_kernel_path_avx512)) return ZOO_FMA_AVX512;
    if (zoo_cpu_supports(zoo_kernel_path_avx2)) return ZOO_FMA_AVX2;
    return ZOO_FMA_NONE;
}

#if defined(__x86_64__)
// The loop both widths run, as assembly text for register prefix R ("zmm" or "ymm") and the zeroing
// instruction Z: fourteen registers zeroed (zeros keep denormals out), then `iterations` rounds of twelve
// independent FMAs into registers 0-11 from 12 and 13, counted down in the one operand.
#define ZERO(Z, R, n) Z " %%" R #n ", %%" R #n ", %%" R #n "\n\t"
#define FMA(R, n) "vfmadd231ps %%" R "12, %%" R "13, %%" R #n "\n\t"
#define FMA_CHAINS(Z, R)                                                                                           \
    ZERO(Z, R, 0) ZERO(Z, R, 1) ZERO(Z, R, 2) ZERO(Z, R, 3) ZERO(Z, R, 4) ZERO(Z, R, 5) ZERO(Z, R, 6)              \
    ZERO(Z, R, 7) ZERO(Z, R, 8) ZERO(Z, R, 9) ZERO(Z, R, 10) ZERO(Z, R, 11) ZERO(Z, R, 12) ZERO(Z, R, 13)           \
    "1:\n\t"                                                                                                       \
    FMA(R, 0) FMA(R, 1) FMA(R, 2) FMA(R, 3) FMA(R, 4) FMA(R, 5)                                                    \
    FMA(R, 6) FMA(R, 7) FMA(R, 8) FMA(R, 9) FMA(R, 10) FMA(R, 11)                                                  \
    "dec %0\n\t"                                                                                                   \
    "jnz 1b\n\t"                                                                                                   \
    "vzeroupper"
#define FMA_CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", \
    "xmm12", "xmm13", "cc"

__attribute__((target("avx512f")))
static void fma_chains_avx512(long iterations) {
    __asm__ volatile(FMA_CHAINS("vpxord", "zmm") : "+r"(iterations) : : FMA_CLOBBERS);
}

__attribute__((target("avx2,fma")))
static void fma_chains_avx2(long iterations) {
    __asm__ volatile(FMA_CHAINS("vxorps", "ymm") : "+r"(iterations) : : FMA_CLOBBERS);
}
#endif

// The calling thread's CPU time, not the wall clock: while other processes take turns on the cores, a thread's
// rate over its own running time is still the hardware's, which is the ceiling wanted here.
static double thread_seconds(void) {
    struct timespec time;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time);
    return time.tv_sec + time.tv_nsec * 1e-9;
}

// Threads start together at a barrier and each reports its own rate; the sum is the machine's.
typedef struct {
    pthread_barrier_t *start;
    zoo_fma_width width;
    double seconds;
    double flops_per_second;
} fma_job;

enum { ITERATIONS_PER_CALL = 1 << 16 };  // about 0.1-0.2 ms: the clock is read often enough to stop on time

static void *fma_worker(void *argument) {
    fma_job *job = argument;
    pthread_barrier_wait(job->start);
    double began = thread_seconds(), elapsed = 0;
    long calls = 0;
    do {
#if defined(__x86_64__)
        if (job->width == ZOO_FMA_AVX512) fma_chains_avx512(ITERATIONS_PER_CALL);
        else fma_chains_avx2(ITERATIONS_PER_CALL);
#endif
        calls++;
        elapsed = thread_seconds() - began;
    } while (elapsed < job->seconds);
    // Each iteration: 12 FMAs of `width` lanes, 2 operations each.
    job->flops_per_second = (double)calls * ITERATIONS_PER_CALL * 12 * job->width * 2 / elapsed;
    return NULL;
}

// Runs `worker` on `threads` threads (the caller's included), each given its own job of `job_size` bytes.
static int run_threads(void *(*worker)(void *), void *jobs, size_t job_size, int threads) {
    pthread_t handles[threads];
    int started = 1;
    for (; started < threads; started++) {
        if (pthread_create(&handles[started], NULL, worker, (char *)jobs + started * job_size) != 0) break;
    }
    if (started < threads) return 0;  // the barrier would wait for threads that never came; see callers
    worker(jobs);
    for (int thread = 1; thread < threads; thread++) pthread_join(handles[thread], NULL);
    return 1;
}

double zoo_fma_peak_gflops(zoo_fma_width width, int threads, double seconds) {
    if (width == ZOO_FMA_NONE || threads < 1 || (width == ZOO_FMA_AVX512 && zoo_widest_fma() != ZOO_FMA_AVX512)
        || zoo_widest_fma() == ZOO_FMA_NONE) return 0;
    // Many short trials, the best kept: on cores shared with other processes, a trial that no other process
    // interrupted is the one that measures the hardware.
    int trials = seconds > 0.2 ? (int)(seconds / 0.02) : 10;
    double best = 0;
    for (int trial = 0; trial < trials; trial++) {
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, (unsigned)threads);
        fma_job jobs[threads];
        for (int thread = 0; thread < threads; thread++) jobs[thread] = (fma_job){&start, width, seconds / trials, 0};
        int ran = run_threads(fma_worker, jobs, sizeof jobs[0], threads);
        pthread_barrier_destroy(&start);
        if (!ran) return 0;
        double total = 0;
        for (int thread = 0; thread < threads; thread++) total += jobs[thread].flops_per_second;
        if (total > best) best = total;
    }
    return best / 1e9;
}

typedef struct {
    pthread_barrier_t *start;
    char *destination;
    const char *source;
    size_t bytes;
    double seconds;
} copy_job;

static void *copy_worker(void *argument) {
    copy_job *job = argument;
    pthread_barrier_wait(job->start);
    double began = thread_seconds();
    memcpy(job->destination, job->source, job->bytes);
    job->seconds = thread_seconds() - began;
    return NULL;
}

double zoo_copy_bandwidth_gbps(size_t bytes, int threads, int trials) {
    if (threads < 1 || trials < 1 || bytes < (size_t)threads * 4096) return 0;
    char *source = malloc(bytes), *destination = malloc(bytes);
    if (!source || !destination) { free(source); free(destination); return 0; }
    // Touch every page first, so the timed copies measure memory rather than page faults.
    memset(source, 1, bytes);
    memset(destination, 0, bytes);
    size_t part = bytes / threads / 64 * 64;
    double best = 0;
    for (int trial = 0; trial < trials; trial++) {
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, (unsigned)threads);
        copy_job jobs[threads];
        for (int thread = 0; thread < threads; thread++) {
            size_t offset = thread * part, length = thread == threads - 1 ? bytes - offset : part;
            jobs[thread] = (copy_job){&start, destination + offset, source + offset, length, 0};
        }
        int ran = run_threads(copy_worker, jobs, sizeof jobs[0], threads);
        pthread_barrier_destroy(&start);
        if (!ran) break;
        double rate = 0;  // each thread's bytes read and written over its own CPU time, summed
        for (int thread = 0; thread < threads; thread++) rate += 2.0 * jobs[thread].bytes / jobs[thread].seconds / 1e9;
        if (rate > best) best = rate;
    }
    free(source);
    free(destination);
    return best;
}
