package fingerprint

import (
	"crypto/md5"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ssldissect/ssldissect/internal/testenv"
	"golang.org/x/crypto/cryptobyte"
)

// The JA4 example ClientHello of JA4.md ("Cipher hash", "Extension hash",
// "Example", "Raw Output"), with GREASE values added where Chrome puts
// them: the results must not change.
func ja4SpecHello() *ClientInput {
	return &ClientInput{
		Transport: 't',
		Version:   0x0303,
		CipherSuites: []uint16{0x2a2a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
			0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035},
		Extensions: []uint16{0x1a1a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d,
			0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0xfafa},
		SupportedGroups:     []uint16{0x4a4a, 0x001d, 0x0017, 0x0018},
		ECPointFormats:      []uint8{0},
		SignatureAlgorithms: []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601},
		ALPN:                []string{"h2", "http/1.1"},
		SupportedVersions:   []uint16{0x6a6a, 0x0304, 0x0303},
		SNI:                 "example.com",
	}
}

func TestJA3(t *testing.T) {
	tests := []struct {
		name string
		in   ClientInput
		full string
		hash string
	}{
		{
			// salesforce/ja3 README "How it works", first example.
			name: "readme-with-extensions",
			in: ClientInput{
				Version:         769,
				CipherSuites:    []uint16{47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4},
				Extensions:      []uint16{0, 10, 11},
				SupportedGroups: []uint16{23, 24, 25},
				ECPointFormats:  []uint8{0},
			},
			full: "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0",
			hash: "ada70206e40642a3e4461f35503241d5",
		},
		{
			// salesforce/ja3 README: "If there are no SSL Extensions in the
			// Client Hello, the fields are left empty."
			name: "readme-no-extensions",
			in: ClientInput{
				Version:      769,
				CipherSuites: []uint16{4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99},
			},
			full: "769,4-5-10-9-100-98-3-6-19-18-99,,,",
			hash: "de350869b8c85de67a350c8d186f11e6",
		},
		{
			// GREASE is removed from ciphers, extensions and groups; the
			// point formats are kept as sent (they cannot be GREASE).
			name: "grease-removed",
			in: ClientInput{
				Version:         769,
				CipherSuites:    []uint16{0x0a0a, 47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4},
				Extensions:      []uint16{0xdada, 0, 10, 0xeaea, 11},
				SupportedGroups: []uint16{0xbaba, 23, 24, 25},
				ECPointFormats:  []uint8{0},
			},
			full: "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0",
			hash: "ada70206e40642a3e4461f35503241d5",
		},
		{
			// The version is legacy_version, not supported_versions: a
			// TLS 1.3 hello says 771 (conformance/TSHARK_JA3.tsv,
			// arkime/pcap/badcurveball.pcap frame 4).
			name: "tls13-uses-legacy-version",
			in: ClientInput{
				Version: 0x0303,
				CipherSuites: []uint16{4865, 4866, 4867, 49195, 49199, 49196, 49200, 52393, 52392,
					49171, 49172, 156, 157, 47, 53, 10},
				Extensions:        []uint16{0, 23, 65281, 10, 11, 35, 16, 5, 13, 18, 51, 45, 43, 27, 21},
				SupportedGroups:   []uint16{29, 23, 24},
				ECPointFormats:    []uint8{0},
				SupportedVersions: []uint16{0x0304, 0x0303},
			},
			full: "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53-10,0-23-65281-10-11-35-16-5-13-18-51-45-43-27-21,29-23-24,0",
			hash: "66918128f1b9b03303d77c6f2eefd128",
		},
		{
			name: "point-formats-multiple",
			in: ClientInput{
				Version:         771,
				CipherSuites:    []uint16{49195},
				Extensions:      []uint16{11},
				SupportedGroups: nil,
				ECPointFormats:  []uint8{0, 1, 2},
			},
			full: "771,49195,11,,0-1-2",
		},
		{
			name: "empty",
			full: "0,,,,",
		},
		{
			// No JA3 for SSLv2-format hellos: tshark gives none for the
			// SSLv2 ClientHellos of conformance/wireshark-notes/all/dump.pcapng.
			name: "sslv2-format",
			in:   ClientInput{SSLv2: true, Version: 0x0303, CipherSuites: []uint16{4, 255}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			full, hash := JA3(&tt.in)
			if full != tt.full {
				t.Errorf("JA3 full = %q, want %q", full, tt.full)
			}
			want := tt.hash
			if want == "" && tt.full != "" {
				want = md5Hex(tt.full)
			}
			if hash != want {
				t.Errorf("JA3 hash = %s, want %s", hash, want)
			}
		})
	}
}

