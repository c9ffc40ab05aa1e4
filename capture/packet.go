package capture

import (
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Packet is one decoded packet as a Source delivers it. A Packet and every
// byte slice it points into are valid only until the next call to Next.
type Packet struct {
	// Num is 1-based across the whole run, in delivery order.
	Num uint64
	// File names the source: a file path, "-" for standard input, or an
	// interface name for live capture.
	File string
	// FileNum is the 1-based frame number within File, as Wireshark numbers
	// frames, so that a message can point a user at the packet.
	FileNum uint64
	// CI is the capture metadata (timestamp, captured and wire lengths).
	CI gopacket.CaptureInfo
	// Net is the network-layer flow (IPv4 or IPv6 source to destination),
	// of the innermost packet when the frame carries a tunnel.
	Net gopacket.Flow
	// TCP is the TCP layer, or nil when the packet carries no TCP segment
	// (inside a tunnel, the innermost one's).
	TCP *layers.TCP
	// UDP is the UDP layer, or nil when the packet carries no UDP datagram
	// (inside a tunnel, the innermost one's; a UDP tunnel that is opened
	// is not one). Its Payload is the datagram's data.
	UDP *layers.UDP
	// Len is the packet's length on the wire (CI.Length).
	Len int
	// LinkType is the link-layer header type of the frame (per pcapng
	// interface, or per pcap file).
	LinkType layers.LinkType
	// Data is the captured frame, from the link-layer header on (for
	// writing it to a capture file).
	Data []byte

	buf *Buffer // the read buffer Data is in, if it is one

	flow    uint64 // FlowHash of its TCP endpoints, when hasFlow
	hasFlow bool
}

// FlowHash returns FlowHash of the packet's TCP endpoints (addresses and
// ports) when the reader computed it already: a Source made a shard
// (Sharder) hashes every TCP frame to tell its own from the others'.
func (p *Packet) FlowHash() (uint64, bool) { return p.flow, p.hasFlow }

// buffer is the read buffer that holds p's frame (Data) and the bytes of
// its TCP or UDP layer; nil when they are not all in one (a frame larger
// than the buffer, a pcapng block, a segment of a reassembled IP
// fragment, a live capture).
func (p *Packet) buffer() *Buffer {
	if p.buf == nil || !within(p.buf.b, p.Data) {
		return nil
	}
	switch {
	case p.TCP != nil:
		if !within(p.Data, p.TCP.Contents) || !within(p.Data, p.TCP.Payload) {
			return nil
		}
	case p.UDP != nil:
		if !within(p.Data, p.UDP.Contents) || !within(p.Data, p.UDP.Payload) {
			return nil
		}
	}
	return p.buf
}

// Segment returns the bytes of p's TCP segment (its header, then its
// payload) or of its UDP datagram's payload as one slice of the read
// buffer, with that buffer, for a caller that keeps them past the next
// call to Next (Buffer.Retain); nil and nil when they are not in one read
// buffer (a frame larger than it, a pcapng block, a segment of a
// reassembled IP fragment, a live capture: such a caller copies them) or
// the TCP header and payload are not contiguous.
func (p *Packet) Segment() ([]byte, *Buffer) {
	b := p.buffer()
	if b == nil {
		return nil, nil
	}
	switch {
	case p.TCP != nil:
		h, pl := p.TCP.Contents, p.TCP.Payload
		start := offsetIn(p.Data, h)
		if start < 0 || (len(pl) > 0 && offsetIn(p.Data, pl) != start+len(h)) {
			return nil, nil
		}
		end := start + len(h) + len(pl)
		return p.Data[start:end:end], b
	case p.UDP != nil:
		return p.UDP.Payload, b
	}
	return nil, nil
}

// UDPEndpoints are the source and destination addresses and ports of a
// packet carrying a UDP datagram (IPv4-mapped IPv6 addresses unmapped);
// zero values when it carries none.
func (p *Packet) UDPEndpoints() (src, dst netip.AddrPort) {
	if p.UDP == nil {
		return src, dst
	}
	s, _ := netip.AddrFromSlice(p.Net.Src().Raw())
	d, _ := netip.AddrFromSlice(p.Net.Dst().Raw())
	return netip.AddrPortFrom(s.Unmap(), uint16(p.UDP.SrcPort)), netip.AddrPortFrom(d.Unmap(), uint16(p.UDP.DstPort))
}
