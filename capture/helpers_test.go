package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ssldissect/ssldissect/capture/filter"
)

// Addresses and ports the generated packets use.
var (
	cli4 = net.IP{10, 0, 0, 1}
	srv4 = net.IP{10, 0, 0, 2}
	cli6 = net.ParseIP("2001:db8::1")
	srv6 = net.ParseIP("2001:db8::2")
)

const (
	cliPort = 40000
	srvPort = 443
)

// t0 is the time of the first generated packet.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(buf.Bytes())
}

func tcpLayer(seq uint32) *layers.TCP {
	return &layers.TCP{SrcPort: cliPort, DstPort: srvPort, Seq: seq, ACK: true, PSH: true, Window: 1024}
}

// ip4TCP is an IPv4 packet carrying a TCP segment with payload.
func ip4TCP(t testing.TB, seq uint32, payload []byte) []byte {
	ip := &layers.IPv4{Version: 4, TTL: 64, Id: 7, Protocol: layers.IPProtocolTCP, SrcIP: cli4, DstIP: srv4}
	tcp := tcpLayer(seq)
	tcp.SetNetworkLayerForChecksum(ip)
	return serialize(t, ip, tcp, gopacket.Payload(payload))
}

// ip6TCP is an IPv6 packet carrying a TCP segment, behind the extension
// headers ext (raw bytes, whose first byte must name the next header).
func ip6TCP(t testing.TB, seq uint32, payload []byte, next layers.IPProtocol, ext []byte) []byte {
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: next, SrcIP: cli6, DstIP: srv6}
	tcp := tcpLayer(seq)
	tcp.SetNetworkLayerForChecksum(ip)
	seg := serialize(t, tcp, gopacket.Payload(payload))
	return serialize(t, ip, gopacket.Payload(append(bytes.Clone(ext), seg...)))
}

// ip4Fragments splits a TCP segment over IPv4 fragments of at most size
// payload bytes (a multiple of 8), in order.
func ip4Fragments(t testing.TB, payload []byte, size int) [][]byte {
	whole := ip4TCP(t, 1, payload)
	l4 := whole[20:]
	var out [][]byte
	for off := 0; off < len(l4); off += size {
		end := min(off+size, len(l4))
		ip := &layers.IPv4{Version: 4, TTL: 64, Id: 99, Protocol: layers.IPProtocolTCP,
			SrcIP: cli4, DstIP: srv4, FragOffset: uint16(off / 8)}
		if end < len(l4) {
			ip.Flags = layers.IPv4MoreFragments
		}
		out = append(out, serialize(t, ip, gopacket.Payload(l4[off:end])))
	}
	return out
}

// ip6Fragments is ip4Fragments for IPv6, with a Fragment header.
func ip6Fragments(t testing.TB, payload []byte, size int) [][]byte {
	whole := ip6TCP(t, 1, payload, layers.IPProtocolTCP, nil)
	l4 := whole[40:]
	var out [][]byte
	for off := 0; off < len(l4); off += size {
		end := min(off+size, len(l4))
		fh := []byte{byte(layers.IPProtocolTCP), 0, 0, 0, 0, 0, 0x12, 0x34}
		fo := uint16(off/8) << 3
		if end < len(l4) {
			fo |= 1
		}
		binary.BigEndian.PutUint16(fh[2:], fo)
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolIPv6Fragment, SrcIP: cli6, DstIP: srv6}
		out = append(out, serialize(t, ip, gopacket.Payload(append(fh, l4[off:end]...))))
	}
	return out
}

// Link-layer wrappers.

func ether(ip []byte, vlans ...uint16) []byte {
	b := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	tpid := uint16(layers.EthernetTypeQinQ)
	for i, id := range vlans {
		if i == len(vlans)-1 {
			tpid = uint16(layers.EthernetTypeDot1Q)
		}
		b = binary.BigEndian.AppendUint16(b, tpid)
		b = binary.BigEndian.AppendUint16(b, id)
	}
	return append(binary.BigEndian.AppendUint16(b, etherType(ip)), ip...)
}

func etherType(ip []byte) uint16 {
	if len(ip) > 0 && ip[0]>>4 == 6 {
		return uint16(layers.EthernetTypeIPv6)
	}
	return uint16(layers.EthernetTypeIPv4)
}

