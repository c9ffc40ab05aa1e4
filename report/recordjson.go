package report

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// appendRecordJSON appends r as json.Encoder (SetEscapeHTML(false)) writes
// it, newline included, without reflection and without compacting each
// handshake Object's MarshalJSON output again: the Objects are appended in
// place; alerts and notes by appendAlertsJSON and appendNotesJSON. The rare
// parts (heartbeat, dropped) and strings that need escaping go through
// encodeNoHTML, so the bytes are the Encoder's.
func appendRecordJSON(b []byte, r *Record) ([]byte, error) {
	str := appendStringNoHTML
	if r.plain {
		str = appendPlain
	}
	b = append(b, `{"type":`...)
	b = str(b, r.Type)
	b = append(b, `,"conn":`...)
	b = strconv.AppendUint(b, r.Conn, 10)
	b = append(b, `,"dir":`...)
	b = str(b, r.Dir)
	b = append(b, `,"ts":`...)
	if r.TS == "" && !r.ts.IsZero() {
		b = append(b, '"')
		b = append(appendTimeString(b, r.ts), '"')
	} else {
		b = appendStringNoHTML(b, r.TS)
	}
	b = append(b, `,"packet":`...)
	b = strconv.AppendUint(b, r.Packet, 10)
	b = append(b, `,"offset":`...)
	b = strconv.AppendUint(b, r.Offset, 10)
	b = append(b, `,"content_type":`...)
	b = str(b, r.ContentType)
	b = append(b, `,"content_type_id":`...)
	b = str(b, r.ContentTypeID)
	b = append(b, `,"version":`...)
	b = str(b, r.Version)
	b = append(b, `,"version_id":`...)
	b = str(b, r.VersionID)
	b = append(b, `,"length":`...)
	b = strconv.AppendInt(b, int64(r.Length), 10)
	if r.SSLv2 {
		b = append(b, `,"sslv2":true`...)
	}
	b = append(b, `,"encrypted":`...)
	b = strconv.AppendBool(b, r.Encrypted)
	if len(r.Handshake) > 0 {
		b = append(b, `,"handshake":[`...)
		for i, o := range r.Handshake {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = o.appendJSON(b); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	} else if len(r.messages) > 0 {
		b = append(b, `,"handshake":[`...)
		for i, m := range r.messages {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendMessageJSON(b, r.arena, m); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	var err error
	b = append(b, `,"alerts":`...)
	switch {
	case len(r.Alerts) > 0:
		b = appendAlertsJSON(b, r.Alerts)
	case r.Alerts != nil: // every record from recordOf
		b = append(b, "[]"...)
	default:
		b = append(b, "null"...)
	}
	if r.Heartbeat != nil {
		b = append(b, `,"heartbeat":`...)
		if b, err = encodeNoHTML(b, r.Heartbeat); err != nil {
			return nil, err
		}
	}
	if len(r.ACKs) > 0 {
		b = append(b, `,"acks":[`...)
		for i, a := range r.ACKs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"epoch":`...)
			b = strconv.AppendUint(b, a.Epoch, 10)
			b = append(b, `,"seq":`...)
			b = strconv.AppendUint(b, a.Seq, 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"decrypted":`...)
	b = strconv.AppendBool(b, r.Decrypted)
	if r.EarlyData {
		b = append(b, `,"early_data":true`...)
	}
	if r.NullCipher {
		b = append(b, `,"null_cipher":true`...)
	}
	b = append(b, `,"mac":`...)
	b = str(b, r.MAC)
	if r.Plaintext != 0 {
		b = append(b, `,"plaintext_bytes":`...)
		b = strconv.AppendInt(b, int64(r.Plaintext), 10)
	}
	if len(r.Notes) > 0 {
		b = append(b, `,"notes":`...)
		b = appendNotesJSON(b, r.Notes)
	}
	if r.Dropped != nil {
		b = append(b, `,"dropped":`...)
		if b, err = encodeNoHTML(b, r.Dropped); err != nil {
			return nil, err
		}
	}
	if r.Epoch != nil {
		b = append(b, `,"epoch":`...)
		b = strconv.AppendUint(b, uint64(*r.Epoch), 10)
	}
	if r.Seq != nil {
		b = append(b, `,"seq":`...)
		b = strconv.AppendUint(b, *r.Seq, 10)
	}
	if r.CID != "" {
		b = append(b, `,"cid":`...)
		b = appendStringNoHTML(b, r.CID)
	}
	if len(r.Hex) > 0 {
		b = append(b, `,"hex":"`...)
		b = hex.AppendEncode(b, r.Hex)
		b = append(b, '"')
	}
	return append(b, "}\n"...), nil
}

// appendAlertsJSON appends alerts as encoding/json writes the list
// (appendAlertJSON, as for a connection's).
func appendAlertsJSON(b []byte, alerts []Alert) []byte { return appendList(b, alerts, appendAlertJSON) }

// appendNotesJSON appends notes as encoding/json writes the list.
func appendNotesJSON(b []byte, notes []Note) []byte { return appendList(b, notes, appendNoteJSON) }

// appendList appends l as a JSON list, each element by one.
func appendList[T any](b []byte, l []T, one func([]byte, *T) []byte) []byte {
	b = append(b, '[')
	for i := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = one(b, &l[i])
	}
	return append(b, ']')
}

// appendPlain appends s between quotes, unchecked: for the strings that
// are plain by construction (plainJSONString), names and ids from the
// code-point tables (TestNamesArePlain holds every value of each to it),
// as appendMessageJSON writes them from the parser's structs. (A Record's
// fields are checked: appendRecordJSON writes what encoding/json would for
// any Record.)
func appendPlain(b []byte, s string) []byte {
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendStringNoHTML appends s as a JSON string the way an Encoder with
// SetEscapeHTML(false) does.
func appendStringNoHTML(b []byte, s string) []byte {
	if plainJSONString(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	b, _ = encodeNoHTML(b, s) // a string always encodes
	return b
}

// encodeNoHTML appends v as json.Encoder with SetEscapeHTML(false) writes
// it, without the newline.
func encodeNoHTML(b []byte, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}
