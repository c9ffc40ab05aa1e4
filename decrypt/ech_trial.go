package decrypt

import (
	"bytes"
	"slices"
	"strings"
)

// Encrypted ClientHello (RFC 9849): what the key schedule needs when the
// handshake was carried on by the inner ClientHello, which the wire does
// not show. A key log keys such a connection's TLS 1.3 secrets by the
// inner ClientHello's random (RFC 9850 section 3); the wire shows the
// outer one.

// MaxECHTrials caps the key log's unmatched client randoms whose server
// handshake traffic secret is tried on one connection's first protected
// server record (TrialCandidates).
const MaxECHTrials = 64

// TrialCandidate is a client random of the key log and its
// SERVER_HANDSHAKE_TRAFFIC_SECRET.
type TrialCandidate struct {
	Random []byte
	Secret []byte
}

// TrialCandidates returns up to max client randoms whose
// SERVER_HANDSHAKE_TRAFFIC_SECRET no lookup has found yet, in byte order
// of the random (so runs agree), each with its last logged secret, and how
// many such randoms the log holds (total > len(c) when max cut them). It
// does not mark them used.
func (k *KeyLog) TrialCandidates(max int) (c []TrialCandidate, total int) {
	if k == nil {
		return nil, 0
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	prefix := LabelServerHandshakeTrafficSecret + "\x00"
	var keys []string
	for key, e := range k.secrets {
		if !strings.HasPrefix(key, prefix) || len(e.vals) == 0 || e.used.Load() {
			continue
		}
		keys = append(keys, key)
	}
	slices.Sort(keys)
	total = len(keys)
	for _, key := range keys[:min(len(keys), max)] {
		c = append(c, TrialCandidate{Random: []byte(key[len(prefix):]), Secret: bytes.Clone(k.secrets[key].vals[0])})
	}
	return c, total
}

// OpensRecord13 reports whether a TLS 1.3 traffic secret opens a record
// as the first one under it (sequence number 0): its AEAD tag verifies.
func OpensRecord13(suite *Suite, secret []byte, contentType uint8, version uint16, payload []byte) bool {
	hc, err := NewHalfConn13(suite, secret)
	if err != nil {
		return false
	}
	_, _, mac, _ := hc.Decrypt(contentType, version, payload)
	return mac == MACOK
}

// UseInnerRandom makes random, an inner ClientHello's, the handshake's
// client random for the key log (ECH accepted: RFC 9850 keys the secrets
// by it). innerHello is that ClientHello as the server hashed it (4-byte
// header and body), put in the transcript in place of the outer one; it
// must be given before the ServerHello is added. With innerHello nil the
// inner ClientHello is not known and the transcript is dropped: no
// Finished can be checked.
func (h *Handshake) UseInnerRandom(random, innerHello []byte) {
	h.ClientRandom = bytes.Clone(random)
	if innerHello == nil {
		h.transcript.Drop()
		return
	}
	need := h.transcript.need
	h.transcript = NewTranscript()
	h.transcript.need = need
	h.transcript.Write(innerHello)
}

// UseInnerHellosAfterHRR is UseInnerRandom for a handshake with a
// HelloRetryRequest: the transcript becomes message_hash(inner
// ClientHello1), the HelloRetryRequest and the inner ClientHello2 (RFC 8446
// 4.4.1), hashed with suite's hash; random is ClientHello2's. Call it
// before the ServerHello is added.
func (h *Handshake) UseInnerHellosAfterHRR(suite *Suite, random, inner1, hrr, inner2 []byte) {
	h.UseInnerRandom(random, inner1)
	h.HelloRetryRequest(suite.ID)
	h.AddMessage(hrr)
	h.AddMessage(inner2)
}
