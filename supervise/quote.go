//go:build linux

package supervise

import "github.com/entitle-dev/entitle/internal/quote"

// quoteName returns a value the confined command controls (its comm, a
// thread name) as it may be printed on entitle's lines: bare when every
// byte is a letter, a digit or one of . _ + - / @ (nothing that could
// end the field, start an escape sequence or reorder the line), otherwise
// Go-quoted with strconv.QuoteToASCII, so control characters, ESC,
// invalid UTF-8, bidirectional overrides and look-alike letters all show
// as escapes. Paths and strings read from the command's memory are quoted
// with strconv.Quote (see decoder.arg), which escapes every byte that is
// not a printable character (control characters, ESC, invalid UTF-8,
// Unicode format characters such as the bidi overrides U+202A–U+202E and
// U+2066–U+2069, line and paragraph separators).
func quoteName(s string) string { return quote.Name(s) }
