package decrypt

import (
	"bytes"
	"crypto"
	"crypto/hkdf"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// Encrypted Client Hello (RFC 9849): ECHConfig decoding, the inner
// ClientHello's decryption from the HPKE shared secret a key log gives
// (ECH_SECRET, RFC 9850 2.3) and the server's accept confirmation.

// ECHConfigVersion is the ECHConfig version of RFC 9849 (draft -13 on).
const ECHConfigVersion uint16 = 0xfe0d

// Extension types of RFC 9849 (numbers here so that decrypt does not
// depend on parser).
const (
	echExtType        uint16 = 0xfe0d // encrypted_client_hello
	echOuterExtsType  uint16 = 0xfd00 // ech_outer_extensions
	echClientOuter    uint8  = 0
	echClientInner    uint8  = 1
	echConfirmLen            = 8
	handshakeCH       uint8  = 1
	handshakeSH       uint8  = 2
	echInfoPrefix            = "tls ech\x00"
	echAcceptLabel           = "ech accept confirmation"
	echHRRAcceptLabel        = "hrr ech accept confirmation"
)

// Caps on ECHConfig contents, checked while decoding; exceeding one gives
// an error wrapping ErrTooLarge.
const (
	MaxECHConfigs          = 16  // ECHConfigs in one ECHConfigList
	MaxECHCipherSuites     = 64  // HpkeSymmetricCipherSuites in one ECHConfig
	MaxECHConfigExtensions = 32  // extensions in one ECHConfig
	maxECHOuterRefs        = 127 // ech_outer_extensions holds at most 254 bytes
)

// Errors of the ECH functions; each is wrapped with the detail.
var (
	// ErrECHMalformed: an ECHConfig, the outer ClientHello, its
	// encrypted_client_hello extension, the decrypted
	// EncodedClientHelloInner or its ech_outer_extensions reference does
	// not decode.
	ErrECHMalformed = errors.New("malformed encrypted client hello")
	// ErrNoECH: the ClientHello has no encrypted_client_hello extension of
	// the outer type.
	ErrNoECH = errors.New("no outer encrypted_client_hello extension")
	// ErrECHConfigMismatch: the ECHConfig is not the one the extension
	// names (config_id), or is of a version other than ECHConfigVersion.
	ErrECHConfigMismatch = errors.New("ECHConfig does not match the encrypted_client_hello extension")
	// ErrECHDecrypt: the payload did not authenticate under the secret
	// (the errors.Is of ErrHPKE holds too).
	ErrECHDecrypt = errors.New("encrypted client hello payload did not decrypt")
)

// ECHCipherSuite is an HpkeSymmetricCipherSuite.
type ECHCipherSuite struct {
	KDF, AEAD uint16
}

// ECHConfigExtension is one ECHConfigExtension; a Type with the high bit
// set is mandatory (RFC 9849 4.2).
type ECHConfigExtension struct {
	Type uint16
	Data []byte
}

// ECHConfig is a decoded ECHConfig (RFC 9849 4). Raw is the whole
// structure, version and length included: the HPKE info is "tls ech" ||
// 0x00 || Raw (section 6.1). A config of another version has only Raw and
// Version set.
type ECHConfig struct {
	Raw           []byte
	Version       uint16
	ConfigID      uint8
	KEM           uint16
	PublicKey     []byte
	CipherSuites  []ECHCipherSuite
	MaxNameLength uint8
	PublicName    string
	Extensions    []ECHConfigExtension
}

// ParseECHConfig decodes one ECHConfig, the value of a key log's
// ECH_CONFIG line; it must be exactly b. The result holds copies.
func ParseECHConfig(b []byte) (*ECHConfig, error) {
	s := cryptobyte.String(b)
	c, err := readECHConfig(&s)
	if err != nil {
		return nil, err
	}
	if !s.Empty() {
		return nil, fmt.Errorf("%w: %d bytes after the ECHConfig", ErrECHMalformed, len(s))
	}
	return c, nil
}

// ParseECHConfigList decodes an ECHConfigList (the value of an HTTPS
// record's ech parameter, of the server's retry_configs). Configs of
// unknown versions are kept with only Raw and Version set.
func ParseECHConfigList(b []byte) ([]*ECHConfig, error) {
	s := cryptobyte.String(b)
	var list cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&list) || !s.Empty() || len(list) < 4 {
		return nil, fmt.Errorf("%w: ECHConfigList framing", ErrECHMalformed)
	}
	var out []*ECHConfig
	for !list.Empty() {
		if len(out) == MaxECHConfigs {
			return out, fmt.Errorf("%w: more than %d ECHConfigs", ErrTooLarge, MaxECHConfigs)
		}
		c, err := readECHConfig(&list)
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
	return out, nil
}

func readECHConfig(s *cryptobyte.String) (*ECHConfig, error) {
	start := *s
	c := &ECHConfig{}
	var body cryptobyte.String
	if !s.ReadUint16(&c.Version) || !s.ReadUint16LengthPrefixed(&body) {
		return nil, fmt.Errorf("%w: ECHConfig header", ErrECHMalformed)
	}
	c.Raw = bytes.Clone(start[:len(start)-len(*s)])
	if c.Version != ECHConfigVersion {
		return c, nil
	}
	var pub, suites, name, exts cryptobyte.String
	if !body.ReadUint8(&c.ConfigID) || !body.ReadUint16(&c.KEM) ||
		!body.ReadUint16LengthPrefixed(&pub) || len(pub) == 0 ||
		!body.ReadUint16LengthPrefixed(&suites) || len(suites) < 4 || len(suites)%4 != 0 ||
		!body.ReadUint8(&c.MaxNameLength) ||
		!body.ReadUint8LengthPrefixed(&name) || len(name) == 0 ||
		!body.ReadUint16LengthPrefixed(&exts) || !body.Empty() {
		return nil, fmt.Errorf("%w: ECHConfigContents", ErrECHMalformed)
	}
	if len(suites)/4 > MaxECHCipherSuites {
		return nil, fmt.Errorf("%w: more than %d cipher suites in an ECHConfig", ErrTooLarge, MaxECHCipherSuites)
	}
	c.PublicKey = bytes.Clone(pub)
	c.PublicName = string(name)
	c.CipherSuites = make([]ECHCipherSuite, 0, len(suites)/4)
	for !suites.Empty() {
		var cs ECHCipherSuite
		suites.ReadUint16(&cs.KDF)
		suites.ReadUint16(&cs.AEAD)
		c.CipherSuites = append(c.CipherSuites, cs)
	}
	for !exts.Empty() {
		if len(c.Extensions) == MaxECHConfigExtensions {
			return nil, fmt.Errorf("%w: more than %d ECHConfig extensions", ErrTooLarge, MaxECHConfigExtensions)
		}
		var e ECHConfigExtension
		var data cryptobyte.String
		if !exts.ReadUint16(&e.Type) || !exts.ReadUint16LengthPrefixed(&data) {
			return nil, fmt.Errorf("%w: ECHConfig extension", ErrECHMalformed)
		}
		e.Data = bytes.Clone(data)
		c.Extensions = append(c.Extensions, e)
	}
	return c, nil
}

// rawExt is one extension of a hello: its type, body, and the body's
// offset in the message.
type rawExt struct {
	typ  uint16
	data []byte
	off  int
}

// helloParts is a ClientHello or ServerHello handshake message (with its
// 4-byte header) cut into the pieces ECH needs.
type helloParts struct {
	versionRandom []byte // legacy_version and random (34 bytes)
	sessionID     []byte
	suites        []byte // cipher_suites body (ClientHello); cipher_suite (ServerHello)
	compression   []byte // compression_methods body (ClientHello)
	exts          []rawExt
}

// splitHello cuts a hello handshake message of type typ (with its header).
func splitHello(msg []byte, typ uint8) (*helloParts, error) {
	s := cryptobyte.String(msg)
	var t uint8
	var body cryptobyte.String
	if !s.ReadUint8(&t) || t != typ || !s.ReadUint24LengthPrefixed(&body) || !s.Empty() {
		return nil, fmt.Errorf("%w: not a whole handshake message of type %d", ErrECHMalformed, typ)
	}
	h := &helloParts{}
	var sid, suites, comp, exts cryptobyte.String
	ok := body.ReadBytes(&h.versionRandom, 34) && body.ReadUint8LengthPrefixed(&sid) && len(sid) <= 32
	if typ == handshakeCH {
		ok = ok && body.ReadUint16LengthPrefixed(&suites) && body.ReadUint8LengthPrefixed(&comp)
	} else {
		var cs []byte
		ok = ok && body.ReadBytes(&cs, 3) // cipher_suite and legacy_compression_method
		suites = cs
	}
	ok = ok && body.ReadUint16LengthPrefixed(&exts) && body.Empty()
	if !ok {
		return nil, fmt.Errorf("%w: hello framing", ErrECHMalformed)
	}
	h.sessionID, h.suites, h.compression = sid, suites, comp
	for !exts.Empty() {
		var e rawExt
		var data cryptobyte.String
		if !exts.ReadUint16(&e.typ) || !exts.ReadUint16LengthPrefixed(&data) {
			return nil, fmt.Errorf("%w: hello extension framing", ErrECHMalformed)
		}
		e.data = data
		e.off = len(msg) - len(exts) - len(data)
		h.exts = append(h.exts, e)
	}
	return h, nil
}

// echOuter is the outer form of encrypted_client_hello (RFC 9849 5).
type echOuter struct {
	suite      ECHCipherSuite
	configID   uint8
	enc        []byte
	payload    []byte
	payloadOff int // in the ClientHello message
}

func findECHOuter(h *helloParts) (*echOuter, error) {
	for _, e := range h.exts {
		if e.typ != echExtType {
			continue
		}
		s := cryptobyte.String(e.data)
		var typ uint8
		if !s.ReadUint8(&typ) {
			return nil, fmt.Errorf("%w: empty encrypted_client_hello", ErrECHMalformed)
		}
		if typ != echClientOuter {
			return nil, fmt.Errorf("%w: encrypted_client_hello of type %d", ErrNoECH, typ)
		}
		o := &echOuter{}
		var enc, payload cryptobyte.String
		if !s.ReadUint16(&o.suite.KDF) || !s.ReadUint16(&o.suite.AEAD) || !s.ReadUint8(&o.configID) ||
			!s.ReadUint16LengthPrefixed(&enc) || !s.ReadUint16LengthPrefixed(&payload) ||
			len(payload) == 0 || !s.Empty() {
			return nil, fmt.Errorf("%w: outer encrypted_client_hello", ErrECHMalformed)
		}
		o.enc, o.payload = enc, payload
		o.payloadOff = e.off + len(e.data) - len(payload)
		return o, nil
	}
	return nil, ErrNoECH
}

// ECHContext decrypts the inner ClientHellos of one connection: the
// first ClientHello's, then after a HelloRetryRequest the second's, which
// the client seals with the same HPKE context (RFC 9849 6.1.5).
type ECHContext struct {
	config *ECHConfig
	secret []byte
	suite  ECHCipherSuite
	recv   *HPKEReceiver
}

// NewECHContext makes the context of one connection from a key log's
// ECH_SECRET (the HPKE KEM shared secret) and ECH_CONFIG (the ECHConfig
// the client used), both logged under the outer ClientHello's random.
func NewECHContext(echSecret, echConfig []byte) (*ECHContext, error) {
	c, err := ParseECHConfig(echConfig)
	if err != nil {
		return nil, err
	}
	if c.Version != ECHConfigVersion {
		return nil, fmt.Errorf("%w: ECHConfig version 0x%04x", ErrECHConfigMismatch, c.Version)
	}
	return &ECHContext{config: c, secret: bytes.Clone(echSecret)}, nil
}

// Config is the decoded ECHConfig of the context.
func (x *ECHContext) Config() *ECHConfig { return x.config }

// Open decrypts the encrypted_client_hello extension of outerClientHello
// (a ClientHello handshake message with its 4-byte header) and returns
// the inner ClientHello as a handshake message, header included: the
// EncodedClientHelloInner with its padding removed, its
// ech_outer_extensions expanded from the outer hello's extensions (RFC
// 9849 5.1) and the outer legacy_session_id put back. The AAD is the
// outer ClientHello without its header, the payload replaced by zeros
// (ClientHelloOuterAAD, 5.2). The first call opens with sequence number 0,
// the next (the ClientHello after a HelloRetryRequest) with 1; a failed
// call does not advance.
func (x *ECHContext) Open(outerClientHello []byte) ([]byte, error) {
	outer, err := splitHello(outerClientHello, handshakeCH)
	if err != nil {
		return nil, err
	}
	ech, err := findECHOuter(outer)
	if err != nil {
		return nil, err
	}
	if ech.configID != x.config.ConfigID {
		return nil, fmt.Errorf("%w: config_id %d, ECHConfig's is %d", ErrECHConfigMismatch, ech.configID, x.config.ConfigID)
	}
	if x.recv == nil {
		suite := HPKESuite{KEM: x.config.KEM, KDF: ech.suite.KDF, AEAD: ech.suite.AEAD}
		info := append([]byte(echInfoPrefix), x.config.Raw...)
		r, err := NewHPKEReceiver(suite, x.secret, info)
		if err != nil {
			return nil, err
		}
		x.recv, x.suite = r, ech.suite
	} else if ech.suite != x.suite {
		return nil, fmt.Errorf("%w: cipher suite changed from %04x/%04x to %04x/%04x after HelloRetryRequest",
			ErrECHMalformed, x.suite.KDF, x.suite.AEAD, ech.suite.KDF, ech.suite.AEAD)
	}
	aad := bytes.Clone(outerClientHello[4:])
	clear(aad[ech.payloadOff-4 : ech.payloadOff-4+len(ech.payload)])
	encoded, err := x.recv.Open(aad, ech.payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrECHDecrypt, err)
	}
	return decodeInner(outer, encoded)
}

