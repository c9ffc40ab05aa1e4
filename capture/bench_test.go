package capture

import (
	"io"
	"os"
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

// BenchmarkReadFile reads the capture $SSLDISSECT_BENCH_FILE (e.g. one of
// make bench's) through OpenFiles, decoding every frame: the capture
// stage of the pipeline alone. "gopacket" decodes every frame with
// gopacket's parser, as before the direct decoder (fast.go).
func BenchmarkReadFile(b *testing.B) {
	name := os.Getenv("SSLDISSECT_BENCH_FILE")
	if name == "" {
		b.Skip("SSLDISSECT_BENCH_FILE is not set")
	}
	st, err := os.Stat(name)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		noFast bool
	}{{"direct", false}, {"gopacket", true}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for b.Loop() {
				src, err := OpenFiles([]string{name}, Options{})
				if err != nil {
					b.Fatal(err)
				}
				src.(*multiSource).dec.noFast = c.noFast
				for {
					_, err := src.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				src.Close()
			}
		})
	}
}
