package quic_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/ssldissect/ssldissect/decrypt"
	wire "github.com/ssldissect/ssldissect/parser/quic"
	"github.com/ssldissect/ssldissect/session"
	"github.com/ssldissect/ssldissect/transport/quic"
)

// clientInitial builds a client Initial of QUIC v1 to dcid whose one
// CRYPTO frame holds n bytes at offset off, padded to 1200 bytes: what
// anyone can send, since Initial keys need no secret.
func clientInitial(t *testing.T, dcid []byte, off uint64, n int) []byte {
	t.Helper()
	cl, _, err := decrypt.QUICInitialKeys(wire.Version1, dcid)
	if err != nil {
		t.Fatal(err)
	}
	plain := wire.AppendVarint(wire.AppendVarint([]byte{0x06}, off), uint64(n))
	plain = append(plain, make([]byte, n)...)
	for len(plain) < 1150 {
		plain = append(plain, 0) // PADDING
	}
	hdr := []byte{0xc3, 0, 0, 0, 1, byte(len(dcid))}
	hdr = append(hdr, dcid...)
	hdr = append(hdr, 0, 0) // no SCID, no token
	length := 4 + len(plain) + 16
	hdr = append(hdr, byte(0x40|length>>8), byte(length)) // a 2-byte varint
	pnOffset := len(hdr)
	hdr = append(hdr, 0, 0, 0, 0) // packet number 0, 4 bytes
	pkt := cl.Seal(append([]byte(nil), hdr...), 0, hdr, plain)
	if err := cl.Protect(pkt, pnOffset); err != nil {
		t.Fatal(err)
	}
	return pkt
}

// TestHeldBytesBudget: 300 connections each send an Initial whose CRYPTO
// data starts 100 bytes in, a hole never filled. The bytes held out of
// order across all of them stay within MaxHeldBytes, each connection ends
// with a quic_crypto_gap note counting what it held or had refused, and
// a clean connection among them (quicgo-v1, with its key log) still
// decrypts and reads its handshake.
func TestHeldBytesBudget(t *testing.T) {
	const budget = 64 << 10
	_, src, col, a := quicgoV1(t, quic.Options{MaxHeldBytes: budget})
	t0 := time.Unix(1700000000, 0)
	var last time.Time
	for i := 0; ; i++ {
		if i < 300 {
			dcid := []byte{0xde, 0xad, byte(i >> 8), byte(i), 1, 2, 3, 4}
			p := datagram(clientInitial(t, dcid, 100, 1000), false, t0, uint64(1000+i))
			p.UDP.SrcPort = layers.UDPPort(20000 + i)
			if !a.Datagram(p) {
				t.Fatalf("hostile datagram %d not taken for QUIC", i)
			}
			if a.Held() > budget {
				t.Fatalf("after %d connections %d bytes held, budget %d", i+1, a.Held(), budget)
			}
		}
		p, err := src.Next()
		if err != nil {
			if i >= 300 {
				break
			}
			continue
		}
		if p.UDP != nil {
			last = p.CI.Timestamp
			a.Datagram(p)
		}
	}
	if a.Held() < budget-1000 {
		t.Errorf("%d bytes held: the budget (%d) was not reached", a.Held(), budget)
	}
	a.FlushAll(last.Add(time.Hour))
	if a.Held() != 0 || len(col.conns) != 301 {
		t.Fatalf("after the flush %d bytes held, %d connections ended", a.Held(), len(col.conns))
	}
	gaps, clean := 0, 0
	for _, c := range col.conns {
		for _, n := range c.Notes {
			if n.Code == session.NoteQUICCryptoGap {
				gaps++
			}
		}
		if c.SNI == "server.test" {
			clean++
			q := c.QUIC
			if q.DecryptedPackets != q.Packets || c.FinishedVerified() != [2]int{1, 1} {
				t.Errorf("clean connection: %v of %v packets decrypted, Finished %v", q.DecryptedPackets, q.Packets, c.FinishedVerified())
			}
		}
	}
	if clean != 1 {
		t.Errorf("%d clean connections found, want 1", clean)
	}
	if gaps != 300 {
		t.Errorf("%d quic_crypto_gap notes, want one per hostile connection (300)", gaps)
	}
}

// BenchmarkInitialFlood feeds client Initials, each of a new connection
// (new DCID, new port), as an Initial flood would: the cost per Initial
// (key derivation, decryption, the ClientHello-less CRYPTO data held) and
// the heap per open connection, under the default caps.
func BenchmarkInitialFlood(b *testing.B) {
	t := &testing.T{}
	const n = 4096
	pkts := make([][]byte, n)
	for i := range pkts {
		pkts[i] = clientInitial(t, []byte{0xbe, 0xef, byte(i >> 8), byte(i), 5, 6, 7, 8}, 0, 200)
	}
	t0 := time.Unix(1700000000, 0)
	feed := func() *quic.Analyzer {
		sink := &countSink{t: t}
		var next uint64
		a := quic.NewAnalyzer(sink, nil, func() uint64 { next++; return next }, quic.Options{})
		for i, pk := range pkts {
			p := datagram(pk, false, t0, uint64(i+1))
			p.UDP.SrcPort = layers.UDPPort(1024 + i)
			a.Datagram(p)
		}
		return a
	}
	// The heap per open connection, measured once, outside the timing.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	a := feed()
	runtime.GC()
	runtime.ReadMemStats(&after)
	perConn := float64(after.HeapAlloc-before.HeapAlloc) / n
	a.FlushAll(t0)
	b.ReportAllocs()
	for b.Loop() {
		feed().FlushAll(t0)
	}
	b.ReportMetric(perConn, "heap-B/conn")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/initial")
}
