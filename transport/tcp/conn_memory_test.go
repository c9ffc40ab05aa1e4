package tcp_test

import (
	"errors"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/reassembly"
	"github.com/ssldissect/ssldissect/report"
	"github.com/ssldissect/ssldissect/transport/tcp"
)

// TestMemoryPerEndedConnection runs 20,000 short TLS connections (copies
// of a shipped capture, each with its own client port, one after another,
// 10 µs between packets, so that all of them end within the idle timeout)
// through reassembly, the parser and the text writer, and checks that
// what stays of a connection once it ended with FINs is small: no
// connection stays open, and the heap after GC grows by less than
// maxPerConn bytes per connection between the 2,000th and the 20,000th.
// Before ended connections were released, each kept ~1.8 KB until the idle
// timeout.
func TestMemoryPerEndedConnection(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const (
		conns      = 20000
		warm       = 2000
		maxPerConn = 200 // bytes; the recently closed set takes ~50
	)
	tmpl := readPackets(t, "../../testdata/pcaps/curl-tls13-http.pcap")
	cli := tmpl[0].Net.Src()
	w := report.NewWriter(io.Discard, report.Options{Format: "text"})
	an := tcp.NewAnalyzer(w, decrypt.NewKeyStore())
	asm := reassembly.New(an.Factory, reassembly.Options{})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var num uint64
	var heapWarm uint64
	for i := range conns {
		addr := net.IPv4(10, 9, byte(i>>8), byte(i)).To4()
		port := layers.TCPPort(1024 + i%60000)
		for _, p := range tmpl {
			num++
			tcp := *p.TCP
			src, dst := p.Net.Src(), p.Net.Dst()
			if src == cli {
				src, tcp.SrcPort = layers.NewIPEndpoint(addr), port
			} else {
				dst, tcp.DstPort = layers.NewIPEndpoint(addr), port
			}
			tcp.SetInternalPortsForTesting()
			nf, _ := gopacket.FlowFromEndpoints(src, dst)
			q := capture.Packet{Num: num, CI: p.CI, Net: nf, TCP: &tcp, Len: p.Len}
			q.CI.Timestamp = t0.Add(time.Duration(num) * 10 * time.Microsecond)
			asm.Add(&q)
			if num%4096 == 0 {
				asm.FlushIdle(q.CI.Timestamp)
			}
		}
		if open := asm.Stats().Open; open > 1 {
			t.Fatalf("after %d connections, %d still open", i+1, open)
		}
		if i+1 == warm {
			heapWarm = heapAfterGC()
		}
	}
	heap := heapAfterGC()
	perConn := (float64(heap) - float64(heapWarm)) / (conns - warm)
	t.Logf("heap after GC: %d bytes after %d connections, %d after %d: %.0f bytes per ended connection", heapWarm, warm, heap, conns, perConn)
	if perConn > maxPerConn {
		t.Errorf("%.0f bytes kept per ended connection, want at most %d", perConn, maxPerConn)
	}
	if st := asm.Stats(); st.Connections != conns || w.TLSConnections != conns {
		t.Errorf("%d connections, %d TLS, want %d", st.Connections, w.TLSConnections, conns)
	}
	runtime.KeepAlive(asm)
	runtime.KeepAlive(an)
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// readPackets reads the TCP packets of a capture, copied.
func readPackets(t *testing.T, file string) []capture.Packet {
	t.Helper()
	src, err := capture.OpenFiles([]string{file}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var ps []capture.Packet
	for {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.TCP == nil {
			continue
		}
		tcp := *p.TCP
		tcp.Payload = append([]byte(nil), p.TCP.Payload...)
		tcp.Contents, tcp.Options, tcp.Padding = nil, nil, nil
		q := *p
		q.TCP = &tcp
		ps = append(ps, q)
	}
	if len(ps) == 0 {
		t.Fatalf("%s: no TCP packets", file)
	}
	return ps
}

// TestMemoryPerOpenFlow opens 20,000 flows that never end, with no cap on
// open connections, and measures the heap after GC per open flow between
// the 2,000th and the 20,000th: a flow that is not TLS (a three-way
// handshake and an HTTP request) must cost under 2,112 bytes, as nothing
// is made for it beyond the reassembly's and gopacket's state (and, since
// pure ACKs skip gopacket, an entry in the reassembly's index of open
// flows: the cap was 2,048 before); one that sent a
// ClientHello (the first four packets of a shipped capture) under 8 KB.
// A bare SYN is measured too. Before session state was made lazily and the
// pending buffers shrank, a flow that was not TLS took ~3.2 KB.
func TestMemoryPerOpenFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const (
		flows      = 20000
		warm       = 2000
		maxNotTLS  = 2112 // bytes, of which gopacket's ~1000 and the pure-ACK index's ~20
		maxTLSFlow = 8192
	)
	tmpl := readPackets(t, "../../testdata/pcaps/curl-tls13-http.pcap")[:4]
	plain := make([]capture.Packet, 4)
	copy(plain, tmpl)
	req := *tmpl[3].TCP
	req.Payload = []byte("GET /index.html HTTP/1.1\r\nHost: example.test\r\n\r\n")
	plain[3].TCP = &req
	for _, c := range []struct {
		name string
		tmpl []capture.Packet
		max  float64
	}{{"SYN", tmpl[:1], maxNotTLS}, {"not TLS", plain, maxNotTLS}, {"ClientHello", tmpl, maxTLSFlow}} {
		t.Run(c.name, func(t *testing.T) {
			an := tcp.NewAnalyzer(report.NewWriter(io.Discard, report.Options{Format: "text"}), decrypt.NewKeyStore())
			asm := reassembly.New(an.Factory, reassembly.Options{MaxConns: -1})
			cli := c.tmpl[0].Net.Src()
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			var num, heapWarm uint64
			for i := range flows {
				addr := net.IPv4(10, 9, byte(i>>8), byte(i)).To4()
				for _, p := range c.tmpl {
					num++
					tcp := *p.TCP
					src, dst := p.Net.Src(), p.Net.Dst()
					if src == cli {
						src = layers.NewIPEndpoint(addr)
					} else {
						dst = layers.NewIPEndpoint(addr)
					}
					tcp.SetInternalPortsForTesting()
					nf, _ := gopacket.FlowFromEndpoints(src, dst)
					q := capture.Packet{Num: num, CI: p.CI, Net: nf, TCP: &tcp, Len: p.Len}
					q.CI.Timestamp = t0.Add(time.Duration(num) * time.Microsecond)
					asm.Add(&q)
					if num%4096 == 0 {
						asm.FlushIdle(q.CI.Timestamp)
					}
				}
				if i+1 == warm {
					heapWarm = heapAfterGC()
				}
			}
			heap := heapAfterGC()
			per := (float64(heap) - float64(heapWarm)) / (flows - warm)
			t.Logf("%.0f bytes per open flow", per)
			if st := asm.Stats(); st.Open != flows {
				t.Fatalf("%d flows open, want %d", st.Open, flows)
			}
			if per > c.max {
				t.Errorf("%.0f bytes per open flow, want at most %.0f", per, c.max)
			}
			runtime.KeepAlive(asm)
			runtime.KeepAlive(an)
		})
	}
}
