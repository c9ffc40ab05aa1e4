package decrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/cryptobyte"

	"github.com/ssldissect/ssldissect/parser"
)

type testExt struct {
	typ  uint16
	data []byte
}

func addExts(b *cryptobyte.Builder, exts []testExt) {
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, e := range exts {
			b.AddUint16(e.typ)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(e.data) })
		}
	})
}

// encodedInner builds an EncodedClientHelloInner: legacy_version, a random
// of 0x33s, the given session ID (empty in a valid one), one suite, null
// compression, the extensions and the padding.
func encodedInner(sid []byte, exts []testExt, padding []byte) []byte {
	var b cryptobyte.Builder
	b.AddUint16(0x0303)
	b.AddBytes(bytes.Repeat([]byte{0x33}, 32))
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(sid) })
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(0x1301) })
	b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) })
	addExts(&b, exts)
	b.AddBytes(padding)
	return b.BytesOrPanic()
}

// outerHello builds a ClientHello message (with header) whose last
// extension is an outer encrypted_client_hello with the given payload.
func outerHello(exts []testExt, suite ECHCipherSuite, configID uint8, enc, payload []byte) []byte {
	var ech cryptobyte.Builder
	ech.AddUint8(0)
	ech.AddUint16(suite.KDF)
	ech.AddUint16(suite.AEAD)
	ech.AddUint8(configID)
	ech.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(enc) })
	ech.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(payload) })
	all := append(append([]testExt(nil), exts...), testExt{echExtType, ech.BytesOrPanic()})
	var b cryptobyte.Builder
	b.AddUint8(1)
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16(0x0303)
		b.AddBytes(bytes.Repeat([]byte{0x11}, 32))
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(bytes.Repeat([]byte{0x22}, 32)) })
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(0x1301); b.AddUint16(0x1302) })
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) })
		addExts(b, all)
	})
	return b.BytesOrPanic()
}

