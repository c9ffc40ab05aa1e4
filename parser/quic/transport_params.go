package quic

import (
	"fmt"
	"net/netip"
)

// Transport parameter IDs (RFC 9000 section 18.2, and the RFCs named).
const (
	ParamOriginalDestinationConnectionID uint64 = 0x00
	ParamMaxIdleTimeout                  uint64 = 0x01
	ParamStatelessResetToken             uint64 = 0x02
	ParamMaxUDPPayloadSize               uint64 = 0x03
	ParamInitialMaxData                  uint64 = 0x04
	ParamInitialMaxStreamDataBidiLocal   uint64 = 0x05
	ParamInitialMaxStreamDataBidiRemote  uint64 = 0x06
	ParamInitialMaxStreamDataUni         uint64 = 0x07
	ParamInitialMaxStreamsBidi           uint64 = 0x08
	ParamInitialMaxStreamsUni            uint64 = 0x09
	ParamAckDelayExponent                uint64 = 0x0a
	ParamMaxAckDelay                     uint64 = 0x0b
	ParamDisableActiveMigration          uint64 = 0x0c
	ParamPreferredAddress                uint64 = 0x0d
	ParamActiveConnectionIDLimit         uint64 = 0x0e
	ParamInitialSourceConnectionID       uint64 = 0x0f
	ParamRetrySourceConnectionID         uint64 = 0x10
	ParamVersionInformation              uint64 = 0x11 // RFC 9368
	ParamMaxDatagramFrameSize            uint64 = 0x20 // RFC 9221
	ParamGreaseQUICBit                   uint64 = 0x2ab2
	ParamGoogleConnectionOptions         uint64 = 0x3127
	ParamGoogleVersion                   uint64 = 0x4752
	ParamMinAckDelay                     uint64 = 0xff04de1b // draft-ietf-quic-ack-frequency
)

// Caps on the lists a TransportParameters keeps.
const (
	// MaxTransportParameters is the number of parameters List keeps.
	MaxTransportParameters = 128
	// MaxAvailableVersions is the number of Available Versions a
	// VersionInformation keeps.
	MaxAvailableVersions = 64
)

// Defaults of the integer parameters an endpoint leaves out (RFC 9000
// section 18.2).
const (
	DefaultMaxUDPPayloadSize       = 65527
	DefaultAckDelayExponent        = 3
	DefaultMaxAckDelay             = 25 // milliseconds
	DefaultActiveConnectionIDLimit = 2
)

// TransportParameter is one parameter as it was on the wire.
type TransportParameter struct {
	ID    uint64
	Value []byte
}

// PreferredAddress is the value of preferred_address (RFC 9000 section
// 18.2). An address family the server does not offer is the zero address
// and port (0.0.0.0:0 or [::]:0).
type PreferredAddress struct {
	IPv4                netip.AddrPort
	IPv6                netip.AddrPort
	ConnectionID        []byte // 1 to 20 bytes
	StatelessResetToken []byte // 16 bytes
}

// VersionInformation is the value of version_information (RFC 9368
// section 3).
type VersionInformation struct {
	Chosen uint32
	// Available keeps the first MaxAvailableVersions versions offered,
	// AvailableMore counts the others.
	Available     []uint32
	AvailableMore int
}

// TransportParameters is a decoded quic_transport_parameters extension.
// The integer parameters an endpoint leaves out have their default values
// (zero for most, the Default constants for the others); Has tells which
// were sent. Byte slices point into the bytes given to
// ParseTransportParameters.
type TransportParameters struct {
	OriginalDestinationConnectionID []byte
	MaxIdleTimeout                  uint64 // milliseconds, 0 for none
	StatelessResetToken             []byte // 16 bytes
	MaxUDPPayloadSize               uint64
	InitialMaxData                  uint64
	InitialMaxStreamDataBidiLocal   uint64
	InitialMaxStreamDataBidiRemote  uint64
	InitialMaxStreamDataUni         uint64
	InitialMaxStreamsBidi           uint64
	InitialMaxStreamsUni            uint64
	AckDelayExponent                uint64
	MaxAckDelay                     uint64 // milliseconds
	DisableActiveMigration          bool
	PreferredAddress                *PreferredAddress
	ActiveConnectionIDLimit         uint64
	InitialSourceConnectionID       []byte
	RetrySourceConnectionID         []byte
	VersionInformation              *VersionInformation
	MaxDatagramFrameSize            uint64 // RFC 9221; see Has
	GreaseQUICBit                   bool   // RFC 9287

	// List is every parameter in the order sent, known or not (GREASE
	// ones included), up to MaxTransportParameters; More counts the others.
	List []TransportParameter
	More int
}

