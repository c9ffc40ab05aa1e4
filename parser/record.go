package parser

import (
	"strings"

	"golang.org/x/crypto/cryptobyte"
)

// Record-layer caps (RFC 8446 section 5.2, RFC 5246 section 6.2.3).
const (
	MaxPlaintextLen = 16384        // TLSPlaintext.length limit
	MaxRecordLen    = 16384 + 2048 // TLSCiphertext.length limit: above it the stream is out of sync
)

// Record is one record as framed on the wire. Payload aliases the input of
// ParseRecord; copy it before keeping it past the next read.
type Record struct {
	Type      ContentType
	Version   Version // legacy_record_version; VersionSSL20 for an SSLv2 record
	Payload   []byte
	SSLv2     bool // framed with an SSLv2 2- or 3-byte header; Payload then starts with the SSLv2 message type
	HeaderLen int  // 5 for TLS, 2 or 3 for SSLv2
}

// Verdict is what Sniff and FindHello make of a byte stream.
type Verdict uint8

const (
	VerdictNeedMore   Verdict = iota // too few bytes to decide
	VerdictTLS                       // an SSL 3.0/TLS record header (for FindHello: a hello)
	VerdictSSLv2Hello                // an SSLv2-format ClientHello (or an SSLv2 ServerHello)
	VerdictNotTLS                    // anything else
)

func (v Verdict) String() string {
	switch v {
	case VerdictNeedMore:
		return "need_more"
	case VerdictTLS:
		return "tls"
	case VerdictSSLv2Hello:
		return "sslv2_hello"
	case VerdictNotTLS:
		return "not_tls"
	}
	return hexName(uint8(v))
}

// validContentType: the SSL 3.0/TLS content types that can start a TLS
// (not DTLS) record.
func validContentType(t ContentType) bool {
	return t >= ContentTypeChangeCipherSpec && t <= ContentTypeHeartbeat
}

// validRecordVersion: SSL 3.0 to TLS 1.3 (0x0300-0x0304) and TLS 1.3 drafts
// (0x7fxx).
func validRecordVersion(v Version) bool {
	return (v >= VersionSSL30 && v <= VersionTLS13) || v.IsTLS13Draft()
}

// RecordHeader is the 5-byte header of an SSL 3.0/TLS record.
type RecordHeader struct {
	Type    ContentType
	Version Version // legacy_record_version
	Length  int     // of the payload that follows
}

// Plausible reports whether h could start a record of a stream not yet
// known to be TLS: besides ParseRecordHeader's checks, a version of SSL 3.0
// to TLS 1.3 (not a TLS 1.3 draft's 0x7fxx, which only ever follows a
// hello) and a payload of at least one byte.
func (h RecordHeader) Plausible() bool {
	return h.Version >= VersionSSL30 && h.Version <= VersionTLS13 && h.Length > 0
}

// ParseRecordHeader reads the record header at the start of b: every caller
// that frames SSL 3.0/TLS records goes through it. It returns ErrNeedMore
// while the header is incomplete, but an implausible header (unknown
// content type, a version other than SSL 3.0 - TLS 1.3 and the TLS 1.3
// drafts' 0x7fxx, a length above MaxRecordLen, an empty
// non-application_data record) is reported as an *Error as soon as the
// offending byte is there.
func ParseRecordHeader(b []byte) (RecordHeader, error) {
	s := cryptobyte.String(b)
	var h RecordHeader
	var typ uint8
	var length uint16
	if !s.ReadUint8(&typ) {
		return h, ErrNeedMore
	}
	h.Type = ContentType(typ)
	if !validContentType(h.Type) {
		return RecordHeader{}, malformed("record", "content_type", 0)
	}
	if len(s) >= 1 && s[0] != 3 && s[0] != 0x7f {
		return RecordHeader{}, malformed("record", "version", 1)
	}
	if !s.ReadUint16((*uint16)(&h.Version)) {
		return RecordHeader{}, ErrNeedMore
	}
	if !validRecordVersion(h.Version) {
		return RecordHeader{}, malformed("record", "version", 1)
	}
	if !s.ReadUint16(&length) {
		return RecordHeader{}, ErrNeedMore
	}
	if length > MaxRecordLen {
		return RecordHeader{}, &Error{Layer: "record", Field: "length", Offset: 3, Err: ErrTooLarge}
	}
	if length == 0 && h.Type != ContentTypeApplicationData {
		return RecordHeader{}, malformed("record", "length", 3)
	}
	h.Length = int(length)
	return h, nil
}

