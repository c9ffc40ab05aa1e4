package decrypt

import (
	"errors"
	"fmt"
)

// Errors returned by this package. Callers compare with errors.Is; most are
// wrapped with the detail of the offending input.
var (
	// ErrUnknownSuite: the cipher suite id is not in the crypto table.
	ErrUnknownSuite = errors.New("unknown cipher suite")
	// ErrUnsupportedCipher: the suite is known but its cipher is not built in.
	ErrUnsupportedCipher = errors.New("cipher not supported")
	// ErrVersion: the suite or operation does not exist in that protocol version.
	ErrVersion = errors.New("operation not defined for this protocol version")
	// ErrKeyLength: a key, IV or secret has the wrong length for the suite.
	ErrKeyLength = errors.New("wrong key length")
	// ErrShortRecord: the record payload is too short for the suite's framing.
	ErrShortRecord = errors.New("record too short")
	// ErrBadLength: the record payload length does not fit the cipher
	// (not a multiple of the block size, ...).
	ErrBadLength = errors.New("bad record length")
	// ErrNoInnerType: a TLS 1.3 inner plaintext is all zero padding.
	ErrNoInnerType = errors.New("TLS 1.3 record has no content type")
	// ErrDecompress: a compressed record did not inflate.
	ErrDecompress = errors.New("decompression failed")
	// ErrCompression: the compression method is not supported.
	ErrCompression = errors.New("unsupported compression method")

	// ErrUnknownLabel marks key log lines with a label this package does
	// not know; such lines are skipped, the error is a warning.
	ErrUnknownLabel = errors.New("unknown key log label")
	// ErrKeyLogSyntax marks malformed key log lines.
	ErrKeyLogSyntax = errors.New("malformed key log line")
	// ErrConflictingSecret marks a key log line whose secret differs from
	// one logged before for the same label and client random; both are
	// kept and tried, the error is a warning.
	ErrConflictingSecret = errors.New("conflicting key log secret")
	// ErrTooLarge: an input exceeded one of this package's caps.
	ErrTooLarge = errors.New("input too large")

	// ErrEncryptedKey: the PEM private key is password-protected.
	ErrEncryptedKey = errors.New("encrypted PEM private keys are not supported")
	// ErrNotRSA: the PEM block holds a key that is not RSA.
	ErrNotRSA = errors.New("not an RSA private key")
	// ErrBadKey: a private-key PEM block (or DER input) does not parse.
	ErrBadKey = errors.New("malformed private key")
	// ErrNoKey: the PEM input holds no private key.
	ErrNoKey = errors.New("no private key found")
	// ErrPreMaster: an RSA-encrypted pre-master secret did not decrypt to
	// 48 bytes.
	ErrPreMaster = errors.New("bad RSA pre-master secret")
	// ErrPreMasterVersion: the pre-master secret decrypted, but its first two
	// bytes are not the ClientHello version (some old clients do this; the
	// secret is still returned).
	ErrPreMasterVersion = errors.New("pre-master secret version differs from ClientHello version")
)

// LineError is a problem with one line of a key log. Its text is
// "name:line: detail", as compilers print it.
type LineError struct {
	Name string // "keys.log", "file.pcapng DSB #2"
	Line int    // 1-based
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Name, e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }
