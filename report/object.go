package report

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
	"unsafe"
)

// Field is one named value of an Object.
type Field struct {
	Key   string
	Value any
}

// Object is an ordered set of fields: a decoded handshake message or
// extension. It is written as a JSON object with its keys in order, and as
// indented "key value" lines in text output, so that both formats show the
// same facts.
type Object []Field

// Get returns the value of the first field named key.
func (o Object) Get(key string) (any, bool) {
	for _, f := range o {
		if f.Key == key {
			return f.Value, true
		}
	}
	return nil, false
}

// MarshalJSON writes the fields in order.
func (o Object) MarshalJSON() ([]byte, error) {
	return o.appendJSON(make([]byte, 0, 64*len(o)))
}

// appendJSON appends the object to b. Nested objects, strings, numbers and
// lists of them are written directly, into the same buffer, rather than
// each with json.Marshal (which would also compact every nested object's
// output again); other values go through json.Marshal. The bytes are those
// json.Marshal writes.
func (o Object) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.Key)
		b = append(b, ':')
		var err error
		if b, err = appendJSONValue(b, f.Value); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return appendJSONString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(b, v, 10), nil
	case Object:
		return v.appendJSON(b) // nil too: json.Marshal calls MarshalJSON, "{}"
	case []Object:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = x.appendJSON(b); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case []string:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, x)
		}
		return append(b, ']'), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

// appendJSONString appends s as json.Marshal writes it. (A string passed
// as a string, not boxed in an any, costs no allocation.)
func appendJSONString(b []byte, s string) []byte {
	if plainJSONString(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	j, _ := json.Marshal(s) // a string always encodes
	return append(b, j...)
}

// plainJSONString reports whether json.Marshal writes s as it is, between
// quotes: printable ASCII without the characters it escapes. It looks at
// eight bytes at a time (most strings written are long hex: randoms, key
// shares, fingerprints).
func plainJSONString(s string) bool {
	i := 0
	if len(s) >= 8 {
		b := unsafe.Slice(unsafe.StringData(s), len(s)) // read only
		var bad uint64
		for ; i+8 <= len(b); i += 8 {
			bad |= notPlain(binary.LittleEndian.Uint64(b[i:]))
		}
		if bad != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if !plainByte[s[i]] {
			return false
		}
	}
	return true
}

// plainByte tells the bytes json.Marshal writes as they are in a string
// (for the bytes after the last whole word).
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// Bytes of a word, for notPlain.
const (
	lanes01 = 0x0101010101010101
	lanes7f = 0x7f7f7f7f7f7f7f7f
	lanes80 = 0x8080808080808080
)

// notPlain is not 0 when one of the eight bytes of x is not plain (see
// plainJSONString). The tests are exact as booleans (the bit twiddling
// hacks' haszero and hasless, on the low seven bits of each byte, the
// eighth tested on its own): a byte at or above 0x80, below 0x20, equal
// to DEL or to a backslash, '<' or '>' (0x3e once bit 1 is set), '"' or
// '&' (0x26 once bit 2 is set).
func notPlain(x uint64) uint64 {
	y := x & lanes7f
	bad := x & lanes80
	bad |= (y - 0x20*lanes01) &^ y
	v := y ^ 0x7f*lanes01
	bad |= (v - lanes01) &^ v
	v = y ^ '\\'*lanes01
	bad |= (v - lanes01) &^ v
	v = (y | 0x02*lanes01) ^ 0x3e*lanes01
	bad |= (v - lanes01) &^ v
	v = (y | 0x04*lanes01) ^ 0x26*lanes01
	bad |= (v - lanes01) &^ v
	return bad & lanes80
}