// ParseRecord splits the SSL 3.0/TLS record at the start of b. It returns
// the record and the number of bytes it takes (HeaderLen+len(Payload)).
// With too few bytes for a whole record it returns ErrNeedMore, but an
// implausible header (see ParseRecordHeader) is reported as an *Error as
// soon as the offending byte is there.
func ParseRecord(b []byte) (rec Record, n int, err error) {
	h, err := ParseRecordHeader(b)
	if err != nil {
		return Record{}, 0, err
	}
	s := cryptobyte.String(b[5:])
	var payload []byte
	if !s.ReadBytes(&payload, h.Length) {
		return Record{}, 0, ErrNeedMore
	}
	return Record{Type: h.Type, Version: h.Version, Payload: payload, HeaderLen: 5}, 5 + h.Length, nil
}

// ParseSSLv2Record splits an SSLv2 record (2-byte header when the top bit of
// the first byte is set, else 3-byte header with a padding count) at the
// start of b. Payload is the record data, starting with the SSLv2 message
// type; Type is set to ContentTypeHandshake for a CLIENT-HELLO or
// SERVER-HELLO, which are sent in clear, else 0.
func ParseSSLv2Record(b []byte) (rec Record, n int, err error) {
	s := cryptobyte.String(b)
	var hdr uint16
	if !s.ReadUint16(&hdr) {
		return rec, 0, ErrNeedMore
	}
	rec.SSLv2, rec.Version = true, VersionSSL20
	length := int(hdr & 0x7fff)
	rec.HeaderLen = 2
	if hdr&0x8000 == 0 {
		var padding uint8
		length = int(hdr & 0x3fff)
		rec.HeaderLen = 3
		if !s.ReadUint8(&padding) {
			return Record{}, 0, ErrNeedMore
		}
		if int(padding) > length {
			return Record{}, 0, malformed("sslv2_record", "padding", 2)
		}
	}
	if length == 0 {
		return Record{}, 0, malformed("sslv2_record", "length", 0)
	}
	var payload []byte
	if !s.ReadBytes(&payload, length) {
		return Record{}, 0, ErrNeedMore
	}
	rec.Payload = payload
	if payload[0] == SSLv2MsgClientHello || payload[0] == SSLv2MsgServerHello {
		rec.Type = ContentTypeHandshake
	}
	return rec, len(b) - len(s), nil
}

// Sniff decides whether b starts with an SSL/TLS record: an SSL 3.0/TLS
// record whose header is plausible and whose first bytes fit its content
// type (for a handshake record: a known message type whose length fits, and
// for a ClientHello or ServerHello a parseable hello when it is complete),
// or an SSLv2-format ClientHello or SSLv2 ServerHello (2-byte record header,
// as every SSLv2-compatible implementation sent them) with consistent
// lengths. It is stricter
// than ParseRecord: a record version 0x7fxx, or a heartbeat record whose
// first byte is not a heartbeat type, is not taken as the start of TLS. It
// returns VerdictNeedMore while b is too short to tell.
func Sniff(b []byte) Verdict {
	if len(b) == 0 {
		return VerdictNeedMore
	}
	if b[0]&0x80 != 0 {
		return sniffSSLv2Hello(b)
	}
	return sniffRecord(b, 0, helloFramed)
}

