package filter

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Filter is a compiled filter expression. It is immutable and safe for
// concurrent use by several goroutines.
type Filter struct {
	root node
}

// Compile parses a tcpdump filter expression (pcap-filter(7) syntax). The
// empty expression matches every packet. Errors are *Error values that name
// the offending word and its column.
func Compile(expr string) (*Filter, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if p.peek().kind == tEOF {
		return &Filter{root: trueNode{}}, nil
	}
	n, _, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, "syntax error: unexpected %s", t)
	}
	return &Filter{root: n}, nil
}

// Match reports whether the packet described by m passes the filter. As in
// BPF, a load beyond the captured bytes rejects the packet outright, even
// under "not". A nil Filter matches everything; a nil Meta matches nothing.
func (f *Filter) Match(m *Meta) bool {
	if f == nil || f.root == nil {
		return true
	}
	if m == nil {
		return false
	}
	return f.root.eval(m) == rTrue
}

// String returns the canonical form of the filter: every qualifier explicit,
// every binary operation in parentheses, numbers in decimal. It compiles
// back to an equivalent filter.
func (f *Filter) String() string {
	if f == nil || f.root == nil {
		return ""
	}
	var b strings.Builder
	f.root.write(&b)
	s := b.String()
	if _, ok := f.root.(*andNode); ok {
		return s[1 : len(s)-1]
	}
	if _, ok := f.root.(*orNode); ok {
		return s[1 : len(s)-1]
	}
	return s
}

// typ is the type qualifier.
type typ uint8

const (
	typNone typ = iota
	typHost
	typNet
	typPort
	typPortrange
	typProto
)

// qual is what libpcap carries from one primitive to a following bare value
// ("host a or b", "tcp port 80 or 443"). ok is false after terms that carry
// nothing (relations, "tcp", "vlan", ...).
type qual struct {
	ok bool
	p  proto
	pw string // the proto word as written, for error messages
	d  dir
	t  typ
}

