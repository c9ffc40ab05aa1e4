package report

import (
	"encoding/binary"
	"net/netip"
)

// Synthetic frames for --write-decrypted: Ethernet, IPv4 or IPv6, TCP or
// UDP, with valid checksums. The MAC addresses are made up (locally
// administered: 02:00:00:00:00:01 for the client, ...:02 for the server).

const (
	ipProtoTCP = 6
	ipProtoUDP = 17

	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpPSH = 0x08
	tcpACK = 0x10

	// synthMSS is the largest TCP payload of a synthetic segment (an
	// Ethernet MTU of 1500 less the IPv4 and TCP headers).
	synthMSS = 1460
	// synthWScale is the window scale both ends announce: with the
	// window field at its largest, the window is about 1 GiB, so that
	// a direction sending much with no answer (the segments acknowledge
	// only what the other end sent) never fills it in tshark's analysis.
	synthWScale = 14
)

var (
	macClient = [6]byte{2, 0, 0, 0, 0, 1}
	macServer = [6]byte{2, 0, 0, 0, 0, 2}
)

// tcpSeg is one TCP segment to frame.
type tcpSeg struct {
	src, dst netip.AddrPort
	fromCli  bool // the client sends it (for the MAC addresses)
	seq, ack uint32
	flags    uint8
	ipID     uint16
	payload  []byte
}

// appendTCPFrame appends the Ethernet frame of s to b.
func appendTCPFrame(b []byte, s *tcpSeg) []byte {
	var opts []byte
	if s.flags&tcpSYN != 0 {
		// MSS, NOP, window scale; 8 bytes.
		opts = []byte{2, 4, synthMSS >> 8, synthMSS & 0xff, 1, 3, 3, synthWScale}
	}
	tcp := make([]byte, 20+len(opts), 20+len(opts)+len(s.payload))
	be := binary.BigEndian
	be.PutUint16(tcp[0:], s.src.Port())
	be.PutUint16(tcp[2:], s.dst.Port())
	be.PutUint32(tcp[4:], s.seq)
	if s.flags&tcpACK != 0 {
		be.PutUint32(tcp[8:], s.ack)
	}
	tcp[12] = byte((20+len(opts))/4) << 4
	tcp[13] = s.flags
	be.PutUint16(tcp[14:], 0xffff)
	copy(tcp[20:], opts)
	tcp = append(tcp, s.payload...)
	return appendIPFrame(b, s.src.Addr(), s.dst.Addr(), s.fromCli, ipProtoTCP, s.ipID, tcp, 16)
}

// appendUDPFrame appends the Ethernet frame of a UDP datagram to b.
func appendUDPFrame(b []byte, src, dst netip.AddrPort, fromCli bool, ipID uint16, payload []byte) []byte {
	udp := make([]byte, 8, 8+len(payload))
	be := binary.BigEndian
	be.PutUint16(udp[0:], src.Port())
	be.PutUint16(udp[2:], dst.Port())
	be.PutUint16(udp[4:], uint16(8+len(payload)))
	udp = append(udp, payload...)
	return appendIPFrame(b, src.Addr(), dst.Addr(), fromCli, ipProtoUDP, ipID, udp, 6)
}

// appendIPFrame appends Ethernet and IP headers and the transport segment
// seg, whose checksum (at csumAt) it fills in.
func appendIPFrame(b []byte, src, dst netip.Addr, fromCli bool, proto uint8, ipID uint16, seg []byte, csumAt int) []byte {
	be := binary.BigEndian
	srcMAC, dstMAC := macClient, macServer
	if !fromCli {
		srcMAC, dstMAC = macServer, macClient
	}
	b = append(b, dstMAC[:]...)
	b = append(b, srcMAC[:]...)
	src, dst = src.Unmap(), dst.Unmap()
	// The pseudo-header's sum.
	sum := uint32(proto) + uint32(len(seg))
	if src.Is4() && dst.Is4() {
		s16, d16 := src.AsSlice(), dst.AsSlice()
		sum = onesSum(onesSum(sum, s16), d16)
		b = be.AppendUint16(b, 0x0800)
		ip := make([]byte, 20)
		ip[0] = 0x45
		be.PutUint16(ip[2:], uint16(20+len(seg)))
		be.PutUint16(ip[4:], ipID)
		be.PutUint16(ip[6:], 0x4000) // don't fragment
		ip[8] = 64
		ip[9] = proto
		copy(ip[12:], s16)
		copy(ip[16:], d16)
		be.PutUint16(ip[10:], ^fold(onesSum(0, ip)))
		b = append(b, ip...)
	} else {
		b = be.AppendUint16(b, 0x86dd)
		ip := make([]byte, 40)
		ip[0] = 0x60
		be.PutUint16(ip[4:], uint16(len(seg)))
		ip[6] = proto
		ip[7] = 64
		s6, d6 := src.As16(), dst.As16()
		sum = onesSum(onesSum(sum, s6[:]), d6[:])
		copy(ip[8:], s6[:])
		copy(ip[24:], d6[:])
		b = append(b, ip...)
	}
	c := ^fold(onesSum(sum, seg))
	if proto == ipProtoUDP && c == 0 {
		c = 0xffff
	}
	be.PutUint16(seg[csumAt:], c)
	return append(b, seg...)
}

// onesSum adds b, as big-endian 16-bit words, to sum (RFC 1071).
func onesSum(sum uint32, b []byte) uint32 {
	for len(b) >= 2 {
		sum += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
		if sum > 0xffff0000 {
			sum = sum&0xffff + sum>>16
		}
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	return sum
}

func fold(sum uint32) uint16 {
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}
