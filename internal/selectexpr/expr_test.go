package selectexpr

import (
	"net/netip"
	"strings"
	"testing"
)

// conn13 is a settled TLS 1.3 connection.
func conn13() *Conn {
	return &Conn{
		SNI: "www.Example.com", Cipher: "TLS_AES_128_GCM_SHA256", CipherID: 0x1301, ALPN: "http/1.1",
		JA3: "771,4865-4866,0-11,29-23,0", JA4: "t13d1516h2_8daaf6152771_e5627efa2ab1",
		JA3S: "15af977ce25de452b96affa2addb1036", JA4S: "t130200_1301_234ea6891581",
		Transport: "tcp", Version: vTLS13,
		Client: netip.MustParseAddrPort("192.168.1.10:51234"), Server: netip.MustParseAddrPort("10.1.2.3:443"),
		Notes: []string{"gap", "bad_certificate"}, Decrypted: true, Final: All,
	}
}

func TestEval(t *testing.T) {
	v6 := conn13()
	v6.Client = netip.MustParseAddrPort("[2001:db8::1]:40000")
	v6.Server = netip.MustParseAddrPort("[::ffff:10.9.9.9]:8443")
	dtls := conn13()
	dtls.Version, dtls.Transport = vDTLS12, "dtls"
	old := conn13()
	old.Version, old.Notes, old.Decrypted, old.Resumed = vSSL30, nil, false, true
	tests := []struct {
		c    *Conn
		expr string
		want bool
	}{
		{conn13(), "sni == www.example.com", true},
		{conn13(), "SNI == WWW.EXAMPLE.COM", true},
		{conn13(), `sni == "*.example.com"`, true},
		{conn13(), "sni == *.example.org", false},
		{conn13(), "sni == w?w.*", true},
		{conn13(), "sni == [uvw]ww.*", true},
		{conn13(), "sni == [^w]ww.*", false},
		{conn13(), "sni != *.example.com", false},
		{conn13(), "sni =~ ^WWW", false}, // case-sensitive
		{conn13(), `sni =~ "Example"`, true},
		{conn13(), `sni =~ "(?i)EXAMPLE"`, true},
		{conn13(), "sni", true},
		{&Conn{Final: All}, "sni", false},
		{&Conn{Final: All}, `sni == ""`, true},
		{conn13(), "version == TLS1.3", true},
		{conn13(), `version == "TLS 1.3"`, true},
		{conn13(), "version == TLS 1.3", true},
		{conn13(), "version >= tls 1.2", true},
		{conn13(), "version < TLS1.2", false},
		{old, "version < TLS1.0", true},
		{old, "version > SSL2", true},
		{old, "version <= SSL 3.0 and version >= ssl3", true},
		{dtls, "version == DTLS1.2", true},
		{dtls, "version == TLS1.2", false},
		{dtls, "version >= TLS1.2", true},
		{dtls, "version < DTLS 1.3", true},
		{dtls, "version > DTLS 1.0", true},
		{conn13(), "version == 0x0304", true},
		{conn13(), `version =~ "^TLS 1\.[23]$"`, true},
		{conn13(), "cipher == tls_aes_128_gcm_sha256", true},
		{conn13(), "cipher == *CHACHA20*", false},
		{conn13(), "cipher_id == 0x1301", true},
		{conn13(), "cipher_id == 4865", true},
		{conn13(), "cipher_id > 0x1301", false},
		{conn13(), "alpn == http/*", true},
		{conn13(), "alpn == h2", false},
		{conn13(), "ja3 == 771,4865-4866,0-11,29-23,0", true},
		{conn13(), "ja4 == t13d*", true},
		{conn13(), "ja3s == 15AF977CE25DE452B96AFFA2ADDB1036", true},
		{conn13(), "ja4s != t130200_1301_234ea6891581", false},
		{conn13(), "client == 192.168.1.10:51234", true},
		{conn13(), "server == *:443", true},
		{conn13(), "server == 10.1.2.3:444", false},
		{conn13(), "client_ip == 192.168.1.10", true},
		{conn13(), "server_ip in 10.0.0.0/8", true},
		{conn13(), "server_ip == 10.0.0.0/8", true},
		{conn13(), "client_ip in 10.0.0.0/8", false},
		{conn13(), "server_ip == 10.1.*", true},
		{conn13(), "server_ip =~ ^10\\.", true},
		{conn13(), "ip in 192.168.0.0/16", true},
		{conn13(), "ip == 10.1.2.3", true},
		{conn13(), "ip != 10.1.2.3", false},
		{conn13(), "client_port > 50000", true},
		{conn13(), "server_port == 443", true},
		{conn13(), "port == 443", true},
		{conn13(), "port < 1024", true},
		{conn13(), "port == 80", false},
		{v6, "client_ip in 2001:db8::/32", true},
		{v6, "server_ip == 10.9.9.9", true}, // mapped addresses compare as IPv4
		{v6, "server_ip in 10.0.0.0/8", true},
		{v6, "client == [2001:db8::1]:40000", true},
		{v6, "server == 10.9.9.9:8443", true},
		{v6, `client == \[2001:db8::*\]:4*`, true},
		{v6, `client == [2001:db8::*]:4*`, false}, // [...] is a set: one byte
		{conn13(), "transport == tcp", true},
		{dtls, "transport == dtls", true},
		{conn13(), "note == gap", true},
		{conn13(), "note == bad_*", true},
		{conn13(), "note == resync", false},
		{conn13(), "note != resync", true},
		{conn13(), "note != gap", false},
		{conn13(), "note", true},
		{old, "note", false},
		{old, "not note", true},
		{conn13(), "decrypted", true},
		{conn13(), "decrypted == false", false},
		{conn13(), "decrypted != false", true},
		{old, "decrypted == no", true},
		{old, "resumed", true},
		{conn13(), "not resumed", true},
		{conn13(), "!resumed", true},
		// Precedence: not binds tighter than and, and tighter than or.
		{conn13(), "sni == x or sni == www.example.com and port == 443", true},
		{conn13(), "(sni == x or sni == www.example.com) and port == 80", false},
		{conn13(), "sni == x or sni == www.example.com and port == 80", false},
		{conn13(), "sni == www.example.com or sni == x and port == 80", true},
		{conn13(), "not sni == x and port == 443", true},
		{conn13(), "not (sni == www.example.com and port == 443)", false},
		{conn13(), "!(port == 80) && (decrypted || resumed)", true},
		{conn13(), "not not decrypted", true},
		{conn13(), "decrypted and port == 443", true},
		{conn13(), "resumed or sni", true},
		{conn13(), "resumed and sni", false},
		{conn13(), "decrypted AND resumed OR note", true},
		{conn13(), "(decrypted) and (not resumed)", true},
		{conn13(), "sni==www.example.com&&port==443", true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Eval(tt.c); got != triOf(tt.want) {
				t.Errorf("Eval = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestUnknown: a field not settled leaves the answer unknown unless the
// rest decides it, and monotonic fields decide as far as they go.
func TestUnknown(t *testing.T) {
	hello := conn13()
	hello.Final = Endpoints | Of(FieldTransport, FieldSNI, FieldJA3, FieldJA4)
	hello.Version, hello.Decrypted, hello.Notes = 0x0303, false, nil // not final: not looked at
	noted := conn13()
	noted.Final = Endpoints
	tests := []struct {
		c    *Conn
		expr string
		want Tri
	}{
		{hello, "sni == www.example.com", True},
		{hello, "sni == other", False},
		{hello, "version == TLS1.2", Unknown},
		{hello, "version == TLS1.2 and sni == other", False},
		{hello, "version == TLS1.2 or sni == www.*", True},
		{hello, "not version == TLS1.2", Unknown},
		{hello, "decrypted", Unknown},
		{hello, "not decrypted", Unknown},
		{hello, "note", Unknown},
		{hello, "port == 443", True},
		{noted, "note == gap", True}, // a note seen stays seen
		{noted, "note == resync", Unknown},
		{noted, "note != gap", False},
		{noted, "decrypted", True},
		{noted, "not decrypted", False},
		{noted, "resumed", Unknown},
		{noted, "cipher == *", Unknown},
		{noted, "sni", Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Eval(tt.c); got != tt.want {
				t.Errorf("Eval = %v, want %v", got, tt.want)
			}
			// Once every field is final, the answer is known.
			c := *tt.c
			c.Final = All
			if got := e.Eval(&c); got == Unknown {
				t.Errorf("Eval with every field final = unknown")
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"", "column 1: empty expression"},
		{"   ", "column 1: empty expression"},
		{"sni ==", `column 7: expected a value after "=="`},
		{"version == ", `column 12: expected a value after "=="`},
		{"sni == )", `column 8: expected a value after "=="`},
		{"snii == x", `column 1: unknown field "snii" (did you mean sni?)`},
		{"hostname == x", `column 1: unknown field "hostname" (the fields: sni, version`},
		{"sni = x", `column 5: "=" alone: use "==" to compare`},
		{"sni == x & port == 1", `column 10: '&' alone: use "&&"`},
		{"sni == x | port == 1", `column 10: '|' alone: use "||"`},
		{"sni x", `column 5: expected an operator (== != =~ < <= > >= in), "and", "or" or ")" after sni, found "x"`},
		{"(sni == x", `column 1: "(" not closed`},
		{"sni == x)", `column 9: ")" without a matching "("`},
		{"(sni == x y)", `column 11: expected "and", "or" or ")", found "y"`},
		{"sni == x and", "column 13: expected a field, found the end"},
		{"and sni == x", `column 1: unknown field "and"`},
		{"sni == x or or", `column 13: unknown field "or"`},
		{"== x", `column 1: expected a field, found "=="`},
		{`sni == "abc`, `column 8: string not closed: no " after this one`},
		{"sni < 3", `column 5: sni does not take "<": a string compares with ==, != or =~`},
		{"sni in 10.0.0.0/8", `column 5: sni does not take "in"`},
		{"port == https", `column 9: port is a number from 0 to 65535 (decimal or 0x hex), not "https"`},
		{"port < 70000", `column 8: port is a number from 0 to 65535`},
		{"version >= TLS1.4", `column 12: unknown version "TLS1.4"`},
		{"version > 0x1234", `column 11: version "0x1234" has no order`},
		{"server_ip in foo", `column 14: expected a CIDR prefix after "in" (e.g. 10.0.0.0/8), not "foo"`},
		{"server_ip in 10.0.0.0/33", `column 14: expected a CIDR prefix`},
		{"server_ip < 10.0.0.1", `column 11: server_ip does not take "<"`},
		{"decrypted == maybe", `column 14: decrypted is true or false, not "maybe"`},
		{"decrypted < 1", `column 11: decrypted does not take "<"`},
		{"decrypted =~ x", `column 11: decrypted does not take "=~"`},
		{"sni =~ \"(\"", "column 8: bad regular expression: missing closing )"},
		{"sni == [abc", `column 8: bad pattern "[abc": unclosed '[' or trailing '\' at byte 1`},
		{"client == 1.2.3.4:[", `column 11: "1.2.3.4:[" is no ip:port or pattern`},
		{"sni == x )", `column 10: ")" without a matching "("`},
		{strings.Repeat("(", MaxDepth+1) + "sni" + strings.Repeat(")", MaxDepth+1), "nested more than 64 deep"},
		{strings.Repeat("not ", MaxDepth+1) + "sni", "nested more than 64 deep"},
		{strings.Repeat("x", MaxLen+1), "column 4097: expression longer than 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := Parse(tt.expr)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want %q", err, tt.want)
			}
			if _, ok := err.(*Error); !ok {
				t.Errorf("error is %T, not *Error", err)
			}
		})
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		p, s string
		want bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything/at all", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"*.example.com", "example.com", false},
		{"*.example.com", "a.b.example.com", true},
		{"?", "", false},
		{"??", "ab", true},
		{"[a-c]x", "Bx", true},
		{"[!a-c]x", "dx", true},
		{"[!a-c]x", "ax", false},
		{"[]]", "]", true},
		{`\*`, "*", true},
		{`\*`, "a", false},
		{"A*", "abc", true},
		{"*a*a*a*a*a*b", strings.Repeat("a", 200), false},
	}
	for _, tt := range tests {
		if checkGlob(tt.p) >= 0 {
			t.Errorf("checkGlob(%q) refuses it", tt.p)
			continue
		}
		if got := globMatch(tt.p, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.p, tt.s, got, tt.want)
		}
	}
}
