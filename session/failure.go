package session

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/parser"
)

// DecryptFailure says why the protected records of one direction were not
// decrypted, in words a user can act on (CONTRACT.md "Why not decrypted").
type DecryptFailure struct {
	Dir    Dir
	Code   string
	Detail string
}

// The codes of DecryptFailure.
const (
	FailNoKeys            = "no_keys"
	FailNoSecret          = "no_secret"
	FailMissingSecret     = "missing_secret"
	FailWrongSecret       = "wrong_secret"
	FailRSAKeyMismatch    = "rsa_key_mismatch"
	FailRSANotApplicable  = "rsa_not_applicable"
	FailHandshakeNotSeen  = "handshake_not_seen"
	FailUnsupportedCipher = "unsupported_cipher"
	FailECHInnerRandom    = "ech_inner_random"
)

// countProtected counts a protected record of direction d and whether it
// was opened (decrypted and verified, or a NULL cipher's content).
func (cc *connCrypto) countProtected(d Dir, opened, macFailed bool) {
	cc.protected[d]++
	switch {
	case opened:
		cc.opened[d]++
		cc.keyless[d] = 0
	case !macFailed:
		cc.keyless[d]++
	}
	if macFailed {
		cc.macFailed[d]++
	}
}

// decryptFailures lists, at the connection's end, each direction whose
// protected records were all left encrypted, or whose last ones were for
// want of a key, with why.
func (c *Conn) decryptFailures() {
	for d := ClientToServer; d <= ServerToClient; d++ {
		if cc := &c.crypto; cc.protected[d] > 0 && (cc.opened[d] == 0 || cc.keyless[d] > 0) {
			code, detail := c.failureReason(d)
			c.DecryptFailures = append(c.DecryptFailures, DecryptFailure{Dir: d, Code: code, Detail: detail})
		}
	}
}

// failureReason tells why direction d's protected records are not
// decrypted, as far as the connection knows now.
func (c *Conn) failureReason(d Dir) (code, detail string) {
	cc := &c.crypto
	ks := cc.keys
	if ks == nil || ks.Log.Len() == 0 && ks.RSA.Len() == 0 {
		return FailNoKeys, "no key log, RSA key or pcapng secrets were given"
	}
	if c.Transport == TransportQUIC {
		return c.quicFailureReason(d)
	}
	if c.Version == parser.VersionSSL20 {
		return FailUnsupportedCipher, "SSL 2.0 records are not decrypted by ssldissect (its key derivation and MAC are SSL 2.0's own): the handshake in clear is shown"
	}
	h := cc.hs
	if c.ClientHello == nil || c.ServerHello == nil || h == nil || h.ClientRandom == nil {
		missing := "ClientHello"
		if c.ClientHello != nil {
			missing = "ServerHello"
		}
		return FailHandshakeNotSeen, fmt.Sprintf("the capture does not have the handshake (no %s): the keys of a key log cannot be found without both randoms, and no session was resumed", missing)
	}
	random := hex.EncodeToString(h.ClientRandom)
	if h.Suite == nil {
		return FailUnsupportedCipher, fmt.Sprintf("%s is not decrypted here", c.CipherSuite)
	}
	if cc.macFailed[d] > 0 {
		return FailWrongSecret, fmt.Sprintf("a secret for client random %s was found, but the first protected record of this direction fails its MAC or tag: a wrong line, or a key log taken where the connection was another one (behind a TLS-terminating proxy)", random)
	}
	logged := ks.Log.Labels(h.ClientRandom)
	if parser.Version(h.Version).IsTLS13() {
		if ks.Log.Len() == 0 {
			return FailRSANotApplicable, fmt.Sprintf("%s has no RSA key exchange: an RSA private key cannot open it; a key log is needed", c.Version)
		}
		need := []string{decrypt.LabelClientHandshakeTrafficSecret, decrypt.LabelClientTrafficSecret0}
		if d == ServerToClient {
			need = []string{decrypt.LabelServerHandshakeTrafficSecret, decrypt.LabelServerTrafficSecret0}
		}
		if len(logged) > 0 {
			return FailMissingSecret, missingSecret(logged, random, need)
		}
		if code, detail := c.echFailure(); code != "" {
			return code, detail
		}
		return FailNoSecret, c.nearMiss(random)
	}
	// SSL 3.0 - TLS 1.2: the master secret.
	rsaKX := c.KeyExchange.Kind.UsesRSA()
	for _, n := range c.Notes {
		if n.Code == "rsa_key_mismatch" {
			return FailRSAKeyMismatch, n.Detail
		}
	}
	if len(logged) > 0 && !slices.Contains(logged, decrypt.LabelClientRandom) {
		return FailMissingSecret, fmt.Sprintf("the key log has %s for client random %s but no %s line, which a %s connection needs",
			strings.Join(logged, ", "), random, decrypt.LabelClientRandom, c.Version)
	}
	if ks.RSA.Len() > 0 && !rsaKX && len(logged) == 0 {
		return FailRSANotApplicable, fmt.Sprintf("the key exchange is %s, not static RSA: an RSA private key cannot open it; a key log is needed", c.KeyExchange.Kind)
	}
	if h.Master != nil {
		return FailWrongSecret, fmt.Sprintf("the master secret for client random %s is known but no record of this direction opened under it", random)
	}
	return FailNoSecret, c.nearMiss(random)
}

