package quic

import "errors"

// ErrMalformed: the bytes do not follow the wire format.
var ErrMalformed = errors.New("quic: malformed")

// MaxVarint is the largest value a variable-length integer can hold.
const MaxVarint = 1<<62 - 1

// ReadVarint decodes the variable-length integer at the start of b
// (RFC 9000 section 16): its value and its length in bytes (1, 2, 4 or 8),
// or n == 0 when b is too short.
func ReadVarint(b []byte) (v uint64, n int) {
	if len(b) == 0 {
		return 0, 0
	}
	n = 1 << (b[0] >> 6)
	if len(b) < n {
		return 0, 0
	}
	v = uint64(b[0] & 0x3f)
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	return v, n
}

// AppendVarint appends v in its shortest encoding; v must be <= MaxVarint.
func AppendVarint(b []byte, v uint64) []byte {
	switch {
	case v < 1<<6:
		return append(b, byte(v))
	case v < 1<<14:
		return append(b, byte(v>>8)|0x40, byte(v))
	case v < 1<<30:
		return append(b, byte(v>>24)|0x80, byte(v>>16), byte(v>>8), byte(v))
	}
	return append(b, byte(v>>56)|0xc0, byte(v>>48), byte(v>>40), byte(v>>32),
		byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// reader walks a byte slice; the first failed read sets bad and makes every
// later read fail, so a parser checks once at the end of a unit.
type reader struct {
	b   []byte
	off int // bytes consumed, for error offsets
	bad bool
}

func (r *reader) varint() uint64 {
	if r.bad {
		return 0
	}
	v, n := ReadVarint(r.b)
	if n == 0 {
		r.bad = true
		return 0
	}
	r.b, r.off = r.b[n:], r.off+n
	return v
}

func (r *reader) bytes(n uint64) []byte {
	if r.bad || n > uint64(len(r.b)) {
		r.bad = true
		return nil
	}
	v := r.b[:n:n]
	r.b, r.off = r.b[n:], r.off+int(n)
	return v
}

func (r *reader) u8() byte {
	v := r.bytes(1)
	if v == nil {
		return 0
	}
	return v[0]
}

func (r *reader) u32() uint32 {
	v := r.bytes(4)
	if v == nil {
		return 0
	}
	return uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
}
