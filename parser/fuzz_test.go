package parser

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ssldissect/ssldissect/internal/testenv"
	"github.com/ssldissect/ssldissect/internal/tlstest"
	"golang.org/x/crypto/cryptobyte"
)

// The fuzz targets, one per entry point, are seeded from the fixtures: the
// recorded crypto/tls handshakes, the messages built in messages_test.go, and
// the hellos found in ../testdata/pcaps (which must be there). Each fails
// when it finds no seed.

// seedRecords returns whole records: every record of every recorded
// handshake, plus the crafted ones.
func seedRecords(f *testing.F) [][]byte {
	var out [][]byte
	for _, c := range realCaptures(f) {
		for _, dir := range [][]byte{c.c2s, c.s2c} {
			for len(dir) > 0 {
				_, n, err := ParseRecord(dir)
				if err != nil {
					break
				}
				out = append(out, dir[:n])
				dir = dir[n:]
			}
		}
	}
	out = append(out,
		tlstest.SSLv2Hello(f, VersionTLS10, []uint32{0x010080, 0x00002f}, nil, bytes.Repeat([]byte{1}, 16)),
		tlstest.Unhex(f, "801e 04 01 00 0002 0000 0003 0010 010080 42424242424242424242424242424242"),
		tlstest.Unhex(f, "15 0303 0002 0228"),
		tlstest.Unhex(f, "14 0303 0001 01"),
		tlstest.Unhex(f, "18 0302 0003 014000"),
	)
	out = append(out, pcapHellos(f)...)
	return out
}

// pcapHellos finds the hellos in the committed captures; finding none
// (no captures, or no hello in them) fails the target.
func pcapHellos(f *testing.F) [][]byte {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "pcaps", "*.pcap*"))
	if len(files) == 0 {
		f.Fatal("no captures in ../testdata/pcaps to seed from")
	}
	var out [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, typ := range []HandshakeType{HandshakeTypeClientHello, HandshakeTypeServerHello} {
			rest := b
			for {
				off, v := FindHello(rest, typ)
				if v != VerdictTLS {
					break
				}
				_, n, err := ParseRecord(rest[off:])
				if err != nil {
					n = min(len(rest)-off, 5+MaxRecordLen)
				}
				out = append(out, rest[off:off+n])
				rest = rest[off+1:]
			}
		}
	}
	if len(out) == 0 {
		f.Fatal("no hello found in ../testdata/pcaps")
	}
	return out
}

type seedMsg struct {
	typ  HandshakeType
	ctx  Context
	body []byte
}

func seedMessages(f *testing.F) []seedMsg {
	var out []seedMsg
	msgs := capturedMessages(f)
	for _, m := range msgs {
		out = append(out, seedMsg{m.typ, contextFor(f, msgs, m), m.body})
	}
	for _, tc := range builtCases(f) {
		out = append(out, seedMsg{tc.typ, tc.ctx, tc.body})
	}
	return out
}

func requireSeeds(f *testing.F, n int) {
	if n == 0 {
		f.Fatal("no fuzz seed found")
	}
}

func FuzzParseRecord(f *testing.F) {
	seeds := seedRecords(f)
	requireSeeds(f, len(seeds))
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, parse := range []func([]byte) (Record, int, error){ParseRecord, ParseSSLv2Record} {
			rec, n, err := parse(b)
			if err != nil {
				if n != 0 {
					t.Fatalf("n = %d with error %v", n, err)
				}
				if err != ErrNeedMore && !isParseError(err) {
					t.Fatalf("error %v is neither ErrNeedMore nor *Error", err)
				}
				continue
			}
			if n > len(b) || n != rec.HeaderLen+len(rec.Payload) {
				t.Fatalf("n = %d, HeaderLen %d, payload %d, input %d", n, rec.HeaderLen, len(rec.Payload), len(b))
			}
			if !rec.SSLv2 && len(rec.Payload) > MaxRecordLen {
				t.Fatalf("payload of %d bytes", len(rec.Payload))
			}
			// Payload parsers by content type.
			switch {
			case rec.SSLv2:
				if ch, err := ParseSSLv2ClientHello(rec.Payload); err == nil && !ch.SSLv2 {
					t.Fatal("SSLv2 hello without SSLv2 set")
				} else if err != nil && !isParseError(err) {
					t.Fatal(err)
				}
				if _, err := ParseSSLv2ServerHello(rec.Payload); err != nil && !isParseError(err) {
					t.Fatal(err)
				}
				if m, err := ParseSSLv2Message(rec.Payload); err != nil && !isParseError(err) || m == nil || m.Type() != HandshakeType(rec.Payload[0]) {
					t.Fatalf("ParseSSLv2Message: %#v, %v", m, err)
				}
			case rec.Type == ContentTypeAlert:
				if as, err := ParseAlert(rec.Payload); err == nil && 2*len(as) != len(rec.Payload) {
					t.Fatalf("%d alerts from %d bytes", len(as), len(rec.Payload))
				}
			case rec.Type == ContentTypeHeartbeat:
				if h, err := ParseHeartbeat(rec.Payload); err == nil && h.Actual != len(rec.Payload)-3 {
					t.Fatalf("Actual = %d", h.Actual)
				}
			case rec.Type == ContentTypeChangeCipherSpec:
				ParseChangeCipherSpec(rec.Payload)
			}
		}
	})
}

