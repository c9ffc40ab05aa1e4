package seqnum

import "testing"

func TestNearest(t *testing.T) {
	for _, c := range []struct {
		expected, truncated uint64
		bits                uint
		limit, want         uint64
	}{
		// RFC 9000 appendix A.3's example: largest 0xa82f30ea, 0x9b32 in 16 bits.
		{0xa82f30eb, 0x9b32, 16, 1 << 62, 0xa82f9b32},
		{255, 0, 8, 1 << 48, 256},
		{256, 0xff, 8, 1 << 48, 255},
		{0, 0xff, 8, 1 << 48, 0xff},
		{1<<48 - 1, 0, 8, 1 << 48, 1<<48 - 256}, // no value at or past the limit
	} {
		if got := Nearest(c.expected, c.truncated, c.bits, c.limit); got != c.want {
			t.Errorf("Nearest(%#x, %#x, %d) = %#x, want %#x", c.expected, c.truncated, c.bits, got, c.want)
		}
	}
}
