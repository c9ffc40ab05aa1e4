package decrypt

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"github.com/ssldissect/ssldissect/parser"
)

const (
	echTestPublicName = "public.example"
	echTestSecretName = "secret.example"
	echTestConfigID   = 0x2a
)

// buildECHConfig is the test's own ECHConfig encoder (RFC 9849 4).
func buildECHConfig(t testing.TB, configID uint8, kem uint16, pub []byte, suites []ECHCipherSuite, publicName string, exts []ECHConfigExtension) []byte {
	t.Helper()
	var b cryptobyte.Builder
	b.AddUint16(ECHConfigVersion)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint8(configID)
		b.AddUint16(kem)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(pub) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, s := range suites {
				b.AddUint16(s.KDF)
				b.AddUint16(s.AEAD)
			}
		})
		b.AddUint8(32)
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(publicName)) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, e := range exts {
				b.AddUint16(e.Type)
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(e.Data) })
			}
		})
	})
	return b.BytesOrPanic()
}

func echConfigList(cfgs ...[]byte) []byte {
	var b cryptobyte.Builder
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, c := range cfgs {
			b.AddBytes(c)
		}
	})
	return b.BytesOrPanic()
}

// recConn records what the client writes and what it reads.
type recConn struct {
	net.Conn
	mu            sync.Mutex
	wrote, readIn bytes.Buffer
}

func (c *recConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.wrote.Write(p)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *recConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.readIn.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

// plaintextHandshake returns the handshake messages (with headers) of
// the plaintext handshake records at the start of a TLS byte stream, up to
// the first application_data record.
func plaintextHandshake(t *testing.T, stream []byte) [][]byte {
	t.Helper()
	s := cryptobyte.String(stream)
	var hs []byte
	for !s.Empty() {
		var typ uint8
		var vers uint16
		var frag cryptobyte.String
		if !s.ReadUint8(&typ) || !s.ReadUint16(&vers) || !s.ReadUint16LengthPrefixed(&frag) {
			t.Fatal("truncated record")
		}
		if typ == 23 {
			break
		}
		if typ == 22 {
			hs = append(hs, frag...)
		}
	}
	var msgs [][]byte
	m := cryptobyte.String(hs)
	for !m.Empty() {
		start := m
		var typ uint8
		var body cryptobyte.String
		if !m.ReadUint8(&typ) || !m.ReadUint24LengthPrefixed(&body) {
			t.Fatal("truncated handshake message")
		}
		msgs = append(msgs, start[:4+len(body)])
	}
	return msgs
}

func echTestCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ech test"},
		DNSNames:              []string{echTestPublicName, echTestSecretName},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

type echRun struct {
	priv        *ecdh.PrivateKey
	config      []byte
	client      [][]byte // plaintext handshake messages the client sent
	server      [][]byte // and the server
	state       tls.ConnectionState
	serverInner string       // SNI the server saw
	keyLog      bytes.Buffer // the client's KeyLogWriter
}

// runECH runs crypto/tls client and server with ECH over loopback TCP.
func runECH(t *testing.T, suite ECHCipherSuite, serverCurves []tls.CurveID) *echRun {
	t.Helper()
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cfg := buildECHConfig(t, echTestConfigID, HPKEKEMX25519HKDFSHA256, priv.PublicKey().Bytes(),
		[]ECHCipherSuite{suite}, echTestPublicName, nil)
	cert, pool := echTestCert(t)
	r := &echRun{priv: priv, config: cfg}
	var sniMu sync.Mutex
	srvCfg := &tls.Config{
		Certificates:     []tls.Certificate{cert},
		MinVersion:       tls.VersionTLS13,
		CurvePreferences: serverCurves,
		EncryptedClientHelloKeys: []tls.EncryptedClientHelloKey{
			{Config: cfg, PrivateKey: priv.Bytes(), SendAsRetry: true},
		},
		GetConfigForClient: func(chi *tls.ClientHelloInfo) (*tls.Config, error) {
			sniMu.Lock()
			r.serverInner = chi.ServerName
			sniMu.Unlock()
			return nil, nil
		},
	}
	cliCfg := &tls.Config{
		ServerName:                     echTestSecretName,
		RootCAs:                        pool,
		MinVersion:                     tls.VersionTLS13,
		EncryptedClientHelloConfigList: echConfigList(cfg),
		KeyLogWriter:                   &r.keyLog,
	}
	// Loopback TCP, not net.Pipe: after a HelloRetryRequest both sides
	// write a change_cipher_spec at once, which an unbuffered pipe deadlocks.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	cc.SetDeadline(deadline)
	sc.SetDeadline(deadline)
	rc := &recConn{Conn: cc}
	errc := make(chan error, 1)
	go func() {
		s := tls.Server(sc, srvCfg)
		err := s.Handshake()
		if err == nil {
			_, err = s.Write([]byte("hello"))
		}
		errc <- err
		s.Close()
	}()
	c := tls.Client(rc, cliCfg)
	if err := c.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	buf := make([]byte, 5)
	if _, err := c.Read(buf); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server: %v", err)
	}
	r.state = c.ConnectionState()
	c.Close()
	rc.mu.Lock()
	r.client = plaintextHandshake(t, rc.wrote.Bytes())
	r.server = plaintextHandshake(t, rc.readIn.Bytes())
	rc.mu.Unlock()
	if !r.state.ECHAccepted {
		t.Fatal("crypto/tls did not accept ECH")
	}
	return r
}

