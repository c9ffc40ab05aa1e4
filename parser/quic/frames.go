package quic

import "fmt"

// FrameType is the type of a QUIC frame (RFC 9000 section 19 and the
// extensions named below). The STREAM types 0x08 to 0x0f keep their flag
// bits: Frame.Type is the type as it was on the wire.
type FrameType uint64

// Frame types.
const (
	FramePadding            FrameType = 0x00
	FramePing               FrameType = 0x01
	FrameAck                FrameType = 0x02
	FrameAckECN             FrameType = 0x03
	FrameResetStream        FrameType = 0x04
	FrameStopSending        FrameType = 0x05
	FrameCrypto             FrameType = 0x06
	FrameNewToken           FrameType = 0x07
	FrameStream             FrameType = 0x08 // to 0x0f: OFF 0x04, LEN 0x02, FIN 0x01
	FrameMaxData            FrameType = 0x10
	FrameMaxStreamData      FrameType = 0x11
	FrameMaxStreamsBidi     FrameType = 0x12
	FrameMaxStreamsUni      FrameType = 0x13
	FrameDataBlocked        FrameType = 0x14
	FrameStreamDataBlocked  FrameType = 0x15
	FrameStreamsBlockedBidi FrameType = 0x16
	FrameStreamsBlockedUni  FrameType = 0x17
	FrameNewConnectionID    FrameType = 0x18
	FrameRetireConnectionID FrameType = 0x19
	FramePathChallenge      FrameType = 0x1a
	FramePathResponse       FrameType = 0x1b
	FrameConnectionClose    FrameType = 0x1c // transport error
	FrameConnectionCloseApp FrameType = 0x1d // application error
	FrameHandshakeDone      FrameType = 0x1e
	FrameImmediateAck       FrameType = 0x1f  // draft-ietf-quic-ack-frequency
	FrameDatagram           FrameType = 0x30  // RFC 9221, to the end of the packet
	FrameDatagramLen        FrameType = 0x31  // RFC 9221, with a length
	FrameAckFrequency       FrameType = 0xaf  // draft-ietf-quic-ack-frequency
	FrameTimestamp          FrameType = 0x2f5 // draft-huitema-quic-ts (picoquic): one timestamp
)

// STREAM frame type bits (RFC 9000 section 19.8).
const (
	streamFin = 0x01
	streamLen = 0x02
	streamOff = 0x04
)

var frameNames = [...]string{
	FramePadding:            "padding",
	FramePing:               "ping",
	FrameAck:                "ack",
	FrameAckECN:             "ack_ecn",
	FrameResetStream:        "reset_stream",
	FrameStopSending:        "stop_sending",
	FrameCrypto:             "crypto",
	FrameNewToken:           "new_token",
	0x08:                    "stream",
	0x09:                    "stream",
	0x0a:                    "stream",
	0x0b:                    "stream",
	0x0c:                    "stream",
	0x0d:                    "stream",
	0x0e:                    "stream",
	0x0f:                    "stream",
	FrameMaxData:            "max_data",
	FrameMaxStreamData:      "max_stream_data",
	FrameMaxStreamsBidi:     "max_streams_bidi",
	FrameMaxStreamsUni:      "max_streams_uni",
	FrameDataBlocked:        "data_blocked",
	FrameStreamDataBlocked:  "stream_data_blocked",
	FrameStreamsBlockedBidi: "streams_blocked_bidi",
	FrameStreamsBlockedUni:  "streams_blocked_uni",
	FrameNewConnectionID:    "new_connection_id",
	FrameRetireConnectionID: "retire_connection_id",
	FramePathChallenge:      "path_challenge",
	FramePathResponse:       "path_response",
	FrameConnectionClose:    "connection_close",
	FrameConnectionCloseApp: "connection_close_app",
	FrameHandshakeDone:      "handshake_done",
	FrameImmediateAck:       "immediate_ack",
}

// String names t as Wireshark and qlog do ("stream" for all eight STREAM
// types), or "frame_0x.." for a type not known here.
func (t FrameType) String() string {
	if t < FrameType(len(frameNames)) {
		return frameNames[t]
	}
	switch t {
	case FrameDatagram, FrameDatagramLen:
		return "datagram"
	case FrameAckFrequency:
		return "ack_frequency"
	case FrameTimestamp:
		return "time_stamp"
	}
	return fmt.Sprintf("frame_0x%x", uint64(t))
}

