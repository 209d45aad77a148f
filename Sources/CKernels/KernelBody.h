// The body of every hot kernel, written once. Each path file defines, before including it:
//   ZOO_PATH_SUFFIX         the name suffix of its functions and table (avx512, avx2, generic);
//   ZOO_VECTOR_FLOATS       floats per vector register (16 for AVX-512, 8 for AVX2, 4 for SSE2);
//   ZOO_FUSED_MULTIPLY_ADD  1 when the path has FMA instructions, else 0 (then multiply, then add);
// and wraps the include in `#pragma clang attribute push(__attribute__((target(...))), apply_to = function)`, so
// every function below is compiled for that instruction set and nothing else is. The path file includes
// <string.h> and KernelTable.h before the pragma, so their declarations keep the package's baseline target.
//
// The GEMM tile is 6 x 32 outputs on every path (the packed B panels are 32 floats wide), computed as strips of
// 6 rows x 2 vectors: one strip of twelve 16-float accumulators with AVX-512 (12 of 32 registers), two strips of
// twelve 8-float accumulators with AVX2 (12 + two panel vectors + a broadcast = 15 of its 16 registers: the whole
// tile as 24 ymm accumulators would spill), four strips of 4-float ones with SSE2.
#define ZOO_JOIN_(name, suffix) name##_##suffix
#define ZOO_JOIN(name, suffix) ZOO_JOIN_(name, suffix)
#define ZOO_NAME(name) ZOO_JOIN(name, ZOO_PATH_SUFFIX)
#define ZOO_INLINE static inline __attribute__((always_inline))

// A row block of 6q + 1 rows (a 7x7 map's 49) ends in one tile of 7 rows where the registers hold its 14 accumulators
// (AVX-512's 32), instead of a tile of one row, whose two accumulators wait on the multiply-add latency at every step.
#if ZOO_VECTOR_FLOATS == 16
#define ZOO_LONGEST_TILE_ROWS 7
#else
#define ZOO_LONGEST_TILE_ROWS 6
#endif
enum { vector_floats = ZOO_VECTOR_FLOATS, tile_rows = 6, longest_tile_rows = ZOO_LONGEST_TILE_ROWS, tile_columns = 32 };

// Clang's extended vectors: element-wise arithmetic, and a cast from a scalar broadcasts it to every lane.
typedef float vector __attribute__((ext_vector_type(ZOO_VECTOR_FLOATS)));
typedef float unaligned_vector __attribute__((ext_vector_type(ZOO_VECTOR_FLOATS), aligned(sizeof(float))));
typedef int32_t vector_mask __attribute__((ext_vector_type(ZOO_VECTOR_FLOATS)));

ZOO_INLINE vector load(const float *pointer) { return *(const unaligned_vector *)pointer; }

ZOO_INLINE void store(float *pointer, vector value) { *(unaligned_vector *)pointer = value; }

ZOO_INLINE vector splat(float value) { return (vector)value; }

/// `a * b + c`, rounded once where the CPU fuses it (as Swift's `addProduct` did), twice on the generic path.
ZOO_INLINE vector multiply_add(vector a, vector b, vector c) {
#if ZOO_FUSED_MULTIPLY_ADD
    return __builtin_elementwise_fma(a, b, c);
#else
    return a * b + c;
#endif
}

/// ReLU that keeps NaN and -0 as they are (clears exactly the lanes below zero, like the Swift code it replaced).
ZOO_INLINE vector rectify(vector value) {
    vector_mask negative = value < 0;
    return (vector)((vector_mask)value & ~negative);
}

/// 6 in the lanes above 6, the others (NaN too) as they are: relu6's cap, like the Swift code's.
ZOO_INLINE vector cap_at_six(vector value) {
    vector_mask above = value > 6;
    return (vector)(((vector_mask)value & ~above) | ((vector_mask)splat(6) & above));
}

/// The first `lanes` floats at `pointer`, the rest zero; all zero for a NULL pointer (padding).
ZOO_INLINE vector load_lanes(const float *pointer, int64_t lanes) {
    if (!pointer) return splat(0);
    if (lanes == vector_floats) return load(pointer);
    float buffer[ZOO_VECTOR_FLOATS] = {0};
    memcpy(buffer, pointer, (size_t)lanes * sizeof(float));
    return load(buffer);
}

ZOO_INLINE void store_lanes(float *pointer, vector value, int64_t lanes) {
    if (lanes == vector_floats) {
        store(pointer, value);
        return;
    }
    float buffer[ZOO_VECTOR_FLOATS];
    store(buffer, value);
    memcpy(pointer, buffer, (size_t)lanes * sizeof(float));
}

