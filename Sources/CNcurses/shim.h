#ifndef PRUNESCOPE_CNCURSES_SHIM_H
#define PRUNESCOPE_CNCURSES_SHIM_H
// SwiftPM drops pkg-config's -D flags, so wide-character support is
// switched on here, before ncurses is included.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <locale.h>
#include <ncurses.h>

// Swift 6 rejects C globals as unsafe shared state and cannot import
// function-like macros: reach them through these.
static inline WINDOW *ps_stdscr(void) { return stdscr; }
static inline int ps_lines(void) { return LINES; }
static inline int ps_cols(void) { return COLS; }
static inline int ps_colors(void) { return COLORS; }
static inline int ps_color_pairs(void) { return COLOR_PAIRS; }
#endif
