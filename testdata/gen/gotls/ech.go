// ECH (Encrypted ClientHello, RFC 9849) for the gotls peer.
//
//	gotls echkey -out PREFIX -id N [-public-name public.test] [-aead aes128gcm|chacha20]
//
// writes PREFIX.config (one ECHConfig, version 0xfe0d, DHKEM(X25519,
// HKDF-SHA256), HKDF-SHA256 and the AEAD) and PREFIX.key (the 32-byte X25519
// private key). The server takes -ech PREFIX[,PREFIX] (its keys, each also sent
// as retry_configs when it rejects), the client -ech PREFIX[,PREFIX] (the
// ECHConfigList it offers, built from those configs) and -ech-keylog FILE: the
// ordinary key log lines plus, for every ClientHello it sent with ECH, the RFC
// 9850 lines
//
//	ECH_SECRET <outer ClientHello random> <HPKE KEM shared secret>
//	ECH_CONFIG <outer ClientHello random> <the ECHConfig used>
//
// The client knows the private keys of the configs it offers (they are test
// keys), so it computes the KEM shared secret itself: it records the
// ClientHello it writes, takes enc from the outer encrypted_client_hello and
// runs DHKEM(X25519, HKDF-SHA256) Decap (RFC 9180 section 4.1).
package main

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

const (
	kemX25519   = 0x0020
	kdfSHA256   = 0x0001
	aeadAES128  = 0x0001
	aeadChaCha  = 0x0003
	echVersion  = 0xfe0d
	extECH      = 0xfe0d
	echMaxName  = 32
	x25519Nsecr = 32
)

func echkey(args []string) error {
	fs := flag.NewFlagSet("echkey", flag.ExitOnError)
	out := fs.String("out", "", "output prefix (PREFIX.config, PREFIX.key)")
	id := fs.Int("id", 1, "config_id (0..255)")
	name := fs.String("public-name", "public.test", "public_name")
	aead := fs.String("aead", "aes128gcm", "aes128gcm or chacha20")
	fs.Parse(args)
	if *out == "" {
		return errors.New("echkey: -out is required")
	}
	var aeadID uint16
	switch *aead {
	case "aes128gcm":
		aeadID = aeadAES128
	case "chacha20":
		aeadID = aeadChaCha
	default:
		return fmt.Errorf("echkey: bad -aead %q", *aead)
	}
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	var b cryptobyte.Builder
	b.AddUint16(echVersion)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint8(uint8(*id))
		b.AddUint16(kemX25519)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(k.PublicKey().Bytes()) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint16(kdfSHA256)
			b.AddUint16(aeadID)
		})
		b.AddUint8(echMaxName)
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(*name)) })
		b.AddUint16(0) // no extensions
	})
	cfg, err := b.Bytes()
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out+".config", cfg, 0o644); err != nil {
		return err
	}
	return os.WriteFile(*out+".key", k.Bytes(), 0o600)
}

// echKey is one ECHConfig with its private key.
type echKey struct {
	config []byte
	priv   *ecdh.PrivateKey
	id     uint8
}

func loadECH(prefixes string) ([]echKey, error) {
	var keys []echKey
	for _, p := range strings.Split(prefixes, ",") {
		if p == "" {
			continue
		}
		cfg, err := os.ReadFile(p + ".config")
		if err != nil {
			return nil, err
		}
		raw, err := os.ReadFile(p + ".key")
		if err != nil {
			return nil, err
		}
		priv, err := ecdh.X25519().NewPrivateKey(raw)
		if err != nil {
			return nil, err
		}
		if len(cfg) < 5 {
			return nil, fmt.Errorf("%s.config: too short", p)
		}
		keys = append(keys, echKey{config: cfg, priv: priv, id: cfg[4]})
	}
	return keys, nil
}

func echServerKeys(keys []echKey) []tls.EncryptedClientHelloKey {
	var out []tls.EncryptedClientHelloKey
	for _, k := range keys {
		out = append(out, tls.EncryptedClientHelloKey{Config: k.config, PrivateKey: k.priv.Bytes(), SendAsRetry: true})
	}
	return out
}

func echConfigList(keys []echKey) []byte {
	var b cryptobyte.Builder
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, k := range keys {
			b.AddBytes(k.config)
		}
	})
	return b.BytesOrPanic()
}

// issueLeaf makes a short-lived server certificate for names, signed by the
// test CA (certs/ca.pem, certs/ca.key): the ECH captures need one valid for
// both the inner name and the public name (a rejected ECH is checked
// against the public name).
func issueLeaf(caCert, caKey string, names []string) (tls.Certificate, error) {
	ca, err := tls.LoadX509KeyPair(caCert, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	caX, err := x509.ParseCertificate(ca.Certificate[0])
	if err != nil {
		return tls.Certificate{}, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caX, leafKey.Public(), ca.PrivateKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.Certificate[0]}, PrivateKey: leafKey}, nil
}

// recConn records the bytes the client writes (the ClientHello comes first).
type recConn struct {
	net.Conn
	mu  sync.Mutex
	buf []byte
}

