// Package seqnum rebuilds a counter from its low bits, as QUIC does for
// packet numbers (RFC 9000 appendix A.3) and DTLS 1.3 for record sequence
// numbers (RFC 9147 section 4.2.2): the value with those low bits nearest
// the next one expected.
package seqnum

// Nearest returns the value whose low bits are truncated that is closest
// to expected (one past the highest value seen), among values below
// limit (a power of two: 1<<62 for QUIC, 1<<48 for DTLS).
func Nearest(expected, truncated uint64, bits uint, limit uint64) uint64 {
	win := uint64(1) << bits
	hwin, mask := win/2, win-1
	cand := expected&^mask | truncated
	switch {
	case cand+hwin <= expected && cand < limit-win:
		return cand + win
	case cand > expected+hwin && cand >= win:
		return cand - win
	}
	return cand
}
