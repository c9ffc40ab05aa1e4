package report

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestRecordJSON checks that appendRecordJSON writes what json.Encoder
// (SetEscapeHTML(false)) writes.
func TestRecordJSON(t *testing.T) {
	recs := []Record{
		{},
		{Type: "record", Conn: 7, Dir: "c2s", TS: "2026-01-01T00:00:00.000001Z", Packet: 3, Offset: 99,
			ContentType: "handshake", ContentTypeID: "0x16", Version: "TLS 1.2", VersionID: "0x0303", Length: 512,
			Encrypted: true, Handshake: []Object{sampleObject(), {{"type", "finished"}}, nil}, MAC: "none"},
		{Type: "record", Dir: "<a&b>\u2028\xff\"\\\n", SSLv2: true, EarlyData: true, NullCipher: true, Decrypted: true,
			Plaintext: 5, Alerts: []Alert{{Level: "fatal", Description: "x<y", Encrypted: true}},
			Heartbeat: &Heartbeat{Type: "request", PayloadLength: 3, Received: 1, Heartbleed: true},
			Notes:     []Note{{Code: "gap", Dir: "s2c", Offset: 1, Packet: 2, Detail: "a<b & c>"}}},
		{Alerts: []Alert{{Level: "warning"}, {Level: "fatal", Dir: "c2s"}}, Handshake: []Object{}},
		{Type: "record", Alerts: []Alert{}},
		{Type: "record", Alerts: []Alert{{Dir: "s2c", Level: "warning", LevelID: "0x01", Description: "close_notify", DescriptionID: "0x00", Encrypted: true}, {}},
			Notes: []Note{{Code: "a"}, {Code: "b", Packet: 9, Detail: "\u00e9\t"}, {Code: "c\x00", Dir: "c2s", Offset: 1 << 40}}},
		{Type: "record", Alerts: []Alert{}, Hex: HexBytes{0x17, 0x03, 0x03, 0x00, 0x01, 0xAB}},
	}
	for i, r := range recs {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		got, err := appendRecordJSON(nil, &r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("record %d:\n got %s\nwant %s", i, got, want.Bytes())
		}
	}
}