// OpenECH decrypts the inner ClientHello of one outer ClientHello (a
// handshake message with its header) from a key log's ECH_SECRET and
// ECH_CONFIG; see ECHContext.Open. For the second ClientHello of a
// HelloRetryRequest exchange use one ECHContext for both.
func OpenECH(echSecret, echConfig, outerClientHello []byte) (inner []byte, err error) {
	x, err := NewECHContext(echSecret, echConfig)
	if err != nil {
		return nil, err
	}
	return x.Open(outerClientHello)
}

// decodeInner rebuilds the inner ClientHello message from an
// EncodedClientHelloInner and the outer hello.
func decodeInner(outer *helloParts, encoded []byte) ([]byte, error) {
	s := cryptobyte.String(encoded)
	var versionRandom []byte
	var sid, suites, comp, exts cryptobyte.String
	if !s.ReadBytes(&versionRandom, 34) || !s.ReadUint8LengthPrefixed(&sid) ||
		!s.ReadUint16LengthPrefixed(&suites) || !s.ReadUint8LengthPrefixed(&comp) ||
		!s.ReadUint16LengthPrefixed(&exts) {
		return nil, fmt.Errorf("%w: EncodedClientHelloInner framing", ErrECHMalformed)
	}
	if len(sid) != 0 {
		return nil, fmt.Errorf("%w: EncodedClientHelloInner has a %d-byte legacy_session_id, want none", ErrECHMalformed, len(sid))
	}
	for _, p := range s {
		if p != 0 {
			return nil, fmt.Errorf("%w: EncodedClientHelloInner padding is not zeros", ErrECHMalformed)
		}
	}
	var b cryptobyte.Builder
	var refErr error
	b.AddUint8(handshakeCH)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddBytes(versionRandom)
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(outer.sessionID) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(suites) })
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(comp) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			next := 0 // outer extensions before next are used up
			for !exts.Empty() {
				var typ uint16
				var data cryptobyte.String
				if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) {
					refErr = fmt.Errorf("%w: inner extension framing", ErrECHMalformed)
					return
				}
				if typ != echOuterExtsType {
					b.AddUint16(typ)
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(data) })
					continue
				}
				if next, refErr = expandOuter(b, outer.exts, data, next); refErr != nil {
					return
				}
			}
		})
	})
	if refErr != nil {
		return nil, refErr
	}
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: inner ClientHello too long: %v", ErrECHMalformed, err)
	}
	return out, nil
}

