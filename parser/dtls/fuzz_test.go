package dtls

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ssldissect/ssldissect/capture"
)

// datagramSeeds are the datagrams of the tests, with the connection ID
// length to read them with, and the first datagrams of a real DTLS 1.2
// connection when the conformance corpus is there.
func datagramSeeds() (seeds [][]byte, cidLens []int) {
	add := func(b []byte, cidLen int) { seeds, cidLens = append(seeds, b), append(cidLens, cidLen) }
	add(clientHelloRecord(), 0)
	add(datagram(), 2)
	add(plain(25, 0xfefd, 1, 9, []byte{1, 2, 3, 4}, seqBytes(20, 0)), 4)
	add(plain(26, 0xfefd, 0, 3, nil, cat(be(2, 16), be(8, 2), be(8, 1))), 0)
	add(cat([]byte{0x2d, 0, 1}, be(2, 17), seqBytes(17, 1), []byte{0x29, 0, 2}, seqBytes(30, 2)), 0)
	add(cat([]byte{0x3f, 1, 2, 3, 4, 0xab, 0xcd}, be(2, 20), seqBytes(20, 0)), 4)
	add(cat([]byte{0x30, 1, 2, 3, 4, 7}, seqBytes(20, 0)), 4)
	add(cat([]byte{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42}, seqBytes(12, 1)), 0)
	if dir := conformanceDir(); dir != "" {
		src, err := capture.OpenFiles([]string{filepath.Join(dir, "arkime/pcap/wireshark-dtls12.pcap")}, capture.Options{})
		if err == nil {
			for i := 0; i < 20; i++ {
				p, err := src.Next()
				if err != nil {
					break
				}
				if p.UDP != nil {
					add(bytes.Clone(p.UDP.Payload), 0)
				}
			}
			src.Close()
		}
	}
	return seeds, cidLens
}

func FuzzParseDatagram(f *testing.F) {
	seeds, cidLens := datagramSeeds()
	if len(seeds) == 0 {
		f.Fatal("no seeds")
	}
	for i, s := range seeds {
		f.Add(s, cidLens[i], 16)
		f.Add(s, cidLens[i], 1)
	}
	f.Fuzz(func(t *testing.T, in []byte, cidLen, max int) {
		cidLen %= 300
		max %= 100
		LooksLikeDTLS(in)
		Classify(in)
		recs, more, err := ParseDatagram(in, cidLen, max)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v does not wrap ErrMalformed", err)
		}
		if len(recs) > 0 && len(recs) > max || more < 0 || more > 0 && len(recs) < max {
			t.Fatalf("max %d: %d records, %d more", max, len(recs), more)
		}
		off := 0
		for i, rec := range recs {
			for _, s := range [][]byte{rec.Payload, rec.CID, rec.Header} {
				if !within(s, in) {
					t.Fatalf("record %d: a slice outside the input", i)
				}
			}
			if rec.CID != nil && len(rec.CID) != cidLen {
				t.Fatalf("record %d: CID of %d bytes, want %d", i, len(rec.CID), cidLen)
			}
			if rec.Unified {
				if rec.ContentType&UnifiedFixedMask != UnifiedFixed || rec.SeqLen != 1 && rec.SeqLen != 2 ||
					rec.EpochBits != rec.ContentType&UnifiedEpoch || rec.Seq >= 1<<(8*rec.SeqLen) {
					t.Fatalf("record %d: %+v", i, rec)
				}
			} else if rec.ContentType < 20 || rec.ContentType > 26 || rec.Seq > MaxSeq {
				t.Fatalf("record %d: %+v", i, rec)
			}
			if len(rec.Payload) > MaxRecordLen {
				t.Fatalf("record %d: %d bytes", i, len(rec.Payload))
			}
			n := len(rec.Header) + len(rec.Payload)
			if off+n > len(in) || !bytes.Equal(in[off:off+len(rec.Header)], rec.Header) ||
				!bytes.Equal(in[off+len(rec.Header):off+n], rec.Payload) {
				t.Fatalf("record %d: header and payload not at offset %d", i, off)
			}
			// A record read alone reads the same.
			again, rest, err := ParseRecord(in[off:off+n], cidLen)
			if err != nil || len(rest) != 0 || again.Seq != rec.Seq || len(again.Payload) != len(rec.Payload) {
				t.Fatalf("record %d alone: %+v, %v", i, again, err)
			}
			off += n
		}
		if err == nil && more == 0 && off != len(in) {
			t.Fatalf("%d records over %d of %d bytes", len(recs), off, len(in))
		}
	})
}

