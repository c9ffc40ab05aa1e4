package hostile

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/bits"
	"net/netip"
	"os"
	"slices"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/crypto/cryptobyte"
)

// Options says how much of each thing the connection sends; 0 sends none
// (ALPN and Certificates: an ordinary amount, 2 protocols and 1
// certificate).
type Options struct {
	Alerts       int // alert records the client sends after the handshake, one alert each
	Certificates int // certificates in the server's chain
	ALPN         int // protocols the ClientHello offers
	// RecordMessages hello_request messages with a one-byte body (each
	// malformed, so each also a note) in one server record.
	RecordMessages int
	// RecordAlerts alerts in one client record.
	RecordAlerts int
}

// Write is what one side sends at once.
type Write struct {
	FromClient bool
	Data       []byte
}

// Conversation returns the connection's TLS bytes, in the order the sides
// send them.
func Conversation(o Options) ([]Write, error) {
	cert, err := certificate()
	if err != nil {
		return nil, err
	}
	alpn := max(o.ALPN, 2)
	hello := handshake(1, func(b *cryptobyte.Builder) {
		b.AddUint16(0x0303)
		b.AddBytes(bytes.Repeat([]byte{0x48}, 32))
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {})
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(0xc02f) })
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint16(0) // server_name
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					b.AddUint8(0)
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte("hostile.test")) })
				})
			})
			b.AddUint16(16) // application_layer_protocol_negotiation
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
					for i := range alpn {
						b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(fmt.Appendf(nil, "p%d", i)) })
					}
				})
			})
		})
	})
	serverHello := handshake(2, func(b *cryptobyte.Builder) {
		b.AddUint16(0x0303)
		b.AddBytes(bytes.Repeat([]byte{0x53}, 32))
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {})
		b.AddUint16(0xc02f)
		b.AddUint8(0)
	})
	chain := handshake(11, func(b *cryptobyte.Builder) {
		b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
			for range max(o.Certificates, 1) {
				b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(cert) })
			}
		})
	})
	done := handshake(14, func(b *cryptobyte.Builder) {})
	var hs [][]byte
	for _, m := range [][]byte{hello, serverHello, chain, done} {
		if m == nil {
			return nil, errors.New("hostile: a handshake message does not build (too large?)")
		}
		hs = append(hs, m)
	}

	var server []byte
	server = appendRecords(server, 22, slices.Concat(hs[1:]...))
	if o.RecordMessages > 0 {
		server = appendRecords(server, 22, bytes.Repeat([]byte{0, 0, 0, 1, 0xff}, o.RecordMessages))
	}
	var flood []byte
	if o.RecordAlerts > 0 {
		flood = appendRecords(flood, 21, bytes.Repeat([]byte{1, 100}, o.RecordAlerts))
	}
	flood = slices.Grow(flood, 7*o.Alerts)
	for range o.Alerts {
		flood = append(flood, 21, 3, 3, 0, 2, 1, 100) // warning no_renegotiation
	}
	return []Write{
		{FromClient: true, Data: appendRecords(nil, 22, hs[0])},
		{FromClient: false, Data: server},
		{FromClient: true, Data: flood},
	}, nil
}

// handshake is a handshake message of type typ, or nil when its body does
// not fit.
func handshake(typ uint8, body func(*cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	b.AddUint8(typ)
	b.AddUint24LengthPrefixed(body)
	m, err := b.Bytes()
	if err != nil {
		return nil
	}
	return m
}

// appendRecords appends p as records of type typ, 16384 bytes at most
// each.
func appendRecords(out []byte, typ uint8, p []byte) []byte {
	for len(p) > 0 {
		n := min(len(p), 16384)
		out = append(out, typ, 3, 3, byte(n>>8), byte(n))
		out = append(out, p[:n]...)
		p = p[n:]
	}
	return out
}

// certificate is a small self-signed ECDSA certificate's DER.
func certificate() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "hostile.test"},
		DNSNames:     []string{"hostile.test"},
		NotBefore:    time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	return x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
}

// Frame is one captured Ethernet frame.
type Frame struct {
	Time time.Time
	Data []byte
}

// mss is the TCP payload carried per segment.
const mss = 1448

