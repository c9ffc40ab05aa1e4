package filter

import (
	"fmt"
	"strings"
)

// Error is a compile error: what went wrong and the 1-based column (byte
// offset into the expression) where it was found.
type Error struct {
	Column int
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("filter: %s (at column %d)", e.Msg, e.Column)
}

// Limits that keep Compile linear and its recursion shallow whatever the input.
const (
	maxExprLen = 64 << 10
	maxDepth   = 200
)

type tokKind uint8

const (
	tEOF    tokKind = iota
	tWord           // identifier, keyword, number or address
	tEsc            // backslash-escaped word: never a keyword
	tLParen         // (
	tRParen         // )
	tLBrack         // [
	tRBrack         // ]
	tColon          // : inside brackets
	tAnd            // &&
	tOr             // ||
	tBang           // !
	tArith          // + - * / % & | ^ << >>
	tRel            // = == != < <= > >=
)

type token struct {
	kind tokKind
	text string
	col  int // 1-based
}

func (t token) String() string {
	if t.kind == tEOF {
		return "end of expression"
	}
	return fmt.Sprintf("%q", t.text)
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.'
}

// lex splits expr into tokens. Words follow libpcap's scanner loosely: a word
// is letters, digits, '_', '.' and, outside brackets, ':' (IPv6 and MAC
// addresses). A '-' stays inside a word only when the hyphenated word is a
// known name (tcp-syn, xmpp-client, ...) or a MAC address; elsewhere it is the
// minus operator, so "len-1" and "1000-2000" lex as three tokens each.
func lex(expr string) ([]token, error) {
	if len(expr) > maxExprLen {
		return nil, &Error{Column: maxExprLen + 1, Msg: fmt.Sprintf("expression longer than %d bytes", maxExprLen)}
	}
	var toks []token
	depth := 0 // bracket depth
	i := 0
	for i < len(expr) {
		c := expr[i]
		col := i + 1
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '\\':
			j := i + 1
			for j < len(expr) && !strings.ContainsRune(" \t\r\n!()", rune(expr[j])) {
				j++
			}
			if j == i+1 {
				return nil, &Error{Column: col, Msg: "'\\' must be followed by a name"}
			}
			toks = append(toks, token{tEsc, expr[i+1 : j], col})
			i = j
			continue
		case isWordByte(c) || c == ':' && depth == 0:
			j := i
			for j < len(expr) && (isWordByte(expr[j]) || expr[j] == ':' && depth == 0) {
				j++
			}
			// Try to extend over hyphens.
			k := j
			for k < len(expr) && expr[k] == '-' && k+1 < len(expr) && isWordByte(expr[k+1]) {
				k++
				for k < len(expr) && (isWordByte(expr[k]) || expr[k] == ':' && depth == 0) {
					k++
				}
				w := expr[i:k]
				if hyphenWords[w] || isMACLiteral(w) {
					j = k
				}
			}
			toks = append(toks, token{tWord, expr[i:j], col})
			i = j
			continue
		}
		two := ""
		if i+1 < len(expr) {
			two = expr[i : i+2]
		}
		switch two {
		case "&&":
			toks = append(toks, token{tAnd, two, col})
			i += 2
			continue
		case "||":
			toks = append(toks, token{tOr, two, col})
			i += 2
			continue
		case "<<", ">>":
			toks = append(toks, token{tArith, two, col})
			i += 2
			continue
		case "==", "!=", "<=", ">=":
			toks = append(toks, token{tRel, two, col})
			i += 2
			continue
		}
		k := tEOF
		switch c {
		case '(':
			k = tLParen
		case ')':
			k = tRParen
		case '[':
			k = tLBrack
			depth++
		case ']':
			k = tRBrack
			if depth > 0 {
				depth--
			}
		case ':':
			k = tColon
		case '!':
			k = tBang
		case '+', '-', '*', '/', '%', '&', '|', '^':
			k = tArith
		case '=', '<', '>':
			k = tRel
		default:
			if c >= 0x20 && c < 0x7f {
				return nil, &Error{Column: col, Msg: fmt.Sprintf("unexpected character %q", c)}
			}
			return nil, &Error{Column: col, Msg: fmt.Sprintf("unexpected byte 0x%02x", c)}
		}
		toks = append(toks, token{k, expr[i : i+1], col})
		i++
	}
	toks = append(toks, token{kind: tEOF, col: len(expr) + 1})
	return toks, nil
}
