package selectexpr

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/ssldissect/ssldissect/internal/editdist"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tWord
	tString // quoted
	tOp     // == != =~ < <= > >=
	tAnd    // &&
	tOr     // ||
	tNot    // !
	tLParen
	tRParen
)

type token struct {
	kind tokKind
	text string // the word, the string's contents, the operator
	pos  int    // byte offset in the source
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end"
	case tString:
		return fmt.Sprintf("%q", t.text)
	}
	return `"` + t.text + `"`
}

// wordStop are the bytes that end a bare word.
func wordStop(b byte) bool {
	switch b {
	case ' ', '\t', '\n', '\r', '(', ')', '"', '\'', '=', '!', '<', '>', '&', '|':
		return true
	}
	return false
}

func lex(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		b := src[i]
		two := ""
		if i+1 < len(src) {
			two = src[i : i+2]
		}
		switch {
		case b == ' ' || b == '\t' || b == '\n' || b == '\r':
			i++
		case b == '(':
			toks = append(toks, token{kind: tLParen, text: "(", pos: i})
			i++
		case b == ')':
			toks = append(toks, token{kind: tRParen, text: ")", pos: i})
			i++
		case two == "==" || two == "!=" || two == "=~" || two == "<=" || two == ">=":
			toks = append(toks, token{kind: tOp, text: two, pos: i})
			i += 2
		case two == "&&":
			toks = append(toks, token{kind: tAnd, text: two, pos: i})
			i += 2
		case two == "||":
			toks = append(toks, token{kind: tOr, text: two, pos: i})
			i += 2
		case b == '<' || b == '>':
			toks = append(toks, token{kind: tOp, text: src[i : i+1], pos: i})
			i++
		case b == '!':
			toks = append(toks, token{kind: tNot, text: "!", pos: i})
			i++
		case b == '=':
			return nil, &Error{Col: i + 1, Msg: `"=" alone: use "==" to compare`}
		case b == '&' || b == '|':
			return nil, &Error{Col: i + 1, Msg: fmt.Sprintf("%q alone: use %q", b, string([]byte{b, b}))}
		case b == '"' || b == '\'':
			var sb strings.Builder
			j := i + 1
			for ; j < len(src) && src[j] != b; j++ {
				if src[j] == '\\' && j+1 < len(src) && (src[j+1] == b || src[j+1] == '\\') {
					j++
				}
				sb.WriteByte(src[j])
			}
			if j == len(src) {
				return nil, &Error{Col: i + 1, Msg: fmt.Sprintf("string not closed: no %c after this one", b)}
			}
			toks = append(toks, token{kind: tString, text: sb.String(), pos: i})
			i = j + 1
		default:
			j := i
			for j < len(src) && !wordStop(src[j]) {
				j++
			}
			toks = append(toks, token{kind: tWord, text: src[i:j], pos: i})
			i = j
		}
	}
	return append(toks, token{kind: tEOF, pos: len(src)}), nil
}