func TestJA3S(t *testing.T) {
	// Expected values from conformance/TSHARK_JA3.tsv (tshark 4.0.17).
	tests := []struct {
		name string
		in   ServerInput
		full string
		hash string
	}{
		{
			name: "tls12-badcurveball",
			in:   ServerInput{Version: 771, CipherSuite: 49195, Extensions: []uint16{0, 65281, 11, 35, 16}},
			full: "771,49195,0-65281-11-35-16",
			hash: "2d1eb5817ece335c24904f516ad5da12",
		},
		{
			// TLS 1.3: legacy_version 771, not the supported_versions value.
			name: "tls13-legacy-version",
			in:   ServerInput{Version: 771, CipherSuite: 4866, Extensions: []uint16{51, 43}, SelectedVersion: 0x0304},
			full: "771,4866,51-43",
			hash: "907bf3ecef1c987c889946b737b43de8",
		},
		{
			// salesforce/ja3 python/ja3s.py keeps every extension type.
			name: "grease-kept",
			in:   ServerInput{Version: 771, CipherSuite: 4865, Extensions: []uint16{0x2a2a, 43}},
			full: "771,4865,10794-43",
		},
		{
			name: "sslv3-no-extensions",
			in:   ServerInput{Version: 768, CipherSuite: 5},
			full: "768,5,",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			full, hash := JA3S(&tt.in)
			if full != tt.full {
				t.Errorf("JA3S full = %q, want %q", full, tt.full)
			}
			want := tt.hash
			if want == "" {
				want = md5Hex(tt.full)
			}
			if hash != want {
				t.Errorf("JA3S hash = %s, want %s", hash, want)
			}
		})
	}
}

// TestJA4SpecExample checks every published output of JA4.md for its
// example hello.
func TestJA4SpecExample(t *testing.T) {
	h := ja4SpecHello()
	checks := []struct{ name, got, want string }{
		{"ja4", JA4(h), "t13d1516h2_8daaf6152771_e5627efa2ab1"},
		{"ja4_r", JA4Raw(h, false), "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601"},
		{"ja4_ro", JA4Raw(h, true), "t13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015_0403,0804,0401,0503,0805,0501,0806,0601"},
		{"ja4_o", ja4Hashed(h, true), "t13d1516h2_acb858a92679_18f69afefd3d"},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got  %s\nwant %s", c.got, c.want)
			}
		})
	}
	// The inputs are not modified.
	if !slices.Equal(h.CipherSuites, ja4SpecHello().CipherSuites) || !slices.Equal(h.Extensions, ja4SpecHello().Extensions) {
		t.Error("JA4 modified its input")
	}
}

