package session

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/parser"
)

// connCrypto is a connection's decryption state. The keys, ciphers and
// sequence numbers are decrypt's (a Handshake per handshake, a
// RecordProtection per direction); what is here is when to use them and
// which notes to file.
type connCrypto struct {
	keys *decrypt.KeyStore
	hs   *decrypt.Handshake // the current handshake (a renegotiation starts a new one)
	dirs [2]decrypt.RecordProtection
	// dtls13 is DTLS 1.3's record protection, for records with the
	// unified header.
	dtls13 [2]decrypt.DTLS13Protection
	// buf is what the record being processed decrypts into, taken from
	// plainPool by the first record that needs one and given back when
	// its event is emitted: a plaintext lives no longer than its record's
	// event, so a goroutine needs one buffer at a time, not one per open
	// connection (1,000 connections' 16 KiB buffers were a page fault
	// per 4 KiB of fresh memory).
	buf *decrypt.Buffer

	missingNote bool
	// protected, opened and macFailed count each direction's protected
	// records, those decrypted, and those whose MAC or tag failed (for
	// DecryptFailures); keyless counts those left closed for want of a
	// key (not a failed tag) since the last one opened, so that a
	// direction whose handshake opened and whose application data did not
	// (handshake secrets without traffic secrets) is told too.
	protected, opened, macFailed, keyless [2]int
	failNoted                             [2]bool // a mac_failed note was filed for the direction
	finished                              [2]int  // Finished messages verified per direction
}

// side is decrypt's name for the sender of direction d: Dir and
// decrypt.Side number the directions alike.
func side(d Dir) decrypt.Side { return decrypt.Side(d) }

// release lets the decryption state go once the connection ended; what
// the summary shows (finished) stays.
func (cc *connCrypto) release() {
	cc.hs, cc.dirs, cc.dtls13 = nil, [2]decrypt.RecordProtection{}, [2]decrypt.DTLS13Protection{}
	cc.putBuffer()
}

// plainPool holds the buffers records are decrypted into (connCrypto.buf).
var plainPool = sync.Pool{New: func() any { return new(decrypt.Buffer) }}

// buffer returns the buffer the current record decrypts into.
func (cc *connCrypto) buffer() *decrypt.Buffer {
	if cc.buf == nil {
		cc.buf = plainPool.Get().(*decrypt.Buffer)
	}
	return cc.buf
}

// putBuffer gives the buffer back once nothing points into it: the
// record's event was emitted (or the connection let its state go).
func (cc *connCrypto) putBuffer() {
	if cc.buf != nil {
		plainPool.Put(cc.buf)
		cc.buf = nil
	}
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
		if c.ClientHello == nil && c.Transport == TransportTCP {
			c.outerHello = raw // for the inner ClientHello (ECH), taken by echClientHello
		} else if c.hrrPending {
			c.echSecondHello(raw)
		}
		if cc.hs == nil || !c.hrrPending {
			cc.hs = decrypt.NewHandshake()
			cc.dirs[ClientToServer].StartHandshake()
			cc.dirs[ServerToClient].StartHandshake()
		}
		var ticket []byte
		if e := ch.Extension(parser.ExtSessionTicket); e != nil {
			if st, ok := e.Parsed.(parser.SessionTicketExt); ok {
				ticket = st.Ticket
			}
		}
		cc.hs.ClientHello(ch.Random[:], ch.SessionID, ticket, ch.Extension(parser.ExtExtendedMasterSecret) != nil)
	}
	h := cc.hs
	if h == nil {
		return
	}
	if parser.Version(h.Version).IsTLS13() {
		switch msg.(type) {
		case *parser.NewSessionTicket, *parser.KeyUpdate:
			// Post-handshake messages (RFC 8446 4.6) are not in the
			// transcript; a server sends its tickets before it reads
			// the client's Finished.
			return
		}
	}
	if c.Transport == TransportDTLS {
		if raw = c.dtlsHashed(h, msg); raw == nil {
			return
		}
	}
	if sh, ok := msg.(*parser.ServerHello); ok && c.ECH != nil && c.ServerHello == nil {
		c.echServerHello(h, sh, raw)
	}
	if sh, ok := msg.(*parser.ServerHello); ok && sh.IsHelloRetryRequest() {
		h.HelloRetryRequest(uint16(sh.CipherSuite))
		c.hrrPending = true
	} else if _, ok := msg.(*parser.ClientHello); ok {
		c.hrrPending = false
	}
	h.AddMessage(raw)
}

