package report

import (
	"bytes"
	"encoding/json"
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
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.Key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
