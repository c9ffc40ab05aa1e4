package tlstest

import (
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// SSL 2.0 messages built field by field as draft-hickman-netscape-ssl-00
// ("Protocol Messages") lays them out. A message starts at its type byte,
// as in the payload of an SSLv2 record.

// SSL 2.0 message types and the version number, from the draft.
const (
	sslv2MsgClientHello     = 1
	sslv2MsgClientMasterKey = 2
	sslv2MsgServerHello     = 4
	sslv2Version            = 0x0002
	sslv2CertX509           = 1 // SSL_CT_X509_CERTIFICATE
)

// SSLv2Hello builds an SSLv2 CLIENT-HELLO record as old clients sent it:
// the 2-byte record header, then the message with version.
func SSLv2Hello[V ~uint16](t testing.TB, version V, specs []uint32, sid, challenge []byte) []byte {
	msg := Build(t, func(b *cryptobyte.Builder) {
		b.AddUint8(sslv2MsgClientHello)
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
	return SSLv2Rec(t, msg)
}

// SSLv2ServerHelloMsg builds a SERVER-HELLO message (version 2, an X.509
// certificate type).
func SSLv2ServerHelloMsg(t testing.TB, hit bool, cert []byte, specs []uint32, connID []byte) []byte {
	return Build(t, func(b *cryptobyte.Builder) {
		b.AddUint8(sslv2MsgServerHello)
		h := uint8(0)
		if hit {
			h = 1
		}
		b.AddUint8(h)
		b.AddUint8(sslv2CertX509)
		b.AddUint16(sslv2Version)
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

// SSLv2ClientMasterKeyMsg builds a CLIENT-MASTER-KEY message.
func SSLv2ClientMasterKeyMsg(t testing.TB, kind uint32, clear, enc, arg []byte) []byte {
	return Build(t, func(b *cryptobyte.Builder) {
		b.AddUint8(sslv2MsgClientMasterKey)
		b.AddUint24(kind)
		b.AddUint16(uint16(len(clear)))
		b.AddUint16(uint16(len(enc)))
		b.AddUint16(uint16(len(arg)))
		b.AddBytes(clear)
		b.AddBytes(enc)
		b.AddBytes(arg)
	})
}

// SSLv2Rec frames msg in a 2-byte SSLv2 record header.
func SSLv2Rec(t testing.TB, msg []byte) []byte {
	return Build(t, func(b *cryptobyte.Builder) {
		b.AddUint16(0x8000 | uint16(len(msg)))
		b.AddBytes(msg)
	})
}