// IsStream reports whether t is one of the STREAM types 0x08 to 0x0f.
func (t FrameType) IsStream() bool { return t >= 0x08 && t <= 0x0f }

// AllowedIn reports whether a frame of type t may appear in a packet of
// type pt (RFC 9000 section 12.4, table 3): Initial and Handshake packets
// carry only PADDING, PING, ACK, CRYPTO and the transport CONNECTION_CLOSE;
// 0-RTT packets carry neither ACK, CRYPTO, NEW_TOKEN, HANDSHAKE_DONE,
// PATH_RESPONSE nor RETIRE_CONNECTION_ID (section 12.5); 1-RTT packets carry
// everything. Retry and Version Negotiation packets carry no frames. A type
// not known here is allowed in 1-RTT packets only, where extensions live.
func (t FrameType) AllowedIn(pt PacketType) bool {
	switch pt {
	case PacketInitial, PacketHandshake:
		switch t {
		case FramePadding, FramePing, FrameAck, FrameAckECN, FrameCrypto, FrameConnectionClose:
			return true
		}
		return false
	case Packet0RTT:
		switch t {
		case FrameAck, FrameAckECN, FrameCrypto, FrameNewToken, FrameHandshakeDone,
			FramePathResponse, FrameRetireConnectionID:
			return false
		}
		return t.known()
	case Packet1RTT:
		return true
	}
	return false
}

// known reports whether ParseFrames decodes frames of type t.
func (t FrameType) known() bool {
	return t < FrameType(len(frameNames)) || t == FrameDatagram || t == FrameDatagramLen || t == FrameAckFrequency || t == FrameTimestamp
}

// MaxAckRanges is the number of ACK ranges after the first one a Frame
// keeps; the rest are checked and counted in Frame.MoreRanges.
const MaxAckRanges = 256

// MaxStreams is the largest stream count MAX_STREAMS and STREAMS_BLOCKED
// may carry (RFC 9000 section 19.11).
const MaxStreams = 1 << 60

// AckRange is one ACK range after the first (RFC 9000 section 19.3.1): Gap
// packets fewer than two below the previous range's smallest packet number
// comes this range's largest, and it covers Length+1 packets down from there.
type AckRange struct {
	Gap    uint64
	Length uint64
}

// Frame is one decoded frame; only the fields of its Type are set. Byte
// slices point into the payload given to ParseFrames (copy them to keep
// them past the payload's buffer).
type Frame struct {
	Type FrameType
	// Pos is the offset of the frame's first byte in the payload.
	Pos int

	// STREAM, RESET_STREAM, STOP_SENDING, MAX_STREAM_DATA,
	// STREAM_DATA_BLOCKED.
	StreamID uint64
	// Offset is the offset of Data in its stream (STREAM, CRYPTO).
	Offset uint64
	// Data: STREAM, CRYPTO, DATAGRAM, and the 8 bytes of PATH_CHALLENGE
	// and PATH_RESPONSE.
	Data []byte
	// Fin: a STREAM frame with the FIN bit.
	Fin bool

	// ACK and ACK_ECN. AckDelay is also the Request Max Ack Delay of
	// ACK_FREQUENCY.
	LargestAcked uint64
	AckDelay     uint64
	FirstRange   uint64
	Ranges       []AckRange
	// MoreRanges counts the ranges beyond the MaxAckRanges kept.
	MoreRanges     uint64
	ECT0, ECT1, CE uint64 // ACK_ECN

	// ErrorCode: RESET_STREAM, STOP_SENDING, CONNECTION_CLOSE (transport
	// codes for 0x1c, application codes for 0x1d; see ErrorCodeName).
	ErrorCode uint64
	// FinalSize: RESET_STREAM.
	FinalSize uint64
	// FrameType: the type of the frame that caused a transport
	// CONNECTION_CLOSE (0x1c), 0 when unknown.
	FrameType FrameType
	// Reason: CONNECTION_CLOSE's reason phrase (meant to be UTF-8, not
	// checked).
	Reason []byte

	// Token: NEW_TOKEN, never empty.
	Token []byte

	// Value: the maximum of MAX_DATA, MAX_STREAM_DATA and MAX_STREAMS, the
	// limit of DATA_BLOCKED, STREAM_DATA_BLOCKED and STREAMS_BLOCKED, the
	// Ack-Eliciting Threshold of ACK_FREQUENCY, the timestamp of TIME_STAMP.
	Value uint64

	// SequenceNumber: NEW_CONNECTION_ID, RETIRE_CONNECTION_ID,
	// ACK_FREQUENCY.
	SequenceNumber uint64
	// NEW_CONNECTION_ID: ConnectionID is 1 to 20 bytes,
	// StatelessResetToken 16.
	RetirePriorTo       uint64
	ConnectionID        []byte
	StatelessResetToken []byte

	// ReorderingThreshold: ACK_FREQUENCY.
	ReorderingThreshold uint64

	// Length: PADDING, the number of consecutive padding bytes this one
	// Frame stands for.
	Length int
}

