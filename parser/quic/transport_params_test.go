package quic

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// tp appends one transport parameter.
func tp(b []byte, id uint64, v []byte) []byte {
	return append(vi(b, id, uint64(len(v))), v...)
}

// preferred is a preferred_address value: 192.0.2.1:443, [2001:db8::1]:8443.
func preferred() []byte {
	b := []byte{192, 0, 2, 1, 0x01, 0xbb}
	b = append(b, netip.MustParseAddr("2001:db8::1").AsSlice()...)
	b = append(b, 0x20, 0xfb, 8)
	b = append(b, cid8...)
	return append(b, token...)
}

// fullParams is a server's parameters: every known one, a GREASE one and
// an unknown one.
func fullParams() []byte {
	b := tp(nil, ParamOriginalDestinationConnectionID, cid8)
	b = tp(b, ParamMaxIdleTimeout, vi(nil, 30000))
	b = tp(b, ParamStatelessResetToken, token)
	b = tp(b, ParamMaxUDPPayloadSize, vi(nil, 1472))
	b = tp(b, ParamInitialMaxData, vi(nil, 1<<20))
	b = tp(b, ParamInitialMaxStreamDataBidiLocal, vi(nil, 1<<16))
	b = tp(b, ParamInitialMaxStreamDataBidiRemote, vi(nil, 1<<17))
	b = tp(b, ParamInitialMaxStreamDataUni, vi(nil, 1<<18))
	b = tp(b, ParamInitialMaxStreamsBidi, vi(nil, 100))
	b = tp(b, ParamInitialMaxStreamsUni, vi(nil, 3))
	b = tp(b, 31*5+27, []byte("grease"))
	b = tp(b, ParamAckDelayExponent, vi(nil, 8))
	b = tp(b, ParamMaxAckDelay, vi(nil, 20))
	b = tp(b, ParamDisableActiveMigration, nil)
	b = tp(b, ParamPreferredAddress, preferred())
	b = tp(b, ParamActiveConnectionIDLimit, vi(nil, 4))
	b = tp(b, ParamInitialSourceConnectionID, cid8[:4])
	b = tp(b, ParamRetrySourceConnectionID, []byte{})
	b = tp(b, ParamVersionInformation, []byte{0, 0, 0, 1, 0x6b, 0x33, 0x43, 0xcf, 0, 0, 0, 1})
	b = tp(b, ParamMaxDatagramFrameSize, vi(nil, 65535))
	b = tp(b, ParamGreaseQUICBit, nil)
	b = tp(b, 0x1234, []byte{1, 2})
	return b
}

func TestParseTransportParametersFull(t *testing.T) {
	b := fullParams()
	p, err := ParseTransportParameters(b)
	if err != nil {
		t.Fatal(err)
	}
	want := TransportParameters{
		OriginalDestinationConnectionID: cid8,
		MaxIdleTimeout:                  30000,
		StatelessResetToken:             token,
		MaxUDPPayloadSize:               1472,
		InitialMaxData:                  1 << 20,
		InitialMaxStreamDataBidiLocal:   1 << 16,
		InitialMaxStreamDataBidiRemote:  1 << 17,
		InitialMaxStreamDataUni:         1 << 18,
		InitialMaxStreamsBidi:           100,
		InitialMaxStreamsUni:            3,
		AckDelayExponent:                8,
		MaxAckDelay:                     20,
		DisableActiveMigration:          true,
		PreferredAddress: &PreferredAddress{
			IPv4:                netip.MustParseAddrPort("192.0.2.1:443"),
			IPv6:                netip.MustParseAddrPort("[2001:db8::1]:8443"),
			ConnectionID:        cid8,
			StatelessResetToken: token,
		},
		ActiveConnectionIDLimit:   4,
		InitialSourceConnectionID: cid8[:4],
		RetrySourceConnectionID:   []byte{},
		VersionInformation:        &VersionInformation{Chosen: Version1, Available: []uint32{Version2, Version1}},
		MaxDatagramFrameSize:      65535,
		GreaseQUICBit:             true,
	}
	list := p.List
	p.List = nil
	if !reflect.DeepEqual(p, want) {
		t.Errorf("\n got %+v\nwant %+v", p, want)
	}
	if len(list) != 22 || list[10].ID != 31*5+27 || string(list[10].Value) != "grease" ||
		list[21].ID != 0x1234 {
		t.Errorf("list of %d: %v", len(list), list)
	}
	p.List = list
	if !p.Has(ParamRetrySourceConnectionID) || p.Has(0x1235) {
		t.Error("Has")
	}
}

func TestParseTransportParametersDefaults(t *testing.T) {
	p, err := ParseTransportParameters(nil)
	if err != nil || p.MaxUDPPayloadSize != 65527 || p.AckDelayExponent != 3 ||
		p.MaxAckDelay != 25 || p.ActiveConnectionIDLimit != 2 || p.List != nil {
		t.Errorf("%+v, %v", p, err)
	}
}