// DTLSTranscript gives the next handshake message of direction d as DTLS
// hashes it: its DTLS header as one whole fragment (dtls.Header12) and its
// body as sent, a ClientHello with its cookie. The transport gives one per
// message it delivers, in order, before the handshake bytes that hold them
// (DTLSRecord, the SetDTLSHandshake hook); msg is kept.
func (c *Conn) DTLSTranscript(d Dir, msg []byte) {
	if len(c.dtlsForms[d]) >= maxDTLSForms {
		c.dtlsForms[d] = c.dtlsForms[d][1:] // never taken: the oldest is dropped
	}
	c.dtlsForms[d] = append(c.dtlsForms[d], msg)
}

// maxDTLSForms bounds the DTLS forms waiting for their messages (a record
// completes a few).
const maxDTLSForms = 64

// dtlsForm takes the DTLS form of the message of type typ that direction
// d's handshake reader just gave, nil when the transport gave none for it.
func (c *Conn) dtlsForm(d Dir, typ uint8) []byte {
	q := c.dtlsForms[d]
	if len(q) == 0 || q[0][0] != typ {
		c.dtlsForms[d] = nil
		return nil
	}
	c.dtlsForms[d] = q[1:]
	return q[0]
}

// dtlsHashed is the form in which a DTLS handshake message enters the
// transcript, nil when it is held (a ClientHello). DTLS 1.0 and 1.2 hash
// each message with its 12-byte DTLS header, the ClientHello with its
// cookie; the first ClientHello and the HelloVerifyRequest are left out
// (RFC 6347 section 4.2.6), which follows from a new handshake starting at
// the second ClientHello. DTLS 1.3 hashes TLS 1.3's 4-byte headers (RFC
// 9147 section 5.2). The version is known at the ServerHello (or
// HelloRetryRequest), so the ClientHello waits for it. A message whose
// DTLS form is not known leaves no Finished to check.
func (c *Conn) dtlsHashed(h *decrypt.Handshake, msg parser.Message) []byte {
	form := c.dtlsMsg
	c.dtlsMsg = nil
	if form == nil || len(form) < 12 {
		h.DropTranscript()
		return nil
	}
	if _, ok := msg.(*parser.ClientHello); ok {
		c.dtlsCH, c.hrrPending = form, false
		return nil
	}
	if sh, ok := msg.(*parser.ServerHello); ok {
		c.dtls13 = sh.SelectedVersion() == parser.VersionDTLS13
	}
	if c.dtlsCH != nil {
		h.AddMessage(c.dtlsHeader(c.dtlsCH))
		c.dtlsCH = nil
	}
	return c.dtlsHeader(form)
}

// dtlsHeader gives a DTLS form with the header the version hashes.
func (c *Conn) dtlsHeader(form []byte) []byte {
	if c.dtls13 {
		return append(form[:4:4], form[12:]...)
	}
	return form
}

