#include "sparse_kernels.h"

#include <stdlib.h>
#include <string.h>

// Eight floats; aligned(4) so loads and stores need no 32-byte alignment.
typedef float v8f __attribute__((vector_size(32), aligned(4)));

// Macros rather than functions: a helper returning a vector would need the
// AVX target itself (its return ABI changes), and these stay generic.
#define load8(p) ({ v8f v_; memcpy(&v_, (p), sizeof v_); v_; })
#define store8(p, v) do { v8f s_ = (v); memcpy((p), &s_, sizeof s_); } while (0)
#define splat8(s) ((v8f){0} + (float)(s))
typedef float v16f __attribute__((vector_size(64), aligned(4)));
#define load16(p) ({ v16f v_; memcpy(&v_, (p), sizeof v_); v_; })
#define store16(p, v) do { v16f s_ = (v); memcpy((p), &s_, sizeof s_); } while (0)
#define splat16(s) ((v16f){0} + (float)(s))
#define sum8(v) ({ v8f w_ = (v); ((w_[0] + w_[4]) + (w_[1] + w_[5])) + ((w_[2] + w_[6]) + (w_[3] + w_[7])); })

// ---- Bodies, written once and instantiated per target below. ----
// The column of non-zero k is COL(k); its value VAL(k).

// One row of y = W x: four independent partial sums hide the add latency.
#define SPMV_ROW(BEGIN, END, COL, VAL)                                               \
    do {                                                                             \
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;                                        \
        int k = (BEGIN), e = (END);                                                  \
        for (; k + 4 <= e; k += 4) {                                                 \
            a0 += VAL(k) * x[COL(k)];                                                \
            a1 += VAL(k + 1) * x[COL(k + 1)];                                        \
            a2 += VAL(k + 2) * x[COL(k + 2)];                                        \
            a3 += VAL(k + 3) * x[COL(k + 3)];                                        \
        }                                                                            \
        for (; k < e; k++) a0 += VAL(k) * x[COL(k)];                                 \
        y[r] = (bias ? bias[r] : 0.0f) + ((a0 + a1) + (a2 + a3));                    \
    } while (0)

// Rows [row_begin, row_end) of yt = W xt, 32 samples at a time, then 8,
// then one by one. BEGIN(r) and END(r) bound row r's non-zeros, whose
// columns ascend. A 32-sample slice of xt is cols x 128 bytes, read by every
// row: when the rows have many non-zeros per column (SPMM_TILE_FILL) it is
// copied, TILE_COLS columns at a time, into a contiguous buffer the
// first-level cache holds (xt's rows lie `batch` floats apart, which maps
// them onto few cache sets), and every row adds that tile's non-zeros into
// its accumulators, resuming where the previous tile stopped. A row's sums
// are the same, in the same order, either way.
#define SPMM(BEGIN, END, COL, VAL) SPMM_WITH(SPMM32_V8, BEGIN, END, COL, VAL)
#define SPMM512(BEGIN, END, COL, VAL) SPMM_WITH(SPMM32_V16, BEGIN, END, COL, VAL)
enum { TILE_COLS = 256, SPMM_TILE_FILL = 8 };

// 32 samples of row r, its non-zeros k in [*cursor, END(r)) with a column
// below j1, read from xs (column c at xs + (c - j0) * xs_stride); starts
// from the bias when first, else from yt. Four 8-wide or two 16-wide sums.
#define SPMM32_V8(END, COL, VAL)                                                     \
    do {                                                                             \
        float *yr = yt + (long)r * batch + s;                                        \
        v8f c0, c1, c2, c3;                                                          \
        if (first) { c0 = splat8(bias ? bias[r] : 0.0f); c1 = c0; c2 = c0; c3 = c0; } \
        else { c0 = load8(yr); c1 = load8(yr + 8); c2 = load8(yr + 16); c3 = load8(yr + 24); } \
        int k = *cursor;                                                             \
        for (; k < END(r) && COL(k) < j1; k++) {                                     \
            v8f v = splat8(VAL(k));                                                  \
            const float *xp = xs + (long)(COL(k) - j0) * xs_stride;                  \
            c0 += v * load8(xp);                                                     \
            c1 += v * load8(xp + 8);                                                 \
            c2 += v * load8(xp + 16);                                                \
            c3 += v * load8(xp + 24);                                                \
        }                                                                            \
        *cursor = k;                                                                 \
        store8(yr, c0); store8(yr + 8, c1); store8(yr + 16, c2); store8(yr + 24, c3); \
    } while (0)
