package tcp

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/internal/tlstest"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// Conn tests built from the bytes of captures where the pipeline and
// tshark disagreed (internal/oracle); each names its capture.

// testSink keeps what a Conn reports.
type testSink struct {
	records []session.RecordEvent
	ended   []*session.Conn
}

func (s *testSink) Record(ev *session.RecordEvent) {
	e := *ev
	e.Record.Payload = append([]byte(nil), ev.Record.Payload...)
	s.records = append(s.records, e)
}
func (s *testSink) End(c *session.Conn) { s.ended = append(s.ended, c) }

// onePacket puts every byte in packet 1.
type onePacket struct{}

func (onePacket) At(int) (time.Time, uint64) { return time.Unix(1, 0), 1 }

// flight is one side's bytes, delivered in one Data call.
type flight struct {
	side Side
	data []byte
}

// runConn feeds the flights to a new Conn (side 0 is the TCP initiator,
// 10.0.0.1:50000; side 1 is 10.0.0.2:443), closes it and returns it with
// its records. Data must consume whole flights except at the end.
func runConn(t *testing.T, flights ...flight) (*Stream, *testSink) {
	t.Helper()
	sink := &testSink{}
	c := NewStream(1, netip.MustParseAddrPort("10.0.0.1:50000"), netip.MustParseAddrPort("10.0.0.2:443"), time.Unix(1, 0), sink)
	var pending [2][]byte
	for _, f := range flights {
		pending[f.side] = append(pending[f.side], f.data...)
		n := c.Data(f.side, pending[f.side], onePacket{})
		pending[f.side] = pending[f.side][n:]
	}
	c.Close("test", time.Unix(2, 0))
	if len(sink.ended) != 1 {
		t.Fatalf("End called %d times, want 1", len(sink.ended))
	}
	return c, sink
}

// sslv2HelloHex is the SSLv2-format ClientHello (version TLS 1.0, 29
// cipher specs, 32-byte challenge) of conformance/arkime/pcap/https2-301-get.pcap
// frame 4.
const sslv2HelloHex = `
80 80 01 03 01 00 57 00 00 00 20 00 00 39 00 00 38 00 00 35 00 00 16 00 00 13
00 00 0a 07 00 c0 00 00 33 00 00 32 00 00 2f 00 00 9a 00 00 99 00 00 96 03 00
80 00 00 05 00 00 04 01 00 80 00 00 15 00 00 12 00 00 09 06 00 40 00 00 14 00
00 11 00 00 08 00 00 06 04 00 80 00 00 03 02 00 80 00 00 ff 86 5d 9b 21 1a df
03 73 10 43 5c f3 b0 d9 39 81 2b a5 af 5f 81 aa fe cd fd c4 6a 5a d4 dc b6 46`

// tls10ServerHello is a TLS 1.0 ServerHello record choosing
// TLS_RSA_WITH_RC4_128_SHA, no session id, no extensions.
const tls10ServerHello = `
16 03 01 00 2a 02 00 00 26 03 01
00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f
10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
00 00 05 00`

func TestConnSSLv2ClientHello(t *testing.T) {
	// tshark: the client's SSLv2-format hello is a record, and the client
	// is the side that sent it. Before the fix the hello was not
	// recognised: the roles were guessed from the server's records, and
	// none of the client's records were counted.
	c, sink := runConn(t,
		flight{0, tlstest.Unhex(t, sslv2HelloHex)},
		flight{1, tlstest.Unhex(t, tls10ServerHello)},
		flight{0, tlstest.Unhex(t, "14 03 01 00 01 01")},
	)
	if c.RolesGuessed || c.Client.Port() != 50000 {
		t.Errorf("client = %v (guessed %v), want 10.0.0.1:50000 from the hello", c.Client, c.RolesGuessed)
	}
	if c.Records != [2]int{2, 1} {
		t.Errorf("records c2s, s2c = %v, want [2 1]", c.Records)
	}
	if c.ClientHello == nil || !c.ClientHello.SSLv2 || len(c.ClientHello.CipherSuites) == 0 {
		t.Fatalf("ClientHello = %+v, want the SSLv2-format hello", c.ClientHello)
	}
	if c.Version != parser.VersionTLS10 || c.CipherSuite != 0x0005 {
		t.Errorf("version %v suite %v, want TLS 1.0 and 0x0005", c.Version, c.CipherSuite)
	}
	if len(sink.records) != 3 || !sink.records[0].Record.SSLv2 || sink.records[0].Dir != session.ClientToServer {
		t.Errorf("first record = %+v, want the SSLv2 hello from the client", sink.records[0])
	}
}