type parser struct {
	toks     []token
	pos      int
	depth    int
	vlans    int    // vlan primitives seen so far
	furthest *Error // the error found furthest into the input, for backtracking
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) peekN(n int) token {
	if p.pos+n < len(p.toks) {
		return p.toks[p.pos+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) errAt(t token, format string, args ...any) *Error {
	return &Error{Column: t.col, Msg: fmt.Sprintf(format, args...)}
}

func isWord(t token, w string) bool { return t.kind == tWord && t.text == w }

func isAnd(t token) bool { return t.kind == tAnd || isWord(t, "and") }
func isOr(t token) bool  { return t.kind == tOr || isWord(t, "or") }
func isNot(t token) bool { return t.kind == tBang || isWord(t, "not") }

// keywords are the words that are never a bare value.
var keywords = map[string]bool{
	"and": true, "or": true, "not": true, "src": true, "dst": true,
	"host": true, "net": true, "mask": true, "port": true, "portrange": true,
	"proto": true, "less": true, "greater": true, "len": true, "vlan": true,
	"broadcast": true, "multicast": true,
}

func isKeyword(w string) bool {
	if keywords[w] || unsupported[w] {
		return true
	}
	_, ok := protoByName(w)
	return ok
}

func (p *parser) enter(t token) error {
	p.depth++
	if p.depth > maxDepth {
		return p.errAt(t, "expression nested deeper than %d", maxDepth)
	}
	return nil
}

// parseExpr: term { (and|or) (term | bare-id) }. and and or have equal
// precedence and associate to the left (pcap-filter(7)).
func (p *parser) parseExpr() (node, qual, error) {
	if err := p.enter(p.peek()); err != nil {
		return nil, qual{}, err
	}
	defer func() { p.depth-- }()
	n, q, err := p.parseTerm()
	if err != nil {
		return nil, q, err
	}
	for {
		t := p.peek()
		and := isAnd(t)
		if !and && !isOr(t) {
			return n, q, nil
		}
		p.next()
		var r node
		if p.startsID(q) {
			if !q.ok {
				return nil, q, p.errAt(p.peek(), "%s needs a qualifier such as host or port (none to carry over)", p.peek())
			}
			r, err = p.parseID(q)
		} else {
			r, q, err = p.parseTerm()
		}
		if err != nil {
			return nil, q, err
		}
		if and {
			n = &andNode{n, r}
		} else {
			n = &orNode{n, r}
		}
	}
}

// isValue tells whether t can be a bare value (address, number, name).
func isValue(t token) bool {
	if t.kind == tEsc {
		return true
	}
	if t.kind != tWord {
		return false
	}
	if isKeyword(t.text) {
		return false
	}
	if _, ok := constants[t.text]; ok {
		return false
	}
	return true
}

// startsID tells whether the tokens at pos are a bare id that takes its
// qualifiers q from the previous primitive: a value not followed by an
// arithmetic or relational operator (but "net 10/8 or 172.16/12" and
// "portrange 1-2 or 5-6"), possibly after not/! or '('.
func (p *parser) startsID(q qual) bool {
	for k := 0; k < maxDepth; k++ {
		t := p.peekN(k)
		if isNot(t) || t.kind == tLParen {
			continue
		}
		if !isValue(t) {
			return false
		}
		switch nt := p.peekN(k + 1); nt.kind {
		case tArith:
			return q.ok && (q.t == typNet && nt.text == "/" || q.t == typPortrange && nt.text == "-")
		case tRel, tLBrack:
			return false
		}
		return true
	}
	return false
}

// parseID parses a bare id with carried-over qualifiers: value,
// not id, or ( id {and|or id} ).
func (p *parser) parseID(q qual) (node, error) {
	t := p.peek()
	if err := p.enter(t); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	if isNot(t) {
		p.next()
		x, err := p.parseID(q)
		if err != nil {
			return nil, err
		}
		return &notNode{x}, nil
	}
	if t.kind == tLParen {
		p.next()
		n, err := p.parseID(q)
		if err != nil {
			return nil, err
		}
		for {
			t := p.peek()
			if t.kind == tRParen {
				p.next()
				return n, nil
			}
			and := isAnd(t)
			if !and && !isOr(t) {
				return nil, p.errAt(t, "syntax error: expected and, or or ')' but found %s", t)
			}
			p.next()
			r, err := p.parseID(q)
			if err != nil {
				return nil, err
			}
			if and {
				n = &andNode{n, r}
			} else {
				n = &orNode{n, r}
			}
		}
	}
	return p.parseValue(q)
}

// parseTerm: not term | ( expr ) | relation | primitive.
func (p *parser) parseTerm() (node, qual, error) {
	t := p.peek()
	if err := p.enter(t); err != nil {
		return nil, qual{}, err
	}
	defer func() { p.depth-- }()
	if isNot(t) {
		p.next()
		x, q, err := p.parseTerm()
		if err != nil {
			return nil, q, err
		}
		return &notNode{x}, q, nil
	}
	if t.kind == tLParen {
		// "(" opens either a boolean group or an arithmetic operand; try
		// the relation first and fall back, keeping the error that got
		// furthest.
		save, saveVlans := p.pos, p.vlans
		n, relErr := p.parseRelation()
		if relErr == nil {
			return n, qual{}, nil
		}
		p.pos, p.vlans = save, saveVlans
		p.next()
		n, q, err := p.parseExpr()
		if err == nil {
			if c := p.peek(); c.kind != tRParen {
				err = p.errAt(c, "syntax error: expected ')' but found %s", c)
			} else {
				p.next()
				return n, q, nil
			}
		}
		if e, ok := err.(*Error); ok {
			if r, ok := relErr.(*Error); ok && r.Column > e.Column {
				return nil, q, r
			}
		}
		return nil, q, err
	}
	if p.startsArith() {
		n, err := p.parseRelation()
		return n, qual{}, err
	}
	return p.parsePrimitive()
}

// startsArith tells whether the term at pos is an arithmetic relation.
func (p *parser) startsArith() bool {
	t := p.peek()
	switch t.kind {
	case tArith:
		return t.text == "-"
	case tWord:
	default:
		return false
	}
	if t.text == "len" {
		return true
	}
	if _, ok := constants[t.text]; ok {
		return true
	}
	if _, ok := protoByName(t.text); ok && p.peekN(1).kind == tLBrack {
		return true
	}
	if t.text != "" && t.text[0] >= '0' && t.text[0] <= '9' {
		if _, err := parseNum(t.text); err == nil {
			return true
		}
	}
	return false
}

func (p *parser) parsePrimitive() (node, qual, error) {
	t := p.peek()
	if t.kind != tWord {
		if t.kind == tEsc {
			return nil, qual{}, p.errAt(t, "%q needs a qualifier such as host, port or proto", t.text)
		}
		return nil, qual{}, p.errAt(t, "syntax error: unexpected %s", t)
	}
	w := t.text
	if unsupported[w] {
		return nil, qual{}, p.errAt(t, "%q is not supported", w)
	}
	switch w {
	case "vlan":
		p.next()
		n := &vlanNode{depth: p.vlans, id: -1}
		p.vlans++
		if v := p.peek(); v.kind == tWord && isNumber(v.text) {
			p.next()
			id, err := parseNum(v.text)
			if err != nil {
				return nil, qual{}, p.errAt(v, "%v", err)
			}
			if id > 4095 {
				return nil, qual{}, p.errAt(v, "VLAN id %d greater than maximum 4095", id)
			}
			n.id = int(id)
		}
		return n, qual{}, nil
	case "less", "greater":
		p.next()
		v := p.next()
		if v.kind != tWord || !isNumber(v.text) {
			return nil, qual{}, p.errAt(v, "%s needs a number, found %s", w, v)
		}
		x, err := parseNum(v.text)
		if err != nil {
			return nil, qual{}, p.errAt(v, "%v", err)
		}
		return &lenNode{greater: w == "greater", n: x}, qual{}, nil
	case "broadcast":
		p.next()
		return &castNode{etherBroadcast}, qual{}, nil
	case "multicast":
		p.next()
		return &castNode{etherMulticast}, qual{}, nil
	}

	var q qual
	q.ok = true
	if pr, ok := protoByName(w); ok {
		p.next()
		q.p, q.pw = pr, w
		if pr == pLink {
			return nil, q, p.errAt(t, "\"link\" is only supported in link[...]")
		}
		switch nt := p.peek(); {
		case isWord(nt, "broadcast"), isWord(nt, "multicast"):
			p.next()
			return p.castPrimitive(t, pr, nt)
		case isWord(nt, "proto"):
			p.next()
			n, err := p.parseProtoValue(qual{ok: true, p: pr, pw: w, t: typProto}, nt)
			return n, qual{ok: true, p: pr, pw: w, t: typProto}, err
		case isWord(nt, "src"), isWord(nt, "dst"), isWord(nt, "host"), isWord(nt, "net"),
			isWord(nt, "port"), isWord(nt, "portrange"):
		case nt.kind == tWord && unsupported[nt.text]:
			return nil, q, p.errAt(nt, "%q is not supported", nt.text)
		default:
			if pr == pEther {
				return nil, q, p.errAt(t, "\"ether\" needs a qualifier (host, src, dst, proto, broadcast, multicast)")
			}
			return &protoNode{pr}, qual{}, nil
		}
	}
	// dir qualifier
	if d := p.peek(); isWord(d, "src") || isWord(d, "dst") {
		p.next()
		if d.text == "src" {
			q.d = dirSrc
		} else {
			q.d = dirDst
		}
		if c := p.peek(); (isAnd(c) || isOr(c)) && c.kind == tWord {
			o := p.peekN(1)
			if isWord(o, "src") || isWord(o, "dst") {
				if o.text == d.text {
					return nil, q, p.errAt(o, "syntax error: %q twice", o.text)
				}
				p.next()
				p.next()
				if isAnd(c) {
					q.d = dirSrcDst
				} else {
					q.d = dirAny
				}
			}
		}
	}
	// type qualifier
	switch tt := p.peek(); {
	case isWord(tt, "host"):
		q.t = typHost
	case isWord(tt, "net"):
		q.t = typNet
	case isWord(tt, "port"):
		q.t = typPort
	case isWord(tt, "portrange"):
		q.t = typPortrange
	case isWord(tt, "proto"):
		if q.d != dirAny || q.p != pNone {
			return nil, q, p.errAt(tt, "syntax error: unexpected \"proto\"")
		}
		p.next()
		q.t = typProto
		n, err := p.parseProtoValue(q, tt)
		return n, q, err
	case tt.kind == tWord && unsupported[tt.text]:
		return nil, q, p.errAt(tt, "%q is not supported", tt.text)
	case !isValue(tt):
		if tt.kind == tEOF {
			return nil, q, p.errAt(tt, "syntax error: missing value after %s", p.toks[p.pos-1])
		}
		return nil, q, p.errAt(tt, "syntax error: unexpected %s", tt)
	}
	if q.t != typNone {
		p.next()
	} else if q.p == pNone && q.d == dirAny {
		tt := p.peek()
		if _, _, dotted := parseDotted(tt.text); tt.kind == tWord && !isNumber(tt.text) && !dotted && !strings.Contains(tt.text, ":") {
			return nil, q, p.errAt(tt, "hostnames are not supported: %q; use a numeric address", tt.text)
		}
		return nil, q, p.errAt(tt, "%s needs a qualifier such as host, net or port", tt)
	}
	n, err := p.parseValue(q)
	return n, q, err
}

func (p *parser) castPrimitive(pt token, pr proto, kw token) (node, qual, error) {
	switch {
	case pr == pEther && kw.text == "broadcast":
		return &castNode{etherBroadcast}, qual{}, nil
	case pr == pEther && kw.text == "multicast":
		return &castNode{etherMulticast}, qual{}, nil
	case pr == pIP && kw.text == "broadcast":
		return &castNode{ipBroadcast}, qual{}, nil
	case pr == pIP && kw.text == "multicast":
		return &castNode{ipMulticast}, qual{}, nil
	case pr == pIP6 && kw.text == "multicast":
		return &castNode{ip6Multicast}, qual{}, nil
	}
	return nil, qual{}, p.errAt(pt, "%q %s is not supported", pt.text, kw.text)
}

// parseProtoValue parses the value after "ether proto", "ip proto",
// "ip6 proto" or "proto" (kw is the proto token).
func (p *parser) parseProtoValue(q qual, kw token) (node, error) {
	v := p.peek()
	if v.kind != tWord && v.kind != tEsc {
		return nil, p.errAt(v, "syntax error: missing protocol after %q", kw.text)
	}
	p.next()
	return p.protoValue(q, v)
}

func (p *parser) protoValue(q qual, v token) (node, error) {
	switch q.p {
	case pEther:
		if isNumber(v.text) && v.kind == tWord {
			n, err := parseNum(v.text)
			if err != nil || n > 0xffff {
				return nil, p.errAt(v, "bad ether proto %q", v.text)
			}
			return &etherProtoNode{uint16(n)}, nil
		}
		if e, ok := etherProtos[v.text]; ok {
			return &etherProtoNode{e}, nil
		}
		if unsupported[v.text] {
			return nil, p.errAt(v, "ether proto %q is not supported", v.text)
		}
		return nil, p.errAt(v, "unknown ether proto %q", v.text)
	case pNone, pIP, pIP6:
		if isNumber(v.text) && v.kind == tWord {
			n, err := parseNum(v.text)
			if err != nil || n > 0xff {
				return nil, p.errAt(v, "bad ip proto %q", v.text)
			}
			return &ipProtoNode{q.p, uint8(n)}, nil
		}
		if n, ok := ipProtos[v.text]; ok {
			return &ipProtoNode{q.p, n}, nil
		}
		return nil, p.errAt(v, "unknown ip proto %q", v.text)
	}
	return nil, p.errAt(v, "%q proto is not supported", q.pw)
}

// parseValue parses the value of a primitive with qualifiers q.
func (p *parser) parseValue(q qual) (node, error) {
	v := p.peek()
	if q.t == typProto {
		p.next()
		return p.protoValue(q, v)
	}
	if !isValue(v) {
		if v.kind == tEOF {
			return nil, p.errAt(v, "syntax error: missing value")
		}
		if v.kind == tWord && unsupported[v.text] {
			return nil, p.errAt(v, "%q is not supported", v.text)
		}
		return nil, p.errAt(v, "syntax error: unexpected %s", v)
	}
	p.next()
	switch q.t {
	case typPort:
		if err := p.checkPortProto(q, v); err != nil {
			return nil, err
		}
		port, err := p.portValue(v)
		if err != nil {
			return nil, err
		}
		return &portNode{p: q.p, d: q.d, lo: port, hi: port}, nil
	case typPortrange:
		if err := p.checkPortProto(q, v); err != nil {
			return nil, err
		}
		lo, err := p.portValue(v)
		if err != nil {
			return nil, err
		}
		if m := p.peek(); m.kind != tArith || m.text != "-" {
			return nil, p.errAt(m, "portrange needs LOW-HIGH, found %s", m)
		}
		p.next()
		hv := p.next()
		if !isValue(hv) {
			return nil, p.errAt(hv, "portrange needs LOW-HIGH, found %s", hv)
		}
		hi, err := p.portValue(hv)
		if err != nil {
			return nil, err
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		return &portNode{p: q.p, d: q.d, lo: lo, hi: hi, isRange: true}, nil
	}
	// host, net, or no type (host)
	if q.p == pEther {
		if q.t == typNet {
			return nil, p.errAt(v, "\"ether net\" is not supported")
		}
		mac, ok := parseMAC(v.text)
		if !ok || v.kind != tWord {
			if strings.Contains(v.text, ":") || isNumber(v.text) || strings.Count(v.text, ".") == 3 {
				return nil, p.errAt(v, "bad ethernet address %q", v.text)
			}
			return nil, p.errAt(v, "hostnames are not supported: %q; use a MAC address", v.text)
		}
		return &etherHostNode{d: q.d, mac: mac}, nil
	}
	switch q.p {
	case pNone, pIP, pIP6, pARP, pRARP:
	default:
		what := "host"
		if q.t == typNet {
			what = "net"
		}
		return nil, p.errAt(v, "'%s' modifier applied to %s", q.pw, what)
	}
	if v.kind == tWord {
		if _, ok := parseMAC(v.text); ok && strings.ContainsAny(v.text, ":-") {
			if _, err := netip.ParseAddr(v.text); err != nil {
				return nil, p.errAt(v, "ethernet address %q used in non-ether expression", v.text)
			}
		}
	}
	prefix, err := p.addrValue(q, v)
	if err != nil {
		return nil, err
	}
	n := &hostNode{p: q.p, d: q.d, prefix: prefix, isNet: q.t == typNet || prefix.Bits() != prefix.Addr().BitLen()}
	if prefix.Addr().Is4() && q.p == pIP6 {
		return nil, p.errAt(v, "'ip6' modifier applied to ip %s", map[bool]string{true: "net", false: "host"}[n.isNet])
	}
	if prefix.Addr().Is6() && q.p != pNone && q.p != pIP6 {
		return nil, p.errAt(v, "'%s' modifier applied to ip6 %s", q.pw, map[bool]string{true: "net", false: "host"}[n.isNet])
	}
	return n, nil
}

func (p *parser) checkPortProto(q qual, v token) error {
	switch q.p {
	case pNone, pTCP, pUDP, pSCTP:
		return nil
	}
	return p.errAt(v, "'%s' modifier applied to port", q.pw)
}

func (p *parser) portValue(v token) (uint16, error) {
	if v.kind == tWord && isNumber(v.text) {
		n, err := parseNum(v.text)
		if err != nil {
			return 0, p.errAt(v, "%v", err)
		}
		if n > 65535 {
			return 0, p.errAt(v, "illegal port number %d > 65535", n)
		}
		return uint16(n), nil
	}
	if n, ok := services[v.text]; ok {
		return n, nil
	}
	return 0, p.errAt(v, "unknown port name %q (only a built-in table of well-known services is known)", v.text)
}

// addrValue parses an IPv4/IPv6 address or network, with "/len" or
// "mask M" for net. As in libpcap, a partial IPv4 address ("10.1") or a
// number after net stands for a network of that many leading bytes.
func (p *parser) addrValue(q qual, v token) (netip.Prefix, error) {
	text := v.text
	if v.kind == tEsc {
		return netip.Prefix{}, p.errAt(v, "hostnames are not supported: %q; use a numeric address", text)
	}
	var addr netip.Addr
	bits := -1
	switch {
	case isNumber(text):
		n, err := parseNum(text)
		if err != nil {
			return netip.Prefix{}, p.errAt(v, "%v", err)
		}
		if q.t == typNet {
			// libpcap: "net 10" is 10.0.0.0/8, "net 0x0a01" 10.1.0.0/16.
			mask := uint32(0xffffffff)
			for n != 0 && n&0xff000000 == 0 {
				n <<= 8
				mask <<= 8
			}
			if n == 0 {
				mask = 0
			}
			bits = maskBits(mask)
		}
		addr = netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	case strings.Contains(text, ":"):
		a, err := netip.ParseAddr(text)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, p.errAt(v, "bad IPv6 address %q", text)
		}
		addr = a
	case text != "" && text[0] >= '0' && text[0] <= '9':
		a, nbytes, ok := parseDotted(text)
		if !ok {
			return netip.Prefix{}, p.errAt(v, "bad IPv4 address %q", text)
		}
		addr = a
		if nbytes < 4 {
			bits = 8 * nbytes
		}
	default:
		return netip.Prefix{}, p.errAt(v, "hostnames are not supported: %q; use a numeric address", text)
	}
	if q.t == typNet {
		if s := p.peek(); s.kind == tArith && s.text == "/" {
			p.next()
			l := p.next()
			n, err := parseNum(l.text)
			if l.kind != tWord || !isNumber(l.text) || err != nil || int(n) > addr.BitLen() || n > 128 {
				return netip.Prefix{}, p.errAt(l, "bad prefix length %s", l)
			}
			bits = int(n)
		} else if isWord(s, "mask") {
			p.next()
			l := p.next()
			m, _, ok := parseDotted(l.text)
			if l.kind != tWord || !ok || !addr.Is4() {
				if addr.Is6() {
					return netip.Prefix{}, p.errAt(s, "\"mask\" is not supported for IPv6; use /len")
				}
				return netip.Prefix{}, p.errAt(l, "bad netmask %s", l)
			}
			b := m.As4()
			bits = maskBits(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
			if bits < 0 {
				return netip.Prefix{}, p.errAt(l, "non-contiguous netmask %q is not supported", l.text)
			}
		}
	}
	if bits < 0 {
		bits = addr.BitLen()
	}
	prefix := netip.PrefixFrom(addr, bits)
	if prefix.Masked().Addr() != addr {
		return netip.Prefix{}, p.errAt(v, "non-network bits set in %q", text)
	}
	return prefix, nil
}

// maskBits is the prefix length of a contiguous netmask, -1 otherwise.
func maskBits(m uint32) int {
	n := 0
	for m&0x80000000 != 0 {
		n++
		m <<= 1
	}
	if m != 0 {
		return -1
	}
	return n
}

// parseDotted parses 1 to 4 dotted decimal bytes ("10", "10.1", "10.1.2.3")
// into an address padded with zeros, and tells how many bytes were given.
func parseDotted(s string) (netip.Addr, int, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, 0, false
	}
	var b [4]byte
	for i, x := range parts {
		n, err := strconv.ParseUint(x, 10, 8)
		if err != nil || x == "" {
			return netip.Addr{}, 0, false
		}
		b[i] = byte(n)
	}
	return netip.AddrFrom4(b), len(parts), true
}

// parseMAC accepts xx:xx:xx:xx:xx:xx, xx-xx-xx-xx-xx-xx (1 or 2 hex digits
// per byte) and xxxx.xxxx.xxxx.
func parseMAC(s string) ([6]byte, bool) {
	var mac [6]byte
	for _, sep := range []string{":", "-"} {
		parts := strings.Split(s, sep)
		if len(parts) != 6 {
			continue
		}
		ok := true
		for i, x := range parts {
			n, err := strconv.ParseUint(x, 16, 8)
			if err != nil || len(x) == 0 || len(x) > 2 {
				ok = false
				break
			}
			mac[i] = byte(n)
		}
		if ok {
			return mac, true
		}
	}
	parts := strings.Split(s, ".")
	if len(parts) == 3 {
		for i, x := range parts {
			n, err := strconv.ParseUint(x, 16, 16)
			if err != nil || len(x) != 4 {
				return mac, false
			}
			mac[2*i], mac[2*i+1] = byte(n>>8), byte(n)
		}
		return mac, true
	}
	return mac, false
}

func isMACLiteral(s string) bool {
	_, ok := parseMAC(s)
	return ok
}

// isNumber tells whether s looks like a number (decimal, 0x hex, 0 octal).
func isNumber(s string) bool {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	if len(s) > 2 && (s[1] == 'x' || s[1] == 'X') && s[0] == '0' {
		s = s[2:]
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseNum parses a 32-bit number as libpcap does: 0x hex, leading-0 octal,
// else decimal.
func parseNum(s string) (uint32, error) {
	if !isNumber(s) {
		return 0, fmt.Errorf("bad number %q", s)
	}
	orig, base := s, 10
	switch {
	case len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		base, s = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, s = 8, s[1:]
	}
	n, err := strconv.ParseUint(s, base, 32)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", orig)
	}
	return uint32(n), nil
}