/// The largest integer-valued lanes not above `x` (|x| below 2^31): one rounding instruction on the AVX2 and AVX-512
/// paths, a truncation and a correction on the generic one. Either way exact, so every path floors alike.
ZOO_INLINE vector floor_lanes(vector x) {
#if ZOO_VECTOR_FLOATS >= 8
    return __builtin_elementwise_floor(x);
#else
    vector truncated = __builtin_convertvector(__builtin_convertvector(x, vector_mask), vector);
    return truncated - (vector)((vector_mask)(truncated > x) & (vector_mask)splat(1.0f));
#endif
}

/// `y * 2^n` for integer-valued lanes `n` with 2^n a normal float: AVX-512's scalef, else a product with 2^n written
/// into the exponent bits. Both are exact products by a power of two, so the paths round alike; scalef spares the
/// conversion, add and shift (with the single rounding instruction above, silu's exponential is 30% faster, which
/// EfficientNet's 5 million silu lanes at batch 1 feel).
ZOO_INLINE vector times_power_of_two(vector y, vector n) {
#if ZOO_VECTOR_FLOATS == 16
    return (vector)_mm512_scalef_ps((__m512)y, (__m512)n);
#else
    return y * (vector)((__builtin_convertvector(n, vector_mask) + 127) << 23);
#endif
}

/// e^x, a vector at a time: x = n ln2 + r with |r| <= ln2 / 2 (ln2 in two parts, so r is exact), e^r by Cephes'
/// degree-6 polynomial (within 2 ulp over that range), then times 2^n written into the exponent bits. x is clamped to
/// [-87, 88] first, where 2^n stays a normal float: e^88 is 1.7e38 instead of infinity and e^-87 1.6e-38 instead of
/// less, which moves 1 / (1 + e^x) by under 1e-38. A NaN lane gives NaN.
ZOO_INLINE vector exponential(vector x) {
    vector_mask not_a_number = x != x;
    vector clamped = __builtin_elementwise_min(__builtin_elementwise_max(x, splat(-87.0f)), splat(88.0f));
    vector scaled = clamped * 1.44269504088896341f + 0.5f;
    vector n = floor_lanes(scaled);
    vector r = clamped - n * 0.693359375f + n * 2.12194440e-4f;
    vector p = splat(1.9875691500e-4f);
    p = multiply_add(p, r, splat(1.3981999507e-3f));
    p = multiply_add(p, r, splat(8.3334519073e-3f));
    p = multiply_add(p, r, splat(4.1665795894e-2f));
    p = multiply_add(p, r, splat(1.6666665459e-1f));
    p = multiply_add(p, r, splat(5.0000001201e-1f));
    vector y = times_power_of_two(multiply_add(p, r * r, r) + 1.0f, n);
    return (vector)(((vector_mask)y & ~not_a_number) | ((vector_mask)x & not_a_number));
}

/// `1 / (1 + e^-x)`.
ZOO_INLINE vector sigmoid(vector x) { return 1.0f / (1.0f + exponential(-x)); }

/// `activation` of each lane (`zoo_activation`): the one form every kernel that finishes outputs in registers uses.
ZOO_INLINE vector activate(vector value, zoo_activation activation) {
    switch (activation) {
    case zoo_activation_relu: return rectify(value);
    case zoo_activation_relu6: return cap_at_six(rectify(value));
    case zoo_activation_silu: return value * sigmoid(value);
    default: return value;
    }
}

/// Lanes of a vector that hold some of `remaining` values (0 to a whole vector).
ZOO_INLINE int64_t lanes_of(int64_t remaining) {
    return remaining <= 0 ? 0 : remaining < vector_floats ? remaining : vector_floats;
}

