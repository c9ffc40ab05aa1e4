package filter

import "net/netip"

// TCP flag bits, as in the TCP header's flags byte (tcp[13]).
const (
	TCPFlagFIN = 0x01
	TCPFlagSYN = 0x02
	TCPFlagRST = 0x04
	TCPFlagPSH = 0x08
	TCPFlagACK = 0x10
	TCPFlagURG = 0x20
	TCPFlagECE = 0x40
	TCPFlagCWR = 0x80
)

// Meta is what a Filter looks at: the decoded headers of one packet, filled by
// the capture package's decoder. Zero values mean "absent".
type Meta struct {
	// Link is the whole captured frame starting at the link-layer header;
	// HasEther tells whether it begins with an Ethernet header.
	Link     []byte
	HasEther bool
	SrcMAC   [6]byte
	DstMAC   [6]byte
	// VLANs lists 802.1Q/802.1ad VLAN IDs, outermost first.
	VLANs []uint16
	// EtherType is the innermost EtherType (after VLAN tags), or the
	// protocol implied by the link type for cooked, raw and loopback links.
	EtherType uint16

	// IPVersion is 4, 6 or 0 when the packet is not IP. L3 is the IP header
	// and everything after it, as captured.
	IPVersion uint8
	L3        []byte
	Src, Dst  netip.Addr
	// Proto is the IP protocol number (IPv6: after extension headers).
	Proto uint8
	// Fragment is true for any IP fragment but the first (non-zero offset).
	Fragment bool

	// L4 is the transport header and payload, as captured; nil for
	// non-first fragments.
	L4               []byte
	HasPorts         bool // TCP, UDP or SCTP ports are set
	SrcPort, DstPort uint16
	TCPFlags         uint8

	// Length is the packet's length on the wire (for less/greater).
	Length int
}
