package session

import (
	"bytes"
	"encoding/hex"
	"fmt"

	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/fingerprint"
	"github.com/ssldissect/ssldissect/parser"
)

// ECH grease verdicts (CONTRACT.md "Encrypted ClientHello").
const (
	ECHGreaseLikely  = "likely"
	ECHGreaseNo      = "no"
	ECHGreaseUnknown = "unknown"
)

// How ECHInfo.Accepted was told.
const (
	ECHByConfirmation = "accept_confirmation" // ServerHello.random's last 8 bytes, from the inner ClientHello
	ECHByTrial        = "inner_random_trial"  // an unmatched key-log random's handshake secret opened the server's first record
	ECHByOuterKeys    = "outer_keys"          // the handshake decrypted under the outer ClientHello's random
)

// ECHInfo is what a connection shows of Encrypted ClientHello (RFC 9849):
// the outer ClientHello's encrypted_client_hello, whether the server
// accepted it, and the inner ClientHello where it was decrypted.
type ECHInfo struct {
	ConfigID   uint8
	KDF, AEAD  uint16
	EncLen     int
	PayloadLen int
	// Grease is ECHGreaseNo when the extension is known to be a real
	// ECH (the inner ClientHello decrypted, the server accepted it, or
	// the capture's DNS published its config: DNS),
	// ECHGreaseLikely when the server answered as one that does not
	// support ECH (the handshake went on with the outer ClientHello and
	// EncryptedExtensions carried no retry_configs), else
	// ECHGreaseUnknown.
	Grease string
	// Accepted is 1 (the server went on with the inner ClientHello), -1
	// (with the outer one), 0 (not known); By says how it was told.
	Accepted int8
	By       string
	// RetryConfigs is the length of the retry_configs the server's
	// EncryptedExtensions carried (decrypted), 0 when none were seen.
	RetryConfigs int
	// Trials counts the key log's unmatched client randoms tried on the
	// first server record (at most decrypt.MaxECHTrials); Candidates how
	// many there were.
	Trials, Candidates int
	// InnerRandom is the inner ClientHello's random, once known (decrypted
	// or found by trial).
	InnerRandom []byte
	// Inner is the decrypted inner ClientHello; InnerSNI, InnerALPN and
	// InnerJA4 are taken from it.
	Inner     *parser.ClientHello
	InnerSNI  string
	InnerALPN []string
	InnerJA4  string
	// DNS is set when a DNS response seen earlier in the capture published
	// the ECHConfig the extension names (decrypt.ECHConfigs.Match): the
	// offer is real.
	DNS *decrypt.DNSECHConfig

	innerRaw []byte // Inner with its 4-byte header, for the transcript
	tried    bool   // the trial ran
	// After a HelloRetryRequest: the context that opens the second
	// ClientHello, the first inner ClientHello and the
	// HelloRetryRequest as hashed, and the second inner ClientHello.
	ctx         *decrypt.ECHContext
	inner1, hrr []byte
	inner2      []byte
}

// echClientHello starts ECHInfo from the first ClientHello's outer
// encrypted_client_hello.
func (c *Conn) echClientHello(m *parser.ClientHello) {
	e := m.Extension(parser.ExtEncryptedClientHello)
	if e == nil {
		return
	}
	x, ok := e.Parsed.(parser.EncryptedClientHelloExt)
	if !ok || x.Type != 0 {
		return
	}
	c.ECH = &ECHInfo{ConfigID: x.ConfigID, KDF: x.KDF, AEAD: x.AEAD, EncLen: len(x.Enc), PayloadLen: x.PayloadLen, Grease: ECHGreaseUnknown}
	if k := c.crypto.keys; k != nil {
		if d, ok := k.DNSECH.Match(x.ConfigID, x.KDF, x.AEAD, len(x.Enc), m.SNI()); ok {
			c.ECH.DNS, c.ECH.Grease = &d, ECHGreaseNo
		}
	}
	c.echOpen(m, c.outerHello)
	c.outerHello = nil
}

