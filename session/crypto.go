package session

import (
	"github.com/ssldissect/ssldissect/parser"

	"bytes"
	"encoding/hex"
	"fmt"

	"github.com/ssldissect/ssldissect/decrypt"
)

// hsCrypto is the key state of one handshake (a renegotiation starts a new
// one). Directions are indexed by Dir.
type hsCrypto struct {
	transcript   *decrypt.Transcript
	clientRandom []byte
	serverRandom []byte
	sessionID    []byte // offered by the client
	ticket       []byte // offered by the client (session_ticket extension)
	version      uint16
	suite        *decrypt.Suite
	suiteID      uint16
	ems, etm     bool
	compression  uint8
	master       []byte
	keys         *decrypt.KeyBlock
	masterFrom   string
	// TLS 1.3 traffic secrets.
	hsSecret  [2][]byte
	appSecret [2][]byte
	// opaque is set when a protected record of a direction was not
	// decrypted after the ServerHello: the transcript may lack messages.
	opaque [2]bool
}

// connCrypto is a connection's decryption state.
type connCrypto struct {
	keys *decrypt.KeyStore
	hs   *hsCrypto
	// read is the current cipher of each direction; next lists the ciphers
	// a TLS 1.3 direction may move to (tried in order when the current one
	// does not verify: early data rejected, partial key logs).
	read [2]*decrypt.HalfConn
	next [2][]*decrypt.HalfConn
	// pending is the cipher each direction takes at its next
	// change_cipher_spec (SSL 3.0 - TLS 1.2).
	pending  [2]*decrypt.HalfConn
	early    *decrypt.HalfConn // the client's 0-RTT cipher
	verified [2]bool           // a record verified under the current TLS 1.3 key
	// lost is set after a gap: records (and so sequence numbers) may be
	// missing, and the next record is tried at the following numbers.
	lost        [2]bool
	missingNote bool
	failNoted   [2]bool // a mac_failed note was filed for the direction
	finished    [2]int  // Finished messages verified per direction
}

// SetKeys gives the connection the run's key material.
func (c *Conn) SetKeys(k *decrypt.KeyStore) { c.crypto.keys = k }

// FinishedVerified tells, per direction, whether a Finished message was
// checked against the handshake transcript: 1 verified, -1 failed, 0 not
// checked.
func (c *Conn) FinishedVerified() [2]int { return c.crypto.finished }

// hsTranscript feeds one handshake message (header and body, as on the
// wire) to the transcript, starting a new handshake state at a ClientHello
// that does not follow a HelloRetryRequest.
func (c *Conn) hsTranscript(d Dir, msg parser.Message, raw []byte) {
	cc := &c.crypto
	if ch, ok := msg.(*parser.ClientHello); ok && d == ClientToServer {
		if cc.hs == nil || !c.hrrPending {
			cc.hs = &hsCrypto{transcript: decrypt.NewTranscript()}
		}
		h := cc.hs
		h.clientRandom = bytes.Clone(ch.Random[:])
		h.sessionID = ch.SessionID
		if e := ch.Extension(parser.ExtSessionTicket); e != nil {
			if st, ok := e.Parsed.(parser.SessionTicketExt); ok {
				h.ticket = st.Ticket
			}
		}
		h.ems = ch.Extension(parser.ExtExtendedMasterSecret) != nil
	}
	if cc.hs == nil {
		return
	}
	if parser.Version(cc.hs.version).IsTLS13() {
		switch msg.(type) {
		case *parser.NewSessionTicket, *parser.KeyUpdate:
			// Post-handshake messages (RFC 8446 4.6) are not in the
			// transcript; a server sends its tickets before it reads
			// the client's Finished.
			return
		}
	}
	if sh, ok := msg.(*parser.ServerHello); ok && sh.IsHelloRetryRequest() {
		// RFC 8446 4.4.1: ClientHello1 is replaced by a message_hash.
		if s, ok := decrypt.LookupSuite(uint16(sh.CipherSuite)); ok && s.TLS13 {
			ch1 := cc.hs.transcript.Sum(s.PRFHash)
			t := decrypt.NewTranscript()
			t.Write([]byte{byte(parser.HandshakeTypeMessageHash), 0, 0, byte(len(ch1))})
			t.Write(ch1)
			cc.hs.transcript = t
		}
		c.hrrPending = true
	} else if _, ok := msg.(*parser.ClientHello); ok {
		c.hrrPending = false
	}
	cc.hs.transcript.Write(raw)
}

