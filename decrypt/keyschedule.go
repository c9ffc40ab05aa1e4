package decrypt

import (
	"crypto"
	"crypto/hkdf"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// TLS 1.3 key schedule (RFC 8446 7.1) labels.
const (
	labelDerived    = "derived"
	labelKey        = "key"
	labelIV         = "iv"
	labelFinished   = "finished"
	labelTrafficUpd = "traffic upd"
)

// tls13LabelPfx is the HkdfLabel prefix of TLS 1.3, which QUIC keeps for
// its packet protection labels ("quic key", "quic iv", "quic hp"; RFC 9001
// 5.1); DTLS 1.3 has "dtls13" (RFC 9147 5.9, dtls13.go).
const tls13LabelPfx = "tls13 "

// expandLabel is HKDF-Expand-Label of RFC 8446 7.1 with the TLS 1.3 prefix.
func expandLabel(h crypto.Hash, secret []byte, label string, context []byte, length int) ([]byte, error) {
	return hkdfExpandLabel(h, tls13LabelPfx, secret, label, context, length)
}

// hkdfExpandLabel is HKDF-Expand(Secret, HkdfLabel, Length) with
//
//	struct {
//	    uint16 length = Length;
//	    opaque label<7..255> = prefix + Label;
//	    opaque context<0..255> = Context;
//	} HkdfLabel;
func hkdfExpandLabel(h crypto.Hash, prefix string, secret []byte, label string, context []byte, length int) ([]byte, error) {
	if len(prefix)+len(label) > 255 || len(context) > 255 || length > 0xffff {
		return nil, fmt.Errorf("expandLabel: label, context or length too long")
	}
	if length <= h.Size() && h.Size() <= 64 && h.Available() {
		// HKDF-Expand with L <= HashLen is the first block alone,
		// HMAC(secret, HkdfLabel || 0x01), and every label of the key
		// schedules is that short: one HMAC from the pool, no
		// allocation but the result's.
		m := getMAC(h)
		info := append(m.info[:0], byte(length>>8), byte(length), byte(len(prefix)+len(label)))
		info = append(info, prefix...)
		info = append(info, label...)
		info = append(info, byte(len(context)))
		info = append(info, context...)
		info = append(info, 1)
		m.info = info
		out := m.sum(make([]byte, 0, h.Size()), secret, info, nil)
		putMAC(h, m)
		return out[:length:length], nil
	}
	var b cryptobyte.Builder
	b.AddUint16(uint16(length))
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddBytes([]byte(prefix))
		b.AddBytes([]byte(label))
	})
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddBytes(context)
	})
	info, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	return hkdf.Expand(h.New, secret, string(info), length)
}

// extract is HKDF-Extract(salt, ikm); a nil ikm stands for Hash.length zeros
// (RFC 8446 7.1).
func extract(h crypto.Hash, salt, ikm []byte) ([]byte, error) {
	if ikm == nil {
		ikm = make([]byte, h.Size())
	}
	return hkdf.Extract(h.New, ikm, salt)
}

// deriveSecret is Derive-Secret(Secret, Label, Messages) of RFC 8446 7.1,
// given Transcript-Hash(Messages) rather than the messages.
func deriveSecret(h crypto.Hash, secret []byte, label string, transcriptHash []byte) ([]byte, error) {
	return expandLabel(h, secret, label, transcriptHash, h.Size())
}

// trafficKey derives the record key and IV (nonce base) of a traffic
// secret (RFC 8446 7.3).
func trafficKey(suite *Suite, secret []byte) (key, iv []byte, err error) {
	key, err = expandLabel(suite.PRFHash, secret, labelKey, nil, suite.KeyLen)
	if err != nil {
		return nil, nil, err
	}
	iv, err = expandLabel(suite.PRFHash, secret, labelIV, nil, suite.IVLen)
	return key, iv, err
}

// nextTrafficSecret is application_traffic_secret_N+1 (RFC 8446 7.2),
// after a KeyUpdate.
func nextTrafficSecret(suite *Suite, secret []byte) ([]byte, error) {
	return expandLabel(suite.PRFHash, secret, labelTrafficUpd, nil, suite.PRFHash.Size())
}

// FinishedVerifyData13 is the verify_data of a TLS 1.3 Finished (RFC 8446
// 4.4.4): HMAC(finished_key, Transcript-Hash(... up to CertificateVerify)),
// where baseSecret is the sender's handshake traffic secret.
func FinishedVerifyData13(suite *Suite, baseSecret, transcriptHash []byte) ([]byte, error) {
	return finishedVerifyData13(tls13LabelPfx, suite, baseSecret, transcriptHash)
}

// finishedVerifyData13 is FinishedVerifyData13 under the label prefix pfx.
func finishedVerifyData13(pfx string, suite *Suite, baseSecret, transcriptHash []byte) ([]byte, error) {
	if suite == nil || !suite.TLS13 {
		return nil, fmt.Errorf("%w: not a TLS 1.3 suite", ErrVersion)
	}
	fk, err := hkdfExpandLabel(suite.PRFHash, pfx, baseSecret, labelFinished, nil, suite.PRFHash.Size())
	if err != nil {
		return nil, err
	}
	m := getMAC(suite.PRFHash)
	out := m.sum(make([]byte, 0, suite.PRFHash.Size()), fk, transcriptHash, nil)
	putMAC(suite.PRFHash, m)
	return out, nil
}

// TrafficKey is trafficKey for callers outside the package (e.g. to show
// keys); HalfConn does this itself.
func TrafficKey(suite *Suite, secret []byte) (key, iv []byte, err error) {
	if suite == nil || !suite.TLS13 {
		return nil, nil, fmt.Errorf("%w: not a TLS 1.3 suite", ErrVersion)
	}
	return trafficKey(suite, secret)
}
