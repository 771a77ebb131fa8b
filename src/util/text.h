/* text.h: small text helpers: UTF-8 validation, ASCII case folding, trimming, edit distance. */
#ifndef SEGSHIP_UTIL_TEXT_H
#define SEGSHIP_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
 * On failure *bad (if not NULL) is the offset of the first bad byte. */
bool text_utf8_valid(const char *s, size_t n, size_t *bad);
/* ASCII-case-insensitive equality of two NUL-terminated strings. */
bool text_ieq(const char *a, const char *b);
/* Trims ASCII blanks at both ends: returns the start, sets *n to the trimmed length. */
const char *text_trim(const char *s, size_t *n);
/* Levenshtein distance between a and b, ASCII case folded; capped at 255. */
int text_edit_distance(const char *a, const char *b);
/* Appends to out the case-folded form of s[0..n) (Unicode simple lower-casing, so "ÉCOLE" and
 * "école" fold alike); bytes that are not valid UTF-8 are copied as they are. 0, or -1 on memory. */
struct buf;
int text_fold(const char *s, size_t n, struct buf *out);
/* Compares a and b case-insensitively (as text_fold would fold them), returning <0, 0 or >0,
 * without allocating. */
int text_fold_cmp(const char *a, size_t an, const char *b, size_t bn);

/* Lower-cases ASCII letters in place. */
void text_lower(char *s);

/* The longest prefix of s[0..n) of at most max bytes that does not end inside a UTF-8 character
 * (a cut there never leaves half a character; bytes that are not UTF-8 count one each). */
size_t text_utf8_prefix(const char *s, size_t n, size_t max);
/* After a cut (snprintf into a fixed buffer): drops the bytes at the end of s that begin a UTF-8
 * character without finishing it, so that no half character is ever stored or shown. */
void text_utf8_trim_tail(char *s);
/* snprintf's "%s" into out (cap bytes), cut at a UTF-8 character boundary when it does not fit.
 * Returns the bytes copied. */
size_t text_copy(char *out, size_t cap, const char *s);

/* For a terminal: s[0..n) with each control character (C0 (tab too), DEL, C1) and each byte that
 * is not UTF-8 written as \xNN, so that text from a file or an API cannot move the cursor, ring
 * the bell or rewrite what the screen shows. keep_newline leaves '\n' as it is. Returns a
 * malloc'd string the caller frees, or NULL when s needs no escaping (or on memory). */
char *text_escape_control(const char *s, size_t n, bool keep_newline);

/* True when a spreadsheet would read the cell s as a formula or a control (OWASP CSV injection:
 * it begins with =, +, -, @, a tab or a carriage return). */
bool text_csv_formula(const char *s);

#endif
