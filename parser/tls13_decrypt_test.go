package parser

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/internal/tlstest"
	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/cryptobyte"
)

// A minimal TLS 1.3 record decryptor (RFC 8446 5.2-5.3, 7.1, 7.3), for tests
// only: it opens the encrypted handshake messages of the recorded TLS 1.3
// handshakes with the secrets crypto/tls wrote to its KeyLogWriter, so that
// EncryptedExtensions, the TLS 1.3 Certificate, CertificateRequest,
// CertificateVerify, Finished and NewSessionTicket are tested on real bytes
// too. The decrypt package is the real implementation.

// keyLog parses NSS key log lines into label -> secret.
func keyLog(t testing.TB, log []byte) map[string][]byte {
	secrets := map[string][]byte{}
	sc := bufio.NewScanner(bytes.NewReader(log))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			continue
		}
		s, err := hex.DecodeString(f[2])
		if err != nil {
			t.Fatal(err)
		}
		secrets[f[0]] = s
	}
	return secrets
}

func expandLabel(t testing.TB, h func() hash.Hash, secret []byte, label string, n int) []byte {
	info := tlstest.Build(t, func(b *cryptobyte.Builder) {
		b.AddUint16(uint16(n))
		tlstest.U8(b, func(b *cryptobyte.Builder) { b.AddBytes([]byte("tls13 " + label)) })
		tlstest.U8(b, nil)
	})
	out, err := hkdf.Expand(h, secret, string(info), n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type tls13Opener struct {
	aead cipher.AEAD
	iv   []byte
	seq  uint64
}

func newOpener(t testing.TB, suite CipherSuite, secret []byte) *tls13Opener {
	h, keyLen := sha256.New, 16
	switch suite {
	case 0x1302:
		h, keyLen = sha512.New384, 32
	case 0x1303:
		keyLen = 32
	}
	key := expandLabel(t, h, secret, "key", keyLen)
	o := &tls13Opener{iv: expandLabel(t, h, secret, "iv", 12)}
	var err error
	if suite == 0x1303 {
		o.aead, err = chacha20poly1305.New(key)
	} else {
		var block cipher.Block
		if block, err = aes.NewCipher(key); err == nil {
			o.aead, err = cipher.NewGCM(block)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// open decrypts one application_data record; it returns the inner content
// type and the content.
func (o *tls13Opener) open(t testing.TB, header, payload []byte) (ContentType, []byte) {
	nonce := append([]byte(nil), o.iv...)
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], o.seq)
	for i := range seq {
		nonce[4+i] ^= seq[i]
	}
	o.seq++
	plain, err := o.aead.Open(nil, nonce, payload, header)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	plain = bytes.TrimRight(plain, "\x00")
	if len(plain) == 0 {
		t.Fatal("record with no content type")
	}
	return ContentType(plain[len(plain)-1]), plain[:len(plain)-1]
}

// tls13Messages returns the handshake messages of one direction of a TLS 1.3
// connection: plaintext ones as they are, encrypted ones opened with the
// handshake traffic secret until that side's Finished, then with the first
// application traffic secret (for NewSessionTicket).
func tls13Messages(t testing.TB, stream []byte, suite CipherSuite, hsSecret, appSecret []byte) []capturedMsg {
	var hr HandshakeReader
	var msgs []capturedMsg
	opener := newOpener(t, suite, hsSecret)
	for len(stream) > 0 {
		rec, n, err := ParseRecord(stream)
		if err != nil {
			t.Fatalf("ParseRecord: %v", err)
		}
		header := stream[:5]
		stream = stream[n:]
		payload := rec.Payload
		switch rec.Type {
		case ContentTypeChangeCipherSpec:
			continue
		case ContentTypeApplicationData:
			var inner ContentType
			inner, payload = opener.open(t, header, rec.Payload)
			if inner != ContentTypeHandshake {
				continue
			}
		case ContentTypeHandshake:
		default:
			t.Fatalf("unexpected %v record", rec.Type)
		}
		if err := hr.Write(payload); err != nil {
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
			if typ == HandshakeTypeFinished {
				opener = newOpener(t, suite, appSecret)
			}
		}
	}
	return msgs
}
