package report

import (
	"net/netip"
	"testing"

	"github.com/ssldissect/ssldissect/session"
)

// TestConnectionCommunityID checks the transport's protocol number goes
// into the hash: TCP for TLS, UDP for QUIC and DTLS (values from the
// spec's baseline/README.md tables, both directions).
func TestConnectionCommunityID(t *testing.T) {
	a := netip.MustParseAddrPort("1.2.3.4:1122")
	b := netip.MustParseAddrPort("5.6.7.8:3344")
	for _, tc := range []struct{ transport, want string }{
		{session.TransportTCP, "1:wCb3OG7yAFWelaUydu0D+125CLM="},
		{session.TransportQUIC, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="},
		{session.TransportDTLS, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="},
	} {
		for _, ends := range [][2]netip.AddrPort{{a, b}, {b, a}} {
			c := &session.Conn{Client: ends[0], Server: ends[1], Transport: tc.transport}
			if got := ConnectionOf(c).CommunityID; got != tc.want {
				t.Errorf("%q %v > %v: %s, want %s", tc.transport, ends[0], ends[1], got, tc.want)
			}
		}
	}
}
