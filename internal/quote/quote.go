// Package quote prints values a confined program controls (its command
// name, a thread name) on entitle's own lines without letting them rewrite
// the line.
package quote

import "strconv"

// Name returns s bare when every byte is a letter, a digit or one of
// . _ + - / @ (nothing that could end the field, start an escape sequence
// or reorder the line), otherwise Go-quoted with strconv.QuoteToASCII, so
// control characters, ESC, invalid UTF-8, bidirectional overrides and
// look-alike letters all show as escapes. The empty string is `""`.
func Name(s string) string {
	if s == "" {
		return `""`
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '.' || c == '_' || c == '+' || c == '-' || c == '/' || c == '@') {
			return strconv.QuoteToASCII(s)
		}
	}
	return s
}