// setInner takes a decrypted inner ClientHello (raw: with its 4-byte
// header): a real ECH, whatever the server made of it.
func (e *ECHInfo) setInner(ch *parser.ClientHello, raw []byte, transport byte) {
	e.Inner, e.innerRaw = ch, bytes.Clone(raw)
	e.InnerRandom = bytes.Clone(ch.Random[:])
	e.InnerSNI = ch.SNI()
	e.InnerALPN = ch.ALPN()
	if len(e.InnerALPN) > MaxALPNOffered {
		e.InnerALPN = e.InnerALPN[:MaxALPNOffered:MaxALPNOffered]
	}
	if !ch.Partial {
		e.InnerJA4 = fingerprint.JA4(fingerprint.FromClientHello(ch, transport))
	}
	e.Grease = ECHGreaseNo
}

// echServerHello checks, before the ServerHello enters the transcript,
// whether the server accepted a decrypted inner ClientHello (its accept
// confirmation); if so the handshake goes on with the inner ClientHello's
// random and transcript.
func (c *Conn) echServerHello(h *decrypt.Handshake, sh *parser.ServerHello, raw []byte) {
	e := c.ECH
	if e == nil || e.Inner == nil || h == nil || sh.Partial {
		return
	}
	if sh.IsHelloRetryRequest() {
		e.inner1, e.hrr = e.innerRaw, bytes.Clone(raw)
		return
	}
	suite, ok := decrypt.LookupSuite(uint16(sh.CipherSuite))
	if !ok || !suite.TLS13 {
		return
	}
	var accepted bool
	var err error
	switch {
	case e.hrr == nil:
		accepted, err = decrypt.ECHAccepted(suite.PRFHash, e.innerRaw, raw)
	case e.inner2 != nil:
		accepted, err = decrypt.ECHAcceptedAfterHRR(suite.PRFHash, e.inner1, e.hrr, e.inner2, raw)
	default:
		return // the second inner ClientHello did not open
	}
	if err != nil {
		return
	}
	e.By = ECHByConfirmation
	if accepted {
		e.Accepted = 1
		if e.hrr == nil {
			h.UseInnerRandom(e.InnerRandom, e.innerRaw)
		} else {
			e.InnerRandom = bytes.Clone(e.inner2[6:38])
			h.UseInnerHellosAfterHRR(suite, e.InnerRandom, e.inner1, e.hrr, e.inner2)
		}
		return
	}
	e.Accepted = -1
}

// echTrial runs when the first protected server record of a TLS 1.3
// connection that offered ECH finds no key: the key log may key the
// secrets by the inner ClientHello's random, which the wire does not show.
// Each unmatched random's server handshake secret (up to
// decrypt.MaxECHTrials) is tried on the record; the one that opens it is
// the inner random, and its secrets become the connection's. It reports
// whether keys were set.
func (c *Conn) echTrial(d Dir, rec parser.Record) bool {
	e, cc := c.ECH, &c.crypto
	h := cc.hs
	if e == nil || e.tried || d != ServerToClient || h == nil || h.Suite == nil || !h.Suite.TLS13 ||
		cc.keys == nil || cc.keys.Log.Len() == 0 || e.Accepted == -1 ||
		h.HandshakeSecret[decrypt.Server] != nil || c.Transport != TransportTCP {
		return false
	}
	e.tried = true
	cands, total := cc.keys.Log.TrialCandidates(decrypt.MaxECHTrials)
	e.Candidates = total
	for _, cand := range cands {
		e.Trials++
		if !decrypt.OpensRecord13(h.Suite, cand.Secret, uint8(rec.Type), uint16(rec.Version), rec.Payload) {
			continue
		}
		e.Accepted, e.By, e.Grease = 1, ECHByTrial, ECHGreaseNo
		e.InnerRandom = cand.Random
		h.UseInnerRandom(cand.Random, nil) // drops the transcript: it has the outer ClientHello
		c.setup13()
		return true
	}
	return false
}

