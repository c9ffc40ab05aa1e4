package dtls

import (
	"errors"
	"fmt"
)

// ErrMalformed: the bytes do not follow the wire format.
var ErrMalformed = errors.New("dtls: malformed")

// Content types of the record layer (RFC 6347, RFC 9146, RFC 9147).
const (
	ContentChangeCipherSpec uint8 = 20
	ContentAlert            uint8 = 21
	ContentHandshake        uint8 = 22
	ContentApplicationData  uint8 = 23
	ContentHeartbeat        uint8 = 24 // RFC 6520
	ContentTLS12CID         uint8 = 25 // RFC 9146: a record with a connection ID
	ContentACK              uint8 = 26 // RFC 9147 section 7
)

// Record layer versions.
const (
	VersionDTLS10 uint16 = 0xfeff
	VersionDTLS12 uint16 = 0xfefd
	// VersionDTLS13 is only negotiated (supported_versions); DTLS 1.3
	// records carry 0xfefd, or have a unified header with no version.
	VersionDTLS13 uint16 = 0xfefc
	// VersionDTLS10OpenSSL is the version of OpenSSL's DTLS before RFC 4347
	// (OpenSSL 0.9.8 before 0.9.8f, "DTLS1_BAD_VER").
	VersionDTLS10OpenSSL uint16 = 0x0100
)

// Sizes of the record layer.
const (
	// PlainHeaderLen is the length of a DTLS 1.0/1.2 record header without
	// a connection ID: type, version, epoch, sequence number, length.
	PlainHeaderLen = 13
	// MaxRecordLen is the largest record payload accepted: 2^14 bytes of
	// plaintext and 2048 of expansion (RFC 6347 section 4.1.1, which keeps
	// the bound of TLS 1.2). Past it the bytes are not a record.
	MaxRecordLen = 16384 + 2048
	// MaxCIDLen is the longest connection ID (RFC 9146: cid<0..2^8-1>).
	MaxCIDLen = 255
	// MaxSeq is the largest 48-bit sequence number.
	MaxSeq = 1<<48 - 1
)

// Bits of the first byte of a DTLS 1.3 unified header, 0b001CSLEE (RFC
// 9147 section 4).
const (
	UnifiedFixedMask = 0xe0 // the three fixed bits
	UnifiedFixed     = 0x20 // their value, 001
	UnifiedCID       = 0x10 // C: a connection ID follows
	UnifiedSeq16     = 0x08 // S: a 16-bit sequence number, else 8 bits
	UnifiedLength    = 0x04 // L: a length field is present
	UnifiedEpoch     = 0x03 // EE: the low two bits of the epoch
)

// Record is one record of a datagram.
type Record struct {
	// ContentType is the content type of a plain header; for a unified
	// header it is the header's first byte (0x20 to 0x3f), and the true
	// content type is inside the encrypted DTLSInnerPlaintext.
	ContentType uint8
	// Version is the record version of a plain header (0 for unified).
	Version uint16
	// Epoch is the epoch of a plain header (0 for unified, see EpochBits).
	Epoch uint16
	// Seq is the 48-bit sequence number of a plain header; for a unified
	// header, the SeqLen bytes of the sequence number as sent: encrypted,
	// and only the low bits.
	Seq uint64
	// Payload is the record's fragment (ciphertext once a cipher is on).
	Payload []byte
	// Unified is set for a DTLS 1.3 unified header; the fields below are
	// for it, except CID and Header, which tls12_cid records also fill.
	Unified bool
	// CID is the connection ID (unified header with the C bit, or a
	// tls12_cid record), nil when there is none.
	CID []byte
	// SeqLen is the length in bytes of a unified header's sequence number,
	// 1 or 2.
	SeqLen int
	// EpochBits is the low two bits of the epoch of a unified header.
	EpochBits uint8
	// HasLength is set when a unified header has a length field; without
	// it the record takes the rest of the datagram.
	HasLength bool
	// Header is the record's header bytes, the additional data of its
	// AEAD (for a unified header: with the sequence number as sent).
	Header []byte
}

// ParseRecord decodes the record at the start of b and returns it with
// the rest of the datagram. cidLen is the length of the connection ID the
// reader expects in tls12_cid records and unified headers with the C bit
// (0 to MaxCIDLen). Any version is accepted; a first byte that starts
// neither a plain header (content types 20 to 26) nor a unified header, a
// length past the datagram or above MaxRecordLen is an error wrapping
// ErrMalformed.
func ParseRecord(b []byte, cidLen int) (Record, []byte, error) {
	rec, rest, f := parseRecord(b, cidLen)
	if f.kind != failNone {
		return rec, nil, f.err(len(b))
	}
	return rec, rest, nil
}

// failure is why a record does not parse, as a value, so that probing
// (LooksLikeDTLS) allocates nothing; err makes the error.
type failure struct {
	kind uint8
	n    int // the value at fault: a length, a content type
	have int // bytes left for the payload
}

