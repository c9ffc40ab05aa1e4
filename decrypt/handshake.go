package decrypt

import (
	"bytes"
	"errors"
)

// ErrRSAKeyMismatch: RSA private keys were given, but none is the server
// certificate's.
var ErrRSAKeyMismatch = errors.New("no RSA key given matches the server certificate")

// Handshake is the key material of one handshake as an observer learns it:
// the hellos' randoms and choices, the master secret (SSL 3.0 - TLS 1.2) or
// the traffic secrets (TLS 1.3), and the transcript that Finished messages
// and the extended master secret are computed over. The connection state
// machine makes one at each ClientHello that starts a handshake (a
// renegotiation starts a new one), feeds it the handshake messages that
// belong in the transcript, and asks it for ciphers; it holds no record
// state (see RecordProtection). Fields are read-only outside this package.
type Handshake struct {
	ClientRandom []byte
	ServerRandom []byte
	Version      uint16 // selected by the ServerHello
	SuiteID      uint16
	Suite        *Suite // nil when the suite cannot be decrypted
	Compression  uint8
	Master       []byte // SSL 3.0 - TLS 1.2, once known
	MasterFrom   string // where Master came from ("key log", "resumed session", ...)
	// masterAlts are the other master secrets a self-contradicting key
	// log gave for ClientRandom (ErrConflictingSecret), for
	// TryOtherMasters.
	masterAlts [][]byte
	// HandshakeSecret and AppSecret are the TLS 1.3 traffic secrets by
	// side, nil where the key log has none.
	HandshakeSecret [2][]byte
	AppSecret       [2][]byte
	// DTLS13 is set by the caller for a DTLS 1.3 handshake: its Finished
	// keys have DTLS 1.3's label prefix.
	DTLS13 bool

	transcript *Transcript
	sessionID  []byte // offered by the client
	ticket     []byte // offered by the client (session_ticket extension)
	ems, etm   bool
	// opaque is set for a side when one of its protected records was not
	// decrypted after the ServerHello: the transcript may lack messages.
	opaque [2]bool
}

// NewHandshake starts the key state of a handshake.
func NewHandshake() *Handshake { return &Handshake{transcript: NewTranscript()} }

// isTLS13 tells TLS 1.3 and its drafts (0x7fxx).
func isTLS13(v uint16) bool { return v == VersionTLS13 || v>>8 == 0x7f }

// ClientHello records what a ClientHello offers: its random, the session
// ID and ticket it offers to resume, and whether it offers the extended
// master secret (RFC 7627). After a HelloRetryRequest the second
// ClientHello replaces the first's values.
func (h *Handshake) ClientHello(random, sessionID, ticket []byte, ems bool) {
	h.ClientRandom = bytes.Clone(random)
	h.sessionID, h.ticket, h.ems = sessionID, ticket, ems
}

// ServerHello records what the ServerHello settled (the extended master
// secret and encrypt-then-MAC as the server acknowledged them) and looks
// the suite up: ErrUnknownSuite when it is not in the table,
// ErrUnsupportedCipher when its cipher is not built in; Suite then stays
// nil and nothing of the handshake decrypts. From here the transcript
// keeps only the hash the version and suite need.
func (h *Handshake) ServerHello(random []byte, version, suite uint16, compression uint8, ems, etm bool) error {
	h.ServerRandom = bytes.Clone(random)
	h.Version, h.SuiteID, h.Compression = version, suite, compression
	h.ems = h.ems && ems
	h.etm = etm
	s, ok := LookupSuite(suite)
	switch {
	case !ok:
		h.transcript.Drop()
		return ErrUnknownSuite
	case !s.Available:
		h.transcript.Drop()
		return ErrUnsupportedCipher
	}
	h.Suite = s
	if version>>8 == 0x7f {
		h.transcript.Drop() // TLS 1.3 drafts are not decrypted
	} else {
		h.transcript.Need(sessionHashes(version, s)...)
	}
	return nil
}

// AddMessage adds a handshake message (header and body, as on the wire) to
// the transcript. raw is kept, not copied, until it is hashed: the caller
// must not change it (parser.HandshakeReader's messages are fresh copies).
func (h *Handshake) AddMessage(raw []byte) { h.transcript.add(raw) }

// HelloRetryRequest replaces ClientHello1 in the transcript by a
// message_hash message (RFC 8446 4.4.1), with the hash of the suite the
// HelloRetryRequest names (nothing changes if it is not a TLS 1.3 suite).
// Call it before adding the HelloRetryRequest.
func (h *Handshake) HelloRetryRequest(suite uint16) {
	s, ok := LookupSuite(suite)
	if !ok || !s.TLS13 {
		return
	}
	t := NewTranscript()
	t.Write(messageHashOf(h.transcript.Sum(s.PRFHash)))
	h.transcript = t
}

// messageHashOf is the synthetic message_hash handshake message (RFC 8446
// 4.4.1) that stands for a ClientHello1 whose hash is digest.
func messageHashOf(digest []byte) []byte {
	return append([]byte{typeMessageHash, 0, 0, byte(len(digest))}, digest...)
}