func FuzzHandshakeReader(f *testing.F) {
	n := 0
	for _, c := range realCaptures(f) {
		f.Add(c.c2s, uint16(7))
		f.Add(c.s2c, uint16(300))
		n += 2
	}
	requireSeeds(f, n)
	f.Fuzz(func(t *testing.T, stream []byte, split uint16) {
		if split == 0 {
			split = 1
		}
		var hr HandshakeReader
		var got, frag []byte
		rest := stream
		written := 0
		for len(rest) > 0 {
			k := min(int(split), len(rest))
			// Each fragment in one buffer the caller reuses, scribbled
			// over once the reader is drained: the reader reads a
			// fragment where it is only until then.
			for i := range frag {
				frag[i] ^= 0x5a
			}
			frag = append(frag[:0], rest[:k]...)
			if err := hr.Write(frag); err != nil {
				if !errors.Is(err, ErrTooLarge) || !isParseError(err) {
					t.Fatalf("Write: %v", err)
				}
				return
			}
			written += k
			rest = rest[k:]
			for {
				typ, body, raw, err := hr.Next()
				if err == ErrNeedMore {
					break
				}
				if err != nil {
					if !errors.Is(err, ErrTooLarge) {
						t.Fatalf("Next: %v", err)
					}
					return
				}
				if len(raw) != 4+len(body) || HandshakeType(raw[0]) != typ || len(body) > MaxHandshakeBodyLen(typ) {
					t.Fatalf("raw %d body %d type %v", len(raw), len(body), typ)
				}
				got = append(got, raw...)
			}
			if len(got)+hr.Pending() != written {
				t.Fatalf("returned %d + pending %d != written %d", len(got), hr.Pending(), written)
			}
		}
		if !bytes.Equal(got, stream[:len(got)]) {
			t.Fatal("messages do not concatenate to the stream")
		}
	})
}

func FuzzParseHandshake(f *testing.F) {
	seeds := seedMessages(f)
	requireSeeds(f, len(seeds))
	for _, s := range seeds {
		f.Add(uint8(s.typ), uint16(s.ctx.Version), uint16(s.ctx.CipherSuite), s.body)
	}
	f.Fuzz(func(t *testing.T, typ uint8, version, suite uint16, body []byte) {
		ctx := Context{Version: Version(version), CipherSuite: CipherSuite(suite)}
		m, err := ParseHandshake(HandshakeType(typ), body, ctx)
		if m == nil {
			t.Fatal("nil message")
		}
		if m.Type() != HandshakeType(typ) {
			t.Fatalf("Type() = %v, want %v", m.Type(), HandshakeType(typ))
		}
		if err != nil {
			if !isParseError(err) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if isPartialHello(m) {
				if HandshakeType(typ) != HandshakeTypeClientHello && HandshakeType(typ) != HandshakeTypeServerHello {
					t.Fatalf("partial %T for type %d", m, typ)
				}
				_ = MessageName(m)
				return
			}
			r, ok := m.(*RawMessage)
			if !ok || (!bytes.Equal(r.Body, body) && !(errors.Is(err, ErrTooLarge) && r.Body == nil)) {
				t.Fatalf("on error got %T", m)
			}
		} else if isPartialHello(m) {
			t.Fatalf("partial %T without an error", m)
		}
		_ = MessageName(m)
	})
}

