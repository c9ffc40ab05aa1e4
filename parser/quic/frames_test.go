package quic

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// vi appends varints to b.
func vi(b []byte, vs ...uint64) []byte {
	for _, v := range vs {
		b = AppendVarint(b, v)
	}
	return b
}

// cat concatenates byte slices.
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

var (
	cid8   = []byte{1, 2, 3, 4, 5, 6, 7, 8}
	token  = bytes.Repeat([]byte{0xab}, 16)
	hello  = []byte("hello")
	reason = []byte("bye")
)

// frameCases are one well-formed frame each, with what ParseFrames makes
// of it (Pos 0).
var frameCases = []struct {
	name string
	in   []byte
	want Frame
}{
	{"padding", []byte{0, 0, 0}, Frame{Type: FramePadding, Length: 3}},
	{"ping", []byte{1}, Frame{Type: FramePing}},
	{"ack", vi(nil, 2, 100, 7, 2, 3, 1, 4, 0, 0),
		Frame{Type: FrameAck, LargestAcked: 100, AckDelay: 7, FirstRange: 3,
			Ranges: []AckRange{{1, 4}, {0, 0}}}},
	{"ack_ecn", vi(nil, 3, 10, 0, 0, 10, 1, 2, 3),
		Frame{Type: FrameAckECN, LargestAcked: 10, FirstRange: 10, ECT0: 1, ECT1: 2, CE: 3}},
	{"reset_stream", vi(nil, 4, 4, 0x10c, 1000),
		Frame{Type: FrameResetStream, StreamID: 4, ErrorCode: 0x10c, FinalSize: 1000}},
	{"stop_sending", vi(nil, 5, 8, 0x10c),
		Frame{Type: FrameStopSending, StreamID: 8, ErrorCode: 0x10c}},
	{"crypto", cat(vi(nil, 6, 1<<20, 5), hello),
		Frame{Type: FrameCrypto, Offset: 1 << 20, Data: hello}},
	{"new_token", cat(vi(nil, 7, 16), token), Frame{Type: FrameNewToken, Token: token}},
	{"stream bare", cat(vi(nil, 8, 0), hello), Frame{Type: 8, Data: hello}},
	{"stream fin", cat(vi(nil, 9, 3), hello), Frame{Type: 9, StreamID: 3, Data: hello, Fin: true}},
	{"stream len", cat(vi(nil, 0xa, 3, 5), hello), Frame{Type: 0xa, StreamID: 3, Data: hello}},
	{"stream off", cat(vi(nil, 0xc, 3, 77), hello), Frame{Type: 0xc, StreamID: 3, Offset: 77, Data: hello}},
	{"stream all", cat(vi(nil, 0xf, 3, 77, 5), hello),
		Frame{Type: 0xf, StreamID: 3, Offset: 77, Data: hello, Fin: true}},
	{"stream empty", vi(nil, 0xb, 3, 0), Frame{Type: 0xb, StreamID: 3, Data: []byte{}, Fin: true}},
	{"max_data", vi(nil, 0x10, 1<<40), Frame{Type: FrameMaxData, Value: 1 << 40}},
	{"max_stream_data", vi(nil, 0x11, 4, 9), Frame{Type: FrameMaxStreamData, StreamID: 4, Value: 9}},
	{"max_streams_bidi", vi(nil, 0x12, 1<<60), Frame{Type: FrameMaxStreamsBidi, Value: 1 << 60}},
	{"max_streams_uni", vi(nil, 0x13, 3), Frame{Type: FrameMaxStreamsUni, Value: 3}},
	{"data_blocked", vi(nil, 0x14, 3), Frame{Type: FrameDataBlocked, Value: 3}},
	{"stream_data_blocked", vi(nil, 0x15, 4, 3), Frame{Type: FrameStreamDataBlocked, StreamID: 4, Value: 3}},
	{"streams_blocked_bidi", vi(nil, 0x16, 3), Frame{Type: FrameStreamsBlockedBidi, Value: 3}},
	{"streams_blocked_uni", vi(nil, 0x17, 3), Frame{Type: FrameStreamsBlockedUni, Value: 3}},
	{"new_connection_id", cat(vi(nil, 0x18, 5, 2, 8), cid8, token),
		Frame{Type: FrameNewConnectionID, SequenceNumber: 5, RetirePriorTo: 2,
			ConnectionID: cid8, StatelessResetToken: token}},
	{"retire_connection_id", vi(nil, 0x19, 5), Frame{Type: FrameRetireConnectionID, SequenceNumber: 5}},
	{"path_challenge", cat(vi(nil, 0x1a), cid8), Frame{Type: FramePathChallenge, Data: cid8}},
	{"path_response", cat(vi(nil, 0x1b), cid8), Frame{Type: FramePathResponse, Data: cid8}},
	{"connection_close", cat(vi(nil, 0x1c, 0x128, 6, 3), reason),
		Frame{Type: FrameConnectionClose, ErrorCode: 0x128, FrameType: FrameCrypto, Reason: reason}},
	{"connection_close_app", cat(vi(nil, 0x1d, 0x100, 0)),
		Frame{Type: FrameConnectionCloseApp, ErrorCode: 0x100, Reason: []byte{}}},
	{"handshake_done", []byte{0x1e}, Frame{Type: FrameHandshakeDone}},
	{"immediate_ack", []byte{0x1f}, Frame{Type: FrameImmediateAck}},
	{"datagram", cat(vi(nil, 0x30), hello), Frame{Type: FrameDatagram, Data: hello}},
	{"datagram len", cat(vi(nil, 0x31, 5), hello), Frame{Type: FrameDatagramLen, Data: hello}},
	{"ack_frequency", vi(nil, 0xaf, 1, 10, 25000, 3),
		Frame{Type: FrameAckFrequency, SequenceNumber: 1, Value: 10, AckDelay: 25000, ReorderingThreshold: 3}},
}

