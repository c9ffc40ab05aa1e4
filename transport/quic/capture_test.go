package quic_test

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/internal/pipeline"
	"github.com/ssldissect/ssldissect/internal/testenv"
	wire "github.com/ssldissect/ssldissect/parser/quic"
	"github.com/ssldissect/ssldissect/session"
	"github.com/ssldissect/ssldissect/transport/quic"
)

// collector keeps what a run reported: every connection, and per
// connection the stream bytes of its packets in order.
type collector struct {
	conns   []*session.Conn
	packets int
	streams map[string][]byte // "<conn>.s<id>.<dir>"
	types   map[wire.PacketType]int
	failed  int // packets whose tag failed
}

func (c *collector) Record(ev *session.RecordEvent) {
	if ev.QUIC == nil {
		return
	}
	c.packets++
	c.types[ev.QUIC.Type]++
	if ev.QUIC.MAC == decrypt.MACFailed {
		c.failed++
	}
	for _, s := range ev.QUIC.Streams {
		k := streamKey(ev.Conn.ID, s.ID, ev.Dir)
		c.streams[k] = append(c.streams[k], s.Data...)
	}
}

func (c *collector) End(s *session.Conn) { c.conns = append(c.conns, s) }

func streamKey(conn, id uint64, d session.Dir) string {
	return strings.Join([]string{itoa(conn), "s" + itoa(id), d.String()}, ".")
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

// run dissects a capture with a key log (or none) and workers workers.
func run(t *testing.T, pcap, keylog string, workers int) *collector {
	t.Helper()
	keys := decrypt.NewKeyStore()
	if keylog != "" {
		f, err := os.Open(keylog)
		if err != nil {
			t.Fatal(err)
		}
		if _, errs := keys.Log.Load(f, keylog); len(errs) > 0 {
			t.Fatalf("key log: %v", errs)
		}
		f.Close()
	}
	src, err := capture.OpenFiles([]string{pcap}, capture.Options{OnSecrets: pipeline.SecretsLoader(keys, func(err error) { t.Log(err) })})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	col := &collector{streams: map[string][]byte{}, types: map[wire.PacketType]int{}}
	if _, err := pipeline.Run(src, col, pipeline.Options{Keys: keys, Workers: workers}); err != nil {
		t.Fatal(err)
	}
	return col
}

// TestQUICGoCaptures checks the quic-go captures of testdata/pcaps (made
// by testdata/gen/mkpcaps-quic.sh) with their key logs: every packet but
// the Retry decrypts and authenticates, both Finished verify, the stream
// bytes are exactly what the endpoints sent (the .s<id>.c2s/.s2c files
// the client wrote), with one worker and with two.
func TestQUICGoCaptures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version string
		conns   int
		retry   bool
		zeroRTT bool
	}{
		{"quicgo-v1", "QUIC v1", 1, false, false},
		{"quicgo-v2", "QUIC v2", 1, false, false},
		{"quicgo-retry", "QUIC v1", 1, true, false},
		{"quicgo-0rtt", "QUIC v1", 2, false, true},
	} {
		for _, workers := range []int{1, 2} {
			t.Run(tc.name+"/workers="+itoa(uint64(workers)), func(t *testing.T) {
				base := filepath.Join("..", "..", "testdata", "pcaps", tc.name)
				col := run(t, base+".pcap", base+".keylog", workers)
				if len(col.conns) != tc.conns {
					t.Fatalf("%d connections, want %d", len(col.conns), tc.conns)
				}
				if col.failed > 0 {
					t.Errorf("%d packets failed their tag", col.failed)
				}
				for i, c := range col.conns {
					q := c.QUIC
					if c.Transport != session.TransportQUIC || q == nil {
						t.Fatalf("conn %d: transport %q", c.ID, c.Transport)
					}
					if q.VersionName != tc.version || c.SNI != "server.test" || c.ALPN != "ssldissect-test" {
						t.Errorf("conn %d: version %q sni %q alpn %q", c.ID, q.VersionName, c.SNI, c.ALPN)
					}
					if q.Retry != tc.retry {
						t.Errorf("conn %d: retry %v, want %v", c.ID, q.Retry, tc.retry)
					}
					want := q.Packets
					if tc.retry {
						want[session.ServerToClient]-- // the Retry is not protected
					}
					if q.DecryptedPackets != want {
						t.Errorf("conn %d: decrypted %v of %v packets", c.ID, q.DecryptedPackets, q.Packets)
					}
					if f := c.FinishedVerified(); f != [2]int{1, 1} {
						t.Errorf("conn %d: Finished verified %v, want both", c.ID, f)
					}
					if !c.Decrypted || c.EndCause != "close" {
						t.Errorf("conn %d: decrypted %v, end %q", c.ID, c.Decrypted, c.EndCause)
					}
					if tc.zeroRTT && i == 1 && !bytes.Contains(q.History, []byte("Z")) {
						t.Errorf("conn %d: no 0-RTT packet in history %q", c.ID, q.History)
					}
				}
				if tc.zeroRTT && col.types[wire.Packet0RTT] == 0 {
					t.Error("no 0-RTT packet")
				}
				// The stream bytes, against the client's files.
				files, _ := filepath.Glob(base + ".*s*.c2s")
				more, _ := filepath.Glob(base + ".*s*.s2c")
				files = append(files, more...)
				if len(files) == 0 {
					t.Fatal("no stream files beside the capture")
				}
				for _, f := range files {
					suffix := strings.TrimPrefix(f, base+".")
					conn := "1"
					if strings.HasPrefix(suffix, "c") { // c<N>.s<id>.<dir>: connection N of the capture
						conn, suffix, _ = strings.Cut(strings.TrimPrefix(suffix, "c"), ".")
					}
					want, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					k := conn + "." + suffix
					if got := col.streams[k]; !bytes.Equal(got, want) {
						t.Errorf("stream %s: %d bytes, want the %d of %s", k, len(got), len(want), filepath.Base(f))
					}
					delete(col.streams, k)
				}
				for k, v := range col.streams {
					t.Errorf("stream %s (%d bytes) has no file", k, len(v))
				}
			})
		}
	}
}

