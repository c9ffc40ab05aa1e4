package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
)

var (
	le = binary.LittleEndian
	be = binary.BigEndian
)

// want is what a test checks of one delivered packet.
type want struct {
	ts      time.Time
	link    layers.LinkType
	payload string
}

func checkPackets(t *testing.T, res result, wants []want) {
	t.Helper()
	if len(res.pkts) != len(wants) {
		t.Fatalf("got %d packets, want %d: %+v", len(res.pkts), len(wants), res.pkts)
	}
	for i, w := range wants {
		g := res.pkts[i]
		if !g.TS.Equal(w.ts) {
			t.Errorf("packet %d: time %v, want %v", i+1, g.TS, w.ts)
		}
		if g.Link != w.link {
			t.Errorf("packet %d: link type %v, want %v", i+1, g.Link, w.link)
		}
		if !g.TCP || g.Payload != w.payload {
			t.Errorf("packet %d: TCP %v payload %q, want %q", i+1, g.TCP, g.Payload, w.payload)
		}
		if g.Num != uint64(i+1) {
			t.Errorf("packet %d: Num %d", i+1, g.Num)
		}
	}
}

func TestFormats(t *testing.T) {
	us1 := t0.Add(1500 * time.Microsecond)
	us2 := t0.Add(2 * time.Second)
	ns1 := t0.Add(123456789 * time.Nanosecond)
	p1 := ip4TCP(t, 1, []byte("one"))
	p2 := ip4TCP(t, 4, []byte("two"))
	eth := layers.LinkTypeEthernet
	twoEth := []want{{us1, eth, "one"}, {us2, eth, "two"}}
	recs := []rec{{ts: us1, data: ether(p1)}, {ts: us2, data: ether(p2)}}

	ngBasic := func(order byteOrder) []byte {
		w := &ngWriter{order: order}
		w.shb().idb(eth).epb(recs[0], 1e6).epb(recs[1], 1e6)
		return w.b
	}

	cases := []struct {
		name  string
		file  func(t *testing.T) []byte
		wants []want
	}{
		{"pcap/le/micro", func(*testing.T) []byte { return pcapFile(le, false, eth, recs...) }, twoEth},
		{"pcap/be/micro", func(*testing.T) []byte { return pcapFile(be, false, eth, recs...) }, twoEth},
		{"pcap/le/nano", func(*testing.T) []byte {
			return pcapFile(le, true, eth, rec{ts: ns1, data: ether(p1)})
		}, []want{{ns1, eth, "one"}}},
		{"pcap/be/nano", func(*testing.T) []byte {
			return pcapFile(be, true, eth, rec{ts: ns1, data: ether(p1)})
		}, []want{{ns1, eth, "one"}}},
		{"pcap/modified-24-byte-records", func(*testing.T) []byte {
			b := pcapFile(be, false, eth, recs...)
			be.PutUint32(b, pcapModified)
			out := bytes.Clone(b[:24])
			for off := 24; off < len(b); {
				n := 16 + int(be.Uint32(b[off+8:]))
				out = append(out, b[off:off+16]...)
				out = append(out, 0, 0, 0, 1, 0, 2, 4, 0) // ifindex, protocol, pkt_type, pad
				out = append(out, b[off+16:off+n]...)
				off += n
			}
			return out
		}, twoEth},
		{"pcap/gzip", func(t *testing.T) []byte { return gzipped(t, pcapFile(le, false, eth, recs...)) }, twoEth},
		{"pcapng/le", func(*testing.T) []byte { return ngBasic(le) }, twoEth},
		{"pcapng/be", func(*testing.T) []byte { return ngBasic(be) }, twoEth},
		{"pcapng/gzip", func(t *testing.T) []byte { return gzipped(t, ngBasic(be)) }, twoEth},
		{"pcapng/tsresol-nanoseconds", func(*testing.T) []byte {
			w := &ngWriter{order: le}
			w.shb().idb(eth, w.opt(optTSResol, []byte{9})).epb(rec{ts: ns1, data: ether(p1)}, 1e9)
			return w.b
		}, []want{{ns1, eth, "one"}}},
		{"pcapng/tsresol-power-of-two", func(*testing.T) []byte {
			w := &ngWriter{order: be}
			w.shb().idb(eth, w.opt(optTSResol, []byte{0x80 | 20})).
				epb(rec{ts: t0.Add(500 * time.Millisecond), data: ether(p1)}, 1<<20)
			return w.b
		}, []want{{t0.Add(500 * time.Millisecond), eth, "one"}}},
		{"pcapng/tsoffset", func(*testing.T) []byte {
			w := &ngWriter{order: le}
			w.shb().idb(eth, w.opt(optTSOffset, le.AppendUint64(nil, 1000))).
				epb(rec{ts: us1.Add(-1000 * time.Second), data: ether(p1)}, 1e6)
			return w.b
		}, []want{{us1, eth, "one"}}},
		{"pcapng/sections-le-then-be", func(*testing.T) []byte {
			a := &ngWriter{order: le}
			a.shb().idb(eth).epb(recs[0], 1e6)
			b := &ngWriter{order: be}
			b.shb().idb(layers.LinkTypeRaw).epb(rec{ts: us2, data: p2}, 1e6)
			return append(a.b, b.b...)
		}, []want{{us1, eth, "one"}, {us2, layers.LinkTypeRaw, "two"}}},
		{"pcapng/interfaces-with-different-link-types", func(*testing.T) []byte {
			w := &ngWriter{order: le}
			w.shb().idb(eth).idb(layers.LinkTypeLinuxSLL2).idb(layers.LinkTypeRaw, w.opt(optTSResol, []byte{3}))
			w.epb(rec{ts: t0, data: p1, iface: 2}, 1e3)
			w.epb(rec{ts: us1, data: sll2(p2), iface: 1}, 1e6)
			w.epb(rec{ts: us2, data: ether(p1), iface: 0}, 1e6)
			return w.b
		}, []want{{t0, layers.LinkTypeRaw, "one"}, {us1, layers.LinkTypeLinuxSLL2, "two"}, {us2, eth, "one"}}},
		{"pcapng/simple-and-obsolete-packet-blocks", func(*testing.T) []byte {
			w := &ngWriter{order: le}
			w.shb().idb(eth).pb(recs[0]).spb(ether(p2))
			return w.b
		}, []want{{us1, eth, "one"}, {us1, eth, "two"}}},
		{"pcapng/unknown-blocks-skipped", func(*testing.T) []byte {
			w := &ngWriter{order: be}
			w.shb().block(0x0bad, []byte("custom")).idb(eth).block(4, make([]byte, 4)).
				epb(recs[0], 1e6).block(5, make([]byte, 12)).epb(recs[1], 1e6)
			return w.b
		}, twoEth},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeTemp(t, "in.cap", c.file(t))
			res, err := readAll(t, []string{p}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range res.warnings {
				t.Errorf("warning: %v", w)
			}
			checkPackets(t, res, c.wants)
			if res.stats.Files != 1 || res.stats.Packets != uint64(len(c.wants)) || res.stats.TCP != uint64(len(c.wants)) {
				t.Errorf("stats %+v", res.stats)
			}
		})
	}
}