// TestJA4Hashes checks the hashed strings quoted in JA4.md on their own.
func TestJA4Hashes(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"cipher-hash", "002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9", "8daaf6152771"},
		{"extension-hash", "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601", "e5627efa2ab1"},
		{"extension-hash-no-sigalgs", "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01", "6d807ffa2a79"},
		{"ja4s-extension-hash", "0005,0017,ff01,0000", "4e8089b08790"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fpHash12(tt.in); got != tt.want {
				t.Errorf("fpHash12(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestJA4Cases(t *testing.T) {
	spec := ja4SpecHello
	tests := []struct {
		name  string
		in    func() *ClientInput
		ja4   string
		ja4r  string // optional
		ja4ro string // optional
	}{
		{
			// JA4.md "Extension hash": no signature algorithms, so no
			// trailing underscore; the spec gives 6d807ffa2a79.
			name: "no-signature-algorithms",
			in: func() *ClientInput {
				h := spec()
				h.SignatureAlgorithms = nil
				return h
			},
			ja4:  "t13d1516h2_8daaf6152771_6d807ffa2a79",
			ja4r: "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01",
		},
		{
			// JA4.md "SNI": no server_name extension gives 'i'; the
			// extension count drops by one, the hash does not change.
			name: "no-sni",
			in: func() *ClientInput {
				h := spec()
				h.SNI = ""
				h.Extensions = slices.DeleteFunc(h.Extensions, func(e uint16) bool { return e == 0 })
				return h
			},
			ja4: "t13i1515h2_8daaf6152771_e5627efa2ab1",
		},
		{
			// JA4.md "ALPN Extension Value": no ALPN gives "00"; the count
			// includes ALPN, the hash never did.
			name: "no-alpn",
			in: func() *ClientInput {
				h := spec()
				h.ALPN = nil
				h.Extensions = slices.DeleteFunc(h.Extensions, func(e uint16) bool { return e == 0x10 })
				return h
			},
			ja4: "t13d151500_8daaf6152771_e5627efa2ab1",
		},
		{
			name: "alpn-http11",
			in: func() *ClientInput {
				h := spec()
				h.ALPN = []string{"http/1.1", "h2"}
				return h
			},
			ja4: "t13d1516h1_8daaf6152771_e5627efa2ab1",
		},
		{
			// JA4.md: "If the first ALPN value is only a single character,
			// then that character is treated as both the first and last".
			name: "alpn-one-character",
			in: func() *ClientInput {
				h := spec()
				h.ALPN = []string{"x"}
				return h
			},
			ja4: "t13d1516xx_8daaf6152771_e5627efa2ab1",
		},
		{
			// The non-ASCII ALPN of foxio-ja4/pcap/tls-non-ascii-alpn.pcapng
			// (bytes 0xba 0xad): hex "baad" gives "bd".
			name: "alpn-non-ascii",
			in: func() *ClientInput {
				h := spec()
				h.ALPN = []string{"\xba\xad", "http/1.1"}
				return h
			},
			ja4: "t13d1516bd_8daaf6152771_e5627efa2ab1",
		},
		{
			name: "alpn-first-empty",
			in: func() *ClientInput {
				h := spec()
				h.ALPN = []string{"", "h2"}
				return h
			},
			ja4: "t13d151600_8daaf6152771_e5627efa2ab1",
		},
		{
			// supported_versions absent: the legacy version.
			name: "tls12-legacy-version",
			in: func() *ClientInput {
				h := spec()
				h.SupportedVersions = nil
				return h
			},
			ja4: "t12d1516h2_8daaf6152771_e5627efa2ab1",
		},
		{
			// JA4.md "TLS and DTLS Version": the highest value, not the
			// first one.
			name: "supported-versions-highest-not-first",
			in: func() *ClientInput {
				h := spec()
				h.SupportedVersions = []uint16{0x0301, 0x0302, 0x0303, 0x0304, 0x8a8a}
				return h
			},
			ja4: "t13d1516h2_8daaf6152771_e5627efa2ab1",
		},
		{
			name: "quic",
			in: func() *ClientInput {
				h := spec()
				h.Transport = 'q'
				return h
			},
			ja4: "q13d1516h2_8daaf6152771_e5627efa2ab1",
		},
		{
			// Only SNI and ALPN: counted, but the sorted list is empty, so
			// JA4_c is 000000000000 (JA4.md "Extension hash").
			name: "only-sni-and-alpn",
			in: func() *ClientInput {
				return &ClientInput{
					Transport:    't',
					Version:      0x0303,
					CipherSuites: []uint16{0xc02f},
					Extensions:   []uint16{0x0000, 0x0010},
					ALPN:         []string{"h2"},
					SNI:          "a.example",
				}
			},
			ja4:   "t12d0102h2_" + fpHash12("c02f") + "_000000000000",
			ja4r:  "t12d0102h2_c02f_",
			ja4ro: "t12d0102h2_c02f_0000,0010",
		},
		{
			// JA4.md "Cipher hash": no ciphers give 000000000000.
			name: "empty",
			in:   func() *ClientInput { return &ClientInput{} },
			ja4:  "t00i000000_000000000000_000000000000",
			ja4r: "t00i000000__",
		},
		{
			// JA4.md "Number of Ciphers": "If there's > 99 ... output 99".
			name: "counts-capped-at-99",
			in: func() *ClientInput {
				h := &ClientInput{Transport: 't', Version: 0x0301}
				for i := range 150 {
					h.CipherSuites = append(h.CipherSuites, uint16(0x0100+i))
					h.Extensions = append(h.Extensions, uint16(0x0100+i))
				}
				return h
			},
			ja4: "t10i999900_" + fpHash12(hexRange(0x0100, 150)) + "_" + fpHash12(hexRange(0x0100, 150)),
		},
		{
			// SSLv2-format ClientHello of an SSLv2-only client: version
			// 0x0002, no extensions (JA4.md table: 0x0002 = "s2").
			name: "sslv2",
			in: func() *ClientInput {
				return &ClientInput{Transport: 't', SSLv2: true, Version: 0x0002, CipherSuites: []uint16{0x0001, 0x0003}}
			},
			ja4: "ts2i020000_" + fpHash12("0001,0003") + "_000000000000",
		},
		{
			// JA4.md "Number of Ciphers": SCSV values are counted and hashed.
			name: "scsv-counted",
			in: func() *ClientInput {
				return &ClientInput{Transport: 't', Version: 0x0303,
					CipherSuites: []uint16{0x5600, 0xc02f, 0x00ff}, Extensions: []uint16{0x000d},
					SignatureAlgorithms: []uint16{0x0401}}
			},
			ja4:  "t12i030100_" + fpHash12("00ff,5600,c02f") + "_" + fpHash12("000d_0401"),
			ja4r: "t12i030100_00ff,5600,c02f_000d_0401",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.ja4
			if got := JA4(tt.in()); got != want {
				t.Errorf("JA4  = %s\nwant   %s", got, want)
			}
			if tt.ja4r != "" {
				if got := JA4Raw(tt.in(), false); got != tt.ja4r {
					t.Errorf("JA4_r = %s\nwant    %s", got, tt.ja4r)
				}
			}
			if tt.ja4ro != "" {
				if got := JA4Raw(tt.in(), true); got != tt.ja4ro {
					t.Errorf("JA4_ro = %s\nwant     %s", got, tt.ja4ro)
				}
			}
		})
	}
}

func TestJA4Version(t *testing.T) {
	tests := []struct {
		name      string
		transport byte
		legacy    uint16
		supported []uint16
		want      string
	}{
		{"tls13", 't', 0x0303, []uint16{0x0304}, "13"},
		{"tls12", 't', 0x0303, nil, "12"},
		{"tls11", 't', 0x0302, nil, "11"},
		{"tls10", 't', 0x0301, nil, "10"},
		{"ssl3", 't', 0x0300, nil, "s3"},
		{"ssl2", 't', 0x0002, nil, "s2"},
		{"unknown-legacy", 't', 0x0305, nil, "00"},
		// A TLS 1.3 draft version is the numerically highest: unknown.
		{"draft-highest", 't', 0x0303, []uint16{0x7f1c, 0x0304, 0x0303}, "00"},
		{"grease-only", 't', 0x0303, []uint16{0x0a0a}, "12"},
		{"dtls10", 'd', 0xfeff, nil, "d1"},
		{"dtls12", 'd', 0xfefd, nil, "d2"},
		{"dtls13", 'd', 0xfefd, []uint16{0x2a2a, 0xfefc, 0xfefd}, "d3"},
		{"dtls13-reverse", 'd', 0xfefd, []uint16{0xfefd, 0xfefc}, "d3"},
		{"quic", 'q', 0x0303, []uint16{0x0304}, "13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &ClientInput{Transport: tt.transport, Version: tt.legacy, SupportedVersions: tt.supported}
			if got := JA4(h)[1:3]; got != tt.want {
				t.Errorf("version chars = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestALPNChars(t *testing.T) {
	// JA4.md "ALPN Extension Value", its examples first.
	tests := []struct{ name, in, want string }{
		{"spec-ab", "\xab", "ab"},
		{"spec-ab-cd", "\xab\xcd", "ad"},
		{"spec-30-ab", "\x30\xab", "3b"},
		{"spec-30-31-ab-cd", "\x30\x31\xab\xcd", "3d"},
		{"spec-30-ab-cd-31", "\x30\xab\xcd\x31", "01"},
		{"h2", "h2", "h2"},
		{"http/1.1", "http/1.1", "h1"},
		{"one-char", "h", "hh"},
		{"one-digit", "3", "33"},
		{"one-non-alnum", "/", "2f"},
		{"empty", "", "00"},
		{"upper-case", "HTTP/1.1", "H1"},
		{"utf8", "é", "c9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fpALPNChars(tt.in); got != tt.want {
				t.Errorf("fpALPNChars(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestGREASE(t *testing.T) {
	n := 0
	for v := range 0x10000 {
		if fpIsGREASE(uint16(v)) {
			n++
			if v>>8 != v&0xff || v&0x0f != 0x0a {
				t.Errorf("0x%04x taken as GREASE", v)
			}
		}
	}
	if n != 16 {
		t.Errorf("%d GREASE values, RFC 8701 reserves 16", n)
	}
}

func TestJA4S(t *testing.T) {
	tests := []struct {
		name string
		in   ServerInput
		ja4s string
		raw  string
	}{
		{
			// JA4S.md example.
			name: "spec-example",
			in:   ServerInput{Transport: 't', Version: 0x0303, CipherSuite: 0xc030, Extensions: []uint16{0x0005, 0x0017, 0xff01, 0x0000}},
			ja4s: "t120400_c030_4e8089b08790",
			raw:  "t120400_c030_0005,0017,ff01,0000",
		},
		{
			// supported_versions selects TLS 1.3 (foxio-ja4 expectations
			// for tls-non-ascii-alpn.pcapng).
			name: "tls13",
			in:   ServerInput{Transport: 't', Version: 0x0303, CipherSuite: 0x1301, Extensions: []uint16{0x0033, 0x002b}, SelectedVersion: 0x0304},
			ja4s: "t130200_1301_234ea6891581",
			raw:  "t130200_1301_0033,002b",
		},
		{
			// Extensions stay in wire order: a different order is a
			// different JA4S.
			name: "tls13-other-order",
			in:   ServerInput{Transport: 't', Version: 0x0303, CipherSuite: 0x1301, Extensions: []uint16{0x002b, 0x0033}, SelectedVersion: 0x0304},
			ja4s: "t130200_1301_a56c5b993250",
			raw:  "t130200_1301_002b,0033",
		},
		{
			name: "alpn-h2",
			in:   ServerInput{Transport: 't', Version: 0x0303, CipherSuite: 0xc02f, Extensions: []uint16{0x0000, 0x000b, 0xff01, 0x0010, 0x0023, 0x0017}, ALPN: "h2"},
			ja4s: "t1206h2_c02f_" + fpHash12("0000,000b,ff01,0010,0023,0017"),
			raw:  "t1206h2_c02f_0000,000b,ff01,0010,0023,0017",
		},
		{
			// No extensions: 000000000000, as for every empty JA4 list.
			name: "no-extensions",
			in:   ServerInput{Transport: 't', Version: 0x0300, CipherSuite: 0x0005},
			ja4s: "ts30000_0005_000000000000",
			raw:  "ts30000_0005_",
		},
		{
			name: "quic",
			in:   ServerInput{Transport: 'q', Version: 0x0303, CipherSuite: 0x1301, Extensions: []uint16{0x0033, 0x002b}, SelectedVersion: 0x0304},
			ja4s: "q130200_1301_234ea6891581",
		},
		{
			name: "dtls12",
			in:   ServerInput{Transport: 'd', Version: 0xfefd, CipherSuite: 0xc02b, Extensions: []uint16{0xff01}},
			ja4s: "dd20100_c02b_" + fpHash12("ff01"),
		},
		{
			name: "unknown-transport-is-t",
			in:   ServerInput{Transport: 0, Version: 0x0303, CipherSuite: 0xc030, Extensions: []uint16{0x0005, 0x0017, 0xff01, 0x0000}},
			ja4s: "t120400_c030_4e8089b08790",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := JA4S(&tt.in); got != tt.ja4s {
				t.Errorf("JA4S   = %s, want %s", got, tt.ja4s)
			}
			if tt.raw != "" {
				if got := JA4SRaw(&tt.in); got != tt.raw {
					t.Errorf("JA4S_r = %s, want %s", got, tt.raw)
				}
			}
		})
	}
}

// TestFingerprintCrafted runs odd inputs under recover(): nil pointers,
// huge lists, every byte value as ALPN.
func TestFingerprintCrafted(t *testing.T) {
	big := make([]uint16, 0xffff)
	for i := range big {
		big[i] = uint16(len(big) - i)
	}
	hellos := map[string]*ClientInput{
		"nil":          nil,
		"zero":         {},
		"huge-lists":   {CipherSuites: big, Extensions: big, SignatureAlgorithms: big, SupportedVersions: big, SupportedGroups: big},
		"all-grease":   {CipherSuites: []uint16{0x0a0a, 0xfafa}, Extensions: []uint16{0x1a1a}, SupportedVersions: []uint16{0x2a2a}},
		"alpn-empty":   {ALPN: []string{""}},
		"alpn-control": {ALPN: []string{"\x00\xff"}},
	}
	for name, h := range hellos {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic: %v", r)
				}
			}()
			checkHelloInvariants(t, h)
		})
	}
	servers := map[string]*ServerInput{
		"nil":  nil,
		"zero": {},
		"huge": {Extensions: big, ALPN: strings.Repeat("\xff", 255)},
	}
	for name, s := range servers {
		t.Run("server-"+name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic: %v", r)
				}
			}()
			checkServerInvariants(t, s)
		})
	}
}

