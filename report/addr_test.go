package report

import (
	"fmt"
	"net/netip"
	"testing"
)

func TestAppendAddrPort(t *testing.T) {
	for _, s := range []string{"10.0.0.1:443", "[::1]:0", "[2001:db8::1]:65535", "[::ffff:1.2.3.4]:80", "[fe80::1%eth0]:22"} {
		ap := netip.MustParseAddrPort(s)
		want := fmt.Sprintf("%s(%d)", ap.Addr(), ap.Port())
		if got := string(appendAddrPort(nil, ap)); got != want {
			t.Errorf("%s: got %q, want %q", s, got, want)
		}
	}
	if got, want := string(appendAddrPort(nil, netip.AddrPort{})), fmt.Sprintf("%s(%d)", netip.Addr{}, 0); got != want {
		t.Errorf("zero: got %q, want %q", got, want)
	}
}
