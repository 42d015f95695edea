#ifndef PRUNESCOPE_CZLIB_SHIM_H
#define PRUNESCOPE_CZLIB_SHIM_H
// zlib's raw inflate, used to read deflate-compressed .npz members.
#include <zlib.h>
// inflateInit2 is a macro; Swift needs a function.
static inline int ps_inflate_init_raw(z_streamp strm) {
    return inflateInit2(strm, -MAX_WBITS);
}
#endif
