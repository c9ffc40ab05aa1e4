package session_test

import (
	"crypto/tls"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

type sink struct {
	events []session.RecordEvent
	ended  []*session.Conn
}

func (s *sink) Record(ev *session.RecordEvent) { s.events = append(s.events, *ev) }
func (s *sink) End(c *session.Conn)            { s.ended = append(s.ended, c) }

// clientHelloRecord returns the first record crypto/tls's client sends.
func clientHelloRecord(t *testing.T) parser.Record {
	return clientHelloRecordConfig(t, &tls.Config{ServerName: "engine.example", NextProtos: []string{"h2", "http/1.1"}})
}

func clientHelloRecordConfig(t *testing.T, cfg *tls.Config) parser.Record {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go tls.Client(a, cfg).Handshake()
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(b, hdr); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5+(int(hdr[3])<<8|int(hdr[4])))
	copy(buf, hdr)
	if _, err := io.ReadFull(b, buf[5:]); err != nil {
		t.Fatal(err)
	}
	rec, _, err := parser.ParseRecord(buf)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestTransportInterface feeds a Conn without any TCP: one ClientHello as a
// framed record (as TCP does), and the same hello as the handshake bytes of
// two QUIC packets at the Initial level (as CRYPTO frames bring it). Both
// give the same hello fields and fingerprints; each packet is an event.
func TestTransportInterface(t *testing.T) {
	rec := clientHelloRecord(t)
	client, server := netip.MustParseAddrPort("192.0.2.1:50000"), netip.MustParseAddrPort("192.0.2.2:443")
	t0 := time.Unix(1700000000, 0)

	var viaRecord, viaBytes sink
	c1 := session.NewConn(1, t0, &viaRecord)
	c1.SetEndpoints(client, server, false)
	c1.BeginTLS()
	c1.Record(session.ClientToServer, rec, session.Position{Time: t0, Packet: 1})
	c1.End("fin", t0.Add(time.Second))

	c2 := session.NewConn(2, t0, &viaBytes)
	c2.SetEndpoints(client, server, false)
	c2.BeginTLS()
	half := len(rec.Payload) / 2
	for i, part := range [][]byte{rec.Payload[:half], rec.Payload[half:]} {
		hs := []session.QUICHandshake{{Level: session.LevelInitial, Data: part}}
		c2.QUICPacket(session.ClientToServer, &session.QUICPacket{}, hs, session.Position{Time: t0, Packet: uint64(i + 1)})
	}
	c2.End("fin", t0.Add(time.Second))

	for _, c := range []*session.Conn{c1, c2} {
		if c.ClientHello == nil || c.SNI != "engine.example" || len(c.ALPNOffered) != 2 || c.JA3 == "" || c.JA4 == "" || string(c.History) != "C" {
			t.Errorf("conn %d: hello %v sni %q alpn %q ja3 %q ja4 %q history %q", c.ID, c.ClientHello != nil, c.SNI, c.ALPNOffered, c.JA3, c.JA4, c.History)
		}
		if c.Client != client || c.Server != server || c.RolesGuessed {
			t.Errorf("conn %d: endpoints %v %v guessed %v", c.ID, c.Client, c.Server, c.RolesGuessed)
		}
	}
	if c1.JA3 != c2.JA3 || c1.JA4 != c2.JA4 {
		t.Errorf("fingerprints differ: record %q %q, bytes %q %q", c1.JA3, c1.JA4, c2.JA3, c2.JA4)
	}
	if c1.Records[session.ClientToServer] != 1 || c2.Records[session.ClientToServer] != 2 {
		t.Errorf("records: %v via records, %v via QUIC packets (counted as records)", c1.Records, c2.Records)
	}
	if len(viaRecord.events) != 1 || len(viaRecord.events[0].Messages) != 1 {
		t.Fatalf("record path: %d events", len(viaRecord.events))
	}
	if len(viaBytes.events) != 2 || len(viaBytes.events[0].Messages) != 0 || len(viaBytes.events[1].Messages) != 1 {
		t.Fatalf("bytes path: %d events, the message must complete in the second", len(viaBytes.events))
	}
	if len(viaRecord.ended) != 1 || len(viaBytes.ended) != 1 {
		t.Errorf("End: %d and %d calls", len(viaRecord.ended), len(viaBytes.ended))
	}
}

// TestHelloRetryRequestHistoryCapped: once History is full, the letter a
// HelloRetryRequest rewrites was never appended, and no other letter is
// overwritten (the letter before it stays).
func TestHelloRetryRequestHistoryCapped(t *testing.T) {
	var s sink
	c := session.NewConn(1, time.Unix(1, 0), &s)
	c.SetEndpoints(netip.MustParseAddrPort("192.0.2.1:50000"), netip.MustParseAddrPort("192.0.2.2:443"), false)
	c.BeginTLS()
	rec := clientHelloRecord(t)
	c.Record(session.ClientToServer, rec, session.Position{})
	// Fill the history with client change_cipher_spec letters.
	ccs := parser.Record{Type: parser.ContentTypeChangeCipherSpec, Version: parser.VersionTLS12, Payload: []byte{1}}
	for len(c.History) < session.MaxHistory {
		c.Record(session.ClientToServer, ccs, session.Position{})
	}
	// A HelloRetryRequest: a ServerHello whose random is the RFC 8446
	// section 4.1.3 constant, with supported_versions TLS 1.3.
	hrr := []byte{2, 0, 0, 0, 3, 3}
	hrr = append(hrr, 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
		0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c)
	hrr = append(hrr, 0, 0x13, 0x01, 0, 0, 6, 0, 0x2b, 0, 2, 3, 4)
	n := len(hrr) - 4
	hrr[1], hrr[2], hrr[3] = byte(n>>16), byte(n>>8), byte(n)
	c.Record(session.ServerToClient, parser.Record{Type: parser.ContentTypeHandshake, Version: parser.VersionTLS12, Payload: hrr}, session.Position{})
	if !c.HelloRetryRequest {
		t.Fatalf("the HelloRetryRequest was not recognised; notes %v", c.Notes)
	}
	if len(c.History) != session.MaxHistory || c.History[len(c.History)-1] != 'I' {
		t.Errorf("history %q: its last letter was overwritten", c.History[len(c.History)-5:])
	}
}

// TestNoKeysWithoutServerHello: protected records after a ClientHello whose
// ServerHello was not seen say that the ServerHello is missing, not that
// the cipher suite cannot be decrypted (there is no suite yet).
func TestNoKeysWithoutServerHello(t *testing.T) {
	var s sink
	c := session.NewConn(1, time.Unix(1, 0), &s)
	c.SetEndpoints(netip.MustParseAddrPort("192.0.2.1:50000"), netip.MustParseAddrPort("192.0.2.2:443"), false)
	c.SetKeys(decrypt.NewKeyStore())
	c.BeginTLS()
	c.Record(session.ClientToServer, clientHelloRecordConfig(t, &tls.Config{ServerName: "a.example", MaxVersion: tls.VersionTLS12}), session.Position{})
	// The client's change_cipher_spec and its encrypted Finished.
	c.Record(session.ClientToServer, parser.Record{Type: parser.ContentTypeChangeCipherSpec, Version: parser.VersionTLS12, Payload: []byte{1}}, session.Position{})
	c.Record(session.ClientToServer, parser.Record{Type: parser.ContentTypeHandshake, Version: parser.VersionTLS12, Payload: make([]byte, 40)}, session.Position{})
	var got []string
	for _, n := range c.Notes {
		if n.Code == session.NoteNoKeys {
			got = append(got, n.Detail)
		}
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "no ServerHello seen") || strings.Contains(got[0], "cipher suite cannot") {
		t.Errorf("no_keys notes %q", got)
	}
}

// TestAlertsCapped: 100,000 alert records on one connection keep the
// first MaxAlerts alerts, count the rest, and note it once; the history
// stays capped too.
func TestAlertsCapped(t *testing.T) {
	var s sink
	c := session.NewConn(1, time.Unix(1, 0), &s)
	c.SetEndpoints(netip.MustParseAddrPort("192.0.2.1:50000"), netip.MustParseAddrPort("192.0.2.2:443"), false)
	c.BeginTLS()
	c.Record(session.ClientToServer, clientHelloRecord(t), session.Position{})
	alert := parser.Record{Type: parser.ContentTypeAlert, Version: parser.VersionTLS12, Payload: []byte{1, 0}}
	const n = 100_000
	for range n {
		c.Record(session.ServerToClient, alert, session.Position{})
	}
	if len(c.Alerts) != session.MaxAlerts || c.Dropped.Alerts != n-session.MaxAlerts {
		t.Errorf("%d alerts kept, %d dropped", len(c.Alerts), c.Dropped.Alerts)
	}
	var notes int
	for _, nt := range c.Notes {
		if nt.Code == session.NoteAlertsTruncated {
			notes++
		}
	}
	if notes != 1 || len(c.History) > session.MaxHistory {
		t.Errorf("%d alerts_truncated notes, history %d letters", notes, len(c.History))
	}
}
