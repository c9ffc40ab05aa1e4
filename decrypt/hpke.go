package decrypt

import (
	"crypto"
	"crypto/cipher"
	"crypto/hkdf"
	"encoding/binary"
	"errors"
	"fmt"
)

// HPKE (RFC 9180) identifiers: KEMs (section 7.1, and the ML-KEM and hybrid
// code points of draft-ietf-hpke-pq), KDFs (7.2) and AEADs (7.3).
const (
	HPKEKEMP256HKDFSHA256   uint16 = 0x0010
	HPKEKEMP384HKDFSHA384   uint16 = 0x0011
	HPKEKEMP521HKDFSHA512   uint16 = 0x0012
	HPKEKEMX25519HKDFSHA256 uint16 = 0x0020
	HPKEKEMX448HKDFSHA512   uint16 = 0x0021
	HPKEKEMMLKEM512         uint16 = 0x0040
	HPKEKEMMLKEM768         uint16 = 0x0041
	HPKEKEMMLKEM1024        uint16 = 0x0042
	HPKEKEMMLKEM768P256     uint16 = 0x0050
	HPKEKEMMLKEM1024P384    uint16 = 0x0051
	HPKEKEMMLKEM768X25519   uint16 = 0x647a

	HPKEKDFHKDFSHA256 uint16 = 0x0001
	HPKEKDFHKDFSHA384 uint16 = 0x0002
	HPKEKDFHKDFSHA512 uint16 = 0x0003

	HPKEAEADAES128GCM        uint16 = 0x0001
	HPKEAEADAES256GCM        uint16 = 0x0002
	HPKEAEADChaCha20Poly1305 uint16 = 0x0003
	HPKEAEADExportOnly       uint16 = 0xffff
)

// ErrHPKE: an HPKE suite this package does not implement (a KDF other than
// HKDF-SHA256/384/512, an AEAD other than AES-GCM and ChaCha20-Poly1305), a
// shared secret of the wrong length for its KEM, or a ciphertext that does
// not open.
var ErrHPKE = errors.New("hpke")

// hpkeKEMSecretLen is Nsecret of the KEMs (RFC 9180 7.1; 32 for the
// ML-KEM and hybrid KEMs).
func hpkeKEMSecretLen(kem uint16) int {
	switch kem {
	case HPKEKEMP256HKDFSHA256, HPKEKEMX25519HKDFSHA256,
		HPKEKEMMLKEM512, HPKEKEMMLKEM768, HPKEKEMMLKEM1024,
		HPKEKEMMLKEM768P256, HPKEKEMMLKEM1024P384, HPKEKEMMLKEM768X25519:
		return 32
	case HPKEKEMP384HKDFSHA384:
		return 48
	case HPKEKEMP521HKDFSHA512, HPKEKEMX448HKDFSHA512:
		return 64
	}
	return 0
}

func hpkeKDFHash(kdf uint16) (crypto.Hash, bool) {
	switch kdf {
	case HPKEKDFHKDFSHA256:
		return crypto.SHA256, true
	case HPKEKDFHKDFSHA384:
		return crypto.SHA384, true
	case HPKEKDFHKDFSHA512:
		return crypto.SHA512, true
	}
	return 0, false
}

// hpkeAEADSuite is the TLS 1.3 suite whose AEAD an HPKE AEAD is (RFC
// 9180 7.3: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305, Nn 12 for each):
// the cipher-suite table makes it and knows its Nk (KeyLen).
func hpkeAEADSuite(aead uint16) (*Suite, bool) {
	var id uint16
	switch aead {
	case HPKEAEADAES128GCM:
		id = 0x1301
	case HPKEAEADAES256GCM:
		id = 0x1302
	case HPKEAEADChaCha20Poly1305:
		id = 0x1303
	default:
		return nil, false
	}
	return LookupSuite(id)
}

const (
	hpkeNonceLen = 12
	hpkeModeBase = 0x00
	hpkeVersion  = "HPKE-v1"
)

// HPKESuite names an HPKE suite by its three identifiers.
type HPKESuite struct {
	KEM, KDF, AEAD uint16
}

// HPKEKeys is the output of the base mode key schedule (RFC 9180 5.1).
type HPKEKeys struct {
	Key            []byte
	BaseNonce      []byte
	ExporterSecret []byte
}

// suiteID is "HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2).
func (s HPKESuite) suiteID() []byte {
	b := []byte("HPKE")
	b = binary.BigEndian.AppendUint16(b, s.KEM)
	b = binary.BigEndian.AppendUint16(b, s.KDF)
	return binary.BigEndian.AppendUint16(b, s.AEAD)
}

// labeledExtract is LabeledExtract(salt, label, ikm) =
// Extract(salt, "HPKE-v1" || suite_id || label || ikm).
func (s HPKESuite) labeledExtract(h crypto.Hash, salt []byte, label string, ikm []byte) ([]byte, error) {
	in := append([]byte(hpkeVersion), s.suiteID()...)
	in = append(in, label...)
	in = append(in, ikm...)
	return hkdf.Extract(h.New, in, salt)
}

