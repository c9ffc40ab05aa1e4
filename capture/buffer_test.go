package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// TestChunkReaderLikeBufio runs random sequences of Peek, Discard, Read
// and ReadByte on a chunkReader and on a bufio.Reader of the same size
// over the same bytes, delivered in short reads, and wants the same
// answers: the chunkReader is the part of bufio a file reader uses. Some
// of the peeked bytes are held (Retain), as a sharded run holds packets:
// they must not change while the reader goes on.
func TestChunkReaderLikeBufio(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 200_000)
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	const size = 4096
	type heldPeek struct {
		buf        *Buffer
		orig, keep []byte
	}
	for round := range 30 {
		mk := func() io.Reader {
			switch round % 3 {
			case 0:
				return iotest.HalfReader(bytes.NewReader(data))
			case 1:
				return iotest.OneByteReader(bytes.NewReader(data))
			}
			return iotest.DataErrReader(bytes.NewReader(data))
		}
		c, b := newChunkReader(mk(), size), bufio.NewReaderSize(mk(), size)
		var held []heldPeek
		for step := 0; ; step++ {
			n := rng.IntN(size + 1)
			var got, want []byte
			var gerr, werr error
			switch rng.IntN(4) {
			case 0:
				got, gerr = c.Peek(n)
				want, werr = b.Peek(n)
				if rng.IntN(3) == 0 && len(got) > 0 {
					c.cur.Retain()
					held = append(held, heldPeek{c.cur, got, append([]byte(nil), got...)})
				}
			case 1:
				var gn, wn int
				gn, gerr = c.Discard(n)
				wn, werr = b.Discard(n)
				if gn != wn {
					t.Fatalf("round %d step %d: Discard(%d) = %d, bufio %d", round, step, n, gn, wn)
				}
			case 2:
				p, q := make([]byte, n), make([]byte, n)
				gn, _ := c.Read(p)
				wn, _ := b.Read(q)
				// Either may return fewer bytes on a short read of its
				// source: the one behind catches up.
				got, want = p[:gn], q[:wn]
				if gn > wn {
					extra := make([]byte, gn-wn)
					m, _ := io.ReadFull(b, extra)
					want = append(want, extra[:m]...)
				} else if wn > gn {
					extra := make([]byte, wn-gn)
					m, _ := io.ReadFull(c, extra)
					got = append(got, extra[:m]...)
				}
			case 3:
				var gb, wb byte
				gb, gerr = c.ReadByte()
				wb, werr = b.ReadByte()
				got, want = []byte{gb}, []byte{wb}
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("round %d step %d: got %d bytes, bufio %d (or they differ)", round, step, len(got), len(want))
			}
			if (gerr == nil) != (werr == nil) {
				t.Fatalf("round %d step %d: error %v, bufio %v", round, step, gerr, werr)
			}
			if werr == io.EOF {
				break
			}
		}
		if len(held) == 0 {
			t.Fatalf("round %d: nothing was held", round)
		}
		for _, h := range held {
			if !bytes.Equal(h.orig, h.keep) {
				t.Fatalf("round %d: bytes in a held buffer changed", round)
			}
			h.buf.Release()
		}
	}
}

// TestHeldFramesSurvive reads a capture many read buffers long, holds
// the buffer of every other packet (as a sharded run does until a worker
// is done with the batch) and checks that the held segments still hold
// their packet's bytes once the whole file is read.
func TestHeldFramesSurvive(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	var recs []rec
	for i := range 2000 {
		payload := make([]byte, 1200)
		binary.BigEndian.PutUint32(payload, uint32(i))
		for j := 4; j < len(payload); j++ {
			payload[j] = byte(i + j)
		}
		recs = append(recs, rec{ts: t0.Add(time.Duration(i) * time.Millisecond), data: ether(ip4TCP(t, uint32(1000+i*1200), payload))})
	}
	path := writeTemp(t, "held.pcap", pcapFile(binary.LittleEndian, false, layers.LinkTypeEthernet, recs...))
	src, err := OpenFiles([]string{path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	type heldSeg struct {
		seg, want []byte
		buf       *Buffer
	}
	var held []heldSeg
	bufs := map[*Buffer]bool{}
	for i := 0; ; i++ {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seg, buf := p.Segment()
		if seg == nil {
			t.Fatalf("packet %d: not in a read buffer", i)
		}
		if want := append(append([]byte(nil), p.TCP.Contents...), p.TCP.Payload...); !bytes.Equal(seg, want) {
			t.Fatalf("packet %d: Segment is not the TCP header and payload", i)
		}
		bufs[buf] = true
		if i%2 == 0 {
			buf.Retain()
			held = append(held, heldSeg{seg, append([]byte(nil), seg...), buf})
		}
	}
	if len(held) != len(recs)/2 {
		t.Fatalf("held %d packets, want %d", len(held), len(recs)/2)
	}
	if len(bufs) < 4 {
		t.Fatalf("the packets came in %d read buffers, want several", len(bufs))
	}
	for i, h := range held {
		if !bytes.Equal(h.seg, h.want) {
			t.Fatalf("held packet %d: its bytes changed while the file was read on", 2*i)
		}
		h.buf.Release()
	}
}

// TestSegmentNotHeld: a packet whose bytes are not in the read buffer (a
// pcapng block is read into a buffer of its own) has no Segment, so that
// a caller copies it.
func TestSegmentNotHeld(t *testing.T) {
	w := &ngWriter{order: binary.LittleEndian}
	w.shb().idb(layers.LinkTypeEthernet).epb(rec{ts: time.Unix(1, 0), data: ether(ip4TCP(t, 1, []byte("hello")))}, 1_000_000)
	src, err := OpenFiles([]string{writeTemp(t, "x.pcapng", w.b)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	p, err := src.Next()
	if err != nil {
		t.Fatal(err)
	}
	if p.TCP == nil || string(p.TCP.Payload) != "hello" {
		t.Fatalf("not the TCP packet written: %+v", p)
	}
	if seg, buf := p.Segment(); seg != nil || buf != nil {
		t.Fatal("a pcapng packet has a Segment in a read buffer")
	}
}
