package parser

import (
	"errors"
	"fmt"
)

// ErrNeedMore means the input ends before the end of the unit being read (a
// record, a handshake message): wait for more bytes. It is never wrapped in
// an *Error, so callers may compare with ==, although errors.Is works too.
var ErrNeedMore = errors.New("parser: need more data")

// Sentinels wrapped by *Error.
var (
	// ErrMalformed: the bytes do not follow the wire format (a length that
	// overruns its container, trailing bytes, a forbidden value).
	ErrMalformed = errors.New("malformed")
	// ErrTooLarge: a declared length is above one of the package's caps
	// (MaxRecordLen, MaxHandshakeLen, MaxCertificateLen).
	ErrTooLarge = errors.New("too large")
)

// Error is a parse failure at a message or extension boundary.
type Error struct {
	Layer  string // "record", "handshake", "client_hello", "extension key_share", ...
	Field  string // the field being read when parsing failed, "" if none in particular
	Offset int    // byte offset of the failing unit within the input given to the parser
	Err    error  // ErrMalformed, ErrTooLarge, or a more specific cause
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s at offset %d: %v", e.Layer, e.Field, e.Offset, e.Err)
	}
	return fmt.Sprintf("%s at offset %d: %v", e.Layer, e.Offset, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// malformed builds the usual *Error for a failed read.
func malformed(layer, field string, off int) *Error {
	return &Error{Layer: layer, Field: field, Offset: off, Err: ErrMalformed}
}
