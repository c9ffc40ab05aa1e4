package parser

import "golang.org/x/crypto/cryptobyte"

// Handshake-layer caps, checked before any allocation (rule 3).
const (
	MaxHandshakeLen   = 64 << 10  // any handshake message body
	MaxCertificateLen = 256 << 10 // Certificate and CompressedCertificate bodies
)

// MaxHandshakeBodyLen is the cap on the body of a message of type typ.
func MaxHandshakeBodyLen(typ HandshakeType) int {
	if typ == HandshakeTypeCertificate || typ == HandshakeTypeCompressedCertificate {
		return MaxCertificateLen
	}
	return MaxHandshakeLen
}

// HandshakeReader reassembles handshake messages from the payloads of
// consecutive handshake records of one direction (RFC 8446 5.1: a message
// may span records, a record may hold several messages). The zero value is
// ready to use.
type HandshakeReader struct {
	buf      []byte // buf[off:] is buffered; the backing array is reused until Reset
	off      int
	consumed int // total bytes returned by Next since the last Reset, for error offsets
	err      error
}

// maxBuffered bounds what a reader holds when its caller does not drain it
// with Next: the largest message plus one record.
const maxBuffered = 4 + MaxCertificateLen + MaxRecordLen

// maxKeptBuf: a drained buffer larger than this is let go rather than kept
// for the next record (a live connection should not hold a certificate
// chain's worth of buffer).
const maxKeptBuf = 8 << 10

// Write appends one record's payload. It returns an *Error wrapping
// ErrTooLarge when the header of the first buffered message declares a body
// above the caps (so that its body is never buffered), or when more than
// maxBuffered bytes would be held; the reader then keeps returning that
// error until Reset. Headers of later messages are checked when they come
// first, after Next has returned the messages before them.
func (r *HandshakeReader) Write(fragment []byte) error {
	if r.err != nil {
		return r.err
	}
	if r.Pending()+len(fragment) > maxBuffered {
		r.err = &Error{Layer: "handshake", Field: "buffered bytes", Offset: r.consumed, Err: ErrTooLarge}
		return r.err
	}
	if r.off > 0 {
		n := copy(r.buf, r.buf[r.off:])
		r.buf, r.off = r.buf[:n], 0
	}
	r.buf = append(r.buf, fragment...)
	return r.check()
}

// check validates the header of the first buffered message, if complete.
func (r *HandshakeReader) check() error {
	s := cryptobyte.String(r.buf[r.off:])
	var typ uint8
	var n uint32
	if !s.ReadUint8(&typ) || !s.ReadUint24(&n) {
		return nil
	}
	if int(n) > MaxHandshakeBodyLen(HandshakeType(typ)) {
		r.err = &Error{Layer: "handshake", Field: HandshakeType(typ).String() + " length", Offset: r.consumed, Err: ErrTooLarge}
		return r.err
	}
	return nil
}

// Next returns the next complete message: its type, its body, and raw (the
// 4-byte header followed by the body, for transcripts). Both are fresh
// copies; body aliases raw. It returns ErrNeedMore when no complete message
// is buffered.
func (r *HandshakeReader) Next() (typ HandshakeType, body, raw []byte, err error) {
	if r.err != nil {
		return 0, nil, nil, r.err
	}
	if err := r.check(); err != nil {
		return 0, nil, nil, err
	}
	pending := r.buf[r.off:]
	s := cryptobyte.String(pending)
	var t uint8
	var b cryptobyte.String
	if !s.ReadUint8(&t) || !s.ReadUint24LengthPrefixed(&b) {
		return 0, nil, nil, ErrNeedMore
	}
	n := len(pending) - len(s)
	raw = append([]byte(nil), pending[:n]...)
	r.off += n
	if r.off == len(r.buf) {
		r.buf, r.off = r.buf[:0], 0
		if cap(r.buf) > maxKeptBuf {
			r.buf = nil // let a large backing array go
		}
	}
	r.consumed += n
	return HandshakeType(t), raw[4:], raw, nil
}

// Pending is the number of buffered bytes not yet returned by Next.
func (r *HandshakeReader) Pending() int { return len(r.buf) - r.off }

// Reset drops buffered bytes, with the buffer, and any error state.
func (r *HandshakeReader) Reset() { *r = HandshakeReader{} }
