package tcp

import (
	"crypto/tls"
	"net/netip"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/internal/tlstest"
	"github.com/ssldissect/ssldissect/reassembly"
)

// BenchmarkConn runs whole connections (both directions, handed over in
// 1400-byte chunks as reassembly does) through the Analyzer, without keys,
// to a sink that keeps nothing: the parser's cost per connection.
func BenchmarkConn(b *testing.B) {
	for _, v := range []struct {
		name string
		v    uint16
	}{{"tls12", tls.VersionTLS12}, {"tls13", tls.VersionTLS13}} {
		b.Run(v.name, func(b *testing.B) {
			c2s, s2c := tlstest.HandshakeStreams(b, v.v)
			sink := &discardSink{}
			an := NewAnalyzer(sink, decrypt.NewKeyStore())
			key := reassembly.ConnKey{A: netip.MustParseAddrPort("10.0.0.1:40000"), B: netip.MustParseAddrPort("10.0.0.2:443")}
			t0 := time.Unix(1e9, 0)
			feed := func(h reassembly.Handler, d reassembly.Dir, data []byte, pend *[]byte) {
				*pend = append(*pend, data...)
				c := reassembly.Chunk{Data: *pend, Segments: []reassembly.Segment{{Time: t0, Packet: 1}}}
				n := h.Data(d, &c)
				*pend = append((*pend)[:0], (*pend)[n:]...)
			}
			b.SetBytes(int64(len(c2s) + len(s2c)))
			b.ReportAllocs()
			var pc, ps []byte
			for b.Loop() {
				h := an.Factory(key, t0, 1)
				pc, ps = pc[:0], ps[:0]
				// The client's first flight, then the server's, then the rest.
				for i := 0; i < len(c2s) || i < len(s2c); i += 1400 {
					if i < len(c2s) {
						feed(h, reassembly.Dir0, c2s[i:min(i+1400, len(c2s))], &pc)
					}
					if i < len(s2c) {
						feed(h, reassembly.Dir1, s2c[i:min(i+1400, len(s2c))], &ps)
					}
				}
				h.End(reassembly.EndFIN, t0)
			}
			if sink.ends != b.N || sink.records < b.N*3 {
				b.Fatalf("%d connections ended, %d records, for %d runs", sink.ends, sink.records, b.N)
			}
		})
	}
}