func FuzzParseExtensions(f *testing.F) {
	n := 0
	for _, s := range seedMessages(f) {
		var exts []Extension
		m, err := ParseHandshake(s.typ, s.body, s.ctx)
		if err != nil {
			continue
		}
		typ := s.typ
		switch m := m.(type) {
		case *ClientHello:
			exts = m.Extensions
		case *ServerHello:
			exts = m.Extensions
			if m.IsHelloRetryRequest() {
				typ = HandshakeTypeHelloRetryRequest
			}
		case *EncryptedExtensions:
			exts = m.Extensions
		case *NewSessionTicket:
			exts = m.Extensions
		}
		if len(exts) == 0 {
			continue
		}
		block := tlstest.Build(f, func(b *cryptobyte.Builder) { marshalExtensions(b, exts) })
		f.Add(uint8(typ), block)
		n++
	}
	requireSeeds(f, n)
	f.Fuzz(func(t *testing.T, msg uint8, b []byte) {
		exts, err := ParseExtensions(b, HandshakeType(msg))
		if err != nil && !isParseError(err) {
			t.Fatalf("error %v is not an *Error", err)
		}
		total := 0
		for _, e := range exts {
			total += 4 + len(e.Data)
			if e.Err != nil && (e.Parsed != nil || !isParseError(e.Err)) {
				t.Fatalf("extension %v: Err %v with Parsed %v", e.Type, e.Err, e.Parsed)
			}
		}
		if total > len(b) || (err == nil && total != len(b)) {
			t.Fatalf("extensions cover %d of %d bytes (err %v)", total, len(b), err)
		}
	})
}

func FuzzSniff(f *testing.F) {
	testenv.SeedCorpus(f, "FuzzSniff")
	seeds := seedRecords(f)
	requireSeeds(f, len(seeds))
	for _, s := range seeds {
		f.Add(s)
		f.Add(append([]byte("EHLO x\r\nSTARTTLS\r\n"), s...))
		if _, body, ok := helloBody(s); ok {
			f.Add(body) // for helloFramed
		}
	}
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Add([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v := Sniff(b)
		if v > VerdictNotTLS {
			t.Fatalf("verdict %d", v)
		}
		// The sniffer judges a whole hello by its framing: it must give
		// what decoding it gives, on b as a stream and as a hello body.
		if len(b) > 0 && b[0]&0x80 == 0 {
			if old := sniffRecord(b, 0, parsesAsHello); v != old {
				t.Fatalf("Sniff %v, with the hello decoded %v", v, old)
			}
		}
		for _, typ := range []HandshakeType{HandshakeTypeClientHello, HandshakeTypeServerHello} {
			off, fv := FindHello(b, typ)
			if oldOff, oldV := findHello(b, typ, parsesAsHello); off != oldOff || fv != oldV {
				t.Fatalf("FindHello(%v) = %d, %v; with the hello decoded %d, %v", typ, off, fv, oldOff, oldV)
			}
			if framed, parsed := helloFramed(typ, b), parsesAsHello(typ, b); framed != parsed {
				t.Fatalf("as a %v body: helloFramed %v, parses %v", typ, framed, parsed)
			}
		}
		if v == VerdictTLS {
			if _, _, err := ParseRecord(b); err != nil && err != ErrNeedMore {
				t.Fatalf("sniffed as TLS but ParseRecord: %v", err)
			}
		}
		for _, typ := range []HandshakeType{HandshakeTypeClientHello, HandshakeTypeServerHello} {
			off, fv := FindHello(b, typ)
			switch fv {
			case VerdictTLS:
				if off < 0 || off >= len(b) || Sniff(b[off:]) != VerdictTLS || b[off] != byte(ContentTypeHandshake) {
					t.Fatalf("FindHello = %d, %v", off, fv)
				}
			case VerdictNeedMore:
				if off < 0 || off >= len(b) {
					t.Fatalf("FindHello = %d, %v", off, fv)
				}
			case VerdictNotTLS:
				if off != -1 {
					t.Fatalf("FindHello = %d, %v", off, fv)
				}
			case VerdictSSLv2Hello:
				// Only an SSLv2-format ClientHello at the very start.
				if typ != HandshakeTypeClientHello || off != 0 || Sniff(b) != VerdictSSLv2Hello {
					t.Fatalf("FindHello = %d, %v", off, fv)
				}
			default:
				t.Fatalf("FindHello verdict %v", fv)
			}
		}
	})
}
