package tcp

// Tests of the connection state machine (conn.go, conn_decrypt.go) on real
// traffic: crypto/tls clients and servers run in-process over an in-memory
// pipe, every byte each side writes is recorded in order with the key log,
// and the streamRecording is fed back to a Conn.

import (
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/session"

	"github.com/ssldissect/ssldissect/parser"

	"bytes"
	"crypto/tls"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"
)

func TestConnStreamHandshakes(t *testing.T) {
	const (
		trace12 = "C:handshake[client_hello] S:handshake[server_hello] S:handshake[certificate] " +
			"S:handshake[server_key_exchange] S:handshake[server_hello_done] C:handshake[client_key_exchange] " +
			"C:change_cipher_spec C:handshake[finished] S:change_cipher_spec S:handshake[finished] " +
			"C:application_data S:application_data S:application_data S:application_data S:application_data " +
			"C:alert S:alert"
		trace12NoKeys = "C:handshake[client_hello] S:handshake[server_hello] S:handshake[certificate] " +
			"S:handshake[server_key_exchange] S:handshake[server_hello_done] C:handshake[client_key_exchange] " +
			"C:change_cipher_spec C:handshake(opaque) S:change_cipher_spec S:handshake(opaque) " +
			"C:application_data(opaque) S:application_data(opaque) S:application_data(opaque) S:application_data(opaque) S:application_data(opaque) " +
			"C:alert(opaque) S:alert(opaque)"
	)
	tests := []struct {
		spec           *sessionSpec
		version        parser.Version
		suite          parser.CipherSuite
		kx             string
		history        string // with the key log
		historyNoKeys  string
		trace, traceNK string
	}{
		{
			spec:    baseSpecs()[0],
			version: parser.VersionTLS12, suite: 0xc02f, kx: "ECDHE",
			history: "CsxknGIFifDdLl", historyNoKeys: "CsxknGIFifDdLl",
			trace: trace12, traceNK: trace12NoKeys,
		},
		{
			spec:    baseSpecs()[1],
			version: parser.VersionTLS12, suite: 0xc013, kx: "ECDHE",
			history: "CsxknGIFifDdLl", historyNoKeys: "CsxknGIFifDdLl",
			trace: trace12, traceNK: trace12NoKeys,
		},
		{
			spec:    baseSpecs()[2],
			version: parser.VersionTLS13, suite: 0x1301, kx: "ECDHE",
			history: "CsioxyfIFDdLl", historyNoKeys: "CsidID",
			trace: "C:handshake[client_hello] S:handshake[server_hello] S:change_cipher_spec " +
				"S:handshake[encrypted_extensions] S:handshake[certificate] S:handshake[certificate_verify] S:handshake[finished] " +
				"C:change_cipher_spec C:handshake[finished] C:application_data " +
				"S:application_data S:application_data S:application_data S:application_data C:alert S:alert",
			traceNK: "C:handshake[client_hello] S:handshake[server_hello] S:change_cipher_spec " +
				"S:application_data(opaque) S:application_data(opaque) S:application_data(opaque) S:application_data(opaque) " +
				"C:change_cipher_spec C:application_data(opaque) C:application_data(opaque) " +
				"S:application_data(opaque) S:application_data(opaque) S:application_data(opaque) S:application_data(opaque) " +
				"C:application_data(opaque) S:application_data(opaque)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.spec.name, func(t *testing.T) {
			run := specRun(t, tt.spec)
			tls13 := tt.version == parser.VersionTLS13
			rk := feedConn(t, chunkWhole(run.rec.writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
			rn := feedConn(t, chunkWhole(run.rec.writes), nil, streamClientAddr, streamServerAddr)
			for _, r := range []streamRun{rk, rn} {
				c := r.c
				keyed := r.c == rk.c
				if r.sink.ends != 1 {
					t.Fatalf("End called %d times", r.sink.ends)
				}
				if c.Version != tt.version || c.CipherSuite != tt.suite || uint16(c.CipherSuite) != run.state.CipherSuite {
					t.Errorf("version %v suite %v, want %v %v (crypto/tls: %x)", c.Version, c.CipherSuite, tt.version, tt.suite, run.state.CipherSuite)
				}
				if string(c.KeyExchange.Kind) != tt.kx {
					t.Errorf("key exchange %+v, want %s", c.KeyExchange, tt.kx)
				}
				if c.SNI != "example.test" {
					t.Errorf("SNI %q", c.SNI)
				}
				// TLS 1.3 hides ALPN and the certificates in
				// EncryptedExtensions and Certificate.
				visible := keyed || !tls13
				if wantALPN := run.state.NegotiatedProtocol; c.ALPN != wantALPN && visible || c.ALPN != "" && !visible || wantALPN != "http/1.1" {
					t.Errorf("keys %v: ALPN %q, crypto/tls negotiated %q", keyed, c.ALPN, wantALPN)
				}
				if n := len(c.ServerCerts); n != 1 && visible || n != 0 && !visible {
					t.Errorf("keys %v: %d server certificates", keyed, n)
				}
				if !reflect.DeepEqual(c.ALPNOffered, []string{"h2", "http/1.1"}) {
					t.Errorf("ALPNOffered %q", c.ALPNOffered)
				}
				if c.Client != streamClientAddr || c.Server != streamServerAddr || c.RolesGuessed {
					t.Errorf("roles: client %v server %v guessed %v", c.Client, c.Server, c.RolesGuessed)
				}
				if c.ClientHello == nil || c.ServerHello == nil || c.HelloRetryRequest || c.Resumed || c.StartTLS != "" {
					t.Errorf("hello state: ch %v sh %v hrr %v resumed %v starttls %q", c.ClientHello != nil, c.ServerHello != nil,
						c.HelloRetryRequest, c.Resumed, c.StartTLS)
				}
				for _, fp := range []struct{ name, v string }{{"JA3", c.JA3}, {"JA3Full", c.JA3Full}, {"JA3S", c.JA3S},
					{"JA4", c.JA4}, {"JA4S", c.JA4S}} {
					if fp.v == "" {
						t.Errorf("%s empty", fp.name)
					}
				}
				for d := range 2 {
					n, _, _ := countRecords(t, run.rec.stream(d), tls13)
					if c.Records[d] != n {
						t.Errorf("Records[%v] = %d, %d on the streamWrite", session.Dir(d), c.Records[d], n)
					}
				}
				wantHist, wantTrace := tt.history, tt.trace
				if !keyed {
					wantHist, wantTrace = tt.historyNoKeys, tt.traceNK
				}
				if got := string(c.History); got != wantHist {
					t.Errorf("keys %v: History %q, want %q", keyed, got, wantHist)
				}
				if got := eventTrace(r.sink.events); got != wantTrace {
					t.Errorf("keys %v: events:\n%s\nwant:\n%s", keyed, got, wantTrace)
				}
				if keyed && len(c.Notes) != 0 || !keyed && (len(c.Notes) != 1 || c.Notes[0].Code != "no_keys") {
					t.Errorf("keys %v: notes: %+v", keyed, c.Notes)
				}
			}

			// A second session with the same configuration: same
			// fingerprints (the randoms and key shares differ).
			c := rn.c
			run2 := specRun(t, tt.spec)
			c2 := feedConn(t, chunkWhole(run2.rec.writes), nil, streamClientAddr, streamServerAddr).c
			if c2.JA3 != c.JA3 || c2.JA3Full != c.JA3Full || c2.JA4 != c.JA4 || c2.JA3S != c.JA3S || c2.JA4S != c.JA4S {
				t.Errorf("fingerprints not stable: %s %s %s %s / %s %s %s %s", c.JA3, c.JA4, c.JA3S, c.JA4S, c2.JA3, c2.JA4, c2.JA3S, c2.JA4S)
			}
			if bytes.Equal(c2.ClientHello.Random[:], c.ClientHello.Random[:]) {
				t.Error("two sessions with one client random")
			}
		})
	}
}

// ---- 2. chunking ----

func TestConnStreamChunking(t *testing.T) {
	for _, sp := range baseSpecs() {
		run := specRun(t, sp)
		for _, withKeys := range []bool{false, true} {
			name := sp.name + "/nokeys"
			if withKeys {
				name = sp.name + "/keys"
			}
			t.Run(name, func(t *testing.T) {
				keys := func() *decrypt.KeyStore {
					if withKeys {
						return keysFrom(t, run.keylog)
					}
					return nil
				}
				ref := feedConn(t, chunkWhole(run.rec.writes), keys(), streamClientAddr, streamServerAddr)
				wantSum, wantEv := connSummary(ref.c), withoutPackets(ref.sink.events)
				for _, ck := range []struct {
					name string
					f    chunking
				}{
					{"bytewise", chunkBytewise},
					{"random1", randomChunks(1)},
					{"random2", randomChunks(2)},
					{"random3", randomChunks(3)},
				} {
					r := feedConn(t, ck.f(run.rec.writes), keys(), streamClientAddr, streamServerAddr)
					if got := connSummary(r.c); got != wantSum {
						t.Errorf("%s: summary\n%s\nwhole:\n%s", ck.name, got, wantSum)
					}
					if got := withoutPackets(r.sink.events); !reflect.DeepEqual(got, wantEv) {
						t.Errorf("%s: events differ:\n%s\nwhole:\n%s", ck.name, eventTrace(got), eventTrace(wantEv))
					}
				}
			})
		}
	}
}

// ---- 3. decryption ----

func TestConnStreamDecrypt(t *testing.T) {
	for _, sp := range baseSpecs() {
		t.Run(sp.name, func(t *testing.T) {
			run := specRun(t, sp)
			tls13 := sp.version == tls.VersionTLS13
			var protected int
			for d := range 2 {
				_, p, _ := countRecords(t, run.rec.stream(d), tls13)
				protected += p
			}
			t.Run("keylog", func(t *testing.T) {
				r := feedConn(t, chunkWhole(run.rec.writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
				c := r.c
				checkPlaintext(t, r, run)
				if c.MACVerified != protected || c.MACFailed != 0 {
					t.Errorf("MAC verified %d failed %d, %d protected records", c.MACVerified, c.MACFailed, protected)
				}
				if c.FinishedVerified() != [2]int{1, 1} {
					t.Errorf("FinishedVerified %v", c.FinishedVerified())
				}
				if !c.Decrypted || len(c.Notes) != 0 {
					t.Errorf("decrypted %v notes %+v", c.Decrypted, c.Notes)
				}
				for _, e := range r.sink.events {
					if e.Opaque {
						t.Errorf("opaque record: %+v", e)
					}
				}
				wantHist := "CsxknGIFifDdLl"
				if tls13 {
					wantHist = "CsioxyfIFDdLl"
				}
				if string(c.History) != wantHist {
					t.Errorf("History %q, want %q", c.History, wantHist)
				}
				if tls13 && len(c.Alerts) != 2 || !tls13 && len(c.Alerts) != 2 {
					t.Errorf("alerts %+v", c.Alerts)
				}
				for _, a := range c.Alerts {
					if a.Encrypted || a.Alert.Description != 0 {
						t.Errorf("alert %+v, want a readable close_notify", a)
					}
				}
			})
			t.Run("wrong-keys", func(t *testing.T) {
				r := feedConn(t, chunkWhole(run.rec.writes), keysFrom(t, corruptKeylog(t, run.keylog)), streamClientAddr, streamServerAddr)
				c := r.c
				for _, e := range r.sink.events {
					if len(e.Plaintext) > 0 || e.Decrypted {
						t.Errorf("plaintext from a wrong key: %+v", e)
					}
				}
				if !tls13 && c.MACFailed == 0 {
					t.Errorf("MACFailed %d", c.MACFailed)
				}
				if c.MACVerified != 0 || c.FinishedVerified() == [2]int{1, 1} {
					t.Errorf("MAC verified %d, finished %v", c.MACVerified, c.FinishedVerified())
				}
				if c.Records != countAll(t, run, tls13) {
					t.Errorf("records %v", c.Records)
				}
			})
			if !tls13 {
				return
			}
			t.Run("app-secrets-only", func(t *testing.T) {
				kl := filterKeylog(run.keylog, func(label, _ string) bool { return !strings.Contains(label, "HANDSHAKE") })
				r := feedConn(t, chunkWhole(run.rec.writes), keysFrom(t, kl), streamClientAddr, streamServerAddr)
				c := r.c
				checkPlaintext(t, r, run)
				if c.FinishedVerified() != [2]int{0, 0} || c.MACFailed != 0 {
					t.Errorf("finished %v MAC failed %d", c.FinishedVerified(), c.MACFailed)
				}
				opaque := 0
				for _, e := range r.sink.events {
					if e.Opaque {
						opaque++
						if len(e.Msgs) > 0 || e.MAC != decrypt.MACNone {
							t.Errorf("opaque record with messages or a MAC result: %+v", e)
						}
					}
				}
				if opaque == 0 {
					t.Error("the handshake was decrypted without its secrets")
				}
				if c.MACVerified+opaque != protected {
					t.Errorf("MAC verified %d + opaque %d != %d protected records", c.MACVerified, opaque, protected)
				}
			})
			for _, dir := range []session.Dir{session.ClientToServer, session.ServerToClient} {
				t.Run("only-"+dir.String(), func(t *testing.T) {
					prefix := "CLIENT_"
					if dir == session.ServerToClient {
						prefix = "SERVER_"
					}
					kl := filterKeylog(run.keylog, func(label, _ string) bool { return strings.HasPrefix(label, prefix) })
					r := feedConn(t, chunkWhole(run.rec.writes), keysFrom(t, kl), streamClientAddr, streamServerAddr)
					want := map[session.Dir][]byte{session.ClientToServer: run.request, session.ServerToClient: run.response}
					if got := appPlaintext(r.sink.events, dir); !bytes.Equal(got, want[dir]) {
						t.Errorf("%v plaintext %q, want %q", dir, got, want[dir])
					}
					if got := appPlaintext(r.sink.events, 1-dir); len(got) != 0 {
						t.Errorf("%v plaintext %q without keys", 1-dir, got)
					}
					// The server's Finished covers only what the server sent;
					// the client's covers the server's encrypted flight too,
					// which stays opaque without the server's secrets: it
					// cannot be checked, and must not be called a mismatch.
					wantFV := [2]int{0, 0}
					if dir == session.ServerToClient {
						wantFV[session.ServerToClient] = 1
					}
					fv := r.c.FinishedVerified()
					if fv != wantFV || r.c.MACFailed != 0 || connHasNote(r.c, "finished_mismatch") {
						t.Errorf("finished %v, want %v; MAC failed %d", fv, wantFV, r.c.MACFailed)
					}
				})
			}
		})
	}
}

// TestConnStreamInterleavedDecrypt feeds the decrypting connections of
// every base spec at once, a chunk of each in turn, as a capture of
// concurrent connections does: their records share the goroutine's
// plaintext buffers (session's plainPool), and each must still read its
// own plaintext and verify its own Finished messages.
func TestConnStreamInterleavedDecrypt(t *testing.T) {
	type flow struct {
		run    *tlsRun
		sink   *streamSink
		c      *Stream
		f      *streamFeeder
		chunks []streamChunk
	}
	var flows []*flow
	for i, sp := range baseSpecs() {
		run := specRun(t, sp)
		sink := &streamSink{t: t}
		c := NewStream(uint64(i+1), streamClientAddr, streamServerAddr, streamTime, sink)
		c.SetKeys(keysFrom(t, run.keylog))
		flows = append(flows, &flow{run: run, sink: sink, c: c, f: &streamFeeder{t: t, c: c},
			chunks: randomChunks(uint64(i + 1))(run.rec.writes)})
	}
	for fed := true; fed; {
		fed = false
		for _, fl := range flows {
			if len(fl.chunks) > 0 {
				fl.f.feed(fl.chunks[0])
				fl.chunks, fed = fl.chunks[1:], true
			}
		}
	}
	for i, fl := range flows {
		fl.c.Close("fin", streamTime)
		t.Run(baseSpecs()[i].name, func(t *testing.T) {
			checkPlaintext(t, streamRun{fl.c, fl.sink}, fl.run)
			if fl.c.FinishedVerified() != [2]int{1, 1} || fl.c.MACFailed != 0 {
				t.Errorf("FinishedVerified %v, MAC failed %d", fl.c.FinishedVerified(), fl.c.MACFailed)
			}
		})
	}
}

func countAll(t testing.TB, run *tlsRun, tls13 bool) [2]int {
	var n [2]int
	for d := range 2 {
		n[d], _, _ = countRecords(t, run.rec.stream(d)[run.tlsStart[d]:], tls13)
	}
	return n
}

func checkPlaintext(t *testing.T, r streamRun, run *tlsRun) {
	t.Helper()
	if got := appPlaintext(r.sink.events, session.ClientToServer); !bytes.Equal(got, run.request) {
		t.Errorf("client plaintext %q, want %q", got, run.request)
	}
	if got := appPlaintext(r.sink.events, session.ServerToClient); !bytes.Equal(got, run.response) {
		t.Errorf("server plaintext %q, want %q", got, run.response)
	}
	if r.c.PlaintextBytes != [2]int64{int64(len(run.request)), int64(len(run.response))} {
		t.Errorf("PlaintextBytes %v", r.c.PlaintextBytes)
	}
}

// TestConnStreamLarge: client certificates, a certificate chain that
// spans records, and full-size application data records.
func TestConnStreamLarge(t *testing.T) {
	big := make([]byte, 40000)
	for i := range big {
		big[i] = byte(i * 31)
	}
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		sp := &sessionSpec{version: version, clientCert: true, chainCopies: 30,
			request: big[:20000], response: [][]byte{big, big[:5]}}
		name := "tls12"
		if version == tls.VersionTLS13 {
			name = "tls13"
		}
		t.Run(name, func(t *testing.T) {
			run := specRun(t, sp)
			tls13 := version == tls.VersionTLS13
			ref := feedConn(t, chunkWhole(run.rec.writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
			for _, ck := range []struct {
				name string
				f    chunking
			}{{"whole", chunkWhole}, {"random", randomChunks(11)}} {
				r := feedConn(t, ck.f(run.rec.writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
				c := r.c
				checkPlaintext(t, r, run)
				var protected int
				for d := range 2 {
					_, p, _ := countRecords(t, run.rec.stream(d), tls13)
					protected += p
				}
				if c.MACVerified != protected || c.MACFailed != 0 || c.FinishedVerified() != [2]int{1, 1} || len(c.Notes) != 0 {
					t.Errorf("%s: MAC %d/%d of %d, finished %v, notes %+v", ck.name, c.MACVerified, c.MACFailed, protected, c.FinishedVerified(), c.Notes)
				}
				if len(c.ServerCerts) != 31 || len(c.ClientCerts) != 1 {
					t.Errorf("%s: %d server and %d client certificates", ck.name, len(c.ServerCerts), len(c.ClientCerts))
				}
				if c.Records != countAll(t, run, tls13) {
					t.Errorf("%s: records %v, %v on the streamWrite", ck.name, c.Records, countAll(t, run, tls13))
				}
				if connSummary(c) != connSummary(ref.c) {
					t.Errorf("%s: summary differs from whole", ck.name)
				}
			}
			want := map[bool]string{false: "CsxkrnXGYIFifDdLl", true: "CsiorxyfIXYFDdLl"}[tls13]
			if string(ref.c.History) != want {
				t.Errorf("History %q, want %q", ref.c.History, want)
			}
		})
	}
}

// ---- 4. resumption ----

func TestConnStreamResumption(t *testing.T) {
	t.Run("tls12-ticket", func(t *testing.T) {
		cache := tls.NewLRUClientSessionCache(4)
		sp := &sessionSpec{version: tls.VersionTLS12, suites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, clientCache: cache}
		first := specRun(t, sp)
		second := specRun(t, sp)
		if !second.state.DidResume {
			t.Fatal("crypto/tls did not resume")
		}
		keys := keysFrom(t, first.keylog)
		r1 := feedConn(t, chunkWhole(first.rec.writes), keys, streamClientAddr, streamServerAddr)
		if r1.c.Resumed || r1.c.FinishedVerified() != [2]int{1, 1} {
			t.Fatalf("first connection: resumed %v finished %v", r1.c.Resumed, r1.c.FinishedVerified())
		}
		// The second connection's key log line is not given: its master
		// secret comes from the session the first one left.
		// (crypto/tls does not log resumed TLS 1.2 sessions; drop the
		// line anyway should it start to.)
		cr := hex.EncodeToString(clientRandomOf(t, second))
		kl := filterKeylog(second.keylog, func(_, random string) bool { return random != cr })
		keys.Log.Load(bytes.NewReader(kl), "second")
		r2 := feedConn(t, chunkWhole(second.rec.writes), keys, streamClientAddr, streamServerAddr)
		c := r2.c
		if !c.Resumed {
			t.Error("not Resumed")
		}
		checkPlaintext(t, r2, second)
		_, p0, _ := countRecords(t, second.rec.stream(0), false)
		_, p1, _ := countRecords(t, second.rec.stream(1), false)
		if c.MACVerified != p0+p1 || c.MACFailed != 0 || c.FinishedVerified() != [2]int{1, 1} {
			t.Errorf("MAC %d/%d of %d, finished %v, notes %+v", c.MACVerified, c.MACFailed, p0+p1, c.FinishedVerified(), c.Notes)
		}
		if len(c.ServerCerts) != 0 {
			t.Errorf("certificates in a resumed handshake")
		}
		// Without the first connection, nothing to resume from.
		r3 := feedConn(t, chunkWhole(second.rec.writes), decrypt.NewKeyStore(), streamClientAddr, streamServerAddr)
		if !r3.c.Resumed || r3.c.Decrypted || !connHasNote(r3.c, "no_keys") {
			t.Errorf("alone: resumed %v decrypted %v notes %+v", r3.c.Resumed, r3.c.Decrypted, r3.c.Notes)
		}
	})
	t.Run("tls13-psk", func(t *testing.T) {
		cache := tls.NewLRUClientSessionCache(4)
		sp := &sessionSpec{version: tls.VersionTLS13, clientCache: cache}
		first := specRun(t, sp)
		second := specRun(t, sp)
		if !second.state.DidResume {
			t.Fatal("crypto/tls did not resume")
		}
		keys := keysFrom(t, first.keylog)
		keys.Log.Load(bytes.NewReader(second.keylog), "second")
		r1 := feedConn(t, chunkWhole(first.rec.writes), keys, streamClientAddr, streamServerAddr)
		if r1.c.Resumed || r1.c.FinishedVerified() != [2]int{1, 1} || len(r1.c.Notes) != 0 {
			t.Errorf("first connection: resumed %v finished %v notes %+v", r1.c.Resumed, r1.c.FinishedVerified(), r1.c.Notes)
		}
		if !strings.Contains(string(r1.c.History), "t") {
			t.Errorf("first connection: no session ticket in %q", r1.c.History)
		}
		r2 := feedConn(t, chunkWhole(second.rec.writes), keys, streamClientAddr, streamServerAddr)
		c := r2.c
		if !c.Resumed || c.KeyExchange.Kind != "PSK_DHE" {
			t.Errorf("resumed %v key exchange %+v", c.Resumed, c.KeyExchange)
		}
		checkPlaintext(t, r2, second)
		if c.FinishedVerified() != [2]int{1, 1} || len(c.Notes) != 0 || c.MACFailed != 0 {
			t.Errorf("finished %v MAC failed %d notes %+v", c.FinishedVerified(), c.MACFailed, c.Notes)
		}
	})
}

func clientRandomOf(t testing.TB, run *tlsRun) []byte {
	r := feedConn(t, chunkWhole(run.rec.writes), nil, streamClientAddr, streamServerAddr)
	if r.c.ClientHello == nil {
		t.Fatal("no ClientHello")
	}
	return r.c.ClientHello.Random[:]
}

// ---- 5. HelloRetryRequest ----

func TestConnStreamHelloRetryRequest(t *testing.T) {
	sp := &sessionSpec{version: tls.VersionTLS13,
		clientCurves: []tls.CurveID{tls.X25519, tls.CurveP256}, serverCurves: []tls.CurveID{tls.CurveP256}}
	run := specRun(t, sp)
	for _, ck := range []struct {
		name string
		f    chunking
	}{{"whole", chunkWhole}, {"bytewise", chunkBytewise}} {
		t.Run(ck.name, func(t *testing.T) {
			r := feedConn(t, ck.f(run.rec.writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
			c := r.c
			if !c.HelloRetryRequest {
				t.Error("HelloRetryRequest not set")
			}
			if c.KeyExchange.Group != parser.NamedGroup(tls.CurveP256) {
				t.Errorf("key exchange %+v", c.KeyExchange)
			}
			checkPlaintext(t, r, run)
			if c.FinishedVerified() != [2]int{1, 1} || c.MACFailed != 0 || len(c.Notes) != 0 {
				t.Errorf("finished %v MAC failed %d notes %+v", c.FinishedVerified(), c.MACFailed, c.Notes)
			}
			if !strings.HasPrefix(string(c.History), "CjiICs") {
				t.Errorf("History %q", c.History)
			}
		})
	}
}

// ---- 6. STARTTLS ----