var (
	ja4Shape  = regexp.MustCompile(`^[tqd](13|12|11|10|s3|s2|d1|d2|d3|00)[di][0-9]{4}[0-9A-Za-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$`)
	ja4sShape = regexp.MustCompile(`^[tqd](13|12|11|10|s3|s2|d1|d2|d3|00)[0-9]{2}[0-9A-Za-z]{2}_[0-9a-f]{4}_[0-9a-f]{12}$`)
	ja3Shape  = regexp.MustCompile(`^[0-9]+,[0-9-]*,[0-9-]*,[0-9-]*,[0-9-]*$`)
	ja3sShape = regexp.MustCompile(`^[0-9]+,[0-9]+,[0-9-]*$`)
)

// checkHelloInvariants checks the shape of every client fingerprint, that
// the hashed and raw forms agree, and that JA4 does not depend on the order
// of ciphers and extensions.
func checkHelloInvariants(t *testing.T, h *ClientInput) {
	t.Helper()
	full, hash := JA3(h)
	if h != nil && h.SSLv2 {
		if full != "" || hash != "" {
			t.Errorf("JA3 of an SSLv2 hello = %q %q, want empty", full, hash)
		}
	} else if !ja3Shape.MatchString(full) || hash != md5Hex(full) {
		t.Errorf("JA3 = %q %q: bad shape or hash", full, hash)
	}
	ja4 := JA4(h)
	if !ja4Shape.MatchString(ja4) {
		t.Errorf("JA4 = %q: bad shape", ja4)
	}
	for _, original := range []bool{false, true} {
		raw := JA4Raw(h, original)
		hashed := ja4Hashed(h, original)
		if raw[:10] != hashed[:10] || hashed[:10] != ja4[:10] {
			t.Errorf("JA4 prefixes differ: %q %q %q", ja4, raw, hashed)
		}
		parts := strings.SplitN(raw[11:], "_", 2)
		if len(parts) != 2 {
			t.Fatalf("JA4Raw = %q: want 3 sections", raw)
		}
		if want := hashOrZeros(parts[0]); hashed[11:23] != want {
			t.Errorf("JA4_b = %s, want %s from raw %q", hashed[11:23], want, parts[0])
		}
		exts, _, _ := strings.Cut(parts[1], "_")
		want := hashOrZeros(parts[1])
		if exts == "" {
			want = fpEmptyHash
		}
		if hashed[24:] != want {
			t.Errorf("JA4_c = %s, want %s from raw %q", hashed[24:], want, parts[1])
		}
	}
	if h != nil {
		r := *h
		r.CipherSuites = slices.Clone(h.CipherSuites)
		r.Extensions = slices.Clone(h.Extensions)
		slices.Reverse(r.CipherSuites)
		slices.Reverse(r.Extensions)
		if got := JA4(&r); got != ja4 {
			t.Errorf("JA4 depends on order: %s vs %s", got, ja4)
		}
	}
}

