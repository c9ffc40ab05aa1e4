package tcp

import (
	"github.com/ssldissect/ssldissect/session"

	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/parser"
	"golang.org/x/crypto/cryptobyte"
)

// handshakeStreams runs a crypto/tls handshake of version v and one small
// exchange of application data over a pipe, and returns the bytes each
// side sent: real record streams for the parser benchmarks.
func handshakeStreams(b *testing.B, v uint16) (c2s, s2c []byte) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench.test"},
		DNSNames: []string{"bench.test"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		b.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
	cp, sp := net.Pipe()
	cr, sr := &recorder{Conn: cp}, &recorder{Conn: sp}
	srv := tls.Server(sr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: v, MaxVersion: v})
	cli := tls.Client(cr, &tls.Config{InsecureSkipVerify: true, ServerName: "bench.test", MinVersion: v, MaxVersion: v})
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 64)
		n, err := io.ReadFull(srv, buf[:5])
		if err == nil {
			_, err = srv.Write(buf[:n])
		}
		if err == nil {
			err = srv.Close()
		}
		done <- err
	}()
	if _, err := cli.Write([]byte("hello")); err != nil {
		b.Fatal(err)
	}
	if _, err := io.ReadAll(cli); err != nil && err != io.EOF {
		b.Fatal(err)
	}
	cli.Close()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	cr.mu.Lock()
	sr.mu.Lock()
	defer cr.mu.Unlock()
	defer sr.mu.Unlock()
	return cr.out, sr.out
}

type discardSink struct{ records, ends int }

func (s *discardSink) Record(*session.RecordEvent) { s.records++ }

func (s *discardSink) End(*session.Conn) { s.ends++ }

// unhex decodes hex with spaces and newlines allowed.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sslv2SessionFlights is an SSL 2.0 session: CLIENT-HELLO, SERVER-HELLO
// with the test RSA certificate, CLIENT-MASTER-KEY, then encrypted records
// (3-byte headers, with contents that happen to start with clear message
// types) both ways.
func sslv2SessionFlights(t testing.TB) []flight {
	cert := getCerts(t).rsa.Certificate[0]
	connID := bytes.Repeat([]byte{0xc1}, 16)
	encrypted := func(first byte, n int) []byte {
		p := append([]byte{first}, bytes.Repeat([]byte{0x77}, n-1)...)
		return build(t, func(b *cryptobyte.Builder) {
			b.AddUint16(uint16(n))
			b.AddUint8(3)
			b.AddBytes(p)
		})
	}
	return []flight{
		{0, sslv2Hello(t, parser.VersionSSL20, []uint32{0x0700c0, 0x010080}, nil, []byte("0123456789abcdef"))},
		{1, sslv2Rec(t, sslv2ServerHelloMsg(t, false, cert, []uint32{0x0700c0, 0x010080}, connID))},
		{0, append(sslv2Rec(t, sslv2ClientMasterKeyMsg(t, 0x0700c0, nil, bytes.Repeat([]byte{0xee}, 256), []byte{1, 2, 3, 4, 5, 6, 7, 8})),
			encrypted(4, 40)...)}, // CLIENT-FINISHED
		{1, encrypted(2, 40)}, // SERVER-VERIFY
		{1, encrypted(0, 40)}, // SERVER-FINISHED
		{0, encrypted(0x16, 0x1403)},
	}
}

// recorder keeps a copy of what is written through it.
type recorder struct {
	net.Conn
	mu  sync.Mutex
	out []byte
}

func (r *recorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	r.out = append(r.out, b...)
	r.mu.Unlock()
	return r.Conn.Write(b)
}

func getCerts(t testing.TB) testCerts {
	certsOnce.Do(func() {
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		certs.rsa = selfSigned(t, rk, &rk.PublicKey, "rsa.example")
		certs.ecdsa = selfSigned(t, ek, &ek.PublicKey, "ecdsa.example")
	})
	return certs
}

// build runs f on a fresh cryptobyte.Builder and returns its bytes.
func build(t testing.TB, f func(b *cryptobyte.Builder)) []byte {
	t.Helper()
	b := cryptobyte.NewBuilder(nil)
	f(b)
	out, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func u16(b *cryptobyte.Builder, f func(*cryptobyte.Builder)) { b.AddUint16LengthPrefixed(orEmpty(f)) }

// chParts builds a ClientHello body from its parts; each func writes its
// field raw (so that a test can break it), nil writes the valid default.
type chParts struct {
	sid, suites, comp, exts func(*cryptobyte.Builder)
	noExts                  bool
	tail                    []byte // appended after everything
}

func (p chParts) body(t *testing.T) []byte {
	return build(t, func(b *cryptobyte.Builder) {
		b.AddUint16(0x0303)
		b.AddBytes(partialRandom)
		if p.sid != nil {
			p.sid(b)
		} else {
			u8(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte{9, 9, 9, 9}) })
		}
		if p.suites != nil {
			p.suites(b)
		} else {
			u16(b, func(b *cryptobyte.Builder) { b.AddUint16(0x1301); b.AddUint16(0xc02f) })
		}
		if p.comp != nil {
			p.comp(b)
		} else {
			u8(b, func(b *cryptobyte.Builder) { b.AddUint8(0) })
		}
		switch {
		case p.exts != nil:
			p.exts(b)
		case !p.noExts:
			u16(b, func(b *cryptobyte.Builder) { validSNI(b); validALPN(b); validVersions(b) })
		}
		b.AddBytes(p.tail)
	})
}