// echSecretOf computes the ECH_SECRET a client would log: the DHKEM
// shared secret from the outer hello's enc and the server's key.
func echSecretOf(t *testing.T, priv *ecdh.PrivateKey, outer []byte) []byte {
	t.Helper()
	h, err := splitHello(outer, handshakeCH)
	if err != nil {
		t.Fatal(err)
	}
	o, err := findECHOuter(h)
	if err != nil {
		t.Fatal(err)
	}
	return dhkemX25519Decap(t, priv.Bytes(), o.enc)
}

func parseCH(t *testing.T, msg []byte) *parser.ClientHello {
	t.Helper()
	m, err := parser.ParseHandshake(parser.HandshakeType(msg[0]), msg[4:], parser.Context{})
	if err != nil {
		t.Fatalf("parser: %v", err)
	}
	ch, ok := m.(*parser.ClientHello)
	if !ok {
		t.Fatalf("parser gave %T", m)
	}
	return ch
}

func suiteHash(t *testing.T, id uint16) crypto.Hash {
	switch id {
	case tls.TLS_AES_128_GCM_SHA256, tls.TLS_CHACHA20_POLY1305_SHA256:
		return crypto.SHA256
	case tls.TLS_AES_256_GCM_SHA384:
		return crypto.SHA384
	}
	t.Fatalf("suite %04x", id)
	return 0
}

