package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// fuzzSeeds are small valid and damaged captures made by the tests'
// writers, covering every block type and link type the reader knows.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, b := range smallFiles(t) {
		seeds = append(seeds, b, gzipped(t, b), b[:len(b)-5])
	}
	v4 := ip4TCP(t, 1, []byte("v4"))
	v6 := ip6TCP(t, 1, []byte("v6"), layers.IPProtocolTCP, nil)
	w := &ngWriter{order: le}
	w.shb().idb(layers.LinkTypeEthernet, w.opt(optTSResol, []byte{9}), w.opt(optTSOffset, le.AppendUint64(nil, 5))).
		idb(layers.LinkTypeLinuxSLL).idb(layers.LinkTypeLinuxSLL2).idb(layers.LinkTypeRaw).
		idb(layers.LinkTypeNull).idb(layers.LinkTypeLoop).
		dsb(SecretsTypeTLSKeyLog, []byte("CLIENT_RANDOM 00 11\n")).
		epb(rec{ts: t0, data: ether(v4, 1, 2)}, 1e9).
		epb(rec{ts: t0, data: sll(v6), iface: 1}, 1e6).
		epb(rec{ts: t0, data: sll2(v4), iface: 2}, 1e6).
		epb(rec{ts: t0, data: v6, iface: 3}, 1e6).
		epb(rec{ts: t0, data: loopback(le, v4), iface: 4}, 1e6).
		epb(rec{ts: t0, data: loopback(be, v6), iface: 5}, 1e6).
		pb(rec{ts: t0, data: ether(v6)}).spb(ether(v4)).block(0xbad, []byte{1, 2, 3})
	b := &ngWriter{order: be}
	b.shb().idb(layers.LinkTypeRaw)
	for _, f := range ip4Fragments(t, make([]byte, 100), 48) {
		b.epb(rec{ts: t0, data: f}, 1e6)
	}
	for _, f := range ip6Fragments(t, make([]byte, 100), 48) {
		b.epb(rec{ts: t0, data: f}, 1e6)
	}
	seeds = append(seeds, w.b, append(bytes.Clone(w.b), b.b...))
	seeds = append(seeds, tunnelSeed(t))
	seeds = append(seeds, pcapFile(be, true, layers.LinkTypeRaw, rec{ts: t0, data: v6}, rec{ts: t0, data: v4}))
	return seeds
}

// FuzzReader reads arbitrary bytes as a capture file: it must never
// panic, must number packets without gaps, and must report damage only as
// *FileError values naming the file. Its seeds are the tests' small
// files, the shipped captures (testdata/pcaps) and the committed corpus;
// the last two must be there.
func FuzzReader(f *testing.F) {
	testenv.SeedCorpus(f, "FuzzReader")
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	files, err := filepath.Glob(filepath.Join("..", "testdata", "pcaps", "*.pcap*"))
	if err != nil {
		f.Fatal(err)
	}
	shipped := 0
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) <= 1<<20 {
			f.Add(b)
			shipped++
		}
	}
	if shipped == 0 {
		f.Fatalf("no shipped capture of at most 1 MiB among the %d of testdata/pcaps to seed from", len(files))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var warnings []error
		s, err := newSource(Options{OnWarning: func(err error) { warnings = append(warnings, err) }})
		if err != nil {
			t.Fatal(err)
		}
		fr, err := newFileReader("fuzz", 0, bytes.NewReader(data), nil, s.warn, s.secret)
		if err != nil {
			return // not a capture file: OpenFiles refuses it
		}
		s.add(fr)
		defer s.Close()
		var num, last uint64
		for {
			p, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			num++
			if p.Num != num || p.FileNum <= last {
				t.Fatalf("packet %d: Num %d FileNum %d after %d", num, p.Num, p.FileNum, last)
			}
			last = p.FileNum
			if p.CI.CaptureLength > maxFrame || (!bytes.HasPrefix(data, magicGzip) && p.CI.CaptureLength > len(data)) {
				t.Fatalf("packet %d: capture length %d from %d bytes", num, p.CI.CaptureLength, len(data))
			}
			if p.TCP != nil && len(p.TCP.Payload) > 1<<17 {
				t.Fatalf("packet %d: TCP payload of %d bytes", num, len(p.TCP.Payload))
			}
		}
		for _, w := range warnings {
			var fe *FileError
			if !errors.As(w, &fe) || fe.File != "fuzz" {
				t.Fatalf("warning %v (%T)", w, w)
			}
		}
		st := s.Stats()
		if st.Delivered != num || st.Packets < num || st.Warnings != uint64(len(warnings)) {
			t.Fatalf("stats %+v after %d packets", st, num)
		}
	})
}