// afterServerHello sets up what the ServerHello settles.
func (c *Conn) afterServerHello(sh *parser.ServerHello) {
	h := c.crypto.hs
	if h == nil {
		return
	}
	h.serverRandom = bytes.Clone(sh.Random[:])
	h.version = uint16(sh.SelectedVersion())
	h.suiteID = uint16(sh.CipherSuite)
	h.compression = uint8(sh.Compression)
	h.ems = h.ems && sh.Extension(parser.ExtExtendedMasterSecret) != nil
	h.etm = sh.Extension(parser.ExtEncryptThenMAC) != nil
	s, ok := decrypt.LookupSuite(h.suiteID)
	if !ok {
		c.keyNote("unsupported_suite", fmt.Sprintf("no decryption for %s", parser.CipherSuite(h.suiteID)))
		return
	}
	if !s.Available {
		c.keyNote("unsupported_suite", fmt.Sprintf("the cipher of %s is not built in", parser.CipherSuite(h.suiteID)))
		return
	}
	h.suite = s
	if parser.Version(h.version).IsTLS13() {
		if h.version != uint16(parser.VersionTLS13) {
			c.keyNote("unsupported_version", "TLS 1.3 drafts are not decrypted")
			return
		}
		c.setup13()
		return
	}
	// SSL 3.0 - TLS 1.2: the key log may already name the master secret.
	c.findMaster(nil)
}

// keyNote files a note about decryption once per code.
func (c *Conn) keyNote(code NoteCode, detail string) {
	for _, n := range c.Notes {
		if n.Code == code {
			return
		}
	}
	c.note(Note{Code: code, Detail: detail})
}

// findMaster looks for the master secret of a TLS 1.2-or-older handshake:
// the key log (CLIENT_RANDOM), a pre-master secret (key log PMS_CLIENT_RANDOM
// or RSA, or an RSA private key), or the session cache on resumption.
func (c *Conn) findMaster(cke *parser.ClientKeyExchange) {
	cc := &c.crypto
	h := cc.hs
	if h == nil || h.suite == nil || h.master != nil || cc.keys == nil {
		return
	}
	log := cc.keys.Log
	if m, ok := log.Lookup(decrypt.LabelClientRandom, h.clientRandom); ok {
		h.master, h.masterFrom = m, "key log"
	} else if pms, ok := log.Lookup(decrypt.LabelPMSClientRandom, h.clientRandom); ok {
		c.masterFromPMS(pms, "key log (pre-master secret)")
	} else if cke != nil && len(cke.EncryptedPreMaster) > 0 {
		if pms, ok := log.LookupRSA(cke.EncryptedPreMaster); ok {
			c.masterFromPMS(pms, "key log (RSA)")
		} else if len(c.ServerCerts) > 0 && cc.keys.RSA != nil && cc.keys.RSA.Len() > 0 {
			key, ok := cc.keys.RSA.Match(c.serverCertDER)
			if !ok {
				c.keyNote("rsa_key_mismatch", "no RSA key given matches the server certificate")
			} else {
				cv := uint16(0)
				if c.ClientHello != nil {
					cv = uint16(c.ClientHello.LegacyVersion)
				}
				pms, err := decrypt.DecryptPreMaster(key, cke.EncryptedPreMaster, cv)
				if err != nil {
					c.keyNote("rsa_decrypt_failed", err.Error())
				}
				if pms != nil {
					c.masterFromPMS(pms, "RSA private key")
				}
			}
		}
	}
	if h.master == nil && c.Resumed {
		if v, s, m, ok := cc.keys.Resume(h.sessionID, h.ticket); ok && s == h.suiteID && v == h.version {
			h.master, h.masterFrom = m, "resumed session"
		}
	}
	if h.master == nil {
		return
	}
	keys, err := decrypt.KeysFromMasterSecret(h.version, h.suite, h.master, h.clientRandom, h.serverRandom)
	if err != nil {
		c.keyNote("key_derivation_failed", err.Error())
		h.master = nil
		return
	}
	h.keys = keys
	mk := func(mac, key, iv []byte) *decrypt.HalfConn {
		hc, err := decrypt.NewHalfConn12(h.version, h.suite, mac, key, iv, h.etm, h.compression)
		if err != nil {
			c.keyNote("key_derivation_failed", err.Error())
			return nil
		}
		return hc
	}
	cc.pending[ClientToServer] = mk(keys.ClientMAC, keys.ClientKey, keys.ClientIV)
	cc.pending[ServerToClient] = mk(keys.ServerMAC, keys.ServerKey, keys.ServerIV)
}