// sniffRecord checks the TLS record at the start of b. want is the hello
// type FindHello looks for, or 0 to accept any plausible record; check
// judges a hello held whole (helloFramed).
func sniffRecord(b []byte, want HandshakeType, check helloCheck) Verdict {
	rec, _, err := ParseRecord(b)
	switch {
	case err == ErrNeedMore:
		if len(b) < 5 {
			return VerdictNeedMore
		}
		// Header complete and valid, payload partial: judge what is there.
		s := cryptobyte.String(b)
		s.Skip(5)
		rec.Type = ContentType(b[0])
		rec.Payload = s
	case err != nil:
		return VerdictNotTLS
	}
	complete := err == nil
	if rec.Version.IsTLS13Draft() {
		// Accepted by ParseRecord once a connection is known to be TLS,
		// but no implementation starts a stream with such a record.
		return VerdictNotTLS
	}
	p := cryptobyte.String(rec.Payload)
	if want != 0 && rec.Type != ContentTypeHandshake {
		return VerdictNotTLS
	}
	switch rec.Type {
	case ContentTypeChangeCipherSpec:
		if p.Empty() {
			return VerdictNeedMore
		}
		if p[0] != 1 || (complete && len(p) != 1) {
			return VerdictNotTLS
		}
	case ContentTypeAlert:
		// Plaintext alerts are 2 bytes; encrypted ones are longer and look
		// random, so only a 2-byte alert is checked.
		if complete && len(p) == 2 && p[0] != byte(AlertLevelWarning) && p[0] != byte(AlertLevelFatal) {
			return VerdictNotTLS
		}
		if complete && len(p) < 2 {
			return VerdictNotTLS
		}
	case ContentTypeHandshake:
		if complete && len(p) < minHelloSniff {
			// A hello fragmented into tiny records (1 to 41 bytes each):
			// judge the fragments' bytes together.
			p, complete = joinHandshakeFragments(b, rec)
		}
		return sniffHandshake(p, complete, want, check)
	case ContentTypeHeartbeat:
		// Only a plaintext heartbeat (a Heartbleed probe before the
		// handshake) can start a stream.
		if p.Empty() {
			return VerdictNeedMore
		}
		if p[0] != byte(HeartbeatRequest) && p[0] != byte(HeartbeatResponse) {
			return VerdictNotTLS
		}
	}
	return VerdictTLS
}

// sniffHandshake checks the first handshake message of a record payload p.
// minHelloSniff is what sniffHandshake needs of a hello to judge it: the
// message header and the 38 bytes every hello starts with.
const minHelloSniff = 4 + 38

// joinHandshakeFragments returns the payload of the complete handshake
// record rec at the start of b joined with those of the handshake records
// of the same version that follow it, up to minHelloSniff bytes. complete
// is false when b ends before that much was found (more may come).
func joinHandshakeFragments(b []byte, rec Record) (cryptobyte.String, bool) {
	joined := append(make([]byte, 0, minHelloSniff), rec.Payload...)
	rest := b[5+len(rec.Payload):]
	for len(joined) < minHelloSniff {
		next, n, err := ParseRecord(rest)
		if err == ErrNeedMore {
			return joined, false
		}
		if err != nil || next.Type != ContentTypeHandshake || next.Version != rec.Version || len(next.Payload) == 0 {
			return joined, true
		}
		joined = append(joined, next.Payload[:min(len(next.Payload), minHelloSniff-len(joined))]...)
		rest = rest[n:]
	}
	return joined, true
}