// expandOuter copies the outer extensions an ech_outer_extensions body
// names, in order: each must be found in the outer hello after the one
// the reference before it took (so at most once, and in the outer
// order); encrypted_client_hello and ech_outer_extensions cannot be named.
func expandOuter(b *cryptobyte.Builder, outerExts []rawExt, data cryptobyte.String, next int) (int, error) {
	var refs cryptobyte.String
	if !data.ReadUint8LengthPrefixed(&refs) || !data.Empty() || len(refs) < 2 || len(refs)%2 != 0 {
		return next, fmt.Errorf("%w: ech_outer_extensions framing", ErrECHMalformed)
	}
	var seen [maxECHOuterRefs]uint16
	n := 0
	for !refs.Empty() {
		var typ uint16
		refs.ReadUint16(&typ)
		if typ == echExtType || typ == echOuterExtsType {
			return next, fmt.Errorf("%w: ech_outer_extensions names extension %d", ErrECHMalformed, typ)
		}
		for _, t := range seen[:n] {
			if t == typ {
				return next, fmt.Errorf("%w: ech_outer_extensions names extension %d twice", ErrECHMalformed, typ)
			}
		}
		seen[n] = typ
		n++
		i := next
		for i < len(outerExts) && outerExts[i].typ != typ {
			i++
		}
		if i == len(outerExts) {
			return next, fmt.Errorf("%w: ech_outer_extensions names extension %d, not in the outer ClientHello after the ones before it", ErrECHMalformed, typ)
		}
		b.AddUint16(typ)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(outerExts[i].data) })
		next = i + 1
	}
	return next, nil
}