// zeekQUIC is one line of a Zeek quic.log baseline.
type zeekQUIC struct {
	origP, respP                                    string
	version, dcid, cscid, sscid, sni, alpn, history string
}

// readZeekQUIC reads the quic.log lines of a baseline (full logs only,
// with the id and connection ID columns).
func readZeekQUIC(t *testing.T, path string) []zeekQUIC {
	rows := testenv.ReadZeekLog(path)
	if rows == nil {
		t.Fatalf("%s: no such baseline", path)
	}
	var out []zeekQUIC
	for _, r := range rows {
		out = append(out, zeekQUIC{origP: r["id.orig_p"], respP: r["id.resp_p"], version: r["version"],
			dcid: r["client_initial_dcid"], cscid: r["client_scid"], sscid: r["server_scid"],
			sni: r["server_name"], alpn: r["client_protocol"], history: r["history"]})
	}
	return out
}

// zeekVersion is a version as quic.log writes it.
func zeekVersion(v uint32) string {
	switch v {
	case 1:
		return "1"
	case wire.Version2:
		return "quicv2"
	}
	return "unknown-" + hex.EncodeToString([]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func orEmpty(b []byte) string {
	if len(b) == 0 {
		return "(empty)"
	}
	return hex.EncodeToString(b)
}

func orUnset(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// TestZeekQUICBaselines runs the QUIC traces of Zeek's test suite and
// compares each connection with its quic.log line: ports, version, the
// client's initial DCID, both SCIDs, SNI and the first ALPN offered. A
// Retry makes two lines in Zeek (it logs and starts over), one connection
// here: the second line's DCID is the Retry's SCID. The history column is
// not compared (Zeek writes 'X' for packets it could not decrypt, and
// fewer 1-RTT letters; see docs/QUIC.md).
func TestZeekQUICBaselines(t *testing.T) {
	dir := testenv.Conformance(t, "the Zeek QUIC traces and their quic.log baselines")
	traces := filepath.Join(dir, "zeek", "traces", "quic")
	sslLines := 0
	defer func() {
		// The ssl.log files of these baselines hold 12 lines: each is compared.
		if sslLines < 12 {
			t.Errorf("%d ssl.log lines compared, want the 12 of the baselines", sslLines)
		}
	}()
	for _, tc := range []struct{ test, trace string }{
		{"chromium", "chromium-115.0.5790.110-api-cirrus-com.pcap"},
		{"curl-http3", "curl-8.1.2-dev-http3-www-google-de.pcap"},
		{"39264-rand", "quic-39264-rand.pcap"},
		{"dpd-custom-port", "chromium-dpd-custom-port-4433.pcap"},
		{"dpd-v2-custom-port", "quicv2-echo-dpd-custom-port-4433.pcap"},
		{"firefox", "firefox-102.13.0esr-blog-cloudflare-com.pcap"},
		{"interop.quic-go_quic-go.handshake", "interop/quic-go_quic-go/handshake.pcap"},
		{"interop.quic-go_quic-go.retry", "interop/quic-go_quic-go/retry.pcap"},
		{"interop.quic-go_quic-go.zerortt", "interop/quic-go_quic-go/zerortt.pcap"},
		{"merlinc2", "merlinc2_Zeek_example.pcapng"},
		{"quic-log", "chromium-115.0.5790.110-google-de-fragmented.pcap"},
		{"quicdoq", "quicdoq.pcap"},
		{"quicv2-echo-443", "quicv2-echo-443.pcap"},
		{"quicv2-http3-443", "quicv2-http3-443.pcap"},
	} {
		t.Run(tc.test, func(t *testing.T) {
			lines := readZeekQUIC(t, filepath.Join(dir, "zeek", "baseline", "scripts.base.protocols.quic."+tc.test, "quic.log"))
			col := run(t, filepath.Join(traces, tc.trace), "", 1)
			var got []zeekQUIC
			for _, c := range col.conns {
				q := c.QUIC
				if q == nil {
					continue
				}
				line := zeekQUIC{origP: itoa(uint64(c.Client.Port())), respP: itoa(uint64(c.Server.Port())),
					version: zeekVersion(q.Version), dcid: hex.EncodeToString(q.OriginalDCID), cscid: orEmpty(q.ClientSCID),
					sscid: orEmpty(q.ServerSCID), sni: orUnset(c.SNI), alpn: "-"}
				if len(c.ALPNOffered) > 0 {
					line.alpn = c.ALPNOffered[0]
				}
				if q.Retry {
					first := line
					first.sscid = "-"
					got = append(got, first)
					line.dcid = hex.EncodeToString(q.RetrySCID)
				}
				got = append(got, line)
			}
			if len(got) != len(lines) {
				t.Fatalf("%d quic.log lines, want %d:\ngot  %+v\nwant %+v", len(got), len(lines), got, lines)
			}
			// Zeek writes a line when a connection ends or retries: compare
			// in the order of the client's port and DCID.
			byConn := func(x, y zeekQUIC) int { return cmp.Or(cmp.Compare(x.origP, y.origP), cmp.Compare(x.dcid, y.dcid)) }
			slices.SortStableFunc(lines, byConn)
			slices.SortStableFunc(got, byConn)
			for i := range lines {
				want := lines[i]
				want.history, got[i].history = "", ""
				if got[i] != want {
					t.Errorf("line %d:\ngot  %+v\nwant %+v", i+1, got[i], want)
				}
			}
			sslLines += compareZeekSSL(t, filepath.Join(dir, "zeek", "baseline", "scripts.base.protocols.quic."+tc.test, "ssl.log"), col.conns)
		})
	}
}

// zeekSSLHistory lists the ssl.log histories where Zeek and we differ,
// with why: after a Retry Zeek parses the client's second Initial again
// and counts its ClientHello twice ("CCs"); it is the same message at
// the same CRYPTO offset, which we read once.
var zeekSSLHistory = map[string]string{
	"interop.quic-go_quic-go.retry 42834": "Cs",
}

// compareZeekSSL compares the QUIC connections with the ssl.log of the
// same baseline: version, cipher, curve, server_name, resumed and
// ssl_history, by client port.
func compareZeekSSL(t *testing.T, path string, conns []*session.Conn) (compared int) {
	t.Helper()
	rows := testenv.ReadZeekLog(path)
	if rows == nil {
		return 0 // not every baseline has one
	}
	byPort := map[string]*session.Conn{}
	for _, c := range conns {
		byPort[itoa(uint64(c.Client.Port()))] = c
	}
	test := strings.TrimPrefix(filepath.Base(filepath.Dir(path)), "scripts.base.protocols.quic.")
	for _, r := range rows {
		port := r["id.orig_p"]
		c := byPort[port]
		if c == nil {
			t.Errorf("ssl.log: no connection from port %s", port)
			continue
		}
		version := map[string]string{"TLS 1.3": "TLSv13"}[c.Version.String()]
		resumed := map[bool]string{true: "T", false: "F"}[c.Resumed]
		got := []string{version, c.CipherSuite.String(), c.KeyExchange.Group.String(), orUnset(c.SNI), resumed, string(c.History)}
		want := []string{r["version"], r["cipher"], r["curve"], r["server_name"], r["resumed"], r["ssl_history"]}
		if h, ok := zeekSSLHistory[test+" "+port]; ok {
			want[5] = h
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("ssl.log, port %s: ours %v, Zeek's %v", port, got, want)
		}
		compared++
	}
	return compared
}

// TestNgtcp2Captures checks the captures Debian's ngtcp2 0.12 (GnuTLS)
// made (testdata/gen/mkpcaps-ngtcp2.sh): an HTTP/3 GET under each TLS 1.3
// suite, and one with key updates both ways. Every packet authenticates,
// both Finished verify, and the served file (NAME.body) is the server's
// request stream after its 18 bytes of HEADERS and DATA frame headers.
func TestNgtcp2Captures(t *testing.T) {
	for _, tc := range []struct {
		name      string
		suite     uint16
		keyUpdate bool
	}{
		{"ngtcp2-aes256", 0x1302, false},
		{"ngtcp2-chacha20", 0x1303, false},
		{"ngtcp2-ccm", 0x1304, false},
		{"ngtcp2-keyupdate", 0x1301, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := filepath.Join("..", "..", "testdata", "pcaps", tc.name)
			col := run(t, base+".pcap", base+".keylog", 1)
			if len(col.conns) != 1 {
				t.Fatalf("%d connections, want 1", len(col.conns))
			}
			c := col.conns[0]
			q := c.QUIC
			if uint16(c.CipherSuite) != tc.suite || c.ALPN != "h3" || q.DecryptedPackets != q.Packets || col.failed > 0 {
				t.Errorf("suite %v alpn %q, %v of %v packets decrypted, %d failed", c.CipherSuite, c.ALPN, q.DecryptedPackets, q.Packets, col.failed)
			}
			if f := c.FinishedVerified(); f != [2]int{1, 1} {
				t.Errorf("Finished verified %v, want both", f)
			}
			if updated := q.KeyUpdates[0] > 0 && q.KeyUpdates[1] > 0; updated != tc.keyUpdate {
				t.Errorf("key updates %v, want some both ways: %v", q.KeyUpdates, tc.keyUpdate)
			}
			body, err := os.ReadFile(base + ".body")
			if err != nil {
				t.Fatal(err)
			}
			s0 := col.streams[streamKey(c.ID, 0, session.ServerToClient)]
			if len(s0) != 18+len(body) || !bytes.Equal(s0[18:], body) {
				t.Errorf("stream 0 s2c: %d bytes, want 18 + the %d of the body", len(s0), len(body))
			}
		})
	}
}

// TestQUICLostPacket drops, from quicgo-v1, the first server datagram
// that carries 1-RTT stream data: the connection still decrypts every
// packet that came, the stream that lost bytes stops at the hole (its
// bytes up to there exact) with a quic_stream_gap note, and the others are
// whole.
func TestQUICLostPacket(t *testing.T) {
	base, src, col, a := quicgoV1(t, quic.Options{})
	dropped := false
	var last time.Time
	for {
		p, err := src.Next()
		if err != nil {
			break
		}
		last = p.CI.Timestamp
		// Server 1-RTT datagrams are short headers; the 10th or so carries
		// response data well inside stream 0.
		if !dropped && p.UDP != nil && p.UDP.SrcPort == 443 && p.UDP.Payload[0]&0x80 == 0 && len(p.UDP.Payload) > 1000 {
			dropped = true
			continue
		}
		if p.UDP != nil {
			a.Datagram(p)
		}
	}
	a.FlushAll(last)
	if !dropped || len(col.conns) != 1 {
		t.Fatalf("dropped %v, %d connections", dropped, len(col.conns))
	}
	c := col.conns[0]
	if col.failed > 0 || c.QUIC.DecryptedPackets != c.QUIC.Packets {
		t.Errorf("%d failed, decrypted %v of %v", col.failed, c.QUIC.DecryptedPackets, c.QUIC.Packets)
	}
	gap := 0
	for _, n := range c.Notes {
		if n.Code == session.NoteQUICStreamGap && n.Dir == session.ServerToClient {
			gap++
		}
	}
	if gap != 1 {
		t.Errorf("%d quic_stream_gap notes s2c, want 1: %v", gap, c.Notes)
	}
	short := 0
	for _, id := range []uint64{0, 4, 8} {
		want, _ := os.ReadFile(base + ".s" + itoa(id) + ".s2c")
		got := col.streams[streamKey(c.ID, id, session.ServerToClient)]
		if !bytes.HasPrefix(want, got) {
			t.Errorf("stream %d: the %d bytes written are not the start of the %d sent", id, len(got), len(want))
		}
		if len(got) < len(want) {
			short++
		}
	}
	if short != 1 {
		t.Errorf("%d streams short of their data, want the one that lost a packet", short)
	}
}

// TestZeekQUICCrashTraces runs the traces that once crashed Zeek's QUIC
// analyzer (a fuzzer's decrypt crash, a CRYPTO vector at its maximum
// size): they must not crash ours. decrypt-crash holds three cut client
// Initials (their UDP length is more than the IP packet holds), which
// tshark shows as one connection from 1.127.0.0:47338 with none
// decrypted: so do we. vector-max-size-crash's one packet is a long
// header of the unknown version 0x10010000, which Zeek logs as a QUIC
// connection ("unknown-10010000", history U) and we do not: a UDP payload
// of no known version is not taken for QUIC (any UDP protocol could start
// with such bytes).
func TestZeekQUICCrashTraces(t *testing.T) {
	dir := testenv.Conformance(t, "the Zeek QUIC crash traces")
	col := run(t, filepath.Join(dir, "zeek", "traces", "quic", "383379789-decrypt-crash.pcap"), "", 1)
	if len(col.conns) != 1 || col.conns[0].Client.String() != "1.127.0.0:47338" || col.types[wire.PacketInitial] != 3 {
		t.Errorf("decrypt-crash: %d connections, Initials %d, want one from 1.127.0.0:47338 with 3", len(col.conns), col.types[wire.PacketInitial])
	}
	if col := run(t, filepath.Join(dir, "zeek", "traces", "quic", "vector-max-size-crash.pcap"), "", 1); len(col.conns) != 0 {
		t.Errorf("vector-max-size-crash: %d connections, want none", len(col.conns))
	}
}

// quicgoV1 opens quicgo-v1 and makes an Analyzer with opt and its key
// log, reporting to a collector: for the tests that feed it datagrams
// themselves (and drop or add some).
func quicgoV1(t *testing.T, opt quic.Options) (base string, src capture.Source, col *collector, a *quic.Analyzer) {
	t.Helper()
	base = filepath.Join("..", "..", "testdata", "pcaps", "quicgo-v1")
	keys := decrypt.NewKeyStore()
	kf, err := os.Open(base + ".keylog")
	if err != nil {
		t.Fatal(err)
	}
	keys.Log.Load(kf, "quicgo-v1.keylog")
	kf.Close()
	src, err = capture.OpenFiles([]string{base + ".pcap"}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	col = &collector{streams: map[string][]byte{}, types: map[wire.PacketType]int{}}
	var next uint64
	a = quic.NewAnalyzer(col, keys, func() uint64 { next++; return next }, opt)
	return base, src, col, a
}

// TestQUICNATRebinding: nat-rebinding-min (from a Zeek pull request)
// holds one quic-go connection seen on both sides of a NAT, with the
// same connection IDs on two address pairs: it stays one connection, its
// Initial packets all decrypted, its hellos read once.
func TestQUICNATRebinding(t *testing.T) {
	dir := testenv.Conformance(t, "Zeek's nat-rebinding-min trace")
	col := run(t, filepath.Join(dir, "zeek", "traces", "quic", "nat-rebinding-min.pcapng"), "", 1)
	if len(col.conns) != 1 {
		t.Fatalf("%d connections, want 1", len(col.conns))
	}
	c := col.conns[0]
	if c.SNI != "localhost" || c.ServerHello == nil || col.types[wire.PacketInitial] < 8 {
		t.Errorf("sni %q, server hello %v, %d Initial packets", c.SNI, c.ServerHello != nil, col.types[wire.PacketInitial])
	}
	if n := c.QUIC.Packets[0] + c.QUIC.Packets[1]; n != col.packets || n < 540 {
		t.Errorf("the connection has %d of the %d QUIC packets (540 datagrams, both legs)", n, col.packets)
	}
}
