package tlstest_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"slices"
	"testing"

	"github.com/ssldissect/ssldissect/internal/tlstest"
	"golang.org/x/crypto/cryptobyte"
)

// The builders' bytes, written out by hand from the layouts in RFC 8446
// (record, handshake header, extensions, ClientHello) and
// draft-hickman-netscape-ssl-00 (SSL 2.0).
func TestBuilders(t *testing.T) {
	type contentType uint8
	type version uint16
	type handshakeType uint8
	type extensionType uint16
	cases := []struct {
		name string
		got  []byte
		want string
	}{
		{"record", tlstest.Record(t, contentType(22), version(0x0301), []byte{0x0e, 0, 0, 0}), "16 0301 0004 0e000000"},
		{"handshake_msg", tlstest.HandshakeMsg(t, handshakeType(20), []byte{1, 2, 3}), "14 000003 010203"},
		{"handshake_msg_empty", tlstest.HandshakeMsg(t, handshakeType(14), nil), "0e 000000"},
		{"ext", tlstest.Build(t, func(b *cryptobyte.Builder) {
			tlstest.Ext(b, extensionType(0xff01), func(b *cryptobyte.Builder) { b.AddUint8(0) })
		}), "ff01 0001 00"},
		{"ext_nil_body", tlstest.Build(t, func(b *cryptobyte.Builder) { tlstest.Ext(b, extensionType(23), nil) }), "0017 0000"},
		{"vectors_nil", tlstest.Build(t, func(b *cryptobyte.Builder) {
			tlstest.U8(b, nil)
			tlstest.U16(b, nil)
			tlstest.U24(b, nil)
		}), "00 0000 000000"},
		{"vectors", tlstest.Build(t, func(b *cryptobyte.Builder) {
			tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddUint8(0xaa) })
			tlstest.U16(b, func(b *cryptobyte.Builder) { b.AddUint8(0xbb) })
			tlstest.U24(b, func(b *cryptobyte.Builder) { b.AddUint8(0xcc) })
		}), "01aa 0001bb 000001cc"},
		{"sslv2_client_hello", tlstest.SSLv2Hello(t, version(0x0301), []uint32{0x010080, 0x000035}, []byte{7}, []byte("0123456789abcdef")),
			"8020 01 0301 0006 0001 0010 010080 000035 07 30313233343536373839616263646566"},
		{"sslv2_server_hello", tlstest.SSLv2ServerHelloMsg(t, true, []byte{0xde, 0xad}, []uint32{0x0700c0}, []byte{0xc1, 0xc1}),
			"04 01 01 0002 0002 0003 0002 dead 0700c0 c1c1"},
		{"sslv2_server_hello_miss", tlstest.SSLv2ServerHelloMsg(t, false, nil, nil, nil), "04 00 01 0002 0000 0000 0000"},
		{"sslv2_client_master_key", tlstest.SSLv2ClientMasterKeyMsg(t, 0x0700c0, []byte{1}, []byte{0xee, 0xee}, []byte{2, 3}),
			"02 0700c0 0001 0002 0002 01 eeee 0203"},
		{"sslv2_rec", tlstest.SSLv2Rec(t, []byte{5, 6}), "8002 0506"},
		{"client_hello_parts", tlstest.ClientHelloParts{}.Body(t), `0303
			0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20
			04 09090909  0004 1301 c02f  01 00
			0026
			  0000 0010 000e 00 000b 6578616d706c652e636f6d
			  0010 0005 0003 02 6832
			  002b 0005 04 0304 0303`},
		{"client_hello_parts_raw", tlstest.ClientHelloParts{
			SessionID:    func(b *cryptobyte.Builder) { b.AddUint8(0) },
			Suites:       func(b *cryptobyte.Builder) { b.AddBytes([]byte{0, 2, 0, 0x2f}) },
			Compression:  func(b *cryptobyte.Builder) { b.AddBytes([]byte{2, 1, 0}) },
			NoExtensions: true,
			Tail:         []byte{0xff},
		}.Body(t), "0303 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 00 0002 002f 02 0100 ff"},
		{"client_hello_parts_exts", tlstest.ClientHelloParts{
			Extensions: func(b *cryptobyte.Builder) { b.AddBytes([]byte{0, 0}) },
		}.Body(t), "0303 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 04 09090909 0004 1301 c02f 01 00 0000"},
	}
	for _, tc := range cases {
		if want := tlstest.Unhex(t, tc.want); !bytes.Equal(tc.got, want) {
			t.Errorf("%s: got %x, want %x", tc.name, tc.got, want)
		}
	}
}

func TestCerts(t *testing.T) {
	c := tlstest.Certs(t)
	for _, tc := range []struct {
		cert tls.Certificate
		cn   string
	}{{c.RSA, "rsa.example"}, {c.ECDSA, "ecdsa.example"}} {
		leaf, err := x509.ParseCertificate(tc.cert.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		if leaf.Subject.CommonName != tc.cn || !slices.Equal(leaf.DNSNames, []string{tc.cn, "www." + tc.cn}) || !leaf.IsCA {
			t.Errorf("%s: subject %v DNS names %v CA %v", tc.cn, leaf.Subject, leaf.DNSNames, leaf.IsCA)
		}
		if err := leaf.CheckSignatureFrom(leaf); err != nil {
			t.Errorf("%s: not self-signed: %v", tc.cn, err)
		}
	}
	if k, ok := c.RSA.PrivateKey.(*rsa.PrivateKey); !ok || k.N.BitLen() != 2048 {
		t.Errorf("RSA key %T", c.RSA.PrivateKey)
	}
	if k, ok := c.ECDSA.PrivateKey.(*ecdsa.PrivateKey); !ok || k.Curve.Params().Name != "P-256" {
		t.Errorf("ECDSA key %T", c.ECDSA.PrivateKey)
	}
	if again := tlstest.Certs(t); !bytes.Equal(again.RSA.Certificate[0], c.RSA.Certificate[0]) {
		t.Error("Certs generated twice")
	}
}

func TestHandshakeStreams(t *testing.T) {
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		c2s, s2c := tlstest.HandshakeStreams(t, v)
		for dir, b := range map[string][]byte{"c2s": c2s, "s2c": s2c} {
			// Whole records, a handshake one first, application data
			// among them.
			var types []byte
			for len(b) >= 5 {
				n := 5 + (int(b[3])<<8 | int(b[4]))
				if n > len(b) {
					break
				}
				types, b = append(types, b[0]), b[n:]
			}
			if len(b) != 0 || len(types) == 0 || types[0] != 22 || !slices.Contains(types, 23) {
				t.Errorf("version %x %s: record types %v, %d bytes left", v, dir, types, len(b))
			}
		}
	}
}
