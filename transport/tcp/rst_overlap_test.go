package tcp

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/gopacket/gopacket/layers"

	capsrc "github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/reassembly"
	"github.com/ssldissect/ssldissect/session"
)

// connSink keeps, per connection, the decrypted application data of each
// direction and the summary at its end.
type connSink struct {
	plain map[uint64]*[2][]byte
	ends  map[uint64]*session.Conn
}

func (s *connSink) Record(ev *session.RecordEvent) {
	if ev.Decrypted && ev.ContentType == parser.ContentTypeApplicationData {
		p := s.plain[ev.Conn.ID]
		if p == nil {
			p = new([2][]byte)
			s.plain[ev.Conn.ID] = p
		}
		p[ev.Dir] = append(p[ev.Dir], ev.Plaintext...)
	}
}
func (s *connSink) End(c *session.Conn) { s.ends[c.ID] = c }

// loadPackets reads a shipped capture's TCP packets, copied.
func loadPackets(t *testing.T, name string) []*capsrc.Packet {
	t.Helper()
	src, err := capsrc.OpenFiles([]string{"../../testdata/pcaps/" + name + ".pcap"}, capsrc.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var ps []*capsrc.Packet
	for {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			return ps
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.TCP != nil {
			ps = append(ps, copyPacket(p, 0))
		}
	}
}

// copyPacket copies p, moving its client port (the higher one) by shift.
func copyPacket(p *capsrc.Packet, shift uint16) *capsrc.Packet {
	q := *p
	tcp := *p.TCP
	tcp.Payload = bytes.Clone(p.TCP.Payload)
	q.TCP, q.Data = &tcp, nil
	if tcp.SrcPort > tcp.DstPort {
		tcp.SrcPort += layers.TCPPort(shift)
	} else {
		tcp.DstPort += layers.TCPPort(shift)
	}
	tcp.SetInternalPortsForTesting()
	return &q
}

// fromServer tells whether p is sent by the server (the lower port).
func fromServer(p *capsrc.Packet) bool { return p.TCP.SrcPort < p.TCP.DstPort }

// runMixed runs a shipped capture's connection (clean, as captured) next
// to a copy on another client port changed by bad, packet by packet
// interleaved, and returns the two connections' results.
func runMixed(t *testing.T, name string, bad func([]*capsrc.Packet) []*capsrc.Packet) (clean, hurt *session.Conn, sink *connSink) {
	t.Helper()
	keys := decrypt.NewKeyStore()
	kl, err := os.Open("../../testdata/pcaps/" + name + ".keylog")
	if err != nil {
		t.Fatal(err)
	}
	defer kl.Close()
	if _, errs := keys.Log.Load(kl, name); len(errs) > 0 {
		t.Fatal(errs)
	}
	good := loadPackets(t, name)
	var other []*capsrc.Packet
	for _, p := range good {
		other = append(other, copyPacket(p, 1))
	}
	other = bad(other)
	sink = &connSink{plain: map[uint64]*[2][]byte{}, ends: map[uint64]*session.Conn{}}
	asm := reassembly.New(NewAnalyzer(sink, keys).Factory, reassembly.Options{})
	num := uint64(0)
	add := func(p *capsrc.Packet) {
		num++
		p.Num = num
		asm.Add(p)
	}
	for i := 0; i < max(len(good), len(other)); i++ {
		if i < len(good) {
			add(good[i])
		}
		if i < len(other) {
			add(other[i])
		}
	}
	asm.FlushAll(good[len(good)-1].CI.Timestamp)
	if len(sink.ends) != 2 {
		t.Fatalf("%d connections ended, want 2", len(sink.ends))
	}
	clean = sink.ends[1]
	for id, c := range sink.ends {
		if id != 1 {
			hurt = c
		}
	}
	return clean, hurt, sink
}

// splitReversed replaces packet k by one-byte segments of its payload,
// sent last byte first.
func splitReversed(ps []*capsrc.Packet, k int) []*capsrc.Packet {
	p := ps[k]
	var parts []*capsrc.Packet
	for i := len(p.TCP.Payload) - 1; i >= 0; i-- {
		q := copyPacket(p, 0)
		q.TCP.Seq += uint32(i)
		q.TCP.Payload = q.TCP.Payload[i : i+1]
		parts = append(parts, q)
	}
	return append(ps[:k:k], append(parts, ps[k+1:]...)...)
}

// serverData returns the indexes of the server's data packets.
func serverData(ps []*capsrc.Packet) []int {
	var r []int
	for i, p := range ps {
		if fromServer(p) && len(p.TCP.Payload) > 0 {
			r = append(r, i)
		}
	}
	return r
}

func noteCodes(c *session.Conn) map[string]int {
	m := map[string]int{}
	for _, n := range c.Notes {
		m[string(n.Code)]++
	}
	return m
}

// Bad traffic next to a clean connection: an injected RST the peers go on
// past, a lost segment just before the server's FIN, and a retransmission
// that overlaps part of a segment with other bytes. The clean connection
// decrypts as it does alone; the other one is dissected as far as its
// bytes allow, with a note saying what happened.
func TestHurtNextToClean(t *testing.T) {
	const name = "openssl-tls12-ecdhe-rsa-aes128-cbc-sha256"
	alone := runCapture(t, name, func(uint64) bool { return false })
	want := alone.plain
	for _, tc := range []struct {
		name  string
		bad   func([]*capsrc.Packet) []*capsrc.Packet
		check func(t *testing.T, c *session.Conn, plain *[2][]byte)
	}{
		{"injected RST", func(ps []*capsrc.Packet) []*capsrc.Packet {
			sd := serverData(ps)
			k := sd[len(sd)/2]
			rst := copyPacket(ps[k], 0)
			rst.TCP.Seq += uint32(len(rst.TCP.Payload))
			rst.TCP.Payload, rst.TCP.ACK, rst.TCP.PSH, rst.TCP.RST = nil, false, false, true
			return append(ps[:k+1:k+1], append([]*capsrc.Packet{rst}, ps[k+1:]...)...)
		}, func(t *testing.T, c *session.Conn, plain *[2][]byte) {
			// The peers went on and closed with FINs: the connection ends
			// as the clean one does.
			if noteCodes(c)["data_after_rst"] == 0 || c.EndCause != "fin" {
				t.Errorf("notes %v, end %q; want data_after_rst and fin", noteCodes(c), c.EndCause)
			}
			if plain == nil || !bytes.Equal(plain[session.ServerToClient], want[session.ServerToClient]) {
				t.Errorf("the bytes after the RST were not all decrypted")
			}
		}},
		{"lost before FIN", func(ps []*capsrc.Packet) []*capsrc.Packet {
			// The server's last data segment in two, the second half
			// lost: the record in it is cut.
			sd := serverData(ps)
			k := sd[len(sd)-1]
			first := copyPacket(ps[k], 0)
			first.TCP.Payload = first.TCP.Payload[:len(first.TCP.Payload)/2]
			return append(ps[:k:k], append([]*capsrc.Packet{first}, ps[k+1:]...)...)
		}, func(t *testing.T, c *session.Conn, plain *[2][]byte) {
			if c.Gaps != 1 || noteCodes(c)["gap"] != 1 || noteCodes(c)["record_cut"] != 1 {
				t.Errorf("%d gaps, notes %v; want the loss before the FIN as a gap, and the record it cut", c.Gaps, noteCodes(c))
			}
		}},
		{"tiny segments in reverse", func(ps []*capsrc.Packet) []*capsrc.Packet {
			// More one-byte segments out of order than the per-connection
			// cap has pages (1024): all of them are within its bytes.
			k, n := -1, 0
			for _, i := range serverData(ps) {
				if l := len(ps[i].TCP.Payload); l > n {
					k, n = i, l
				}
			}
			if n <= reassembly.DefaultMaxBufferedPagesPerConnection {
				t.Fatalf("the largest server segment has %d bytes: too few", n)
			}
			return splitReversed(ps, k)
		}, func(t *testing.T, c *session.Conn, plain *[2][]byte) {
			if c.Gaps != 0 || len(c.Notes) != 0 {
				t.Errorf("%d gaps, notes %v; want none", c.Gaps, noteCodes(c))
			}
			if plain == nil || !bytes.Equal(plain[0], want[0]) || !bytes.Equal(plain[1], want[1]) {
				t.Errorf("not all decrypted")
			}
		}},
		{"new SYN after a RST", func(ps []*capsrc.Packet) []*capsrc.Packet {
			// An attempt on the same addresses and ports that the client
			// resets, then the real connection.
			syn, rst := copyPacket(ps[0], 0), copyPacket(ps[0], 0)
			syn.TCP.Seq -= 100000
			rst.TCP.Seq = syn.TCP.Seq + 1
			rst.TCP.SYN, rst.TCP.RST = false, true
			return append([]*capsrc.Packet{syn, rst}, ps...)
		}, func(t *testing.T, c *session.Conn, plain *[2][]byte) {
			if len(c.Notes) != 0 || c.EndCause != "fin" {
				t.Errorf("notes %v, end %q; want none and fin", noteCodes(c), c.EndCause)
			}
			if plain == nil || !bytes.Equal(plain[0], want[0]) || !bytes.Equal(plain[1], want[1]) {
				t.Errorf("not all decrypted")
			}
		}},
		{"overlap with other bytes", func(ps []*capsrc.Packet) []*capsrc.Packet {
			sd := serverData(ps)
			k := sd[len(sd)/2]
			dup := copyPacket(ps[k], 0)
			dup.TCP.Seq += 1
			dup.TCP.Payload = dup.TCP.Payload[1:]
			dup.TCP.Payload[0] ^= 0xff
			return append(ps[:k+1:k+1], append([]*capsrc.Packet{dup}, ps[k+1:]...)...)
		}, func(t *testing.T, c *session.Conn, plain *[2][]byte) {
			if noteCodes(c)["overlap_mismatch"] != 1 {
				t.Errorf("notes %v, want one overlap_mismatch", noteCodes(c))
			}
			if plain == nil || !bytes.Equal(plain[session.ServerToClient], want[session.ServerToClient]) {
				t.Errorf("the first copy of the bytes was not the one decrypted")
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clean, hurt, sink := runMixed(t, name, tc.bad)
			if len(clean.Notes) != 0 || clean.MACFailed != 0 || clean.EndCause != alone.conns[0].EndCause {
				t.Errorf("clean connection: notes %v, %d MAC failures, end %q", clean.Notes, clean.MACFailed, clean.EndCause)
			}
			if p := sink.plain[clean.ID]; p == nil || !bytes.Equal(p[0], want[0]) || !bytes.Equal(p[1], want[1]) {
				t.Errorf("clean connection decrypted differently")
			}
			tc.check(t, hurt, sink.plain[hurt.ID])
		})
	}
}