// sslv2Hello builds an SSLv2 CLIENT-HELLO record as old clients sent it.
func sslv2Hello(t testing.TB, version parser.Version, specs []uint32, sid, challenge []byte) []byte {
	msg := build(t, func(b *cryptobyte.Builder) {
		b.AddUint8(parser.SSLv2MsgClientHello)
		b.AddUint16(uint16(version))
		b.AddUint16(uint16(3 * len(specs)))
		b.AddUint16(uint16(len(sid)))
		b.AddUint16(uint16(len(challenge)))
		for _, s := range specs {
			b.AddUint24(s)
		}
		b.AddBytes(sid)
		b.AddBytes(challenge)
	})
	return build(t, func(b *cryptobyte.Builder) {
		b.AddUint16(0x8000 | uint16(len(msg)))
		b.AddBytes(msg)
	})
}

func sslv2ServerHelloMsg(t testing.TB, hit bool, cert []byte, specs []uint32, connID []byte) []byte {
	return build(t, func(b *cryptobyte.Builder) {
		b.AddUint8(uint8(parser.SSLv2MessageTypeServerHello))
		h := uint8(0)
		if hit {
			h = 1
		}
		b.AddUint8(h)
		b.AddUint8(1) // SSL_CT_X509_CERTIFICATE
		b.AddUint16(uint16(parser.VersionSSL20))
		b.AddUint16(uint16(len(cert)))
		b.AddUint16(uint16(3 * len(specs)))
		b.AddUint16(uint16(len(connID)))
		b.AddBytes(cert)
		for _, s := range specs {
			b.AddUint24(s)
		}
		b.AddBytes(connID)
	})
}

func sslv2ClientMasterKeyMsg(t testing.TB, kind uint32, clear, enc, arg []byte) []byte {
	return build(t, func(b *cryptobyte.Builder) {
		b.AddUint8(uint8(parser.SSLv2MessageTypeClientMasterKey))
		b.AddUint24(kind)
		b.AddUint16(uint16(len(clear)))
		b.AddUint16(uint16(len(enc)))
		b.AddUint16(uint16(len(arg)))
		b.AddBytes(clear)
		b.AddBytes(enc)
		b.AddBytes(arg)
	})
}

// sslv2Rec frames msg in a 2-byte SSLv2 record header.
func sslv2Rec(t testing.TB, msg []byte) []byte {
	return build(t, func(b *cryptobyte.Builder) {
		b.AddUint16(0x8000 | uint16(len(msg)))
		b.AddBytes(msg)
	})
}

type testCerts struct {
	rsa, ecdsa tls.Certificate
}

// selfSigned makes a self-signed certificate for key.
func selfSigned(t testing.TB, key any, pub any, cn string) tls.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(0x1234abcd),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"ssldissect test"}},
		NotBefore:             time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		DNSNames:              []string{cn, "www." + cn},
		IPAddresses:           []net.IP{net.ParseIP("192.0.2.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func orEmpty(f func(*cryptobyte.Builder)) cryptobyte.BuilderContinuation {
	if f == nil {
		return func(*cryptobyte.Builder) {}
	}
	return f
}

var partialRandom = func() []byte {
	r := make([]byte, 32)
	for i := range r {
		r[i] = byte(i + 1)
	}
	return r
}()

// u8, u16 and u24 add a length-prefixed vector filled by f (empty if nil).
func u8(b *cryptobyte.Builder, f func(*cryptobyte.Builder)) { b.AddUint8LengthPrefixed(orEmpty(f)) }

func validSNI(b *cryptobyte.Builder) {
	ext(b, parser.ExtServerName, func(b *cryptobyte.Builder) {
		u16(b, func(b *cryptobyte.Builder) {
			b.AddUint8(0)
			u16(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("example.com")) })
		})
	})
}

func validALPN(b *cryptobyte.Builder) {
	ext(b, parser.ExtALPN, func(b *cryptobyte.Builder) {
		u16(b, func(b *cryptobyte.Builder) {
			u8(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("h2")) })
		})
	})
}

func validVersions(b *cryptobyte.Builder) {
	ext(b, parser.ExtSupportedVersions, func(b *cryptobyte.Builder) {
		u8(b, func(b *cryptobyte.Builder) { b.AddUint16(0x0304); b.AddUint16(0x0303) })
	})
}

// ext adds one extension.
func ext(b *cryptobyte.Builder, typ parser.ExtensionType, body func(*cryptobyte.Builder)) {
	b.AddUint16(uint16(typ))
	u16(b, func(b *cryptobyte.Builder) {
		if body != nil {
			body(b)
		}
	})
}

var (
	certsOnce sync.Once
	certs     testCerts
)

// handshakeMsg frames a body with its 4-byte header.
func handshakeMsg(t testing.TB, typ parser.HandshakeType, body []byte) []byte {
	return build(t, func(b *cryptobyte.Builder) {
		b.AddUint8(uint8(typ))
		u24(b, func(b *cryptobyte.Builder) { b.AddBytes(body) })
	})
}

// record frames a payload as one TLS record.
func record(t testing.TB, typ parser.ContentType, v parser.Version, payload []byte) []byte {
	return build(t, func(b *cryptobyte.Builder) {
		b.AddUint8(uint8(typ))
		b.AddUint16(uint16(v))
		u16(b, func(b *cryptobyte.Builder) { b.AddBytes(payload) })
	})
}

func u24(b *cryptobyte.Builder, f func(*cryptobyte.Builder)) { b.AddUint24LengthPrefixed(orEmpty(f)) }
