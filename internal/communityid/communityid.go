// Package communityid computes the Community ID v1 flow hash
// (corelight/community-id-spec), the string "1:" followed by the base64
// of a SHA-1 over the flow tuple, the same for both directions of a flow:
//
//	seed (2 bytes) | src address | dst address | proto | 0 | src port (2) | dst port (2)
//
// all in network byte order, with the smaller endpoint first (the smaller
// address, or the smaller port where the addresses are equal), the padding
// byte 0 after the protocol number, and the ports left out for protocols
// that have none. For ICMP and ICMPv6 the type and code stand in for the
// ports: a message type with a counterpart (echo request and reply, and
// the like) hashes as type and counterpart type, both ways; any other type
// hashes as type and code, as sent, without reordering.
//
// ssldissect needs it for TCP and UDP (V1); the ICMP and port-less forms
// are here so that the spec's baselines can be checked in full.
package communityid

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
)

// Protocol numbers the spec treats specially.
const (
	ProtoICMP   = 1
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoICMPv6 = 58
	ProtoSCTP   = 132
)

// Flow is one flow tuple, in either direction.
type Flow struct {
	Seed     uint16
	Proto    uint8
	Src, Dst netip.Addr
	// SrcPort and DstPort count only where Ports is set.
	SrcPort, DstPort uint16
	Ports            bool
	// OneWay keeps the order as given (ICMP messages without a
	// counterpart type).
	OneWay bool
}

// V1 is the Community ID v1 of a TCP, UDP or SCTP flow, or, for any other
// protocol but ICMP and ICMPv6 (see ICMP), of the port-less flow between
// the two addresses. It is "" when an address is invalid or the two are
// of different families.
func V1(seed uint16, proto uint8, src, dst netip.AddrPort) string {
	f := Flow{Seed: seed, Proto: proto, Src: src.Addr(), Dst: dst.Addr()}
	if hasPorts(proto) {
		f.SrcPort, f.DstPort, f.Ports = src.Port(), dst.Port(), true
	}
	return f.String()
}

// ICMP is the flow of an ICMP (proto 1) or ICMPv6 (58) message of the
// type and code given, from src to dst.
func ICMP(seed uint16, proto uint8, src, dst netip.Addr, typ, code uint8) Flow {
	f := Flow{Seed: seed, Proto: proto, Src: src, Dst: dst, SrcPort: uint16(typ), Ports: true}
	table := icmpCounterparts
	if proto == ProtoICMPv6 {
		table = icmpv6Counterparts
	}
	if other, ok := table[typ]; ok {
		f.DstPort = uint16(other)
	} else {
		f.DstPort, f.OneWay = uint16(code), true
	}
	return f
}

func hasPorts(proto uint8) bool {
	switch proto {
	case ProtoTCP, ProtoUDP, ProtoSCTP:
		return true
	}
	return false
}

// icmpCounterparts maps an ICMP message type to its counterpart: echo
// reply and request, router advertisement and solicitation, timestamp,
// information and address mask request and reply.
var icmpCounterparts = map[uint8]uint8{
	0: 8, 8: 0,
	9: 10, 10: 9,
	13: 14, 14: 13,
	15: 16, 16: 15,
	17: 18, 18: 17,
}

// icmpv6Counterparts is icmpCounterparts for ICMPv6: echo request and
// reply, multicast listener query and report, router and neighbor
// solicitation and advertisement, who-are-you request and reply, home
// agent address discovery request and reply.
var icmpv6Counterparts = map[uint8]uint8{
	128: 129, 129: 128,
	130: 131, 131: 130,
	133: 134, 134: 133,
	135: 136, 136: 135,
	139: 140, 140: 139,
	144: 145, 145: 144,
}

// Sum is the SHA-1 of the flow tuple; ok is false when an address is
// invalid or the two are of different families (an IPv4-mapped IPv6
// address counts as IPv4).
func (f Flow) Sum() (sum [sha1.Size]byte, ok bool) {
	src, dst := f.Src.Unmap(), f.Dst.Unmap()
	if !src.IsValid() || !dst.IsValid() || src.Is4() != dst.Is4() {
		return sum, false
	}
	sport, dport := f.SrcPort, f.DstPort
	if !f.OneWay {
		c := src.Compare(dst)
		if c > 0 || c == 0 && f.Ports && sport > dport {
			src, dst = dst, src
			sport, dport = dport, sport
		}
	}
	buf := make([]byte, 0, 2+16+16+2+4)
	buf = binary.BigEndian.AppendUint16(buf, f.Seed)
	buf = append(buf, src.AsSlice()...)
	buf = append(buf, dst.AsSlice()...)
	buf = append(buf, f.Proto, 0)
	if f.Ports {
		buf = binary.BigEndian.AppendUint16(buf, sport)
		buf = binary.BigEndian.AppendUint16(buf, dport)
	}
	return sha1.Sum(buf), true
}

// String is the Community ID, "1:" and the base64 of Sum; "" where Sum is
// not ok.
func (f Flow) String() string {
	sum, ok := f.Sum()
	if !ok {
		return ""
	}
	return "1:" + base64.StdEncoding.EncodeToString(sum[:])
}

// Hex is String with Sum in lower-case hex instead of base64 (the spec's
// "no base64" form).
func (f Flow) Hex() string {
	sum, ok := f.Sum()
	if !ok {
		return ""
	}
	return "1:" + hex.EncodeToString(sum[:])
}
