// The kernels of one instruction-set path, as CPUSelection.c dispatches to them. Each of KernelsAVX512.c,
// KernelsAVX2.c and KernelsGeneric.c defines one table by including KernelBody.h.
#ifndef ZOO_KERNEL_TABLE_H
#define ZOO_KERNEL_TABLE_H

#include "CKernels.h"

typedef struct zoo_kernel_table {
    zoo_kernel_path path;
    int64_t longest_tile_rows;
    void (*gemm_tiles)(int64_t tile_count, int64_t last_rows, int64_t segments, int64_t depth, const float *const *rows,
                       int64_t segment_stride, const float *panel, float *output, int64_t output_stride, int64_t column_count,
                       bool accumulate, const zoo_tile_finish *finish, const float *prefetch);
    void (*winograd_input_tile)(const float *const *pixels, int64_t channels, float *transformed, int64_t position_stride);
    void (*winograd_output_tile)(const float *products, int64_t position_stride, int64_t channels, float *const *outputs,
                                 const float *bias, const float *const *residuals, bool rectify);
    void (*winograd_gradient_tile)(const float *const *block, int64_t channels, float *transformed, int64_t position_stride,
                                   int64_t panel_stride);
    void (*transpose)(const float *source, int64_t source_stride, int64_t rows, int64_t columns, float *target, int64_t target_stride);
    void (*winograd_weight_row)(const float *taps, int64_t tap_stride, int64_t count, const float *scale, float *transformed,
                                int64_t position_stride, int64_t panel_stride);
    void (*sigmoid)(float *values, int64_t count, bool times_input);
    void (*depthwise_row)(const float *const *input_rows, int64_t kernel_height, int64_t kernel_width, int64_t input_width,
                          int64_t channels, int64_t stride, int64_t dilation, int64_t pad_left, const float *weights,
                          const float *bias, zoo_activation activation, float *output, int64_t output_width);
} zoo_kernel_table;

extern const zoo_kernel_table zoo_kernels_avx512;
extern const zoo_kernel_table zoo_kernels_avx2;
extern const zoo_kernel_table zoo_kernels_generic;

#endif