func checkServerInvariants(t *testing.T, s *ServerInput) {
	t.Helper()
	full, hash := JA3S(s)
	if !ja3sShape.MatchString(full) || hash != md5Hex(full) {
		t.Errorf("JA3S = %q %q: bad shape or hash", full, hash)
	}
	ja4s := JA4S(s)
	if !ja4sShape.MatchString(ja4s) {
		t.Errorf("JA4S = %q: bad shape", ja4s)
	}
	raw := JA4SRaw(s)
	if raw[:12] != ja4s[:12] || hashOrZeros(raw[13:]) != ja4s[13:] {
		t.Errorf("JA4S %q does not match JA4S_r %q", ja4s, raw)
	}
}

func hashOrZeros(s string) string {
	if s == "" {
		return fpEmptyHash
	}
	return fpHash12(s)
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func hexRange(start uint16, n int) string {
	vs := make([]uint16, n)
	for i := range vs {
		vs[i] = start + uint16(i)
	}
	return fpHexList(vs)
}

// Fuzz input encoding: a hello then a server hello, each field read with
// cryptobyte; a short input leaves the remaining fields empty.
//
//	transport u8, flags u8 (bit 0: SSLv2), version u16,
//	ciphers, extensions, groups: u16-length-prefixed u16 lists,
//	point formats: u8-length-prefixed bytes,
//	signature algorithms: u16-length-prefixed u16 list,
//	ALPN: u16-length-prefixed list of u8-length-prefixed strings,
//	supported versions: u8-length-prefixed u16 list,
//	SNI: u16-length-prefixed string,
//	server: transport u8, version u16, cipher u16, extensions (u16 list),
//	selected version u16, ALPN (u8-length-prefixed string).
func encodeFuzzInput(h *ClientInput, s *ServerInput) []byte {
	var b cryptobyte.Builder
	u16s := func(b *cryptobyte.Builder, vs []uint16) {
		for _, v := range vs {
			b.AddUint16(v)
		}
	}
	b.AddUint8(h.Transport)
	flags := uint8(0)
	if h.SSLv2 {
		flags = 1
	}
	b.AddUint8(flags)
	b.AddUint16(h.Version)
	for _, l := range [][]uint16{h.CipherSuites, h.Extensions, h.SupportedGroups} {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { u16s(b, l) })
	}
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(h.ECPointFormats) })
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { u16s(b, h.SignatureAlgorithms) })
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, p := range h.ALPN {
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(p)) })
		}
	})
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { u16s(b, h.SupportedVersions) })
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(h.SNI)) })
	b.AddUint8(s.Transport)
	b.AddUint16(s.Version)
	b.AddUint16(s.CipherSuite)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { u16s(b, s.Extensions) })
	b.AddUint16(s.SelectedVersion)
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(s.ALPN)) })
	return b.BytesOrPanic()
}

