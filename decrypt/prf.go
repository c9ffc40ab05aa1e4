package decrypt

import (
	"crypto"
	cmd5 "crypto/md5"
	csha1 "crypto/sha1"
	_ "crypto/sha256" // register SHA-256 for crypto.Hash.New
	_ "crypto/sha512" // register SHA-384
	"fmt"
)

// Labels of the TLS PRF (RFC 5246 8.1, 6.3, 7.4.9; RFC 7627 4; RFC 2246 6.3).
const (
	labelMasterSecret         = "master secret"
	labelExtendedMasterSecret = "extended master secret"
	labelKeyExpansion         = "key expansion"
	labelClientFinished       = "client finished"
	labelServerFinished       = "server finished"
	labelClientWriteKey       = "client write key" // TLS 1.0 export
	labelServerWriteKey       = "server write key" // TLS 1.0 export
	labelIVBlock              = "IV block"         // TLS 1.0 export
)

const (
	masterSecretLen = 48
	finishedLen     = 12 // TLS verify_data
	ssl3FinishedLen = 36 // SSL 3.0: MD5 (16) || SHA-1 (20)
)

// pHash is P_hash of RFC 5246 5: HMAC(secret, A(i) + seed) with
// A(0) = seed, A(i) = HMAC(secret, A(i-1)), filling out.
func pHash(out, secret, seed []byte, h crypto.Hash) {
	m := getMAC(h)
	m.setKey(secret)
	a := m.sumKeyed(m.a[:0], seed, nil)
	for len(out) > 0 {
		b := m.sumKeyed(m.b[:0], a, seed)
		n := copy(out, b)
		out = out[n:]
		if len(out) == 0 {
			break // A(i+1) is not needed
		}
		a = m.sumKeyed(a[:0], a, nil)
	}
	putMAC(h, m)
}

// prf10 is the TLS 1.0/1.1 PRF (RFC 2246 5): P_MD5 over the first half of
// the secret XOR P_SHA-1 over the second half (halves share the middle byte
// when the length is odd).
func prf10(secret []byte, label string, seed []byte, n int) []byte {
	ls := make([]byte, 0, len(label)+len(seed))
	ls = append(append(ls, label...), seed...)
	half := (len(secret) + 1) / 2
	s1, s2 := secret[:half], secret[len(secret)-half:]
	out := make([]byte, n)
	pHash(out, s1, ls, crypto.MD5)
	tmp := make([]byte, n)
	pHash(tmp, s2, ls, crypto.SHA1)
	for i := range out {
		out[i] ^= tmp[i]
	}
	return out
}

// prf12 is the TLS 1.2 PRF (RFC 5246 5): P_hash with the suite's hash.
func prf12(h crypto.Hash) func(secret []byte, label string, seed []byte, n int) []byte {
	return func(secret []byte, label string, seed []byte, n int) []byte {
		ls := make([]byte, 0, len(label)+len(seed))
		ls = append(append(ls, label...), seed...)
		out := make([]byte, n)
		pHash(out, secret, ls, h)
		return out
	}
}

type prfFunc func(secret []byte, label string, seed []byte, n int) []byte

// prfFor returns the PRF of a (TLS 1.0-1.2) version and suite.
func prfFor(version uint16, suite *Suite) (prfFunc, error) {
	switch version {
	case VersionTLS10, VersionTLS11:
		return prf10, nil
	case VersionTLS12:
		if suite == nil || suite.PRFHash == 0 {
			return prf12(crypto.SHA256), nil
		}
		return prf12(suite.PRFHash), nil
	}
	return nil, fmt.Errorf("%w: no TLS PRF for version %#04x", ErrVersion, version)
}

// ssl30Hash is the SSL 3.0 construction of RFC 6101 6.1/6.2.2:
// for i, MD5(secret + SHA-1(label_i + secret + r1 + r2)) with label_i =
// "A", "BB", "CCC", ... concatenated until n bytes.
func ssl30Hash(secret, r1, r2 []byte, n int) []byte {
	out := make([]byte, 0, n+cmd5.Size)
	for i := 0; len(out) < n; i++ {
		if i >= 26 {
			break // 26*16 = 416 bytes: more than any suite needs
		}
		label := make([]byte, i+1)
		for j := range label {
			label[j] = byte('A' + i)
		}
		s := csha1.New()
		s.Write(label)
		s.Write(secret)
		s.Write(r1)
		s.Write(r2)
		m := cmd5.New()
		m.Write(secret)
		m.Write(s.Sum(nil))
		out = m.Sum(out)
	}
	return out[:min(n, len(out))]
}

// ssl30MasterSecret is RFC 6101 6.1: the hash construction over the
// pre-master secret, ClientHello.random, ServerHello.random.
func ssl30MasterSecret(pms, clientRandom, serverRandom []byte) []byte {
	return ssl30Hash(pms, clientRandom, serverRandom, masterSecretLen)
}

// ssl30KeyBlock is RFC 6101 6.2.2: the same construction over the master
// secret, with ServerHello.random before ClientHello.random.
func ssl30KeyBlock(master, clientRandom, serverRandom []byte, n int) []byte {
	return ssl30Hash(master, serverRandom, clientRandom, n)
}

// masterFromPreMaster derives the master secret (RFC 5246 8.1, RFC 6101 6.1).
func masterFromPreMaster(version uint16, suite *Suite, pms, clientRandom, serverRandom []byte) ([]byte, error) {
	if version == VersionSSL30 {
		return ssl30MasterSecret(pms, clientRandom, serverRandom), nil
	}
	prf, err := prfFor(version, suite)
	if err != nil {
		return nil, err
	}
	seed := append(append([]byte{}, clientRandom...), serverRandom...)
	return prf(pms, labelMasterSecret, seed, masterSecretLen), nil
}

// emsFromPreMaster derives the extended master secret of RFC 7627 4 from
// the session hash (Transcript.SessionHash up to ClientKeyExchange).
func emsFromPreMaster(version uint16, suite *Suite, pms, sessionHash []byte) ([]byte, error) {
	prf, err := prfFor(version, suite)
	if err != nil {
		return nil, err
	}
	return prf(pms, labelExtendedMasterSecret, sessionHash, masterSecretLen), nil
}

// MasterFromPreMaster derives the master secret from a pre-master secret
// (from an RSA key, or a PMS_CLIENT_RANDOM key log line). With extended
// master secret (RFC 7627) pass the session hash; else nil.
func MasterFromPreMaster(version uint16, suite *Suite, pms, clientRandom, serverRandom, sessionHash []byte) ([]byte, error) {
	if sessionHash != nil {
		return emsFromPreMaster(version, suite, pms, sessionHash)
	}
	return masterFromPreMaster(version, suite, pms, clientRandom, serverRandom)
}

// KeyBlock is the key block of an SSL 3.0 - TLS 1.2 connection (RFC 5246
// 6.3), split into each side's MAC key, cipher key and IV.
type KeyBlock struct {
	ClientMAC, ServerMAC []byte
	ClientKey, ServerKey []byte
	ClientIV, ServerIV   []byte
}

// keysFromMasterSecret expands the master secret into the key block and
// splits it as sized by the suite table: 2*MAC + 2*key + 2*IV (RFC 5246 6.3).
// Export suites (SSL 3.0, TLS 1.0) then derive their final keys and IVs
// from the randoms (RFC 2246 6.3, RFC 6101 6.2.2).
func keysFromMasterSecret(version uint16, suite *Suite, master, clientRandom, serverRandom []byte) (clientMAC, serverMAC, clientKey, serverKey, clientIV, serverIV []byte, err error) {
	if suite.TLS13 || version > VersionTLS12 || version < VersionSSL30 {
		err = fmt.Errorf("%w: key block for suite %#04x in version %#04x", ErrVersion, suite.ID, version)
		return
	}
	macLen, keyLen, ivLen := suite.MACLen, suite.KeyLen, suite.IVLen
	if suite.Export {
		ivLen = 0 // export IVs come from the randoms alone
	}
	n := 2*macLen + 2*keyLen + 2*ivLen
	var kb []byte
	if version == VersionSSL30 {
		kb = ssl30KeyBlock(master, clientRandom, serverRandom, n)
	} else {
		prf, perr := prfFor(version, suite)
		if perr != nil {
			err = perr
			return
		}
		seed := append(append([]byte{}, serverRandom...), clientRandom...)
		kb = prf(master, labelKeyExpansion, seed, n)
	}
	take := func(k int) []byte {
		b := kb[:k:k]
		kb = kb[k:]
		return b
	}
	clientMAC, serverMAC = take(macLen), take(macLen)
	clientKey, serverKey = take(keyLen), take(keyLen)
	clientIV, serverIV = take(ivLen), take(ivLen)
	if suite.Export {
		clientKey, serverKey, clientIV, serverIV = exportKeys(version, suite, clientKey, serverKey, clientRandom, serverRandom)
	}
	return
}

// KeysFromMasterSecret is keysFromMasterSecret with its result in a
// KeyBlock.
func KeysFromMasterSecret(version uint16, suite *Suite, master, clientRandom, serverRandom []byte) (*KeyBlock, error) {
	if len(master) != masterSecretLen {
		return nil, fmt.Errorf("%w: master secret is %d bytes, want 48", ErrKeyLength, len(master))
	}
	cm, sm, ck, sk, ci, si, err := keysFromMasterSecret(version, suite, master, clientRandom, serverRandom)
	if err != nil {
		return nil, err
	}
	return &KeyBlock{ClientMAC: cm, ServerMAC: sm, ClientKey: ck, ServerKey: sk, ClientIV: ci, ServerIV: si}, nil
}

