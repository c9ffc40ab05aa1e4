package tcp

// Tests of the connection state machine (conn.go, conn_decrypt.go) on real
// traffic: crypto/tls clients and servers run in-process over an in-memory
// pipe, every byte each side writes is recorded in order with the key log,
// and the streamRecording is fed back to a Conn.

import (
	"fmt"

	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/session"

	"github.com/ssldissect/ssldissect/parser"

	"bytes"
	"crypto/tls"
	mrand "math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

func TestConnStreamStartTLS(t *testing.T) {
	tests := []struct {
		name string
		pre  []streamWrite
		want string
	}{
		{"smtp", []streamWrite{
			{1, []byte("220 mx ESMTP\r\n")},
			{0, []byte("EHLO a\r\n")},
			{1, []byte("250-mx\r\n250 STARTTLS\r\n")},
			{0, []byte("STARTTLS\r\n")},
			{1, []byte("220 Go ahead\r\n")},
		}, "smtp"},
		{"postgresql", []streamWrite{
			{0, []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}},
			{1, []byte("S")},
		}, "postgresql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := &sessionSpec{version: tls.VersionTLS12, pre: tt.pre}
			run := specRun(t, sp)
			for _, ck := range []struct {
				name string
				f    chunking
			}{{"whole", chunkWhole}, {"bytewise", chunkBytewise}, {"random", randomChunks(7)}} {
				r := feedConn(t, ck.f(run.rec.writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
				c := r.c
				if r.sink.ends != 1 || !c.TLS {
					t.Fatalf("%s: TLS not found", ck.name)
				}
				if c.StartTLS != tt.want || !connHasNote(c, "starttls") {
					t.Errorf("%s: StartTLS %q notes %+v", ck.name, c.StartTLS, c.Notes)
				}
				if c.Records != countAll(t, run, false) {
					t.Errorf("%s: records %v, %v on the streamWrite after the prologue", ck.name, c.Records, countAll(t, run, false))
				}
				if c.Client != streamClientAddr || c.RolesGuessed {
					t.Errorf("%s: client %v guessed %v", ck.name, c.Client, c.RolesGuessed)
				}
				checkPlaintext(t, r, run)
				for _, n := range c.Notes {
					if n.Code == "starttls" && n.Offset != uint64(run.tlsStart[0]) && n.Offset != uint64(run.tlsStart[1]) {
						t.Errorf("%s: starttls note at %d, TLS starts at %v", ck.name, n.Offset, run.tlsStart)
					}
				}
			}
		})
	}
}

// ---- 7. not TLS ----

func TestConnStreamNotTLS(t *testing.T) {
	random := make([]byte, 64<<10)
	r := mrand.New(mrand.NewPCG(42, 42))
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	random2 := bytes.Clone(random)
	for i := range random2 {
		random2[i] ^= byte(i * 7)
	}
	tests := []struct {
		name   string
		writes []streamWrite
	}{
		{"http", []streamWrite{
			{0, []byte("GET /index.html HTTP/1.1\r\nHost: example.test\r\nUser-Agent: test\r\nAccept: */*\r\n\r\n")},
			{1, []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>")},
		}},
		{"ssh", []streamWrite{
			{1, []byte("SSH-2.0-OpenSSH_9.6\r\n")},
			{0, []byte("SSH-2.0-OpenSSH_9.7\r\n")},
			{1, append([]byte{0, 0, 5, 0xdc, 4, 20}, bytes.Repeat([]byte{0x16, 3, 1}, 300)...)},
		}},
		{"random", []streamWrite{{0, random}, {1, random2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, ck := range []struct {
				name string
				f    chunking
			}{{"whole", chunkWhole}, {"random", randomChunks(3)}} {
				rr := feedConn(t, ck.f(tt.writes), decrypt.NewKeyStore(), streamClientAddr, streamServerAddr)
				// No session state is made for a connection that never
				// shows TLS.
				if rr.sink.ends != 0 || rr.c.Conn != nil {
					t.Errorf("%s: End called %d times, session state %+v", ck.name, rr.sink.ends, rr.c.Conn)
				}
			}
		})
	}
}

// ---- 8. mid-stream ----

// firstAppData returns the offset of a side's first application_data record.
func firstAppData(t testing.TB, b []byte) int {
	off := 0
	for off+5 <= len(b) {
		if parser.ContentType(b[off]) == parser.ContentTypeApplicationData {
			return off
		}
		off += 5 + (int(b[off+3])<<8 | int(b[off+4]))
	}
	t.Fatal("no application data")
	return 0
}

// trimWrites drops each side's first skip[side] bytes.
func trimWrites(ws []streamWrite, skip [2]int) []streamWrite {
	var out []streamWrite
	for _, w := range ws {
		d := w.data
		n := min(skip[w.side], len(d))
		skip[w.side] -= n
		if d = d[n:]; len(d) > 0 {
			out = append(out, streamWrite{w.side, d})
		}
	}
	return out
}

func TestConnStreamMidstream(t *testing.T) {
	for _, sp := range baseSpecs()[:2] {
		run := specRun(t, sp)
		var skip [2]int
		var want [2]int
		for d := range 2 {
			s := run.rec.stream(d)
			skip[d] = firstAppData(t, s)
			want[d], _, _ = countRecords(t, s[skip[d]:], false)
		}
		writes := trimWrites(run.rec.writes, skip)
		for _, ck := range []struct {
			name string
			f    chunking
		}{{"whole", chunkWhole}, {"bytewise", chunkBytewise}, {"random", randomChunks(5)}} {
			t.Run(sp.name+"/"+ck.name, func(t *testing.T) {
				r := feedConn(t, ck.f(writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
				c := r.c
				if r.sink.ends != 1 {
					t.Fatalf("End called %d times", r.sink.ends)
				}
				if !c.RolesGuessed || !connHasNote(c, "midstream") || c.Client != streamClientAddr {
					t.Errorf("guessed %v client %v notes %+v", c.RolesGuessed, c.Client, c.Notes)
				}
				if c.Records != want {
					t.Errorf("records %v, want %v", c.Records, want)
				}
				for _, e := range r.sink.events {
					if len(e.Plaintext) > 0 || !e.Opaque {
						t.Errorf("plaintext without a handshake: %+v", e)
					}
				}
				// The close_notify alerts are encrypted, not 13 alerts of
				// garbage each. The client's request is on the wire first:
				// a single record that ends a read starts the connection.
				if len(c.Alerts) != 2 || !c.Alerts[0].Encrypted || !c.Alerts[1].Encrypted || string(c.History) != "DdLl" {
					t.Errorf("alerts %+v history %q", c.Alerts, c.History)
				}
			})
		}
	}
}

// TestConnStreamMidstreamCrafted: records full of 0x16 bytes (a hello's
// first byte), delivered a byte at a time, are still seen mid-stream.
func TestConnStreamMidstreamCrafted(t *testing.T) {
	payload := bytes.Repeat([]byte{0x16, 0x03, 0x01}, 20)
	writes := []streamWrite{
		{0, append(craftRecord(parser.ContentTypeApplicationData, 0x0303, payload), craftRecord(parser.ContentTypeApplicationData, 0x0303, payload)...)},
		{1, craftRecord(parser.ContentTypeApplicationData, 0x0303, payload)},
		{0, craftRecord(parser.ContentTypeApplicationData, 0x0303, payload[:7])},
	}
	for _, ck := range []struct {
		name string
		f    chunking
	}{{"whole", chunkWhole}, {"bytewise", chunkBytewise}, {"random", randomChunks(9)}} {
		t.Run(ck.name, func(t *testing.T) {
			r := feedConn(t, ck.f(writes), nil, streamClientAddr, streamServerAddr)
			c := r.c
			if r.sink.ends != 1 || !connHasNote(c, "midstream") || c.Records != [2]int{3, 1} || c.Client != streamClientAddr {
				t.Errorf("ends %d records %v client %v notes %+v", r.sink.ends, c.Records, c.Client, c.Notes)
			}
		})
	}
}

// ---- 9. gaps ----

func TestConnStreamGap(t *testing.T) {
	for _, sp := range baseSpecs() {
		t.Run(sp.name, func(t *testing.T) {
			run := specRun(t, sp)
			tls13 := sp.version == tls.VersionTLS13
			// The server's application data records are one write each:
			// drop the second of the response (not the last two, which a
			// resync needs to see).
			var chunks []streamChunk
			dropped, seen := 0, 0
			nResp := 0
			for _, w := range run.rec.writes {
				if w.side == 1 && len(w.data) > 5 && parser.ContentType(w.data[0]) == parser.ContentTypeApplicationData &&
					5+(int(w.data[3])<<8|int(w.data[4])) == len(w.data) && len(w.data) < 200 {
					nResp++
				}
			}
			for _, w := range run.rec.writes {
				if w.side == 1 && dropped == 0 && len(w.data) > 5 && parser.ContentType(w.data[0]) == parser.ContentTypeApplicationData &&
					5+(int(w.data[3])<<8|int(w.data[4])) == len(w.data) && len(w.data) < 200 {
					seen++
					if seen == 2 {
						chunks = append(chunks, streamChunk{side: 1, gap: len(w.data)})
						dropped = len(w.data)
						continue
					}
				}
				chunks = append(chunks, streamChunk{side: w.side, data: w.data})
			}
			if dropped == 0 || nResp < 4 {
				t.Fatalf("no record to drop (%d candidates)", nResp)
			}
			want := countAll(t, run, tls13)
			want[1]--
			for _, withKeys := range []bool{false, true} {
				var keys *decrypt.KeyStore
				if withKeys {
					keys = keysFrom(t, run.keylog)
				}
				r := feedConn(t, chunks, keys, streamClientAddr, streamServerAddr)
				c := r.c
				if c.Gaps != 1 || !connHasNote(c, "gap") || !connHasNote(c, "resync") {
					t.Errorf("keys %v: gaps %d notes %+v", withKeys, c.Gaps, c.Notes)
				}
				if c.Records != want {
					t.Errorf("keys %v: records %v, want %v", withKeys, c.Records, want)
				}
				for _, n := range c.Notes {
					if (n.Code == "gap" || n.Code == "resync") && n.Dir != session.ServerToClient {
						t.Errorf("keys %v: note %+v on the client side", withKeys, n)
					}
				}
				if withKeys {
					if got := appPlaintext(r.sink.events, session.ClientToServer); !bytes.Equal(got, run.request) {
						t.Errorf("client plaintext %q after a server-side gap", got)
					}
					// What follows the gap: at least not garbage.
					got := appPlaintext(r.sink.events, session.ServerToClient)
					if !bytes.HasPrefix(run.response, got) && !bytes.Equal(got, removeSecond(testResponse)) {
						t.Errorf("server plaintext %q", got)
					}
					t.Logf("server plaintext after the gap: %q, MAC %d/%d", got, c.MACVerified, c.MACFailed)
				}
			}
		})
	}
}

func removeSecond(rs [][]byte) []byte {
	var b []byte
	for i, r := range rs {
		if i != 1 {
			b = append(b, r...)
		}
	}
	return b
}

// ---- 10. roles ----

func TestConnStreamRoles(t *testing.T) {
	for _, sp := range baseSpecs() {
		t.Run(sp.name, func(t *testing.T) {
			run := specRun(t, sp)
			tls13 := sp.version == tls.VersionTLS13
			// The TLS client is the TCP responder: side 1, address b.
			a, b := streamServerAddr, streamClientAddr
			r := feedConn(t, swapSides(chunkWhole(run.rec.writes)), keysFrom(t, run.keylog), a, b)
			c := r.c
			if c.Client != b || c.Server != a || c.RolesGuessed {
				t.Errorf("client %v server %v guessed %v", c.Client, c.Server, c.RolesGuessed)
			}
			if c.Records != countAll(t, run, tls13) {
				t.Errorf("records %v", c.Records)
			}
			checkPlaintext(t, r, run)
			if c.FinishedVerified() != [2]int{1, 1} {
				t.Errorf("finished %v", c.FinishedVerified())
			}
			// The same with the server speaking first (SMTP-like ordering of
			// the first bytes is irrelevant; here: the server's bytes are
			// fed before each client write they answer).
			ref := feedConn(t, chunkWhole(run.rec.writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
			if !reflect.DeepEqual(withoutPackets(ref.sink.events), withoutPackets(r.sink.events)) {
				t.Error("events differ with the sides swapped")
			}
		})
	}
}

// ---- 11. crafted: SSLv2 ClientHello, heartbleed ----

// sslv2ClientHello builds an SSLv2-format CLIENT-HELLO offering TLS 1.2
// (RFC 5246 E.2): 2-byte header, msg_type 1, version, the three lengths,
// cipher specs (3 bytes each), no session id, a 32-byte challenge.
func sslv2ClientHello(challenge []byte) []byte {
	specs := []uint32{0x00c02f, 0x00002f, 0x010080} // two TLS suites, SSL_CK_RC4_128_WITH_MD5
	var body cryptobyte.Builder
	body.AddUint8(1)
	body.AddUint16(0x0303)
	body.AddUint16(uint16(3 * len(specs)))
	body.AddUint16(0)
	body.AddUint16(uint16(len(challenge)))
	for _, s := range specs {
		body.AddUint24(s)
	}
	body.AddBytes(challenge)
	m := body.BytesOrPanic()
	return append([]byte{0x80 | byte(len(m)>>8), byte(len(m))}, m...)
}

// craftRecord frames a payload.
func craftRecord(typ parser.ContentType, version uint16, payload []byte) []byte {
	var b cryptobyte.Builder
	b.AddUint8(uint8(typ))
	b.AddUint16(version)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(payload) })
	return b.BytesOrPanic()
}

func craftHandshake(typ parser.HandshakeType, body func(*cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	b.AddUint8(uint8(typ))
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { body(b) })
	return b.BytesOrPanic()
}

func serverHello12(suite uint16) []byte {
	sh := craftHandshake(parser.HandshakeTypeServerHello, func(b *cryptobyte.Builder) {
		b.AddUint16(0x0303)
		b.AddBytes(bytes.Repeat([]byte{0x5a}, 32))
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {})
		b.AddUint16(suite)
		b.AddUint8(0)
	})
	done := craftHandshake(parser.HandshakeTypeServerHelloDone, func(*cryptobyte.Builder) {})
	return craftRecord(parser.ContentTypeHandshake, 0x0303, append(sh, done...))
}

func TestConnStreamCrafted(t *testing.T) {
	t.Run("sslv2-client-hello", func(t *testing.T) {
		challenge := bytes.Repeat([]byte{0xc1}, 32)
		writes := []streamWrite{{0, sslv2ClientHello(challenge)}, {1, serverHello12(0xc02f)}}
		for _, ck := range []struct {
			name string
			f    chunking
		}{{"whole", chunkWhole}, {"bytewise", chunkBytewise}} {
			r := feedConn(t, ck.f(writes), decrypt.NewKeyStore(), streamClientAddr, streamServerAddr)
			c := r.c
			if r.sink.ends != 1 || c.ClientHello == nil || !c.ClientHello.SSLv2 {
				t.Fatalf("%s: no SSLv2 ClientHello: ends %d notes %+v", ck.name, r.sink.ends, c.Notes)
			}
			if c.ClientHello.LegacyVersion != parser.VersionTLS12 || !bytes.Equal(c.ClientHello.Random[:], challenge) {
				t.Errorf("%s: hello version %v random %x", ck.name, c.ClientHello.LegacyVersion, c.ClientHello.Random)
			}
			if c.Version != parser.VersionTLS12 || c.CipherSuite != 0xc02f || c.Client != streamClientAddr {
				t.Errorf("%s: version %v suite %v client %v", ck.name, c.Version, c.CipherSuite, c.Client)
			}
			// No JA3 for an SSLv2 hello (fingerprint.go), but a JA4.
			if string(c.History) != "Csn" || c.Records != [2]int{1, 1} || c.JA3 != "" || c.JA4 == "" {
				t.Errorf("%s: history %q records %v ja3 %q ja4 %q", ck.name, c.History, c.Records, c.JA3, c.JA4)
			}
			if len(r.sink.events) != 2 || !r.sink.events[0].Decrypted && len(r.sink.events[0].Msgs) != 1 {
				t.Errorf("%s: events %s", ck.name, eventTrace(r.sink.events))
			}
		}
	})
	t.Run("heartbleed", func(t *testing.T) {
		run := specRun(t, &sessionSpec{version: tls.VersionTLS12})
		hello := run.rec.writes[0]
		if hello.side != 0 {
			t.Fatal("the client did not write first")
		}
		// heartbeat_request, payload_length 0x4000, one byte of payload,
		// no padding.
		hb := craftRecord(parser.ContentTypeHeartbeat, 0x0303, []byte{1, 0x40, 0x00, 'x'})
		ok := craftRecord(parser.ContentTypeHeartbeat, 0x0303, append([]byte{1, 0, 1, 'y'}, make([]byte, 16)...))
		writes := []streamWrite{hello, {0, ok}, {0, hb}, run.rec.writes[1]}
		r := feedConn(t, chunkWhole(writes), nil, streamClientAddr, streamServerAddr)
		c := r.c
		if !connHasNote(c, "heartbleed") {
			t.Errorf("no heartbleed note: %+v", c.Notes)
		}
		var hbs []bool
		for _, e := range r.sink.events {
			if e.RecType == parser.ContentTypeHeartbeat {
				hbs = append(hbs, e.Heartbleed)
			}
		}
		if !reflect.DeepEqual(hbs, []bool{false, true}) {
			t.Errorf("heartbeat events: heartbleed %v", hbs)
		}
		if !strings.HasPrefix(string(c.History), "CBBs") {
			t.Errorf("History %q", c.History)
		}
	})
}

// ---- recorded sessions for the fuzz target ----

// recordedSessions runs the sessions above once; FuzzConn is seeded from
// them.
func recordedSessions(t testing.TB) []*tlsRun {
	var runs []*tlsRun
	for _, sp := range baseSpecs() {
		runs = append(runs, specRun(t, sp))
	}
	runs = append(runs, specRun(t, &sessionSpec{version: tls.VersionTLS13,
		clientCurves: []tls.CurveID{tls.X25519, tls.CurveP256}, serverCurves: []tls.CurveID{tls.CurveP256}}))
	runs = append(runs, specRun(t, &sessionSpec{version: tls.VersionTLS12, pre: []streamWrite{
		{1, []byte("220 mx ESMTP\r\n")}, {0, []byte("EHLO a\r\n")}, {1, []byte("250-mx\r\n250 STARTTLS\r\n")},
		{0, []byte("STARTTLS\r\n")}, {1, []byte("220 Go ahead\r\n")}}}))
	return runs
}

// TestConnStreamTruncated: a capture that ends inside a handshake message
// that spans records.
func TestConnStreamTruncated(t *testing.T) {
	run := specRun(t, &sessionSpec{version: tls.VersionTLS12, chainCopies: 30})
	client, server := run.rec.stream(0), run.rec.stream(1)
	// The ClientHello, then the server's first two records: its hello and
	// the first part of its Certificate.
	cut := 0
	for range 2 {
		cut += 5 + (int(server[cut+3])<<8 | int(server[cut+4]))
	}
	chLen := 5 + (int(client[3])<<8 | int(client[4]))
	writes := []streamWrite{{0, client[:chLen]}, {1, server[:cut]}}
	for _, ck := range []struct {
		name string
		f    chunking
	}{{"whole", chunkWhole}, {"random", randomChunks(13)}} {
		r := feedConn(t, ck.f(writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
		c := r.c
		if r.sink.ends != 1 || c.Records != [2]int{1, 2} || string(c.History) != "Cs" || !connHasNote(c, "handshake_truncated") {
			t.Errorf("%s: ends %d records %v history %q notes %+v", ck.name, r.sink.ends, c.Records, c.History, c.Notes)
		}
	}
}

// TestConnOversizedMessageSkipped: a server flight whose certificate_status
// declares 70,000 bytes (above the 64 KiB cap) with a Certificate hidden
// inside, then zeros, then a ServerHelloDone, all in records of at most
// 16 KiB. The oversized message is skipped by its declared length: the
// hidden certificate is neither shown nor kept, the zeros make no
// hello_request messages, one handshake_too_large note is filed, and the
// ServerHelloDone after it is read. A real TLS 1.2 connection beside it (its
// own Stream) still decrypts.
func TestConnOversizedMessageSkipped(t *testing.T) {
	run := specRun(t, &sessionSpec{version: tls.VersionTLS12})
	hello := run.rec.writes[0]
	hidden := craftHandshake(parser.HandshakeTypeCertificate, func(b *cryptobyte.Builder) {
		b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(streamCertDER(t)) })
		})
	})
	body := make([]byte, 70000)
	copy(body[100:], hidden)
	status := craftHandshake(parser.HandshakeTypeCertificateStatus, func(b *cryptobyte.Builder) { b.AddBytes(body) })
	sh := serverHello12(0xc02f) // ServerHello + ServerHelloDone in one record
	flight := append(append([]byte{}, status...), craftHandshake(parser.HandshakeTypeServerHelloDone, func(*cryptobyte.Builder) {})...)
	var server []byte
	server = append(server, sh...)
	for len(flight) > 0 {
		n := min(len(flight), parser.MaxPlaintextLen)
		server = append(server, craftRecord(parser.ContentTypeHandshake, 0x0303, flight[:n])...)
		flight = flight[n:]
	}
	r := feedConn(t, chunkWhole([]streamWrite{hello, {1, server}}), nil, streamClientAddr, streamServerAddr)
	c := r.c
	if c.ServerCerts != nil {
		t.Errorf("the certificate hidden in the oversized message was kept: %+v", c.ServerCerts)
	}
	tooLarge := 0
	for _, n := range c.Notes {
		if n.Code == session.NoteHandshakeTooLarge {
			tooLarge++
		}
	}
	if tooLarge != 1 || strings.Count(string(c.History), "h") != 0 || strings.Count(string(c.History), "x") != 0 {
		t.Errorf("notes %+v, history %q: want one handshake_too_large, no hello_request or certificate letters", c.Notes, c.History)
	}
	if string(c.History) != "Csnn" {
		t.Errorf("history %q, want Csnn (the ServerHelloDone after the skipped message is read)", c.History)
	}
	// The neighbour: the real connection, with its keys, decrypts fully.
	clean := feedConn(t, chunkWhole(run.rec.writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
	checkPlaintext(t, clean, run)
}

func streamCertDER(t *testing.T) []byte {
	cert, err := streamCert()
	if err != nil {
		t.Fatal(err)
	}
	return cert.Certificate[0]
}

// TestTinyHelloRecords: a ClientHello fragmented into records of 1 to 38
// bytes is found as the client's hello (no guessed roles, no midstream
// note), parsed, and the connection decrypts as before.
func TestTinyHelloRecords(t *testing.T) {
	run := specRun(t, &sessionSpec{version: tls.VersionTLS12})
	for _, size := range []int{1, 5, 30, 38} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			writes := append([]streamWrite(nil), run.rec.writes...)
			first := writes[0].data
			if writes[0].side != 0 || first[0] != byte(parser.ContentTypeHandshake) {
				t.Fatalf("first write is not the client's handshake record")
			}
			n := 5 + (int(first[3])<<8 | int(first[4]))
			var framed []byte
			for p := first[5:n]; len(p) > 0; {
				k := min(size, len(p))
				framed = append(framed, first[0], first[1], first[2], byte(k>>8), byte(k))
				framed = append(framed, p[:k]...)
				p = p[k:]
			}
			writes[0] = streamWrite{0, append(framed, first[n:]...)}
			for _, ck := range []struct {
				name string
				f    chunking
			}{{"whole", chunkWhole}, {"bytewise", chunkBytewise}} {
				r := feedConn(t, ck.f(writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
				c := r.c
				if c.RolesGuessed || connHasNote(c, "midstream") || c.Client != streamClientAddr {
					t.Errorf("%s: guessed %v, client %v, notes %+v", ck.name, c.RolesGuessed, c.Client, c.Notes)
				}
				if c.ClientHello == nil || !c.Decrypted {
					t.Fatalf("%s: hello %v, decrypted %v, notes %+v", ck.name, c.ClientHello != nil, c.Decrypted, c.Notes)
				}
				if c.MACFailed != 0 || c.MACVerified == 0 {
					t.Errorf("%s: MAC verified %d failed %d", ck.name, c.MACVerified, c.MACFailed)
				}
			}
		})
	}
}