// afterServerHello sets up what the ServerHello settles.
func (c *Conn) afterServerHello(sh *parser.ServerHello) {
	h := c.crypto.hs
	if h == nil {
		return
	}
	// DTLS derives its keys as the TLS version whose layouts it uses.
	err := h.ServerHello(sh.Random[:], uint16(sh.SelectedVersion().TLSEquivalent()), uint16(sh.CipherSuite), uint8(sh.Compression),
		sh.Extension(parser.ExtExtendedMasterSecret) != nil, sh.Extension(parser.ExtEncryptThenMAC) != nil)
	switch {
	case errors.Is(err, decrypt.ErrUnknownSuite):
		c.keyNote("unsupported_suite", fmt.Sprintf("no decryption for %s", parser.CipherSuite(h.SuiteID)))
		return
	case err != nil:
		c.keyNote("unsupported_suite", fmt.Sprintf("the cipher of %s is not built in", parser.CipherSuite(h.SuiteID)))
		return
	}
	if parser.Version(h.Version).IsTLS13() {
		if h.Version != uint16(parser.VersionTLS13) {
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

// keyErrorCode is the note for a problem decrypt met finding keys.
func keyErrorCode(err error) NoteCode {
	switch {
	case errors.Is(err, decrypt.ErrRSAKeyMismatch):
		return "rsa_key_mismatch"
	case errors.Is(err, decrypt.ErrPreMaster), errors.Is(err, decrypt.ErrPreMasterVersion):
		return "rsa_decrypt_failed"
	}
	return "key_derivation_failed"
}

// findMaster looks for the master secret of a TLS 1.2-or-older handshake
// (after the ServerHello, at the ClientKeyExchange, at a change_cipher_spec
// while it is unknown) and, once found, sets the ciphers each direction
// takes at its change_cipher_spec.
func (c *Conn) findMaster(cke *parser.ClientKeyExchange) {
	cc := &c.crypto
	if cc.hs == nil {
		return
	}
	var rsa decrypt.RSAExchange
	if cke != nil {
		rsa.EncryptedPreMaster = cke.EncryptedPreMaster
		if len(c.ServerCerts) > 0 {
			rsa.ServerCert = c.serverCertDER
		}
		if c.ClientHello != nil {
			rsa.ClientVersion = uint16(c.ClientHello.LegacyVersion)
		}
	}
	pending, found, errs := cc.hs.FindMaster(cc.keys, rsa, c.Resumed)
	for _, err := range errs {
		c.keyNote(keyErrorCode(err), err.Error())
	}
	if found {
		cc.dirs[ClientToServer].SetPending(pending[decrypt.Client])
		cc.dirs[ServerToClient].SetPending(pending[decrypt.Server])
	}
}

// changeCipherSpec switches a direction to its pending cipher (SSL 3.0 -
// TLS 1.2).
func (c *Conn) changeCipherSpec(d Dir) {
	cc := &c.crypto
	if cc.hs != nil && cc.hs.Master == nil {
		c.findMaster(nil)
	}
	cc.dirs[d].ChangeCipherSpec()
}

// setup13 prepares the TLS 1.3 ciphers from the key log's traffic secrets.
// The client's early data (if any) is decrypted with the early secret
// until its EndOfEarlyData: its handshake keys then follow.
func (c *Conn) setup13() {
	cc := &c.crypto
	h := cc.hs
	if cc.keys == nil {
		return
	}
	h.TrafficSecrets(cc.keys.Log)
	if c.Transport == TransportDTLS {
		h.DTLS13 = true
		for d := ClientToServer; d <= ServerToClient; d++ {
			for _, err := range cc.dtls13[d].SetSecrets(h.Suite, nil, h.HandshakeSecret[side(d)], h.AppSecret[side(d)]) {
				c.keyNote("key_derivation_failed", err.Error())
			}
		}
		return
	}
	for d := ClientToServer; d <= ServerToClient; d++ {
		queue := d == ClientToServer && cc.dirs[d].Active()
		for _, err := range cc.dirs[d].SetTrafficSecrets(h.Suite, h.HandshakeSecret[side(d)], h.AppSecret[side(d)], queue) {
			c.keyNote("key_derivation_failed", err.Error())
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
	offered := make([]uint16, len(ch.CipherSuites))
	for i, cs := range ch.CipherSuites {
		offered[i] = uint16(cs)
	}
	if hc := cc.hs.EarlyCipher(cc.keys.Log, offered); hc != nil {
		cc.dirs[ClientToServer].SetEarly(hc)
		c.earlyData = true
	}
}

// decryptRecord decrypts a protected record (dtls: its DTLS header, for a
// tls12_cid record's connection ID). ok is false when there is no
// key for it (the record stays opaque).
func (c *Conn) decryptRecord(d Dir, rec parser.Record, dtls *DTLSRecordInfo) (plain []byte, inner parser.ContentType, mac decrypt.MACResult, ok bool) {
	cc := &c.crypto
	var r decrypt.Opened
	if rec.Type == parser.ContentTypeTLS12CID && dtls != nil {
		r = cc.dirs[d].OpenCID(cc.buffer(), uint16(rec.Version), dtls.CID, rec.Payload)
	} else {
		r = cc.dirs[d].Open(cc.buffer(), uint8(rec.Type), uint16(rec.Version), rec.Payload)
		if r.NoKey && c.echTrial(d, rec) {
			r = cc.dirs[d].Open(cc.buffer(), uint8(rec.Type), uint16(rec.Version), rec.Payload)
		}
	}
	if r.NoKey {
		c.noKeyNote()
		return nil, 0, decrypt.MACNone, false
	}
	if r.Resynced > 0 {
		c.note(Note{Code: "sequence_resync", Dir: d, HasDir: true,
			Detail: fmt.Sprintf("%d records lost in the gap: decryption resumed", r.Resynced)})
	}
	if r.Err != nil && r.Plaintext == nil {
		c.keyNote("decrypt_error", r.Err.Error())
		return nil, 0, decrypt.MACFailed, r.MAC == decrypt.MACFailed
	}
	if r.MAC == decrypt.MACFailed && cc.hs != nil && cc.hs.HasOtherMasters() && cc.dirs[d].FirstRecord() {
		if pt, it, ok := c.tryOtherMasters(d, rec); ok {
			return pt, parser.ContentType(it), decrypt.MACOK, true
		}
	}
	if r.MAC == decrypt.MACFailed && r.Plaintext == nil {
		return nil, 0, r.MAC, true
	}
	return r.Plaintext, parser.ContentType(r.Type), r.MAC, true
}

// decryptUnified decrypts a DTLS 1.3 record with the unified header, and
// puts its full epoch and sequence number in the event once it verified.
func (c *Conn) decryptUnified(ev *RecordEvent) (plain []byte, inner parser.ContentType, mac decrypt.MACResult, ok bool) {
	cc := &c.crypto
	info := ev.DTLS
	r := cc.dtls13[ev.Dir].Open(cc.buffer(), decrypt.UnifiedRecord{Header: info.Header, SeqOffset: info.SeqOffset,
		SeqLen: info.SeqLen, EpochBits: info.EpochBits, Payload: ev.Record.Payload})
	if r.NoKey {
		c.noKeyNote()
		return nil, 0, decrypt.MACNone, false
	}
	if r.MAC == decrypt.MACOK {
		info.Epoch, info.Seq, info.rebuilt = uint16(min(r.Epoch, 0xffff)), r.Seq, true
	}
	if r.Err != nil {
		c.keyNote("decrypt_error", r.Err.Error())
		return nil, 0, r.MAC, r.MAC != decrypt.MACNone
	}
	return r.Plaintext, parser.ContentType(r.Type), r.MAC, true
}

// tryOtherMasters decrypts the first record of direction d under the
// other master secrets a conflicting key log gave, once it failed under
// the last one logged; the one that verifies becomes the connection's,
// for both directions and the Finished check.
func (c *Conn) tryOtherMasters(d Dir, rec parser.Record) (pt []byte, inner uint8, ok bool) {
	cc := &c.crypto
	ciphers, pt, inner, held, ok := cc.hs.TryOtherMasters(side(d), uint8(rec.Type), uint16(rec.Version), rec.Payload)
	if !ok {
		return nil, 0, false
	}
	cc.dirs[d].ReplaceKeys(ciphers[side(d)], true)
	o := 1 - d
	cc.dirs[o].ReplaceKeys(ciphers[side(o)], false)
	c.note(Note{Code: NoteKeyLogConflict, Detail: fmt.Sprintf("the key log gave %d master secrets for client random %x; not the last logged but an earlier one decrypts this connection", held, cc.hs.ClientRandom)})
	return pt, inner, true
}

// noKeyNote says once which key a connection lacks.
func (c *Conn) noKeyNote() {
	cc := &c.crypto
	if cc.missingNote {
		return
	}
	cc.missingNote = true
	h := cc.hs
	switch {
	case h == nil || h.ClientRandom == nil:
		c.note(Note{Code: "no_keys", Detail: "encrypted records without a handshake: nothing to find keys by"})
	case c.ServerHello == nil:
		c.note(Note{Code: "no_keys", Detail: "no ServerHello seen (lost, or sent before the capture began): without its cipher suite and server random no keys can be derived for client random " + hex.EncodeToString(h.ClientRandom)})
	case h.Suite == nil:
		c.note(Note{Code: "no_keys", Detail: "the cipher suite cannot be decrypted"})
	default:
		what := "CLIENT_RANDOM"
		if parser.Version(h.Version).IsTLS13() {
			what = "TLS 1.3 traffic secrets"
		}
		var detail string
		if where := cc.keyLog().Where(); where != "" {
			detail = "no " + what + " for client random " + hex.EncodeToString(h.ClientRandom) + " in " + where
		} else {
			detail = "no key log was given (-l, $SSLKEYLOGFILE or pcapng secrets): no " + what + " for client random " + hex.EncodeToString(h.ClientRandom)
		}
		if c.KeyExchange.Kind == parser.KeyExchangeRSA {
			if cc.keys == nil || cc.keys.RSA == nil || cc.keys.RSA.Len() == 0 {
				detail += ", and no RSA private key (-k) was given"
			} else {
				detail += ", and no RSA private key given matches the server certificate"
			}
		}
		c.note(Note{Code: "no_keys", Detail: detail})
	}
}

// keyLog is the run's key log, nil when there are no keys.
func (cc *connCrypto) keyLog() *decrypt.KeyLog {
	if cc.keys == nil {
		return nil
	}
	return cc.keys.Log
}

// opaqueRecord notes a protected record of d that was not decrypted.
func (c *Conn) opaqueRecord(d Dir) {
	if h := c.crypto.hs; h != nil && c.ServerHello != nil {
		h.SetOpaque(side(d))
	}
}

// verifyFinished checks a Finished message's verify_data against the
// transcript (which does not yet include it). With records missing from
// the transcript (only one direction's TLS 1.3 secrets) it cannot tell.
func (c *Conn) verifyFinished(d Dir, f *parser.Finished, ev *RecordEvent) {
	h := c.crypto.hs
	if h == nil {
		return
	}
	want, ok := h.FinishedVerifyData(side(d))
	if !ok {
		return
	}
	if bytes.Equal(want, f.VerifyData) {
		c.crypto.finished[d] = 1
		return
	}
	c.crypto.finished[d] = -1
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
		if cc.keys != nil && len(m.EncryptedPreMaster) > 0 {
			// An RSA line for this pre-master secret belongs to this
			// connection, whichever line opened it (the summary's
			// keylog_lines_unused).
			cc.keys.Log.LookupRSA(m.EncryptedPreMaster)
		}
	case *parser.EncryptedExtensions:
		c.echEncryptedExtensions(m)
		if c.EarlyData != "" || c.earlyData {
			c.earlyVerdict(m.Extension(parser.ExtEarlyData) != nil)
		}
	case *parser.EndOfEarlyData:
		cc.dirs[ClientToServer].Advance()
	case *parser.Finished:
		if h != nil && parser.Version(h.Version).IsTLS13() {
			cc.dirs[d].Advance()
		} else if h != nil && h.Master != nil && d == ServerToClient {
			// The session the server named can be resumed by its id.
			cc.keys.Remember(h, c.serverSessionID(), nil)
		}
	case *parser.NewSessionTicket:
		if h != nil && h.Master != nil && !m.TLS13 {
			cc.keys.Remember(h, c.serverSessionID(), m.Ticket)
		}
	case *parser.KeyUpdate:
		if err := cc.dirs[d].KeyUpdate(); err != nil {
			c.keyNote("key_update_failed", err.Error())
		}
	}
}

func (c *Conn) serverSessionID() []byte {
	if c.ServerHello != nil {
		return c.ServerHello.SessionID
	}
	return nil
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
// cipher suite, which needs no key (see decrypt.NullCipherContent); ok is
// false in TLS 1.3, before a ServerHello, and for any other suite.
func (c *Conn) nullCipherPayload(p []byte) ([]byte, bool) {
	if c.Version.TLSEquivalent().IsTLS13() || c.ServerHello == nil {
		return nil, false
	}
	return decrypt.NullCipherContent(uint16(c.CipherSuite), p)
}
