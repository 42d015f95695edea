#include "sparse_kernels.h"

#include <string.h>

// Eight floats; aligned(4) so loads and stores need no 32-byte alignment.
typedef float v8f __attribute__((vector_size(32), aligned(4)));

// Macros rather than functions: a helper returning a vector would need the
// AVX target itself (its return ABI changes), and these stay generic.
#define load8(p) ({ v8f v_; memcpy(&v_, (p), sizeof v_); v_; })
#define store8(p, v) do { v8f s_ = (v); memcpy((p), &s_, sizeof s_); } while (0)
#define splat8(s) ((v8f){0} + (float)(s))
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

// One row of yt = W xt over the batch: 64 samples at a time in eight vector
// accumulators, then 8 at a time, then one by one.
#define SPMM_ROW(BEGIN, END, COL, VAL)                                               \
    do {                                                                             \
        float *yr = yt + (long)r * batch;                                            \
        float b0 = bias ? bias[r] : 0.0f;                                            \
        int s = 0;                                                                   \
        for (; s + 64 <= batch; s += 64) {                                           \
            v8f c0 = splat8(b0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,        \
                c6 = c0, c7 = c0;                                                    \
            for (int k = (BEGIN); k < (END); k++) {                                  \
                v8f v = splat8(VAL(k));                                              \
                const float *xp = xt + (long)COL(k) * batch + s;                     \
                c0 += v * load8(xp);                                                 \
                c1 += v * load8(xp + 8);                                             \
                c2 += v * load8(xp + 16);                                            \
                c3 += v * load8(xp + 24);                                            \
                c4 += v * load8(xp + 32);                                            \
                c5 += v * load8(xp + 40);                                            \
                c6 += v * load8(xp + 48);                                            \
                c7 += v * load8(xp + 56);                                            \
            }                                                                        \
            store8(yr + s, c0); store8(yr + s + 8, c1);                              \
            store8(yr + s + 16, c2); store8(yr + s + 24, c3);                        \
            store8(yr + s + 32, c4); store8(yr + s + 40, c5);                        \
            store8(yr + s + 48, c6); store8(yr + s + 56, c7);                        \
        }                                                                            \
        for (; s + 8 <= batch; s += 8) {                                             \
            v8f c0 = splat8(b0);                                                     \
            for (int k = (BEGIN); k < (END); k++)                                    \
                c0 += splat8(VAL(k)) * load8(xt + (long)COL(k) * batch + s);         \
            store8(yr + s, c0);                                                      \
        }                                                                            \
        for (; s < batch; s++) {                                                     \
            float c = b0;                                                            \
            for (int k = (BEGIN); k < (END); k++) c += VAL(k) * xt[(long)COL(k) * batch + s]; \
            yr[s] = c;                                                               \
        }                                                                            \
    } while (0)

#define CSR_COL(k) col[k]
#define CSR_VAL(k) val[k]
#define NM_COL(k) (((k) - rowSlots) / n * m + offset[k])
#define NM_VAL(k) val[k]

#define DEFINE_KERNELS(SUFFIX, ATTR)                                                 \
    static ATTR void csr_spmv_##SUFFIX(int row_begin, int row_end, const int32_t *row_start, \
        const int32_t *col, const float *val, const float *x, const float *bias, float *y) { \
        for (int r = row_begin; r < row_end; r++) SPMV_ROW(row_start[r], row_start[r + 1], CSR_COL, CSR_VAL); \
    }                                                                                \
    static ATTR void csr_spmm_##SUFFIX(int row_begin, int row_end, const int32_t *row_start, \
        const int32_t *col, const float *val, const float *xt, int batch, const float *bias, float *yt) { \
        for (int r = row_begin; r < row_end; r++) SPMM_ROW(row_start[r], row_start[r + 1], CSR_COL, CSR_VAL); \
    }                                                                                \
    static ATTR void nm_spmv_##SUFFIX(int row_begin, int row_end, int slots, int n, int m, \
        const uint8_t *offset, const float *val, const float *x, const float *bias, float *y) { \
        for (int r = row_begin; r < row_end; r++) {                                  \
            int rowSlots = r * slots;                                                \
            SPMV_ROW(rowSlots, rowSlots + slots, NM_COL, NM_VAL);                    \
        }                                                                            \
    }                                                                                \
    static ATTR void nm_spmm_##SUFFIX(int row_begin, int row_end, int slots, int n, int m, \
        const uint8_t *offset, const float *val, const float *xt, int batch, const float *bias, float *yt) { \
        for (int r = row_begin; r < row_end; r++) {                                  \
            int rowSlots = r * slots;                                                \
            SPMM_ROW(rowSlots, rowSlots + slots, NM_COL, NM_VAL);                    \
        }                                                                            \
    }                                                                                \
    static ATTR void block8_spmv_##SUFFIX(int row_begin, int row_end, const int32_t *block_start, \
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
    static ATTR void block8_spmm_##SUFFIX(int row_begin, int row_end, const int32_t *block_start, \
        const int32_t *block_col, const float *val, const float *xt, int batch, const float *bias, float *yt) { \
        for (int r = row_begin; r < row_end; r++)                                    \
            SPMM_ROW(8 * block_start[r], 8 * block_start[r + 1], BLOCK_COL, CSR_VAL); \
    }

