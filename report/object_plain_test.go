package report

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/session"
)

// TestPlainJSONString: plainJSONString is true only when json.Marshal
// writes the string as it is between quotes, and for every printable
// ASCII byte json.Marshal leaves alone (DEL and non-ASCII bytes take the
// escaping path, which writes them right too), for every byte alone and in
// a longer string.
func TestPlainJSONString(t *testing.T) {
	for c := range 256 {
		for _, s := range []string{string([]byte{byte(c)}), "ab" + string([]byte{byte(c)}) + "cd"} {
			b, _ := json.Marshal(s)
			want := string(b) == `"`+s+`"`
			if c >= 0x7f {
				want = false // not claimed plain
			}
			if got := plainJSONString(s); got != want {
				t.Errorf("plainJSONString(%q) = %v, json.Marshal gives %s", s, got, b)
			}
		}
	}
	// Each byte in each of the eight lanes of a word, and in the tail.
	for c := range 256 {
		for pos := range 21 {
			b := []byte("0123456789abcdefABCDE")
			b[pos] = byte(c)
			s := string(b)
			j, _ := json.Marshal(s)
			want := string(j) == `"`+s+`"` && c < 0x7f
			if got := plainJSONString(s); got != want {
				t.Errorf("plainJSONString(%q) = %v, json.Marshal gives %s", s, got, j)
			}
		}
	}
	if !plainJSONString("") || !plainJSONString("TLS_AES_128_GCM_SHA256 771,4865-4866") {
		t.Error("plain strings not told plain")
	}
}

func BenchmarkPlainJSONString(b *testing.B) {
	hex := strings.Repeat("0123456789abcdef", 152) // an X25519MLKEM768 key share
	for _, s := range []string{"TLS_AES_128_GCM_SHA256", hex[:64], hex} {
		b.Run(strconv.Itoa(len(s)), func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				if !plainJSONString(s) {
					b.Fatal("not plain")
				}
			}
		})
	}
}

// TestNamesArePlain: every name and id of the code-point tables that the
// JSON writers append unchecked (appendPlain) is plain, for every value of
// its type, as are the record line's other unchecked strings.
func TestNamesArePlain(t *testing.T) {
	check := func(what string, n int, s func(int) string) {
		t.Helper()
		for i := range n {
			if v := s(i); !plainJSONString(v) {
				t.Errorf("%s %#x: %q is not plain", what, i, v)
				return
			}
		}
	}
	check("Version", 1<<16, func(i int) string { return parser.Version(i).String() })
	check("CipherSuite", 1<<16, func(i int) string { return parser.CipherSuite(i).String() })
	check("ExtensionType", 1<<16, func(i int) string { return parser.ExtensionType(i).String() })
	check("NamedGroup", 1<<16, func(i int) string { return parser.NamedGroup(i).String() })
	check("SignatureScheme", 1<<16, func(i int) string { return parser.SignatureScheme(i).String() })
	check("CertCompressionAlgorithm", 1<<16, func(i int) string { return parser.CertCompressionAlgorithm(i).String() })
	check("hex16", 1<<16, func(i int) string { return hex16(uint16(i)) })
	check("ContentType", 256, func(i int) string { return parser.ContentType(i).String() })
	check("HandshakeType", 256, func(i int) string { return parser.HandshakeType(i).String() })
	check("SSLv2MessageType", 256, func(i int) string { return parser.SSLv2MessageType(i).String() })
	check("CompressionMethod", 256, func(i int) string { return parser.CompressionMethod(i).String() })
	check("ECPointFormat", 256, func(i int) string { return parser.ECPointFormat(i).String() })
	check("PSKKeyExchangeMode", 256, func(i int) string { return parser.PSKKeyExchangeMode(i).String() })
	check("CertificateStatusType", 256, func(i int) string { return parser.CertificateStatusType(i).String() })
	check("HeartbeatMode", 256, func(i int) string { return parser.HeartbeatMode(i).String() })
	check("ECCurveType", 256, func(i int) string { return parser.ECCurveType(i).String() })
	check("hex8", 256, func(i int) string { return hex8(uint8(i)) })
	check("MACResult", 256, func(i int) string { return decrypt.MACResult(i).String() })
	check("Dir", 2, func(i int) string { return session.Dir(i).String() })
	for _, ts := range []time.Time{{}, time.Unix(0, 0), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600))} {
		if s := timeString(ts); !plainJSONString(s) {
			t.Errorf("timeString(%v) = %q is not plain", ts, s)
		}
	}
}