func sniffHandshake(p cryptobyte.String, complete bool, want HandshakeType, check helloCheck) Verdict {
	var typ uint8
	var n uint32
	if !p.ReadUint8(&typ) || !p.ReadUint24(&n) {
		if complete {
			return VerdictNotTLS
		}
		return VerdictNeedMore
	}
	t := HandshakeType(typ)
	if want != 0 && t != want {
		return VerdictNotTLS
	}
	if !knownHandshakeType(t) || int(n) > MaxHandshakeBodyLen(t) {
		return VerdictNotTLS
	}
	if t != HandshakeTypeClientHello && t != HandshakeTypeServerHello {
		return VerdictTLS
	}
	if n < 38 {
		return VerdictNotTLS // no hello is shorter: version and random
	}
	// A hello: its version must be SSL 3.0..TLS 1.2 (TLS 1.3 keeps 0x0303),
	// or, in the ServerHello of a TLS 1.3 draft before -22, 0x0304 or the
	// draft's 0x7fxx.
	if len(p) < 2 {
		if complete {
			return VerdictNotTLS
		}
		return VerdictNeedMore
	}
	if v := Version(uint16(p[0])<<8 | uint16(p[1])); !validRecordVersion(v) {
		return VerdictNotTLS
	}
	if int(n) > len(p) {
		// The hello goes on in the next record(s), or its bytes have not all
		// arrived: the header checks are what can be done (a hello is at
		// least 38 bytes).
		if n < 38 || (complete && len(p) < 38) {
			return VerdictNotTLS
		}
		if !complete && len(p) < 38 {
			return VerdictNeedMore
		}
		return VerdictTLS
	}
	var body []byte
	p.ReadBytes(&body, int(n))
	if !check(t, body) {
		return VerdictNotTLS
	}
	return VerdictTLS
}

// helloCheck decides whether the body of a ClientHello or ServerHello that
// its record holds whole is a hello.
type helloCheck func(t HandshakeType, body []byte) bool

// helloFramed reports whether parseHandshake would decode the hello body
// (of type t: HandshakeTypeClientHello or HandshakeTypeServerHello) without
// an error, checking only what parseClientHello and parseServerHello can
// fail on: the fixed fields and the lengths of the vectors (a session id of
// at most 32 bytes, a non-empty even list of cipher suites, a non-empty
// list of compression methods; a ServerHello's suite and compression
// method, in the layout draftLayout tells), an extensions block that ends
// with the body, and extension headers that frame the block exactly. The
// contents of the extensions are not looked at, as ParseExtensions keeps a
// malformed extension body with its Err instead of failing. It decodes
// nothing and allocates nothing: the sniffer calls it on every candidate
// hello, and the session parses the hello it accepts.
// TestHelloFramedIsParse holds it to parseHandshake.
func helloFramed(t HandshakeType, body []byte) bool {
	s := cryptobyte.String(body)
	var v uint16
	if !s.ReadUint16(&v) || !s.Skip(32) {
		return false
	}
	var sid cryptobyte.String
	switch t {
	case HandshakeTypeClientHello:
		var suites, comp cryptobyte.String
		if !s.ReadUint8LengthPrefixed(&sid) || len(sid) > 32 ||
			!s.ReadUint16LengthPrefixed(&suites) || suites.Empty() || len(suites)%2 != 0 ||
			!s.ReadUint8LengthPrefixed(&comp) || comp.Empty() {
			return false
		}
	case HandshakeTypeServerHello:
		draft := draftLayout(Version(v))
		if !draft && (!s.ReadUint8LengthPrefixed(&sid) || len(sid) > 32) {
			return false
		}
		if !s.Skip(2) || !draft && !s.Skip(1) {
			return false
		}
	default:
		return false
	}
	if s.Empty() {
		return true
	}
	var block cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&block) || !s.Empty() {
		return false
	}
	for !block.Empty() {
		var data cryptobyte.String
		if !block.Skip(2) || !block.ReadUint16LengthPrefixed(&data) {
			return false
		}
	}
	return true
}

