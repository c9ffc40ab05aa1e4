package dtls

import "fmt"

// Handshake message types that this package reads (the others are those of
// TLS, RFC 8446 section 4 and the IANA registry).
const (
	HandshakeClientHello        uint8 = 1
	HandshakeServerHello        uint8 = 2
	HandshakeHelloVerifyRequest uint8 = 3 // RFC 6347 section 4.2.1
)

// Caps of the handshake layer.
const (
	// FragmentHeaderLen is the length of a DTLS handshake header.
	FragmentHeaderLen = 12
	// MaxMessageLen is the largest handshake message accepted (the cap of
	// a TLS Certificate message).
	MaxMessageLen = 256 << 10
	// MaxCookieLen is the longest cookie (RFC 6347: cookie<0..2^8-1>).
	MaxCookieLen = 255
	// MaxSessionIDLen is the longest ClientHello session_id.
	MaxSessionIDLen = 32
	// MaxACKEntries is the largest number of record numbers kept from an
	// ACK (RFC 9147 section 7); a longer ACK is an error.
	MaxACKEntries = 1024
)

// Fragment is one handshake fragment (RFC 6347 section 4.2.2).
type Fragment struct {
	Type       uint8  // msg_type
	Length     uint32 // length of the whole message
	MessageSeq uint16 // message_seq
	Offset     uint32 // fragment_offset
	FragLen    uint32 // fragment_length
	Data       []byte // the fragment's bytes, FragLen of them
}

// ParseFragments decodes the handshake fragments of one handshake record's
// payload (a record may hold several): it keeps the first max of them
// (none when max <= 0) and counts the others in more. A fragment whose
// offset and length run past its message, a message above MaxMessageLen,
// or a fragment past the payload is an error wrapping ErrMalformed,
// returned with the fragments before it.
func ParseFragments(payload []byte, max int) ([]Fragment, int, error) {
	var frags []Fragment
	more := 0
	r := reader{b: payload}
	for len(r.b) > 0 {
		start := r.off
		var f Fragment
		f.Type = r.u8()
		f.Length = r.u24()
		f.MessageSeq = r.u16()
		f.Offset = r.u24()
		f.FragLen = r.u24()
		if r.bad {
			return frags, more, fmt.Errorf("%w: handshake header at offset %d: %d bytes", ErrMalformed, start, len(payload)-start)
		}
		if f.Length > MaxMessageLen {
			return frags, more, fmt.Errorf("%w: handshake message at offset %d: %d bytes, above %d", ErrMalformed, start, f.Length, MaxMessageLen)
		}
		if uint64(f.Offset)+uint64(f.FragLen) > uint64(f.Length) {
			return frags, more, fmt.Errorf("%w: handshake fragment at offset %d: %d+%d past a message of %d bytes", ErrMalformed, start, f.Offset, f.FragLen, f.Length)
		}
		f.Data = r.bytes(int(f.FragLen))
		if r.bad {
			return frags, more, fmt.Errorf("%w: handshake fragment at offset %d: %d bytes, %d in the record", ErrMalformed, start, f.FragLen, len(payload)-start-FragmentHeaderLen)
		}
		if len(frags) < max {
			frags = append(frags, f)
		} else {
			more++
		}
	}
	return frags, more, nil
}

// Whole reports whether f is a whole message, not a part of one.
func (f Fragment) Whole() bool { return f.Offset == 0 && f.FragLen == f.Length }

// Header4 returns the TLS handshake header of a message of type t and
// length bytes (RFC 8446 section 4: msg_type and a 24-bit length; length is
// cut to its low 24 bits), so that Header4(t, n) followed by a reassembled
// DTLS message body reads as a TLS handshake message.
func Header4(t uint8, length uint32) [4]byte {
	return [4]byte{t, byte(length >> 16), byte(length >> 8), byte(length)}
}

// Header12 returns the DTLS header of a whole handshake message of type t,
// length bytes and message_seq seq, as one fragment (fragment_offset 0,
// fragment_length = length; lengths cut to 24 bits). DTLS 1.0 and 1.2 hash
// their handshake messages with this header (RFC 6347 section 4.2.6).
func Header12(t uint8, length uint32, seq uint16) [12]byte {
	l0, l1, l2 := byte(length>>16), byte(length>>8), byte(length)
	return [12]byte{t, l0, l1, l2, byte(seq >> 8), byte(seq), 0, 0, 0, l0, l1, l2}
}

// ParseHelloVerifyRequest decodes the body of a HelloVerifyRequest (RFC
// 6347 section 4.2.1): server_version and cookie<0..2^8-1>. Bytes after the
// cookie are an error.
func ParseHelloVerifyRequest(body []byte) (version uint16, cookie []byte, err error) {
	r := reader{b: body}
	version = r.u16()
	cookie = r.bytes(int(r.u8()))
	if r.bad || len(r.b) != 0 {
		return 0, nil, fmt.Errorf("%w: hello_verify_request of %d bytes", ErrMalformed, len(body))
	}
	return version, cookie, nil
}

// ClientHelloCookie splits the body of a DTLS ClientHello (after its
// handshake header): legacy_version(2), random(32),
// session_id<0..32>, cookie<0..2^8-1> and the rest as in TLS. It returns the
// cookie, pointing into body, and tlsBody, a new copy of body without the
// cookie field (its length byte included), which a TLS ClientHello parser
// reads. What follows the cookie is not checked.
func ClientHelloCookie(body []byte) (cookie []byte, tlsBody []byte, err error) {
	r := reader{b: body}
	r.bytes(2 + 32)
	sid := r.u8()
	if !r.bad && sid > MaxSessionIDLen {
		return nil, nil, fmt.Errorf("%w: client_hello: session_id of %d bytes", ErrMalformed, sid)
	}
	r.bytes(int(sid))
	at := r.off
	cookie = r.bytes(int(r.u8()))
	if r.bad {
		return nil, nil, fmt.Errorf("%w: client_hello of %d bytes: no cookie", ErrMalformed, len(body))
	}
	tlsBody = make([]byte, 0, len(body)-1-len(cookie))
	tlsBody = append(append(tlsBody, body[:at]...), r.b...)
	return cookie, tlsBody, nil
}

// RecordNumber is one entry of a DTLS 1.3 ACK (RFC 9147 section 7).
type RecordNumber struct {
	Epoch uint64
	Seq   uint64
}

// ParseACK decodes the payload of an ACK record (content type 26):
// record_numbers<0..2^16-1>, 16 bytes each. A vector that is not a whole
// number of entries, trailing bytes, or more than MaxACKEntries entries is
// an error wrapping ErrMalformed.
func ParseACK(payload []byte) ([]RecordNumber, error) {
	r := reader{b: payload}
	n := int(r.u16())
	v := r.bytes(n)
	if r.bad || len(r.b) != 0 || n%16 != 0 {
		return nil, fmt.Errorf("%w: ack of %d bytes, vector of %d", ErrMalformed, len(payload), n)
	}
	if n/16 > MaxACKEntries {
		return nil, fmt.Errorf("%w: ack of %d record numbers, above %d", ErrMalformed, n/16, MaxACKEntries)
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]RecordNumber, 0, n/16)
	e := reader{b: v}
	for len(e.b) > 0 {
		out = append(out, RecordNumber{Epoch: e.u64(), Seq: e.u64()})
	}
	return out, nil
}
