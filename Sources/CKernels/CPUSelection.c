// Which kernels run: decided once, when the program starts (a constructor), from what the CPU reports through
// cpuid and what the operating system enables through xgetbv (a CPU with AVX-512 whose kernel does not save the
// ZMM registers must not use them). ZOO_CPU=avx512|avx2|generic forces a path; naming one this CPU cannot run,
// or an unknown one, is a one-line error and exit status 2 before anything else runs.
#include <cpuid.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CKernels.h"
#include "KernelTable.h"

/// XCR0, the state components the operating system saves on a context switch.
static uint64_t extended_control_register(void) {
    uint32_t low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return ((uint64_t)high << 32) | low;
}

static bool has_avx2_path = false, has_avx512_path = false;
static char model[49] = "unknown CPU";
static _Atomic(const zoo_kernel_table *) active = NULL;
// The path the calling thread is held to (`zoo_hold_thread_kernel_path`), or NULL: it follows `active`. Per thread, so
// that a test running the kernels on another path cannot change what a test running beside it computes. Initial-exec:
// one load off the thread pointer per kernel call, not a call into the dynamic linker.
static _Thread_local __attribute__((tls_model("initial-exec"))) const zoo_kernel_table *held_table = NULL;

static void detect_cpu(void) {
    unsigned eax, ebx, ecx, edx;
    if (__get_cpuid(0x80000000, &eax, &ebx, &ecx, &edx) && eax >= 0x80000004) {
        unsigned brand[12];
        for (unsigned leaf = 0; leaf < 3; leaf++) {
            __get_cpuid(0x80000002 + leaf, &brand[leaf * 4], &brand[leaf * 4 + 1], &brand[leaf * 4 + 2], &brand[leaf * 4 + 3]);
        }
        char text[49];
        memcpy(text, brand, 48);
        text[48] = 0;
        const char *start = text;
        while (*start == ' ') start++;
        if (*start) snprintf(model, sizeof model, "%s", start);
    }
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return;
    bool fma = ecx & bit_FMA, f16c = ecx & bit_F16C, avx = ecx & bit_AVX;
    // Without OSXSAVE, xgetbv itself is an illegal instruction.
    if (!(ecx & bit_OSXSAVE) || !avx) return;
    uint64_t xcr0 = extended_control_register();
    bool ymm_saved = (xcr0 & 0x6) == 0x6;     // SSE and AVX (upper YMM) state
    bool zmm_saved = (xcr0 & 0xe0) == 0xe0;   // opmask, upper ZMM0-15, ZMM16-31
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return;
    has_avx2_path = ymm_saved && (ebx & bit_AVX2) && fma && f16c;
    has_avx512_path = has_avx2_path && zmm_saved && (ebx & bit_AVX512F) && (ebx & bit_AVX512BW) && (ebx & bit_AVX512VL);
}

static const zoo_kernel_table *table_of(zoo_kernel_path path) {
    switch (path) {
    case zoo_kernel_path_avx512: return &zoo_kernels_avx512;
    case zoo_kernel_path_avx2: return &zoo_kernels_avx2;
    case zoo_kernel_path_generic: return &zoo_kernels_generic;
    }
    return &zoo_kernels_generic;
}

/// What `detect_cpu` found (callers make sure it ran).
static bool detected_support(zoo_kernel_path path) {
    switch (path) {
    case zoo_kernel_path_avx512: return has_avx512_path;
    case zoo_kernel_path_avx2: return has_avx2_path;
    case zoo_kernel_path_generic: return true;
    }
    return false;
}

static void choose_kernels(void) {
    detect_cpu();
    zoo_kernel_path path = has_avx512_path ? zoo_kernel_path_avx512 : has_avx2_path ? zoo_kernel_path_avx2 : zoo_kernel_path_generic;
    const char *forced = getenv("ZOO_CPU");
    if (forced && *forced) {
        if (strcmp(forced, "avx512") == 0) path = zoo_kernel_path_avx512;
        else if (strcmp(forced, "avx2") == 0) path = zoo_kernel_path_avx2;
        else if (strcmp(forced, "generic") == 0) path = zoo_kernel_path_generic;
        else {
            fprintf(stderr, "zoo: ZOO_CPU=%s is not a kernel path; use avx512, avx2 or generic, or unset it\n", forced);
            exit(2);
        }
        if (!detected_support(path)) {
            fprintf(stderr, "zoo: ZOO_CPU=%s, but this CPU (%s) or its operating system lacks %s; use %s, or unset ZOO_CPU\n",
                    forced, model, path == zoo_kernel_path_avx512 ? "AVX-512 F/BW/VL" : "AVX2 with FMA",
                    has_avx2_path ? "avx2 or generic" : "generic");
            exit(2);
        }
    }
    atomic_store(&active, table_of(path));
}