// nearMiss says what the key log holds closest to this connection: lines
// for its server random (a log keyed by the wrong random), or how much it
// holds.
func (c *Conn) nearMiss(random string) string {
	ks, h := c.crypto.keys, c.crypto.hs
	detail := fmt.Sprintf("no secret in the key log for client random %s (it holds secrets for %d client randoms)", random, ks.Log.Randoms())
	if h != nil && h.ServerRandom != nil {
		if l := ks.Log.Labels(h.ServerRandom); len(l) > 0 {
			detail += fmt.Sprintf("; it has %s for this connection's server random %x: a log keyed by the wrong random", strings.Join(l, ", "), h.ServerRandom)
		}
	}
	if ks.Log.Len() == 0 {
		detail = fmt.Sprintf("no key log was given (only RSA keys), and no RSA key opens this connection (client random %s)", random)
	}
	return detail
}

// quicFailureReason is failureReason for QUIC, whose packet keys the
// transport derives from the key log's TLS 1.3 secrets (RFC 9001 5.1):
// Handshake packets need the handshake traffic secrets, 1-RTT packets
// the traffic secrets, 0-RTT the client's early one; an RSA key never
// applies.
func (c *Conn) quicFailureReason(d Dir) (code, detail string) {
	cc := &c.crypto
	ks := cc.keys
	if c.ClientHello == nil {
		return FailHandshakeNotSeen, "the capture does not have the client's Initial packets with its ClientHello: the secrets of a key log cannot be found without its client random"
	}
	random := c.ClientHello.Random[:]
	if ks.Log.Len() == 0 {
		return FailRSANotApplicable, "QUIC uses TLS 1.3 key exchange only: an RSA private key cannot open it; a key log is needed"
	}
	if cc.macFailed[d] > 0 {
		return FailWrongSecret, fmt.Sprintf("a secret for client random %x was found, but this direction's packets fail their AEAD tag: a wrong line, or a key log of another connection", random)
	}
	need := []string{decrypt.LabelClientHandshakeTrafficSecret, decrypt.LabelClientTrafficSecret0}
	if d == ServerToClient {
		need = []string{decrypt.LabelServerHandshakeTrafficSecret, decrypt.LabelServerTrafficSecret0}
	}
	if logged := ks.Log.Labels(random); len(logged) > 0 {
		return FailMissingSecret, missingSecret(logged, hex.EncodeToString(random), need)
	}
	return FailNoSecret, c.nearMiss(hex.EncodeToString(random))
}

// missingSecret says which of the secrets a TLS 1.3 direction needs
// (handshake, then traffic) the key log lacks for a client random it has
// other lines for.
func missingSecret(logged []string, random string, need []string) string {
	var lack []string
	for _, l := range need {
		if !slices.Contains(logged, l) {
			lack = append(lack, l)
		}
	}
	if len(lack) == 0 { // the lines are there but were not used: the other direction's, or a later key update
		return fmt.Sprintf("the key log has %s for client random %s, but no key for this direction's last records came from them", strings.Join(logged, ", "), random)
	}
	return fmt.Sprintf("the key log has %s for client random %s but not %s, which this direction needs",
		strings.Join(logged, ", "), random, strings.Join(lack, " or "))
}