// masterFromPMS derives the master secret from a pre-master secret, with
// the extended master secret's session hash when negotiated (the
// transcript up to the ClientKeyExchange, which has just been added).
func (c *Conn) masterFromPMS(pms []byte, from string) {
	h := c.crypto.hs
	var sessionHash []byte
	if h.ems {
		var err error
		sessionHash, err = h.transcript.SessionHash(h.version, h.suite)
		if err != nil {
			c.keyNote("key_derivation_failed", err.Error())
			return
		}
	}
	m, err := decrypt.MasterFromPreMaster(h.version, h.suite, pms, h.clientRandom, h.serverRandom, sessionHash)
	if err != nil {
		c.keyNote("key_derivation_failed", err.Error())
		return
	}
	h.master, h.masterFrom = m, from
}

// changeCipherSpec switches a direction to its pending cipher (SSL 3.0 -
// TLS 1.2).
func (c *Conn) changeCipherSpec(d Dir) {
	cc := &c.crypto
	if cc.hs != nil && cc.hs.master == nil {
		c.findMaster(nil)
	}
	cc.read[d] = cc.pending[d]
	cc.pending[d] = nil
}

// setup13 prepares the TLS 1.3 ciphers from the key log's traffic secrets.
func (c *Conn) setup13() {
	cc := &c.crypto
	h := cc.hs
	if cc.keys == nil {
		return
	}
	log := cc.keys.Log
	get := func(label string) []byte {
		s, _ := log.Lookup(label, h.clientRandom)
		return s
	}
	h.hsSecret[ClientToServer] = get(decrypt.LabelClientHandshakeTrafficSecret)
	h.hsSecret[ServerToClient] = get(decrypt.LabelServerHandshakeTrafficSecret)
	h.appSecret[ClientToServer] = get(decrypt.LabelClientTrafficSecret0)
	h.appSecret[ServerToClient] = get(decrypt.LabelServerTrafficSecret0)
	for d := ClientToServer; d <= ServerToClient; d++ {
		var list []*decrypt.HalfConn
		for _, secret := range [][]byte{h.hsSecret[d], h.appSecret[d]} {
			if secret == nil {
				continue
			}
			hc, err := decrypt.NewHalfConn13(h.suite, secret)
			if err != nil {
				c.keyNote("key_derivation_failed", err.Error())
				continue
			}
			list = append(list, hc)
		}
		// The client's early data (if any) was already decrypted with the
		// early secret; its handshake flight follows.
		if d == ClientToServer && cc.read[d] != nil {
			cc.next[d] = list
			continue
		}
		if len(list) > 0 {
			cc.read[d], cc.next[d] = list[0], list[1:]
		}
	}
}

// setupEarly prepares the client's 0-RTT cipher after a ClientHello that
// offers early data.
func (c *Conn) setupEarly(ch *parser.ClientHello) {
	cc := &c.crypto
	if cc.keys == nil || cc.hs == nil || ch.Extension(parser.ExtEarlyData) == nil {
		return
	}
	secret, ok := cc.keys.Log.Lookup(decrypt.LabelClientEarlyTrafficSecret, cc.hs.clientRandom)
	if !ok {
		return
	}
	// The early data's suite is the PSK's: the first offered TLS 1.3 suite
	// that the key log's secret length fits is our best knowledge before
	// the ServerHello.
	for _, cs := range ch.CipherSuites {
		s, ok := decrypt.LookupSuite(uint16(cs))
		if !ok || !s.TLS13 || !s.Available || s.PRFHash.Size() != len(secret) {
			continue
		}
		hc, err := decrypt.NewHalfConn13(s, secret)
		if err == nil {
			cc.read[ClientToServer] = hc
			cc.early = hc
			c.earlyData = true
		}
		return
	}
}

// advance13 moves a TLS 1.3 direction to its next cipher (after its
// Finished, or after EndOfEarlyData).
func (c *Conn) advance13(d Dir) {
	cc := &c.crypto
	cc.verified[d] = false
	if len(cc.next[d]) > 0 {
		cc.read[d], cc.next[d] = cc.next[d][0], cc.next[d][1:]
	} else {
		cc.read[d] = nil
	}
}

