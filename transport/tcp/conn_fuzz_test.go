package tcp

import (
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/session"

	"github.com/ssldissect/ssldissect/parser"

	"bytes"
	"encoding/binary"
	"testing"
)

// Fuzz input layout (encodeConnFuzzInput):
//
//	keylog length (2 bytes), key log
//	then chunks, each a control byte c:
//	  c>>7        the TCP side
//	  c&0x40      a Gap of the streamChunk's size instead of data
//	  c&0x3f      the size; 0x3f: the size follows in 2 bytes
//	  the streamChunk's bytes (none for a gap)
const (
	connFuzzSide    = 0x80
	connFuzzGap     = 0x40
	connFuzzSizeExt = 0x3f
)

type connFuzzChunk struct {
	side int
	data []byte
	gap  int
}

func encodeConnFuzzInput(keylog []byte, chunks []connFuzzChunk) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(keylog)))
	b = append(b, keylog...)
	for _, ch := range chunks {
		c := byte(0)
		if ch.side == 1 {
			c |= connFuzzSide
		}
		n := len(ch.data)
		if ch.gap > 0 {
			c |= connFuzzGap
			n = ch.gap
		}
		if n < connFuzzSizeExt {
			b = append(b, c|byte(n))
		} else {
			b = append(b, c|connFuzzSizeExt)
			b = binary.BigEndian.AppendUint16(b, uint16(n))
		}
		if ch.gap == 0 {
			b = append(b, ch.data...)
		}
	}
	return b
}

func decodeConnFuzzInput(in []byte) (keylog []byte, chunks []streamChunk) {
	if len(in) < 2 {
		return nil, nil
	}
	n := int(binary.BigEndian.Uint16(in))
	in = in[2:]
	n = min(n, len(in))
	keylog, in = in[:n], in[n:]
	for len(in) > 0 {
		c := in[0]
		in = in[1:]
		size := int(c & connFuzzSizeExt)
		if size == connFuzzSizeExt {
			if len(in) < 2 {
				break
			}
			size = int(binary.BigEndian.Uint16(in))
			in = in[2:]
		}
		ch := streamChunk{side: int(c >> 7)}
		if c&connFuzzGap != 0 {
			ch.gap = max(size, 1)
		} else {
			size = min(size, len(in))
			ch.data, in = in[:size], in[size:]
		}
		chunks = append(chunks, ch)
	}
	return keylog, chunks
}

// connFuzzSeeds encodes recorded sessions whole, in 1- to 62-byte pieces, and
// with a gap in the server's stream.
func connFuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for i, run := range recordedSessions(t) {
		var whole, small, gapped []connFuzzChunk
		gapDone := false
		for _, w := range run.rec.writes {
			for d := w.data; len(d) > 0; {
				k := min(len(d), 0xffff)
				whole = append(whole, connFuzzChunk{side: w.side, data: d[:k]})
				d = d[k:]
			}
			for d, k := w.data, 1+i; len(d) > 0; k = k%61 + 1 {
				k = min(k, len(d))
				small = append(small, connFuzzChunk{side: w.side, data: d[:k]})
				d = d[k:]
			}
			if w.side == 1 && !gapDone && len(w.data) > 5 && parser.ContentType(w.data[0]) == parser.ContentTypeApplicationData {
				gapped = append(gapped, connFuzzChunk{side: 1, gap: len(w.data)})
				gapDone = true
				continue
			}
			gapped = append(gapped, connFuzzChunk{side: w.side, data: w.data})
		}
		seeds = append(seeds,
			encodeConnFuzzInput(run.keylog, whole),
			encodeConnFuzzInput(nil, whole),
			encodeConnFuzzInput(run.keylog, small),
			encodeConnFuzzInput(run.keylog, gapped))
	}
	// An SSL 2.0 session, whole and byte by byte.
	var whole, small []connFuzzChunk
	for _, fl := range sslv2SessionFlights(t) {
		whole = append(whole, connFuzzChunk{side: int(fl.side), data: fl.data})
		for _, b := range fl.data {
			small = append(small, connFuzzChunk{side: int(fl.side), data: []byte{b}})
		}
	}
	seeds = append(seeds, encodeConnFuzzInput(nil, whole), encodeConnFuzzInput(nil, small))
	return seeds
}

func FuzzConn(f *testing.F) {
	seeds := connFuzzSeeds(f)
	if len(seeds) == 0 {
		f.Fatal("no seed")
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		keylog, chunks := decodeConnFuzzInput(in)
		for _, withKeys := range []bool{false, true} {
			var keys *decrypt.KeyStore
			if withKeys {
				keys = decrypt.NewKeyStore()
				keys.Log.Load(bytes.NewReader(keylog), "fuzz")
			}
			sink := &streamSink{t: t}
			c := NewStream(1, streamClientAddr, streamServerAddr, streamTime, sink)
			c.SetKeys(keys)
			fd := &streamFeeder{t: t, c: c}
			for _, ch := range chunks {
				fd.feed(ch) // checks 0 <= n <= len
				for s := range fd.pending {
					// What a side leaves unconsumed is at most a record
					// (an SSLv2 one is up to 32 KiB) and a header.
					if len(fd.pending[s]) > 1<<16 {
						t.Fatalf("side %d: %d bytes left unconsumed", s, len(fd.pending[s]))
					}
				}
			}
			c.Close("fin", streamTime)
			if sink.ends > 1 || sink.ends == 1 != c.IsTLS() {
				t.Fatalf("End called %d times, TLS %v", sink.ends, c.IsTLS())
			}
			if c.Conn == nil {
				continue // never TLS, and nothing to tell of: no session state
			}
			if c.Records[0]+c.Records[1] != len(sink.events) {
				t.Fatalf("%v records, %d events", c.Records, len(sink.events))
			}
			if c.MACVerified+c.MACFailed > len(sink.events) || len(c.History) > session.MaxHistory {
				t.Fatalf("MAC %d/%d for %d records, history %d", c.MACVerified, c.MACFailed, len(sink.events), len(c.History))
			}
			// The per-connection caps, whatever the input (the
			// *_truncated notes, one per kind, past MaxNotes).
			if len(c.Alerts) > session.MaxAlerts || len(c.Notes) > session.MaxNotes+8 || len(c.ALPNOffered) > session.MaxALPNOffered ||
				len(c.ServerCerts) > session.MaxCertificates || len(c.ClientCerts) > session.MaxCertificates {
				t.Fatalf("lists past their caps: %d alerts, %d notes, %d ALPN, %d+%d certificates",
					len(c.Alerts), len(c.Notes), len(c.ALPNOffered), len(c.ServerCerts), len(c.ClientCerts))
			}
		}
	})
}
