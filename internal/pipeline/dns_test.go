package pipeline

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/session"
)

// echSink keeps each connection's ECH verdict.
type echSink struct{ ech []*session.ECHInfo }

func (s *echSink) Record(*session.RecordEvent) {}
func (s *echSink) End(c *session.Conn)         { s.ech = append(s.ech, c.ECH) }

const echDNSPcap = "../../testdata/pcaps/gotls-ech-dns.pcap"

func runECH(t *testing.T, pcap string, workers int) ([]*session.ECHInfo, Result) {
	t.Helper()
	src, err := capture.OpenFiles([]string{pcap}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var s echSink
	res, err := Run(src, &s, Options{Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.ech) != 1 || s.ech[0] == nil {
		t.Fatalf("%d workers: connections %v, want one with ECH", workers, s.ech)
	}
	return s.ech, res
}

// TestDNSECHWorkers: the HTTPS record of the capture's DNS response makes
// the ECH real (no keys are given) whatever the number of workers, also
// when the TCP connection is on a worker other than the one that gets all
// of UDP (worker 0), and the DNS counts are those of one worker.
func TestDNSECHWorkers(t *testing.T) {
	// The worker the TLS connection goes to, for each number of workers.
	src, err := capture.OpenFiles([]string{echDNSPcap}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var tcpHash uint64
	for {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.TCP != nil {
			tcpHash = flowHash(p)
			break
		}
	}
	src.Close()
	elsewhere := 0
	for _, n := range []int{1, 2, 3, 4, 5} {
		ech, res := runECH(t, echDNSPcap, n)
		if n > 1 && tcpHash%uint64(n) != 0 {
			elsewhere++
		}
		e := ech[0]
		if e.Grease != session.ECHGreaseNo || e.DNS == nil || e.DNS.Name != "public.test" || e.DNS.Type != "HTTPS" ||
			e.DNS.Config.PublicName != "public.test" || e.DNS.Config.ConfigID != e.ConfigID {
			t.Errorf("%d workers: ech grease %q dns %+v", n, e.Grease, e.DNS)
		}
		if res.DNS.Responses != 1 || res.DNS.Lists != 1 || res.DNS.Configs != 1 || res.DNS.Malformed != 0 || res.DNS.Dropped != 0 {
			t.Errorf("%d workers: dns stats %+v", n, res.DNS)
		}
	}
	if elsewhere == 0 {
		t.Fatal("the TLS connection was on worker 0 for every number of workers: the hand-off to the others is untested")
	}
}

// TestDNSECHOrder: a DNS response after the ClientHello does not count:
// the same capture with the DNS datagrams moved to its end leaves grease
// unknown (no keys).
func TestDNSECHOrder(t *testing.T) {
	src, err := capture.OpenFiles([]string{echDNSPcap}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	type frame struct {
		ci   gopacket.CaptureInfo
		data []byte
	}
	var tcp, dns []frame
	for {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		f := frame{p.CI, append([]byte(nil), p.Data...)}
		f.ci.AncillaryData = nil
		if p.UDP != nil {
			dns = append(dns, f)
		} else {
			tcp = append(tcp, f)
		}
	}
	src.Close()
	if len(dns) != 2 || len(tcp) == 0 {
		t.Fatalf("%d DNS and %d TCP frames", len(dns), len(tcp))
	}
	name := filepath.Join(t.TempDir(), "late-dns.pcap")
	out, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	// A classic pcap, microseconds, Ethernet (the capture's link type).
	b := binary.LittleEndian.AppendUint32(nil, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = binary.LittleEndian.AppendUint32(b, 65535)
	b = binary.LittleEndian.AppendUint32(b, 1)
	last := tcp[len(tcp)-1].ci.Timestamp
	for i := range dns {
		dns[i].ci.Timestamp = last.Add(time.Duration(i+1) * time.Millisecond)
	}
	for _, f := range append(tcp, dns...) {
		ts := f.ci.Timestamp
		b = binary.LittleEndian.AppendUint32(b, uint32(ts.Unix()))
		b = binary.LittleEndian.AppendUint32(b, uint32(ts.Nanosecond()/1000))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(f.data)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(f.data)))
		b = append(b, f.data...)
	}
	if _, err := out.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 3} {
		ech, res := runECH(t, name, n)
		if e := ech[0]; e.Grease != session.ECHGreaseUnknown || e.DNS != nil {
			t.Errorf("%d workers: grease %q dns %+v, want unknown without dns", n, e.Grease, e.DNS)
		}
		if res.DNS.Configs != 1 {
			t.Errorf("%d workers: dns stats %+v: the late response is still read", n, res.DNS)
		}
	}
}

// TestDNSECHCounts: a datagram from port 53 that is no DNS message is
// counted as malformed, a query is not read, and an ech value that is no
// ECHConfigList is counted by the table.
func TestDNSECHCounts(t *testing.T) {
	keys := decrypt.NewKeyStore()
	var st DNSStats
	dg := func(b []byte) *capture.Packet {
		u := &layers.UDP{SrcPort: 53, DstPort: 40000}
		u.Payload = b
		return &capture.Packet{UDP: u}
	}
	dnsECH(keys.DNSECH, &st, dg([]byte{1, 2, 3}))
	// A response to "HTTPS? p.t" with one HTTPS answer whose ech is 2 bytes.
	resp := []byte{0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
		1, 'p', 1, 't', 0, 0, 65, 0, 1,
		0xc0, 12, 0, 65, 0, 1, 0, 0, 0, 60, 0, 9,
		0, 1, 0, 0, 5, 0, 2, 0xff, 0xff}
	dnsECH(keys.DNSECH, &st, dg(resp))
	query := append([]byte(nil), resp...)
	query[2] = 0x01
	dnsECH(keys.DNSECH, &st, dg(query))
	var res Result
	dnsResult(&res, keys.DNSECH, st)
	want := DNSStats{Responses: 1, Malformed: 1, ECHConfigStats: decrypt.ECHConfigStats{Lists: 1, Malformed: 1}}
	if res.DNS != want {
		t.Errorf("stats %+v, want %+v", res.DNS, want)
	}
}
