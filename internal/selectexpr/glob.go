package selectexpr

// The glob patterns of == and != on strings: * any run of bytes, ? one
// byte, [abc] [a-z] one of a set ([!abc] or [^abc]: none of it), \x the
// byte x itself; ASCII letters compare case-insensitively. Unlike
// path.Match, * crosses a '/' (ALPN's "http/1.1").

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// checkGlob reports where a pattern is malformed: the offset of an
// unclosed '[' or of a trailing '\', or -1.
func checkGlob(p string) int {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			if i+1 == len(p) {
				return i
			}
			i++
		case '[':
			n := classLen(p[i:])
			if n < 0 {
				return i
			}
			i += n - 1
		}
	}
	return -1
}

// classLen is the length of the class at the start of p, its brackets
// included, or -1 when it is not closed.
func classLen(p string) int {
	i := 1
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		i++
	}
	if i < len(p) && p[i] == ']' { // a ']' first is itself
		i++
	}
	for ; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case ']':
			return i + 1
		}
	}
	return -1
}

// matchClass reports whether b is in the class at the start of p (a
// well-formed one: checkGlob has passed) and the class's length.
func matchClass(p string, b byte) (bool, int) {
	n := classLen(p)
	body := p[1 : n-1]
	neg := false
	if len(body) > 0 && (body[0] == '!' || body[0] == '^') {
		neg, body = true, body[1:]
	}
	b = lower(b)
	in := false
	for i := 0; i < len(body); i++ {
		lo := body[i]
		if lo == '\\' && i+1 < len(body) {
			i++
			lo = body[i]
		}
		hi := lo
		if i+2 < len(body) && body[i+1] == '-' {
			hi = body[i+2]
			if hi == '\\' && i+3 < len(body) {
				i++
				hi = body[i+2]
			}
			i += 2
		}
		if lower(lo) <= b && b <= lower(hi) {
			in = true
		}
	}
	return in != neg, n
}

// globMatch reports whether s matches the pattern p (checked by
// checkGlob). It backtracks to the last '*' only, so it runs in time
// O(len(p)·len(s)).
func globMatch(p, s string) bool {
	px, sx := 0, 0
	starP, starS := -1, 0
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			switch c := p[px]; c {
			case '*':
				starP, starS = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			case '[':
				if sx < len(s) {
					if ok, n := matchClass(p[px:], s[sx]); ok {
						px += n
						sx++
						continue
					}
				}
			case '\\':
				if sx < len(s) && px+1 < len(p) && lower(p[px+1]) == lower(s[sx]) {
					px += 2
					sx++
					continue
				}
			default:
				if sx < len(s) && lower(c) == lower(s[sx]) {
					px++
					sx++
					continue
				}
			}
		}
		if starP >= 0 && starS <= len(s) {
			px, sx = starP+1, starS
			starS++
			continue
		}
		return false
	}
	return true
}
