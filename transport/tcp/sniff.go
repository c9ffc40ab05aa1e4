package tcp

import (
	"fmt"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// sniffer looks for where SSL/TLS starts in one side's bytes b (at offset
// base of the Data call that pos describes).
type sniffer struct {
	c    *Stream
	s    Side
	h    *half
	b    []byte
	pos  Positioner
	base int
}

// sniff looks for where SSL/TLS starts in one side's bytes.
func (c *Stream) sniff(s Side, b []byte, pos Positioner, base int) (n int, stop bool) {
	x := &sniffer{c: c, s: s, h: &c.halves[s], b: b, pos: pos, base: base}
	if c.client < 0 {
		return x.firstFlight()
	}
	return x.peer()
}

// keepPrefix keeps the first plaintext bytes of the side, for naming the
// STARTTLS protocol.
func (x *sniffer) keepPrefix(skipped []byte) {
	c := x.c
	if len(c.prefix[x.s]) < prefixKeep {
		k := min(prefixKeep-len(c.prefix[x.s]), len(skipped))
		c.prefix[x.s] = append(c.prefix[x.s], skipped[:k]...)
	}
}

// start switches the side to mode at offset at of b: TLS starts there.
func (x *sniffer) start(at int, mode halfMode) (int, bool) {
	c, h := x.c, x.h
	x.keepPrefix(x.b[:at])
	if at > 0 || h.base > 0 {
		c.sniffed += at
	}
	h.mode = mode
	c.sess().BeginTLS()
	if h.base+uint64(at) > 0 && c.StartTLS == "" {
		c.StartTLS = guessStartTLS(c.prefix[0], c.prefix[1])
		_, p := x.pos.At(x.base + at)
		c.Note(session.Note{Code: session.NoteStartTLS, Dir: c.dirOf(x.s), HasDir: true, Offset: h.base + uint64(at), Packet: p,
			Detail: fmt.Sprintf("TLS starts after %d plaintext bytes (%s)", h.base+uint64(at), c.StartTLS)})
	}
	return at, false
}

// skip passes over plaintext up to offset upto, giving up on the
// connection past maxSniffBytes.
func (x *sniffer) skip(upto int) (int, bool) {
	c := x.c
	x.keepPrefix(x.b[:upto])
	c.sniffed += upto
	if c.sniffed > maxSniffBytes {
		c.dead = true
	}
	return upto, true
}

// firstFlight looks for the client's first flight while the roles are
// unknown: an SSLv2-format or TLS ClientHello from this side, a ServerHello
// (the other side is then the client), or the middle of a TLS stream.
func (x *sniffer) firstFlight() (n int, stop bool) {
	c, s, b, h := x.c, x.s, x.b, x.h
	if h.base == 0 && len(b) > 0 && b[0]&0x80 != 0 {
		// An SSLv2-format ClientHello, which parser.FindHello (TLS records
		// only) does not look for.
		switch parser.Sniff(b) {
		case parser.VerdictSSLv2Hello:
			c.setRoles(s, false)
			return x.start(0, modeSSLv2)
		case parser.VerdictNeedMore:
			return 0, true
		}
	}
	off, v := parser.FindHello(b, parser.HandshakeTypeClientHello)
	switch v {
	case parser.VerdictTLS:
		c.setRoles(s, false)
		return x.start(off, modeTLS)
	case parser.VerdictSSLv2Hello:
		c.setRoles(s, false)
		return x.start(off, modeSSLv2)
	case parser.VerdictNeedMore:
		if off == 0 && h.base == 0 {
			// The stream starts with what may be a ClientHello (split
			// into tiny records, or not all arrived): wait for it.
			return 0, true
		}
		// A 0x16 byte near the end of a short read may be the start of a
		// hello, or the capture may start inside a TLS stream: skipping to
		// it would lose the mid-stream check.
		if ok, need := recordChain(b); h.base == 0 && (ok || need) {
			break
		}
		return x.skip(off)
	}
	// A ServerHello tells the roles too, when the client's hello was not
	// captured (and TLS may start after a proxy exchange).
	switch off, v := parser.FindHello(b, parser.HandshakeTypeServerHello); v {
	case parser.VerdictTLS:
		c.setRoles(1-s, false)
		return x.start(off, modeTLS)
	case parser.VerdictNeedMore:
		if ok, need := recordChain(b); h.base != 0 || !ok && !need {
			return x.skip(off)
		}
	}
	if h.base == 0 {
		if n, stop, found := x.midstream(); found {
			return n, stop
		}
	}
	return x.skip(max(0, len(b)-4))
}

// midstream checks whether the side's first bytes are the middle of a TLS
// stream (the capture started late). found is false when they are not.
func (x *sniffer) midstream() (n int, stop, found bool) {
	c, b := x.c, x.b
	ok, need := recordChain(b)
	if need {
		return 0, true, true
	}
	if !ok {
		return 0, false, false
	}
	c.setRoles(c.guessClient(), true)
	c.Note(session.Note{Code: session.NoteMidstream, Dir: c.dirOf(x.s), HasDir: true, Detail: "capture starts inside the TLS stream: no handshake seen"})
	if parser.ContentType(b[0]) == parser.ContentTypeApplicationData {
		// The handshake is over: every record is protected, alerts
		// included.
		c.AssumeProtected()
	}
	n, stop = x.start(0, modeTLS)
	return n, stop, true
}

// peer looks for where TLS starts on the other side once the client is
// known: at the first plausible record (a ServerHello, or an alert refusing
// the hello).
func (x *sniffer) peer() (n int, stop bool) {
	b, h := x.b, x.h
	switch parser.Sniff(b) {
	case parser.VerdictTLS:
		return x.start(0, modeTLS)
	case parser.VerdictSSLv2Hello:
		return x.start(0, modeSSLv2)
	case parser.VerdictNeedMore:
		if len(b) < 16 {
			return 0, true
		}
	}
	if sslv2ServerHello(b) {
		return x.start(0, modeSSLv2)
	}
	off, v := parser.FindHello(b, parser.HandshakeTypeServerHello)
	switch v {
	case parser.VerdictTLS:
		return x.start(off, modeTLS)
	case parser.VerdictNeedMore:
		return x.skip(off)
	}
	if h.base == 0 {
		if ok, need := recordChain(b); ok {
			return x.start(0, modeTLS)
		} else if need {
			return 0, true
		}
	}
	return x.skip(max(0, len(b)-4))
}

// sslv2ServerHello reports whether b starts with an SSLv2 SERVER-HELLO
// record (2-byte header, message type 4), or with an SSLv2 ERROR record
// (type 0, 3 bytes: the server refusing the CLIENT-HELLO, e.g.
// NO-CIPHER-ERROR).
func sslv2ServerHello(b []byte) bool {
	if len(b) < 3 || b[0]&0x80 == 0 {
		return false
	}
	n := int(b[0]&0x7f)<<8 | int(b[1])
	return b[2] == 4 && n >= 11 || b[2] == 0 && n == 3
}

// plausibleHeader reports whether b starts with a plausible SSL 3.0/TLS
// record header (parser.RecordHeader.Plausible), and the record's total
// length.
func plausibleHeader(b []byte) (int, bool) {
	h, err := parser.ParseRecordHeader(b)
	if err != nil || !h.Plausible() {
		return 0, false
	}
	return 5 + h.Length, true
}

// recordChain reports whether b starts with two plausible records in a row
// (or with one that ends exactly where b ends). need is set when b is too
// short to tell.
func recordChain(b []byte) (ok, need bool) {
	n, ok := plausibleHeader(b)
	if !ok {
		if len(b) < 5 {
			return false, true
		}
		return false, false
	}
	if len(b) == n {
		return true, false
	}
	if len(b) < n+5 {
		return false, true
	}
	_, ok = plausibleHeader(b[n:])
	return ok, false
}