/// Columns `column ..< column + 2 * vector_floats` of the first `row_count` rows of the 6 x 32 tile: up to twelve
/// accumulators held in registers over the whole depth loop (one broadcast of an A element per row, two panel
/// vectors, two fused multiply-adds per row and step). Always inlined with a constant `row_count`, so each count
/// compiles to its own fully unrolled loop.
///
/// The depth may come in `segments` runs of `depth` steps each, row r's run s at `rows[s * segment_stride + r]`, the panel
/// read straight on (an RGB stem's kernel rows, read in place from the image); one run otherwise.
///
/// Only the tile's first `column_count` columns are read, finished and stored (the last panel of a layer whose outputs
/// are not a multiple of 32: 16 and 24 in MobileNetV2's projections); a strip wholly past them does nothing. `vectors` (a
/// constant once inlined) is 1 where the strip's columns fit in one vector: its rows then take one multiply-add per step,
/// not two of which one computes nothing (MobileNetV2's first projection, to 16 channels, at half the work).
ZOO_INLINE void gemm_strip(int row_count, int vectors, int64_t segments, int64_t depth, const float *const *rows, int64_t segment_stride,
                           const float *panel, float *output, int64_t output_stride, int64_t column_count, bool accumulate,
                           const zoo_tile_finish *finish, int64_t column, const float *prefetch) {
    if (column >= column_count) return;
    int64_t lanes0 = lanes_of(column_count - column), lanes1 = vectors == 2 ? lanes_of(column_count - column - vector_floats) : 0;
    const float *a[longest_tile_rows];
    vector c[longest_tile_rows][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < row_count; r++) {
        float *out = output + r * output_stride + column;
        c[r][0] = accumulate ? load_lanes(out, lanes0) : splat(0);
        c[r][1] = accumulate && lanes1 > 0 ? load_lanes(out + vector_floats, lanes1) : splat(0);
    }
    if (finish && finish->residual) {
        // The residual rows are read only after the depth loop, and at large maps (ResNet50's 56x56x256 at batch 16:
        // 51 MB) they come from memory. Asked for now, they arrive while the loop runs. Left to the hardware
        // prefetchers, whether those loads stalled changed from one build of the engine to another: one such step
        // took 5.2 ms in one program and 8.3 ms in another.
#pragma clang loop unroll(full)
        for (int r = 0; r < row_count; r++) {
            const float *residual = finish->residual + r * finish->residual_stride + column;
            __builtin_prefetch(residual, 0, 3);
            if (vectors == 2) __builtin_prefetch(residual + vector_floats, 0, 3);
        }
    }
    const float *b = panel + column;
    const float *next = prefetch;
    for (int64_t segment = 0; segment < segments; segment++) {
#pragma clang loop unroll(full)
        for (int r = 0; r < row_count; r++) a[r] = rows[segment * segment_stride + r];
        for (int64_t k = 0; k < depth; k++, b += tile_columns) {
            if (next) {
                // Two cache lines per step: the next slice's row, as fast as this slice's rows are read.
                __builtin_prefetch(next, 0, 2);
                __builtin_prefetch(next + 16, 0, 2);
                next += tile_columns;
            }
            vector b0 = load(b), b1 = vectors == 2 ? load(b + vector_floats) : splat(0);
#pragma clang loop unroll(full)
            for (int r = 0; r < row_count; r++) {
                vector s = splat(a[r][k]);
                c[r][0] = multiply_add(s, b0, c[r][0]);
                if (vectors == 2) c[r][1] = multiply_add(s, b1, c[r][1]);
            }
        }
    }
    if (finish) {
        if (finish->bias) {
            vector bias0 = load_lanes(finish->bias + column, lanes0);
            vector bias1 = lanes1 > 0 ? load_lanes(finish->bias + column + vector_floats, lanes1) : splat(0);
#pragma clang loop unroll(full)
            for (int r = 0; r < row_count; r++) {
                c[r][0] += bias0;
                if (vectors == 2) c[r][1] += bias1;
            }
        }
        if (finish->residual) {
#pragma clang loop unroll(full)
            for (int r = 0; r < row_count; r++) {
                const float *residual = finish->residual + r * finish->residual_stride + column;
                c[r][0] += load_lanes(residual, lanes0);
                if (lanes1 > 0) c[r][1] += load_lanes(residual + vector_floats, lanes1);
            }
        }
#pragma clang loop unroll(full)
        for (int r = 0; r < row_count; r++) {
            c[r][0] = activate(c[r][0], finish->activation);
            if (vectors == 2) c[r][1] = activate(c[r][1], finish->activation);
        }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < row_count; r++) {
        float *out = output + r * output_stride + column;
        store_lanes(out, c[r][0], lanes0);
        if (lanes1 > 0) store_lanes(out + vector_floats, c[r][1], lanes1);
    }
}

ZOO_INLINE void gemm_rows(int row_count, int64_t segments, int64_t depth, const float *const *rows, int64_t segment_stride,
                          const float *panel, float *output, int64_t output_stride, int64_t column_count, bool accumulate,
                          const zoo_tile_finish *finish, const float *prefetch) {
#pragma clang loop unroll(full)
    for (int64_t column = 0; column < tile_columns; column += 2 * vector_floats) {
        // The first strip reads every depth step, so it alone prefetches.
        const float *next = column == 0 ? prefetch : NULL;
        if (column_count - column <= vector_floats) {
            gemm_strip(row_count, 1, segments, depth, rows, segment_stride, panel, output, output_stride, column_count, accumulate, finish,
                       column, next);
        } else {
            gemm_strip(row_count, 2, segments, depth, rows, segment_stride, panel, output, output_stride, column_count, accumulate, finish,
                       column, next);
        }
    }
}

