package parser

import (
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// Conn tests built from the bytes of captures where the pipeline and
// tshark disagreed (internal/oracle); each names its capture.

// testSink keeps what a Conn reports.
type testSink struct {
	records []RecordEvent
	ended   []*Conn
}

func (s *testSink) Record(ev *RecordEvent) {
	e := *ev
	e.Record.Payload = append([]byte(nil), ev.Record.Payload...)
	s.records = append(s.records, e)
}
func (s *testSink) End(c *Conn) { s.ended = append(s.ended, c) }

// fixedPos puts every byte in packet 1.
type fixedPos struct{}

func (fixedPos) At(int) (time.Time, uint64) { return time.Unix(1, 0), 1 }

// unhex decodes hex written with spaces and newlines.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// flight is one side's bytes, delivered in one Data call.
type flight struct {
	side Side
	data []byte
}

// runConn feeds the flights to a new Conn (side 0 is the TCP initiator,
// 10.0.0.1:50000; side 1 is 10.0.0.2:443), closes it and returns it with
// its records. Data must consume whole flights except at the end.
func runConn(t *testing.T, flights ...flight) (*Conn, *testSink) {
	t.Helper()
	sink := &testSink{}
	c := NewConn(1, netip.MustParseAddrPort("10.0.0.1:50000"), netip.MustParseAddrPort("10.0.0.2:443"), time.Unix(1, 0), sink)
	var pending [2][]byte
	for _, f := range flights {
		pending[f.side] = append(pending[f.side], f.data...)
		n := c.Data(f.side, pending[f.side], fixedPos{})
		pending[f.side] = pending[f.side][n:]
	}
	c.Close("test", time.Unix(2, 0))
	if len(sink.ended) != 1 {
		t.Fatalf("End called %d times, want 1", len(sink.ended))
	}
	return c, sink
}

// sslv2ClientHello is the SSLv2-format ClientHello (version TLS 1.0, 29
// cipher specs, 32-byte challenge) of conformance/arkime/pcap/https2-301-get.pcap
// frame 4.
const sslv2ClientHello = `
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
		flight{0, unhex(t, sslv2ClientHello)},
		flight{1, unhex(t, tls10ServerHello)},
		flight{0, unhex(t, "14 03 01 00 01 01")},
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
	if c.Version != VersionTLS10 || c.CipherSuite != 0x0005 {
		t.Errorf("version %v suite %v, want TLS 1.0 and 0x0005", c.Version, c.CipherSuite)
	}
	if len(sink.records) != 3 || !sink.records[0].Record.SSLv2 || sink.records[0].Dir != ClientToServer {
		t.Errorf("first record = %+v, want the SSLv2 hello from the client", sink.records[0])
	}
}