// typeMessageHash is the message_hash handshake type (RFC 8446 4.4.1).
const typeMessageHash = 254

// SetOpaque tells that a protected record of side s was not decrypted
// after the ServerHello: the transcript lacks what it held, so no
// Finished of this handshake can be checked, and the transcript is let go.
func (h *Handshake) SetOpaque(s Side) {
	h.opaque[s] = true
	h.transcript.Drop()
}

// DropTranscript tells that a message the transcript should hold is not
// known as it was hashed (DTLS: a message whose DTLS form the transport
// did not give): no Finished of this handshake can be checked, and the
// transcript is let go.
func (h *Handshake) DropTranscript() { h.transcript.Drop() }

// FinishedVerifyData is the verify_data that the Finished of side s must
// carry, from the transcript so far (which does not yet include that
// Finished). ok is false when it cannot be told: no suite, no master
// secret (TLS 1.3: no handshake traffic secret of s), or a protected
// record of the handshake that was not decrypted.
func (h *Handshake) FinishedVerifyData(s Side) (want []byte, ok bool) {
	if h.Suite == nil || h.opaque[Client] || h.opaque[Server] || h.transcript.dropped {
		return nil, false
	}
	var err error
	if isTLS13(h.Version) {
		if h.HandshakeSecret[s] == nil {
			return nil, false
		}
		f := FinishedVerifyData13
		if h.DTLS13 {
			f = FinishedVerifyDataDTLS13
		}
		want, err = f(h.Suite, h.HandshakeSecret[s], h.transcript.Sum(h.Suite.PRFHash))
	} else {
		if h.Master == nil {
			return nil, false
		}
		want, err = FinishedVerifyData(h.Version, h.Suite, h.Master, h.transcript, s == Client)
	}
	return want, err == nil
}

// TrafficSecrets takes the TLS 1.3 traffic secrets of both sides from the
// key log. Without a handshake traffic secret for either side no Finished
// can be checked: the transcript is let go; with one, it hashes from now.
func (h *Handshake) TrafficSecrets(log *KeyLog) {
	get := func(label string) []byte {
		s, _ := log.Lookup(label, h.ClientRandom)
		return s
	}
	h.HandshakeSecret[Client] = get(LabelClientHandshakeTrafficSecret)
	h.HandshakeSecret[Server] = get(LabelServerHandshakeTrafficSecret)
	h.AppSecret[Client] = get(LabelClientTrafficSecret0)
	h.AppSecret[Server] = get(LabelServerTrafficSecret0)
	if h.HandshakeSecret[Client] == nil && h.HandshakeSecret[Server] == nil {
		h.transcript.Drop()
	} else {
		h.transcript.begin()
	}
}

// EarlyCipher makes the client's 0-RTT cipher (RFC 8446 4.2.10) from the
// key log's CLIENT_EARLY_TRAFFIC_SECRET for the handshake's client random,
// or returns nil. Its suite is the PSK's, which the ClientHello does not
// name: the first offered TLS 1.3 suite (offered, in ClientHello order)
// whose hash length the secret fits is our best knowledge before the
// ServerHello.
func (h *Handshake) EarlyCipher(log *KeyLog, offered []uint16) *HalfConn {
	secret, ok := log.Lookup(LabelClientEarlyTrafficSecret, h.ClientRandom)
	if !ok {
		return nil
	}
	for _, id := range offered {
		s, ok := LookupSuite(id)
		if !ok || !s.TLS13 || !s.Available || s.PRFHash.Size() != len(secret) {
			continue
		}
		hc, err := NewHalfConn13(s, secret)
		if err != nil {
			return nil
		}
		return hc
	}
	return nil
}

// RSAExchange is what a static-RSA key exchange shows: the encrypted
// pre-master secret of the ClientKeyExchange, the server's certificate
// (DER, nil when none was seen) and the ClientHello's legacy_version,
// which the pre-master secret starts with.
type RSAExchange struct {
	EncryptedPreMaster []byte
	ServerCert         []byte
	ClientVersion      uint16
}

// FindMaster looks for the master secret of an SSL 3.0 - TLS 1.2
// handshake, in this order: the key log (CLIENT_RANDOM), a pre-master
// secret (the key log's PMS_CLIENT_RANDOM or RSA lines, or an RSA private
// key for the server certificate), and, when resumed, the session cache.
// Once found, it derives the key block and returns each side's cipher for
// its next change_cipher_spec (found; a side whose cipher cannot be made
// gets nil). It returns the problems met, in order: ErrRSAKeyMismatch,
// errors wrapping ErrPreMaster or ErrPreMasterVersion (the RSA decryption)
// and others (key derivation). It does nothing once the master secret is
// known, or without a suite or a key store.
func (h *Handshake) FindMaster(ks *KeyStore, rsa RSAExchange, resumed bool) (pending [2]*HalfConn, found bool, errs []error) {
	if h.Suite == nil || h.Master != nil || ks == nil {
		return pending, false, nil
	}
	log := ks.Log
	if ms := log.LookupAll(LabelClientRandom, h.ClientRandom); len(ms) > 0 {
		h.Master, h.MasterFrom, h.masterAlts = ms[0], "key log", ms[1:]
	} else if pms, ok := log.Lookup(LabelPMSClientRandom, h.ClientRandom); ok {
		errs = h.masterFromPMS(errs, pms, "key log (pre-master secret)")
	} else if len(rsa.EncryptedPreMaster) > 0 {
		errs = h.masterFromRSA(errs, ks, rsa)
	}
	if h.Master == nil && resumed {
		if s, ok := ks.resume(h.sessionID, h.ticket); ok && s.suite == h.SuiteID && s.version == h.Version {
			h.Master, h.MasterFrom = s.master, "resumed session"
		}
	}
	if h.Master == nil {
		return pending, false, errs
	}
	pending, err := h.ciphers12(h.Master)
	if err != nil {
		h.Master = nil
		return pending, false, append(errs, err)
	}
	h.transcript.begin() // the Finished messages will be checked
	return pending, true, errs
}