/// `gemm_rows` with a row count known when it is inlined: each count its own unrolled loop.
ZOO_INLINE void gemm_counted_rows(int64_t row_count, int64_t segments, int64_t depth, const float *const *rows,
                                  int64_t segment_stride, const float *panel, float *output, int64_t output_stride,
                                  int64_t column_count, bool accumulate, const zoo_tile_finish *finish, const float *prefetch) {
    switch (row_count) {
#define ZOO_ROWS(count) gemm_rows(count, segments, depth, rows, segment_stride, panel, output, output_stride, column_count, accumulate, \
                                  finish, prefetch)
    case 1: ZOO_ROWS(1); break;
    case 2: ZOO_ROWS(2); break;
    case 3: ZOO_ROWS(3); break;
    case 4: ZOO_ROWS(4); break;
    case 5: ZOO_ROWS(5); break;
#if ZOO_LONGEST_TILE_ROWS == 7
    case 7: ZOO_ROWS(7); break;
#endif
    default: ZOO_ROWS(tile_rows); break;
#undef ZOO_ROWS
    }
}

/// `tile_count` tiles one under another down one panel slice, the last one `last_rows` rows (1 to 6, or 7 where
/// `longest_tile_rows` is: a row block whose row count is not a multiple of 6 computes only its own rows), tile t's row
/// pointers from `rows[6t]`, its outputs and residual rows from row 6t; only the first tile prefetches. One call per slice:
/// a shallow layer's tile (a depth of 16 to 32) is over in tens of nanoseconds, too short to be a call of its own.
static void ZOO_NAME(gemm_tiles)(int64_t tile_count, int64_t last_rows, int64_t segments, int64_t depth, const float *const *rows,
                                 int64_t segment_stride, const float *panel, float *output, int64_t output_stride,
                                 int64_t column_count, bool accumulate, const zoo_tile_finish *finish, const float *prefetch) {
    zoo_tile_finish shifted;
    const zoo_tile_finish *tile_finish = NULL;
    if (finish) {
        shifted = *finish;
        tile_finish = &shifted;
    }
    for (int64_t tile = 0; tile < tile_count; tile++) {
        int64_t row = tile * tile_rows, count = tile == tile_count - 1 ? last_rows : tile_rows;
        if (finish && finish->residual) shifted.residual = finish->residual + row * finish->residual_stride;
        const float *next = tile == 0 ? prefetch : NULL;
        // One run of the depth (every operand but the in-place RGB stems) compiles without the loop over runs.
        if (segments == 1) {
            gemm_counted_rows(count, 1, depth, rows + row, 0, panel, output + row * output_stride, output_stride, column_count,
                              accumulate, tile_finish, next);
        } else {
            gemm_counted_rows(count, segments, depth, rows + row, segment_stride, panel, output + row * output_stride, output_stride,
                              column_count, accumulate, tile_finish, next);
        }
    }
}

/// `Bt d B` of one 4x4 tile, `vector_floats` channels at a time; Bt = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0],
/// [0, 1, 0, -1]], applied to the columns, then to the rows. Only adds and subtracts: exact up to rounding.
static void ZOO_NAME(winograd_input_tile)(const float *const *pixels, int64_t channels, float *transformed,
                                          int64_t position_stride) {
    for (int64_t channel = 0; channel < channels; channel += vector_floats) {
        int64_t lanes = lanes_of(channels - channel);
        vector d[16], t[16];
#pragma clang loop unroll(full)
        for (int i = 0; i < 16; i++) d[i] = load_lanes(pixels[i] ? pixels[i] + channel : NULL, lanes);
#pragma clang loop unroll(full)
        for (int j = 0; j < 4; j++) {
            vector x0 = d[j], x1 = d[4 + j], x2 = d[8 + j], x3 = d[12 + j];
            t[j] = x0 - x2;
            t[4 + j] = x1 + x2;
            t[8 + j] = x2 - x1;
            t[12 + j] = x1 - x3;
        }
#pragma clang loop unroll(full)
        for (int i = 0; i < 4; i++) {
            vector x0 = t[4 * i], x1 = t[4 * i + 1], x2 = t[4 * i + 2], x3 = t[4 * i + 3];
            float *row = transformed + 4 * i * position_stride + channel;
            store_lanes(row, x0 - x2, lanes);
            store_lanes(row + position_stride, x1 + x2, lanes);
            store_lanes(row + 2 * position_stride, x2 - x1, lanes);
            store_lanes(row + 3 * position_stride, x1 - x3, lanes);
        }
    }
}

