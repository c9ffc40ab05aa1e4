package report

import (
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/ssldissect/ssldissect/parser/quic"
	"github.com/ssldissect/ssldissect/session"
)

// QUICPacket is `"type":"quic_packet"`: one QUIC packet (CONTRACT.md,
// "QUIC and DTLS").
type QUICPacket struct {
	Type       string         `json:"type"`
	Conn       uint64         `json:"conn"`
	Dir        string         `json:"dir"`
	TS         string         `json:"ts"`
	Packet     uint64         `json:"packet"`
	PacketType string         `json:"packet_type"`
	Version    string         `json:"quic_version,omitempty"`
	DCID       string         `json:"dcid"`
	SCID       *string        `json:"scid,omitempty"` // long headers
	Token      *int           `json:"token_length,omitempty"`
	Versions   []string       `json:"versions,omitempty"` // version negotiation
	PN         *uint64        `json:"pn,omitempty"`
	KeyPhase   *int           `json:"key_phase,omitempty"`
	Length     int            `json:"length"`
	Decrypted  bool           `json:"decrypted"`
	MAC        string         `json:"mac"`
	Frames     []Object       `json:"frames,omitempty"`
	MoreFrames int            `json:"frames_not_listed,omitempty"`
	Handshake  []Object       `json:"handshake,omitempty"`
	Notes      []Note         `json:"notes,omitempty"`
	Dropped    *RecordDropped `json:"dropped,omitempty"`
	// Hex is the packet as captured, header protection on (-X only).
	Hex HexBytes `json:"hex,omitempty"`
}

// QUICPacketOf maps a QUIC packet's event to its JSON form.
func QUICPacketOf(ev *session.RecordEvent) QUICPacket { return quicPacketOf(nil, ev) }

func quicPacketOf(a *objArena, ev *session.RecordEvent) QUICPacket {
	p := ev.QUIC
	out := QUICPacket{Type: "quic_packet", Conn: ev.Conn.ID, Dir: ev.Dir.String(), TS: timeString(ev.Time),
		Packet: ev.Packet, PacketType: p.Type.String(), DCID: hex.EncodeToString(p.DCID),
		Length: p.Length, Decrypted: p.Decrypted, MAC: ev.MAC.String(), MoreFrames: p.MoreFrames}
	if p.Type != quic.Packet1RTT {
		out.Version = fmt.Sprintf("0x%08x", p.Version)
		s := hex.EncodeToString(p.SCID)
		out.SCID = &s
	}
	if p.Type == quic.PacketInitial || p.Type == quic.PacketRetry {
		n := len(p.Token)
		out.Token = &n
	}
	for _, v := range p.Versions {
		out.Versions = append(out.Versions, fmt.Sprintf("0x%08x", v))
	}
	if p.HasPN {
		pn := p.PN
		out.PN = &pn
	}
	if p.Type == quic.Packet1RTT && p.HasPN {
		kp := 0
		if p.KeyPhase {
			kp = 1
		}
		out.KeyPhase = &kp
	}
	for i := range p.Frames {
		o := frameObject(&p.Frames[i])
		if h3, ok := p.H3[i]; ok {
			o = append(o, Field{"http3", h3})
		}
		out.Frames = append(out.Frames, o)
	}
	for _, m := range ev.Messages {
		out.Handshake = append(out.Handshake, messageObject(a, m))
	}
	for _, n := range ev.Notes {
		out.Notes = append(out.Notes, noteOf(n))
	}
	if d := ev.Dropped; d.Any() {
		out.Dropped = &RecordDropped{Handshake: d.Messages, Alerts: d.Alerts, Notes: d.Notes}
	}
	return out
}