// hpkeSealTest is the test's HPKE sender from a shared secret: the
// package's key schedule (checked against RFC 9180 and crypto/hpke) and
// the AEAD, at sequence number seq.
func hpkeSealTest(t testing.TB, s HPKESuite, secret, info []byte, seq uint64, aad, pt []byte) []byte {
	t.Helper()
	k, err := s.KeySchedule(secret, info)
	if err != nil {
		t.Fatal(err)
	}
	var a cipher.AEAD
	if s.AEAD == HPKEAEADChaCha20Poly1305 {
		a, err = chacha20poly1305.New(k.Key)
	} else {
		var blk cipher.Block
		if blk, err = aes.NewCipher(k.Key); err == nil {
			a, err = cipher.NewGCM(blk)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	nonce := bytes.Clone(k.BaseNonce)
	var sq [8]byte
	binary.BigEndian.PutUint64(sq[:], seq)
	for i := range sq {
		nonce[4+i] ^= sq[i]
	}
	return a.Seal(nil, nonce, pt, aad)
}

var (
	echTestSecret = bytes.Repeat([]byte{0x5e}, 32)
	echTestSuite  = ECHCipherSuite{HPKEKDFHKDFSHA256, HPKEAEADAES128GCM}
)

func echTestConfig(t testing.TB) []byte {
	return buildECHConfig(t, echTestConfigID, HPKEKEMX25519HKDFSHA256, bytes.Repeat([]byte{0x44}, 32),
		[]ECHCipherSuite{echTestSuite, {HPKEKDFHKDFSHA256, HPKEAEADChaCha20Poly1305}}, echTestPublicName,
		[]ECHConfigExtension{{Type: 0x1234, Data: []byte{1, 2}}})
}

// sealedOuter builds an outer ClientHello with outerExts and an ECH
// extension carrying encoded sealed under echTestSecret at seq.
func sealedOuter(t testing.TB, cfg []byte, suite ECHCipherSuite, configID uint8, outerExts []testExt, encoded []byte, seq uint64) []byte {
	t.Helper()
	ctLen := len(encoded) + 16
	msg := outerHello(outerExts, suite, configID, []byte{0xee, 0xee}, make([]byte, ctLen))
	c, err := ParseECHConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The zero payload is the message's last ctLen bytes.
	ct := hpkeSealTest(t, HPKESuite{c.KEM, suite.KDF, suite.AEAD}, echTestSecret,
		append([]byte(echInfoPrefix), cfg...), seq, msg[4:], encoded)
	copy(msg[len(msg)-ctLen:], ct)
	return msg
}

var (
	extSNIOuter = testExt{0, []byte("\x00\x11\x00\x00\x0epublic.example")}
	extSNIInner = testExt{0, []byte("\x00\x11\x00\x00\x0esecret.example")}
	extGroups   = testExt{10, []byte{0, 4, 0, 0x1d, 0, 0x17}}
	extSigAlgs  = testExt{13, []byte{0, 2, 4, 3}}
	extKeyShare = testExt{51, []byte{0, 6, 0, 0x1d, 0, 2, 0xaa, 0xbb}}
	extVersions = testExt{43, []byte{2, 3, 4}}
	extECHInner = testExt{echExtType, []byte{1}}
)

func outerRefs(types ...uint16) testExt {
	d := []byte{byte(2 * len(types))}
	for _, ty := range types {
		d = binary.BigEndian.AppendUint16(d, ty)
	}
	return testExt{echOuterExtsType, d}
}

func TestParseECHConfig(t *testing.T) {
	cfg := echTestConfig(t)
	c, err := ParseECHConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != ECHConfigVersion || c.ConfigID != echTestConfigID || c.KEM != HPKEKEMX25519HKDFSHA256 ||
		len(c.PublicKey) != 32 || len(c.CipherSuites) != 2 || c.CipherSuites[1].AEAD != HPKEAEADChaCha20Poly1305 ||
		c.MaxNameLength != 32 || c.PublicName != echTestPublicName || len(c.Extensions) != 1 ||
		c.Extensions[0].Type != 0x1234 || !bytes.Equal(c.Raw, cfg) {
		t.Errorf("%+v", c)
	}
	for i := range cfg {
		if _, err := ParseECHConfig(cfg[:i]); !errors.Is(err, ErrECHMalformed) {
			t.Fatalf("prefix of %d bytes: %v", i, err)
		}
	}
	if _, err := ParseECHConfig(append(bytes.Clone(cfg), 0)); !errors.Is(err, ErrECHMalformed) {
		t.Errorf("trailing byte: %v", err)
	}
	// Lists: an unknown version is kept raw, the next one decodes.
	other := []byte{0xfe, 0x0a, 0, 3, 1, 2, 3}
	list, err := ParseECHConfigList(echConfigList(other, cfg))
	if err != nil || len(list) != 2 || list[0].Version != 0xfe0a || !bytes.Equal(list[0].Raw, other) ||
		list[1].PublicName != echTestPublicName {
		t.Errorf("list: %v %+v", err, list)
	}
	if _, err := NewECHContext(echTestSecret, other); !errors.Is(err, ErrECHConfigMismatch) {
		t.Errorf("context from version 0xfe0a: %v", err)
	}
	for name, tc := range map[string]struct {
		b    []byte
		want error
	}{
		"empty list":    {[]byte{0, 0}, ErrECHMalformed},
		"short list":    {[]byte{0, 5, 0xfe, 0x0d, 0, 0}, ErrECHMalformed},
		"17 configs":    {echConfigList(repeatConfig(cfg, 17)...), ErrTooLarge},
		"no suites":     {echConfigList(buildECHConfig(t, 1, 0x20, []byte{1}, nil, "a", nil)), ErrECHMalformed},
		"65 suites":     {echConfigList(buildECHConfig(t, 1, 0x20, []byte{1}, make([]ECHCipherSuite, 65), "a", nil)), ErrTooLarge},
		"empty name":    {echConfigList(buildECHConfig(t, 1, 0x20, []byte{1}, make([]ECHCipherSuite, 1), "", nil)), ErrECHMalformed},
		"no public key": {echConfigList(buildECHConfig(t, 1, 0x20, nil, make([]ECHCipherSuite, 1), "a", nil)), ErrECHMalformed},
		"33 extensions": {echConfigList(buildECHConfig(t, 1, 0x20, []byte{1}, make([]ECHCipherSuite, 1), "a", make([]ECHConfigExtension, 33))), ErrTooLarge},
	} {
		if _, err := ParseECHConfigList(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	if l, err := ParseECHConfigList(echConfigList(repeatConfig(cfg, 16)...)); err != nil || len(l) != 16 {
		t.Errorf("16 configs: %d, %v", len(l), err)
	}
}

func TestOpenECHCrafted(t *testing.T) {
	cfg := echTestConfig(t)
	outerExts := []testExt{extSNIOuter, extGroups, extSigAlgs, extKeyShare, extVersions}
	valid := []testExt{extSNIInner, outerRefs(10, 13), extECHInner, outerRefs(51), extVersions}
	t.Run("valid", func(t *testing.T) {
		enc := encodedInner(nil, valid, make([]byte, 7))
		outer := sealedOuter(t, cfg, echTestSuite, echTestConfigID, outerExts, enc, 0)
		inner, err := OpenECH(echTestSecret, cfg, outer)
		if err != nil {
			t.Fatal(err)
		}
		m, err := parser.ParseHandshake(parser.HandshakeTypeClientHello, inner[4:], parser.Context{})
		if err != nil {
			t.Fatal(err)
		}
		ch := m.(*parser.ClientHello)
		var types []parser.ExtensionType
		for _, e := range ch.Extensions {
			types = append(types, e.Type)
		}
		want := []parser.ExtensionType{0, 10, 13, parser.ExtEncryptedClientHello, 51, 43}
		if ch.SNI() != echTestSecretName || !bytes.Equal(ch.SessionID, bytes.Repeat([]byte{0x22}, 32)) ||
			ch.Random[0] != 0x33 || len(types) != len(want) {
			t.Fatalf("inner %+v", ch)
		}
		for i := range want {
			if types[i] != want[i] {
				t.Errorf("extensions %v, want %v", types, want)
			}
		}
		if !bytes.Equal(ch.Extension(51).Data, extKeyShare.data) {
			t.Errorf("key_share %x", ch.Extension(51).Data)
		}
		// Other AEAD, second hello at sequence 1 through one context.
		cc := ECHCipherSuite{HPKEKDFHKDFSHA256, HPKEAEADChaCha20Poly1305}
		x, _ := NewECHContext(echTestSecret, cfg)
		o1 := sealedOuter(t, cfg, cc, echTestConfigID, outerExts, enc, 0)
		o2 := sealedOuter(t, cfg, cc, echTestConfigID, outerExts, enc, 1)
		if _, err := x.Open(o2); !errors.Is(err, ErrECHDecrypt) {
			t.Errorf("sequence 1 first: %v", err)
		}
		if _, err := x.Open(o1); err != nil {
			t.Errorf("first: %v", err)
		}
		if _, err := x.Open(sealedOuter(t, cfg, echTestSuite, echTestConfigID, outerExts, enc, 1)); !errors.Is(err, ErrECHMalformed) {
			t.Errorf("suite change: %v", err)
		}
		if in2, err := x.Open(o2); err != nil || !bytes.Equal(in2, inner) {
			t.Errorf("second: %v", err)
		}
	})
	for _, tc := range []struct {
		name    string
		sid     []byte
		exts    []testExt
		padding []byte
		want    string
	}{
		{"nonzero padding", nil, valid, []byte{0, 0, 1}, "padding"},
		{"session id", []byte{1}, valid, nil, "legacy_session_id"},
		{"names encrypted_client_hello", nil, []testExt{outerRefs(10, echExtType)}, nil, "names extension 65037"},
		{"names ech_outer_extensions", nil, []testExt{outerRefs(echOuterExtsType)}, nil, "names extension 64768"},
		{"twice", nil, []testExt{outerRefs(10, 10)}, nil, "twice"},
		{"twice across two", nil, []testExt{outerRefs(10), outerRefs(10)}, nil, "not in the outer"},
		{"out of order", nil, []testExt{outerRefs(13, 10)}, nil, "not in the outer"},
		{"absent", nil, []testExt{outerRefs(99)}, nil, "not in the outer"},
		{"empty list", nil, []testExt{{echOuterExtsType, []byte{0}}}, nil, "framing"},
		{"odd list", nil, []testExt{{echOuterExtsType, []byte{3, 0, 10, 0}}}, nil, "framing"},
		{"list trailing", nil, []testExt{{echOuterExtsType, []byte{2, 0, 10, 0}}}, nil, "framing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outer := sealedOuter(t, cfg, echTestSuite, echTestConfigID, outerExts, encodedInner(tc.sid, tc.exts, tc.padding), 0)
			_, err := OpenECH(echTestSecret, cfg, outer)
			if !errors.Is(err, ErrECHMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want ErrECHMalformed with %q", err, tc.want)
			}
		})
	}
	t.Run("outer", func(t *testing.T) {
		enc := encodedInner(nil, valid, nil)
		outer := sealedOuter(t, cfg, echTestSuite, echTestConfigID, outerExts, enc, 0)
		if _, err := OpenECH(echTestSecret, cfg, sealedOuter(t, cfg, echTestSuite, 9, outerExts, enc, 0)); !errors.Is(err, ErrECHConfigMismatch) {
			t.Errorf("config_id: %v", err)
		}
		if _, err := OpenECH(echTestSecret[:31], cfg, outer); !errors.Is(err, ErrHPKE) {
			t.Errorf("31-byte secret: %v", err)
		}
		if _, err := OpenECH(echTestSecret, cfg, outerHello(outerExts, ECHCipherSuite{9, 1}, echTestConfigID, nil, make([]byte, 40))); !errors.Is(err, ErrHPKE) {
			t.Errorf("unknown KDF: %v", err)
		}
		var b cryptobyte.Builder
		b.AddUint8(1)
		b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint16(0x0303)
			b.AddBytes(make([]byte, 32))
			b.AddUint8(0)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint16(0x1301) })
			b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) { b.AddUint8(0) })
			addExts(b, []testExt{extSNIOuter, extECHInner})
		})
		if _, err := OpenECH(echTestSecret, cfg, b.BytesOrPanic()); !errors.Is(err, ErrNoECH) {
			t.Errorf("inner-type extension: %v", err)
		}
		for i := range outer {
			if _, err := OpenECH(echTestSecret, cfg, outer[:i]); err == nil {
				t.Fatalf("prefix of %d bytes opened", i)
			}
		}
	})
}