func decodeFuzzInput(data []byte) (*ClientInput, *ServerInput) {
	h, s := &ClientInput{}, &ServerInput{}
	in := cryptobyte.String(data)
	u16s := func(l cryptobyte.String) []uint16 {
		var vs []uint16
		var v uint16
		for l.ReadUint16(&v) {
			vs = append(vs, v)
		}
		return vs
	}
	var flags uint8
	var l cryptobyte.String
	if !in.ReadUint8(&h.Transport) || !in.ReadUint8(&flags) || !in.ReadUint16(&h.Version) {
		return h, s
	}
	h.SSLv2 = flags&1 != 0
	for _, dst := range []*[]uint16{&h.CipherSuites, &h.Extensions, &h.SupportedGroups} {
		if !in.ReadUint16LengthPrefixed(&l) {
			return h, s
		}
		*dst = u16s(l)
	}
	var pf []byte
	if !in.ReadUint8LengthPrefixed((*cryptobyte.String)(&pf)) {
		return h, s
	}
	h.ECPointFormats = pf
	if !in.ReadUint16LengthPrefixed(&l) {
		return h, s
	}
	h.SignatureAlgorithms = u16s(l)
	if !in.ReadUint16LengthPrefixed(&l) {
		return h, s
	}
	for !l.Empty() {
		var p cryptobyte.String
		if !l.ReadUint8LengthPrefixed(&p) {
			break
		}
		h.ALPN = append(h.ALPN, string(p))
	}
	if !in.ReadUint8LengthPrefixed(&l) {
		return h, s
	}
	h.SupportedVersions = u16s(l)
	if !in.ReadUint16LengthPrefixed(&l) {
		return h, s
	}
	h.SNI = string(l)
	if !in.ReadUint8(&s.Transport) || !in.ReadUint16(&s.Version) || !in.ReadUint16(&s.CipherSuite) ||
		!in.ReadUint16LengthPrefixed(&l) {
		return h, s
	}
	s.Extensions = u16s(l)
	if !in.ReadUint16(&s.SelectedVersion) || !in.ReadUint8LengthPrefixed(&l) {
		return h, s
	}
	s.ALPN = string(l)
	return h, s
}

