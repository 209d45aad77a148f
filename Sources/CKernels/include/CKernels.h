// Zoo's hot kernels, compiled once per instruction set and chosen when the program starts.
//
// The kernel bodies (KernelBody.h) are written once with Clang vector types and instantiated three times:
// AVX-512 (16-float vectors), AVX2+FMA (8-float vectors) and plain x86-64 (4-float SSE2 vectors), each in its
// own file under `#pragma clang attribute push(target(...))`. CPUSelection.c reads cpuid and xgetbv once at
// start-up, takes the best path the CPU and the operating system support (or the one ZOO_CPU names), and
// every call below goes to that path. Nothing here needs a compiler flag: the package builds for baseline
// x86-64, and only the functions of the chosen path ever execute AVX instructions.
#ifndef ZOO_CKERNELS_H
#define ZOO_CKERNELS_H

#include <stdbool.h>
#include <stdint.h>

/// The instruction-set paths, worst to best.
typedef enum __attribute__((enum_extensibility(closed))) zoo_kernel_path {
    zoo_kernel_path_generic = 0,
    zoo_kernel_path_avx2 = 1,
    zoo_kernel_path_avx512 = 2,
} zoo_kernel_path;

/// Whether this CPU (cpuid) and its operating system (xgetbv: the vector registers are saved on a switch)
/// can run `path`. Generic is always true.
bool zoo_cpu_supports(zoo_kernel_path path);

/// The CPU's brand string from cpuid (e.g. "Intel(R) Xeon(R) Platinum 8488C"), or "unknown CPU".
const char *_Nonnull zoo_cpu_model(void);

/// Whether the CPU reports the extension, by its /proc/cpuinfo name: "avx512f", "avx512bw", "avx512vl", "avx2",
/// "fma", "f16c" (what reports list). Unknown names answer false.
bool zoo_cpu_has(const char *_Nonnull extension);

/// The path the calling thread's kernel calls take now: the one it is held to, else the one chosen at start-up.
zoo_kernel_path zoo_kernel_path_in_use(void);

/// Whether the calling thread is held to a path (then written to `path`), rather than following the one chosen at start-up.
bool zoo_held_kernel_path(zoo_kernel_path *_Nonnull path);

/// Holds the calling thread's later kernel calls to `path`; other threads are unaffected (tests compare paths in one
/// process while other tests compute beside them). Returns false, changing nothing, when the CPU cannot run the path.
bool zoo_hold_thread_kernel_path(zoo_kernel_path path);

/// Lets the calling thread follow the path chosen at start-up again.
void zoo_release_thread_kernel_path(void);

/// Tells the core that the calling thread is polling a flag (x86 `pause`): its sibling hyperthread gets the pipeline,
/// and leaving the loop does not flush it.
static inline void zoo_spin_hint(void) { __builtin_ia32_pause(); }

/// The activations the GEMM tile and the depthwise row apply in registers before they store: none, ReLU (NaN and -0 kept),
/// relu6 (ReLU, then the cap at 6; NaN stays NaN), or silu `x * (1 / (1 + e^-x))` with `zoo_sigmoid`'s exponential.
typedef enum zoo_activation {
    zoo_activation_linear = 0, zoo_activation_relu = 1, zoo_activation_relu6 = 2, zoo_activation_silu = 3
} zoo_activation;

/// The epilogue of a register tile, applied in registers before the only store: bias, residual, then the activation.
typedef struct zoo_tile_finish {
    /// The bias of the tile's first column, or NULL.
    const float *_Nullable bias;
    /// The residual element at the tile's top-left, or NULL; its rows `residual_stride` floats apart.
    const float *_Nullable residual;
    int64_t residual_stride;
    zoo_activation activation;
} zoo_tile_finish;

/// The most rows the last of `zoo_gemm_tiles` may have on the path in use: 7 with AVX-512 (14 accumulators of its 32
/// registers), else 6.
int64_t zoo_gemm_longest_tile_rows(void);

/// The GEMM's register tiles down one panel slice: `tile_count` blocks of 6 x 32 outputs one under another, the last one
/// `last_rows` rows (1 to 6, or 7 up to `zoo_gemm_longest_tile_rows()`); `output` (rows `output_stride` floats apart) =
/// [output +] rows x panel over the depth, then `finish` (or NULL) in registers. Only the first `column_count` columns
/// (1 to 32) are read, finished and stored.
/// - rows: one pointer per output row, each to `depth` consecutive floats of its A row. With `segments` > 1 the depth
///   comes in that many runs of `depth` steps, row r's run s at `rows[s * segment_stride + r]`: an indirection table, so
///   that an RGB stem reads each kernel row of its window (kernel width x 3 floats) in place from the image.
/// - panel: the packed B panel slice, `segments * depth` rows of 32 floats, read straight on.
/// - accumulate: add to `output` (later depth blocks) instead of overwriting it (the first block).
/// - finish: the bias at the slice's first column, the residual at its top-left element.
/// - prefetch: NULL, or the next panel slice the caller will multiply (as many rows of 32 floats), brought into L2 at
///   the pace the first tile reads its own slice: the weights of a deep layer come from memory, in slices far apart,
///   which the hardware prefetcher cannot foresee.
void zoo_gemm_tiles(int64_t tile_count, int64_t last_rows, int64_t segments, int64_t depth,
                    const float *_Nonnull const *_Nonnull rows, int64_t segment_stride, const float *_Nonnull panel,
                    float *_Nonnull output, int64_t output_stride, int64_t column_count, bool accumulate,
                    const zoo_tile_finish *_Nullable finish, const float *_Nullable prefetch);


