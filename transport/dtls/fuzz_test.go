package dtls_test

import (
	"encoding/binary"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/internal/synth"
	"github.com/ssldissect/ssldissect/internal/testenv"
	"github.com/ssldissect/ssldissect/session"
	"github.com/ssldissect/ssldissect/transport/dtls"
)

type counter struct{ ends int }

func (c *counter) Record(*session.RecordEvent) {}
func (c *counter) End(*session.Conn)           { c.ends++ }

func udpPacket(payload []byte, fromServer bool, t time.Time, num uint64, port uint16) *capture.Packet {
	c, s := netip.AddrPortFrom(netip.MustParseAddr("10.9.0.1"), port), netip.MustParseAddrPort("10.9.0.2:4433")
	if fromServer {
		c, s = s, c
	}
	return synth.UDPPacket(payload, c, s, t, num)
}

// FuzzDatagrams feeds runs of datagrams (each prefixed by its length,
// direction and port) to the transport: nothing panics, the connections
// and the bytes held stay under their caps, every connection made ends
// once, and nothing is held after the flush.
func FuzzDatagrams(f *testing.F) {
	dir, _ := testenv.ConformanceDir() // seeds from Zeek's DTLS traces, when the corpus is here
	for _, trace := range []string{"dtls1_2.pcap", "dtls13-cid.pcap", "webrtc-stun.pcap"} {
		if dir == "" {
			break
		}
		src, err := capture.OpenFiles([]string{filepath.Join(dir, "zeek", "traces", trace)}, capture.Options{})
		if err != nil {
			continue
		}
		var seed []byte
		for i := 0; i < 16; i++ {
			p, err := src.Next()
			if err != nil {
				break
			}
			if p.UDP == nil {
				continue
			}
			seed = binary.BigEndian.AppendUint16(seed, uint16(len(p.UDP.Payload)))
			seed = append(seed, byte(i&1), 0)
			seed = append(seed, p.UDP.Payload...)
		}
		src.Close()
		f.Add(seed)
	}
	f.Add([]byte{0, 25, 0, 1, 22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 1, 3, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		sink := &counter{}
		var made uint64
		const held = 1 << 20
		a := dtls.NewAnalyzer(sink, nil, func() uint64 { made++; return made }, dtls.Options{MaxConns: 4, MaxHeldBytes: held})
		t0 := time.Unix(1700000000, 0)
		for i := 0; len(in) >= 4; i++ {
			n := int(binary.BigEndian.Uint16(in))
			fromServer, port := in[2]&1 == 1, 40000+uint16(in[3]%8)
			in = in[4:]
			n = min(n, len(in))
			a.Datagram(udpPacket(in[:n:n], fromServer, t0.Add(time.Duration(i)*time.Millisecond), uint64(i+1), port))
			in = in[n:]
			if a.Open() > 4 || a.Held() > held || a.Held() < 0 {
				t.Fatalf("%d open (cap 4), %d held (cap %d)", a.Open(), a.Held(), held)
			}
		}
		a.FlushAll(t0.Add(time.Hour))
		if a.Open() != 0 || a.Held() != 0 || uint64(sink.ends) != made {
			t.Fatalf("after the flush: %d open, %d held, %d of %d ended", a.Open(), a.Held(), sink.ends, made)
		}
	})
}
