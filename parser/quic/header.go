package quic

import (
	"errors"
	"fmt"

	"github.com/ssldissect/ssldissect/internal/seqnum"
)

// PacketType is the type of a QUIC packet, across versions.
type PacketType uint8

const (
	PacketInitial PacketType = iota
	Packet0RTT
	PacketHandshake
	PacketRetry
	PacketVersionNegotiation
	Packet1RTT // short header
)

func (t PacketType) String() string {
	switch t {
	case PacketInitial:
		return "initial"
	case Packet0RTT:
		return "0rtt"
	case PacketHandshake:
		return "handshake"
	case PacketRetry:
		return "retry"
	case PacketVersionNegotiation:
		return "version_negotiation"
	case Packet1RTT:
		return "1rtt"
	case PacketGoogle:
		return "gquic"
	}
	return fmt.Sprintf("packet_type(%d)", uint8(t))
}

// MaxCIDLen is the longest connection ID of QUIC v1 (RFC 9000 section
// 17.2); the invariants allow 255, which only Version Negotiation may carry.
const MaxCIDLen = 20

// RetryTagLen is the length of a Retry packet's integrity tag.
const RetryTagLen = 16

// Header is a packet's header as far as it can be read before header
// protection is removed.
type Header struct {
	Type    PacketType
	Long    bool
	First   byte // the first byte, still protected
	Version uint32
	DCID    []byte
	SCID    []byte // long headers
	Token   []byte // Initial: the token; Retry: the retry token
	// Versions are the versions a Version Negotiation packet offers.
	Versions []uint32
	// RetryTag is a Retry packet's integrity tag; RetryODCID the original
	// DCID that a Retry of the drafts before 25 carries instead.
	RetryTag   []byte
	RetryODCID []byte
	// PNOffset is the offset of the (protected) packet number within the
	// packet; Length is the packet's length from the packet number on, as
	// the header declares it (long headers with a Length field), or what is
	// left of the datagram.
	PNOffset int
	Length   int
	// Raw is the whole packet: header, packet number and payload. For a
	// coalesced datagram each packet has its own Raw.
	Raw []byte
}

// longType maps the two type bits of a long header to its type for
// version v (RFC 9369 section 3.2 swaps them for v2).
func longType(bits byte, v uint32) PacketType {
	if v == Version2 {
		return [4]PacketType{PacketRetry, PacketInitial, Packet0RTT, PacketHandshake}[bits]
	}
	return PacketType(bits)
}

// LongTypeBits is the inverse of the mapping of header types: the two bits
// of byte 0 of type t in version v.
func LongTypeBits(t PacketType, v uint32) byte {
	if v == Version2 {
		return [4]byte{1, 2, 3, 0}[t]
	}
	return byte(t)
}

// IsLong reports whether a packet starting with b0 has a long header.
func IsLong(b0 byte) bool { return b0&0x80 != 0 }