const (
	failNone = iota
	failCIDLen
	failEmpty
	failType
	failHeader
	failTooLarge
	failPastEnd
)

func (f failure) err(size int) error {
	switch f.kind {
	case failCIDLen:
		return fmt.Errorf("%w: connection ID length %d", ErrMalformed, f.n)
	case failEmpty:
		return fmt.Errorf("%w: empty record", ErrMalformed)
	case failType:
		return fmt.Errorf("%w: content type %d", ErrMalformed, f.n)
	case failHeader:
		return fmt.Errorf("%w: record header of %d bytes", ErrMalformed, size)
	case failTooLarge:
		return fmt.Errorf("%w: record of %d bytes, above %d", ErrMalformed, f.n, MaxRecordLen)
	}
	return fmt.Errorf("%w: record of %d bytes, %d in the datagram", ErrMalformed, f.n, f.have)
}

// parseRecord is ParseRecord with a failure value instead of an error.
func parseRecord(b []byte, cidLen int) (Record, []byte, failure) {
	if cidLen < 0 || cidLen > MaxCIDLen {
		return Record{}, nil, failure{kind: failCIDLen, n: cidLen}
	}
	if len(b) == 0 {
		return Record{}, nil, failure{kind: failEmpty}
	}
	var rec Record
	r := reader{b: b}
	first := r.u8()
	rec.ContentType = first
	n := 0
	if first&UnifiedFixedMask == UnifiedFixed {
		// DTLS 1.3 unified header (RFC 9147 section 4).
		rec.Unified, rec.SeqLen = true, 1
		rec.EpochBits = first & UnifiedEpoch
		rec.HasLength = first&UnifiedLength != 0
		if first&UnifiedCID != 0 {
			rec.CID = r.bytes(cidLen)
		}
		if first&UnifiedSeq16 != 0 {
			rec.SeqLen = 2
		}
		rec.Seq = r.uint(rec.SeqLen)
		n = len(r.b)
		if rec.HasLength {
			n = int(r.u16())
		}
	} else {
		if first < ContentChangeCipherSpec || first > ContentACK {
			return rec, nil, failure{kind: failType, n: int(first)}
		}
		rec.Version = r.u16()
		rec.Epoch = r.u16()
		rec.Seq = r.u48()
		if first == ContentTLS12CID {
			rec.CID = r.bytes(cidLen)
		}
		n = int(r.u16())
	}
	if r.bad {
		return rec, nil, failure{kind: failHeader}
	}
	hdr := r.off
	if n > MaxRecordLen {
		return rec, nil, failure{kind: failTooLarge, n: n}
	}
	rec.Payload = r.bytes(n)
	if r.bad {
		return rec, nil, failure{kind: failPastEnd, n: n, have: len(b) - hdr}
	}
	rec.Header = b[:hdr:hdr]
	return rec, r.rest(), failure{}
}

// ParseDatagram decodes the records of one UDP datagram: it keeps the
// first max of them (none when max <= 0) and counts the others in more.
// On a bad record it returns the records before it and an error wrapping
// ErrMalformed. cidLen is as for ParseRecord.
func ParseDatagram(b []byte, cidLen int, max int) (records []Record, more int, err error) {
	for off := 0; len(b) > 0; {
		rec, rest, err := ParseRecord(b, cidLen)
		if err != nil {
			return records, more, fmt.Errorf("record %d at offset %d: %w", len(records)+more, off, err)
		}
		off += len(b) - len(rest)
		b = rest
		if len(records) < max {
			records = append(records, rec)
		} else {
			more++
		}
	}
	return records, more, nil
}

// knownVersion reports whether v is a version seen in plain headers.
func knownVersion(v uint16) bool {
	return v == VersionDTLS10 || v == VersionDTLS12 || v == VersionDTLS10OpenSSL
}

// LooksLikeDTLS reports whether a UDP payload starts with a plausible DTLS
// record, to find DTLS by content on any port: a plain header of content
// type 20 to 26, of version 0xfeff, 0xfefd or 0x0100, whose length fits the
// datagram, or a DTLS 1.3 unified header with a length field that fits
// (and at least the 16 bytes that sequence number protection samples).
// The length of a connection ID is not known here: for a tls12_cid record
// or a unified header with the C bit, some length from 0 to MaxCIDLen must
// make the whole datagram parse.
func LooksLikeDTLS(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if b[0]&UnifiedFixedMask == UnifiedFixed {
		if b[0]&UnifiedLength == 0 {
			return false
		}
		if b[0]&UnifiedCID == 0 {
			rec, _, f := parseRecord(b, 0)
			return f.kind == failNone && len(rec.Payload) >= 16
		}
		return anyCIDLen(b)
	}
	if len(b) < PlainHeaderLen || b[0] < ContentChangeCipherSpec || b[0] > ContentACK ||
		!knownVersion(uint16(b[1])<<8|uint16(b[2])) {
		return false
	}
	if b[0] == ContentTLS12CID {
		return anyCIDLen(b)
	}
	_, _, f := parseRecord(b, 0)
	return f.kind == failNone
}

