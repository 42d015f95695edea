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
#include <langinfo.h>
#include <wchar.h>
#include <ncurses.h>

// Swift 6 rejects C globals as unsafe shared state and cannot import
// function-like macros: reach them through these.
static inline WINDOW *ps_stdscr(void) { return stdscr; }
static inline int ps_lines(void) { return LINES; }
static inline int ps_cols(void) { return COLS; }
static inline int ps_colors(void) { return COLORS; }
static inline int ps_color_pairs(void) { return COLOR_PAIRS; }
static inline void ps_set_escdelay(int ms) { set_escdelay(ms); }

// Window size without the getmaxyx macro.
static inline void ps_getmaxyx(WINDOW *w, int *y, int *x) { int yy, xx; getmaxyx(w, yy, xx); *y = yy; *x = xx; }

// Attributes (macros built from NCURSES_BITS).
static inline attr_t ps_a_normal(void) { return A_NORMAL; }
static inline attr_t ps_a_bold(void) { return A_BOLD; }
static inline attr_t ps_a_dim(void) { return A_DIM; }
static inline attr_t ps_a_underline(void) { return A_UNDERLINE; }
static inline attr_t ps_a_reverse(void) { return A_REVERSE; }
static inline attr_t ps_a_italic(void) { return A_ITALIC; }
static inline attr_t ps_a_blink(void) { return A_BLINK; }

// Keys that are macros (octal constants import, KEY_F(n) does not).
static inline int ps_key_f(int n) { return KEY_F(n); }
static inline int ps_key_resize(void) { return KEY_RESIZE; }
static inline int ps_key_mouse(void) { return KEY_MOUSE; }
static inline int ps_key_code_yes(void) { return KEY_CODE_YES; }

// Mouse masks.
static inline mmask_t ps_all_mouse_events(void) { return ALL_MOUSE_EVENTS; }
static inline mmask_t ps_report_mouse_position(void) { return REPORT_MOUSE_POSITION; }
static inline mmask_t ps_button1_pressed(void) { return BUTTON1_PRESSED; }
static inline mmask_t ps_button1_released(void) { return BUTTON1_RELEASED; }
static inline mmask_t ps_button1_clicked(void) { return BUTTON1_CLICKED; }
static inline mmask_t ps_button1_double_clicked(void) { return BUTTON1_DOUBLE_CLICKED; }
static inline mmask_t ps_button3_pressed(void) { return BUTTON3_PRESSED; }
static inline mmask_t ps_button4_pressed(void) { return BUTTON4_PRESSED; }
static inline mmask_t ps_button5_pressed(void) { return BUTTON5_PRESSED; }
static inline mmask_t ps_button_shift(void) { return BUTTON_SHIFT; }
static inline mmask_t ps_button_ctrl(void) { return BUTTON_CTRL; }

// Colour pair for attr_t (pairs below 256 only; larger ones use setcchar opts).
static inline attr_t ps_color_pair(int n) { return (attr_t)COLOR_PAIR(n); }

// Build a one-character cchar_t; pairs above 32767 travel in the opts argument.
static inline int ps_setcchar1(cchar_t *cc, wchar_t ch, attr_t attrs, int pair) {
    wchar_t wch[2] = { ch, 0 };
    return setcchar(cc, wch, attrs, 0, &pair);
}

// The locale's character set, e.g. "UTF-8" or "ANSI_X3.4-1968".
static inline const char *ps_codeset(void) { return nl_langinfo(CODESET); }
#endif
