package capture

import (
	"encoding/binary"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// FlowHash hashes a TCP or UDP flow, the same for both directions: the
// sum of a hash (FNV-1a) of each endpoint, address bytes and port, mixed.
// The workers of a sharded run (internal/pipeline) each take the
// connections whose hash falls to them; a Source told its share (Shard)
// hashes the frames it can skim the same way.
func FlowHash(srcIP, dstIP []byte, srcPort, dstPort uint16) uint64 {
	h := endpointHash(srcIP, srcPort) + endpointHash(dstIP, dstPort)
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	return h ^ h>>33
}

// endpointHash is FNV-1a of an address and a port.
func endpointHash(ip []byte, port uint16) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range ip {
		h = (h ^ uint64(c)) * 1099511628211
	}
	h = (h ^ uint64(port>>8)) * 1099511628211
	return (h ^ uint64(port&0xff)) * 1099511628211
}

// A Sharder is a Source that can leave undecoded the TCP frames of the
// connections of other shards (the other workers of a sharded run, each
// reading the input itself).
type Sharder interface {
	// Shard makes the Source one of n shards, number w: a frame that
	// the direct decoder would decode as TCP, and whose FlowHash
	// modulo n is not w, is delivered with its number, capture info
	// and data, counted as TCP, but not decoded (Packet.TCP, UDP and
	// Net are left empty). Without a filter only: with one, every frame
	// is decoded for it.
	Shard(w, n int)
}

// Shard implements Sharder.
func (s *multiSource) Shard(w, n int) {
	if n > 1 {
		s.shardW, s.shardN = uint64(w), uint64(n)
	}
}

// skim tells, without decoding the frame's layers, whether fast would
// decode it as TCP (and nothing else: no tunnel, no layer after TCP), and
// if so its FlowHash. It reads the headers fast reads, checks what fast
// and gopacket's TCP decoder check, and gives up (false) where they
// would not take the frame as TCP or where it cannot tell: fast then
// decodes it. The differential test and fuzz target of fast
// (decodePair.check) hold it to fast's results.
func (d *decoder) skim(link layers.LinkType, data []byte) (uint64, bool) {
	if d.noFast {
		return 0, false
	}
	var ether uint16
	l3 := data
	switch link {
	case layers.LinkTypeEthernet:
		if len(data) < 14 {
			return 0, false
		}
		ether, l3 = binary.BigEndian.Uint16(data[12:14]), data[14:]
		for ether == etherDot1Q || ether == etherQinQ {
			if len(l3) < 4 {
				return 0, false
			}
			ether, l3 = binary.BigEndian.Uint16(l3[2:4]), l3[4:]
		}
	case layers.LinkTypeIPv4:
		ether = etherIPv4
	case layers.LinkTypeIPv6:
		ether = etherIPv6
	case layers.LinkTypeRaw, linkRawBSD12, linkRawBSD14:
		if len(data) == 0 {
			return 0, false
		}
		switch data[0] >> 4 {
		case 4:
			ether = etherIPv4
		case 6:
			ether = etherIPv6
		}
	}
	var src, dst, seg []byte
	switch ether {
	case etherIPv4:
		b := l3
		if len(b) < 20 || b[0] != 0x45 || b[9] != uint8(layers.IPProtocolTCP) {
			return 0, false
		}
		length := int(binary.BigEndian.Uint16(b[2:4]))
		if length < 20 || binary.BigEndian.Uint16(b[6:8])&0x3fff != 0 {
			return 0, false
		}
		src, dst, seg = b[12:16], b[16:20], b[20:]
		if length < len(b) {
			seg = b[20:length]
		}
	case etherIPv6:
		b := l3
		if len(b) < 40 || b[0]>>4 != 6 || b[6] != uint8(layers.IPProtocolTCP) {
			return 0, false
		}
		length := int(binary.BigEndian.Uint16(b[4:6]))
		if length == 0 {
			return 0, false
		}
		src, dst, seg = b[8:24], b[24:40], b[40:]
		if length < len(seg) {
			seg = seg[:length]
		}
	default:
		return 0, false
	}
	// What layers.TCP.DecodeFromBytes fails on, and the payload fastL4
	// leaves to the parser (a port gopacket decodes further).
	if len(seg) < 20 {
		return 0, false
	}
	off := int(seg[12]>>4) * 4
	if off < 20 || off > len(seg) {
		return 0, false
	}
	sport, dport := binary.BigEndian.Uint16(seg[0:2]), binary.BigEndian.Uint16(seg[2:4])
	if len(seg) > off {
		next := layers.TCPPort(dport).LayerType()
		if next == gopacket.LayerTypePayload {
			next = layers.TCPPort(sport).LayerType()
		}
		if d.decodes(next) {
			return 0, false
		}
	}
	return FlowHash(src, dst, sport, dport), true
}