func TestParseFramesEach(t *testing.T) {
	for _, c := range frameCases {
		frames, more, err := ParseFrames(c.in, 10)
		if err != nil || more != 0 || len(frames) != 1 {
			t.Errorf("%s: %d frames, %d more, %v", c.name, len(frames), more, err)
			continue
		}
		if !reflect.DeepEqual(frames[0], c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, frames[0], c.want)
		}
	}
}

// multiFrame is all the frame cases one after the other, the one that
// takes the rest of the packet last, with their offsets.
func multiFrame() (b []byte, pos []int) {
	for _, c := range frameCases {
		if c.name == "datagram" || c.want.Type.IsStream() && c.want.Type&streamLen == 0 ||
			c.want.Type == FramePadding {
			continue
		}
		pos = append(pos, len(b))
		b = append(b, c.in...)
	}
	pos = append(pos, len(b))
	b = append(b, cat(vi(nil, 0x30), hello)...)
	return b, pos
}

func TestParseFramesMulti(t *testing.T) {
	b, pos := multiFrame()
	frames, more, err := ParseFrames(b, 1000)
	if err != nil || more != 0 || len(frames) != len(pos) {
		t.Fatalf("%d frames (want %d), %d more, %v", len(frames), len(pos), more, err)
	}
	for i, f := range frames {
		if f.Pos != pos[i] {
			t.Errorf("frame %d (%v) at %d, want %d", i, f.Type, f.Pos, pos[i])
		}
	}
	// max frames: the rest counted.
	frames, more, err = ParseFrames(b, 3)
	if err != nil || len(frames) != 3 || more != len(pos)-3 {
		t.Errorf("max 3: %d frames, %d more, %v", len(frames), more, err)
	}
	frames, more, err = ParseFrames(b, 0)
	if err != nil || len(frames) != 0 || more != len(pos) {
		t.Errorf("max 0: %d frames, %d more, %v", len(frames), more, err)
	}
}

// TestParseFramesTruncated cuts a multi-frame payload at every byte: the
// frames wholly before the cut come back, then an error, unless the cut
// falls between frames (or inside the trailing DATAGRAM's data, which
// takes what is there).
func TestParseFramesTruncated(t *testing.T) {
	b, pos := multiFrame()
	last := pos[len(pos)-1]
	for n := 0; n < len(b); n++ {
		frames, _, err := ParseFrames(b[:n], 1000)
		whole := 0
		boundary := false
		for _, p := range pos {
			if p < n {
				whole++
			}
			boundary = boundary || p == n
		}
		switch {
		case n > last:
			if err != nil || len(frames) != len(pos) {
				t.Errorf("cut at %d, in the datagram: %d frames, %v", n, len(frames), err)
			}
		case boundary:
			if err != nil || len(frames) != whole {
				t.Errorf("cut at %d, between frames: %d frames (want %d), %v", n, len(frames), whole, err)
			}
		default:
			if !errors.Is(err, ErrMalformed) || len(frames) != whole-1 {
				t.Errorf("cut at %d: %d frames (want %d), %v", n, len(frames), whole-1, err)
			}
		}
	}
}