/// `U = G g Gt` for one input channel's 3x3 taps to `count` output channels, `vector_floats` outputs at a time:
/// tap t = 3i + j is at `taps + t * tap_stride`, times `scale` (per output, NULL for none) first; G = [[1, 0, 0],
/// [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]. Position xi = 4i + j goes to `transformed + xi * position_stride`,
/// output o at (o / 32) * panel_stride + o % 32 (a packed GEMM operand's row).
static void ZOO_NAME(winograd_weight_row)(const float *taps, int64_t tap_stride, int64_t count, const float *scale,
                                          float *transformed, int64_t position_stride, int64_t panel_stride) {
    for (int64_t output = 0; output < count; output += vector_floats) {
        int64_t lanes = lanes_of(count - output);
        vector g[9], c[12];
#pragma clang loop unroll(full)
        for (int t = 0; t < 9; t++) {
            g[t] = load_lanes(taps + t * tap_stride + output, lanes);
            if (scale) g[t] *= load_lanes(scale + output, lanes);
        }
        // G g: each kernel column (taps j, 3 + j, 6 + j) expanded to 4 rows.
#pragma clang loop unroll(full)
        for (int j = 0; j < 3; j++) {
            vector x0 = g[j], x1 = g[3 + j], x2 = g[6 + j];
            c[j] = x0;
            c[3 + j] = (x0 + x1 + x2) * 0.5f;
            c[6 + j] = (x0 - x1 + x2) * 0.5f;
            c[9 + j] = x2;
        }
        // (G g) Gt: each of those rows expanded to 4 columns.
        float *base = transformed + (output / tile_columns) * panel_stride + output % tile_columns;
#pragma clang loop unroll(full)
        for (int i = 0; i < 4; i++) {
            vector x0 = c[3 * i], x1 = c[3 * i + 1], x2 = c[3 * i + 2];
            float *row = base + 4 * i * position_stride;
            store_lanes(row, x0, lanes);
            store_lanes(row + position_stride, (x0 + x1 + x2) * 0.5f, lanes);
            store_lanes(row + 2 * position_stride, (x0 - x1 + x2) * 0.5f, lanes);
            store_lanes(row + 3 * position_stride, x2, lanes);
        }
    }
}

/// `target[j * target_stride + i] = source[i * source_stride + j]` for the `rows` x `columns` block at `source`: 8 x 8
/// blocks transposed in registers (three rounds of shuffles), the edges one value at a time. Eight floats whatever the
/// path's vector width: the shuffles are the same, and AVX2 and AVX-512 both load them in one instruction.
static void ZOO_NAME(transpose)(const float *source, int64_t source_stride, int64_t rows, int64_t columns, float *target,
                                int64_t target_stride) {
    typedef float v8 __attribute__((ext_vector_type(8)));
    typedef float unaligned_v8 __attribute__((ext_vector_type(8), aligned(sizeof(float))));
    int64_t full_rows = rows / 8 * 8, full_columns = columns / 8 * 8;
    for (int64_t i = 0; i < full_rows; i += 8) {
        for (int64_t j = 0; j < full_columns; j += 8) {
            v8 r[8], t[8], u[8];
#pragma clang loop unroll(full)
            for (int k = 0; k < 8; k++) r[k] = *(const unaligned_v8 *)(source + (i + k) * source_stride + j);
            // Pairs of rows interleaved, then pairs of pairs, then the two halves: row k of the result is column k.
#pragma clang loop unroll(full)
            for (int k = 0; k < 8; k += 2) {
                t[k] = __builtin_shufflevector(r[k], r[k + 1], 0, 8, 1, 9, 4, 12, 5, 13);
                t[k + 1] = __builtin_shufflevector(r[k], r[k + 1], 2, 10, 3, 11, 6, 14, 7, 15);
            }
#pragma clang loop unroll(full)
            for (int k = 0; k < 8; k += 4) {
                u[k] = __builtin_shufflevector(t[k], t[k + 2], 0, 1, 8, 9, 4, 5, 12, 13);
                u[k + 1] = __builtin_shufflevector(t[k], t[k + 2], 2, 3, 10, 11, 6, 7, 14, 15);
                u[k + 2] = __builtin_shufflevector(t[k + 1], t[k + 3], 0, 1, 8, 9, 4, 5, 12, 13);
                u[k + 3] = __builtin_shufflevector(t[k + 1], t[k + 3], 2, 3, 10, 11, 6, 7, 14, 15);
            }
#pragma clang loop unroll(full)
            for (int k = 0; k < 4; k++) {
                *(unaligned_v8 *)(target + (j + k) * target_stride + i) = __builtin_shufflevector(u[k], u[k + 4], 0, 1, 2, 3, 8, 9, 10, 11);
                *(unaligned_v8 *)(target + (j + k + 4) * target_stride + i) = __builtin_shufflevector(u[k], u[k + 4], 4, 5, 6, 7, 12, 13, 14, 15);
            }
        }
        for (int64_t j = full_columns; j < columns; j++) {
            for (int64_t k = i; k < i + 8; k++) target[j * target_stride + k] = source[k * source_stride + j];
        }
    }
    for (int64_t i = full_rows; i < rows; i++) {
        for (int64_t j = 0; j < columns; j++) target[j * target_stride + i] = source[i * source_stride + j];
    }
}