func TestFuzzEncodingRoundTrip(t *testing.T) {
	h := ja4SpecHello()
	s := &ServerInput{Transport: 't', Version: 0x0303, CipherSuite: 0x1301, Extensions: []uint16{0x33, 0x2b}, SelectedVersion: 0x0304, ALPN: "h2"}
	h2, s2 := decodeFuzzInput(encodeFuzzInput(h, s))
	if JA4Raw(h, true) != JA4Raw(h2, true) || JA4SRaw(s) != JA4SRaw(s2) {
		t.Fatalf("round trip changed the input:\n%s\n%s", JA4Raw(h2, true), JA4SRaw(s2))
	}
	if a, _ := JA3(h); a != func() string { x, _ := JA3(h2); return x }() {
		t.Fatal("round trip changed JA3")
	}
}

// FuzzFingerprint feeds random hellos to every fingerprint function: none
// may panic, and the outputs keep their fixed shapes.
func FuzzFingerprint(f *testing.F) {
	testenv.SeedCorpus(f, "FuzzFingerprint")
	server := &ServerInput{Transport: 't', Version: 0x0303, CipherSuite: 0xc030, Extensions: []uint16{0x0005, 0x0017, 0xff01, 0x0000}}
	for _, h := range []*ClientInput{
		ja4SpecHello(),
		{Transport: 'q', Version: 0x0303, SupportedVersions: []uint16{0x0304}, ALPN: []string{"h3"}, CipherSuites: []uint16{0x1301}},
		{Transport: 'd', Version: 0xfefd, SupportedVersions: []uint16{0xfefc, 0xfefd}, ALPN: []string{"\xba\xad"}},
		{SSLv2: true, Version: 0x0002, CipherSuites: []uint16{1, 2, 3}},
		{Version: 769, CipherSuites: []uint16{47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4}, Extensions: []uint16{0, 10, 11}, SupportedGroups: []uint16{23, 24, 25}, ECPointFormats: []uint8{0}},
	} {
		f.Add(encodeFuzzInput(h, server))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, s := decodeFuzzInput(data)
		checkHelloInvariants(t, h)
		checkServerInvariants(t, s)
	})
}

// ---------------------------------------------------------------------------
