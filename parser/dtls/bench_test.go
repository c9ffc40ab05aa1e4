package dtls

import "testing"

func BenchmarkLooksLikeDTLSCID(b *testing.B) {
	d := plain(25, 0xfefd, 1, 0, seqBytes(8, 0), seqBytes(1200, 0))
	d = d[:len(d)-1] // fits no CID length
	b.ReportAllocs()
	for b.Loop() {
		LooksLikeDTLS(d)
	}
}

func BenchmarkParseDatagram(b *testing.B) {
	d := datagram()
	b.ReportAllocs()
	for b.Loop() {
		ParseDatagram(d, 2, 8)
	}
}