// sniffSSLv2Hello checks for an SSLv2 CLIENT-HELLO or SERVER-HELLO with a
// 2-byte record header whose lengths agree with the record length.
func sniffSSLv2Hello(b []byte) Verdict {
	s := cryptobyte.String(b)
	var hdr, version uint16
	var typ uint8
	if !s.ReadUint16(&hdr) || !s.ReadUint8(&typ) {
		return VerdictNeedMore
	}
	recLen := int(hdr & 0x7fff)
	var bodyLen int // bytes after the fixed part
	switch typ {
	case SSLv2MsgClientHello:
		// version, cipher_specs_length, session_id_length, challenge_length
		var csLen, sidLen, chLen uint16
		if !s.ReadUint16(&version) || !s.ReadUint16(&csLen) || !s.ReadUint16(&sidLen) || !s.ReadUint16(&chLen) {
			return VerdictNeedMore
		}
		if csLen == 0 || csLen%3 != 0 || sidLen > 32 || chLen < 16 || chLen > 32 {
			return VerdictNotTLS
		}
		bodyLen = 9 + int(csLen) + int(sidLen) + int(chLen)
	case SSLv2MsgServerHello:
		// session_id_hit, certificate_type, version, certificate_length,
		// cipher_specs_length, connection_id_length
		var hit, certType uint8
		var certLen, csLen, idLen uint16
		if !s.ReadUint8(&hit) || !s.ReadUint8(&certType) || !s.ReadUint16(&version) ||
			!s.ReadUint16(&certLen) || !s.ReadUint16(&csLen) || !s.ReadUint16(&idLen) {
			return VerdictNeedMore
		}
		if hit > 1 || certType > 1 || csLen%3 != 0 || idLen < 16 || idLen > 32 {
			return VerdictNotTLS
		}
		bodyLen = 11 + int(certLen) + int(csLen) + int(idLen)
	default:
		return VerdictNotTLS
	}
	if v := Version(version); v != VersionSSL20 && (v < VersionSSL30 || v > VersionTLS13) {
		return VerdictNotTLS
	}
	if recLen != bodyLen {
		return VerdictNotTLS
	}
	rec, _, err := ParseSSLv2Record(b)
	if err == ErrNeedMore {
		return VerdictSSLv2Hello // the lengths already agree
	}
	if err != nil {
		return VerdictNotTLS
	}
	if typ == SSLv2MsgClientHello {
		_, err = ParseSSLv2ClientHello(rec.Payload)
	} else {
		_, err = ParseSSLv2ServerHello(rec.Payload)
	}
	if err != nil {
		return VerdictNotTLS
	}
	return VerdictSSLv2Hello
}

// FindHello looks in b for the first offset where a TLS record carrying a
// ClientHello (typ = HandshakeTypeClientHello) or ServerHello
// (HandshakeTypeServerHello) starts, as after a plaintext STARTTLS exchange
// (SMTP, IMAP, POP3, FTP, LDAP, XMPP, PostgreSQL, MySQL). It returns the
// offset and VerdictTLS when the hello is validated (it parses when the
// record holds all of it); the offset and VerdictNeedMore when a candidate
// starts there but b ends too soon to tell (keep b from that offset); -1 and
// VerdictNotTLS when there is none.
func FindHello(b []byte, typ HandshakeType) (off int, v Verdict) {
	return findHello(b, typ, helloFramed)
}

// findHello is FindHello with check judging the hellos held whole.
func findHello(b []byte, typ HandshakeType, check helloCheck) (off int, v Verdict) {
	rest := cryptobyte.String(b)
	for !rest.Empty() {
		i := len(b) - len(rest)
		if rest[0] == byte(ContentTypeHandshake) {
			switch sniffRecord(rest, typ, check) {
			case VerdictTLS:
				return i, VerdictTLS
			case VerdictNeedMore:
				return i, VerdictNeedMore
			}
		}
		rest.Skip(1)
	}
	return -1, VerdictNotTLS
}

// knownHandshakeType reports whether t is in the registry (it has a name;
// an unknown one is named by hexName, "0x..", which no registered name
// begins with). A known type's name is a constant: nothing is allocated on
// the sniffer's path.
func knownHandshakeType(t HandshakeType) bool { return !strings.HasPrefix(t.String(), "0x") }