type parser struct {
	toks []token
	i    int
	src  string
	uses Set
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errAt(t token, msg string) error { return &Error{Col: t.pos + 1, Msg: msg} }

func isWord(t token, w string) bool { return t.kind == tWord && strings.EqualFold(t.text, w) }

func (p *parser) or(depth int) (node, error) {
	l, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t.kind == tOr || isWord(t, "or"); t = p.peek() {
		p.next()
		r, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		l = &orNode{l, r}
	}
	return l, nil
}

func (p *parser) and(depth int) (node, error) {
	l, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t.kind == tAnd || isWord(t, "and"); t = p.peek() {
		p.next()
		r, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		l = &andNode{l, r}
	}
	return l, nil
}

func (p *parser) unary(depth int) (node, error) {
	t := p.peek()
	if depth >= MaxDepth {
		return nil, p.errAt(t, fmt.Sprintf("nested more than %d deep", MaxDepth))
	}
	switch {
	case t.kind == tNot || isWord(t, "not"):
		p.next()
		x, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &notNode{x}, nil
	case t.kind == tLParen:
		p.next()
		x, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.peek(); c.kind != tRParen {
			if c.kind == tEOF {
				return nil, p.errAt(t, `"(" not closed`)
			}
			return nil, p.errAt(c, fmt.Sprintf(`expected "and", "or" or ")", found %s`, c.describe()))
		}
		p.next()
		return x, nil
	case t.kind == tWord:
		return p.comparison()
	case t.kind == tEOF:
		return nil, p.errAt(t, "expected a field, found the end")
	}
	return nil, p.errAt(t, fmt.Sprintf("expected a field, found %s", t.describe()))
}

// field reads a field name.
func (p *parser) field(t token) (Field, error) {
	name := strings.ToLower(t.text)
	for f, n := range Fields {
		if n == name {
			return Field(f), nil
		}
	}
	best, dist := "", 3
	for _, n := range Fields {
		if d := editdist.Distance(name, n); d < dist {
			best, dist = n, d
		}
	}
	if best != "" {
		return 0, p.errAt(t, fmt.Sprintf("unknown field %q (did you mean %s?)", t.text, best))
	}
	return 0, p.errAt(t, fmt.Sprintf("unknown field %q (the fields: %s)", t.text, strings.Join(Fields[:], ", ")))
}

func (p *parser) comparison() (node, error) {
	ft := p.next()
	f, err := p.field(ft)
	if err != nil {
		return nil, err
	}
	p.uses |= 1 << f
	ot := p.peek()
	var o op
	switch {
	case ot.kind == tOp:
		o = opNames[ot.text]
	case isWord(ot, "in"):
		o = opIn
	case isWord(ot, "and") || isWord(ot, "or"):
		return &hasNode{f}, nil // a field on its own, then more
	case ot.kind == tWord || ot.kind == tString:
		return nil, p.errAt(ot, fmt.Sprintf(`expected an operator (== != =~ < <= > >= in), "and", "or" or ")" after %s, found %s`, f, ot.describe()))
	default:
		return &hasNode{f}, nil // a field on its own
	}
	p.next()
	vt := p.peek()
	if vt.kind != tWord && vt.kind != tString {
		return nil, p.errAt(vt, fmt.Sprintf("expected a value after %q", ot.text))
	}
	p.next()
	val := vt.text
	if fieldKinds[f] == kVersion && vt.kind == tWord {
		// version >= TLS 1.2: a family name and its number as two words.
		switch strings.ToLower(val) {
		case "tls", "ssl", "dtls", "tlsv", "sslv", "dtlsv":
			if n := p.peek(); n.kind == tWord && n.text[0] >= '0' && n.text[0] <= '9' {
				p.next()
				val += " " + n.text
			}
		}
	}
	return p.compile(f, o, ot, vt, val)
}

// compile makes the node of field f op value.
func (p *parser) compile(f Field, o op, ot, vt token, val string) (node, error) {
	k := fieldKinds[f]
	n := &cmpNode{f: f, op: o}
	ne := false
	if o == opNe {
		o, n.op, ne = opEq, opEq, true
	}
	wrap := func(x node) (node, error) {
		if ne {
			return &notNode{x}, nil
		}
		return x, nil
	}
	bad := func(what string) error {
		return p.errAt(ot, fmt.Sprintf("%s does not take %q: %s", f, ot.text, what))
	}
	if o == opMatch {
		if k == kBool {
			return nil, bad("it is true or false")
		}
		re, err := regexp.Compile(val)
		if err != nil {
			return nil, p.errAt(vt, fmt.Sprintf("bad regular expression: %v", strings.TrimPrefix(err.Error(), "error parsing regexp: ")))
		}
		n.re = re
		return n, nil
	}
	switch k {
	case kBool:
		if o != opEq {
			return nil, bad("it is true or false (== or !=)")
		}
		b, ok := parseBool(val)
		if !ok {
			return nil, p.errAt(vt, fmt.Sprintf("%s is true or false, not %q", f, val))
		}
		var x node = &hasNode{f}
		if b == ne {
			x = &notNode{x}
		}
		return x, nil
	case kString:
		if o != opEq {
			return nil, bad("a string compares with ==, != or =~")
		}
		if at := checkGlob(val); at >= 0 {
			return nil, p.errAt(vt, fmt.Sprintf("bad pattern %q: unclosed '[' or trailing '\\' at byte %d", val, at+1))
		}
		n.glob = val
		return wrap(n)
	case kVersion:
		if o == opIn {
			return nil, bad("a version compares with == != < <= > >= or =~")
		}
		v, ok := parseVersion(val)
		if !ok {
			return nil, p.errAt(vt, fmt.Sprintf(`unknown version %q (e.g. "TLS 1.2", TLS1.3, "SSL 3.0", "DTLS 1.2", 0x0303)`, val))
		}
		n.num, n.rank = v, versionRank(v)
		if n.op != opEq && n.rank == 0 {
			return nil, p.errAt(vt, fmt.Sprintf("version %q has no order", val))
		}
		return wrap(n)
	case kNumber:
		if o == opIn {
			return nil, bad("a number compares with == != < <= > >=")
		}
		v, ok := parseNumber(val)
		if !ok {
			return nil, p.errAt(vt, fmt.Sprintf("%s is a number from 0 to 65535 (decimal or 0x hex), not %q", f, val))
		}
		n.num = v
		return wrap(n)
	case kAddr:
		switch o {
		case opEq, opIn:
		default:
			return nil, bad("an address compares with ==, !=, =~ or in")
		}
		if pf, err := netip.ParsePrefix(val); err == nil {
			n.prefix, n.isPfx = pf.Masked(), true
			return wrap(n)
		}
		if o == opIn {
			return nil, p.errAt(vt, fmt.Sprintf("expected a CIDR prefix after \"in\" (e.g. 10.0.0.0/8), not %q", val))
		}
		if a, err := netip.ParseAddr(val); err == nil {
			n.addr, n.isAddr = a.Unmap(), true
			return wrap(n)
		}
		if at := checkGlob(val); at >= 0 {
			return nil, p.errAt(vt, fmt.Sprintf("%q is no address, prefix or pattern", val))
		}
		n.glob = val
		return wrap(n)
	case kAddrPort:
		if o != opEq {
			return nil, bad("an address and port compares with ==, != or =~")
		}
		if ap, err := netip.ParseAddrPort(val); err == nil {
			n.ap, n.isAP = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
			return wrap(n)
		}
		if at := checkGlob(val); at >= 0 {
			return nil, p.errAt(vt, fmt.Sprintf("%q is no ip:port or pattern", val))
		}
		n.glob = val
		return wrap(n)
	}
	return nil, p.errAt(ot, "unsupported comparison")
}