// Frames carries a conversation over one TCP connection from client to
// server (IPv4 addresses), a frame every step from t0: SYN, SYN-ACK,
// ACK, the writes in segments, and a FIN each way.
func Frames(conv []Write, client, server netip.AddrPort, t0 time.Time, step time.Duration) ([]Frame, error) {
	if !client.Addr().Is4() || !server.Addr().Is4() {
		return nil, errors.New("hostile: IPv4 addresses only")
	}
	var out []Frame
	seq := [2]uint32{1000, 5000} // [0] the client's next sequence number, [1] the server's
	emit := func(fromClient bool, flags func(*layers.TCP), payload []byte) error {
		src, dst, me := client, server, 0
		if !fromClient {
			src, dst, me = server, client, 1
		}
		ip := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolTCP,
			SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()),
			Seq: seq[me], Ack: seq[1-me], ACK: true, Window: 65535}
		flags(tcp)
		if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
			return err
		}
		eth := &layers.Ethernet{SrcMAC: mac(me), DstMAC: mac(1 - me), EthernetType: layers.EthernetTypeIPv4}
		buf := gopacket.NewSerializeBuffer()
		err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
			eth, ip, tcp, gopacket.Payload(payload))
		if err != nil {
			return err
		}
		seq[me] += uint32(len(payload))
		if tcp.SYN || tcp.FIN {
			seq[me]++
		}
		out = append(out, Frame{Time: t0.Add(time.Duration(len(out)) * step), Data: slices.Clone(buf.Bytes())})
		return nil
	}
	plain := func(*layers.TCP) {}
	steps := []error{
		emit(true, func(t *layers.TCP) { t.SYN, t.ACK, t.Ack = true, false, 0 }, nil),
		emit(false, func(t *layers.TCP) { t.SYN = true }, nil),
		emit(true, plain, nil),
	}
	for _, w := range conv {
		for p := w.Data; len(p) > 0; {
			n := min(len(p), mss)
			steps = append(steps, emit(w.FromClient, func(t *layers.TCP) { t.PSH = true }, p[:n]))
			p = p[n:]
		}
	}
	steps = append(steps,
		emit(true, func(t *layers.TCP) { t.FIN = true }, nil),
		emit(false, func(t *layers.TCP) { t.FIN = true }, nil),
		emit(true, plain, nil))
	if err := errors.Join(steps...); err != nil {
		return nil, err
	}
	return out, nil
}

func mac(side int) []byte { return []byte{2, 0, 0, 0, 0, byte(side + 1)} }

// ReadPcap reads the frames of an Ethernet pcap file (either byte order,
// micro- or nanosecond times). It is a test helper's reader: gopacket's
// pcapgo would bring in a module the repository does not use, and package
// capture decodes rather than hands back frames.
func ReadPcap(name string) ([]Frame, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	s := cryptobyte.String(b)
	var magic, link uint32
	if !s.ReadUint32(&magic) {
		return nil, fmt.Errorf("%s: not a pcap file", name)
	}
	var order binary.ByteOrder = binary.BigEndian
	if magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1 {
		order, magic = binary.LittleEndian, bits.ReverseBytes32(magic)
	}
	var unit time.Duration
	switch magic {
	case 0xa1b2c3d4:
		unit = time.Microsecond
	case 0xa1b23c4d:
		unit = time.Nanosecond
	default:
		return nil, fmt.Errorf("%s: not a pcap file", name)
	}
	var hdr []byte
	if !s.ReadBytes(&hdr, 20) {
		return nil, fmt.Errorf("%s: short header", name)
	}
	if link = order.Uint32(hdr[16:]); link != 1 {
		return nil, fmt.Errorf("%s: link type %d, want Ethernet (1)", name, link)
	}
	var out []Frame
	for !s.Empty() {
		var rh, data []byte
		if !s.ReadBytes(&rh, 16) || !s.ReadBytes(&data, int(order.Uint32(rh[8:]))) {
			return nil, fmt.Errorf("%s: record %d is cut short", name, len(out)+1)
		}
		t := time.Unix(int64(order.Uint32(rh)), int64(time.Duration(order.Uint32(rh[4:]))*unit))
		out = append(out, Frame{Time: t, Data: slices.Clone(data)})
	}
	return out, nil
}

// Merge merges frame lists by time, as mergecap does (a stable merge:
// frames of the same time keep the order of the lists).
func Merge(lists ...[]Frame) []Frame {
	out := slices.Concat(lists...)
	slices.SortStableFunc(out, func(a, b Frame) int { return a.Time.Compare(b.Time) })
	return out
}

// WritePcap writes frames as a little-endian Ethernet pcap with
// nanosecond times.
func WritePcap(w io.Writer, frames []Frame) error {
	pw := newPcapWriter(w)
	for _, f := range frames {
		pw.write(f.Time, f.Data)
	}
	return pw.flush()
}
