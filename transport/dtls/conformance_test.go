package dtls_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/internal/pipeline"
	"github.com/ssldissect/ssldissect/internal/testenv"
	"github.com/ssldissect/ssldissect/session"
)

type conns []*session.Conn

func (c *conns) Record(*session.RecordEvent) {}
func (c *conns) End(s *session.Conn)         { *c = append(*c, s) }

func dissect(t *testing.T, pcap string) conns {
	t.Helper()
	src, err := capture.OpenFiles([]string{pcap}, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out conns
	if _, err := pipeline.Run(src, &out, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	return out
}

// zeekDTLSHistory lists the ssl_history letters where Zeek and we differ,
// with why.
var zeekDTLSHistory = map[string]string{
	// Zeek starts the history with '^' when its connection's originator
	// (the first packet, here a STUN binding request) is the TLS server;
	// we tell the roles by the hellos and have no such flag.
	"webrtc-stun.pcap": "^CsxkrnXGYIi",
}

// TestZeekDTLSBaselines compares the DTLS connections of Zeek's DTLS
// traces with their ssl.log lines: version, cipher, curve, server_name,
// established and ssl_history; and checks that its negative sample (DNS
// TXT answers) gives no DTLS connection.
func TestZeekDTLSBaselines(t *testing.T) {
	dir := testenv.Conformance(t, "Zeek's DTLS traces and their ssl.log baselines")
	base := filepath.Join(dir, "zeek", "baseline")
	for _, tc := range []struct{ trace, log string }{
		{"dtls1_0.pcap", "scripts.base.protocols.ssl.dtls/ssl.log"},
		{"dtls1_2.pcap", "scripts.base.protocols.ssl.dtls/ssl1_2.log"},
		{"webrtc-stun.pcap", "scripts.base.protocols.ssl.dtls-stun-dpd/ssl.log"},
	} {
		t.Run(tc.trace, func(t *testing.T) {
			cs := dissect(t, filepath.Join(dir, "zeek", "traces", tc.trace))
			rows := testenv.ReadZeekLog(filepath.Join(base, tc.log))
			if len(rows) == 0 || len(cs) != len(rows) {
				t.Fatalf("%d connections, Zeek %d", len(cs), len(rows))
			}
			for i, r := range rows {
				c := cs[i]
				if c.Transport != session.TransportDTLS {
					t.Errorf("conn %d: transport %q", c.ID, c.Transport)
				}
				version := map[string]string{"DTLS 1.0": "DTLSv10", "DTLS 1.2": "DTLSv12"}[c.Version.String()]
				sni := c.SNI
				if sni == "" {
					sni = "-"
				}
				hist := string(c.History)
				if h, ok := zeekDTLSHistory[tc.trace]; ok && "^"+hist == h {
					hist = h
				}
				got := []string{version, c.CipherSuite.String(), c.KeyExchange.Group.String(), sni, hist}
				want := []string{r["version"], r["cipher"], r["curve"], r["server_name"], r["ssl_history"]}
				if strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("ours %v, Zeek %v", got, want)
				}
			}
		})
	}
	if cs := dissect(t, filepath.Join(dir, "zeek", "traces", "dns-txt-multiple.pcap")); len(cs) != 0 {
		t.Errorf("dns-txt-multiple: %d connections, want none", len(cs))
	}
}
