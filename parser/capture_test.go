package parser

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/internal/connrec"
	"github.com/ssldissect/ssldissect/internal/tlstest"
)

// This file records real handshakes: a crypto/tls client and server talk over
// a loopback TCP connection (net.Pipe is unbuffered, and both sides of a
// TLS 1.3 handshake may write at once) and every byte each side writes is
// kept, so the tests parse traffic produced by a real implementation.

// socketPair returns the two ends of a loopback TCP connection.
func socketPair(t testing.TB) (net.Conn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			c = nil
		}
		accepted <- c
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	return c, s
}

// handshake runs one handshake (and one byte of application data each way)
// and returns what the client and the server wrote.
func handshake(t testing.TB, ccfg, scfg *tls.Config) (c2s, s2c []byte) {
	t.Helper()
	cp, sp := socketPair(t)
	cr, sr := connrec.New(cp), connrec.New(sp)
	client, server := tls.Client(cr, ccfg), tls.Server(sr, scfg)
	errc := make(chan error, 1)
	go func() {
		err := server.Handshake()
		if err == nil {
			var b [1]byte
			_, err = server.Read(b[:])
			if err == nil {
				_, err = server.Write(b[:])
			}
		}
		if err != nil {
			sp.Close()
		}
		errc <- err
	}()
	cp.SetDeadline(time.Now().Add(20 * time.Second))
	sp.SetDeadline(time.Now().Add(20 * time.Second))
	if err := client.Handshake(); err != nil {
		t.Fatalf("client handshake: %v (server: %v)", err, <-errc)
	}
	// Read (session tickets, then the echo) while writing.
	readc := make(chan error, 1)
	go func() {
		var b [1]byte
		_, err := client.Read(b[:])
		readc <- err
	}()
	if _, err := client.Write([]byte{'x'}); err != nil {
		t.Fatal(err)
	}
	if err := <-readc; err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server: %v", err)
	}
	client.Close()
	server.Close()
	return cr.Bytes(), sr.Bytes()
}

// capture is one recorded handshake, split into messages.
type capture struct {
	name     string
	c2s, s2c []byte
	keyLog   []byte // NSS key log written by the client
}

type capturedMsg struct {
	typ      HandshakeType
	body     []byte
	raw      []byte
	fromSrv  bool
	recorded string // capture name
}

// plaintextMessages splits a direction into records and returns the
// handshake messages before the first application_data record, and before
// the first change_cipher_spec unless tls13 (where it is the middlebox
// compatibility record and handshake records stay plaintext until the
// ServerHello flight is encrypted as application_data).
func plaintextMessages(t testing.TB, b []byte, tls13 bool) []capturedMsg {
	t.Helper()
	var hr HandshakeReader
	var msgs []capturedMsg
	for len(b) > 0 {
		rec, n, err := ParseRecord(b)
		if err != nil {
			t.Fatalf("ParseRecord: %v", err)
		}
		if n != rec.HeaderLen+len(rec.Payload) {
			t.Fatalf("n = %d, want %d", n, rec.HeaderLen+len(rec.Payload))
		}
		b = b[n:]
		if tls13 && rec.Type == ContentTypeChangeCipherSpec {
			continue
		}
		if rec.Type != ContentTypeHandshake {
			break
		}
		if err := hr.Write(rec.Payload); err != nil {
			t.Fatal(err)
		}
		for {
			typ, body, raw, err := hr.Next()
			if err == ErrNeedMore {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, capturedMsg{typ: typ, body: body, raw: raw})
		}
	}
	return msgs
}

var (
	capturesOnce sync.Once
	captures     []capture
)

