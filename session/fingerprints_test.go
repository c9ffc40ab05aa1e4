package session

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/ssldissect/ssldissect/fingerprint"
)

// TestFingerprintCacheKey holds the fingerprint cache's keys to the
// fingerprint inputs: the key covers every field of ClientInput and
// ServerInput (a field added to them fails here until the key has it),
// and the one field it leaves out, the SNI's value, changes no
// fingerprint.
func TestFingerprintCacheKey(t *testing.T) {
	fields := func(v any) []string {
		var out []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			out = append(out, rt.Field(i).Name)
		}
		return out
	}
	if got, want := fields(fingerprint.ClientInput{}), []string{"Transport", "SSLv2", "Version", "CipherSuites", "Extensions", "SupportedGroups", "ECPointFormats", "SignatureAlgorithms", "ALPN", "SupportedVersions", "SNI"}; !slices.Equal(got, want) {
		t.Errorf("ClientInput fields %v, the key knows %v", got, want)
	}
	if got, want := fields(fingerprint.ServerInput{}), []string{"Transport", "Version", "CipherSuite", "Extensions", "SelectedVersion", "ALPN"}; !slices.Equal(got, want) {
		t.Errorf("ServerInput fields %v, the key knows %v", got, want)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		a := randomClientInput(r)
		b := *a
		b.SNI = "other-" + a.SNI
		if a.SNI == "" {
			continue
		}
		ja3a, _ := fingerprint.JA3(a)
		ja3b, _ := fingerprint.JA3(&b)
		if ja3a != ja3b || fingerprint.JA4(a) != fingerprint.JA4(&b) {
			t.Fatalf("the SNI's value changed a fingerprint: %+v", a)
		}
	}
}

// TestFingerprintCache: the cached fingerprints are those computed
// directly, for random hellos each seen twice (the second time from the
// cache), and hellos that differ in any field read get keys of their
// own.
func TestFingerprintCache(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	h0, m0 := clientFPs.stats()
	var ins []*fingerprint.ClientInput
	for range 300 {
		ins = append(ins, randomClientInput(r))
	}
	for round := range 2 {
		for _, in := range ins {
			got := clientFingerprintsOf(in)
			var want clientFP
			want.ja3Full, want.ja3 = fingerprint.JA3(in)
			want.ja4 = fingerprint.JA4(in)
			if got != want {
				t.Fatalf("round %d: %+v, want %+v for %+v", round, got, want, in)
			}
		}
	}
	if h, m := clientFPs.stats(); h-h0 < 300 || m-m0 > 300 {
		t.Errorf("%d hits and %d misses for 300 hellos seen twice", h-h0, m-m0)
	}
	for range 100 {
		s := &fingerprint.ServerInput{Transport: "tqd"[r.IntN(3)], Version: uint16(r.IntN(4)) + 0x0301, CipherSuite: uint16(r.IntN(8)) + 0x1301,
			Extensions: randomList(r, 4), SelectedVersion: uint16(r.IntN(2)) * 0x0304, ALPN: []string{"", "h2", "http/1.1"}[r.IntN(3)]}
		for range 2 {
			got := serverFingerprintsOf(s)
			var want serverFP
			want.ja3sFull, want.ja3s = fingerprint.JA3S(s)
			want.ja4s = fingerprint.JA4S(s)
			if got != want {
				t.Fatalf("%+v, want %+v for %+v", got, want, s)
			}
		}
	}
	// One field changed, one key changed.
	base := randomClientInput(r)
	base.SNI = "x.example"
	variants := []func(*fingerprint.ClientInput){
		func(c *fingerprint.ClientInput) { c.Transport ^= 1 },
		func(c *fingerprint.ClientInput) { c.SSLv2 = !c.SSLv2 },
		func(c *fingerprint.ClientInput) { c.Version++ },
		func(c *fingerprint.ClientInput) { c.CipherSuites = append(slices.Clone(c.CipherSuites), 1) },
		func(c *fingerprint.ClientInput) { c.Extensions = append(slices.Clone(c.Extensions), 1) },
		func(c *fingerprint.ClientInput) { c.SupportedGroups = append(slices.Clone(c.SupportedGroups), 1) },
		func(c *fingerprint.ClientInput) { c.ECPointFormats = append(slices.Clone(c.ECPointFormats), 1) },
		func(c *fingerprint.ClientInput) {
			c.SignatureAlgorithms = append(slices.Clone(c.SignatureAlgorithms), 1)
		},
		func(c *fingerprint.ClientInput) { c.ALPN = append(slices.Clone(c.ALPN), "x") },
		func(c *fingerprint.ClientInput) { c.SupportedVersions = append(slices.Clone(c.SupportedVersions), 1) },
		func(c *fingerprint.ClientInput) { c.SNI = "" },
		// Values moved from one list to the next.
		func(c *fingerprint.ClientInput) {
			c.CipherSuites = append(slices.Clone(c.CipherSuites), 7)
			c.Extensions = append([]uint16{}, c.Extensions[1:]...)
		},
	}
	k0, _ := clientFPKey(nil, base)
	for i, f := range variants {
		v := *base
		f(&v)
		if k, _ := clientFPKey(nil, &v); string(k) == string(k0) {
			t.Errorf("variant %d: same key", i)
		}
	}
}

func randomList(r *rand.Rand, max int) []uint16 {
	l := make([]uint16, r.IntN(max+1))
	for i := range l {
		l[i] = []uint16{0x0a0a, 0, 5, 10, 11, 13, 16, 23, 43, 45, 51, 0x1301, 0xc02f, 0x0403}[r.IntN(14)]
	}
	return l
}

func randomClientInput(r *rand.Rand) *fingerprint.ClientInput {
	in := &fingerprint.ClientInput{
		Transport:           "tqd"[r.IntN(3)],
		SSLv2:               r.IntN(10) == 0,
		Version:             0x0300 + uint16(r.IntN(4)),
		CipherSuites:        randomList(r, 6),
		Extensions:          append([]uint16{0}, randomList(r, 6)...),
		SupportedGroups:     randomList(r, 3),
		SignatureAlgorithms: randomList(r, 3),
		SupportedVersions:   randomList(r, 2),
		SNI:                 []string{"", "a.example", "b.example"}[r.IntN(3)],
	}
	for range r.IntN(3) {
		in.ECPointFormats = append(in.ECPointFormats, uint8(r.IntN(3)))
	}
	for range r.IntN(3) {
		in.ALPN = append(in.ALPN, []string{"h2", "http/1.1", "\x0a\x0a"}[r.IntN(3)])
	}
	return in
}

// BenchmarkClientFingerprints: JA3 and JA4 of a Go crypto/tls-like hello,
// from the cache and computed.
func BenchmarkClientFingerprints(b *testing.B) {
	in := &fingerprint.ClientInput{Transport: 't', Version: 0x0303,
		CipherSuites:        []uint16{0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014, 0x1301, 0x1302, 0x1303},
		Extensions:          []uint16{0, 11, 65281, 23, 18, 5, 10, 13, 50, 43, 51},
		SupportedGroups:     []uint16{29, 23, 24, 25},
		ECPointFormats:      []uint8{0},
		SignatureAlgorithms: []uint16{0x0804, 0x0403, 0x0807, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0503, 0x0603, 0x0201, 0x0203},
		SupportedVersions:   []uint16{0x0304, 0x0303}, SNI: "bench.example"}
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			clientFingerprintsOf(in)
		}
	})
	b.Run("computed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			fingerprint.JA3(in)
			fingerprint.JA4(in)
		}
	})
}
