package synth

import (
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ssldissect/ssldissect/capture"
)

// UDPPacket makes the capture.Packet of an IPv4 UDP datagram from src to
// dst, as a capture Source would deliver it, for tests that feed the
// datagram transports directly.
func UDPPacket(payload []byte, src, dst netip.AddrPort, t time.Time, num uint64) *capture.Packet {
	s, d := src.Addr().As4(), dst.Addr().As4()
	udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port()), Length: uint16(8 + len(payload))}
	udp.Payload = payload
	n := len(payload) + 28
	return &capture.Packet{Num: num, CI: gopacket.CaptureInfo{Timestamp: t, Length: n, CaptureLength: n},
		Net: gopacket.NewFlow(layers.EndpointIPv4, s[:], d[:]), UDP: udp}
}
