package quic_test

import (
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/internal/synth"
	"github.com/ssldissect/ssldissect/session"
	"github.com/ssldissect/ssldissect/transport/quic"
)

// countSink counts events and checks each QUIC packet's event.
type countSink struct {
	t      *testing.T
	events int
	ends   int
}

func (s *countSink) Record(ev *session.RecordEvent) {
	s.events++
	if ev.QUIC == nil {
		s.t.Fatal("a QUIC transport event without its packet")
	}
	if len(ev.QUIC.Frames) > session.MaxPacketFrames {
		s.t.Fatalf("%d frames kept, cap %d", len(ev.QUIC.Frames), session.MaxPacketFrames)
	}
}

func (s *countSink) End(c *session.Conn) { s.ends++ }

// FuzzDatagrams feeds a run of datagrams (each prefixed by its length
// and direction) to the transport, with the key log of quicgo-v1 so that
// the decrypted paths run: nothing panics, every connection made ends
// once, the open connections stay under the cap.
func FuzzDatagrams(f *testing.F) {
	base := filepath.Join("..", "..", "testdata", "pcaps", "quicgo-v1")
	keys := decrypt.NewKeyStore()
	if kf, err := os.Open(base + ".keylog"); err == nil {
		keys.Log.Load(kf, "quicgo-v1.keylog")
		kf.Close()
	}
	// The seed: the first datagrams of quicgo-v1, whole, and cut short.
	if src, err := capture.OpenFiles([]string{base + ".pcap"}, capture.Options{}); err == nil {
		var seed []byte
		for i := 0; i < 12; i++ {
			p, err := src.Next()
			if err != nil {
				break
			}
			if p.UDP == nil {
				continue
			}
			dir := byte(0)
			if p.UDP.SrcPort == 443 {
				dir = 1
			}
			seed = binary.BigEndian.AppendUint16(seed, uint16(len(p.UDP.Payload)))
			seed = append(seed, dir)
			seed = append(seed, p.UDP.Payload...)
			f.Add(append([]byte(nil), seed...))
		}
		src.Close()
		f.Add(seed[:len(seed)/2])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		sink := &countSink{t: t}
		var next uint64
		a := quic.NewAnalyzer(sink, keys, func() uint64 { next++; return next }, quic.Options{MaxConns: 4, MaxHeldBytes: 1 << 20})
		t0 := time.Unix(1700000000, 0)
		for i := 0; len(in) >= 3; i++ {
			n := int(binary.BigEndian.Uint16(in))
			dir := in[2]&1 == 1
			in = in[3:]
			n = min(n, len(in))
			payload := in[:n:n]
			in = in[n:]
			p := datagram(payload, dir, t0.Add(time.Duration(i)*time.Millisecond), uint64(i+1))
			a.Datagram(p)
			if a.Open() > 4 || a.Held() < 0 || a.Held() > 1<<20 {
				t.Fatalf("%d connections open (cap 4), %d bytes held (cap 1 MiB)", a.Open(), a.Held())
			}
		}
		a.FlushAll(t0.Add(time.Hour))
		if a.Held() != 0 {
			t.Fatalf("%d bytes still held after every connection ended", a.Held())
		}
		if a.Open() != 0 || uint64(sink.ends) != next {
			t.Fatalf("%d open after the flush, %d ended of %d made", a.Open(), sink.ends, next)
		}
	})
}

// datagram makes a packet carrying a UDP payload between the client
// 10.77.0.1:40000 and the server 10.77.0.2:443 (dir: from the server).
func datagram(payload []byte, fromServer bool, t time.Time, num uint64) *capture.Packet {
	c, s := netip.MustParseAddrPort("10.77.0.1:40000"), netip.MustParseAddrPort("10.77.0.2:443")
	if fromServer {
		c, s = s, c
	}
	return synth.UDPPacket(payload, c, s, t, num)
}
