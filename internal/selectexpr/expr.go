package selectexpr

import (
	"fmt"
	"net/netip"
	"regexp"

	tlsparser "github.com/ssldissect/ssldissect/parser"
)

// Limits on an expression: its length and how deeply it nests (not and
// parentheses), so that a hostile one cannot exhaust the stack.
const (
	MaxLen   = 4096
	MaxDepth = 64
)

// Tri is a three-valued truth.
type Tri uint8

const (
	Unknown Tri = iota
	False
	True
)

func (t Tri) String() string {
	switch t {
	case True:
		return "true"
	case False:
		return "false"
	}
	return "unknown"
}

func triOf(b bool) Tri {
	if b {
		return True
	}
	return False
}

// Error is a parse error at a column (1-based, in bytes).
type Error struct {
	Col int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("column %d: %s", e.Col, e.Msg) }

// Expr is a parsed expression.
type Expr struct {
	src  string
	root node
	uses Set
}

// String is the expression as given.
func (e *Expr) String() string { return e.src }

// Uses is the set of fields the expression tests.
func (e *Expr) Uses() Set { return e.uses }

// Eval evaluates the expression on c: True or False once the fields it
// depends on are settled (c.Final) far enough that the answer cannot
// change, Unknown before.
func (e *Expr) Eval(c *Conn) Tri { return e.root.eval(c) }

type node interface{ eval(c *Conn) Tri }

type andNode struct{ l, r node }
type orNode struct{ l, r node }
type notNode struct{ x node }

func (n *andNode) eval(c *Conn) Tri {
	l := n.l.eval(c)
	if l == False {
		return False
	}
	r := n.r.eval(c)
	if r == False {
		return False
	}
	if l == True && r == True {
		return True
	}
	return Unknown
}

func (n *orNode) eval(c *Conn) Tri {
	l := n.l.eval(c)
	if l == True {
		return True
	}
	r := n.r.eval(c)
	if r == True {
		return True
	}
	if l == False && r == False {
		return False
	}
	return Unknown
}

func (n *notNode) eval(c *Conn) Tri {
	switch n.x.eval(c) {
	case True:
		return False
	case False:
		return True
	}
	return Unknown
}

// op is a comparison operator.
type op uint8

const (
	opEq op = iota
	opNe
	opMatch // =~
	opLt
	opLe
	opGt
	opGe
	opIn
)

var opNames = map[string]op{"==": opEq, "!=": opNe, "=~": opMatch, "<": opLt, "<=": opLe, ">": opGt, ">=": opGe, "in": opIn}

// cmpNode is field op value, with != made of == under a notNode: a
// comparison is true when any of the field's values matches.
type cmpNode struct {
	f      Field
	op     op
	glob   string         // kString, kAddr, kAddrPort ==: a pattern
	re     *regexp.Regexp // =~
	num    uint16         // kNumber; kVersion: the wire number
	rank   int            // kVersion ordering
	addr   netip.Addr     // kAddr ==
	prefix netip.Prefix   // kAddr in, or == with a prefix
	ap     netip.AddrPort // kAddrPort == with an ip:port
	isPfx  bool
	isAddr bool
	isAP   bool
}

// hasNode is a field on its own: true when the field has a value (a
// boolean field, when it is true).
type hasNode struct{ f Field }

func (n *hasNode) eval(c *Conn) Tri {
	look, final := c.known(n.f)
	if !look {
		return Unknown
	}
	var has bool
	switch n.f {
	case FieldDecrypted:
		has = c.Decrypted
	case FieldResumed:
		has = c.Resumed
	case FieldNote:
		has = len(c.Notes) > 0
	case FieldVersion:
		has = c.Version != 0
	case FieldCipherID:
		has = c.CipherID != 0
	case FieldClient, FieldClientIP, FieldClientPort:
		has = c.Client.IsValid()
	case FieldServer, FieldServerIP, FieldServerPort:
		has = c.Server.IsValid()
	case FieldIP, FieldPort:
		has = c.Client.IsValid() || c.Server.IsValid()
	default:
		has = c.str(n.f) != ""
	}
	if has || final {
		return triOf(has)
	}
	return Unknown
}