static pthread_once_t chosen = PTHREAD_ONCE_INIT;

__attribute__((constructor)) static void choose_kernels_at_start(void) { pthread_once(&chosen, choose_kernels); }

/// The table the calling thread is held to, else the chosen one; the constructor has normally run already (the check
/// covers code running before it).
static inline const zoo_kernel_table *kernels(void) {
    if (held_table) return held_table;
    const zoo_kernel_table *table = atomic_load_explicit(&active, memory_order_relaxed);
    if (__builtin_expect(table != NULL, 1)) return table;
    pthread_once(&chosen, choose_kernels);
    return atomic_load(&active);
}

bool zoo_cpu_supports(zoo_kernel_path path) {
    pthread_once(&chosen, choose_kernels);
    return detected_support(path);
}

bool zoo_cpu_has(const char *extension) {
    unsigned eax, ebx, ecx = 0, edx, leaf7_ebx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
    unsigned leaf1_ecx = ecx;
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) leaf7_ebx = ebx;
    if (strcmp(extension, "fma") == 0) return leaf1_ecx & bit_FMA;
    if (strcmp(extension, "f16c") == 0) return leaf1_ecx & bit_F16C;
    if (strcmp(extension, "avx2") == 0) return leaf7_ebx & bit_AVX2;
    if (strcmp(extension, "avx512f") == 0) return leaf7_ebx & bit_AVX512F;
    if (strcmp(extension, "avx512bw") == 0) return leaf7_ebx & bit_AVX512BW;
    if (strcmp(extension, "avx512vl") == 0) return leaf7_ebx & bit_AVX512VL;
    return false;
}

const char *zoo_cpu_model(void) {
    pthread_once(&chosen, choose_kernels);
    return model;
}

zoo_kernel_path zoo_kernel_path_in_use(void) {
    return kernels()->path;
}

bool zoo_held_kernel_path(zoo_kernel_path *path) {
    if (held_table) *path = held_table->path;
    return held_table != NULL;
}

bool zoo_hold_thread_kernel_path(zoo_kernel_path path) {
    if (!zoo_cpu_supports(path)) return false;
    held_table = table_of(path);
    return true;
}

void zoo_release_thread_kernel_path(void) {
    held_table = NULL;
}

int64_t zoo_gemm_longest_tile_rows(void) {
    return kernels()->longest_tile_rows;
}

void zoo_gemm_tiles(int64_t tile_count, int64_t last_rows, int64_t segments, int64_t depth, const float *const *rows,
                    int64_t segment_stride, const float *panel, float *output, int64_t output_stride, int64_t column_count,
                    bool accumulate, const zoo_tile_finish *finish, const float *prefetch) {
    kernels()->gemm_tiles(tile_count, last_rows, segments, depth, rows, segment_stride, panel, output, output_stride, column_count,
                          accumulate, finish, prefetch);
}

void zoo_winograd_input_tile(const float *const *pixels, int64_t channels, float *transformed, int64_t position_stride) {
    kernels()->winograd_input_tile(pixels, channels, transformed, position_stride);
}

void zoo_winograd_output_tile(const float *products, int64_t position_stride, int64_t channels, float *const *outputs,
                              const float *bias, const float *const *residuals, bool rectify) {
    kernels()->winograd_output_tile(products, position_stride, channels, outputs, bias, residuals, rectify);
}

void zoo_winograd_gradient_tile(const float *const *block, int64_t channels, float *transformed, int64_t position_stride,
                                int64_t panel_stride) {
    kernels()->winograd_gradient_tile(block, channels, transformed, position_stride, panel_stride);
}

void zoo_transpose(const float *source, int64_t source_stride, int64_t rows, int64_t columns, float *target, int64_t target_stride) {
    kernels()->transpose(source, source_stride, rows, columns, target, target_stride);
}

void zoo_winograd_weight_row(const float *taps, int64_t tap_stride, int64_t count, const float *scale, float *transformed,
                             int64_t position_stride, int64_t panel_stride) {
    kernels()->winograd_weight_row(taps, tap_stride, count, scale, transformed, position_stride, panel_stride);
}

void zoo_sigmoid(float *values, int64_t count, bool times_input) {
    kernels()->sigmoid(values, count, times_input);
}

void zoo_depthwise_row(const float *const *input_rows, int64_t kernel_height, int64_t kernel_width, int64_t input_width,
                       int64_t channels, int64_t stride, int64_t dilation, int64_t pad_left, const float *weights,
                       const float *bias, zoo_activation activation, float *output, int64_t output_width) {
    kernels()->depthwise_row(input_rows, kernel_height, kernel_width, input_width, channels, stride, dilation, pad_left,
                             weights, bias, activation, output, output_width);
}