// ParseFrames decodes the frames of a decrypted packet payload, in order.
// It keeps the first max of them and counts the others in more (they are
// still decoded and checked; max <= 0 keeps none). At the first frame that cannot be decoded it
// returns the frames before it and an error wrapping ErrMalformed that
// names the frame's type and offset: frames have no length, so nothing
// after a bad or unknown frame can be read.
func ParseFrames(payload []byte, max int) (frames []Frame, more int, err error) {
	r := reader{b: payload}
	for len(r.b) > 0 {
		f, err := parseFrame(&r)
		if err != nil {
			return frames, more, err
		}
		if len(frames) < max {
			frames = append(frames, f)
		} else {
			more++
		}
	}
	return frames, more, nil
}

// parseFrame decodes the frame at the start of r.
func parseFrame(r *reader) (Frame, error) {
	start := r.off
	t := FrameType(r.varint())
	f := Frame{Type: t, Pos: start}
	if r.bad {
		return f, fmt.Errorf("%w: frame type at offset %d: truncated", ErrMalformed, start)
	}
	bad := func(why string) (Frame, error) {
		return f, fmt.Errorf("%w: %v frame at offset %d: %s", ErrMalformed, t, start, why)
	}
	switch {
	case t == FramePadding:
		n := 0
		for n < len(r.b) && r.b[n] == 0 {
			n++
		}
		r.bytes(uint64(n))
		f.Length = r.off - start
	case t == FramePing, t == FrameHandshakeDone, t == FrameImmediateAck:
	case t == FrameAck, t == FrameAckECN:
		if why := parseAck(r, &f); why != "" {
			return bad(why)
		}
	case t == FrameResetStream:
		f.StreamID = r.varint()
		f.ErrorCode = r.varint()
		f.FinalSize = r.varint()
	case t == FrameStopSending:
		f.StreamID = r.varint()
		f.ErrorCode = r.varint()
	case t == FrameCrypto:
		f.Offset = r.varint()
		f.Data = r.bytes(r.varint())
		if !r.bad && f.Offset+uint64(len(f.Data)) > MaxVarint {
			return bad("data past offset 2^62-1")
		}
	case t == FrameNewToken:
		f.Token = r.bytes(r.varint())
		if !r.bad && len(f.Token) == 0 {
			return bad("empty token")
		}
	case t.IsStream():
		f.StreamID = r.varint()
		if t&streamOff != 0 {
			f.Offset = r.varint()
		}
		if t&streamLen != 0 {
			f.Data = r.bytes(r.varint())
		} else {
			f.Data = r.bytes(uint64(len(r.b)))
		}
		f.Fin = t&streamFin != 0
		if !r.bad && f.Offset+uint64(len(f.Data)) > MaxVarint {
			return bad("data past offset 2^62-1")
		}
	case t == FrameMaxData, t == FrameDataBlocked:
		f.Value = r.varint()
	case t == FrameMaxStreamData, t == FrameStreamDataBlocked:
		f.StreamID = r.varint()
		f.Value = r.varint()
	case t == FrameMaxStreamsBidi, t == FrameMaxStreamsUni,
		t == FrameStreamsBlockedBidi, t == FrameStreamsBlockedUni:
		f.Value = r.varint()
		if f.Value > MaxStreams {
			return bad("more than 2^60 streams")
		}
	case t == FrameNewConnectionID:
		f.SequenceNumber = r.varint()
		f.RetirePriorTo = r.varint()
		n := r.u8()
		if !r.bad && (n == 0 || n > MaxCIDLen) {
			return bad(fmt.Sprintf("connection ID of %d bytes", n))
		}
		f.ConnectionID = r.bytes(uint64(n))
		f.StatelessResetToken = r.bytes(16)
		if !r.bad && f.RetirePriorTo > f.SequenceNumber {
			return bad("retire prior to above the sequence number")
		}
	case t == FrameRetireConnectionID:
		f.SequenceNumber = r.varint()
	case t == FramePathChallenge, t == FramePathResponse:
		f.Data = r.bytes(8)
	case t == FrameConnectionClose, t == FrameConnectionCloseApp:
		f.ErrorCode = r.varint()
		if t == FrameConnectionClose {
			f.FrameType = FrameType(r.varint())
		}
		f.Reason = r.bytes(r.varint())
	case t == FrameDatagram:
		f.Data = r.bytes(uint64(len(r.b)))
	case t == FrameDatagramLen:
		f.Data = r.bytes(r.varint())
	case t == FrameAckFrequency:
		f.SequenceNumber = r.varint()
		f.Value = r.varint()
		f.AckDelay = r.varint()
		f.ReorderingThreshold = r.varint()
	case t == FrameTimestamp:
		f.Value = r.varint() // the sender's time, in its ack delay units
	default:
		return bad("unknown frame type")
	}
	if r.bad {
		return bad("truncated")
	}
	return f, nil
}