/// `A dY At` of one 2x2 block of output gradients, the gradient reaching the tile's 16 products M, `vector_floats`
/// channels at a time; A = [[1, 0], [1, 1], [1, -1], [0, -1]], the transpose of the output transform's At.
static void ZOO_NAME(winograd_gradient_tile)(const float *const *block, int64_t channels, float *transformed,
                                             int64_t position_stride, int64_t panel_stride) {
    for (int64_t channel = 0; channel < channels; channel += vector_floats) {
        int64_t lanes = lanes_of(channels - channel);
        vector y[4];
#pragma clang loop unroll(full)
        for (int i = 0; i < 4; i++) y[i] = load_lanes(block[i] ? block[i] + channel : NULL, lanes);
        // A dY, row by row (y[0], y[1] the block's first row; y[2], y[3] its second); then each row (a, b) times At:
        // (a, a + b, a - b, -b).
        vector a[4] = {y[0], y[0] + y[2], y[0] - y[2], -y[2]}, b[4] = {y[1], y[1] + y[3], y[1] - y[3], -y[3]};
        // A vector of channels never straddles a 32-column panel: 32 is a multiple of every path's vector width.
        float *base = transformed + (channel / tile_columns) * panel_stride + channel % tile_columns;
#pragma clang loop unroll(full)
        for (int i = 0; i < 4; i++) {
            float *row = base + 4 * i * position_stride;
            store_lanes(row, a[i], lanes);
            store_lanes(row + position_stride, a[i] + b[i], lanes);
            store_lanes(row + 2 * position_stride, a[i] - b[i], lanes);
            store_lanes(row + 3 * position_stride, -b[i], lanes);
        }
    }
}

/// `At M A` of one tile, `vector_floats` channels at a time; At = [[1, 1, 1, 0], [0, 1, -1, -1]], applied to the
/// columns, then to the rows; then bias, residual and ReLU before the only store.
static void ZOO_NAME(winograd_output_tile)(const float *products, int64_t position_stride, int64_t channels,
                                           float *const *outputs, const float *bias, const float *const *residuals,
                                           bool rectify_outputs) {
    for (int64_t channel = 0; channel < channels; channel += vector_floats) {
        int64_t lanes = lanes_of(channels - channel);
        vector s[2][4], y[4];
#pragma clang loop unroll(full)
        for (int j = 0; j < 4; j++) {
            const float *column = products + j * position_stride + channel;
            vector m0 = load_lanes(column, lanes), m1 = load_lanes(column + 4 * position_stride, lanes);
            vector m2 = load_lanes(column + 8 * position_stride, lanes), m3 = load_lanes(column + 12 * position_stride, lanes);
            s[0][j] = m0 + m1 + m2;
            s[1][j] = m1 - m2 - m3;
        }
#pragma clang loop unroll(full)
        for (int i = 0; i < 2; i++) {
            y[2 * i] = s[i][0] + s[i][1] + s[i][2];
            y[2 * i + 1] = s[i][1] - s[i][2] - s[i][3];
        }
#pragma clang loop unroll(full)
        for (int k = 0; k < 4; k++) {
            if (!outputs[k]) continue;
            vector value = y[k];
            if (bias) value += load_lanes(bias + channel, lanes);
            if (residuals && residuals[k]) value += load_lanes(residuals[k] + channel, lanes);
            if (rectify_outputs) value = rectify(value);
            store_lanes(outputs[k] + channel, value, lanes);
        }
    }
}