#define SPMM32_V16(END, COL, VAL)                                                    \
    do {                                                                             \
        float *yr = yt + (long)r * batch + s;                                        \
        v16f c0, c1;                                                                 \
        if (first) { c0 = splat16(bias ? bias[r] : 0.0f); c1 = c0; }                 \
        else { c0 = load16(yr); c1 = load16(yr + 16); }                              \
        int k = *cursor;                                                             \
        for (; k < END(r) && COL(k) < j1; k++) {                                     \
            v16f v = splat16(VAL(k));                                                \
            const float *xp = xs + (long)(COL(k) - j0) * xs_stride;                  \
            c0 += v * load16(xp);                                                    \
            c1 += v * load16(xp + 16);                                               \
        }                                                                            \
        *cursor = k;                                                                 \
        store16(yr, c0); store16(yr + 16, c1);                                       \
    } while (0)

#define SPMM_WITH(WIDE, BEGIN, END, COL, VAL)                                        \
    do {                                                                             \
        int s = 0;                                                                   \
        long nonzeros = row_end > row_begin ? END(row_end - 1) - BEGIN(row_begin) : 0; \
        int tiled = batch >= 32 && cols > 0 && nonzeros >= (long)SPMM_TILE_FILL * cols; \
        float *tile = tiled ? malloc(sizeof(float) * 32 * TILE_COLS) : NULL;         \
        int *cursors = tiled ? malloc(sizeof(int) * (row_end - row_begin)) : NULL;   \
        if (tiled && (!tile || !cursors)) tiled = 0;                                 \
        for (; s + 32 <= batch; s += 32) {                                           \
            if (tiled) {                                                             \
                for (int j0 = 0; j0 < cols; j0 += TILE_COLS) {                       \
                    int j1 = j0 + TILE_COLS < cols ? j0 + TILE_COLS : cols, first = j0 == 0; \
                    for (int c = j0; c < j1; c++) memcpy(tile + (c - j0) * 32, xt + (long)c * batch + s, 128); \
                    const float *xs = tile;                                          \
                    long xs_stride = 32;                                             \
                    for (int r = row_begin; r < row_end; r++) {                      \
                        int *cursor = cursors + (r - row_begin);                     \
                        if (first) *cursor = BEGIN(r);                               \
                        WIDE(END, COL, VAL);                                         \
                    }                                                                \
                }                                                                    \
            } else {                                                                 \
                const int j0 = 0, j1 = INT32_MAX, first = 1;                         \
                const float *xs = xt + s;                                            \
                long xs_stride = batch;                                              \
                for (int r = row_begin; r < row_end; r++) {                          \
                    int start = BEGIN(r), *cursor = &start;                          \
                    WIDE(END, COL, VAL);                                             \
                }                                                                    \
            }                                                                        \
        }                                                                            \
        free(tile);                                                                  \
        free(cursors);                                                               \
        for (; s + 8 <= batch; s += 8) {                                             \
            for (int r = row_begin; r < row_end; r++) {                              \
                v8f c0 = splat8(bias ? bias[r] : 0.0f);                              \
                for (int k = BEGIN(r); k < END(r); k++)                              \
                    c0 += splat8(VAL(k)) * load8(xt + (long)COL(k) * batch + s);     \
                store8(yt + (long)r * batch + s, c0);                                \
            }                                                                        \
        }                                                                            \
        for (; s < batch; s++) {                                                     \
            for (int r = row_begin; r < row_end; r++) {                              \
                float c = bias ? bias[r] : 0.0f;                                     \
                for (int k = BEGIN(r); k < END(r); k++) c += VAL(k) * xt[(long)COL(k) * batch + s]; \
                yt[(long)r * batch + s] = c;                                         \
            }                                                                        \
        }                                                                            \
    } while (0)

