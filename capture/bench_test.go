package capture

import (
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// BenchmarkReadPcap reads a generated pcap of Ethernet/IPv4/TCP packets
// and reports packets per second.
func BenchmarkReadPcap(b *testing.B) {
	const n = 10000
	payload := make([]byte, 200)
	recs := make([]rec, n)
	for i := range recs {
		recs[i] = rec{ts: t0.Add(time.Duration(i) * time.Microsecond), data: ether(ip4TCP(b, uint32(i*200), payload))}
	}
	p := writeTemp(b, "bench.pcap", pcapFile(le, false, layers.LinkTypeEthernet, recs...))
	b.ReportAllocs()
	b.ResetTimer()
	total := 0
	for b.Loop() {
		src, err := OpenFiles([]string{p}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			pkt, err := src.Next()
			if err == io.EOF {
				break
			}
			if err != nil || pkt.TCP == nil {
				b.Fatalf("packet %v: %v", pkt, err)
			}
			total++
		}
		src.Close()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "packets/s")
}