// echEncryptedExtensions takes what the server's (decrypted)
// EncryptedExtensions tells: retry_configs mean it did not accept ECH; a
// handshake that went on under the outer random without them is one whose
// server ignored the extension, as it does GREASE.
func (c *Conn) echEncryptedExtensions(m *parser.EncryptedExtensions) {
	e := c.ECH
	if e == nil {
		return
	}
	if x := m.Extension(parser.ExtEncryptedClientHello); x != nil {
		if p, ok := x.Parsed.(parser.EncryptedClientHelloExt); ok {
			e.RetryConfigs = max(len(p.Raw), 1)
		} else {
			e.RetryConfigs = 1
		}
	}
	if e.Accepted != 0 {
		return
	}
	// EncryptedExtensions decrypted under the outer ClientHello's random:
	// the server went on with the outer ClientHello.
	e.Accepted, e.By = -1, ECHByOuterKeys
	if e.RetryConfigs == 0 && e.Grease == ECHGreaseUnknown {
		e.Grease = ECHGreaseLikely
	}
}

// echFailure is the decrypt_failure of a TLS 1.3 connection that offered
// ECH and found no secret for its (outer) client random, "" when it does
// not apply (ECH known rejected: the outer random is the one).
func (c *Conn) echFailure() (code, detail string) {
	e := c.ECH
	if e == nil || e.Accepted == -1 || c.ClientHello == nil {
		return "", ""
	}
	random := hex.EncodeToString(c.ClientHello.Random[:])
	state := "ECH may have been accepted (the key log then keys the secrets by the inner ClientHello's random, which the wire does not show)"
	if e.Accepted == 1 {
		state = "ECH was accepted (the key log keys the secrets by the inner ClientHello's random"
		if e.InnerRandom != nil {
			state += " " + hex.EncodeToString(e.InnerRandom) + ", which it does not hold"
		}
		state += ")"
	}
	trial := "no handshake secret of the key log was tried"
	if e.tried {
		trial = fmt.Sprintf("none of the %d unmatched server handshake secrets tried (of %d) opens the first server record", e.Trials, e.Candidates)
	}
	return FailECHInnerRandom, fmt.Sprintf("the ClientHello offered ECH (config_id %d) and the key log has no secret for its outer random %s; %s, and %s", e.ConfigID, random, state, trial)
}

// echOpen decrypts the inner ClientHello of the first ClientHello (outer:
// the message with its 4-byte header) with the key log's ECH_SECRET and
// ECH_CONFIG for its random (RFC 9850), and parses it.
func (c *Conn) echOpen(m *parser.ClientHello, outer []byte) {
	e, cc := c.ECH, &c.crypto
	if e == nil || cc.keys == nil || outer == nil || c.HelloRetryRequest {
		return
	}
	secret, config, ok := cc.keys.Log.ECH(m.Random[:])
	if !ok {
		return
	}
	ctx, err := decrypt.NewECHContext(secret, config)
	var inner []byte
	if err == nil {
		inner, err = ctx.Open(outer)
	}
	if err != nil {
		c.keyNote(NoteECHDecryptFailed, fmt.Sprintf("the inner ClientHello did not decrypt with the key log's ECH_SECRET and ECH_CONFIG for client random %x: %v", m.Random, err))
		return
	}
	msg, err := parser.ParseHandshake(parser.HandshakeTypeClientHello, inner[4:], parser.Context{})
	ch, ok := msg.(*parser.ClientHello)
	if !ok || err != nil {
		c.keyNote(NoteECHDecryptFailed, fmt.Sprintf("the inner ClientHello decrypted but does not parse: %v", err))
		return
	}
	e.setInner(ch, inner, c.transportLetter())
	e.ctx = ctx
}

// echSecondHello opens the inner ClientHello of the ClientHello that
// follows a HelloRetryRequest (outer: with its header), with the first
// one's HPKE context (RFC 9849 6.1.5).
func (c *Conn) echSecondHello(outer []byte) {
	e := c.ECH
	if e == nil || e.ctx == nil || e.hrr == nil || e.inner2 != nil {
		return
	}
	inner, err := e.ctx.Open(outer)
	if err != nil {
		c.keyNote(NoteECHDecryptFailed, fmt.Sprintf("the inner ClientHello after the HelloRetryRequest did not decrypt: %v", err))
		return
	}
	if len(inner) < 38 {
		return
	}
	e.inner2 = inner
}