// ECHAcceptConfirmation computes an ECH accept confirmation (RFC 9849
// 7.2): HKDF-Expand-Label(HKDF-Extract(0, innerRandom), label,
// Transcript-Hash(transcript...), 8), with label "ech accept confirmation"
// or, for a HelloRetryRequest's, "hrr ech accept confirmation". The
// transcript messages are handshake messages with their 4-byte headers,
// the last with its confirmation zeroed; h is the negotiated suite's hash.
func ECHAcceptConfirmation(h crypto.Hash, innerRandom []byte, label string, transcript ...[]byte) ([]byte, error) {
	if !h.Available() {
		return nil, fmt.Errorf("%w: hash %v not available", ErrHPKE, h)
	}
	th := h.New()
	for _, m := range transcript {
		th.Write(m)
	}
	prk, err := hkdf.Extract(h.New, innerRandom, nil)
	if err != nil {
		return nil, err
	}
	return expandLabel(h, prk, label, th.Sum(nil), echConfirmLen)
}

// innerRandom returns the random of a ClientHello message.
func innerRandom(clientHello []byte) ([]byte, error) {
	h, err := splitHello(clientHello, handshakeCH)
	if err != nil {
		return nil, err
	}
	return h.versionRandom[2:], nil
}

// ECHAccepted reports whether serverHello (a handshake message with its
// header) accepts ECH (RFC 9849 7.2): whether the last 8 bytes of its
// random are the accept confirmation over ClientHelloInner and the
// ServerHello with those bytes zeroed. innerClientHello is the message
// OpenECH returned; h is the hash of the ServerHello's cipher suite.
func ECHAccepted(h crypto.Hash, innerClientHello, serverHello []byte) (bool, error) {
	return echAccepted(h, nil, innerClientHello, serverHello)
}