// Has reports whether parameter id was among those List keeps.
func (p *TransportParameters) Has(id uint64) bool {
	for _, tp := range p.List {
		if tp.ID == id {
			return true
		}
	}
	return false
}

// IsGreaseParameter reports whether id is of the form 31*N+27, which RFC
// 9000 section 18.1 reserves to exercise the handling of unknown
// parameters.
func IsGreaseParameter(id uint64) bool { return id%31 == 27 }

var paramNames = [...]string{
	"original_destination_connection_id",
	"max_idle_timeout",
	"stateless_reset_token",
	"max_udp_payload_size",
	"initial_max_data",
	"initial_max_stream_data_bidi_local",
	"initial_max_stream_data_bidi_remote",
	"initial_max_stream_data_uni",
	"initial_max_streams_bidi",
	"initial_max_streams_uni",
	"ack_delay_exponent",
	"max_ack_delay",
	"disable_active_migration",
	"preferred_address",
	"active_connection_id_limit",
	"initial_source_connection_id",
	"retry_source_connection_id",
	"version_information",
}

// TransportParameterName names transport parameter id as RFC 9000 and the
// registry do, "grease" for the reserved ids 31*N+27 (IsGreaseParameter),
// or "0x.." for an id not known here.
func TransportParameterName(id uint64) string {
	switch {
	case id < uint64(len(paramNames)):
		return paramNames[id]
	case id == ParamMaxDatagramFrameSize:
		return "max_datagram_frame_size"
	case id == ParamGreaseQUICBit:
		return "grease_quic_bit"
	case id == ParamGoogleConnectionOptions:
		return "google_connection_options"
	case id == ParamGoogleVersion:
		return "google_version"
	case id == ParamMinAckDelay:
		return "min_ack_delay"
	case IsGreaseParameter(id):
		return "grease"
	}
	return fmt.Sprintf("0x%x", id)
}

// ParseTransportParameters decodes the body of a quic_transport_parameters
// extension (RFC 9000 section 18): a sequence of ID, length, value. When
// the sequence itself is cut short it returns what it read up to there and
// an error wrapping ErrMalformed. A known parameter with a bad value (an
// integer whose varint does not fill its length exactly, a value out of its
// range, a parameter sent twice) is kept in List, not decoded, and the rest
// is still read; the error names the first such parameter.
func ParseTransportParameters(b []byte) (TransportParameters, error) {
	p := TransportParameters{
		MaxUDPPayloadSize:       DefaultMaxUDPPayloadSize,
		AckDelayExponent:        DefaultAckDelayExponent,
		MaxAckDelay:             DefaultMaxAckDelay,
		ActiveConnectionIDLimit: DefaultActiveConnectionIDLimit,
	}
	var first error
	var seen uint64 // bit i: known parameter i was seen (ids 0x00 to 0x11)
	var seenDatagram, seenGrease bool
	r := reader{b: b}
	for len(r.b) > 0 {
		start := r.off
		id := r.varint()
		v := r.bytes(r.varint())
		if r.bad {
			return p, fmt.Errorf("%w: transport parameter at offset %d: truncated", ErrMalformed, start)
		}
		if len(p.List) < MaxTransportParameters {
			if p.List == nil {
				p.List = make([]TransportParameter, 0, min(MaxTransportParameters, len(b)/2))
			}
			p.List = append(p.List, TransportParameter{ID: id, Value: v})
		} else {
			p.More++
		}
		dup := false
		switch {
		case id < uint64(len(paramNames)):
			dup = seen&(1<<id) != 0
			seen |= 1 << id
		case id == ParamMaxDatagramFrameSize:
			dup, seenDatagram = seenDatagram, true
		case id == ParamGreaseQUICBit:
			dup, seenGrease = seenGrease, true
		}
		why := "sent twice"
		if !dup {
			why = p.decode(id, v)
		}
		if why != "" && first == nil {
			first = fmt.Errorf("%w: transport parameter %s at offset %d: %s",
				ErrMalformed, TransportParameterName(id), start, why)
		}
	}
	return p, first
}