// Non-zero k of a block row is column k % 8 of block k / 8.
#define BLOCK_COL(k) (block_col[(k) >> 3] + ((k) & 7))

DEFINE_KERNELS(base, )
#if defined(__x86_64__)
DEFINE_KERNELS(avx2, __attribute__((target("avx2,fma"))))
#endif

static int avx2_state = -1;

int psk_uses_avx2(void) {
#if defined(__x86_64__)
    // A benign race: every thread computes the same answer.
    int state = __atomic_load_n(&avx2_state, __ATOMIC_RELAXED);
    if (state < 0) {
        __builtin_cpu_init();
        state = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        __atomic_store_n(&avx2_state, state, __ATOMIC_RELAXED);
    }
    return state;
#else
    return 0;
#endif
}

#if defined(__x86_64__)
#define DISPATCH(NAME, ...) \
    if (psk_uses_avx2()) NAME##_avx2(__VA_ARGS__); else NAME##_base(__VA_ARGS__)
#else
#define DISPATCH(NAME, ...) NAME##_base(__VA_ARGS__)
#endif

void psk_csr_spmv(int row_begin, int row_end, const int32_t *row_start, const int32_t *col, const float *val,
                  const float *x, const float *bias, float *y) {
    DISPATCH(csr_spmv, row_begin, row_end, row_start, col, val, x, bias, y);
}
void psk_csr_spmm(int row_begin, int row_end, const int32_t *row_start, const int32_t *col, const float *val,
                  const float *xt, int batch, const float *bias, float *yt) {
    DISPATCH(csr_spmm, row_begin, row_end, row_start, col, val, xt, batch, bias, yt);
}
void psk_nm_spmv(int row_begin, int row_end, int slots_per_row, int n, int m, const uint8_t *offset,
                 const float *val, const float *x, const float *bias, float *y) {
    DISPATCH(nm_spmv, row_begin, row_end, slots_per_row, n, m, offset, val, x, bias, y);
}
void psk_nm_spmm(int row_begin, int row_end, int slots_per_row, int n, int m, const uint8_t *offset,
                 const float *val, const float *xt, int batch, const float *bias, float *yt) {
    DISPATCH(nm_spmm, row_begin, row_end, slots_per_row, n, m, offset, val, xt, batch, bias, yt);
}
void psk_block8_spmv(int row_begin, int row_end, const int32_t *block_start, const int32_t *block_col,
                     const float *val, const float *x, const float *bias, float *y) {
    DISPATCH(block8_spmv, row_begin, row_end, block_start, block_col, val, x, bias, y);
}
void psk_block8_spmm(int row_begin, int row_end, const int32_t *block_start, const int32_t *block_col,
                     const float *val, const float *xt, int batch, const float *bias, float *yt) {
    DISPATCH(block8_spmm, row_begin, row_end, block_start, block_col, val, xt, batch, bias, yt);
}

void psk_transpose(int rows, int cols, const float *src, float *dst) {
    enum { tile = 32 };
    for (int i0 = 0; i0 < rows; i0 += tile) {
        int i1 = i0 + tile < rows ? i0 + tile : rows;
        for (int j0 = 0; j0 < cols; j0 += tile) {
            int j1 = j0 + tile < cols ? j0 + tile : cols;
            for (int i = i0; i < i1; i++)
                for (int j = j0; j < j1; j++) dst[(long)j * rows + i] = src[(long)i * cols + j];
        }
    }
}
