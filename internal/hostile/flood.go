package hostile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// FloodOptions describes a flood of TCP flows that open and never close,
// the load of the open-connection cap (--max-conns) and of the memory
// figure for open flows in docs/PERFORMANCE.md.
type FloodOptions struct {
	Flows int // flows, each from its own client address and port to 192.0.2.67:443
	// Hello: after its SYN, each flow's client sends a ClientHello (the
	// one of Conversation). Otherwise a flow is a bare SYN.
	Hello bool
	// Start is the time of the first frame; frames follow one Step apart
	// (a Step of 0 is one microsecond).
	Start time.Time
	Step  time.Duration
}

// Flood writes the flows of o to w as a pcap (the format of WritePcap),
// frame by frame: the flood is never held in memory. No flow sends a
// SYN-ACK, a FIN or a RST.
func Flood(w io.Writer, o FloodOptions) error {
	var hello []byte
	if o.Hello {
		conv, err := Conversation(Options{})
		if err != nil {
			return err
		}
		hello = conv[0].Data
	}
	step := o.Step
	if step == 0 {
		step = time.Microsecond
	}
	pw := newPcapWriter(w)
	server := netip.MustParseAddrPort("192.0.2.67:443")
	t := o.Start
	for i := range o.Flows {
		// 10.0.0.0/8 clients, 16 ports each: distinct 4-tuples for 2^28 flows.
		a := uint32(10<<24) | uint32(i>>4)
		var ip [4]byte
		binary.BigEndian.PutUint32(ip[:], a)
		client := netip.AddrPortFrom(netip.AddrFrom4(ip), uint16(40000+i&15))
		syn, err := segment(client, server, 1000, true, nil)
		if err != nil {
			return err
		}
		pw.write(t, syn)
		t = t.Add(step)
		if hello != nil {
			data, err := segment(client, server, 1001, false, hello)
			if err != nil {
				return err
			}
			pw.write(t, data)
			t = t.Add(step)
		}
	}
	return pw.flush()
}

// segment is one Ethernet frame of a TCP segment from src to dst: a SYN,
// or an ACK with payload.
func segment(src, dst netip.AddrPort, seq uint32, syn bool, payload []byte) ([]byte, error) {
	if !src.Addr().Is4() || !dst.Addr().Is4() {
		return nil, errors.New("hostile: IPv4 addresses only")
	}
	ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolTCP,
		SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()),
		Seq: seq, Window: 65535, SYN: syn, ACK: !syn, PSH: len(payload) > 0, Ack: 5001}
	if syn {
		tcp.Ack = 0
	}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		return nil, err
	}
	eth := &layers.Ethernet{SrcMAC: mac(0), DstMAC: mac(1), EthernetType: layers.EthernetTypeIPv4}
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, ip, tcp, gopacket.Payload(payload))
	return buf.Bytes(), err
}

// pcapWriter writes a little-endian Ethernet pcap with nanosecond times.
type pcapWriter struct {
	bw  *bufio.Writer
	hdr [16]byte
}

func newPcapWriter(w io.Writer) *pcapWriter {
	p := &pcapWriter{bw: bufio.NewWriterSize(w, 1<<16)}
	le := binary.LittleEndian
	p.bw.Write(le.AppendUint32(nil, 0xa1b23c4d))
	p.bw.Write(le.AppendUint16(nil, 2))
	p.bw.Write(le.AppendUint16(nil, 4))
	for _, v := range []uint32{0, 0, 65536, 1} { // zone, sigfigs, snaplen, Ethernet
		p.bw.Write(le.AppendUint32(nil, v))
	}
	return p
}

func (p *pcapWriter) write(t time.Time, data []byte) {
	le := binary.LittleEndian
	le.PutUint32(p.hdr[0:], uint32(t.Unix()))
	le.PutUint32(p.hdr[4:], uint32(t.Nanosecond()))
	le.PutUint32(p.hdr[8:], uint32(len(data)))
	le.PutUint32(p.hdr[12:], uint32(len(data)))
	p.bw.Write(p.hdr[:])
	p.bw.Write(data)
}

func (p *pcapWriter) flush() error { return p.bw.Flush() }