// parseAck reads the fields of an ACK or ACK_ECN frame after its type and
// checks that no range reaches below packet number 0; it returns why the
// frame is malformed, or "".
func parseAck(r *reader, f *Frame) string {
	f.LargestAcked = r.varint()
	f.AckDelay = r.varint()
	count := r.varint()
	f.FirstRange = r.varint()
	if r.bad {
		return "truncated"
	}
	if f.FirstRange > f.LargestAcked {
		return "first range below packet 0"
	}
	smallest := f.LargestAcked - f.FirstRange
	// Each range takes at least two bytes: the loop ends with the input.
	for i := uint64(0); i < count; i++ {
		g := AckRange{Gap: r.varint(), Length: r.varint()}
		if r.bad {
			return "truncated"
		}
		if smallest < g.Gap+2 {
			return fmt.Sprintf("range %d below packet 0", i)
		}
		largest := smallest - g.Gap - 2
		if g.Length > largest {
			return fmt.Sprintf("range %d below packet 0", i)
		}
		smallest = largest - g.Length
		if len(f.Ranges) < MaxAckRanges {
			if f.Ranges == nil {
				f.Ranges = make([]AckRange, 0, min(count, MaxAckRanges, uint64(len(r.b)/2)+1))
			}
			f.Ranges = append(f.Ranges, g)
		} else {
			f.MoreRanges++
		}
	}
	if f.Type == FrameAckECN {
		f.ECT0 = r.varint()
		f.ECT1 = r.varint()
		f.CE = r.varint()
		if r.bad {
			return "truncated"
		}
	}
	return ""
}

var transportErrors = [...]string{
	"no_error",
	"internal_error",
	"connection_refused",
	"flow_control_error",
	"stream_limit_error",
	"stream_state_error",
	"final_size_error",
	"frame_encoding_error",
	"transport_parameter_error",
	"connection_id_limit_error",
	"protocol_violation",
	"invalid_token",
	"application_error",
	"crypto_buffer_exceeded",
	"key_update_error",
	"aead_limit_reached",
	"no_viable_path",
	"version_negotiation_error", // RFC 9368
}

// tlsAlerts names the TLS alerts a QUIC handshake may end with (RFC 8446
// section 6 and RFC 7301), by their number.
var tlsAlerts = map[byte]string{
	0:   "close_notify",
	10:  "unexpected_message",
	20:  "bad_record_mac",
	22:  "record_overflow",
	40:  "handshake_failure",
	42:  "bad_certificate",
	43:  "unsupported_certificate",
	44:  "certificate_revoked",
	45:  "certificate_expired",
	46:  "certificate_unknown",
	47:  "illegal_parameter",
	48:  "unknown_ca",
	49:  "access_denied",
	50:  "decode_error",
	51:  "decrypt_error",
	70:  "protocol_version",
	71:  "insufficient_security",
	80:  "internal_error",
	86:  "inappropriate_fallback",
	90:  "user_canceled",
	109: "missing_extension",
	110: "unsupported_extension",
	112: "unrecognized_name",
	113: "bad_certificate_status_response",
	115: "unknown_psk_identity",
	116: "certificate_required",
	120: "no_application_protocol",
}

