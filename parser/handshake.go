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
//
// A message whose header declares a body above the caps is skipped by its
// declared length, across as many Writes as it takes, without being
// buffered: the error that reports it (an *Error wrapping ErrTooLarge) does
// not stop the reader, and the message after it is read as usual. Only
// holding more than maxBuffered bytes (a caller that does not drain the
// reader with Next) breaks it until Reset (Broken).
type HandshakeReader struct {
	buf []byte // buf[off:] is buffered; the backing array is reused until Reset
	off int
	// borrowed: buf is the fragment of the last Write, read where it is
	// (it came when nothing was buffered); own is then the reader's own
	// array, which what is left of the fragment moves to once Next has
	// taken the whole messages (unborrow).
	borrowed bool
	own      []byte
	consumed int // total bytes returned by Next or skipped since the last Reset, for error offsets
	skip     int // bytes of an oversized message still to be dropped as they come
	skipped  int // oversized messages skipped since the last Reset
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
// ErrTooLarge when a message whose header is complete declares a body above
// the caps (that message is then skipped by its declared length and never
// buffered; the reader goes on), or when more than maxBuffered bytes would be
// held (the reader is then Broken and keeps returning that error until
// Reset). Headers of later messages are checked when they come first, after
// Next has returned the messages before them.
//
// The reader reads fragment where it is, without copying it, until Next
// returns ErrNeedMore or an error, or Reset: the caller leaves it alone
// until then (it drains the reader after each Write).
func (r *HandshakeReader) Write(fragment []byte) error {
	if r.err != nil {
		return r.err
	}
	if r.skip > 0 {
		k := min(r.skip, len(fragment))
		r.skip -= k
		r.consumed += k
		fragment = fragment[k:]
	}
	if r.Pending()+len(fragment) > maxBuffered {
		r.err = &Error{Layer: "handshake", Field: "buffered bytes", Offset: r.consumed, Err: ErrTooLarge}
		return r.err
	}
	if r.Pending() == 0 {
		// Nothing held: the fragment's whole messages are read from it,
		// only its tail is copied (most records hold whole messages).
		if !r.borrowed {
			r.own = r.buf[:0]
		}
		r.buf, r.off, r.borrowed = fragment, 0, true
		return r.check()
	}
	r.unborrow()
	if r.off > 0 {
		n := copy(r.buf, r.buf[r.off:])
		r.buf, r.off = r.buf[:n], 0
	}
	r.buf = append(r.buf, fragment...)
	return r.check()
}

// unborrow moves what is buffered of a borrowed fragment into the reader's
// own array.
func (r *HandshakeReader) unborrow() {
	if !r.borrowed {
		return
	}
	r.buf = append(r.own[:0], r.buf[r.off:]...)
	r.own, r.off, r.borrowed = nil, 0, false
}

// drained empties the buffer, keeping the reader's own array (unless it
// is large).
func (r *HandshakeReader) drained() {
	if r.borrowed {
		r.buf, r.own, r.borrowed = r.own, nil, false
	}
	r.buf, r.off = r.buf[:0], 0
	if cap(r.buf) > maxKeptBuf {
		r.buf = nil // let a large backing array go
	}
}

// check validates the header of the first buffered message, if complete:
// a message above the caps is dropped (what is buffered of it now, the rest
// as later Writes bring it) and reported; the first of several such
// messages in a row is the one reported, all are skipped.
func (r *HandshakeReader) check() error {
	var first error
	for r.skip == 0 {
		s := cryptobyte.String(r.buf[r.off:])
		var typ uint8
		var n uint32
		if !s.ReadUint8(&typ) || !s.ReadUint24(&n) {
			break
		}
		if int(n) <= MaxHandshakeBodyLen(HandshakeType(typ)) {
			break
		}
		if first == nil {
			first = &Error{Layer: "handshake", Field: HandshakeType(typ).String() + " length", Offset: r.consumed, Err: ErrTooLarge}
		}
		r.skipped++
		total := 4 + int(n)
		have := min(total, r.Pending())
		r.off += have
		r.consumed += have
		r.skip = total - have
		if r.off == len(r.buf) {
			r.drained()
		}
	}
	return first
}

// Broken reports whether the reader stopped (too many bytes held) and needs
// a Reset.
func (r *HandshakeReader) Broken() bool { return r.err != nil }

// Skipped is how many messages above the caps were skipped since the last
// Reset.
func (r *HandshakeReader) Skipped() int { return r.skipped }

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
		r.unborrow() // the caller may reuse the fragment now
		return 0, nil, nil, ErrNeedMore
	}
	n := len(pending) - len(s)
	raw = append([]byte(nil), pending[:n]...)
	r.off += n
	if r.off == len(r.buf) {
		r.drained()
	}
	r.consumed += n
	return HandshakeType(t), raw[4:], raw, nil
}

// Pending is the number of buffered bytes not yet returned by Next.
func (r *HandshakeReader) Pending() int { return len(r.buf) - r.off }

// Skipping is the number of bytes of an oversized message that the reader
// still expects and will drop.
func (r *HandshakeReader) Skipping() int { return r.skip }

// Reset drops buffered bytes, with the buffer, and any error state.
func (r *HandshakeReader) Reset() { *r = HandshakeReader{} }
