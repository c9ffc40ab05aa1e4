package tcp

import (
	"bytes"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/internal/testenv"
	"github.com/ssldissect/ssldissect/internal/tlstest"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// TestConnSSLv2Session: a whole SSL 2.0 session as a client and server
// that both speak SSL 2.0 exchange it. The hellos and the
// CLIENT-MASTER-KEY are messages; every record after the master key is
// opaque (SSL 2.0 is not decrypted); the connection is SSL 2.0 with the
// cipher kind of the master key and the server's certificate.
func TestConnSSLv2Session(t *testing.T) {
	cert := tlstest.Certs(t).RSA.Certificate[0]
	c, sink := runConn(t, sslv2SessionFlights(t)...)
	if c.Version != parser.VersionSSL20 || c.V2CipherSpec != 0x0700c0 || c.KeyExchange.Kind != "RSA" || c.Resumed {
		t.Errorf("version %v, cipher kind %v, key exchange %q, resumed %v", c.Version, c.V2CipherSpec, c.KeyExchange.Kind, c.Resumed)
	}
	if len(c.ServerCerts) != 1 || c.ServerCerts[0].SHA256 != parser.ParseCertInfo(cert).SHA256 {
		t.Errorf("server certificates %+v", c.ServerCerts)
	}
	if c.Records != [2]int{4, 3} || len(sink.records) != 7 {
		t.Fatalf("records %v (%d events), want [4 3]", c.Records, len(sink.records))
	}
	var got []string
	for _, ev := range sink.records {
		s := ev.Dir.String() + ":"
		for _, m := range ev.Messages {
			s += parser.MessageName(m)
		}
		if ev.Opaque {
			s += "opaque"
		}
		got = append(got, s)
	}
	want := []string{"c2s:client_hello", "s2c:sslv2_server_hello", "c2s:sslv2_client_master_key", "c2s:opaque", "s2c:opaque", "s2c:opaque", "c2s:opaque"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("records\n got %q\nwant %q", got, want)
	}
	if string(c.History) != "CsG" {
		t.Errorf("history %q", c.History)
	}
}

// TestConnSSLv2Resumed: on a session-id hit there is no
// CLIENT-MASTER-KEY; both directions are encrypted after the SERVER-HELLO.
func TestConnSSLv2Resumed(t *testing.T) {
	sid := bytes.Repeat([]byte{0x5e}, 16)
	c, sink := runConn(t,
		flight{0, tlstest.SSLv2Hello(t, parser.VersionSSL20, []uint32{0x010080}, sid, []byte("0123456789abcdef"))},
		flight{1, tlstest.SSLv2Rec(t, tlstest.SSLv2ServerHelloMsg(t, true, nil, nil, bytes.Repeat([]byte{0xc1}, 16)))},
		flight{0, tlstest.SSLv2Rec(t, append([]byte{2}, bytes.Repeat([]byte{0x77}, 30)...))},
		flight{1, tlstest.SSLv2Rec(t, append([]byte{0, 0}, bytes.Repeat([]byte{0x77}, 30)...))},
	)
	if c.Version != parser.VersionSSL20 || !c.Resumed || c.V2CipherSpec != 0 || c.ServerCerts != nil {
		t.Errorf("version %v resumed %v cipher kind %v certs %v", c.Version, c.Resumed, c.V2CipherSpec, c.ServerCerts)
	}
	for _, ev := range sink.records[2:] {
		if !ev.Opaque || len(ev.Messages) != 0 || len(ev.Notes) != 0 {
			t.Errorf("record after the hit: %+v", ev)
		}
	}
}

// TestConnSSLv2Error: a server that shares no cipher with the client
// answers with an ERROR in clear.
func TestConnSSLv2Error(t *testing.T) {
	c, sink := runConn(t,
		flight{0, tlstest.SSLv2Hello(t, parser.VersionSSL20, []uint32{0x060040}, nil, []byte("0123456789abcdef"))},
		flight{1, tlstest.Unhex(t, "8003 00 0001")},
	)
	if c.Records != [2]int{1, 1} || len(sink.records) != 2 {
		t.Fatalf("records %v", c.Records)
	}
	ev := sink.records[1]
	e, ok := func() (*parser.SSLv2Error, bool) {
		if len(ev.Messages) != 1 {
			return nil, false
		}
		e, ok := ev.Messages[0].(*parser.SSLv2Error)
		return e, ok
	}()
	if !ok || e.Code != parser.SSLv2ErrorNoCipher || ev.Opaque || ev.Dir != session.ServerToClient {
		t.Errorf("server record %+v", ev)
	}
	if string(c.History) != "Cl" {
		t.Errorf("history %q", c.History)
	}
}

// FuzzConnSSLv2Message: any SSLv2 message, as the server's answer to an
// SSLv2 hello and as the client's second record, never panics the Conn
// and the client's hello is always counted.
func FuzzConnSSLv2Message(f *testing.F) {
	testenv.SeedCorpus(f, "FuzzConnSSLv2Message")
	for _, fl := range sslv2SessionFlights(f) {
		if len(fl.data) > 2 {
			f.Add(fl.data[2:])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 || len(b) > 0x7fff {
			return
		}
		rec := append([]byte{0x80 | byte(len(b)>>8), byte(len(b))}, b...)
		sink := &testSink{}
		c := NewStream(1, netip.MustParseAddrPort("10.0.0.1:50000"), netip.MustParseAddrPort("10.0.0.2:443"), time.Unix(1, 0), sink)
		hello := tlstest.SSLv2Hello(t, parser.VersionSSL20, []uint32{0x010080}, nil, bytes.Repeat([]byte{1}, 16))
		c.Data(0, append(hello, rec...), onePacket{})
		c.Data(1, rec, onePacket{})
		c.Close("fuzz", time.Unix(2, 0))
		if !c.TLS || c.Records[session.ClientToServer] < 1 || c.Version == parser.VersionSSL20 && c.Records[session.ServerToClient] < 1 {
			t.Fatalf("TLS %v, version %v, records %v: the hello (and an SSL 2.0 server's answer) must be counted", c.TLS, c.Version, c.Records)
		}
	})
}