var h3Errors = [...]string{
	"H3_NO_ERROR",
	"H3_GENERAL_PROTOCOL_ERROR",
	"H3_INTERNAL_ERROR",
	"H3_STREAM_CREATION_ERROR",
	"H3_CLOSED_CRITICAL_STREAM",
	"H3_FRAME_UNEXPECTED",
	"H3_FRAME_ERROR",
	"H3_EXCESSIVE_LOAD",
	"H3_ID_ERROR",
	"H3_SETTINGS_ERROR",
	"H3_MISSING_SETTINGS",
	"H3_REQUEST_REJECTED",
	"H3_REQUEST_CANCELLED",
	"H3_REQUEST_INCOMPLETE",
	"H3_MESSAGE_ERROR",
	"H3_CONNECT_ERROR",
	"H3_VERSION_FALLBACK",
}

// h3Reserved reports whether v is of the form 0x1f*N+0x21, the values HTTP/3
// reserves for greasing frame types, stream types, settings and error codes
// (RFC 9114 sections 7.2.8, 6.2.3, 7.2.4.1 and 8.1).
func h3Reserved(v uint64) bool { return v >= 0x21 && (v-0x21)%0x1f == 0 }

// ErrorCodeName names the error code of a CONNECTION_CLOSE, RESET_STREAM
// or STOP_SENDING frame. With app false, code is a transport error code
// (RFC 9000 section 20.1): "no_error" to "no_viable_path", and
// "crypto_error_0x1NN" for 0x0100 to 0x01ff, whose low byte is a TLS alert,
// followed by the alert's name in parentheses where known
// ("crypto_error_0x128(handshake_failure)"). With app true, code is an
// application error code, named as HTTP/3 (RFC 9114 section 8.1) and QPACK
// (RFC 9204 section 6) do, "reserved" for the greasing values; other
// applications' codes then read as HTTP/3 ones. Other codes are "0x..".
func ErrorCodeName(code uint64, app bool) string {
	if app {
		switch {
		case code >= 0x100 && code < 0x100+uint64(len(h3Errors)):
			return h3Errors[code-0x100]
		case code == 0x200:
			return "QPACK_DECOMPRESSION_FAILED"
		case code == 0x201:
			return "QPACK_ENCODER_STREAM_ERROR"
		case code == 0x202:
			return "QPACK_DECODER_STREAM_ERROR"
		case h3Reserved(code):
			return "reserved"
		}
		return fmt.Sprintf("0x%x", code)
	}
	switch {
	case code < uint64(len(transportErrors)):
		return transportErrors[code]
	case code >= 0x100 && code <= 0x1ff:
		if name, ok := tlsAlerts[byte(code)]; ok {
			return fmt.Sprintf("crypto_error_0x%x(%s)", code, name)
		}
		return fmt.Sprintf("crypto_error_0x%x", code)
	}
	return fmt.Sprintf("0x%x", code)
}

// H3FrameTypeName names an HTTP/3 frame type (RFC 9114 section 7.2, with
// ORIGIN of RFC 9412 and PRIORITY_UPDATE of RFC 9218): "data", "headers",
// "cancel_push", "settings", "push_promise", "goaway", "max_push_id", ...;
// "reserved" for the greasing types 0x1f*N+0x21 and "h2_reserved" for the
// HTTP/2 types HTTP/3 leaves unused; otherwise "0x..".
func H3FrameTypeName(t uint64) string {
	switch t {
	case 0x00:
		return "data"
	case 0x01:
		return "headers"
	case 0x03:
		return "cancel_push"
	case 0x04:
		return "settings"
	case 0x05:
		return "push_promise"
	case 0x07:
		return "goaway"
	case 0x0c:
		return "origin"
	case 0x0d:
		return "max_push_id"
	case 0x02, 0x06, 0x08, 0x09:
		return "h2_reserved"
	case 0xf0700:
		return "priority_update_request"
	case 0xf0701:
		return "priority_update_push"
	}
	if h3Reserved(t) {
		return "reserved"
	}
	return fmt.Sprintf("0x%x", t)
}

// H3StreamTypeName names the type of an HTTP/3 unidirectional stream (RFC
// 9114 section 6.2, RFC 9204 section 4.2): "control", "push",
// "qpack_encoder", "qpack_decoder"; "reserved" for the greasing types
// 0x1f*N+0x21; otherwise "0x..".
func H3StreamTypeName(t uint64) string {
	switch t {
	case 0x00:
		return "control"
	case 0x01:
		return "push"
	case 0x02:
		return "qpack_encoder"
	case 0x03:
		return "qpack_decoder"
	}
	if h3Reserved(t) {
		return "reserved"
	}
	return fmt.Sprintf("0x%x", t)
}