// GuessCIDLen finds the connection ID length of a datagram whose reader
// does not know it (DTLS 1.3 sends the server's in its encrypted
// EncryptedExtensions): the shortest length, 0 to MaxCIDLen, with which
// every record of b parses, and whether it is the only one. ok is false
// when none does.
func GuessCIDLen(b []byte) (n int, unique, ok bool) {
	n = -1
	for l := 0; l <= MaxCIDLen && l < len(b); l++ {
		if !fits(b, l) {
			continue
		}
		if n >= 0 {
			return n, false, true
		}
		n = l
	}
	return n, n >= 0, n >= 0
}

// anyCIDLen reports whether some connection ID length makes all of b parse.
func anyCIDLen(b []byte) bool {
	for n := 0; n <= MaxCIDLen && n < len(b); n++ {
		if fits(b, n) {
			return true
		}
	}
	return false
}

// fits reports whether b is whole records when read with cidLen, at most
// maxProbe of them, without allocating.
func fits(b []byte, cidLen int) bool {
	for i := 0; len(b) > 0; i++ {
		rec, rest, f := parseRecord(b, cidLen)
		if f.kind != failNone || i == maxProbe || rec.Unified && len(rec.Payload) < 16 {
			// A unified header's record is encrypted, with at least
			// the 16 bytes its sequence number protection samples.
			return false
		}
		b = rest
	}
	return true
}

// maxProbe bounds the records fits reads: 256 connection ID lengths times
// this many records per datagram.
const maxProbe = 16

// IsDTLSFirstByte reports whether a UDP payload starting with b0 is DTLS
// by the demultiplexing ranges of RFC 7983 section 7 (20 to 63).
func IsDTLSFirstByte(b0 byte) bool { return b0 >= 20 && b0 <= 63 }

// STUNMagicCookie is the magic cookie of STUN messages (RFC 8489 section 5).
const STUNMagicCookie = 0x2112a442

// Classify names the protocol of a UDP payload by the demultiplexing of RFC
// 7983 section 7: "stun" (first byte 0 to 3, with the magic cookie at bytes
// 4 to 7), "zrtp" (16 to 19), "dtls" (20 to 63), "turn" (a TURN channel,
// 64 to 79), "rtp" (RTP or RTCP, 128 to 191), or "unknown".
func Classify(b []byte) string {
	if len(b) == 0 {
		return "unknown"
	}
	switch b0 := b[0]; {
	case b0 <= 3:
		if len(b) >= 20 && uint32(b[4])<<24|uint32(b[5])<<16|uint32(b[6])<<8|uint32(b[7]) == STUNMagicCookie {
			return "stun"
		}
	case b0 >= 16 && b0 <= 19:
		return "zrtp"
	case IsDTLSFirstByte(b0):
		return "dtls"
	case b0 >= 64 && b0 <= 79:
		return "turn"
	case b0 >= 128 && b0 <= 191:
		return "rtp"
	}
	return "unknown"
}

// VersionName names a DTLS version, with a hex fallback.
func VersionName(v uint16) string {
	switch v {
	case VersionDTLS10:
		return "DTLS 1.0"
	case VersionDTLS12:
		return "DTLS 1.2"
	case VersionDTLS13:
		return "DTLS 1.3"
	case VersionDTLS10OpenSSL:
		return "DTLS 1.0 (OpenSSL pre-RFC)"
	}
	return fmt.Sprintf("0x%04x", v)
}

// reader walks a byte slice; the first failed read sets bad and makes every
// later read fail, so a parser checks once at the end of a unit. Slices it
// returns have their capacity capped at their length.
type reader struct {
	b   []byte
	off int // bytes consumed, for error offsets
	bad bool
}

func (r *reader) bytes(n int) []byte {
	if r.bad || n < 0 || n > len(r.b) {
		r.bad = true
		return nil
	}
	v := r.b[:n:n]
	r.b, r.off = r.b[n:], r.off+n
	return v
}

// rest returns what is left, capped, and consumes it.
func (r *reader) rest() []byte {
	if r.bad {
		return nil
	}
	return r.bytes(len(r.b))
}

func (r *reader) uint(n int) uint64 {
	var v uint64
	for _, c := range r.bytes(n) {
		v = v<<8 | uint64(c)
	}
	return v
}

func (r *reader) u8() uint8   { return uint8(r.uint(1)) }
func (r *reader) u16() uint16 { return uint16(r.uint(2)) }
func (r *reader) u24() uint32 { return uint32(r.uint(3)) }
func (r *reader) u48() uint64 { return r.uint(6) }
func (r *reader) u64() uint64 { return r.uint(8) }
