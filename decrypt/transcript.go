package decrypt

import (
	"crypto"
	"encoding"
	"errors"
	"fmt"
	"hash"
	"slices"
)

// maxUnhashed is how many bytes of handshake messages a transcript keeps
// unhashed; past it, it hashes them (with the hashes it was told it needs,
// or all four it knows).
const maxUnhashed = 64 << 10

// errDropped: the transcript was let go (Drop) and cannot be hashed.
var errDropped = errors.New("transcript: no longer kept")

// The hashes a transcript may be asked for. These slices are never
// written.
var (
	transcriptHashes = []crypto.Hash{crypto.MD5, crypto.SHA1, crypto.SHA256, crypto.SHA384}
	hashesMD5SHA1    = []crypto.Hash{crypto.MD5, crypto.SHA1}
	hashesSHA256     = []crypto.Hash{crypto.SHA256}
	hashesSHA384     = []crypto.Hash{crypto.SHA384}
)

// Transcript accumulates the handshake messages (each with its 4-byte
// header) and gives their hash (MD5, SHA-1, SHA-256 or SHA-384) at any
// point. It hashes lazily: the messages are kept as they come until a
// hash is first asked for (or a Handshake learns a key that will ask for
// one), and from then on only the hashes named by Need run (all four if
// Need was not called), so that a connection pays for one hash (two, MD5
// and SHA-1, before TLS 1.2), and for none when no Finished can be checked
// (Drop). It is not safe for concurrent use.
type Transcript struct {
	kept    [][]byte      // messages not hashed yet, as added
	keptLen int           // their bytes
	need    []crypto.Hash // the hashes that will be asked for; nil: not known
	states  []hash.Hash   // running states of need, once hashing started
	dropped bool
}

// NewTranscript returns an empty transcript.
func NewTranscript() *Transcript { return &Transcript{} }

// Write adds handshake message bytes. It never fails.
func (t *Transcript) Write(p []byte) (int, error) {
	if t.states == nil && !t.dropped {
		p = append([]byte(nil), p...)
	}
	t.add(p)
	return len(p), nil
}

// add is Write without a copy: until it is hashed, p is kept, and must not
// change.
func (t *Transcript) add(p []byte) {
	switch {
	case t.dropped:
	case t.states != nil:
		for _, s := range t.states {
			s.Write(p)
		}
	default:
		t.kept = append(t.kept, p)
		t.keptLen += len(p)
		if t.keptLen > maxUnhashed {
			t.start()
		}
	}
}

// Need names the only hashes that will be asked for from now on (those of
// SessionHash for the negotiated version and suite): Sum of another may
// give nil.
func (t *Transcript) Need(hashes ...crypto.Hash) {
	if t.dropped || len(hashes) == 0 {
		return
	}
	if t.states != nil {
		// Hashing started before the hashes were known: keep those named.
		var keep []hash.Hash
		for i, h := range t.need {
			if slices.Contains(hashes, h) {
				keep = append(keep, t.states[i])
			}
		}
		t.states = keep
	}
	t.need = hashes
}

// Drop tells that the transcript will not be asked for again (no Finished
// can be checked): it lets its bytes go and stops hashing. Sum then gives
// nil.
func (t *Transcript) Drop() {
	t.dropped, t.kept, t.keptLen, t.states, t.need = true, nil, 0, nil, nil
}

// begin starts hashing now, when a hash will be asked for (a master
// secret or a handshake traffic secret is known) and the hashes needed are
// known: the bytes kept are hashed and let go.
func (t *Transcript) begin() {
	if !t.dropped && t.states == nil && t.need != nil {
		t.start()
	}
}

// start hashes what is kept with the hashes needed, and everything added
// after.
func (t *Transcript) start() {
	if t.need == nil {
		t.need = transcriptHashes
	}
	t.states = make([]hash.Hash, len(t.need))
	for i, h := range t.need {
		t.states[i] = h.New()
		for _, p := range t.kept {
			t.states[i].Write(p)
		}
	}
	t.kept, t.keptLen = nil, 0
}