func (c *recConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if len(c.buf) < 1<<16 {
		c.buf = append(c.buf, p...)
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *recConn) written() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.buf)
}

// outerECH finds the ClientHellos in the client's first flight (records of
// type handshake) and returns, for each, the random and the outer ECH
// extension's config_id and enc.
type sentHello struct {
	random []byte
	id     uint8
	enc    []byte
}

func sentHellos(stream []byte) []sentHello {
	// Reassemble handshake records (the ClientHello may span records).
	var hs []byte
	s := cryptobyte.String(stream)
	for !s.Empty() {
		var typ uint8
		var vers uint16
		var frag cryptobyte.String
		if !s.ReadUint8(&typ) || !s.ReadUint16(&vers) || !s.ReadUint16LengthPrefixed(&frag) {
			break
		}
		if typ == 22 {
			hs = append(hs, frag...)
		}
		if typ == 23 {
			break // encrypted from here on
		}
	}
	var out []sentHello
	h := cryptobyte.String(hs)
	for !h.Empty() {
		var t uint8
		var body cryptobyte.String
		if !h.ReadUint8(&t) || !h.ReadUint24LengthPrefixed(&body) {
			break
		}
		if t != 1 {
			continue
		}
		var vers uint16
		var random, sid, suites, comp, exts cryptobyte.String
		if !body.ReadUint16(&vers) || !body.ReadBytes((*[]byte)(&random), 32) ||
			!body.ReadUint8LengthPrefixed(&sid) || !body.ReadUint16LengthPrefixed(&suites) ||
			!body.ReadUint8LengthPrefixed(&comp) || !body.ReadUint16LengthPrefixed(&exts) {
			continue
		}
		for !exts.Empty() {
			var et uint16
			var ed cryptobyte.String
			if !exts.ReadUint16(&et) || !exts.ReadUint16LengthPrefixed(&ed) {
				break
			}
			if et != extECH {
				continue
			}
			var typ, id uint8
			var kdf, aead uint16
			var enc cryptobyte.String
			if ed.ReadUint8(&typ) && typ == 0 && ed.ReadUint16(&kdf) && ed.ReadUint16(&aead) &&
				ed.ReadUint8(&id) && ed.ReadUint16LengthPrefixed(&enc) {
				out = append(out, sentHello{random: bytes.Clone(random), id: id, enc: bytes.Clone(enc)})
			}
		}
	}
	return out
}

// labeledExtract and labeledExpand are RFC 9180 section 4's, for the KEM
// (suite_id "KEM" || kem_id).
func labeledExtract(suite, salt []byte, label string, ikm []byte) []byte {
	in := append(append(append([]byte("HPKE-v1"), suite...), label...), ikm...)
	prk, err := hkdf.Extract(sha256.New, in, salt)
	if err != nil {
		panic(err)
	}
	return prk
}

func labeledExpand(suite, prk []byte, label string, info []byte, l int) []byte {
	in := []byte{byte(l >> 8), byte(l)}
	in = append(append(append(append(in, "HPKE-v1"...), suite...), label...), info...)
	out, err := hkdf.Expand(sha256.New, prk, string(in), l)
	if err != nil {
		panic(err)
	}
	return out
}

// x25519Decap is DHKEM(X25519, HKDF-SHA256) Decap: the KEM shared secret.
func x25519Decap(priv *ecdh.PrivateKey, enc []byte) ([]byte, error) {
	pkE, err := ecdh.X25519().NewPublicKey(enc)
	if err != nil {
		return nil, err
	}
	dh, err := priv.ECDH(pkE)
	if err != nil {
		return nil, err
	}
	suite := []byte{'K', 'E', 'M', kemX25519 >> 8, kemX25519 & 0xff}
	kemContext := append(bytes.Clone(enc), priv.PublicKey().Bytes()...)
	prk := labeledExtract(suite, nil, "eae_prk", dh)
	return labeledExpand(suite, prk, "shared_secret", kemContext, x25519Nsecr), nil
}

// echLines are the RFC 9850 lines for the ClientHellos in stream.
func echLines(stream []byte, keys []echKey) (string, int) {
	var sb strings.Builder
	n := 0
	for _, h := range sentHellos(stream) {
		if len(h.enc) == 0 {
			continue // the ClientHello after a HelloRetryRequest: same HPKE context, no enc
		}
		for _, k := range keys {
			if k.id != h.id {
				continue
			}
			ss, err := x25519Decap(k.priv, h.enc)
			if err != nil {
				fmt.Fprintln(os.Stderr, "gotls: ECH decap:", err)
				continue
			}
			r := hex.EncodeToString(h.random)
			fmt.Fprintf(&sb, "ECH_SECRET %s %s\n", r, hex.EncodeToString(ss))
			fmt.Fprintf(&sb, "ECH_CONFIG %s %s\n", r, hex.EncodeToString(k.config))
			n++
			break
		}
	}
	return sb.String(), n
}