#define CSR_BEGIN(r) row_start[r]
#define CSR_END(r) row_start[(r) + 1]
#define NM_BEGIN(r) ((r) * slots)
#define NM_END(r) ((r) * slots + slots)
#define BLOCK_BEGIN(r) (8 * block_start[r])
#define BLOCK_END(r) (8 * block_start[(r) + 1])

#define CSR_COL(k) col[k]
#define CSR_VAL(k) val[k]
#define NM_COL(k) (((k) - r * slots) / n * m + offset[k])
#define NM_VAL(k) val[k]
// 2:4 without the division: slot k of row r is in group (k - r * slots) / 2.
#define NM24_COL(k) ((((k) - r * slots) >> 1 << 2) + offset[k])

#define DEFINE_KERNELS(SUFFIX, ATTR, SPMM)                                               \
    static ATTR __attribute__((unused)) void csr_spmm_##SUFFIX(int row_begin, int row_end, const int32_t *row_start, \
        const int32_t *col, const float *val, const float *xt, int batch, int cols, const float *bias, float *yt) { \
        SPMM(CSR_BEGIN, CSR_END, CSR_COL, CSR_VAL);                                  \
    }                                                                                \
    static ATTR __attribute__((unused)) void nm_spmv_##SUFFIX(int row_begin, int row_end, int slots, int n, int m, \
        const uint8_t *offset, const float *val, const float *x, const float *bias, float *y) { \
        for (int r = row_begin; r < row_end; r++) {                                  \
            if (n == 2 && m == 4) SPMV_ROW(r * slots, r * slots + slots, NM24_COL, NM_VAL); \
            else SPMV_ROW(r * slots, r * slots + slots, NM_COL, NM_VAL);             \
        }                                                                            \
    }                                                                                \
    static ATTR __attribute__((unused)) void nm_spmm_##SUFFIX(int row_begin, int row_end, int slots, int n, int m, \
        const uint8_t *offset, const float *val, const float *xt, int batch, int cols, const float *bias, float *yt) { \
        if (n == 2 && m == 4) SPMM(NM_BEGIN, NM_END, NM24_COL, NM_VAL);              \
        else SPMM(NM_BEGIN, NM_END, NM_COL, NM_VAL);                                 \
    }                                                                                \
    static ATTR __attribute__((unused)) void block8_spmv_##SUFFIX(int row_begin, int row_end, const int32_t *block_start, \
        const int32_t *block_col, const float *val, const float *x, const float *bias, float *y) { \
        for (int r = row_begin; r < row_end; r++) {                                  \
            v8f a0 = splat8(0), a1 = a0;                                             \
            int b = block_start[r], e = block_start[r + 1];                          \
            for (; b + 2 <= e; b += 2) {                                             \
                a0 += load8(val + 8L * b) * load8(x + block_col[b]);                 \
                a1 += load8(val + 8L * b + 8) * load8(x + block_col[b + 1]);         \
            }                                                                        \
            if (b < e) a0 += load8(val + 8L * b) * load8(x + block_col[b]);          \
            y[r] = (bias ? bias[r] : 0.0f) + sum8(a0 + a1);                          \
        }                                                                            \
    }                                                                                \
    static ATTR __attribute__((unused)) void block8_spmm_##SUFFIX(int row_begin, int row_end, const int32_t *block_start, \
        const int32_t *block_col, const float *val, const float *xt, int batch, int cols, const float *bias, float *yt) { \
        SPMM(BLOCK_BEGIN, BLOCK_END, BLOCK_COL, CSR_VAL);                            \
    }

// Non-zero k of a block row is column k % 8 of block k / 8.
#define BLOCK_COL(k) (block_col[(k) >> 3] + ((k) & 7))

DEFINE_KERNELS(base, , SPMM)