// decryptRecord decrypts a protected record. ok is false when there is no
// key for it (the record stays opaque).
func (c *Conn) decryptRecord(d Dir, rec parser.Record) (plain []byte, inner parser.ContentType, mac decrypt.MACResult, ok bool) {
	cc := &c.crypto
	hc := cc.read[d]
	if hc == nil {
		c.noKeyNote()
		return nil, 0, decrypt.MACNone, false
	}
	seq := hc.Seq()
	pt, it, m, err := hc.Decrypt(uint8(rec.Type), uint16(rec.Version), rec.Payload)
	if m == decrypt.MACFailed && hc.Suite().TLS13 {
		// Trial decryption: a record under the next key (a partial key
		// log, a Finished we did not see).
		hc.SetSequence(seq)
		for i, cand := range cc.next[d] {
			cseq := cand.Seq()
			p2, t2, m2, err2 := cand.Decrypt(uint8(rec.Type), uint16(rec.Version), rec.Payload)
			if m2 == decrypt.MACOK && err2 == nil {
				cc.read[d], cc.next[d] = cand, cc.next[d][i+1:]
				cc.verified[d] = true
				return p2, parser.ContentType(t2), decrypt.MACOK, true
			}
			cand.SetSequence(cseq)
		}
		if !cc.verified[d] && cc.hs != nil && cc.hs.hsSecret[d] == nil {
			// Only later secrets are known: records before them stay
			// encrypted, they did not fail.
			c.noKeyNote()
			return nil, 0, decrypt.MACNone, false
		}
		hc.SetSequence(seq + 1)
	}
	if m == decrypt.MACFailed && cc.lost[d] {
		if p2, t2, ok := c.resyncSequence(d, hc, seq, rec); ok {
			pt, it, m, err = p2, t2, decrypt.MACOK, nil
		}
	}
	if m == decrypt.MACOK {
		cc.verified[d] = true
		cc.lost[d] = false
	}
	if err != nil && pt == nil {
		c.keyNote("decrypt_error", err.Error())
		return nil, 0, decrypt.MACFailed, m == decrypt.MACFailed
	}
	if m == decrypt.MACFailed && pt == nil {
		return nil, 0, m, true
	}
	return pt, parser.ContentType(it), m, true
}

// noKeyNote says once which key a connection lacks.
func (c *Conn) noKeyNote() {
	cc := &c.crypto
	if cc.missingNote {
		return
	}
	cc.missingNote = true
	cr := ""
	if cc.hs != nil {
		cr = hex.EncodeToString(cc.hs.clientRandom)
	}
	switch {
	case cc.hs == nil || cc.hs.clientRandom == nil:
		c.note(Note{Code: "no_keys", Detail: "encrypted records without a handshake: nothing to find keys by"})
	case cc.hs.suite == nil:
		c.note(Note{Code: "no_keys", Detail: "the cipher suite cannot be decrypted"})
	case parser.Version(cc.hs.version).IsTLS13():
		c.note(Note{Code: "no_keys", Detail: "no TLS 1.3 traffic secrets in the key log for client random " + cr})
	default:
		detail := "no CLIENT_RANDOM in the key log for client random " + cr
		if c.KeyExchange.Kind == "RSA" {
			detail += ", and no RSA private key for the server certificate"
		}
		c.note(Note{Code: "no_keys", Detail: detail})
	}
}

// opaqueRecord notes a protected record of d that was not decrypted.
func (c *Conn) opaqueRecord(d Dir) {
	if h := c.crypto.hs; h != nil && c.ServerHello != nil {
		h.opaque[d] = true
	}
}

// verifyFinished checks a Finished message's verify_data against the
// transcript (which does not yet include it). With records missing from
// the transcript (only one direction's TLS 1.3 secrets) it cannot tell.
func (c *Conn) verifyFinished(d Dir, f *parser.Finished, ev *RecordEvent) {
	cc := &c.crypto
	h := cc.hs
	if h == nil || h.suite == nil || h.opaque[ClientToServer] || h.opaque[ServerToClient] {
		return
	}
	var want []byte
	var err error
	if parser.Version(h.version).IsTLS13() {
		if h.hsSecret[d] == nil {
			return
		}
		want, err = decrypt.FinishedVerifyData13(h.suite, h.hsSecret[d], h.transcript.Sum(h.suite.PRFHash))
	} else {
		if h.master == nil {
			return
		}
		want, err = decrypt.FinishedVerifyData(h.version, h.suite, h.master, h.transcript, d == ClientToServer)
	}
	if err != nil {
		return
	}
	if bytes.Equal(want, f.VerifyData) {
		cc.finished[d] = 1
		return
	}
	cc.finished[d] = -1
	ev.Notes = append(ev.Notes, c.recordNote(d, ev.Offset, ev.Packet, "finished_mismatch",
		fmt.Errorf("verify_data %x, the transcript gives %x", f.VerifyData, want)))
}