/// `values[i] = 1 / (1 + e^-x)`, or `x / (1 + e^-x)` (silu) when `times_input`, in place.
static void ZOO_NAME(sigmoid)(float *values, int64_t count, bool times_input) {
    for (int64_t i = 0; i < count; i += vector_floats) {
        int64_t lanes = lanes_of(count - i);
        vector x = load_lanes(values + i, lanes);
        store_lanes(values + i, times_input ? activate(x, zoo_activation_silu) : sigmoid(x), lanes);
    }
}

// Outputs a depthwise row sums side by side. Eight chains keep two multiply-add units of four cycles' latency busy; with
// AVX2's and SSE2's 16 registers, four.
enum { depthwise_pixels = vector_floats == 16 ? 8 : 4 };

/// One output of a depthwise row, `lanes` channels from `channel` on: the sum from zero of its taps inside the row, in the
/// kernel's row-major order, its window starting at column `start`. For the last channels when they fill less than a
/// vector.
ZOO_INLINE vector depthwise_output(int64_t kernel_height, int64_t kernel_width, const float *const *input_rows, int64_t input_width,
                                   int64_t channels, int64_t start, int64_t dilation, const float *weights, int64_t channel,
                                   int64_t lanes) {
    vector sum = splat(0);
    for (int64_t i = 0; i < kernel_height; i++) {
        const float *row = input_rows[i];
        if (!row) continue;
        for (int64_t j = 0; j < kernel_width; j++) {
            int64_t column = start + j * dilation;
            if (column < 0 || column >= input_width) continue;
            sum = multiply_add(load_lanes(row + column * channels + channel, lanes),
                               load_lanes(weights + (i * kernel_width + j) * channels + channel, lanes), sum);
        }
    }
    return sum;
}

/// `depthwise_pixels` neighbouring outputs from column `x` (the first `count` of them stored), a whole vector of channels
/// from `channel` on, summed side by side: each output's sum is a chain of dependent multiply-adds (nine for a 3x3
/// kernel), and one chain at a time waited on the multiply-add's latency at every tap. `checked` blocks (at the row's
/// ends, and the last one) read a vector of zeros for the taps outside the row and for outputs past `count`; inlined
/// with `checked` false, the interior's blocks test nothing. Each output sums its taps from zero in the kernel's
/// row-major order, as `depthwise_output` does: an outside tap adds a zero product, which changes no sum while the
/// weights are finite (an infinite or NaN weight makes it NaN, where skipping the tap would not).
ZOO_INLINE void depthwise_block(int64_t kernel_height, int64_t kernel_width, bool checked, int count, const float *const *input_rows,
                                int64_t input_width, int64_t channels, int64_t x, int64_t stride, int64_t dilation, int64_t pad_left,
                                const float *weights, const float *bias, zoo_activation activation, int64_t channel,
                                float *output) {
    static const float zeros[ZOO_VECTOR_FLOATS] = {0};
    vector sum[depthwise_pixels];
#pragma clang loop unroll(full)
    for (int p = 0; p < depthwise_pixels; p++) sum[p] = splat(0);
    // Unrolled by up to five, whole for the 3x3 and 5x5 kernels: their taps' offsets become constants.
#pragma clang loop unroll_count(5)
    for (int64_t i = 0; i < kernel_height; i++) {
        const float *row = input_rows[i];
        if (!row) continue;
#pragma clang loop unroll_count(5)
        for (int64_t j = 0; j < kernel_width; j++) {
            vector w = load(weights + (i * kernel_width + j) * channels + channel);
#pragma clang loop unroll(full)
            for (int p = 0; p < depthwise_pixels; p++) {
                int64_t column = (x + p) * stride - pad_left + j * dilation;
                const float *pixel = checked && (p >= count || column < 0 || column >= input_width)
                    ? zeros : row + column * channels + channel;
                sum[p] = multiply_add(load(pixel), w, sum[p]);
            }
        }
    }
    vector b = bias ? load(bias + channel) : splat(0);
#pragma clang loop unroll(full)
    for (int p = 0; p < depthwise_pixels; p++) {
        if (!checked || p < count) store(output + (x + p) * channels + channel, activate(sum[p] + b, activation));
    }
}