// state returns the running state of h, starting to hash if h is needed.
func (t *Transcript) state(h crypto.Hash) (hash.Hash, bool) {
	if t.states == nil && slices.Contains(t.need, h) {
		t.start()
	}
	for i, th := range t.need {
		if th == h && t.states != nil {
			return t.states[i], true
		}
	}
	return nil, false
}

// unhashed hashes the messages kept with h, when hashing has not started
// and h is one of the four hashes.
func (t *Transcript) unhashed(h crypto.Hash) (hash.Hash, bool) {
	if t.dropped || t.states != nil || !slices.Contains(transcriptHashes, h) {
		return nil, false
	}
	s := h.New()
	for _, p := range t.kept {
		s.Write(p)
	}
	return s, true
}

// Sum returns the hash (MD5, SHA-1, SHA-256 or SHA-384) of the messages so
// far, or nil for another hash, a hash Need left out once hashing started,
// or after Drop.
func (t *Transcript) Sum(h crypto.Hash) []byte {
	if s, ok := t.state(h); ok {
		return s.Sum(nil)
	}
	if s, ok := t.unhashed(h); ok {
		return s.Sum(nil)
	}
	return nil
}

// clone returns an independent copy of the running state of h.
func (t *Transcript) clone(h crypto.Hash) (hash.Hash, error) {
	s, ok := t.state(h)
	if !ok {
		if s, ok := t.unhashed(h); ok {
			return s, nil
		}
		return nil, fmt.Errorf("transcript: no %v state", h)
	}
	m, ok := s.(encoding.BinaryMarshaler)
	if !ok {
		return nil, fmt.Errorf("transcript: %v state cannot be cloned", h)
	}
	st, err := m.MarshalBinary()
	if err != nil {
		return nil, err
	}
	c := h.New()
	if err := c.(encoding.BinaryUnmarshaler).UnmarshalBinary(st); err != nil {
		return nil, err
	}
	return c, nil
}

// sessionHashes are the hashes SessionHash takes for version and suite,
// nil for a version it does not know.
func sessionHashes(version uint16, suite *Suite) []crypto.Hash {
	h := crypto.SHA256
	switch version {
	case VersionSSL30, VersionTLS10, VersionTLS11:
		return hashesMD5SHA1
	case VersionTLS12:
		if suite != nil && suite.PRFHash != 0 {
			h = suite.PRFHash
		}
	case VersionTLS13:
		if suite == nil {
			return nil
		}
		h = suite.PRFHash
	default:
		return nil
	}
	switch h {
	case crypto.SHA256:
		return hashesSHA256
	case crypto.SHA384:
		return hashesSHA384
	}
	return nil
}

// SessionHash is the hash a TLS 1.0-1.2 PRF takes as handshake digest
// (Finished, extended master secret): MD5 || SHA-1 before TLS 1.2, the
// suite's PRF hash in TLS 1.2.
func (t *Transcript) SessionHash(version uint16, suite *Suite) ([]byte, error) {
	if t.dropped {
		return nil, errDropped
	}
	switch version {
	case VersionSSL30, VersionTLS10, VersionTLS11:
		return append(t.Sum(crypto.MD5), t.Sum(crypto.SHA1)...), nil
	case VersionTLS12:
		h := crypto.SHA256
		if suite != nil && suite.PRFHash != 0 {
			h = suite.PRFHash
		}
		return t.Sum(h), nil
	case VersionTLS13:
		if suite == nil {
			return nil, fmt.Errorf("%w: TLS 1.3 transcript hash needs a suite", ErrVersion)
		}
		return t.Sum(suite.PRFHash), nil
	}
	return nil, fmt.Errorf("%w: %#04x", ErrVersion, version)
}