// textQUICPacket is a QUIC packet's line in text output, with its frames
// and the handshake messages it completed below it.
func (w *Writer) textQUICPacket(ev *session.RecordEvent) {
	c := ev.Conn
	tc := w.textConn(c, ev.Time)
	tc.n++
	p := ev.QUIC
	b := appendEventPrefix(w.out.AvailableBuffer(), c.ID, tc, ev)
	b = append(b, "  quic "...)
	b = append(b, p.Type.String()...)
	if p.HasPN {
		b = append(b, "  pn="...)
		b = strconv.AppendUint(b, p.PN, 10)
	}
	b = append(b, "  len="...)
	b = strconv.AppendInt(b, int64(p.Length), 10)
	switch {
	case p.Decrypted:
		b = append(b, "  decrypted  mac="...)
		b = append(b, ev.MAC.String()...)
	case p.Type == quic.PacketRetry:
		b = append(b, "  tag="...)
		b = append(b, ev.MAC.String()...)
	case p.Type != quic.PacketVersionNegotiation:
		b = append(b, "  encrypted"...)
	}
	b = append(b, '\n')
	w.markIn(b, "", c.ID)
	w.out.Write(b)
	tc.last = ev.Time
	if len(p.Frames) > 0 {
		writeStrings(w.out, "    frames: ", frameSummary(p), "\n")
	}
	for _, m := range ev.Messages {
		writeMessage(w.out, messageObject(&w.arena, m))
	}
	w.arena.reset()
	for _, n := range ev.Notes {
		writeStrings(w.out, "    note ", string(n.Code), ": ")
		writeStrings(w.out, n.Detail, "\n", "")
	}
	if w.opt.HexRecords {
		writeWire(w.out, ev.Wire)
	}
}

// frameSummary lists a packet's frame types, runs of one type counted.
func frameSummary(p *session.QUICPacket) string {
	var b []byte
	for i := 0; i < len(p.Frames); {
		j := i + 1
		for j < len(p.Frames) && p.Frames[j].Type == p.Frames[i].Type {
			j++
		}
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, p.Frames[i].Type.String()...)
		if j-i > 1 {
			b = append(b, 'x')
			b = strconv.AppendInt(b, int64(j-i), 10)
		}
		i = j
	}
	if p.MoreFrames > 0 {
		b = fmt.Appendf(b, " (+%d more)", p.MoreFrames)
	}
	return string(b)
}