func TestConnTLS13DraftServerHello(t *testing.T) {
	// TLS 1.3 drafts before -22 (and implementations that put 0x0304 in
	// the version field, before draft-22 moved it to supported_versions)
	// send ServerHello as {version, random, cipher_suite, extensions}: no
	// session id and no compression method. Before the fix these hellos
	// did not parse, so the connection had no version, suite or JA3S.
	clientHello := tlstest.Unhex(t, `16 03 01 00 2f 01 00 00 2b 03 03`+strings.Repeat(" 00", 32)+` 00 00 02 13 01 01 00`)
	tests := []struct {
		name    string
		record  string
		version parser.Version
		suite   parser.CipherSuite
		ja3s    string
	}{
		{
			// conformance/arkime/pcap/tls13.pcap frame 6: draft-18,
			// TLS_AES_128_GCM_SHA256, key_share (40, the draft code point).
			// tshark agrees: 0x7f12, 0x1301, JA3S "32530,4865,40".
			name: "draft-18",
			record: `16 03 01 00 52 02 00 00 4e 7f 12
				3e f1 60 9f d3 f4 fa 86 68 aa c5 82 2d 50 0f b0 63 9b 22 67 1d 0f b7 25 85 97 35 57 95 51 1b f6
				13 01 00 28 00 28 00 24 00 1d 00 20
				ae 0e 28 2a 3b 7a 46 3e 71 06 4e cb af 67 15 86 e9 79 b0 ed be bf 7a 47 35 c3 16 78 c7 0f 66 0c`,
			version: 0x7f12, suite: 0x1301, ja3s: "32530,4865,40",
		},
		{
			// conformance/suricata-verify/tls13-draft14/tls13_draft14.pcap:
			// version 0x0304 in the hello, ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
			// (0xc02b), key_share (40) with a P-256 point. tshark 4.0 reads
			// it as a TLS 1.2 hello (session id length 0xc0, suite 0xacad);
			// Suricata names it "TLS 1.3 draft-<16".
			name: "version-0x0304",
			record: `16 03 01 00 73 02 00 00 6f 03 04
				23 93 b6 51 8b 8d d3 d7 ae 95 71 55 97 79 35 93 2a 6f 5e 60 0e 5b 7d 97 74 da a7 bc 2f 2c bc c3
				c0 2b 00 49 00 28 00 45 00 17 00 41 04
				2d d0 95 2d a4 64 b9 32 02 b0 67 c8 46 02 99 14 09 7c 18 87 d6 d0 68 d3 53 f8 be a9 19 88 05 19
				90 f7 26 f1 f2 73 9d 87 d6 f7 e6 3b 2b d0 45 d1 9d 69 40 e7 5f e8 ae 06 fd 04 b3 50 c5 bf 15 65`,
			version: 0x0304, suite: 0xc02b, ja3s: "772,49195,40",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := runConn(t, flight{0, clientHello}, flight{1, tlstest.Unhex(t, tt.record)})
			if c.ServerHello == nil {
				t.Fatalf("no ServerHello; notes %+v", c.Notes)
			}
			if c.Version != tt.version || c.CipherSuite != tt.suite || c.JA3SFull != tt.ja3s {
				t.Errorf("version %#04x suite %#04x JA3S %q, want %#04x %#04x %q",
					uint16(c.Version), uint16(c.CipherSuite), c.JA3SFull, uint16(tt.version), uint16(tt.suite), tt.ja3s)
			}
		})
	}
}

func TestConnMidstreamSingleRecords(t *testing.T) {
	// conformance/foxio-ja4/pcap/tls3.pcapng streams 4, 5, 15, 17, 18, 20,
	// 21, 24: the capture starts inside long-lived TLS 1.3 connections,
	// and each side sends one 54- or 56-byte application_data record (a
	// keep-alive) in one segment. tshark counts each record. Before the
	// fix, a single record that ends where the data ends was not taken as
	// TLS (recordChain wanted a second header), so such sides, and
	// connections made only of them, were missed.
	appData := func(n int) []byte {
		return append([]byte{0x17, 0x03, 0x03, 0, byte(n)}, make([]byte, n)...)
	}
	c, sink := runConn(t, flight{0, appData(54)}, flight{1, appData(56)})
	if !c.TLS || c.Records != [2]int{1, 1} || len(sink.records) != 2 {
		t.Errorf("TLS %v, records %v (%d events), want TLS with one record each way", c.TLS, c.Records, len(sink.records))
	}
	// Bytes that do not end with a record boundary are not enough.
	sink2 := &testSink{}
	c2 := NewStream(2, netip.MustParseAddrPort("10.0.0.1:50000"), netip.MustParseAddrPort("10.0.0.2:443"), time.Unix(1, 0), sink2)
	c2.Data(0, append(appData(54), 0x47), onePacket{})
	c2.Close("test", time.Unix(2, 0))
	if c2.IsTLS() {
		t.Error("a record followed by a byte that cannot start a record was taken as TLS")
	}
}