// ciphers12 derives each side's cipher from a master secret.
func (h *Handshake) ciphers12(master []byte) (ciphers [2]*HalfConn, err error) {
	kb, err := KeysFromMasterSecret(h.Version, h.Suite, master, h.ClientRandom, h.ServerRandom)
	if err != nil {
		return ciphers, err
	}
	for s, k := range [2][3][]byte{{kb.ClientMAC, kb.ClientKey, kb.ClientIV}, {kb.ServerMAC, kb.ServerKey, kb.ServerIV}} {
		hc, e := NewHalfConn12(h.Version, h.Suite, k[0], k[1], k[2], h.etm, h.Compression)
		if e != nil {
			err = e
		}
		ciphers[s] = hc
	}
	return ciphers, err
}

// TryOtherMasters is for the first record of side s under a key-log
// master secret, when it did not verify and the key log gave other master
// secrets for the client random (a conflicting duplicate line): each is
// tried on the record, and the one under which it verifies becomes
// Master. It returns that master's ciphers (s's has opened the record, at
// sequence 1), the record's plaintext and inner type, and how many master
// secrets the key log held; ok is false when none verifies. The others
// are tried once only.
func (h *Handshake) TryOtherMasters(s Side, contentType uint8, version uint16, payload []byte) (ciphers [2]*HalfConn, plain []byte, inner uint8, held int, ok bool) {
	alts := h.masterAlts
	h.masterAlts = nil
	for _, m := range alts {
		cs, err := h.ciphers12(m)
		if err != nil || cs[s] == nil {
			continue
		}
		pt, it, mr, err := cs[s].Decrypt(contentType, version, payload)
		if mr != MACOK || err != nil {
			continue
		}
		h.Master = m
		return cs, pt, it, len(alts) + 1, true
	}
	return ciphers, nil, 0, len(alts) + 1, false
}

// HasOtherMasters reports whether TryOtherMasters has secrets to try.
func (h *Handshake) HasOtherMasters() bool { return len(h.masterAlts) > 0 }

// masterFromRSA finds the pre-master secret of a static-RSA exchange: in
// the key log's RSA lines, else with the RSA private key of the server
// certificate.
func (h *Handshake) masterFromRSA(errs []error, ks *KeyStore, rsa RSAExchange) []error {
	if pms, ok := ks.Log.LookupRSA(rsa.EncryptedPreMaster); ok {
		return h.masterFromPMS(errs, pms, "key log (RSA)")
	}
	if len(rsa.ServerCert) == 0 || ks.RSA == nil || ks.RSA.Len() == 0 {
		return errs
	}
	key, ok := ks.RSA.Match(rsa.ServerCert)
	if !ok {
		return append(errs, ErrRSAKeyMismatch)
	}
	pms, err := DecryptPreMaster(key, rsa.EncryptedPreMaster, rsa.ClientVersion)
	if err != nil {
		errs = append(errs, err)
	}
	if pms != nil {
		errs = h.masterFromPMS(errs, pms, "RSA private key")
	}
	return errs
}

// masterFromPMS derives the master secret from a pre-master secret, with
// the extended master secret's session hash when negotiated (the
// transcript up to the ClientKeyExchange, which has just been added).
func (h *Handshake) masterFromPMS(errs []error, pms []byte, from string) []error {
	var sessionHash []byte
	if h.ems {
		var err error
		sessionHash, err = h.transcript.SessionHash(h.Version, h.Suite)
		if err != nil {
			return append(errs, err)
		}
	}
	m, err := MasterFromPreMaster(h.Version, h.Suite, pms, h.ClientRandom, h.ServerRandom, sessionHash)
	if err != nil {
		return append(errs, err)
	}
	h.Master, h.MasterFrom = m, from
	return errs
}

// Remember caches the handshake's session (its master secret, version and
// suite) under the session ID and the ticket the server gave, for later
// connections that resume it. Without a master secret, or with a nil
// KeyStore, nothing is cached.
func (k *KeyStore) Remember(h *Handshake, sessionID, ticket []byte) {
	k.remember(sessionID, ticket, cachedSession{version: h.Version, suite: h.SuiteID, master: h.Master})
}