func sll(ip []byte) []byte {
	b := []byte{0, 0, 0, 1, 0, 6, 0, 1, 2, 3, 4, 5, 0, 0}
	return append(binary.BigEndian.AppendUint16(b, etherType(ip)), ip...)
}

func sll2(ip []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, etherType(ip))
	b = append(b, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 0, 1, 2, 3, 4, 5, 0, 0)
	return append(b, ip...)
}

func loopback(order byteOrder, ip []byte) []byte {
	fam := uint32(layers.ProtocolFamilyIPv4)
	if etherType(ip) == uint16(layers.EthernetTypeIPv6) {
		fam = uint32(layers.ProtocolFamilyIPv6BSD)
	}
	return append(order.AppendUint32(nil, fam), ip...)
}

// byteOrder is what the writers need of a byte order.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// rec is one packet to write into a test file.
type rec struct {
	ts    time.Time
	data  []byte
	iface uint32 // pcapng interface
	orig  int    // wire length; len(data) when 0
}

func (r rec) origLen() uint32 {
	if r.orig != 0 {
		return uint32(r.orig)
	}
	return uint32(len(r.data))
}

// pcapFile builds a classic pcap file by hand.
func pcapFile(order byteOrder, nano bool, link layers.LinkType, recs ...rec) []byte {
	magic := uint32(pcapMicro)
	if nano {
		magic = pcapNano
	}
	b := order.AppendUint32(nil, magic)
	b = order.AppendUint16(b, 2)
	b = order.AppendUint16(b, 4)
	b = order.AppendUint32(b, 0)
	b = order.AppendUint32(b, 0)
	b = order.AppendUint32(b, 65535)
	b = order.AppendUint32(b, uint32(link))
	for _, r := range recs {
		frac := uint32(r.ts.Nanosecond() / 1000)
		if nano {
			frac = uint32(r.ts.Nanosecond())
		}
		b = order.AppendUint32(b, uint32(r.ts.Unix()))
		b = order.AppendUint32(b, frac)
		b = order.AppendUint32(b, uint32(len(r.data)))
		b = order.AppendUint32(b, r.origLen())
		b = append(b, r.data...)
	}
	return b
}

// ngWriter builds pcapng blocks by hand, in either byte order.
type ngWriter struct {
	order byteOrder
	b     []byte
}

func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func (w *ngWriter) block(typ uint32, body []byte) *ngWriter {
	body = pad4(body)
	n := uint32(12 + len(body))
	w.b = w.order.AppendUint32(w.b, typ)
	w.b = w.order.AppendUint32(w.b, n)
	w.b = append(w.b, body...)
	w.b = w.order.AppendUint32(w.b, n)
	return w
}

func (w *ngWriter) shb() *ngWriter {
	body := w.order.AppendUint32(nil, byteOrderMagic)
	body = w.order.AppendUint16(body, 1)
	body = w.order.AppendUint16(body, 0)
	body = w.order.AppendUint64(body, ^uint64(0))
	return w.block(blockSHB, body)
}

// opt is one option: code, value (padded by idb).
func (w *ngWriter) opt(code uint16, val []byte) []byte {
	b := w.order.AppendUint16(nil, code)
	b = w.order.AppendUint16(b, uint16(len(val)))
	return pad4(append(b, val...))
}

func (w *ngWriter) idb(link layers.LinkType, opts ...[]byte) *ngWriter {
	return w.idbSnap(link, 0, opts...)
}

// idbSnap writes an Interface Description Block with a snapshot length.
func (w *ngWriter) idbSnap(link layers.LinkType, snap uint32, opts ...[]byte) *ngWriter {
	body := w.order.AppendUint16(nil, uint16(link))
	body = w.order.AppendUint16(body, 0)
	body = w.order.AppendUint32(body, snap)
	for _, o := range opts {
		body = append(body, o...)
	}
	if len(opts) > 0 {
		body = append(body, 0, 0, 0, 0)
	}
	return w.block(blockIDB, body)
}

// epb writes an Enhanced Packet Block with a timestamp in units per second.
func (w *ngWriter) epb(r rec, units uint64) *ngWriter {
	ts := uint64(r.ts.Unix())*units + uint64(r.ts.Nanosecond())*units/1e9
	body := w.order.AppendUint32(nil, r.iface)
	body = w.order.AppendUint32(body, uint32(ts>>32))
	body = w.order.AppendUint32(body, uint32(ts))
	body = w.order.AppendUint32(body, uint32(len(r.data)))
	body = w.order.AppendUint32(body, r.origLen())
	return w.block(blockEPB, append(body, r.data...))
}