func TestParseTransportParametersMalformed(t *testing.T) {
	good := tp(nil, ParamInitialMaxData, vi(nil, 7))
	cases := []struct {
		name string
		in   []byte
		msg  string
		list int // parameters kept
	}{
		{"varint short of its length", tp(nil, ParamMaxIdleTimeout, []byte{5, 0}), "max_idle_timeout at offset 0: integer of 2", 1},
		{"varint past its length", tp(nil, ParamMaxIdleTimeout, []byte{0x40}), "integer of 1", 1},
		{"empty integer", tp(nil, ParamMaxIdleTimeout, nil), "integer of 0", 1},
		{"payload size", tp(nil, ParamMaxUDPPayloadSize, vi(nil, 1199)), "1199 out of range", 1},
		{"ack delay exponent", tp(nil, ParamAckDelayExponent, vi(nil, 21)), "out of range", 1},
		{"max ack delay", tp(nil, ParamMaxAckDelay, vi(nil, 1<<14)), "out of range", 1},
		{"streams", tp(nil, ParamInitialMaxStreamsUni, vi(nil, 1<<60+1)), "out of range", 1},
		{"cid limit", tp(nil, ParamActiveConnectionIDLimit, vi(nil, 1)), "out of range", 1},
		{"reset token", tp(nil, ParamStatelessResetToken, token[:15]), "15 bytes, want 16", 1},
		{"cid 21", tp(nil, ParamInitialSourceConnectionID, make([]byte, 21)), "connection ID of 21", 1},
		{"flag with value", tp(nil, ParamDisableActiveMigration, []byte{0}), "want none", 1},
		{"preferred short", tp(nil, ParamPreferredAddress, preferred()[:40]), "preferred address", 1},
		{"preferred long", tp(nil, ParamPreferredAddress, append(preferred(), 0)), "preferred address", 1},
		{"preferred cid 0", tp(nil, ParamPreferredAddress, append(append(preferred()[:24], 0), token...)), "connection ID of 0", 1},
		{"version information", tp(nil, ParamVersionInformation, []byte{0, 0, 1}), "multiple of 4", 1},
		{"twice", cat(good, good), "initial_max_data at offset 3: sent twice", 2},
		{"twice grease bit", cat(tp(nil, ParamGreaseQUICBit, nil), tp(nil, ParamGreaseQUICBit, nil)), "sent twice", 2},
		{"bad then good", cat(tp(nil, ParamMaxAckDelay, []byte{0x40, 1, 2}), good), "max_ack_delay", 2},
		{"truncated id", cat(good, []byte{0x40}), "at offset 3: truncated", 1},
		{"truncated length", cat(good, []byte{0x01}), "at offset 3: truncated", 1},
		{"truncated value", cat(good, []byte{0x01, 0x02, 0x00}), "at offset 3: truncated", 1},
	}
	for _, c := range cases {
		p, err := ParseTransportParameters(c.in)
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %q", c.name, err, c.msg)
		}
		if len(p.List) != c.list {
			t.Errorf("%s: %d parameters kept, want %d", c.name, len(p.List), c.list)
		}
	}
	// A bad value is not decoded, what follows is.
	p, _ := ParseTransportParameters(cat(tp(nil, ParamMaxAckDelay, []byte{0x40, 1, 2}), good))
	if p.MaxAckDelay != DefaultMaxAckDelay || p.InitialMaxData != 7 {
		t.Errorf("max_ack_delay %d, initial_max_data %d", p.MaxAckDelay, p.InitialMaxData)
	}
}

func TestParseTransportParametersTruncated(t *testing.T) {
	b := fullParams()
	for n := 0; n < len(b); n++ {
		p, err := ParseTransportParameters(b[:n])
		if err == nil {
			// A cut between parameters, or one inside a value that
			// still reads as a shorter parameter list: never a panic.
			continue
		}
		if !errors.Is(err, ErrMalformed) || len(p.List) > 22 {
			t.Errorf("cut at %d: %v, %d kept", n, err, len(p.List))
		}
	}
}

func TestParseTransportParametersCaps(t *testing.T) {
	var b []byte
	for i := 0; i < 200; i++ {
		b = tp(b, 0x1000+uint64(i), nil)
	}
	v := []byte{0, 0, 0, 1}
	for i := 0; i < 100; i++ {
		v = append(v, 0x0a, 0x0a, 0x0a, byte(i))
	}
	b = tp(b, ParamVersionInformation, v)
	p, err := ParseTransportParameters(b)
	if err != nil || len(p.List) != MaxTransportParameters || p.More != 201-MaxTransportParameters {
		t.Errorf("%d kept, %d more, %v", len(p.List), p.More, err)
	}
	vi := p.VersionInformation
	if vi == nil || len(vi.Available) != MaxAvailableVersions || vi.AvailableMore != 100-MaxAvailableVersions {
		t.Errorf("version information %+v", vi)
	}
}

func TestTransportParameterName(t *testing.T) {
	cases := map[uint64]string{
		0x00:      "original_destination_connection_id",
		0x07:      "initial_max_stream_data_uni",
		0x0e:      "active_connection_id_limit",
		0x11:      "version_information",
		0x20:      "max_datagram_frame_size",
		0x2ab2:    "grease_quic_bit",
		0x3127:    "google_connection_options",
		0x4752:    "google_version",
		27:        "grease",
		31*9 + 27: "grease",
		0x1234:    "0x1234",
	}
	for id, want := range cases {
		if got := TransportParameterName(id); got != want {
			t.Errorf("%#x: %q, want %q", id, got, want)
		}
	}
}
