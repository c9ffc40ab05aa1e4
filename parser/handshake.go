package parser

// Handshake-layer caps, checked before any allocation (rule 3).
const (
	MaxHandshakeLen   = 64 << 10  // any handshake message body
	MaxCertificateLen = 256 << 10 // Certificate and CompressedCertificate bodies
)

// HandshakeReader reassembles handshake messages from the payloads of
// consecutive handshake records of one direction (RFC 8446 5.1: a message
// may span records, a record may hold several messages).
type HandshakeReader struct {
	buf []byte
}

// Write appends one record's payload. It returns an *Error wrapping
// ErrTooLarge as soon as a pending message header declares a body above the
// caps; the reader is then unusable until Reset.
func (r *HandshakeReader) Write(fragment []byte) error {
	return errNotImplemented
}

// Next returns the next complete message: its type, its body, and raw (the
// 4-byte header followed by the body, for transcripts). Both are fresh
// copies. It returns ErrNeedMore when no complete message is buffered.
func (r *HandshakeReader) Next() (typ HandshakeType, body, raw []byte, err error) {
	return 0, nil, nil, errNotImplemented
}

// Pending is the number of buffered bytes not yet returned by Next.
func (r *HandshakeReader) Pending() int { return len(r.buf) }

// Reset drops buffered bytes and any error state.
func (r *HandshakeReader) Reset() { r.buf = nil }