func TestKeyLogECH(t *testing.T) {
	var kl KeyLog
	cr := strings.Repeat("ab", 32)
	cfg := hexs(echTestConfig(t))
	in := "ECH_SECRET " + cr + " " + hexs(echTestSecret) + "\n" +
		"ECH_CONFIG " + cr + " " + cfg + "\n" +
		"ECH_CONFIG " + cr + " 00\n" + // shorter than version and length
		"ECH_SECRET " + strings.Repeat("cd", 32) + " " + hexs(echTestSecret) + "\n" +
		"ECH_CONFIG " + cr + " " + strings.Repeat("00", 4001) + "\n"
	n, errs := kl.Load(strings.NewReader(in), "k")
	if n != 3 || len(errs) != 2 || !errors.Is(errs[0], ErrKeyLogSyntax) || !errors.Is(errs[1], ErrKeyLogSyntax) {
		t.Fatalf("added %d, errs %v", n, errs)
	}
	if _, _, ok := kl.ECH(unhex(t, strings.Repeat("cd", 32))); ok {
		t.Error("ECH without ECH_CONFIG")
	}
	s, c, ok := kl.ECH(unhex(t, cr))
	if !ok || !bytes.Equal(s, echTestSecret) || hexs(c) != cfg {
		t.Errorf("ECH: %v %x %x", ok, s, c)
	}
	if got := kl.Labels(unhex(t, cr)); len(got) != 2 || got[0] != LabelECHSecret || got[1] != LabelECHConfig {
		t.Errorf("Labels %v", got)
	}
	// An ML-KEM-1024-sized ECH_CONFIG (a 1568-byte key) fits a line.
	big := hexs(buildECHConfig(t, 1, HPKEKEMMLKEM1024, make([]byte, 1568), []ECHCipherSuite{echTestSuite}, "a", nil))
	if n, errs := kl.Load(strings.NewReader("ECH_CONFIG "+strings.Repeat("ef", 32)+" "+big+"\n"), "k"); n != 1 || len(errs) != 0 {
		t.Errorf("ML-KEM config: %d %v", n, errs)
	}
}

func repeatConfig(cfg []byte, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = cfg
	}
	return out
}