// frameObject is a frame's JSON object: its type and the fields of that
// type. Bulk data (STREAM, CRYPTO, DATAGRAM) is given by length.
func frameObject(f *quic.Frame) Object {
	o := Object{{"type", f.Type.String()}, {"type_id", fmt.Sprintf("0x%02x", uint64(f.Type))}}
	add := func(k string, v any) { o = append(o, Field{k, v}) }
	switch t := f.Type; {
	case t == quic.FramePadding:
		add("length", f.Length)
	case t == quic.FrameAck || t == quic.FrameAckECN:
		add("largest_acknowledged", f.LargestAcked)
		add("ack_delay", f.AckDelay)
		add("first_range", f.FirstRange)
		if len(f.Ranges) > 0 {
			rs := make([]any, 0, len(f.Ranges))
			for _, r := range f.Ranges {
				rs = append(rs, Object{{"gap", r.Gap}, {"length", r.Length}})
			}
			add("ranges", rs)
		}
		if f.MoreRanges > 0 {
			add("ranges_not_listed", f.MoreRanges)
		}
		if t == quic.FrameAckECN {
			add("ect0", f.ECT0)
			add("ect1", f.ECT1)
			add("ce", f.CE)
		}
	case t == quic.FrameCrypto:
		add("offset", f.Offset)
		add("length", f.Length)
	case t.IsStream():
		add("stream_id", f.StreamID)
		add("offset", f.Offset)
		add("length", f.Length)
		add("fin", f.Fin)
	case t == quic.FrameResetStream:
		add("stream_id", f.StreamID)
		add("error_code", f.ErrorCode)
		add("final_size", f.FinalSize)
	case t == quic.FrameStopSending:
		add("stream_id", f.StreamID)
		add("error_code", f.ErrorCode)
	case t == quic.FrameNewToken:
		add("token_length", len(f.Token))
	case t == quic.FrameMaxData || t == quic.FrameDataBlocked:
		add("maximum", f.Value)
	case t == quic.FrameMaxStreamData || t == quic.FrameStreamDataBlocked:
		add("stream_id", f.StreamID)
		add("maximum", f.Value)
	case t == quic.FrameMaxStreamsBidi || t == quic.FrameMaxStreamsUni ||
		t == quic.FrameStreamsBlockedBidi || t == quic.FrameStreamsBlockedUni:
		add("maximum_streams", f.Value)
	case t == quic.FrameNewConnectionID:
		add("sequence_number", f.SequenceNumber)
		add("retire_prior_to", f.RetirePriorTo)
		add("connection_id", hex.EncodeToString(f.ConnectionID))
		add("stateless_reset_token", hex.EncodeToString(f.StatelessResetToken))
	case t == quic.FrameRetireConnectionID:
		add("sequence_number", f.SequenceNumber)
	case t == quic.FramePathChallenge || t == quic.FramePathResponse:
		add("data", hex.EncodeToString(f.Data))
	case t == quic.FrameConnectionClose || t == quic.FrameConnectionCloseApp:
		app := t == quic.FrameConnectionCloseApp
		add("error_code", f.ErrorCode)
		add("error", quic.ErrorCodeName(f.ErrorCode, app))
		if !app {
			add("frame_type", f.FrameType.String())
		}
		add("reason", string(f.Reason))
	case t == quic.FrameDatagram || t == quic.FrameDatagramLen:
		add("length", f.Length)
	case t == quic.FrameTimestamp:
		add("timestamp", f.Value)
	case t == quic.FrameAckFrequency:
		add("sequence_number", f.SequenceNumber)
		add("ack_eliciting_threshold", f.Value)
		add("request_max_ack_delay", f.AckDelay)
		add("reordering_threshold", f.ReorderingThreshold)
	}
	return o
}

// transportParameters is the decoded quic_transport_parameters extension:
// one object per parameter in the order sent, with its name, id and value
// (a number for the integer ones, hex for connection IDs and tokens).
func transportParameters(data []byte) (params []Object, err error) {
	tp, err := quic.ParseTransportParameters(data)
	for _, p := range tp.List {
		o := Object{{"name", quic.TransportParameterName(p.ID)}, {"id", fmt.Sprintf("0x%x", p.ID)}}
		switch p.ID {
		case 0x00, 0x02, 0x0f, 0x10: // connection IDs, stateless reset token
			o = append(o, Field{"value", hex.EncodeToString(p.Value)})
		case 0x0c, 0x2ab2: // disable_active_migration, grease_quic_bit: empty
		case 0x0d:
			if pa := tp.PreferredAddress; pa != nil {
				o = append(o, Field{"ipv4", pa.IPv4.String()}, Field{"ipv6", pa.IPv6.String()},
					Field{"connection_id", hex.EncodeToString(pa.ConnectionID)})
			}
		case 0x11:
			if vi := tp.VersionInformation; vi != nil {
				av := make([]string, 0, len(vi.Available))
				for _, v := range vi.Available {
					av = append(av, fmt.Sprintf("0x%08x", v))
				}
				o = append(o, Field{"chosen", fmt.Sprintf("0x%08x", vi.Chosen)}, Field{"available", av})
			}
		default:
			if v, n := quic.ReadVarint(p.Value); n > 0 && n == len(p.Value) && isIntegerParameter(p.ID) {
				o = append(o, Field{"value", v})
			} else if len(p.Value) > 0 {
				o = append(o, Field{"value_hex", hex.EncodeToString(p.Value)})
			}
		}
		params = append(params, o)
	}
	return params, err
}

// isIntegerParameter: the transport parameters whose value is one
// variable-length integer.
func isIntegerParameter(id uint64) bool {
	return (id >= 0x01 && id <= 0x0b && id != 0x02) || id == 0x0e || id == 0x20
}
