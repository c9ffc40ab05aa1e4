package report

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

func TestZeekTSVValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		vals []zv
		want string
	}{
		{"unset", []zv{{}}, "-"},
		{"empty string", []zv{zs("")}, "(empty)"},
		{"empty vector", []zv{zl(nil)}, "(empty)"},
		{"vector", []zv{zl([]string{"a", "b,c"})}, `a,b\x2cc`},
		{"tab and backslash", []zv{zs("a\tb\\c")}, `a\x09b\x5cc`},
		{"control and bad UTF-8", []zv{zs("a\x01\xffé")}, `a\x01\xffé`},
		{"a lone dash", []zv{zs("-")}, `\x2d`},
		{"literal (empty)", []zv{zs("(empty)")}, `\x28empty)`},
		{"bool and count", []zv{zb(true), zb(false), zc(443)}, "T\tF\t443"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(appendZeekTSV(nil, tc.vals)); got != tc.want+"\n" {
				t.Errorf("%q, want %q", got, tc.want+"\n")
			}
		})
	}
}

func TestZeekJSONValues(t *testing.T) {
	cols := cols("ts", "time", "id.orig_p", "port", "s", "string", "b", "bool", "v", "vector[count]", "e", "vector[string]", "u", "string")
	vals := []zv{zt(time.Unix(1334102677, 0)), zc(443), zs("a\"b"), zb(true), zcounts([]uint16{1, 2}), zl(nil), {}}
	want := `{"ts":1334102677.0,"id.orig_p":443,"s":"a\"b","b":true,"v":[1,2],"e":[]}` + "\n"
	if got := string(appendZeekJSON(nil, cols, vals)); got != want {
		t.Errorf("%s, want %s", got, want)
	}
	if got := zeekJSONTime("1437831787.861602"); got != "1437831787.861602" {
		t.Errorf("time %s", got)
	}
}

func TestZeekTime(t *testing.T) {
	if got := zeekTime(time.Unix(1334102677, 5000)); got != "1334102677.000005" {
		t.Errorf("%s", got)
	}
}

func TestZeekVersion(t *testing.T) {
	for v, want := range map[parser.Version]string{
		parser.VersionTLS12: "TLSv12", parser.VersionTLS13: "TLSv13", parser.VersionDTLS12: "DTLSv12",
		parser.VersionDTLS13: "DTLSv13", parser.VersionSSL30: "SSLv3", 0x7f17: "TLSv13-draft23",
		0x7f10: "TLSv13-draft16", 0x7e01: "unknown-32257",
	} {
		if got := ZeekVersion(v); got != want {
			t.Errorf("%#x: %s, want %s", uint16(v), got, want)
		}
	}
}

func TestZeekUID(t *testing.T) {
	c := &session.Conn{Client: netip.MustParseAddrPort("10.0.0.1:40000"), Server: netip.MustParseAddrPort("10.0.0.2:443"),
		Start: time.Unix(1, 0)}
	a, b := ZeekUID(c), ZeekUID(c)
	if a != b || !strings.HasPrefix(a, "C") || len(a) < 2 || len(a) > 18 {
		t.Errorf("uid %q, %q", a, b)
	}
	c.Transport = session.TransportQUIC
	if ZeekUID(c) == a {
		t.Errorf("the transport is not part of the uid")
	}
}

func TestZeekHeaderLines(t *testing.T) {
	h := ZeekHeader("quic", ZeekQUICColumns, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	want := "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tquic\n#open\t2026-01-02-03-04-05\n" +
		"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tclient_initial_dcid\tclient_scid\tserver_scid\tserver_name\tclient_protocol\thistory\n" +
		"#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tstring\tstring\tstring\n"
	if h != want {
		t.Errorf("%q\nwant %q", h, want)
	}
}

func TestCertMatchesHost(t *testing.T) {
	ci := &parser.CertInfo{Subject: "CN=example.org", SAN: []string{"*.gstatic.com", "gstatic.com", "10.0.0.1"}}
	for host, want := range map[string]bool{"ssl.gstatic.com": true, "gstatic.com": true, "a.b.gstatic.com": false, "example.org": false} {
		if got := certMatchesHost(ci, host); got != want {
			t.Errorf("%s: %v", host, got)
		}
	}
	if !certMatchesHost(&parser.CertInfo{Subject: "CN=Bro,O=x"}, "bro") {
		t.Errorf("CN without SANs")
	}
}