static void csr_spmv_base(int row_begin, int row_end, const int32_t *row_start, const int32_t *col, const float *val,
                          const float *x, const float *bias, float *y) {
    for (int r = row_begin; r < row_end; r++) SPMV_ROW(row_start[r], row_start[r + 1], CSR_COL, CSR_VAL);
}

#if defined(__x86_64__)
#include <immintrin.h>

DEFINE_KERNELS(avx2, __attribute__((target("avx2,fma"))), SPMM)
// 16-wide accumulators for the batched products (the single-sample ones
// gain nothing: they wait on memory).
DEFINE_KERNELS(avx512, __attribute__((target("avx512f,avx2,fma"))), SPMM512)

// CSR SpMV with AVX2 gathers: 16 non-zeros of a row per step in two
// accumulators, the rest (under 8) in scalar partial sums.
__attribute__((target("avx2,fma"))) static void csr_spmv_avx2(int row_begin, int row_end, const int32_t *row_start,
                                                              const int32_t *col, const float *val, const float *x,
                                                              const float *bias, float *y) {
    for (int r = row_begin; r < row_end; r++) {
        int k = row_start[r], e = row_start[r + 1];
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        for (; k + 16 <= e; k += 16) {
            __m256i i0 = _mm256_loadu_si256((const __m256i *)(col + k));
            __m256i i1 = _mm256_loadu_si256((const __m256i *)(col + k + 8));
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(val + k), _mm256_i32gather_ps(x, i0, 4), a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(val + k + 8), _mm256_i32gather_ps(x, i1, 4), a1);
        }
        if (k + 8 <= e) {
            __m256i i0 = _mm256_loadu_si256((const __m256i *)(col + k));
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(val + k), _mm256_i32gather_ps(x, i0, 4), a0);
            k += 8;
        }
        a0 = _mm256_add_ps(a0, a1);
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(a0), _mm256_extractf128_ps(a0, 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
        float t0 = 0, t1 = 0;
        for (; k + 2 <= e; k += 2) {
            t0 += val[k] * x[col[k]];
            t1 += val[k + 1] * x[col[k + 1]];
        }
        if (k < e) t0 += val[k] * x[col[k]];
        y[r] = (bias ? bias[r] : 0.0f) + (_mm_cvtss_f32(h) + (t0 + t1));
    }
}
#endif

// 0 baseline, 1 AVX2 + FMA, 2 also AVX-512F; -1 until asked. A benign race:
// every thread computes the same answer.
static int isa_state = -1;

static int isa_level(void) {
#if defined(__x86_64__)
    int state = __atomic_load_n(&isa_state, __ATOMIC_RELAXED);
    if (state < 0) {
        __builtin_cpu_init();
        int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        state = avx2 ? (__builtin_cpu_supports("avx512f") ? 2 : 1) : 0;
        __atomic_store_n(&isa_state, state, __ATOMIC_RELAXED);
    }
    return state;
#else
    return 0;
#endif
}

int psk_uses_avx2(void) { return isa_level() >= 1; }
int psk_uses_avx512(void) { return isa_level() >= 2; }

#if defined(__x86_64__)
#define DISPATCH(NAME, ...) \
    if (isa_level() >= 1) NAME##_avx2(__VA_ARGS__); else NAME##_base(__VA_ARGS__)
#define DISPATCH_WIDE(NAME, ...)                                   \
    switch (isa_level()) {                                         \
    case 2: NAME##_avx512(__VA_ARGS__); break;                     \
    case 1: NAME##_avx2(__VA_ARGS__); break;                       \
    default: NAME##_base(__VA_ARGS__);                             \
    }
#else
#define DISPATCH(NAME, ...) NAME##_base(__VA_ARGS__)
#define DISPATCH_WIDE(NAME, ...) NAME##_base(__VA_ARGS__)
#endif

