package filter

// Arithmetic follows libpcap's grammar: from loosest to tightest binding
// '|', '&', '<<' '>>', '+' '-', '*' '/', unary '-'. libpcap's grammar gives
// '%' and '^' no precedence, so its parser always shifts them: the operand
// just before the operator is the left side, and all the arithmetic after it
// is the right side ("a * b ^ c + d" is "a * (b ^ (c + d))"). That is kept
// here so that filters mean what they mean to tcpdump.

var arithLevels = [][]string{
	{"|"},
	{"&"},
	{"<<", ">>"},
	{"+", "-"},
	{"*", "/"},
}

// parseRelation: arith relop arith.
func (p *parser) parseRelation() (node, error) {
	var protos []proto
	l, err := p.parseArith(0, &protos)
	if err != nil {
		return nil, err
	}
	op := p.peek()
	if op.kind != tRel {
		return nil, p.errAt(op, "syntax error: expected a comparison (=, !=, <, <=, >, >=) but found %s", op)
	}
	p.next()
	r, err := p.parseArith(0, &protos)
	if err != nil {
		return nil, err
	}
	return &relNode{op: op.text, l: l, r: r, protos: protos}, nil
}

func (p *parser) parseArith(level int, protos *[]proto) (arith, error) {
	if level == len(arithLevels) {
		return p.parseUnary(protos)
	}
	l, err := p.parseArith(level+1, protos)
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != tArith || !contains(arithLevels[level], t.text) {
			return l, nil
		}
		p.next()
		r, err := p.parseArith(level+1, protos)
		if err != nil {
			return nil, err
		}
		if l, err = p.fold(t, l, r); err != nil {
			return nil, err
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// fold builds l op r, computing it now when both sides are constants, and
// rejects what libpcap rejects at compile time.
func (p *parser) fold(op token, l, r arith) (arith, error) {
	if c, ok := r.(*numExpr); ok {
		switch {
		case op.text == "/" && c.v == 0:
			return nil, p.errAt(op, "division by zero")
		case op.text == "%" && c.v == 0:
			return nil, p.errAt(op, "modulus by zero")
		case (op.text == "<<" || op.text == ">>") && c.v > 31:
			return nil, p.errAt(op, "shift by more than 31 bits")
		}
		if a, ok := l.(*numExpr); ok {
			v, _ := binop(op.text, a.v, c.v)
			return &numExpr{v}, nil
		}
	}
	return &binExpr{op: op.text, l: l, r: r}, nil
}

func (p *parser) parseUnary(protos *[]proto) (arith, error) {
	t := p.peek()
	if err := p.enter(t); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	if t.kind == tArith && t.text == "-" {
		p.next()
		x, err := p.parseUnary(protos)
		if err != nil {
			return nil, err
		}
		if c, ok := x.(*numExpr); ok {
			return &numExpr{-c.v}, nil
		}
		return &negExpr{x}, nil
	}
	x, err := p.parsePrimary(protos)
	if err != nil {
		return nil, err
	}
	if o := p.peek(); o.kind == tArith && (o.text == "%" || o.text == "^") {
		p.next()
		r, err := p.parseArith(0, protos)
		if err != nil {
			return nil, err
		}
		return p.fold(o, x, r)
	}
	return x, nil
}

// parsePrimary: number | len | named constant | proto[expr[:size]] | ( arith ).
func (p *parser) parsePrimary(protos *[]proto) (arith, error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		x, err := p.parseArith(0, protos)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, p.errAt(c, "syntax error: expected ')' but found %s", c)
		}
		return x, nil
	case tWord:
	default:
		return nil, p.errAt(t, "syntax error: expected a number, len or proto[...] but found %s", t)
	}
	if isNumber(t.text) {
		n, err := parseNum(t.text)
		if err != nil {
			return nil, p.errAt(t, "%v", err)
		}
		return &numExpr{n}, nil
	}
	if t.text == "len" {
		return lenExpr{}, nil
	}
	if v, ok := constants[t.text]; ok {
		return &numExpr{v}, nil
	}
	pr, ok := protoByName(t.text)
	if !ok || p.peek().kind != tLBrack {
		if unsupported[t.text] {
			return nil, p.errAt(t, "%q is not supported", t.text)
		}
		return nil, p.errAt(t, "syntax error: unexpected %s in arithmetic", t)
	}
	p.next()
	off, err := p.parseArith(0, protos)
	if err != nil {
		return nil, err
	}
	size := 1
	if c := p.peek(); c.kind == tColon {
		p.next()
		s := p.next()
		n, err := parseNum(s.text)
		if s.kind != tWord || err != nil || n != 1 && n != 2 && n != 4 {
			return nil, p.errAt(s, "data size must be 1, 2, or 4")
		}
		size = int(n)
	}
	if c := p.next(); c.kind != tRBrack {
		return nil, p.errAt(c, "syntax error: expected ']' but found %s", c)
	}
	if !hasProto(*protos, pr) {
		*protos = append(*protos, pr)
	}
	return &loadExpr{p: pr, off: off, size: size}, nil
}

func hasProto(list []proto, x proto) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}