func (w *ngWriter) pb(r rec) *ngWriter {
	ts := uint64(r.ts.UnixMicro())
	body := w.order.AppendUint16(nil, uint16(r.iface))
	body = w.order.AppendUint16(body, 0)
	body = w.order.AppendUint32(body, uint32(ts>>32))
	body = w.order.AppendUint32(body, uint32(ts))
	body = w.order.AppendUint32(body, uint32(len(r.data)))
	body = w.order.AppendUint32(body, r.origLen())
	return w.block(blockPB, append(body, r.data...))
}

func (w *ngWriter) spb(data []byte) *ngWriter {
	return w.block(blockSPB, append(w.order.AppendUint32(nil, uint32(len(data))), data...))
}

func (w *ngWriter) dsb(typ uint32, data []byte) *ngWriter {
	body := w.order.AppendUint32(nil, typ)
	body = w.order.AppendUint32(body, uint32(len(data)))
	return w.block(blockDSB, append(body, data...))
}

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// got is what a test keeps of a delivered packet.
type got struct {
	Num, FileNum uint64
	File         string
	TS           time.Time
	Link         layers.LinkType
	Net          string
	TCP          bool
	UDP          bool
	Ports        [2]uint16
	Payload      string
	Len          int
	VLANs        []uint16
	EtherType    uint16
}

// result is everything a read produced.
type result struct {
	pkts     []got
	stats    Stats
	warnings []error
	secrets  []Secret
	events   []string // "secret N" and "packet N", in the order they happened
}

// metaRecorder is a filter stand-in that records what it was shown.
type metaRecorder struct {
	last filter.Meta
	keep func(*filter.Meta) bool
}

func (m *metaRecorder) Match(x *filter.Meta) bool {
	m.last = *x
	m.last.VLANs = append([]uint16(nil), x.VLANs...)
	return m.keep == nil || m.keep(x)
}

// withFilter installs a filter hook that returns rec for any expression.
func withFilter(t testing.TB, rec *metaRecorder) {
	old := compileFilter
	compileFilter = func(string) (matcher, error) { return rec, nil }
	t.Cleanup(func() { compileFilter = old })
}

// readAll reads every packet from paths.
func readAll(t testing.TB, paths []string, opt Options) (result, error) {
	t.Helper()
	var res result
	var mr *metaRecorder
	if opt.Filter != "" {
		if r, ok := mustHook(); ok {
			mr = r
		}
	}
	opt.OnWarning = func(err error) { res.warnings = append(res.warnings, err) }
	opt.OnSecrets = func(s Secret) {
		res.secrets = append(res.secrets, s)
		res.events = append(res.events, "secret")
	}
	src, err := OpenFiles(paths, opt)
	if err != nil {
		return res, err
	}
	defer src.Close()
	for {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		g := got{Num: p.Num, FileNum: p.FileNum, File: filepath.Base(p.File), TS: p.CI.Timestamp,
			Link: p.LinkType, Net: p.Net.String(), TCP: p.TCP != nil, UDP: p.UDP != nil, Len: p.Len}
		if p.TCP != nil {
			g.Ports = [2]uint16{uint16(p.TCP.SrcPort), uint16(p.TCP.DstPort)}
			g.Payload = string(p.TCP.Payload)
		}
		if p.UDP != nil {
			g.Ports = [2]uint16{uint16(p.UDP.SrcPort), uint16(p.UDP.DstPort)}
			g.Payload = string(p.UDP.Payload)
		}
		if mr != nil {
			g.VLANs = mr.last.VLANs
			g.EtherType = mr.last.EtherType
		}
		res.pkts = append(res.pkts, g)
		res.events = append(res.events, "packet")
	}
	res.stats = src.Stats()
	return res, nil
}

// mustHook returns the recorder behind the installed test hook, if any.
func mustHook() (*metaRecorder, bool) {
	if compileFilter == nil {
		return nil, false
	}
	m, err := compileFilter("")
	if err != nil {
		return nil, false
	}
	r, ok := m.(*metaRecorder)
	return r, ok
}

func fileErr(t testing.TB, err error) *FileError {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("warning %v is a %T, not a *FileError", err, err)
	}
	return fe
}
