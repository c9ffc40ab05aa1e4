package decrypt

import (
	"bytes"
	"testing"

	"github.com/ssldissect/ssldissect/internal/testenv"
)

// FuzzECH feeds one input to each ECH decoder: ParseECHConfig and
// ParseECHConfigList; OpenECH of the input as an outer ClientHello under a
// fixed secret and ECHConfig; and the EncodedClientHelloInner decoder
// (padding, ech_outer_extensions expansion) against a fixed outer hello,
// which the AEAD keeps the fuzzer from reaching through OpenECH.
// Invariants: no panic; the input is not modified; a decoded inner hello
// is one whole ClientHello message, its extensions at most the inner's
// plus the outer's, its size at most the input's plus the outer hello's.
func FuzzECH(f *testing.F) {
	testenv.SeedCorpus(f, "FuzzECH")
	cfg := echTestConfig(f)
	outerExts := []testExt{extSNIOuter, extGroups, extSigAlgs, extKeyShare, extVersions}
	enc := encodedInner(nil, []testExt{extSNIInner, outerRefs(10, 13), extECHInner, outerRefs(51)}, make([]byte, 5))
	outerMsg := sealedOuter(f, cfg, echTestSuite, echTestConfigID, outerExts, enc, 0)
	f.Add(outerMsg)
	f.Add(enc)
	f.Add(cfg)
	f.Add(echConfigList(cfg))
	outer, err := splitHello(outerMsg, handshakeCH)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		ParseECHConfig(data)
		ParseECHConfigList(data)
		OpenECH(echTestSecret, cfg, data)
		inner, err := decodeInner(outer, data)
		if !bytes.Equal(orig, data) {
			t.Fatal("input modified")
		}
		if err != nil {
			return
		}
		h, err := splitHello(inner, handshakeCH)
		if err != nil {
			t.Fatalf("decoded inner does not split: %v", err)
		}
		if len(inner) > len(data)+len(outerMsg) {
			t.Fatalf("inner %d bytes from %d and %d", len(inner), len(data), len(outerMsg))
		}
		if len(h.exts) > len(data)/4+len(outer.exts) {
			t.Fatalf("%d extensions", len(h.exts))
		}
		if !bytes.Equal(h.sessionID, outer.sessionID) {
			t.Fatal("session ID not the outer one")
		}
	})
}