// ECHAcceptedAfterHRR is ECHAccepted for the ServerHello that follows a
// HelloRetryRequest: the transcript is message_hash(ClientHelloInner1),
// the HelloRetryRequest, ClientHelloInner2 and the ServerHello (RFC 8446
// 4.4.1).
func ECHAcceptedAfterHRR(h crypto.Hash, innerClientHello1, helloRetryRequest, innerClientHello2, serverHello []byte) (bool, error) {
	mh := messageHash(h, innerClientHello1)
	return echAccepted(h, [][]byte{mh, helloRetryRequest}, innerClientHello2, serverHello)
}

func echAccepted(h crypto.Hash, before [][]byte, innerCH, serverHello []byte) (bool, error) {
	random, err := innerRandom(innerCH)
	if err != nil {
		return false, err
	}
	sh, err := splitHello(serverHello, handshakeSH)
	if err != nil {
		return false, err
	}
	conf := bytes.Clone(serverHello)
	// The random is at offset 6 (type, length, legacy_version).
	got := sh.versionRandom[34-echConfirmLen:]
	clear(conf[6+32-echConfirmLen : 6+32])
	want, err := ECHAcceptConfirmation(h, random, echAcceptLabel, append(before, innerCH, conf)...)
	if err != nil {
		return false, err
	}
	return bytes.Equal(got, want), nil
}

// ECHAcceptedHRR reports whether a HelloRetryRequest (a ServerHello
// handshake message with the HelloRetryRequest random) accepts ECH (RFC
// 9849 7.2.1): whether its encrypted_client_hello extension holds the
// confirmation over message_hash(ClientHelloInner1) and the
// HelloRetryRequest with that extension's 8 bytes zeroed. A
// HelloRetryRequest without the extension gives false and no error.
func ECHAcceptedHRR(h crypto.Hash, innerClientHello1, helloRetryRequest []byte) (bool, error) {
	random, err := innerRandom(innerClientHello1)
	if err != nil {
		return false, err
	}
	hrr, err := splitHello(helloRetryRequest, handshakeSH)
	if err != nil {
		return false, err
	}
	for _, e := range hrr.exts {
		if e.typ != echExtType {
			continue
		}
		if len(e.data) != echConfirmLen {
			return false, fmt.Errorf("%w: HelloRetryRequest encrypted_client_hello is %d bytes, want %d", ErrECHMalformed, len(e.data), echConfirmLen)
		}
		conf := bytes.Clone(helloRetryRequest)
		clear(conf[e.off : e.off+echConfirmLen])
		want, err := ECHAcceptConfirmation(h, random, echHRRAcceptLabel, messageHash(h, innerClientHello1), conf)
		if err != nil {
			return false, err
		}
		return bytes.Equal(e.data, want), nil
	}
	return false, nil
}

// messageHash is the synthetic message_hash handshake message that
// replaces ClientHello1 in the transcript after a HelloRetryRequest.
func messageHash(h crypto.Hash, clientHello1 []byte) []byte {
	d := h.New()
	d.Write(clientHello1)
	return messageHashOf(d.Sum(nil))
}