/// Winograd F(2x2, 3x3) input transform of one 4x4 tile, all `channels`: position `xi` of `Bt d B` goes to
/// `transformed + xi * position_stride`. `pixels[i * 4 + j]` points at the channels of input pixel (i, j) of the
/// tile, or is NULL for a pixel in the zero padding.
void zoo_winograd_input_tile(const float *_Nullable const *_Nonnull pixels, int64_t channels,
                             float *_Nonnull transformed, int64_t position_stride);

/// Winograd F(2x2, 3x3) output transform of one tile, all `channels`: `At M A` from the 16 positions at
/// `products + xi * position_stride`, then bias (NULL for none, else at channel 0), residual and ReLU, stored to
/// `outputs[i * 2 + j]` for output pixel (i, j) of the 2x2 block (NULL: outside the image, skipped).
/// `residuals` is NULL, or holds each output pixel's residual at channel 0.
void zoo_winograd_output_tile(const float *_Nonnull products, int64_t position_stride, int64_t channels,
                              float *_Nullable const *_Nonnull outputs, const float *_Nullable bias,
                              const float *_Nullable const *_Nullable residuals, bool rectify);

/// Winograd F(2x2, 3x3) gradient transform of one 2x2 block of output gradients, all `channels`: position `xi` of
/// `A dY At` (the gradient reaching the tile's products, for the kernel gradient) goes to
/// `transformed + xi * position_stride`, channel c at `(c / 32) * panel_stride + c % 32`, the layout of a packed GEMM
/// operand's row (32 for a plain row). `block[i * 2 + j]` points at the channels of output pixel (i, j), or is NULL
/// past the output's edge.
void zoo_winograd_gradient_tile(const float *_Nullable const *_Nonnull block, int64_t channels, float *_Nonnull transformed,
                                int64_t position_stride, int64_t panel_stride);

/// The `rows` x `columns` block at `source` (rows `source_stride` floats apart) written transposed to `target` (rows
/// `target_stride` apart): `target[j * target_stride + i] = source[i * source_stride + j]`.
void zoo_transpose(const float *_Nonnull source, int64_t source_stride, int64_t rows, int64_t columns, float *_Nonnull target,
                   int64_t target_stride);

/// Winograd F(2x2, 3x3) weight transform of one input channel's 3x3 taps to `count` output channels: tap t = 3i + j
/// at `taps + t * tap_stride`, times `scale` (per output channel; NULL for none) first; position `xi` of `G g Gt` goes
/// to `transformed + xi * position_stride`, output o at `(o / 32) * panel_stride + o % 32`, a packed GEMM operand's row.
void zoo_winograd_weight_row(const float *_Nonnull taps, int64_t tap_stride, int64_t count, const float *_Nullable scale,
                             float *_Nonnull transformed, int64_t position_stride, int64_t panel_stride);

/// Sigmoid in place, `1 / (1 + e^-x)`, or silu, `x * (1 / (1 + e^-x))`, when `times_input`: a vector of values at a time
/// with a polynomial exponential within 2 ulp (libm's expf one value at a time took a third of EfficientNetB0's pass).
void zoo_sigmoid(float *_Nonnull values, int64_t count, bool times_input);

/// One output row of a depthwise convolution with one filter per channel: `output[x][c]` (`output_width` pixels of
/// `channels`) = the sum, from zero, over the taps (i, j) in the kernel's row-major order of
/// `input_rows[i][x * stride + j * dilation - pad_left][c] * weights[i][j][c]`, then `+ bias[c]` (NULL: none), then
/// `activation`: in registers, instead of a second pass over the row.
/// `input_rows` has `kernel_height` entries: the input row under each kernel row, NULL where it is padding; columns
/// outside `0 ..< input_width` are padding. `weights` is the (kernel_height, kernel_width, channels) kernel. A part of a
/// row from output column x0 on is the row whose `pad_left` is `x0 * stride` less, `output_width` long.
void zoo_depthwise_row(const float *_Nullable const *_Nonnull input_rows, int64_t kernel_height, int64_t kernel_width,
                       int64_t input_width, int64_t channels, int64_t stride, int64_t dilation, int64_t pad_left,
                       const float *_Nonnull weights, const float *_Nullable bias, zoo_activation activation,
                       float *_Nonnull output, int64_t output_width);

#endif