// fragmentSeeds are the handshake payloads of the tests.
func fragmentSeeds() [][]byte {
	body := clientHelloBody(seqBytes(20, 0xc0))
	return [][]byte{
		fragment(1, uint32(len(body)), 0, 0, body),
		cat(fragment(11, 100, 2, 0, seqBytes(60, 0)), fragment(11, 100, 2, 60, seqBytes(40, 60))),
		cat(fragment(2, 3, 1, 0, []byte{1, 2, 3}), fragment(14, 0, 2, 0, nil), fragment(16, 5, 3, 2, []byte{9})),
		fragment(3, 23, 1, 0, cat([]byte{0xfe, 0xff, 20}, seqBytes(20, 0x33))),
		fragment(11, MaxMessageLen, 2, MaxMessageLen-2, []byte{1, 2}),
		cat(be(2, 32), be(8, 2), be(8, 0), be(8, 3), be(8, 7)),
	}
}

func FuzzParseFragments(f *testing.F) {
	seeds := fragmentSeeds()
	if dir := conformanceDir(); dir != "" {
		if b, err := os.ReadFile(filepath.Join(dir, "arkime/pcap/wireshark-dtls12.pcap")); err == nil && len(b) > 0 {
			seeds = append(seeds, b[:min(len(b), 4096)])
		}
	}
	for _, s := range seeds {
		f.Add(s, 16)
		f.Add(s, 1)
	}
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		max %= 100
		frags, more, err := ParseFragments(in, max)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v does not wrap ErrMalformed", err)
		}
		if len(frags) > 0 && len(frags) > max || more < 0 || more > 0 && len(frags) < max {
			t.Fatalf("max %d: %d fragments, %d more", max, len(frags), more)
		}
		off := 0
		for i, fr := range frags {
			if !within(fr.Data, in) || uint32(len(fr.Data)) != fr.FragLen ||
				uint64(fr.Offset)+uint64(fr.FragLen) > uint64(fr.Length) || fr.Length > MaxMessageLen {
				t.Fatalf("fragment %d: %+v", i, fr)
			}
			off += FragmentHeaderLen + len(fr.Data)
			if off > len(in) || !bytes.Equal(in[off-len(fr.Data):off], fr.Data) {
				t.Fatalf("fragment %d: data not at offset %d", i, off-len(fr.Data))
			}
			h := Header4(fr.Type, fr.Length)
			if h[0] != fr.Type || uint32(h[1])<<16|uint32(h[2])<<8|uint32(h[3]) != fr.Length {
				t.Fatalf("Header4 = %x for %+v", h, fr)
			}
			if h12 := Header12(fr.Type, fr.Length, fr.MessageSeq); fr.Whole() && !bytes.Equal(h12[:], in[off-len(fr.Data)-FragmentHeaderLen:off-len(fr.Data)]) {
				// A whole message's own header is the one Header12 makes.
				t.Fatalf("Header12 = %x for the header %x", h12, in[off-len(fr.Data)-FragmentHeaderLen:off-len(fr.Data)])
			}
		}
		if err == nil && more == 0 && off != len(in) {
			t.Fatalf("%d fragments over %d of %d bytes", len(frags), off, len(in))
		}

		// The message parsers, on the same bytes.
		if v, cookie, err := ParseHelloVerifyRequest(in); err == nil {
			if !within(cookie, in) || len(in) != 3+len(cookie) || v != uint16(in[0])<<8|uint16(in[1]) {
				t.Fatalf("hello_verify_request: %#x %x", v, cookie)
			}
		} else if !errors.Is(err, ErrMalformed) {
			t.Fatal(err)
		}
		orig := bytes.Clone(in)
		if cookie, body, err := ClientHelloCookie(in); err == nil {
			if !within(cookie, in) || len(body) != len(in)-1-len(cookie) || !bytes.Equal(body[:35], in[:35]) {
				t.Fatalf("client hello: cookie %x body %x", cookie, body)
			}
			if len(body) > 0 && &body[0] == &in[0] {
				t.Fatal("tlsBody shares the input")
			}
		} else if !errors.Is(err, ErrMalformed) {
			t.Fatal(err)
		}
		if !bytes.Equal(in, orig) {
			t.Fatal("input modified")
		}
		if acks, err := ParseACK(in); err == nil {
			if len(acks) > MaxACKEntries || 2+16*len(acks) != len(in) {
				t.Fatalf("ack: %d entries of %d bytes", len(acks), len(in))
			}
		} else if !errors.Is(err, ErrMalformed) {
			t.Fatal(err)
		}
	})
}