func TestDecryptionSecrets(t *testing.T) {
	keylog := []byte("CLIENT_RANDOM 0102 0304\n") // 24 bytes
	odd := []byte("abcde")                        // padded in the block
	w := &ngWriter{order: le}
	w.shb().dsb(SecretsTypeTLSKeyLog, keylog).idb(layers.LinkTypeEthernet).
		epb(rec{ts: t0, data: ether(ip4TCP(t, 1, []byte("x")))}, 1e6).
		dsb(0x1234, odd).
		epb(rec{ts: t0.Add(time.Second), data: ether(ip4TCP(t, 2, []byte("y")))}, 1e6)
	p := writeTemp(t, "dsb.pcapng", w.b)
	res, err := readAll(t, []string{p}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantEvents := "secret packet secret packet"
	if got := strings.Join(res.events, " "); got != wantEvents {
		t.Errorf("events %q, want %q", got, wantEvents)
	}
	wantSecrets := []Secret{
		{Type: SecretsTypeTLSKeyLog, Data: keylog, File: p, Block: 2},
		{Type: 0x1234, Data: odd, File: p, Block: 5},
	}
	if len(res.secrets) != len(wantSecrets) {
		t.Fatalf("got %d secrets", len(res.secrets))
	}
	for i, w := range wantSecrets {
		g := res.secrets[i]
		if g.Type != w.Type || !bytes.Equal(g.Data, w.Data) || g.File != w.File || g.Block != w.Block {
			t.Errorf("secret %d: %+v, want %+v", i, g, w)
		}
	}
	if res.stats.Secrets != 2 {
		t.Errorf("Stats.Secrets = %d", res.stats.Secrets)
	}
}

func TestMerge(t *testing.T) {
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	a := pcapFile(le, false, layers.LinkTypeEthernet,
		rec{ts: at(1), data: ether(ip4TCP(t, 1, []byte("a1")))},
		rec{ts: at(4), data: ether(ip4TCP(t, 1, []byte("a2")))},
		rec{ts: at(5), data: ether(ip4TCP(t, 1, []byte("a3")))})
	w := &ngWriter{order: be}
	w.shb().idb(layers.LinkTypeRaw).
		epb(rec{ts: at(2), data: ip4TCP(t, 1, []byte("b1"))}, 1e6).
		epb(rec{ts: at(3), data: ip4TCP(t, 1, []byte("b2"))}, 1e6).
		epb(rec{ts: at(5), data: ip4TCP(t, 1, []byte("b3"))}, 1e6).
		epb(rec{ts: at(9), data: ip4TCP(t, 1, []byte("b4"))}, 1e6)
	pa := writeTemp(t, "a.pcap", a)
	pb := writeTemp(t, "b.pcapng.gz", gzipped(t, w.b))
	res, err := readAll(t, []string{pa, pb}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, p := range res.pkts {
		order = append(order, fmt.Sprintf("%d:%s#%d:%s", p.Num, p.File, p.FileNum, p.Payload))
	}
	// a3 and b3 have the same time: the earlier file on the command line first.
	want := "1:a.pcap#1:a1 2:b.pcapng.gz#1:b1 3:b.pcapng.gz#2:b2 4:a.pcap#2:a2 5:a.pcap#3:a3 6:b.pcapng.gz#3:b3 7:b.pcapng.gz#4:b4"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("order\n got %s\nwant %s", got, want)
	}
	if res.stats.Files != 2 || res.stats.Packets != 7 {
		t.Errorf("stats %+v", res.stats)
	}
}

func TestStdin(t *testing.T) {
	p := writeTemp(t, "in.pcap", gzipped(t, pcapFile(le, false, layers.LinkTypeEthernet,
		rec{ts: t0, data: ether(ip4TCP(t, 1, []byte("stdin")))})))
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = old }()
	res, err := readAll(t, []string{"-"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.pkts) != 1 || res.pkts[0].File != "-" || res.pkts[0].Payload != "stdin" {
		t.Errorf("got %+v", res.pkts)
	}
	if _, err := OpenFiles([]string{"-", "-"}, Options{}); err == nil {
		t.Error("standard input twice: no error")
	}
}

func TestOpenErrors(t *testing.T) {
	cases := []struct {
		name, content, want string
	}{
		{"text", "hello, this is not a capture\n", "not a pcap or pcapng file"},
		{"empty", "", "empty file"},
		{"short", "\xd4\xc3", "not a pcap or pcapng file"},
		{"gzip-text", string(gzipped(t, []byte("plain text inside gzip"))), "not a pcap or pcapng file"},
		{"bad-gzip-header", "\x1f\x8b\x00garbage", "gzip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeTemp(t, c.name+".pcap", []byte(c.content))
			_, err := OpenFiles([]string{p}, Options{})
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one naming %s and saying %q", err, p, c.want)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		if _, err := OpenFiles([]string{"/nonexistent/x.pcap"}, Options{}); err == nil || !strings.Contains(err.Error(), "/nonexistent/x.pcap") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("no-files", func(t *testing.T) {
		if _, err := OpenFiles(nil, Options{}); err == nil {
			t.Error("no error")
		}
	})
	t.Run("filter-unsupported", func(t *testing.T) {
		p := writeTemp(t, "ok.pcap", pcapFile(le, false, 1))
		_, err := OpenFiles([]string{p}, Options{Filter: "gateway 10.0.0.1"})
		if err == nil || !strings.Contains(err.Error(), `"gateway" is not supported`) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("filter-compile-error", func(t *testing.T) {
		old := compileFilter
		defer func() { compileFilter = old }()
		compileFilter = func(string) (matcher, error) { return nil, errors.New("bad primitive") }
		p := writeTemp(t, "ok.pcap", pcapFile(le, false, 1))
		_, err := OpenFiles([]string{p}, Options{Filter: "frob"})
		if err == nil || !strings.Contains(err.Error(), "bad primitive") {
			t.Errorf("error %v", err)
		}
	})
}

func TestFileErrorMessage(t *testing.T) {
	e := &FileError{File: "capture.pcapng", Packet: 1234, Offset: 0x1f00, Err: fmt.Errorf("%w block", ErrTruncated)}
	if got, want := e.Error(), "capture.pcapng: packet 1234 (offset 0x1f00): truncated block"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(e, ErrTruncated) {
		t.Error("not ErrTruncated")
	}
}

// smallFiles are valid files of three packets each, with the offsets at
// which each packet's record or block ends.
func smallFiles(t testing.TB) map[string][]byte {
	recs := []rec{
		{ts: t0, data: ether(ip4TCP(t, 1, []byte("first")))},
		{ts: t0.Add(time.Millisecond), data: ether(ip6TCP(t, 1, []byte("second"), layers.IPProtocolTCP, nil))},
		{ts: t0.Add(2 * time.Millisecond), data: ether(ip4TCP(t, 7, []byte("third")), 5)},
	}
	w := &ngWriter{order: be}
	w.shb().idb(layers.LinkTypeEthernet).dsb(SecretsTypeTLSKeyLog, []byte("CLIENT_RANDOM a b\n"))
	for _, r := range recs {
		w.epb(r, 1e6)
	}
	return map[string][]byte{
		"pcap":   pcapFile(le, false, layers.LinkTypeEthernet, recs...),
		"pcapng": w.b,
	}
}

// TestTruncated cuts valid files at every length: no panic, every packet
// before the cut is delivered, and the damage is reported with the number
// of the packet that was cut.
func TestTruncated(t *testing.T) {
	for name, full := range smallFiles(t) {
		t.Run(name, func(t *testing.T) {
			whole, err := readAll(t, []string{writeTemp(t, "full", full)}, Options{})
			if err != nil || len(whole.pkts) != 3 || len(whole.warnings) != 0 {
				t.Fatalf("full file: %v, %d packets, warnings %v", err, len(whole.pkts), whole.warnings)
			}
			// ends[i] is the offset just past packet i+1; clean are
			// the offsets between headers, records and blocks.
			ends := packetEnds(t, full)
			clean := boundaries(full)
			dir := t.TempDir()
			for n := 0; n < len(full); n++ {
				p := fmt.Sprintf("%s/cut%d", dir, n)
				if err := os.WriteFile(p, full[:n], 0o644); err != nil {
					t.Fatal(err)
				}
				res, err := readAll(t, []string{p}, Options{})
				if n < 4 {
					if err == nil {
						t.Errorf("cut at %d: OpenFiles accepted it", n)
					}
					continue
				}
				if err != nil {
					t.Fatalf("cut at %d: %v", n, err)
				}
				complete := 0
				for _, e := range ends {
					if int64(n) >= e {
						complete++
					}
				}
				if len(res.pkts) != complete {
					t.Fatalf("cut at %d: %d packets, want %d", n, len(res.pkts), complete)
				}
				for i, g := range res.pkts {
					if g.Payload != whole.pkts[i].Payload {
						t.Fatalf("cut at %d: packet %d differs", n, i+1)
					}
				}
				if clean[n] {
					if len(res.warnings) != 0 {
						t.Errorf("cut at %d (a block boundary): warnings %v", n, res.warnings)
					}
					continue
				}
				if len(res.warnings) != 1 {
					t.Fatalf("cut at %d: warnings %v, want one", n, res.warnings)
				}
				fe := fileErr(t, res.warnings[0])
				if fe.File != p || fe.Packet != uint64(complete+1) || !errors.Is(fe, ErrTruncated) {
					t.Errorf("cut at %d: %v (packet %d), want packet %d, truncated", n, fe, fe.Packet, complete+1)
				}
			}
		})
	}
}

// packetEnds finds where each packet's record or block ends, by reading
// the file with the package's own reader.
func packetEnds(t testing.TB, b []byte) []int64 {
	f, err := openFile(writeTemp(t, "ends", b), 0, nil, func(error) {}, func(Secret) {})
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	var ends []int64
	for f.next() == nil {
		ends = append(ends, f.off)
	}
	return ends
}

// boundaries returns the offsets at which a pcap file's header or
// records, or a pcapng file's blocks, end.
func boundaries(b []byte) map[int]bool {
	m := map[int]bool{}
	if bytes.Equal(b[:4], magicNG) {
		order := byteOrder(le)
		if be.Uint32(b[8:]) == byteOrderMagic {
			order = be
		}
		for off := 0; off+8 <= len(b); {
			off += int(order.Uint32(b[off+4:]))
			m[off] = true
		}
		return m
	}
	m[24] = true
	for off := 24; off+16 <= len(b); {
		off += 16 + int(le.Uint32(b[off+8:]))
		m[off] = true
	}
	return m
}

// TestDamage feeds crafted files: none panics, the packets before the
// damage are delivered, and the damage is reported.
func TestDamage(t *testing.T) {
	good := ether(ip4TCP(t, 1, []byte("ok")))
	r := rec{ts: t0, data: good}
	cases := []struct {
		name     string
		file     func() []byte
		packets  int
		warnings int
		want     string // in the first warning
	}{
		{"pcap/huge-record", func() []byte {
			b := pcapFile(le, false, layers.LinkTypeEthernet, r, r)
			le.PutUint32(b[24+16+len(good)+8:], 1<<30)
			return b
		}, 1, 1, "over the"},
		{"pcap/version", func() []byte {
			b := pcapFile(le, false, layers.LinkTypeEthernet, r)
			le.PutUint16(b[4:], 7)
			return b
		}, 0, 1, "version"},
		{"pcapng/huge-block", func() []byte {
			w := &ngWriter{order: le}
			w.shb().idb(1).epb(r, 1e6)
			w.b = le.AppendUint32(w.b, blockEPB)
			w.b = le.AppendUint32(w.b, 1<<31)
			return w.b
		}, 1, 1, "over the"},
		{"pcapng/bad-trailer", func() []byte {
			w := &ngWriter{order: le}
			w.shb().idb(1).epb(r, 1e6).epb(r, 1e6)
			w.b[len(w.b)-1] ^= 0xff
			return w.b
		}, 1, 1, "trailing length"},
		{"pcapng/odd-length", func() []byte {
			w := &ngWriter{order: le}
			w.shb().idb(1).epb(r, 1e6)
			w.b = le.AppendUint32(w.b, 0xbad)
			w.b = le.AppendUint32(w.b, 13)
			return append(w.b, make([]byte, 8)...)
		}, 1, 1, "bad block length"},
		{"pcapng/bad-byte-order-magic", func() []byte {
			w := &ngWriter{order: le}
			w.shb()
			le.PutUint32(w.b[8:], 0x12345678)
			return w.b
		}, 0, 1, "byte-order magic"},
		{"pcapng/unknown-interface-skipped", func() []byte {
			w := &ngWriter{order: le}
			w.shb().idb(1).epb(rec{ts: t0, data: good, iface: 3}, 1e6).epb(r, 1e6)
			return w.b
		}, 1, 1, "interface 3"},
		{"pcapng/caplen-beyond-block-skipped", func() []byte {
			w := &ngWriter{order: le}
			w.shb().idb(1).epb(r, 1e6)
			le.PutUint32(w.b[len(w.b)-len(pad4(good))-4-8:], 5000)
			w.epb(r, 1e6)
			return w.b
		}, 1, 1, "captured length"},
		{"pcapng/bad-tsresol", func() []byte {
			w := &ngWriter{order: le}
			w.shb().idb(1, w.opt(optTSResol, []byte{99})).epb(r, 1e6)
			return w.b
		}, 1, 1, "if_tsresol"},
		{"pcapng/version", func() []byte {
			w := &ngWriter{order: be}
			w.shb()
			be.PutUint16(w.b[12:], 2)
			w.idb(1).epb(r, 1e6)
			return w.b
		}, 0, 1, "version"},
		{"pcapng/short-dsb", func() []byte {
			w := &ngWriter{order: le}
			w.shb().idb(1)
			w.block(blockDSB, le.AppendUint32(le.AppendUint32(nil, SecretsTypeTLSKeyLog), 100))
			w.epb(r, 1e6)
			return w.b
		}, 1, 1, "secrets"},
		{"gzip/trailer-missing", func() []byte {
			z := gzipped(t, pcapFile(le, false, 1, r, r, r))
			return z[:len(z)-8]
		}, 3, 1, "packet 4 (offset 0xf0): truncated"},
		{"gzip/checksum", func() []byte {
			z := gzipped(t, pcapFile(le, false, 1, r))
			z[len(z)-8] ^= 1
			return z
		}, 1, 1, "checksum"},
		{"unsupported-link-type", func() []byte {
			return pcapFile(le, false, layers.LinkTypeIEEE802_11, r, r)
		}, 2, 1, "not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeTemp(t, "bad", c.file())
			var res result
			var err error
			func() {
				defer func() {
					if x := recover(); x != nil {
						t.Fatalf("panic: %v", x)
					}
				}()
				res, err = readAll(t, []string{p}, Options{})
			}()
			if err != nil {
				t.Fatal(err)
			}
			if len(res.pkts) != c.packets || len(res.warnings) != c.warnings {
				t.Fatalf("%d packets, warnings %v; want %d, %d", len(res.pkts), res.warnings, c.packets, c.warnings)
			}
			if c.warnings > 0 {
				fe := fileErr(t, res.warnings[0])
				if !strings.Contains(fe.Error(), c.want) || fe.File != p {
					t.Errorf("warning %q, want it to name %s and say %q", fe, p, c.want)
				}
			}
		})
	}
}

// TestDamagedFileThenNext checks that a damaged file does not stop the
// files after it.
func TestDamagedFileThenNext(t *testing.T) {
	r := func(ms int, s string) rec {
		return rec{ts: t0.Add(time.Duration(ms) * time.Millisecond), data: ether(ip4TCP(t, 1, []byte(s)))}
	}
	a := pcapFile(le, false, 1, r(1, "a1"), r(3, "a2"))
	a = a[:len(a)-3]
	b := pcapFile(be, true, 1, r(2, "b1"), r(4, "b2"))
	res, err := readAll(t, []string{writeTemp(t, "a", a), writeTemp(t, "b", b)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.pkts {
		got = append(got, p.Payload)
	}
	if strings.Join(got, " ") != "a1 b1 b2" || len(res.warnings) != 1 {
		t.Errorf("got %v, warnings %v", got, res.warnings)
	}
	if fe := fileErr(t, res.warnings[0]); fe.Packet != 2 {
		t.Errorf("warning names packet %d, want 2", fe.Packet)
	}
}

func TestClose(t *testing.T) {
	p := writeTemp(t, "x.pcap", pcapFile(le, false, 1, rec{ts: t0, data: ether(ip4TCP(t, 1, nil))}))
	src, err := OpenFiles([]string{p, p}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Next(); err != nil {
		t.Fatal(err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Next(); err != io.EOF {
		t.Errorf("Next after Close: %v", err)
	}
}

// TestRecordOverSnaplen: a pcap record declaring 64 MiB in a file whose
// snapshot length is 65535 (a few KiB once gzipped) is cut to the
// snapshot length and the rest skipped without being buffered, with one
// warning naming the file and packet; the packet after it is read.
func TestRecordOverSnaplen(t *testing.T) {
	t0 := time.Unix(1700000000, 0).UTC()
	good := ether(ip4TCP(t, 1, []byte("after")))
	huge := append(ether(ip4TCP(t, 0, []byte("first"))), make([]byte, 64<<20)...)
	b := pcapFile(binary.LittleEndian, false, layers.LinkTypeEthernet, rec{ts: t0, data: huge}, rec{ts: t0.Add(time.Second), data: good})
	path := writeTemp(t, "snap.pcap.gz", gzipped(t, b))
	b = nil
	res, allocated := readAllMeasured(t, path)
	if len(res.pkts) != 2 || !strings.HasPrefix(res.pkts[1].Payload, "after") || res.pkts[0].Len != len(huge) {
		t.Fatalf("packets %+v", res.pkts)
	}
	if res.stats.CutToSnaplen != 1 || len(res.warnings) != 1 {
		t.Fatalf("cut %d, warnings %v", res.stats.CutToSnaplen, res.warnings)
	}
	if fe := fileErr(t, res.warnings[0]); fe.Packet != 1 || !strings.Contains(fe.Error(), "snapshot length 65535") {
		t.Errorf("warning %v", fe)
	}
	if allocated > 16<<20 {
		t.Errorf("reading allocated %d MiB: the record was buffered", allocated>>20)
	}
}

// readAllMeasured reads one capture file whole and returns what it gave
// and the bytes allocated meanwhile.
func readAllMeasured(t *testing.T, path string) (result, uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := readAll(t, []string{path}, Options{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	return res, after.TotalAlloc - before.TotalAlloc
}

// TestPacketBlockOverSnaplen: a pcapng Enhanced Packet Block of 64 MiB on
// an interface whose snapshot length is 65535 is cut to it, the rest
// skipped unbuffered, with one warning for the file (the second such
// block is counted only); a 32 MiB block of a type not read is skipped
// unbuffered too; the packets after them are read.
func TestPacketBlockOverSnaplen(t *testing.T) {
	t0 := time.Unix(1700000000, 0).UTC()
	huge := append(ether(ip4TCP(t, 0, []byte("first"))), make([]byte, 64<<20)...)
	w := (&ngWriter{order: binary.LittleEndian}).shb().idbSnap(layers.LinkTypeEthernet, 65535).
		epb(rec{ts: t0, data: huge}, 1e6).
		block(0x0bad, make([]byte, 32<<20)). // a custom block, skipped unbuffered
		epb(rec{ts: t0, data: huge}, 1e6).
		epb(rec{ts: t0.Add(time.Second), data: ether(ip4TCP(t, 1, []byte("after")))}, 1e6)
	huge = nil
	path := writeTemp(t, "snap.pcapng.gz", gzipped(t, w.b))
	w = nil
	res, allocated := readAllMeasured(t, path)
	if len(res.pkts) != 3 || !strings.HasPrefix(res.pkts[2].Payload, "after") || !strings.HasPrefix(res.pkts[0].Payload, "first") {
		t.Fatalf("packets %+v", res.pkts)
	}
	if res.stats.CutToSnaplen != 2 || len(res.warnings) != 1 {
		t.Fatalf("cut %d, warnings %v", res.stats.CutToSnaplen, res.warnings)
	}
	if fe := fileErr(t, res.warnings[0]); fe.Packet != 1 || !strings.Contains(fe.Error(), "snapshot length 65535: cut to it") {
		t.Errorf("warning %v", fe)
	}
	if allocated > 16<<20 {
		t.Errorf("reading allocated %d MiB: the block was buffered", allocated>>20)
	}
}

// TestSkippedBlocksNamed: packet blocks that name an interface the section
// lacks are skipped, each warned about by its own block number (they
// deliver no packet, so a packet number would name them all alike); the
// good packets around them are delivered.
func TestSkippedBlocksNamed(t *testing.T) {
	t0 := time.Unix(1700000000, 0).UTC()
	le := binary.LittleEndian
	w := (&ngWriter{order: le}).shb().idb(layers.LinkTypeEthernet).
		epb(rec{ts: t0, data: ether(ip4TCP(t, 1, []byte("one")))}, 1e6).
		epb(rec{ts: t0, data: ether(ip4TCP(t, 2, []byte("bad"))), iface: 7}, 1e6).
		epb(rec{ts: t0, data: ether(ip4TCP(t, 3, []byte("bad"))), iface: 9}, 1e6).
		epb(rec{ts: t0, data: ether(ip4TCP(t, 4, []byte("two")))}, 1e6)
	res, err := readAll(t, []string{writeTemp(t, "ifaces.pcapng", w.b)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.pkts) != 2 || len(res.warnings) != 2 {
		t.Fatalf("%d packets, warnings %v", len(res.pkts), res.warnings)
	}
	for i, want := range []string{"block 4 ", "block 5 "} {
		if !strings.Contains(res.warnings[i].Error(), want) {
			t.Errorf("warning %d = %v, want it to name %q", i, res.warnings[i], want)
		}
	}
}

// TestEmptyStdin: a closed or empty standard input is named as such.
func TestEmptyStdin(t *testing.T) {
	_, err := OpenFiles([]string{"-"}, Options{Stdin: strings.NewReader("")})
	if err == nil || !strings.Contains(err.Error(), "standard input: no data") {
		t.Errorf("error %v", err)
	}
}