func TestECHAgainstCryptoTLS(t *testing.T) {
	for _, suite := range []ECHCipherSuite{
		{HPKEKDFHKDFSHA256, HPKEAEADAES128GCM},
		{HPKEKDFHKDFSHA384, HPKEAEADAES256GCM},
		{HPKEKDFHKDFSHA256, HPKEAEADChaCha20Poly1305},
	} {
		t.Run("", func(t *testing.T) {
			r := runECH(t, suite, nil)
			if len(r.client) != 1 || len(r.server) != 1 {
				t.Fatalf("%d client and %d server plaintext messages", len(r.client), len(r.server))
			}
			outer := r.client[0]
			if sni := parseCH(t, outer).SNI(); sni != echTestPublicName {
				t.Fatalf("outer SNI %q", sni)
			}
			secret := echSecretOf(t, r.priv, outer)
			inner, err := OpenECH(secret, r.config, outer)
			if err != nil {
				t.Fatalf("OpenECH: %v", err)
			}
			ch := parseCH(t, inner)
			if ch.SNI() != echTestSecretName || r.serverInner != echTestSecretName {
				t.Errorf("inner SNI %q, server saw %q", ch.SNI(), r.serverInner)
			}
			outerCH := parseCH(t, outer)
			if !bytes.Equal(ch.SessionID, outerCH.SessionID) || len(ch.SessionID) == 0 {
				t.Errorf("inner session ID %x, outer %x", ch.SessionID, outerCH.SessionID)
			}
			if ch.Random == outerCH.Random {
				t.Error("inner random is the outer one")
			}
			e := ch.Extension(parser.ExtEncryptedClientHello)
			if ech, ok := e.Parsed.(parser.EncryptedClientHelloExt); e == nil || !ok || ech.Type != 1 {
				t.Errorf("inner encrypted_client_hello %+v", e)
			}
			h := suiteHash(t, r.state.CipherSuite)
			ok, err := ECHAccepted(h, inner, r.server[0])
			if err != nil || !ok {
				t.Errorf("ECHAccepted: %v, %v", ok, err)
			}
			// The outer hello does not confirm.
			if ok, err := ECHAccepted(h, outer, r.server[0]); err != nil || ok {
				t.Errorf("ECHAccepted of the outer hello: %v, %v", ok, err)
			}
			// A wrong secret does not open.
			bad := bytes.Clone(secret)
			bad[0] ^= 1
			if _, err := OpenECH(bad, r.config, outer); !errors.Is(err, ErrECHDecrypt) || !errors.Is(err, ErrHPKE) {
				t.Errorf("wrong secret: %v", err)
			}
			// Any flipped byte of the outer hello's AAD fails.
			flip := bytes.Clone(outer)
			flip[10] ^= 1 // in the random
			if _, err := OpenECH(secret, r.config, flip); !errors.Is(err, ErrECHDecrypt) {
				t.Errorf("flipped outer random: %v", err)
			}
			// crypto/tls logs the TLS 1.3 secrets of an accepted ECH
			// connection under the inner random (RFC 9850 2.1).
			var cl KeyLog
			if _, errs := cl.Load(bytes.NewReader(r.keyLog.Bytes()), "client"); len(errs) != 0 {
				t.Fatal(errs)
			}
			if _, ok := cl.Lookup(LabelClientHandshakeTrafficSecret, ch.Random[:]); !ok {
				t.Errorf("no handshake secret under the inner random; labels %v", cl.Labels(ch.Random[:]))
			}
			// Through the key log.
			var kl KeyLog
			line := LabelECHSecret + " " + hexs(outerCH.Random[:]) + " " + hexs(secret) + "\n" +
				LabelECHConfig + " " + hexs(outerCH.Random[:]) + " " + hexs(r.config) + "\n"
			if n, errs := kl.Load(bytes.NewReader([]byte(line)), "ech.log"); n != 2 || len(errs) != 0 {
				t.Fatalf("key log: %d, %v", n, errs)
			}
			if kl.Unused() != 2 {
				t.Errorf("Unused %d before lookup", kl.Unused())
			}
			s2, c2, ok := kl.ECH(outerCH.Random[:])
			if !ok || kl.Unused() != 0 {
				t.Fatalf("KeyLog.ECH: %v, unused %d", ok, kl.Unused())
			}
			if in2, err := OpenECH(s2, c2, outer); err != nil || !bytes.Equal(in2, inner) {
				t.Errorf("from the key log: %v", err)
			}
		})
	}
}

func TestECHAgainstCryptoTLSHelloRetry(t *testing.T) {
	// The server wants P-256, the client's first key shares are others.
	r := runECH(t, ECHCipherSuite{HPKEKDFHKDFSHA256, HPKEAEADAES128GCM}, []tls.CurveID{tls.CurveP256})
	if len(r.client) != 2 || len(r.server) != 2 {
		t.Fatalf("%d client and %d server plaintext messages, want a HelloRetryRequest", len(r.client), len(r.server))
	}
	secret := echSecretOf(t, r.priv, r.client[0])
	x, err := NewECHContext(secret, r.config)
	if err != nil {
		t.Fatal(err)
	}
	inner1, err := x.Open(r.client[0])
	if err != nil {
		t.Fatalf("first: %v", err)
	}
	inner2, err := x.Open(r.client[1])
	if err != nil {
		t.Fatalf("second: %v", err)
	}
	if parseCH(t, inner2).SNI() != echTestSecretName {
		t.Errorf("second inner SNI %q", parseCH(t, inner2).SNI())
	}
	// The second hello alone, without the first's sequence number, fails.
	if _, err := OpenECH(secret, r.config, r.client[1]); !errors.Is(err, ErrECHDecrypt) {
		t.Errorf("second hello at sequence 0: %v", err)
	}
	h := suiteHash(t, r.state.CipherSuite)
	if ok, err := ECHAcceptedHRR(h, inner1, r.server[0]); err != nil || !ok {
		t.Errorf("ECHAcceptedHRR: %v %v", ok, err)
	}
	if ok, err := ECHAcceptedHRR(h, r.client[0], r.server[0]); err != nil || ok {
		t.Errorf("ECHAcceptedHRR of the outer hello: %v %v", ok, err)
	}
	if ok, err := ECHAcceptedAfterHRR(h, inner1, r.server[0], inner2, r.server[1]); err != nil || !ok {
		t.Errorf("ECHAcceptedAfterHRR: %v %v", ok, err)
	}
	if ok, err := ECHAccepted(h, inner2, r.server[1]); err != nil || ok {
		t.Errorf("ECHAccepted without the HRR transcript: %v %v", ok, err)
	}
}

func hexs(b []byte) string { return hex.EncodeToString(b) }