/// `depthwise_row` with the kernel's size known when it is inlined (3x3 and 5x5, the sizes MobileNet and EfficientNet
/// use). Blocks of neighbouring outputs walk the row once, each through every vector of channels: the input pixels
/// are then read in memory order. (A vector of channels walking the whole row before the next, the order before,
/// read one cache line per pixel at strides of kilobytes, which the hardware prefetchers do not follow.)
ZOO_INLINE void depthwise_sized_row(int64_t kernel_height, int64_t kernel_width, const float *const *input_rows, int64_t input_width,
                                    int64_t channels, int64_t stride, int64_t dilation, int64_t pad_left, const float *weights,
                                    const float *bias, zoo_activation activation, float *output, int64_t output_width) {
    int64_t vectors = channels / vector_floats * vector_floats;
    // Outputs first ..< last read no column outside the row, and are among the row's outputs (a row's first columns only,
    // when a GEMM row block ends inside it, stop short of the input row's end).
    int64_t reach = (kernel_width - 1) * dilation;
    int64_t first = (pad_left + stride - 1) / stride;
    int64_t last = input_width - 1 - reach + pad_left >= 0 ? (input_width - 1 - reach + pad_left) / stride + 1 : 0;
    if (last > output_width) last = output_width;
    for (int64_t x = 0; x < output_width && vectors > 0; x += depthwise_pixels) {
        if (x >= first && x + depthwise_pixels <= last) {
            for (int64_t channel = 0; channel < vectors; channel += vector_floats) {
                depthwise_block(kernel_height, kernel_width, false, depthwise_pixels, input_rows, input_width, channels, x, stride,
                                dilation, pad_left, weights, bias, activation, channel, output);
            }
        } else {
            int count = output_width - x < depthwise_pixels ? (int)(output_width - x) : depthwise_pixels;
            for (int64_t channel = 0; channel < vectors; channel += vector_floats) {
                depthwise_block(kernel_height, kernel_width, true, count, input_rows, input_width, channels, x, stride, dilation,
                                pad_left, weights, bias, activation, channel, output);
            }
        }
    }
    for (int64_t channel = vectors; channel < channels; channel += vector_floats) {
        int64_t lanes = lanes_of(channels - channel);
        vector b = bias ? load_lanes(bias + channel, lanes) : splat(0);
        for (int64_t x = 0; x < output_width; x++) {
            vector sum = depthwise_output(kernel_height, kernel_width, input_rows, input_width, channels, x * stride - pad_left,
                                          dilation, weights, channel, lanes);
            store_lanes(output + x * channels + channel, activate(sum + b, activation), lanes);
        }
    }
}

/// One output row of a depthwise convolution with one filter per channel: output[x][c] = (the sum, from zero, over the
/// taps (i, j) in the kernel's row-major order of input_rows[i][x * stride + j * dilation - pad_left][c] *
/// weights[i][j][c]) + bias[c] (NULL: no bias), then `activation`. `input_rows[i]` is the input row under kernel row i, NULL where that
/// row is padding; columns outside the row are padding too.
static void ZOO_NAME(depthwise_row)(const float *const *input_rows, int64_t kernel_height, int64_t kernel_width,
                                    int64_t input_width, int64_t channels, int64_t stride, int64_t dilation, int64_t pad_left,
                                    const float *weights, const float *bias, zoo_activation activation, float *output,
                                    int64_t output_width) {
    if (kernel_height == 3 && kernel_width == 3) {
        depthwise_sized_row(3, 3, input_rows, input_width, channels, stride, dilation, pad_left, weights, bias, activation, output,
                            output_width);
    } else if (kernel_height == 5 && kernel_width == 5) {
        depthwise_sized_row(5, 5, input_rows, input_width, channels, stride, dilation, pad_left, weights, bias, activation, output,
                            output_width);
    } else {
        depthwise_sized_row(kernel_height, kernel_width, input_rows, input_width, channels, stride, dilation, pad_left, weights, bias,
                            activation, output, output_width);
    }
}

const zoo_kernel_table ZOO_JOIN(zoo_kernels, ZOO_PATH_SUFFIX) = {
    .path = ZOO_JOIN(zoo_kernel_path, ZOO_PATH_SUFFIX),
    .longest_tile_rows = longest_tile_rows,
    .gemm_tiles = ZOO_NAME(gemm_tiles),
    .winograd_input_tile = ZOO_NAME(winograd_input_tile),
    .winograd_output_tile = ZOO_NAME(winograd_output_tile),
    .winograd_gradient_tile = ZOO_NAME(winograd_gradient_tile),
    .transpose = ZOO_NAME(transpose),
    .winograd_weight_row = ZOO_NAME(winograd_weight_row),
    .sigmoid = ZOO_NAME(sigmoid),
    .depthwise_row = ZOO_NAME(depthwise_row),
};