// labeledExpand is LabeledExpand(prk, label, info, L) =
// Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L).
func (s HPKESuite) labeledExpand(h crypto.Hash, prk []byte, label string, info []byte, length int) ([]byte, error) {
	if length > 0xffff {
		return nil, fmt.Errorf("%w: expand length %d", ErrHPKE, length)
	}
	in := binary.BigEndian.AppendUint16(nil, uint16(length))
	in = append(in, hpkeVersion...)
	in = append(in, s.suiteID()...)
	in = append(in, label...)
	in = append(in, info...)
	return hkdf.Expand(h.New, prk, string(in), length)
}

// KeySchedule runs the base mode (mode_base, no PSK) key schedule of RFC
// 9180 5.1 from the KEM's shared secret, as a receiver does after Decap:
// the key, base nonce and exporter secret of the context. The shared
// secret must have the KEM's Nsecret length when the KEM is known (any
// non-empty length otherwise: the KEM is only a part of suite_id here).
// An export-only AEAD gives no key and nonce.
func (s HPKESuite) KeySchedule(sharedSecret, info []byte) (*HPKEKeys, error) {
	h, ok := hpkeKDFHash(s.KDF)
	if !ok {
		return nil, fmt.Errorf("%w: unsupported KDF 0x%04x", ErrHPKE, s.KDF)
	}
	nk := 0
	if as, ok := hpkeAEADSuite(s.AEAD); ok {
		nk = as.KeyLen
	} else if s.AEAD != HPKEAEADExportOnly {
		return nil, fmt.Errorf("%w: unsupported AEAD 0x%04x", ErrHPKE, s.AEAD)
	}
	if n := hpkeKEMSecretLen(s.KEM); len(sharedSecret) == 0 || (n != 0 && len(sharedSecret) != n) {
		return nil, fmt.Errorf("%w: shared secret is %d bytes for KEM 0x%04x", ErrHPKE, len(sharedSecret), s.KEM)
	}
	pskIDHash, err := s.labeledExtract(h, nil, "psk_id_hash", nil)
	if err != nil {
		return nil, err
	}
	infoHash, err := s.labeledExtract(h, nil, "info_hash", info)
	if err != nil {
		return nil, err
	}
	ctx := append([]byte{hpkeModeBase}, pskIDHash...)
	ctx = append(ctx, infoHash...)
	secret, err := s.labeledExtract(h, sharedSecret, "secret", nil)
	if err != nil {
		return nil, err
	}
	k := &HPKEKeys{}
	if nk != 0 {
		if k.Key, err = s.labeledExpand(h, secret, "key", ctx, nk); err != nil {
			return nil, err
		}
		if k.BaseNonce, err = s.labeledExpand(h, secret, "base_nonce", ctx, hpkeNonceLen); err != nil {
			return nil, err
		}
	}
	if k.ExporterSecret, err = s.labeledExpand(h, secret, "exp", ctx, h.Size()); err != nil {
		return nil, err
	}
	return k, nil
}

// HPKEReceiver is the receiving side of an HPKE context (RFC 9180 5.2)
// made from a shared secret: Open decrypts the sender's messages in order,
// the first with sequence number 0.
type HPKEReceiver struct {
	aead      cipher.AEAD
	baseNonce []byte
	seq       uint64
}

// NewHPKEReceiver runs the base mode key schedule from sharedSecret and
// info and returns the context that opens the sender's ciphertexts.
func NewHPKEReceiver(suite HPKESuite, sharedSecret, info []byte) (*HPKEReceiver, error) {
	if suite.AEAD == HPKEAEADExportOnly {
		return nil, fmt.Errorf("%w: export-only AEAD has no Open", ErrHPKE)
	}
	k, err := suite.KeySchedule(sharedSecret, info)
	if err != nil {
		return nil, err
	}
	as, _ := hpkeAEADSuite(suite.AEAD) // KeySchedule checked it
	a, err := as.spec.newAEAD(k.Key)
	if err != nil {
		return nil, err
	}
	return &HPKEReceiver{aead: a, baseNonce: k.BaseNonce}, nil
}

// Seq is the sequence number the next Open uses.
func (r *HPKEReceiver) Seq() uint64 { return r.seq }

// SetSeq sets the sequence number of the next Open (to try a message out
// of order, or the second ClientHello of an ECH HelloRetryRequest
// exchange, which is sealed under sequence number 1).
func (r *HPKEReceiver) SetSeq(seq uint64) { r.seq = seq }

// Open decrypts ciphertext with aad under the nonce base_nonce XOR seq
// (RFC 9180 5.2), and on success moves to the next sequence number. A
// ciphertext that does not authenticate gives an error wrapping ErrHPKE
// and leaves the sequence number as it was.
func (r *HPKEReceiver) Open(aad, ciphertext []byte) ([]byte, error) {
	nonce := make([]byte, hpkeNonceLen)
	binary.BigEndian.PutUint64(nonce[hpkeNonceLen-8:], r.seq)
	for i := range nonce {
		nonce[i] ^= r.baseNonce[i]
	}
	pt, err := r.aead.Open(nil, nonce, ciphertext, aad)
	if err != nil {
		return nil, fmt.Errorf("%w: open: %v", ErrHPKE, err)
	}
	r.seq++
	return pt, nil
}
