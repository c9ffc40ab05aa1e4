package parser

import (
	"bytes"
	"crypto/tls"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pcapfile "github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/internal/testenv"
	"github.com/ssldissect/ssldissect/internal/tlstest"
)

// The sniffer judges a hello that its record holds whole by its framing
// (helloFramed) instead of decoding it (parsesAsHello, what it did before).
// These tests hold the two to the same answers, on the hellos and streams of
// the shipped captures (testdata/pcaps: the captures and the .c2s/.s2c
// streams), of the conformance corpus when it is there, and on mutations
// of them.

// captureStreams returns the byte streams of the captures: each file's
// bytes as they are, and for each capture the TCP payloads of each
// direction of each connection, concatenated in packet order (no
// reassembly: a retransmission or reordering gives a stream that is not
// the sender's, which is more input still).
func captureStreams(t *testing.T) (streams [][]byte, files int) {
	t.Helper()
	dirs := []string{filepath.Join("..", "testdata", "pcaps")}
	if testenv.Have(t, "conformance", "only the shipped captures are compared") {
		dirs = append(dirs, testenv.Conformance(t, "conformance captures"))
	}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			name := d.Name()
			isCapture := strings.HasSuffix(name, ".pcap") || strings.HasSuffix(name, ".pcapng")
			if !isCapture && !strings.HasSuffix(name, ".c2s") && !strings.HasSuffix(name, ".s2c") {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			streams = append(streams, b)
			if isCapture {
				streams = append(streams, tcpPayloads(path)...)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 100 {
		t.Fatalf("only %d captures and streams found under %v", files, dirs)
	}
	return streams, files
}

// tcpPayloads reads a capture (with the program's reader, package capture) and
// returns, per direction of each TCP connection, the payloads concatenated
// in packet order. What it cannot read ends the capture.
func tcpPayloads(path string) [][]byte {
	src, err := pcapfile.OpenFiles([]string{path}, pcapfile.Options{OnWarning: func(error) {}})
	if err != nil {
		return nil
	}
	defer src.Close()
	var order []string
	flows := map[string][]byte{}
	for {
		p, err := src.Next()
		if err != nil {
			break
		}
		if p.TCP == nil || len(p.TCP.Payload) == 0 {
			continue
		}
		key := p.Net.String() + " " + p.TCP.TransportFlow().String()
		if _, ok := flows[key]; !ok {
			order = append(order, key)
		}
		flows[key] = append(flows[key], p.TCP.Payload...)
	}
	out := make([][]byte, 0, len(order))
	for _, k := range order {
		out = append(out, flows[k])
	}
	return out
}

// helloBody returns the body of the ClientHello or ServerHello that the
// handshake record at the start of b holds whole, if it does.
func helloBody(b []byte) (HandshakeType, []byte, bool) {
	rec, _, err := ParseRecord(b)
	if err != nil || rec.Type != ContentTypeHandshake || len(rec.Payload) < 4 {
		return 0, nil, false
	}
	p := rec.Payload
	t := HandshakeType(p[0])
	n := int(p[1])<<16 | int(p[2])<<8 | int(p[3])
	if (t != HandshakeTypeClientHello && t != HandshakeTypeServerHello) || n > len(p)-4 {
		return 0, nil, false
	}
	return t, p[4 : 4+n], true
}

// wrapHello frames a hello body in a handshake header and a TLS 1.0 record.
func wrapHello(t HandshakeType, body []byte) []byte {
	n := len(body) + 4
	b := []byte{byte(ContentTypeHandshake), 3, 1, byte(n >> 8), byte(n), byte(t), byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}
	return append(b, body...)
}

// lengthFields lists the offsets of the length bytes of a hello body laid
// out as a ClientHello (session id, cipher suites, compression methods,
// extensions block, each extension) and as a ServerHello of either
// layout, as far as the body goes: where a mutation changes the verdict.
func lengthFields(body []byte) []int {
	var out []int
	exts := func(at int) {
		if at+2 > len(body) {
			return
		}
		out = append(out, at, at+1)
		for i := at + 2; i+4 <= len(body); {
			out = append(out, i+2, i+3)
			i += 4 + int(body[i+2])<<8 | int(body[i+3])
		}
	}
	const sidAt = 34
	if sidAt >= len(body) {
		return out
	}
	out = append(out, sidAt)
	suitesAt := sidAt + 1 + int(body[sidAt])
	exts(sidAt + 2)    // a draft ServerHello: suite, then extensions
	exts(suitesAt + 3) // a ServerHello: suite, compression, extensions
	if suitesAt+2 > len(body) {
		return out
	}
	out = append(out, suitesAt, suitesAt+1)
	compAt := suitesAt + 2 + int(body[suitesAt])<<8 | int(body[suitesAt+1])
	if compAt >= len(body) {
		return out
	}
	out = append(out, compAt)
	exts(compAt + 1 + int(body[compAt]))
	return out
}

// mutate returns a changed copy of body: a length byte moved by a little or
// set at random, a byte inserted, removed or replaced, the tail cut, or the
// version set to one of the layouts' (SSL 3.0, TLS 1.3 and a TLS 1.3
// draft's).
func mutate(r *rand.Rand, body []byte) []byte {
	b := bytes.Clone(body)
	if len(b) == 0 {
		return []byte{byte(r.IntN(256))}
	}
	switch r.IntN(7) {
	case 0, 1:
		if f := lengthFields(b); len(f) > 0 {
			i := f[r.IntN(len(f))]
			if r.IntN(2) == 0 {
				b[i] += byte(r.IntN(5)) - 2
			} else {
				b[i] = byte(r.IntN(256))
			}
			return b
		}
		fallthrough
	case 2:
		b[r.IntN(len(b))] = byte(r.IntN(256))
	case 3:
		i := r.IntN(len(b) + 1)
		b = append(b[:i], append([]byte{byte(r.IntN(256))}, b[i:]...)...)
	case 4:
		i := r.IntN(len(b))
		b = append(b[:i], b[i+1:]...)
	case 5:
		b = b[:r.IntN(len(b))]
	case 6:
		if len(b) >= 2 {
			v := []uint16{0x0300, 0x0303, 0x0304, 0x7f12, 0x7f16}[r.IntN(5)]
			b[0], b[1] = byte(v>>8), byte(v)
		}
	}
	return b
}

// TestHelloFramedIsParse: helloFramed accepts exactly the hello bodies that
// parse, for the hellos of the captures, each read as a ClientHello and as a
// ServerHello, every prefix of them, and mutations of them (each framed in
// a record as well, where FindHello and Sniff must give what they gave when
// they decoded the hello).
func TestHelloFramedIsParse(t *testing.T) {
	streams, files := captureStreams(t)
	seen := map[string]bool{}
	var bodies [][]byte
	for _, s := range streams {
		for i := 0; i < len(s); i++ {
			if s[i] != byte(ContentTypeHandshake) {
				continue
			}
			if _, body, ok := helloBody(s[i:]); ok && !seen[string(body)] {
				seen[string(body)] = true
				bodies = append(bodies, body)
			}
		}
	}
	if len(bodies) < 200 {
		t.Fatalf("%d distinct hellos in %d captures and streams", len(bodies), files)
	}
	var accepted, rejected int
	check := func(what string, body []byte) {
		t.Helper()
		for _, typ := range []HandshakeType{HandshakeTypeClientHello, HandshakeTypeServerHello} {
			framed, parsed := helloFramed(typ, body), parsesAsHello(typ, body)
			if framed != parsed {
				t.Fatalf("%s as %v: helloFramed %v, parses %v; body %x", what, typ, framed, parsed, body)
			}
			if framed {
				accepted++
			} else {
				rejected++
			}
			rec := wrapHello(typ, body)
			for _, want := range []HandshakeType{0, typ} {
				if got, old := sniffRecord(rec, want, helloFramed), sniffRecord(rec, want, parsesAsHello); got != old {
					t.Fatalf("%s as %v: sniffRecord(want %v) %v, with the hello decoded %v", what, typ, want, got, old)
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(13, 1))
	for n, body := range bodies {
		check("hello", body)
		if n < 50 {
			for k := range len(body) {
				check("prefix", body[:k])
			}
		}
		for range 40 {
			m := mutate(r, body)
			check("mutation", m)
			check("mutation twice", mutate(r, m))
		}
	}
	// Each outcome must have been seen often: a check that accepts or
	// rejects everything would fail above, but not if the inputs never
	// told them apart.
	if accepted < 1000 || rejected < 1000 {
		t.Fatalf("%d hellos accepted, %d rejected: too few of one to compare", accepted, rejected)
	}
	t.Logf("%d distinct hellos from %d files: %d accepted, %d rejected, both ways", len(bodies), files, accepted, rejected)
}

// TestFindHelloSameVerdicts: FindHello and Sniff give the same verdict and
// offset as when they decoded the hellos, at every offset of every stream of
// the captures.
func TestFindHelloSameVerdicts(t *testing.T) {
	streams, _ := captureStreams(t)
	var found, sniffed int
	for _, s := range streams {
		for _, typ := range []HandshakeType{HandshakeTypeClientHello, HandshakeTypeServerHello} {
			for at := 0; at < len(s); {
				off, v := FindHello(s[at:], typ)
				oldOff, oldV := findHello(s[at:], typ, parsesAsHello)
				if off != oldOff || v != oldV {
					t.Fatalf("FindHello(%v) at %d: %d, %v; with the hello decoded %d, %v", typ, at, off, v, oldOff, oldV)
				}
				if off < 0 {
					break
				}
				if v == VerdictTLS {
					found++
				}
				at += off + 1
			}
		}
		for i := 0; i < len(s); i++ {
			if !validContentType(ContentType(s[i])) {
				continue
			}
			w := s[i:min(len(s), i+5+MaxRecordLen+minHelloSniff)]
			if got, old := Sniff(w), sniffRecord(w, 0, parsesAsHello); got != old {
				t.Fatalf("Sniff at %d: %v, with the hello decoded %v", i, got, old)
			}
			if got, old := sniffRecord(w[:len(w)/2], HandshakeTypeClientHello, helloFramed), sniffRecord(w[:len(w)/2], HandshakeTypeClientHello, parsesAsHello); got != old {
				t.Fatalf("sniffRecord of %d bytes at %d: %v, with the hello decoded %v", len(w)/2, i, got, old)
			}
			sniffed++
		}
	}
	if found < 500 {
		t.Fatalf("only %d hellos found", found)
	}
	t.Logf("%d hellos found, %d offsets sniffed, in %d streams", found, sniffed, len(streams))
}

// TestFindHelloAllocates: finding a crypto/tls hello allocates nothing.
func TestFindHelloAllocates(t *testing.T) {
	c2s, s2c := tlstest.HandshakeStreams(t, tls.VersionTLS13)
	for _, tc := range []struct {
		b   []byte
		typ HandshakeType
	}{{c2s, HandshakeTypeClientHello}, {s2c, HandshakeTypeServerHello}} {
		n := testing.AllocsPerRun(20, func() {
			if off, v := FindHello(tc.b, tc.typ); off != 0 || v != VerdictTLS {
				t.Fatalf("FindHello(%v) = %d, %v", tc.typ, off, v)
			}
		})
		if n != 0 {
			t.Errorf("FindHello(%v) allocates %v times", tc.typ, n)
		}
	}
}

// parsesAsHello is the helloCheck of decoding the hello: what helloFramed
// stands for.
func parsesAsHello(t HandshakeType, body []byte) bool {
	_, err := parseHandshake(t, body, Context{})
	return err == nil
}