// decode sets the field of parameter id from its value v; it returns why v
// is malformed, or "".
func (p *TransportParameters) decode(id uint64, v []byte) string {
	cid := func(dst *[]byte) string {
		if len(v) > MaxCIDLen {
			return fmt.Sprintf("connection ID of %d bytes", len(v))
		}
		*dst = v
		return ""
	}
	integer := func(dst *uint64, lo, hi uint64) string {
		x, n := ReadVarint(v)
		if n == 0 || n != len(v) {
			return fmt.Sprintf("integer of %d bytes does not fill its value", len(v))
		}
		if x < lo || x > hi {
			return fmt.Sprintf("%d out of range [%d, %d]", x, lo, hi)
		}
		*dst = x
		return ""
	}
	flag := func(dst *bool) string {
		if len(v) != 0 {
			return fmt.Sprintf("%d bytes, want none", len(v))
		}
		*dst = true
		return ""
	}
	switch id {
	case ParamOriginalDestinationConnectionID:
		return cid(&p.OriginalDestinationConnectionID)
	case ParamMaxIdleTimeout:
		return integer(&p.MaxIdleTimeout, 0, MaxVarint)
	case ParamStatelessResetToken:
		if len(v) != 16 {
			return fmt.Sprintf("%d bytes, want 16", len(v))
		}
		p.StatelessResetToken = v
	case ParamMaxUDPPayloadSize:
		return integer(&p.MaxUDPPayloadSize, 1200, MaxVarint)
	case ParamInitialMaxData:
		return integer(&p.InitialMaxData, 0, MaxVarint)
	case ParamInitialMaxStreamDataBidiLocal:
		return integer(&p.InitialMaxStreamDataBidiLocal, 0, MaxVarint)
	case ParamInitialMaxStreamDataBidiRemote:
		return integer(&p.InitialMaxStreamDataBidiRemote, 0, MaxVarint)
	case ParamInitialMaxStreamDataUni:
		return integer(&p.InitialMaxStreamDataUni, 0, MaxVarint)
	case ParamInitialMaxStreamsBidi:
		return integer(&p.InitialMaxStreamsBidi, 0, MaxStreams)
	case ParamInitialMaxStreamsUni:
		return integer(&p.InitialMaxStreamsUni, 0, MaxStreams)
	case ParamAckDelayExponent:
		return integer(&p.AckDelayExponent, 0, 20)
	case ParamMaxAckDelay:
		return integer(&p.MaxAckDelay, 0, 1<<14-1)
	case ParamDisableActiveMigration:
		return flag(&p.DisableActiveMigration)
	case ParamPreferredAddress:
		return p.decodePreferredAddress(v)
	case ParamActiveConnectionIDLimit:
		return integer(&p.ActiveConnectionIDLimit, 2, MaxVarint)
	case ParamInitialSourceConnectionID:
		return cid(&p.InitialSourceConnectionID)
	case ParamRetrySourceConnectionID:
		return cid(&p.RetrySourceConnectionID)
	case ParamVersionInformation:
		if len(v) < 4 || len(v)%4 != 0 {
			return fmt.Sprintf("%d bytes, want a positive multiple of 4", len(v))
		}
		r := reader{b: v}
		vi := &VersionInformation{Chosen: r.u32()}
		for len(r.b) > 0 {
			x := r.u32()
			if len(vi.Available) < MaxAvailableVersions {
				vi.Available = append(vi.Available, x)
			} else {
				vi.AvailableMore++
			}
		}
		p.VersionInformation = vi
	case ParamMaxDatagramFrameSize:
		return integer(&p.MaxDatagramFrameSize, 0, MaxVarint)
	case ParamGreaseQUICBit:
		return flag(&p.GreaseQUICBit)
	}
	return ""
}

// decodePreferredAddress decodes preferred_address: IPv4 address and port,
// IPv6 address and port, a length-prefixed connection ID and a stateless
// reset token, filling v exactly.
func (p *TransportParameters) decodePreferredAddress(v []byte) string {
	r := reader{b: v}
	a4 := r.bytes(4)
	p4 := r.bytes(2)
	a6 := r.bytes(16)
	p6 := r.bytes(2)
	c := r.bytes(uint64(r.u8()))
	tok := r.bytes(16)
	if r.bad || len(r.b) != 0 {
		return fmt.Sprintf("%d bytes do not hold a preferred address", len(v))
	}
	if len(c) == 0 || len(c) > MaxCIDLen {
		return fmt.Sprintf("connection ID of %d bytes", len(c))
	}
	pa := &PreferredAddress{ConnectionID: c, StatelessResetToken: tok}
	pa.IPv4 = netip.AddrPortFrom(netip.AddrFrom4([4]byte(a4)), uint16(p4[0])<<8|uint16(p4[1]))
	pa.IPv6 = netip.AddrPortFrom(netip.AddrFrom16([16]byte(a6)), uint16(p6[0])<<8|uint16(p6[1]))
	p.PreferredAddress = pa
	return ""
}