// afterHandshakeMessage updates keys after a message has been added to the
// transcript.
func (c *Conn) afterHandshakeMessage(d Dir, msg parser.Message) {
	cc := &c.crypto
	h := cc.hs
	switch m := msg.(type) {
	case *parser.ClientHello:
		if d == ClientToServer && !c.hrrPending {
			c.setupEarly(m)
		}
	case *parser.ServerHello:
		if !m.IsHelloRetryRequest() {
			c.afterServerHello(m)
		}
	case *parser.ClientKeyExchange:
		c.findMaster(m)
	case *parser.EncryptedExtensions:
		if c.EarlyData != "" || c.earlyData {
			c.earlyVerdict(m.Extension(parser.ExtEarlyData) != nil)
		}
	case *parser.EndOfEarlyData:
		c.advance13(ClientToServer)
	case *parser.Finished:
		if h != nil && parser.Version(h.version).IsTLS13() {
			c.advance13(d)
		} else if h != nil && h.master != nil && d == ServerToClient {
			// The session the server named can be resumed by its id.
			cc.keys.Remember(c.serverSessionID(), nil, h.version, h.suiteID, h.master)
		}
	case *parser.NewSessionTicket:
		if h != nil && h.master != nil && !m.TLS13 {
			cc.keys.Remember(c.serverSessionID(), m.Ticket, h.version, h.suiteID, h.master)
		}
	case *parser.KeyUpdate:
		if hc := cc.read[d]; hc != nil {
			if err := hc.UpdateKey(); err != nil {
				c.keyNote("key_update_failed", err.Error())
			}
		}
	}
}

func (c *Conn) serverSessionID() []byte {
	if c.ServerHello != nil {
		return c.ServerHello.SessionID
	}
	return nil
}

// maxLostRecords bounds how many records a gap may have swallowed when the
// sequence number is searched for again.
const maxLostRecords = 256

// resyncSequence finds the sequence number of the first record after a
// gap by trying the next numbers. It works where the record's protection
// does not chain from the previous record: AEAD suites, TLS 1.3, and CBC
// with explicit IVs (TLS 1.1+); RC4 and TLS 1.0 CBC cannot resume.
func (c *Conn) resyncSequence(d Dir, hc *decrypt.HalfConn, seq uint64, rec parser.Record) ([]byte, uint8, bool) {
	h := c.crypto.hs
	s := hc.Suite()
	chained := s.Mode == decrypt.ModeStream || (s.Mode == decrypt.ModeCBC && h != nil && h.version < uint16(parser.VersionTLS11))
	if chained || h == nil || h.compression != 0 {
		return nil, 0, false
	}
	for n := seq + 1; n <= seq+maxLostRecords; n++ {
		hc.SetSequence(n)
		pt, it, m, err := hc.Decrypt(uint8(rec.Type), uint16(rec.Version), rec.Payload)
		if m == decrypt.MACOK && err == nil {
			c.note(Note{Code: "sequence_resync", Dir: d, HasDir: true,
				Detail: fmt.Sprintf("%d records lost in the gap: decryption resumed", n-seq)})
			return pt, it, true
		}
	}
	hc.SetSequence(seq + 1)
	return nil, 0, false
}

// earlyVerdict records the server's answer to the client's 0-RTT data.
func (c *Conn) earlyVerdict(accepted bool) {
	if c.EarlyData == "" && !c.earlyData {
		return
	}
	if accepted {
		c.EarlyData = "accepted"
		c.PlaintextBytes[ClientToServer] += c.earlyBytes
	} else {
		c.EarlyData = "rejected"
		if c.earlyBytes > 0 {
			c.note(Note{Code: "early_data_rejected", Dir: ClientToServer, HasDir: true,
				Detail: fmt.Sprintf("the server did not accept %d bytes of 0-RTT data: they are not in the plaintext stream", c.earlyBytes)})
		}
	}
	c.earlyBytes = 0
}

// nullCipherPayload gives the content of a record protected by a NULL
// cipher suite (TLS_*_WITH_NULL_*), which needs no key: the record minus
// its MAC. ok is false for any other suite, or a record shorter than the
// MAC.
func (c *Conn) nullCipherPayload(p []byte) ([]byte, bool) {
	if c.Version.IsTLS13() || c.ServerHello == nil {
		return nil, false
	}
	s, ok := decrypt.LookupSuite(uint16(c.CipherSuite))
	if !ok || s.Cipher != "NULL" || s.Mode != decrypt.ModeStream || len(p) < s.MACLen {
		return nil, false
	}
	return p[:len(p)-s.MACLen], true
}