func TestParseFramesMalformed(t *testing.T) {
	cases := []struct {
		name, in, msg string
	}{
		{"unknown type", "01" + "21", "frame_0x21 frame at offset 1: unknown frame type"},
		{"truncated type", "01" + "40", "frame type at offset 1"},
		{"ack first range", hex.EncodeToString(vi(nil, 2, 5, 0, 0, 6)), "first range below packet 0"},
		{"ack gap", hex.EncodeToString(vi(nil, 2, 5, 0, 1, 2, 2, 0)), "range 0 below packet 0"},
		{"ack length", hex.EncodeToString(vi(nil, 2, 5, 0, 1, 2, 0, 2)), "range 0 below packet 0"},
		{"ack ranges truncated", hex.EncodeToString(vi(nil, 2, 5, 0, 1<<40, 0)), "truncated"},
		{"ack_ecn truncated", hex.EncodeToString(vi(nil, 3, 5, 0, 0, 0, 1, 2)), "truncated"},
		{"empty token", "0700", "empty token"},
		{"crypto past 2^62", hex.EncodeToString(cat(vi(nil, 6, MaxVarint, 1), []byte{0})), "2^62-1"},
		{"stream past 2^62", hex.EncodeToString(cat(vi(nil, 0xc, 0, MaxVarint), []byte{0})), "2^62-1"},
		{"max_streams", hex.EncodeToString(vi(nil, 0x12, 1<<60+1)), "2^60"},
		{"cid 0", hex.EncodeToString(cat(vi(nil, 0x18, 1, 0, 0), token)), "connection ID of 0 bytes"},
		{"cid 21", hex.EncodeToString(cat(vi(nil, 0x18, 1, 0, 21), make([]byte, 37))), "connection ID of 21 bytes"},
		{"retire prior to", hex.EncodeToString(cat(vi(nil, 0x18, 1, 2, 8), cid8, token)), "retire prior to"},
		{"path_challenge short", "1a01020304050607", "truncated"},
		{"close reason short", hex.EncodeToString(vi(nil, 0x1d, 0, 4, 1)), "connection_close_app frame at offset 0: truncated"},
	}
	for _, c := range cases {
		in, err := hex.DecodeString(c.in)
		if err != nil {
			t.Fatal(c.name, err)
		}
		_, _, err = ParseFrames(in, 10)
		if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want %q", c.name, err, c.msg)
		}
	}
}

func TestParseFramesAckCap(t *testing.T) {
	const n = 300
	b := vi(nil, 2, 10000, 0, n, 0)
	for i := 0; i < n; i++ {
		b = vi(b, 0, 1)
	}
	frames, _, err := ParseFrames(b, 1)
	if err != nil || len(frames) != 1 {
		t.Fatalf("%d frames, %v", len(frames), err)
	}
	f := frames[0]
	if len(f.Ranges) != MaxAckRanges || f.MoreRanges != n-MaxAckRanges || f.Ranges[255] != (AckRange{0, 1}) {
		t.Errorf("%d ranges kept, %d more", len(f.Ranges), f.MoreRanges)
	}
}

// TestParseFramesRFC9001 decodes the start of the client Initial of RFC
// 9001 appendix A.2: one CRYPTO frame of 241 bytes, then PADDING to 1162
// bytes.
func TestParseFramesRFC9001(t *testing.T) {
	head, _ := hex.DecodeString("060040f1" + "010000ed0303ebf8fa56f129")
	b := append(head, bytes.Repeat([]byte{0x5a}, 241-(len(head)-4))...)
	b = append(b, make([]byte, 1162-len(b))...)
	frames, more, err := ParseFrames(b, 16)
	if err != nil || more != 0 || len(frames) != 2 {
		t.Fatalf("%d frames, %d more, %v", len(frames), more, err)
	}
	c, p := frames[0], frames[1]
	if c.Type != FrameCrypto || c.Offset != 0 || len(c.Data) != 241 || c.Data[0] != 1 || c.Data[3] != 0xed {
		t.Errorf("crypto frame %v offset %d, %d bytes", c.Type, c.Offset, len(c.Data))
	}
	if p.Type != FramePadding || p.Pos != 245 || p.Length != 1162-245 {
		t.Errorf("padding frame %v at %d, length %d", p.Type, p.Pos, p.Length)
	}
	if !FrameCrypto.AllowedIn(PacketInitial) || !FramePadding.AllowedIn(PacketInitial) {
		t.Error("crypto and padding not allowed in Initial")
	}
}