func TestConnServerHelloWithoutClientHello(t *testing.T) {
	// conformance/arkime/pcap/socks4-https.pcap: TLS through a SOCKS4
	// proxy; the capture lost the client's ClientHello (a gap after its
	// 38-byte SOCKS4 request), and the server's flight starts after its
	// 8-byte SOCKS4 reply. tshark dissects the server's ServerHello;
	// before the fix the connection was not found to be TLS, because with
	// no client known only a ClientHello or a record at offset 0 was
	// looked for.
	sink := &testSink{}
	c := NewStream(1, netip.MustParseAddrPort("10.0.0.1:50606"), netip.MustParseAddrPort("10.0.0.2:9901"), time.Unix(1, 0), sink)
	socksRequest := tlstest.Unhex(t, "04 01 01 bb 5d b8 d8 22 00") // CONNECT 93.184.216.34:443, empty user id
	c.Data(0, socksRequest, onePacket{})
	c.Gap(0, uint64(len(socksRequest)), 201, time.Unix(1, 0))
	server := append(tlstest.Unhex(t, "00 5a 01 bb 5d b8 d8 22"), tlstest.Unhex(t, tls10ServerHello)...)
	server = append(server, tlstest.Unhex(t, "16 03 01 00 04 0e 00 00 00")...)
	c.Data(1, server, onePacket{})
	c.Close("test", time.Unix(2, 0))
	if len(sink.ended) != 1 {
		t.Fatal("not reported as TLS")
	}
	if c.Client != netip.MustParseAddrPort("10.0.0.1:50606") || c.RolesGuessed {
		t.Errorf("client %v (guessed %v), want 10.0.0.1:50606 from the ServerHello", c.Client, c.RolesGuessed)
	}
	if c.Version != parser.VersionTLS10 || c.CipherSuite != 0x0005 || c.JA3SFull != "769,5," || c.Records != [2]int{0, 2} {
		t.Errorf("version %v suite %v JA3S %q records %v, want TLS 1.0, 0x0005, \"769,5,\", [0 2]", c.Version, c.CipherSuite, c.JA3SFull, c.Records)
	}
}

func TestConnClientOnlyTLS12ChangeCipherSpec(t *testing.T) {
	// conformance/ndpi/pcap/tls_1.2_unidirectional_client.pcapng: only
	// the client's side is captured. After its ClientKeyExchange and
	// change_cipher_spec, the Finished is encrypted (tshark: "Encrypted
	// Handshake Message"). Before the fix the change_cipher_spec was taken
	// for TLS 1.3's middlebox-compatibility one because no ServerHello had
	// been seen: the encrypted Finished was parsed as plaintext (here ten
	// hello_request messages; in the capture two and a bad_handshake
	// note) and the application data was marked unencrypted.
	clientHello := `16 03 01 00 2d 01 00 00 29 03 03` + strings.Repeat(" 00", 32) + ` 00 00 02 c0 2f 01 00`
	for _, tt := range []struct {
		name  string
		hello string
	}{
		{"client-key-exchange", clientHello}, // TLS 1.2 hello, then a ClientKeyExchange
		// A hello that offers TLS 1.3 (supported_versions 1.3, 1.2): the
		// ClientKeyExchange still tells TLS 1.2.
		{"offers-tls13", `16 03 01 00 38 01 00 00 34 03 03` + strings.Repeat(" 00", 32) +
			` 00 00 02 c0 2f 01 00 00 09 00 2b 00 05 04 03 04 03 03`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			client := tlstest.Unhex(t, tt.hello+`
				16 03 03 00 0a 10 00 00 06 05 01 02 03 04 05
				14 03 03 00 01 01
				16 03 03 00 28`+strings.Repeat(" 00", 40)+`
				17 03 03 00 10`+strings.Repeat(" 5a", 16))
			c, sink := runConn(t, flight{0, client})
			if len(sink.records) != 5 {
				t.Fatalf("%d records, want 5", len(sink.records))
			}
			for _, i := range []int{3, 4} {
				if e := sink.records[i]; !e.Opaque || len(e.Messages) != 0 {
					t.Errorf("record %d: opaque %v, %d messages; want opaque, none", i, e.Opaque, len(e.Messages))
				}
			}
			for _, n := range c.Notes {
				if n.Code == "bad_handshake" {
					t.Errorf("note %+v", n)
				}
			}
		})
	}
}
