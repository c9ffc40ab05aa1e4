package dns

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/cryptobyte"

	"github.com/ssldissect/ssldissect/parser"
)

// Caps, checked before anything is allocated; exceeding one is an error
// wrapping parser.ErrTooLarge.
const (
	MaxMessageLen = 65535 // a DNS message (UDP or TCP)
	MaxQuestions  = 16    // questions decoded (real messages have one)
	MaxAnswers    = 64    // answer records decoded
	MaxSVCParams  = 64    // SvcParams in one SVCB/HTTPS record
	MaxNameLen    = 255   // a name in wire form (RFC 1035 2.3.4)
	MaxPointers   = 32    // compression pointers followed in one name
)

// Type is a resource record TYPE.
type Type uint16

// Record types ssldissect names.
const (
	TypeA     Type = 1
	TypeNS    Type = 2
	TypeCNAME Type = 5
	TypeSOA   Type = 6
	TypePTR   Type = 12
	TypeMX    Type = 15
	TypeTXT   Type = 16
	TypeAAAA  Type = 28
	TypeOPT   Type = 41
	TypeSVCB  Type = 64
	TypeHTTPS Type = 65
)

var typeNames = map[Type]string{TypeA: "A", TypeNS: "NS", TypeCNAME: "CNAME", TypeSOA: "SOA", TypePTR: "PTR",
	TypeMX: "MX", TypeTXT: "TXT", TypeAAAA: "AAAA", TypeOPT: "OPT", TypeSVCB: "SVCB", TypeHTTPS: "HTTPS"}

// String is the mnemonic, or TYPEn (RFC 3597) for the others.
func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// SvcParamKeys of RFC 9460 section 14.3.2.
const (
	SvcParamMandatory     uint16 = 0
	SvcParamALPN          uint16 = 1
	SvcParamNoDefaultALPN uint16 = 2
	SvcParamPort          uint16 = 3
	SvcParamIPv4Hint      uint16 = 4
	SvcParamECH           uint16 = 5
	SvcParamIPv6Hint      uint16 = 6
)

// Header is the fixed 12-byte header.
type Header struct {
	ID                                 uint16
	Flags                              uint16 // QR, Opcode, AA, TC, RD, RA, Z, AD, CD, RCODE
	QDCount, ANCount, NSCount, ARCount uint16
}

// Response reports the QR bit.
func (h Header) Response() bool { return h.Flags&0x8000 != 0 }

// Opcode is the 4-bit OPCODE (0: a standard query).
func (h Header) Opcode() uint8 { return uint8(h.Flags>>11) & 0xf }

// RCode is the 4-bit RCODE of the header (0: no error).
func (h Header) RCode() uint8 { return uint8(h.Flags & 0xf) }

// Question is one entry of the question section.
type Question struct {
	Name  string
	Type  Type
	Class uint16
}

// Resource is one resource record. Data is the RDATA as sent (a copy);
// SVCB is set for SVCB and HTTPS records whose RDATA decoded.
type Resource struct {
	Name  string
	Type  Type
	Class uint16
	TTL   uint32
	Data  []byte
	SVCB  *SVCB
}

// SVCB is the RDATA of an SVCB or HTTPS record (RFC 9460 2.2).
type SVCB struct {
	Priority uint16
	Target   string
	Params   []SvcParam
}

// SvcParam is one SvcParamKey and its value (a copy).
type SvcParam struct {
	Key   uint16
	Value []byte
}

// Param returns the value of the parameter key.
func (s *SVCB) Param(key uint16) ([]byte, bool) {
	for _, p := range s.Params {
		if p.Key == key {
			return p.Value, true
		}
	}
	return nil, false
}

// Message is a decoded DNS message: its header, questions and answers.
// The authority and additional sections are not decoded.
type Message struct {
	Header
	Questions []Question
	Answers   []Resource
}

// ECHConfigList is one ech SvcParam of an answer: Query is the name of
// the message's first question, Owner the record's owner name (the two
// differ after a CNAME or an AliasMode hop).
type ECHConfigList struct {
	Query, Owner string
	Type         Type
	List         []byte
}

// ECHConfigLists returns the ech SvcParams of the HTTPS and SVCB answers
// of a response, in order.
func (m *Message) ECHConfigLists() []ECHConfigList {
	if !m.Response() {
		return nil
	}
	var q string
	if len(m.Questions) > 0 {
		q = m.Questions[0].Name
	}
	var out []ECHConfigList
	for _, r := range m.Answers {
		if r.SVCB == nil {
			continue
		}
		if v, ok := r.SVCB.Param(SvcParamECH); ok {
			out = append(out, ECHConfigList{Query: q, Owner: r.Name, Type: r.Type, List: v})
		}
	}
	return out
}

func malformed(field string, off int) error {
	return &parser.Error{Layer: "dns", Field: field, Offset: off, Err: parser.ErrMalformed}
}

func tooLarge(field string, off int, format string, a ...any) error {
	return &parser.Error{Layer: "dns", Field: field, Offset: off, Err: fmt.Errorf("%w: "+format, append([]any{parser.ErrTooLarge}, a...)...)}
}