func TestFrameTypeString(t *testing.T) {
	for _, c := range frameCases {
		name := strings.Fields(c.name)[0]
		if got := c.want.Type.String(); got != name {
			t.Errorf("%#x: %q, want %q", uint64(c.want.Type), got, name)
		}
	}
	if got := FrameType(0x21).String(); got != "frame_0x21" {
		t.Errorf("0x21: %q", got)
	}
}

func TestAllowedIn(t *testing.T) {
	cases := []struct {
		t                  FrameType
		initial, zero, one bool
	}{
		{FramePadding, true, true, true},
		{FramePing, true, true, true},
		{FrameAck, true, false, true},
		{FrameAckECN, true, false, true},
		{FrameCrypto, true, false, true},
		{FrameConnectionClose, true, true, true},
		{FrameConnectionCloseApp, false, true, true},
		{FrameNewToken, false, false, true},
		{FrameHandshakeDone, false, false, true},
		{FrameRetireConnectionID, false, false, true},
		{FramePathResponse, false, false, true},
		{FramePathChallenge, false, true, true},
		{0x0f, false, true, true},
		{FrameResetStream, false, true, true},
		{FrameDatagram, false, true, true},
		{0x21, false, false, true},
	}
	for _, c := range cases {
		got := [4]bool{c.t.AllowedIn(PacketInitial), c.t.AllowedIn(PacketHandshake),
			c.t.AllowedIn(Packet0RTT), c.t.AllowedIn(Packet1RTT)}
		if got != [4]bool{c.initial, c.initial, c.zero, c.one} {
			t.Errorf("%v: %v", c.t, got)
		}
		if c.t.AllowedIn(PacketRetry) || c.t.AllowedIn(PacketVersionNegotiation) {
			t.Errorf("%v allowed in retry or version negotiation", c.t)
		}
	}
}

func TestErrorCodeName(t *testing.T) {
	cases := []struct {
		code uint64
		app  bool
		want string
	}{
		{0x0, false, "no_error"},
		{0xa, false, "protocol_violation"},
		{0x10, false, "no_viable_path"},
		{0x128, false, "crypto_error_0x128(handshake_failure)"},
		{0x12a, false, "crypto_error_0x12a(bad_certificate)"},
		{0x178, false, "crypto_error_0x178(no_application_protocol)"},
		{0x1ff, false, "crypto_error_0x1ff"},
		{0x200, false, "0x200"},
		{0x100, true, "H3_NO_ERROR"},
		{0x10c, true, "H3_REQUEST_CANCELLED"},
		{0x110, true, "H3_VERSION_FALLBACK"},
		{0x201, true, "QPACK_ENCODER_STREAM_ERROR"},
		{0x21, true, "reserved"},
		{0x1f*7 + 0x21, true, "reserved"},
		{0x0, true, "0x0"},
	}
	for _, c := range cases {
		if got := ErrorCodeName(c.code, c.app); got != c.want {
			t.Errorf("%#x app %v: %q, want %q", c.code, c.app, got, c.want)
		}
	}
}

func TestH3Names(t *testing.T) {
	frames := map[uint64]string{0: "data", 1: "headers", 3: "cancel_push", 4: "settings",
		5: "push_promise", 7: "goaway", 0xd: "max_push_id", 0x21: "reserved",
		0x1f*1000 + 0x21: "reserved", 0x22: "0x22", 2: "h2_reserved"}
	for v, want := range frames {
		if got := H3FrameTypeName(v); got != want {
			t.Errorf("frame %#x: %q, want %q", v, got, want)
		}
	}
	streams := map[uint64]string{0: "control", 1: "push", 2: "qpack_encoder",
		3: "qpack_decoder", 0x40: "reserved", 0x54: "0x54"}
	for v, want := range streams {
		if got := H3StreamTypeName(v); got != want {
			t.Errorf("stream %#x: %q, want %q", v, got, want)
		}
	}
}