func (n *cmpNode) eval(c *Conn) Tri {
	look, final := c.known(n.f)
	if !look {
		return Unknown
	}
	if n.any(c) {
		return True
	}
	if final {
		return False
	}
	return Unknown
}

// any reports whether one of the field's values matches.
func (n *cmpNode) any(c *Conn) bool {
	switch n.f {
	case FieldNote:
		for _, s := range c.Notes {
			if n.str(s) {
				return true
			}
		}
		return false
	case FieldVersion:
		return n.version(c.Version)
	case FieldCipherID:
		return n.number(c.CipherID, true)
	case FieldClientPort:
		return n.number(c.Client.Port(), c.Client.IsValid())
	case FieldServerPort:
		return n.number(c.Server.Port(), c.Server.IsValid())
	case FieldPort:
		return n.number(c.Client.Port(), c.Client.IsValid()) || n.number(c.Server.Port(), c.Server.IsValid())
	case FieldClientIP:
		return n.ip(c.Client)
	case FieldServerIP:
		return n.ip(c.Server)
	case FieldIP:
		return n.ip(c.Client) || n.ip(c.Server)
	case FieldClient:
		return n.addrPort(c.Client)
	case FieldServer:
		return n.addrPort(c.Server)
	}
	return n.str(c.str(n.f))
}

func (n *cmpNode) str(s string) bool {
	if n.op == opMatch {
		return n.re.MatchString(s)
	}
	return globMatch(n.glob, s)
}

func (n *cmpNode) version(v uint16) bool {
	switch n.op {
	case opEq:
		return v == n.num
	case opMatch:
		return n.re.MatchString(versionString(v))
	}
	r := versionRank(v)
	if r == 0 {
		return false
	}
	return n.order(r, n.rank)
}

func (n *cmpNode) order(a, b int) bool {
	switch n.op {
	case opLt:
		return a < b
	case opLe:
		return a <= b
	case opGt:
		return a > b
	case opGe:
		return a >= b
	}
	return a == b
}

func (n *cmpNode) number(v uint16, ok bool) bool {
	return ok && n.order(int(v), int(n.num))
}

func (n *cmpNode) ip(ap netip.AddrPort) bool {
	if !ap.IsValid() {
		return false
	}
	a := ap.Addr().Unmap()
	switch {
	case n.op == opMatch:
		return n.re.MatchString(a.String())
	case n.isPfx:
		return n.prefix.Contains(a)
	case n.isAddr:
		return a == n.addr
	}
	return globMatch(n.glob, a.String())
}

func (n *cmpNode) addrPort(ap netip.AddrPort) bool {
	if !ap.IsValid() {
		return false
	}
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	switch {
	case n.op == opMatch:
		return n.re.MatchString(ap.String())
	case n.isAP:
		return ap == n.ap
	}
	return globMatch(n.glob, ap.String())
}

// versionString names a version as ssldissect's output does.
func versionString(v uint16) string { return tlsparser.Version(v).String() }

// Parse parses an expression.
func Parse(src string) (*Expr, error) {
	if len(src) > MaxLen {
		return nil, &Error{Col: MaxLen + 1, Msg: fmt.Sprintf("expression longer than %d bytes", MaxLen)}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, src: src}
	if p.peek().kind == tEOF {
		return nil, &Error{Col: 1, Msg: "empty expression"}
	}
	root, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		if t.kind == tRParen {
			return nil, p.errAt(t, `")" without a matching "("`)
		}
		return nil, p.errAt(t, fmt.Sprintf(`expected "and", "or" or the end, found %s`, t.describe()))
	}
	return &Expr{src: src, root: root, uses: p.uses}, nil
}