// exportKeys derives the final write keys and IVs of a 40-bit export suite:
// TLS 1.0 (RFC 2246 6.3) with the PRF, SSL 3.0 (RFC 6101 6.2.2) with MD5.
func exportKeys(version uint16, suite *Suite, ck, sk, clientRandom, serverRandom []byte) (clientKey, serverKey, clientIV, serverIV []byte) {
	cs := append(append([]byte{}, clientRandom...), serverRandom...)
	ivLen := suite.BlockSize // 0 for RC4
	if version == VersionSSL30 {
		md := func(parts ...[]byte) []byte {
			h := cmd5.New()
			for _, p := range parts {
				h.Write(p)
			}
			return h.Sum(nil)
		}
		clientKey = md(ck, clientRandom, serverRandom)[:suite.ExportKeyLen]
		serverKey = md(sk, serverRandom, clientRandom)[:suite.ExportKeyLen]
		clientIV = md(clientRandom, serverRandom)[:ivLen]
		serverIV = md(serverRandom, clientRandom)[:ivLen]
		return
	}
	// Export suites are defined up to TLS 1.0, but old OpenSSL releases
	// negotiated them in TLS 1.1 and 1.2 too; they then expand the keys
	// with that version's PRF (as Wireshark does to decrypt them).
	prf, err := prfFor(version, suite)
	if err != nil {
		prf = prf10
	}
	clientKey = prf(ck, labelClientWriteKey, cs, suite.ExportKeyLen)
	serverKey = prf(sk, labelServerWriteKey, cs, suite.ExportKeyLen)
	ivBlock := prf(nil, labelIVBlock, cs, 2*ivLen)
	clientIV, serverIV = ivBlock[:ivLen], ivBlock[ivLen:]
	return
}

// FinishedVerifyData computes the verify_data of a Finished message sent by
// the client (client true) or server, over the handshake messages in t
// before that Finished: SSL 3.0 (RFC 6101 5.6.9, 36 bytes), TLS 1.0/1.1
// (MD5+SHA-1) and TLS 1.2 (suite PRF hash), 12 bytes. TLS 1.3 is
// FinishedVerifyData13.
func FinishedVerifyData(version uint16, suite *Suite, master []byte, t *Transcript, client bool) ([]byte, error) {
	if version == VersionSSL30 {
		return ssl30Finished(master, t, client)
	}
	prf, err := prfFor(version, suite)
	if err != nil {
		return nil, err
	}
	sh, err := t.SessionHash(version, suite)
	if err != nil {
		return nil, err
	}
	label := labelServerFinished
	if client {
		label = labelClientFinished
	}
	return prf(master, label, sh, finishedLen), nil
}

// ssl30Finished is RFC 6101 5.6.9:
//
//	md5_hash = MD5(master + pad2 + MD5(handshake_messages + Sender + master + pad1))
//	sha_hash = SHA(master + pad2 + SHA(handshake_messages + Sender + master + pad1))
//
// with Sender "CLNT" or "SRVR"; pad1/pad2 are 48 bytes for MD5, 40 for SHA.
func ssl30Finished(master []byte, t *Transcript, client bool) ([]byte, error) {
	sender := []byte("SRVR")
	if client {
		sender = []byte("CLNT")
	}
	out := make([]byte, 0, ssl3FinishedLen)
	for _, h := range []crypto.Hash{crypto.MD5, crypto.SHA1} {
		inner, err := t.clone(h)
		if err != nil {
			return nil, err
		}
		padLen := ssl3PadLen(h)
		inner.Write(sender)
		inner.Write(master)
		inner.Write(ssl3Pad1[:padLen])
		outer := h.New()
		outer.Write(master)
		outer.Write(ssl3Pad2[:padLen])
		outer.Write(inner.Sum(nil))
		out = outer.Sum(out)
	}
	return out, nil
}

// ssl3PadLen is the SSL 3.0 pad length: 48 for MD5, 40 for SHA-1.
func ssl3PadLen(h crypto.Hash) int {
	if h == crypto.MD5 {
		return 48
	}
	return 40
}

// ssl3Pad1 and ssl3Pad2 are the SSL 3.0 MAC and Finished pads (RFC 6101
// 5.2.3.1): 0x36 and 0x5c repeated, of which the first ssl3PadLen bytes
// are used. They are never written.
var ssl3Pad1, ssl3Pad2 = repeatByte(0x36), repeatByte(0x5c)

func repeatByte(b byte) [48]byte {
	var p [48]byte
	for i := range p {
		p[i] = b
	}
	return p
}