// ParseLong decodes the long header at the start of p and returns it with
// what follows the packet in the datagram (the next coalesced packet, or
// nothing). A Version Negotiation, Retry or unknown-version packet takes the
// rest of the datagram.
func ParseLong(p []byte) (Header, []byte, error) {
	h := Header{Long: true}
	r := reader{b: p}
	h.First = r.u8()
	h.Version = r.u32()
	h.DCID = r.bytes(uint64(r.u8()))
	h.SCID = r.bytes(uint64(r.u8()))
	if r.bad || h.First&0x80 == 0 {
		return h, nil, fmt.Errorf("%w: long header", ErrMalformed)
	}
	if h.Version == VersionNegotiation {
		h.Type = PacketVersionNegotiation
		if len(r.b)%4 != 0 || len(r.b) == 0 {
			return h, nil, fmt.Errorf("%w: version negotiation: %d bytes of versions", ErrMalformed, len(r.b))
		}
		for len(r.b) > 0 {
			h.Versions = append(h.Versions, r.u32())
		}
		h.Raw = p[:len(p):len(p)]
		return h, nil, nil
	}
	if !Known(h.Version) {
		h.Raw = p[:len(p):len(p)]
		return h, nil, fmt.Errorf("%w: version 0x%08x", ErrUnknownVersion, h.Version)
	}
	if len(h.DCID) > MaxCIDLen || len(h.SCID) > MaxCIDLen {
		return h, nil, fmt.Errorf("%w: connection ID of %d/%d bytes", ErrMalformed, len(h.DCID), len(h.SCID))
	}
	h.Type = longType(h.First>>4&3, h.Version)
	if d := LookupVersion(h.Version).Draft; h.Type == PacketRetry && d > 0 && d < 25 {
		// Drafts before 25: the original DCID in the packet, no tag.
		h.RetryODCID = r.bytes(uint64(r.u8()))
		if r.bad {
			return h, nil, fmt.Errorf("%w: retry", ErrMalformed)
		}
		h.Token, h.Raw = r.b[:len(r.b):len(r.b)], p[:len(p):len(p)]
		return h, nil, nil
	}
	if h.Type == PacketRetry {
		if len(r.b) < RetryTagLen {
			return h, nil, fmt.Errorf("%w: retry shorter than its tag", ErrMalformed)
		}
		n := len(r.b) - RetryTagLen
		h.Token = r.b[:n:n]
		h.RetryTag = r.b[n:len(r.b):len(r.b)]
		h.Raw = p[:len(p):len(p)]
		return h, nil, nil
	}
	if h.Type == PacketInitial {
		h.Token = r.bytes(r.varint())
	}
	length := r.varint()
	if r.bad {
		return h, nil, fmt.Errorf("%w: %v header", ErrMalformed, h.Type)
	}
	if length > uint64(len(r.b)) {
		h.PNOffset = r.off
		return h, nil, fmt.Errorf("%w: %v packet of %d bytes, %d in the datagram", ErrTruncated, h.Type, length, len(r.b))
	}
	h.PNOffset = r.off
	h.Length = int(length)
	end := r.off + int(length)
	h.Raw = p[:end:end]
	return h, p[end:len(p):len(p)], nil
}

// ParseShort decodes a short header whose destination connection ID is
// cidLen bytes long (the receiver chose it; nothing on the wire tells).
func ParseShort(p []byte, cidLen int) (Header, error) {
	if len(p) < 1+cidLen || IsLong(p[0]) {
		return Header{}, fmt.Errorf("%w: short header", ErrMalformed)
	}
	return Header{Type: Packet1RTT, First: p[0], DCID: p[1 : 1+cidLen : 1+cidLen],
		PNOffset: 1 + cidLen, Length: len(p) - 1 - cidLen, Raw: p[:len(p):len(p)]}, nil
}

// ErrTruncated: a long header whose Length runs past the datagram (a
// capture cut short by its snap length, or a broken packet). The Header
// returned with it has every field up to the packet number.
var ErrTruncated = fmt.Errorf("%w: packet longer than its datagram", ErrMalformed)

// ErrUnknownVersion: a long header of a version this package cannot read
// past the invariants.
var ErrUnknownVersion = fmt.Errorf("quic: unknown version")

// LooksLikeQUIC reports whether a UDP payload may start a QUIC connection
// (or answer one): a long header of a known version (with the fixed bit
// for IETF versions), or a Version Negotiation packet. Short-header packets
// are only recognised by their connection ID (transport/quic).
func LooksLikeQUIC(p []byte) bool {
	if len(p) < 7 || !IsLong(p[0]) {
		return false
	}
	v := uint32(p[1])<<24 | uint32(p[2])<<16 | uint32(p[3])<<8 | uint32(p[4])
	if v == VersionNegotiation {
		_, _, err := ParseLong(p)
		return err == nil
	}
	if !Known(v) || p[0]&0x40 == 0 {
		return false
	}
	_, _, err := ParseLong(p)
	return err == nil || errors.Is(err, ErrTruncated)
}

// DecodePacketNumber reconstructs a full packet number from its truncated
// value of pnLen bytes, given the largest packet number received so far in
// its packet number space, or -1 when none was (RFC 9000 Appendix A.3).
func DecodePacketNumber(largest int64, truncated uint64, pnLen int) uint64 {
	return seqnum.Nearest(uint64(largest+1), truncated, uint(8*pnLen), 1<<62)
}