void psk_csr_spmv(int row_begin, int row_end, const int32_t *row_start, const int32_t *col, const float *val,
                  const float *x, const float *bias, float *y) {
    DISPATCH(csr_spmv, row_begin, row_end, row_start, col, val, x, bias, y);
}
void psk_csr_spmm(int row_begin, int row_end, const int32_t *row_start, const int32_t *col, const float *val,
                  const float *xt, int batch, int cols, const float *bias, float *yt) {
    DISPATCH_WIDE(csr_spmm, row_begin, row_end, row_start, col, val, xt, batch, cols, bias, yt);
}
void psk_nm_spmv(int row_begin, int row_end, int slots_per_row, int n, int m, const uint8_t *offset,
                 const float *val, const float *x, const float *bias, float *y) {
    DISPATCH(nm_spmv, row_begin, row_end, slots_per_row, n, m, offset, val, x, bias, y);
}
void psk_nm_spmm(int row_begin, int row_end, int slots_per_row, int n, int m, const uint8_t *offset,
                 const float *val, const float *xt, int batch, int cols, const float *bias, float *yt) {
    DISPATCH_WIDE(nm_spmm, row_begin, row_end, slots_per_row, n, m, offset, val, xt, batch, cols, bias, yt);
}
void psk_block8_spmv(int row_begin, int row_end, const int32_t *block_start, const int32_t *block_col,
                     const float *val, const float *x, const float *bias, float *y) {
    DISPATCH(block8_spmv, row_begin, row_end, block_start, block_col, val, x, bias, y);
}
void psk_block8_spmm(int row_begin, int row_end, const int32_t *block_start, const int32_t *block_col,
                     const float *val, const float *xt, int batch, int cols, const float *bias, float *yt) {
    DISPATCH_WIDE(block8_spmm, row_begin, row_end, block_start, block_col, val, xt, batch, cols, bias, yt);
}

// dst[j][i] = src[i][j] for rows [i0, i1) and columns [j0, j1), one by one.
static void transpose_block(int rows, int cols, const float *src, float *dst, int i0, int i1, int j0, int j1) {
    for (int i = i0; i < i1; i++)
        for (int j = j0; j < j1; j++) dst[(long)j * rows + i] = src[(long)i * cols + j];
}

static void transpose_base(int rows, int cols, const float *src, float *dst) {
    enum { tile = 32 };
    for (int i0 = 0; i0 < rows; i0 += tile)
        for (int j0 = 0; j0 < cols; j0 += tile)
            transpose_block(rows, cols, src, dst, i0, i0 + tile < rows ? i0 + tile : rows, j0,
                            j0 + tile < cols ? j0 + tile : cols);
}

#if defined(__x86_64__)
// An 8x8 block in registers: rows of src (stride ss) become rows of dst (stride ds).
__attribute__((target("avx2,fma"))) static void transpose8x8(const float *src, long ss, float *dst, long ds) {
    __m256 r[8], t[8], u[8];
    for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + i * ss);
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        _mm256_storeu_ps(dst + i * ds, _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
        _mm256_storeu_ps(dst + (i + 4) * ds, _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
    }
}

// 8x8 blocks within 64x64 tiles; the ragged right and bottom edges one by one.
__attribute__((target("avx2,fma"))) static void transpose_avx2(int rows, int cols, const float *src, float *dst) {
    enum { tile = 64 };
    int rows8 = rows & ~7, cols8 = cols & ~7;
    for (int i0 = 0; i0 < rows8; i0 += tile) {
        int i1 = i0 + tile < rows8 ? i0 + tile : rows8;
        for (int j0 = 0; j0 < cols8; j0 += tile) {
            int j1 = j0 + tile < cols8 ? j0 + tile : cols8;
            for (int i = i0; i < i1; i += 8)
                for (int j = j0; j < j1; j += 8) transpose8x8(src + (long)i * cols + j, cols, dst + (long)j * rows + i, rows);
        }
    }
    transpose_block(rows, cols, src, dst, 0, rows8, cols8, cols);
    transpose_block(rows, cols, src, dst, rows8, rows, 0, cols);
}
#endif

void psk_transpose(int rows, int cols, const float *src, float *dst) {
    DISPATCH(transpose, rows, cols, src, dst);
}