// realCaptures records the handshakes the tests use, once per test binary.
func realCaptures(t testing.TB) []capture {
	capturesOnce.Do(func() {
		c := tlstest.Certs(t)
		pool := x509.NewCertPool()
		leafR, _ := x509.ParseCertificate(c.RSA.Certificate[0])
		leafE, _ := x509.ParseCertificate(c.ECDSA.Certificate[0])
		pool.AddCert(leafR)
		pool.AddCert(leafE)
		ticketKey := [32]byte{1, 2, 3}
		add := func(name string, ccfg, scfg *tls.Config) {
			scfg.SetSessionTicketKeys([][32]byte{ticketKey})
			var kl bytes.Buffer
			ccfg.KeyLogWriter = &kl
			c2s, s2c := handshake(t, ccfg, scfg)
			captures = append(captures, capture{name, c2s, s2c, kl.Bytes()})
		}
		resuming := &tls.Config{ServerName: "ecdsa.example", RootCAs: pool, NextProtos: []string{"h2", "http/1.1"},
			ClientSessionCache: tls.NewLRUClientSessionCache(1)}
		add("tls13", resuming, &tls.Config{Certificates: []tls.Certificate{c.ECDSA}, NextProtos: []string{"h2"}})
		// Same client, same ticket keys: a PSK resumption.
		add("tls13_resumed", resuming, &tls.Config{Certificates: []tls.Certificate{c.ECDSA}, NextProtos: []string{"h2"}})
		add("tls13_client_auth", &tls.Config{ServerName: "rsa.example", RootCAs: pool, Certificates: []tls.Certificate{c.ECDSA}},
			&tls.Config{Certificates: []tls.Certificate{c.RSA}, ClientAuth: tls.RequireAnyClientCert})
		add("tls13_hrr", &tls.Config{ServerName: "ecdsa.example", RootCAs: pool, CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256}},
			&tls.Config{Certificates: []tls.Certificate{c.ECDSA}, CurvePreferences: []tls.CurveID{tls.CurveP256}})
		add("tls12_ecdhe_rsa", &tls.Config{ServerName: "rsa.example", RootCAs: pool, MaxVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"},
			ClientSessionCache: tls.NewLRUClientSessionCache(1)},
			&tls.Config{Certificates: []tls.Certificate{c.RSA}, NextProtos: []string{"http/1.1"}})
		add("tls12_ecdhe_ecdsa_client_auth", &tls.Config{ServerName: "ecdsa.example", RootCAs: pool, MaxVersion: tls.VersionTLS12, Certificates: []tls.Certificate{c.ECDSA}},
			&tls.Config{Certificates: []tls.Certificate{c.ECDSA}, ClientAuth: tls.RequireAnyClientCert})
		add("tls12_rsa_kex", &tls.Config{ServerName: "rsa.example", RootCAs: pool, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}},
			&tls.Config{Certificates: []tls.Certificate{c.RSA}, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}})
		add("tls10", &tls.Config{ServerName: "rsa.example", RootCAs: pool, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10},
			&tls.Config{Certificates: []tls.Certificate{c.RSA}, MinVersion: tls.VersionTLS10})
	})
	if len(captures) == 0 {
		t.Fatal("no captures")
	}
	return captures
}

// capturedMessages returns every plaintext handshake message of every
// capture, with the context a connection tracker would give it.
func capturedMessages(t testing.TB) []capturedMsg {
	var all []capturedMsg
	for _, c := range realCaptures(t) {
		var c2s, s2c []capturedMsg
		if strings.HasPrefix(c.name, "tls13") {
			c2s, s2c = decryptedTLS13(t, c)
		} else {
			c2s, s2c = plaintextMessages(t, c.c2s, false), plaintextMessages(t, c.s2c, false)
		}
		for _, m := range c2s {
			m.recorded = c.name
			all = append(all, m)
		}
		for _, m := range s2c {
			m.recorded, m.fromSrv = c.name, true
			all = append(all, m)
		}
	}
	return all
}

// decryptedTLS13 returns both directions' handshake messages, encrypted ones
// included.
func decryptedTLS13(t testing.TB, c capture) (c2s, s2c []capturedMsg) {
	secrets := keyLog(t, c.keyLog)
	var suite CipherSuite
	for _, m := range plaintextMessages(t, c.s2c, true) {
		if m.typ == HandshakeTypeServerHello {
			sh, err := parseServerHello(m.body)
			if err != nil {
				t.Fatal(err)
			}
			suite = sh.CipherSuite
		}
	}
	c2s = tls13Messages(t, c.c2s, suite, secrets["CLIENT_HANDSHAKE_TRAFFIC_SECRET"], secrets["CLIENT_TRAFFIC_SECRET_0"])
	s2c = tls13Messages(t, c.s2c, suite, secrets["SERVER_HANDSHAKE_TRAFFIC_SECRET"], secrets["SERVER_TRAFFIC_SECRET_0"])
	return c2s, s2c
}

// contextFor derives the Context from the capture's ServerHello.
func contextFor(t testing.TB, msgs []capturedMsg, m capturedMsg) Context {
	ctx := Context{FromServer: m.fromSrv}
	for _, x := range msgs {
		if x.recorded == m.recorded && x.typ == HandshakeTypeServerHello {
			msg, err := ParseHandshake(x.typ, x.body, Context{})
			if err != nil {
				t.Fatal(err)
			}
			sh := msg.(*ServerHello)
			if sh.IsHelloRetryRequest() {
				continue
			}
			ctx.Version, ctx.CipherSuite = sh.SelectedVersion(), sh.CipherSuite
		}
	}
	return ctx
}