// Parse decodes a DNS message (a UDP payload). Questions and answers
// beyond MaxQuestions and MaxAnswers are an error, as are bytes missing
// from the sections it decodes; what follows the answers is not read.
func Parse(b []byte) (*Message, error) {
	if len(b) > MaxMessageLen {
		return nil, tooLarge("message", 0, "%d bytes", len(b))
	}
	s := cryptobyte.String(b)
	m := &Message{}
	h := &m.Header
	if !s.ReadUint16(&h.ID) || !s.ReadUint16(&h.Flags) || !s.ReadUint16(&h.QDCount) ||
		!s.ReadUint16(&h.ANCount) || !s.ReadUint16(&h.NSCount) || !s.ReadUint16(&h.ARCount) {
		return nil, malformed("header", 0)
	}
	if h.QDCount > MaxQuestions {
		return nil, tooLarge("qdcount", 4, "%d questions, more than %d", h.QDCount, MaxQuestions)
	}
	if h.ANCount > MaxAnswers {
		return nil, tooLarge("ancount", 6, "%d answers, more than %d", h.ANCount, MaxAnswers)
	}
	m.Questions = make([]Question, 0, h.QDCount)
	for range h.QDCount {
		off := len(b) - len(s)
		var q Question
		var err error
		if q.Name, err = readName(b, &s, 0); err != nil {
			return nil, err
		}
		if !s.ReadUint16((*uint16)(&q.Type)) || !s.ReadUint16(&q.Class) {
			return nil, malformed("question", off)
		}
		m.Questions = append(m.Questions, q)
	}
	m.Answers = make([]Resource, 0, h.ANCount)
	for range h.ANCount {
		off := len(b) - len(s)
		var r Resource
		var err error
		if r.Name, err = readName(b, &s, 0); err != nil {
			return nil, err
		}
		var data cryptobyte.String
		if !s.ReadUint16((*uint16)(&r.Type)) || !s.ReadUint16(&r.Class) || !s.ReadUint32(&r.TTL) ||
			!s.ReadUint16LengthPrefixed(&data) {
			return nil, malformed("resource record", off)
		}
		r.Data = bytes.Clone(data)
		if r.Type == TypeSVCB || r.Type == TypeHTTPS {
			dataOff := len(b) - len(s) - len(data)
			if r.SVCB, err = readSVCB(data, dataOff); err != nil {
				return nil, err
			}
		}
		m.Answers = append(m.Answers, r)
	}
	return m, nil
}

// ParseTCP decodes a DNS message over TCP (RFC 1035 4.2.2): a 2-byte
// length, then the message. It returns parser.ErrNeedMore when b holds
// less than the length says, and the bytes after the message.
func ParseTCP(b []byte) (*Message, []byte, error) {
	s := cryptobyte.String(b)
	var msg cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&msg) {
		return nil, nil, parser.ErrNeedMore
	}
	m, err := Parse(msg)
	return m, s, err
}

// readSVCB decodes SVCB/HTTPS RDATA (RFC 9460 2.2): SvcPriority, an
// uncompressed TargetName, then SvcParams in strictly increasing key
// order, each value fully inside the RDATA.
func readSVCB(data cryptobyte.String, off int) (*SVCB, error) {
	sv := &SVCB{}
	if !data.ReadUint16(&sv.Priority) {
		return nil, malformed("svcb priority", off)
	}
	var err error
	if sv.Target, err = readName(nil, &data, off+2); err != nil {
		return nil, err
	}
	last := -1
	for !data.Empty() {
		if len(sv.Params) == MaxSVCParams {
			return nil, tooLarge("svcparams", off, "more than %d SvcParams", MaxSVCParams)
		}
		var key uint16
		var val cryptobyte.String
		if !data.ReadUint16(&key) || !data.ReadUint16LengthPrefixed(&val) || int(key) <= last {
			return nil, malformed("svcparam", off)
		}
		last = int(key)
		sv.Params = append(sv.Params, SvcParam{Key: key, Value: bytes.Clone(val)})
	}
	return sv, nil
}

// readName reads a domain name at s, whose bytes lie in msg (nil: no
// compression allowed, as in SVCB's TargetName). It follows compression
// pointers (each strictly before the label that holds it, at most
// MaxPointers) and returns the name in presentation form without the
// final dot, "." for the root; bytes other than letters, digits, '-'
// and '_' are written \DDD (RFC 1035 5.1). Without msg, base is the
// offset of s in the message, for errors.
func readName(msg []byte, s *cryptobyte.String, base int) (string, error) {
	var sb strings.Builder
	cur := *s       // where labels are read now
	jumped := false // cur is inside msg after a pointer; s stays past it
	wire, hops := 0, 0
	limit := len(msg) // a pointer must point before this
	for {
		pos := len(msg) - len(cur) // offset in msg
		if msg == nil {
			pos = base + len(*s) - len(cur)
		}
		var l uint8
		if !cur.ReadUint8(&l) {
			return "", malformed("name", pos)
		}
		switch {
		case l == 0:
			wire++
			if !jumped {
				*s = cur
			}
			if sb.Len() == 0 {
				return ".", nil
			}
			return sb.String(), nil
		case l&0xc0 == 0xc0:
			var lo uint8
			if msg == nil || !cur.ReadUint8(&lo) {
				return "", malformed("name pointer", pos)
			}
			target := int(l&0x3f)<<8 | int(lo)
			if target >= pos || target >= limit {
				return "", malformed("name pointer", pos)
			}
			hops++
			if hops > MaxPointers {
				return "", tooLarge("name pointer", pos, "more than %d compression pointers", MaxPointers)
			}
			if !jumped {
				*s = cur
				jumped = true
			}
			limit = target
			cur = cryptobyte.String(msg[target:])
		case l&0xc0 != 0:
			return "", malformed("name label type", pos)
		default:
			var label []byte
			if !cur.ReadBytes(&label, int(l)) {
				return "", malformed("name label", pos)
			}
			wire += 1 + int(l)
			if wire+1 > MaxNameLen {
				return "", tooLarge("name", pos, "longer than %d bytes", MaxNameLen)
			}
			if sb.Len() > 0 {
				sb.WriteByte('.')
			}
			for _, c := range label {
				if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
					sb.WriteByte(c)
				} else {
					fmt.Fprintf(&sb, "\\%03d", c)
				}
			}
		}
	}
}
