package tcp

import (
	"fmt"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// sniff looks for where SSL/TLS starts in one side's bytes.
func (c *Stream) sniff(s Side, b []byte, pos Positioner, base int) (n int, stop bool) {
	h := &c.halves[s]
	keepPrefix := func(skipped []byte) {
		if len(c.prefix[s]) < prefixKeep {
			k := min(prefixKeep-len(c.prefix[s]), len(skipped))
			c.prefix[s] = append(c.prefix[s], skipped[:k]...)
		}
	}
	start := func(at int, mode halfMode) {
		keepPrefix(b[:at])
		if at > 0 || h.base > 0 {
			c.sniffed += at
		}
		h.mode = mode
		c.BeginTLS()
		if h.base+uint64(at) > 0 && c.StartTLS == "" {
			c.StartTLS = guessStartTLS(c.prefix[0], c.prefix[1])
			_, p := pos.At(base + at)
			c.Note(session.Note{Code: "starttls", Dir: c.dirOf(s), HasDir: true, Offset: h.base + uint64(at), Packet: p,
				Detail: fmt.Sprintf("TLS starts after %d plaintext bytes (%s)", h.base+uint64(at), c.StartTLS)})
		}
	}
	skip := func(upto int) (int, bool) {
		keepPrefix(b[:upto])
		c.sniffed += upto
		if c.sniffed > maxSniffBytes {
			c.dead = true
		}
		return upto, true
	}

	if c.client < 0 {
		// Looking for the client's first flight.
		if h.base == 0 && len(b) > 0 && b[0]&0x80 != 0 {
			// An SSLv2-format ClientHello, which parser.FindHello (TLS records
			// only) does not look for.
			switch parser.Sniff(b) {
			case parser.VerdictSSLv2Hello:
				c.setRoles(s, false)
				start(0, modeSSLv2)
				return 0, false
			case parser.VerdictNeedMore:
				return 0, true
			}
		}
		{
			off, v := parser.FindHello(b, parser.HandshakeTypeClientHello)
			switch v {
			case parser.VerdictTLS:
				c.setRoles(s, false)
				start(off, modeTLS)
				return off, false
			case parser.VerdictSSLv2Hello:
				c.setRoles(s, false)
				start(off, modeSSLv2)
				return off, false
			case parser.VerdictNeedMore:
				// A 0x16 byte near the end of a short read may be the
				// start of a hello, or the capture may start inside a TLS
				// stream: skipping to it would lose the mid-stream check.
				if ok, need := recordChain(b); h.base == 0 && (ok || need) {
					break
				}
				return skip(off)
			}
			// A ServerHello tells the roles too, when the client's hello
			// was not captured (and TLS may start after a proxy exchange).
			switch off, v := parser.FindHello(b, parser.HandshakeTypeServerHello); v {
			case parser.VerdictTLS:
				c.setRoles(1-s, false)
				start(off, modeTLS)
				return off, false
			case parser.VerdictNeedMore:
				if ok, need := recordChain(b); h.base != 0 || !ok && !need {
					return skip(off)
				}
			}
			// No hello: is this the middle of a TLS stream (capture started late)?
			if h.base == 0 {
				if ok, need := recordChain(b); ok {
					c.setRoles(c.guessClient(), true)
					c.Note(session.Note{Code: "midstream", Dir: c.dirOf(s), HasDir: true, Detail: "capture starts inside the TLS stream: no handshake seen"})
					if parser.ContentType(b[0]) == parser.ContentTypeApplicationData {
						// The handshake is over: every record is protected,
						// alerts included.
						c.AssumeProtected()
					}
					start(0, modeTLS)
					return 0, false
				} else if need {
					return 0, true
				}
			}
			return skip(max(0, len(b)-4))
		}
	}

	// The other side, once the client is known: TLS starts at the first
	// plausible record (a ServerHello, or an alert refusing the hello).
	switch parser.Sniff(b) {
	case parser.VerdictTLS:
		start(0, modeTLS)
		return 0, false
	case parser.VerdictSSLv2Hello:
		start(0, modeSSLv2)
		return 0, false
	case parser.VerdictNeedMore:
		if len(b) < 16 {
			return 0, true
		}
	}
	if sslv2ServerHello(b) {
		start(0, modeSSLv2)
		return 0, false
	}
	off, v := parser.FindHello(b, parser.HandshakeTypeServerHello)
	switch v {
	case parser.VerdictTLS:
		start(off, modeTLS)
		return off, false
	case parser.VerdictNeedMore:
		return skip(off)
	}
	if c.client >= 0 && h.base == 0 {
		if ok, need := recordChain(b); ok {
			start(0, modeTLS)
			return 0, false
		} else if need {
			return 0, true
		}
	}
	return skip(max(0, len(b)-4))
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
