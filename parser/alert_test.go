package parser

import (
	"reflect"
	"testing"

	"github.com/ssldissect/ssldissect/internal/tlstest"
)

func TestParseAlert(t *testing.T) {
	cases := []struct {
		name string
		hex  string
		want []Alert
	}{
		{"close_notify", "0100", []Alert{{AlertLevelWarning, AlertCloseNotify}}},
		{"handshake_failure", "0228", []Alert{{AlertLevelFatal, AlertHandshakeFailure}}},
		{"two_alerts", "0100 0228", []Alert{{AlertLevelWarning, AlertCloseNotify}, {AlertLevelFatal, AlertHandshakeFailure}}},
		{"unknown_values_kept", "07fe", []Alert{{7, 0xfe}}},
		{"empty", "", nil},
		{"one_byte", "02", nil},
		{"odd_length", "022801", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAlert(tlstest.Unhex(t, tc.hex))
			if tc.want == nil {
				if !isParseError(err) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseAlert = %v, %v", got, err)
			}
		})
	}
	a := Alert{AlertLevelFatal, AlertProtocolVersion}
	if a.Level.String() != "fatal" || a.Description.String() != "protocol_version" || AlertDescription(0xfe).String() != "0xfe" {
		t.Fatal("alert names")
	}
}

func TestParseChangeCipherSpec(t *testing.T) {
	for _, tc := range []struct {
		hex string
		ok  bool
	}{{"01", true}, {"", false}, {"00", false}, {"0101", false}, {"02", false}} {
		err := ParseChangeCipherSpec(tlstest.Unhex(t, tc.hex))
		if (err == nil) != tc.ok || (err != nil && !isParseError(err)) {
			t.Errorf("%q: %v", tc.hex, err)
		}
	}
}

func TestParseHeartbeat(t *testing.T) {
	pad := "00000000000000000000000000000000"
	cases := []struct {
		name string
		hex  string
		want Heartbeat
		bad  bool
	}{
		{"request_ok", "01 0003 616263" + pad, Heartbeat{Type: HeartbeatRequest, PayloadLength: 3, Actual: 19}, false},
		{"response_ok", "02 0000" + pad, Heartbeat{Type: HeartbeatResponse, Actual: 16}, false},
		// The classic probe: 3 bytes, declaring a 16 KiB payload.
		{"heartbleed_probe", "01 4000", Heartbeat{Type: HeartbeatRequest, PayloadLength: 0x4000, Actual: 0, Heartbleed: true}, false},
		{"heartbleed_payload_without_padding", "01 0003 616263", Heartbeat{Type: HeartbeatRequest, PayloadLength: 3, Actual: 3, Heartbleed: true}, false},
		{"heartbleed_one_byte_short", "01 0004 61626364" + pad[2:], Heartbeat{Type: HeartbeatRequest, PayloadLength: 4, Actual: 19, Heartbleed: true}, false},
		{"truncated_header", "01 00", Heartbeat{}, true},
		{"empty", "", Heartbeat{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseHeartbeat(tlstest.Unhex(t, tc.hex))
			if tc.bad {
				if !isParseError(err) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || h != tc.want {
				t.Fatalf("ParseHeartbeat = %+v, %v; want %+v", h, err, tc.want)
			}
		})
	}
}
