#ifndef PRUNESCOPE_SPARSE_KERNELS_H
#define PRUNESCOPE_SPARSE_KERNELS_H
// Inner loops of PruneKit's sparse inference (see PruneKit/Analysis/Sparse*).
//
// Each kernel computes output rows [row_begin, row_end) of y = W x + bias for
// one sparse weight matrix W, so callers can split rows across threads: a row
// is always summed in the same order, whatever the split (deterministic).
// "spmv" takes one sample x[cols] and writes y[rows]; "spmm" takes a batch in
// feature-major layout, xt[cols][batch], and writes yt[rows][batch], so every
// non-zero w_ij adds w_ij * xt[j][:] to yt[i][:] along contiguous memory.
// cols is W's column count (xt's rows). A row's non-zeros come in ascending
// column order, except where a row's last 1x8 block overlaps the one before
// (zeros; blocks never straddle a multiple of 8). bias may be NULL.
// Each kernel is compiled for the x86-64 baseline, for
// AVX2 + FMA and (batched ones) AVX-512F, and runs the best variant the CPU
// has, decided at the first call.
#include <stdint.h>

/// Compressed sparse rows: row r's non-zeros are k in [row_start[r], row_start[r + 1]).
void psk_csr_spmv(int row_begin, int row_end, const int32_t *row_start, const int32_t *col, const float *val,
                  const float *x, const float *bias, float *y);
void psk_csr_spmm(int row_begin, int row_end, const int32_t *row_start, const int32_t *col, const float *val,
                  const float *xt, int batch, int cols, const float *bias, float *yt);

/// Compressed N:M: each row keeps n values in every group of m columns
/// (cols / m * n slots per row); offset[k] is the slot's column within its group.
void psk_nm_spmv(int row_begin, int row_end, int slots_per_row, int n, int m, const uint8_t *offset,
                 const float *val, const float *x, const float *bias, float *y);
void psk_nm_spmm(int row_begin, int row_end, int slots_per_row, int n, int m, const uint8_t *offset,
                 const float *val, const float *xt, int batch, int cols, const float *bias, float *yt);

/// Block-sparse rows of 1x8 blocks: row r's blocks are b in [block_start[r],
/// block_start[r + 1]), block b covers columns block_col[b] ..< block_col[b] + 8
/// with values val[8 b ..< 8 b + 8].
void psk_block8_spmv(int row_begin, int row_end, const int32_t *block_start, const int32_t *block_col,
                     const float *val, const float *x, const float *bias, float *y);
void psk_block8_spmm(int row_begin, int row_end, const int32_t *block_start, const int32_t *block_col,
                     const float *val, const float *xt, int batch, int cols, const float *bias, float *yt);

/// dst[cols][rows] = transpose of src[rows][cols], in cache-sized tiles.
void psk_transpose(int rows, int cols, const float *src, float *dst);

/// 1 when the AVX2 + FMA variants run, 0 for the baseline ones.
int psk_uses_avx2(void);
/// 1 when the batched products ("spmm") run their AVX-512 variants.
int psk_uses_avx512(void);
#endif
