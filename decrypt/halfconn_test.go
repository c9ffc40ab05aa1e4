package decrypt

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// sealer protects records the way a TLS 1.0-1.2 or SSL 3.0 sender does. It
// is written from the RFCs for the tests, apart from HalfConn: the MAC,
// padding and nonce code below is its own.
type sealer struct {
	version     uint16
	suite       *Suite
	macKey, iv  []byte
	etm         bool
	seq         uint64
	stream      cipher.Stream
	block       cipher.Block
	aead        cipher.AEAD
	zbuf        bytes.Buffer
	zw          *zlib.Writer
	rnd         *rand.ChaCha8
	ssl3PadJunk bool // SSL 3.0 padding bytes are arbitrary
}

func newSealer(t testing.TB, version uint16, s *Suite, macKey, key, iv []byte, etm, deflate bool) *sealer {
	t.Helper()
	sl := &sealer{version: version, suite: s, macKey: macKey, iv: append([]byte(nil), iv...), etm: etm,
		rnd: rand.NewChaCha8([32]byte{1}), ssl3PadJunk: true}
	var err error
	switch s.Mode {
	case ModeStream:
		if s.spec.newStream != nil {
			sl.stream, err = s.spec.newStream(key)
		}
	case ModeCBC:
		sl.block, err = s.spec.newBlock(key)
	case ModeAEAD:
		sl.aead, err = s.spec.newAEAD(key)
	}
	if err != nil {
		t.Fatal(err)
	}
	if deflate {
		sl.zw = zlib.NewWriter(&sl.zbuf)
	}
	return sl
}

func (s *sealer) mac(typ uint8, data []byte) []byte {
	if s.suite.MACHash == 0 {
		return nil
	}
	var hdr []byte
	hdr = binary.BigEndian.AppendUint64(hdr, s.seq)
	hdr = append(hdr, typ)
	if s.version != VersionSSL30 {
		hdr = binary.BigEndian.AppendUint16(hdr, s.version)
	}
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(data)))
	if s.version != VersionSSL30 {
		m := hmac.New(s.suite.MACHash.New, s.macKey)
		m.Write(hdr)
		m.Write(data)
		return m.Sum(nil)
	}
	// RFC 6101 5.2.3.1.
	pad := 48
	if s.suite.MACHash == crypto.SHA1 {
		pad = 40
	}
	in := s.suite.MACHash.New()
	in.Write(s.macKey)
	in.Write(bytes.Repeat([]byte{0x36}, pad))
	in.Write(hdr)
	in.Write(data)
	out := s.suite.MACHash.New()
	out.Write(s.macKey)
	out.Write(bytes.Repeat([]byte{0x5c}, pad))
	out.Write(in.Sum(nil))
	return out.Sum(nil)
}

func (s *sealer) seal(typ uint8, pt []byte) []byte {
	defer func() { s.seq++ }()
	if s.zw != nil {
		s.zbuf.Reset()
		s.zw.Write(pt)
		s.zw.Flush() // Z_SYNC_FLUSH
		pt = append([]byte(nil), s.zbuf.Bytes()...)
	}
	switch s.suite.Mode {
	case ModeStream:
		out := append(append([]byte(nil), pt...), s.mac(typ, pt)...)
		if s.stream != nil {
			s.stream.XORKeyStream(out, out)
		}
		return out
	case ModeCBC:
		bs := s.suite.BlockSize
		data := append([]byte(nil), pt...)
		if !s.etm {
			data = append(data, s.mac(typ, pt)...)
		}
		padLen := bs - 1 - len(data)%bs
		if s.version != VersionSSL30 && s.rnd.Uint64()%2 == 0 && padLen+bs < 256 {
			padLen += bs // TLS allows longer padding
		}
		for i := 0; i < padLen; i++ {
			b := byte(padLen)
			if s.version == VersionSSL30 && s.ssl3PadJunk {
				b = byte(s.rnd.Uint64())
			}
			data = append(data, b)
		}
		data = append(data, byte(padLen))
		iv := s.iv
		var out []byte
		if s.version >= VersionTLS11 {
			iv = make([]byte, bs)
			s.rnd.Read(iv)
			out = append(out, iv...)
		}
		ct := make([]byte, len(data))
		cipher.NewCBCEncrypter(s.block, iv).CryptBlocks(ct, data)
		if s.version < VersionTLS11 {
			s.iv = append([]byte(nil), ct[len(ct)-bs:]...)
		}
		out = append(out, ct...)
		if s.etm {
			out = append(out, s.mac(typ, out)...)
		}
		return out
	default:
		var hdr []byte
		hdr = binary.BigEndian.AppendUint64(hdr, s.seq)
		hdr = append(hdr, typ)
		hdr = binary.BigEndian.AppendUint16(hdr, s.version)
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(pt)))
		var nonce, out []byte
		if s.suite.ExplicitNonceLen > 0 {
			explicit := binary.BigEndian.AppendUint64(nil, s.seq^0x5a5a)
			nonce = append(append([]byte(nil), s.iv...), explicit...)
			out = explicit
		} else {
			nonce = append([]byte(nil), s.iv...)
			for i := 0; i < 8; i++ {
				nonce[len(nonce)-1-i] ^= byte(s.seq >> (8 * i))
			}
		}
		return s.aead.Seal(out, nonce, pt, hdr)
	}
}

var recordSizes = []int{0, 1, 15, 16, 17, 31, 100, 1000, 5000, maxPlaintext}

type suiteCase struct {
	version uint16
	id      uint16
	etm     bool
	deflate bool
}

func (c suiteCase) String() string {
	s := fmt.Sprintf("v%04x/%04x", c.version, c.id)
	if c.etm {
		s += "/etm"
	}
	if c.deflate {
		s += "/deflate"
	}
	return s
}

var sealCases = []suiteCase{
	// SSL 3.0: MD5/SHA MACs, the SSL 3.0 key block and export keys.
	{VersionSSL30, 0x0000, false, false},
	{VersionSSL30, 0x0001, false, false},
	{VersionSSL30, 0x0003, false, false},
	{VersionSSL30, 0x0004, false, false},
	{VersionSSL30, 0x0005, false, false},
	{VersionSSL30, 0x0006, false, false},
	{VersionSSL30, 0x0008, false, false},
	{VersionSSL30, 0x0009, false, false},
	{VersionSSL30, 0x000A, false, false},
	{VersionSSL30, 0x002F, false, false},
	{VersionSSL30, 0x0035, false, true},
	// TLS 1.0: export suites, DES, NULL, EtM, DEFLATE.
	{VersionTLS10, 0x0002, false, false},
	{VersionTLS10, 0x0003, false, false},
	{VersionTLS10, 0x0006, false, false},
	{VersionTLS10, 0x0006, true, false},
	{VersionTLS10, 0x0008, false, false},
	{VersionTLS10, 0x0014, false, false},
	{VersionTLS10, 0x0017, false, false},
	{VersionTLS10, 0x0015, false, false},
	{VersionTLS10, 0x002F, true, false},
	{VersionTLS10, 0x002F, false, true},
	{VersionTLS10, 0x0002, false, true},
	// TLS 1.1.
	{VersionTLS11, 0x0035, true, false},
	{VersionTLS11, 0xC012, false, true},
	// TLS 1.2: CCM, CCM_8, NULL, SHA-384 MACs, ChaCha20 with DHE/PSK, EtM.
	{VersionTLS12, 0x003B, false, false},
	{VersionTLS12, 0x00B1, false, false},
	{VersionTLS12, 0xC024, false, false},
	{VersionTLS12, 0xC028, true, false},
	{VersionTLS12, 0x003D, true, true},
	{VersionTLS12, 0xC09C, false, false},
	{VersionTLS12, 0xC09D, false, false},
	{VersionTLS12, 0xC0A0, false, false},
	{VersionTLS12, 0xC0A3, false, false},
	{VersionTLS12, 0xC0AC, false, true},
	{VersionTLS12, 0xC0AF, false, false},
	{VersionTLS12, 0xD003, false, false},
	{VersionTLS12, 0xD005, false, false},
	{VersionTLS12, 0x00A8, false, false},
	{VersionTLS12, 0xCCAA, false, false},
	{VersionTLS12, 0xCCAB, false, false},
	{VersionTLS12, 0xCCAE, false, true},
	// Block ciphers of decrypt/internal: CBC in SSL 3.0-TLS 1.2, GCM.
	{VersionSSL30, 0x0007, false, false}, // IDEA
	{VersionTLS10, 0x0096, false, false}, // SEED
	{VersionTLS11, 0x009A, true, false},
	{VersionTLS10, 0x0041, false, false}, // Camellia
	{VersionTLS12, 0x0084, false, false},
	{VersionTLS12, 0x00BE, false, true},
	{VersionTLS12, 0xC077, false, false},
	{VersionTLS12, 0xC07A, false, false},
	{VersionTLS12, 0xC08B, false, false},
	{VersionTLS12, 0xC03C, false, false}, // ARIA
	{VersionTLS12, 0xC04D, true, false},
	{VersionTLS12, 0xC050, false, false},
	{VersionTLS12, 0xC061, false, false},
	{VersionTLS12, 0xC06F, false, false},
}

// keysFor derives a direction's keys from a fixed master secret.
func keysFor(t testing.TB, c suiteCase) (*Suite, *KeyBlock) {
	t.Helper()
	s, ok := LookupSuite(c.id)
	if !ok {
		t.Fatalf("suite %#04x missing", c.id)
	}
	master := bytes.Repeat([]byte{0xab}, 48)
	cr, sr := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	k, err := KeysFromMasterSecret(c.version, s, master, cr, sr)
	if err != nil {
		t.Fatal(err)
	}
	return s, k
}

func TestSealedRecords(t *testing.T) {
	for _, c := range sealCases {
		t.Run(c.String(), func(t *testing.T) {
			s, k := keysFor(t, c)
			if !s.Available {
				t.Skipf("%s not built in", s.Cipher)
			}
			comp := CompressionNull
			if c.deflate {
				comp = CompressionDeflate
			}
			hc, err := NewHalfConn12(c.version, s, k.ClientMAC, k.ClientKey, k.ClientIV, c.etm, comp)
			if err != nil {
				t.Fatal(err)
			}
			sl := newSealer(t, c.version, s, k.ClientMAC, k.ClientKey, k.ClientIV, c.etm, c.deflate)
			for i, n := range recordSizes {
				// Repetitive text, so that DEFLATE refers back across records.
				pt := bytes.Repeat([]byte(fmt.Sprintf("record %d of %d; ", i%3, n%7)), n/10+1)[:n]
				got, typ, mac, err := hc.Decrypt(typeApplicationData, c.version, sl.seal(typeApplicationData, pt))
				if err != nil {
					t.Fatalf("record %d (%d bytes): %v", i, n, err)
				}
				want := MACOK
				if s.MACLen == 0 && !s.IsAEAD() {
					want = MACNone
				}
				if mac != want || typ != typeApplicationData || !bytes.Equal(got, pt) {
					t.Fatalf("record %d (%d bytes): mac %v type %d, plaintext equal %v", i, n, mac, typ, bytes.Equal(got, pt))
				}
			}
			if hc.Seq() != uint64(len(recordSizes)) {
				t.Errorf("seq %d after %d records", hc.Seq(), len(recordSizes))
			}
			if c.deflate || s.MACLen == 0 && !s.IsAEAD() {
				return
			}
			// A flipped bit anywhere is a failed MAC, never a panic.
			for _, pos := range []int{0, -1, -20} {
				hc, _ := NewHalfConn12(c.version, s, k.ClientMAC, k.ClientKey, k.ClientIV, c.etm, comp)
				sl := newSealer(t, c.version, s, k.ClientMAC, k.ClientKey, k.ClientIV, c.etm, false)
				p := sl.seal(typeApplicationData, []byte("attack at dawn, attack at dawn!!"))
				i := pos
				if i < 0 {
					i += len(p)
				}
				p[i] ^= 0x10
				got, _, mac, err := hc.Decrypt(typeApplicationData, c.version, p)
				if err != nil || mac != MACFailed {
					t.Errorf("bit flipped at %d: mac %v, err %v", pos, mac, err)
				}
				if s.IsAEAD() && got != nil {
					t.Errorf("AEAD failure returned plaintext")
				}
			}
		})
	}
}

// SSL 3.0 padding bytes are arbitrary; TLS padding bytes must all equal
// the padding length.
func TestCBCPaddingRules(t *testing.T) {
	for _, c := range []struct {
		version uint16
		junk    bool
		want    MACResult
	}{
		{VersionSSL30, true, MACOK},
		{VersionSSL30, false, MACOK},
		{VersionTLS10, false, MACOK},
	} {
		sc := suiteCase{version: c.version, id: 0x002F}
		s, k := keysFor(t, sc)
		hc, _ := NewHalfConn12(c.version, s, k.ClientMAC, k.ClientKey, k.ClientIV, false, 0)
		sl := newSealer(t, c.version, s, k.ClientMAC, k.ClientKey, k.ClientIV, false, false)
		sl.ssl3PadJunk = c.junk
		for n := 0; n < 40; n++ {
			if _, _, mac, err := hc.Decrypt(typeApplicationData, c.version, sl.seal(typeApplicationData, make([]byte, n))); err != nil || mac != c.want {
				t.Errorf("%#04x junk %v len %d: mac %v err %v", c.version, c.junk, n, mac, err)
			}
		}
	}
	// TLS: a padding byte that differs is a failed MAC.
	sc := suiteCase{version: VersionTLS12, id: 0x002F}
	s, k := keysFor(t, sc)
	hc, _ := NewHalfConn12(VersionTLS12, s, k.ClientMAC, k.ClientKey, nil, false, 0)
	block, _ := s.spec.newBlock(k.ClientKey)
	data := append([]byte("hello"), hmacRecord(s, k.ClientMAC, 0, typeApplicationData, VersionTLS12, []byte("hello"))...)
	for len(data)%16 != 13 {
		data = append(data, 0)
	}
	data = append(data, 1, 2, 2) // padding 2, 2 with a wrong first byte
	iv := make([]byte, 16)
	ct := make([]byte, len(data))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, data)
	if _, _, mac, err := hc.Decrypt(typeApplicationData, VersionTLS12, append(iv, ct...)); mac != MACFailed || err != nil {
		t.Errorf("bad TLS padding: mac %v err %v", mac, err)
	}
}

func hmacRecord(s *Suite, key []byte, seq uint64, typ uint8, version uint16, data []byte) []byte {
	m := hmac.New(s.MACHash.New, key)
	var hdr []byte
	hdr = binary.BigEndian.AppendUint64(hdr, seq)
	hdr = append(hdr, typ)
	hdr = binary.BigEndian.AppendUint16(hdr, version)
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(data)))
	m.Write(hdr)
	m.Write(data)
	return m.Sum(nil)
}

// hkdfLabel13 builds HkdfLabel by hand, independently of expandLabel.
func hkdfLabel13(t testing.TB, h crypto.Hash, secret []byte, label string, n int) []byte {
	full := "tls13 " + label
	info := []byte{byte(n >> 8), byte(n), byte(len(full))}
	info = append(info, full...)
	info = append(info, 0)
	out, err := hkdf.Expand(h.New, secret, string(info), n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// seal13 protects a TLS 1.3 record with padding.
func seal13(t testing.TB, s *Suite, secret []byte, seq uint64, typ uint8, pt []byte, pad int) []byte {
	key := hkdfLabel13(t, s.PRFHash, secret, "key", s.KeyLen)
	iv := hkdfLabel13(t, s.PRFHash, secret, "iv", 12)
	a, err := s.spec.newAEAD(key)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		iv[11-i] ^= byte(seq >> (8 * i))
	}
	inner := append(append(append([]byte(nil), pt...), typ), make([]byte, pad)...)
	n := len(inner) + a.Overhead()
	hdr := []byte{typeApplicationData, 3, 3, byte(n >> 8), byte(n)}
	return a.Seal(nil, iv, inner, hdr)
}

func TestTLS13Records(t *testing.T) {
	for _, id := range []uint16{0x1301, 0x1302, 0x1303, 0x1304, 0x1305} {
		t.Run(fmt.Sprintf("%04x", id), func(t *testing.T) {
			s, _ := LookupSuite(id)
			secret := bytes.Repeat([]byte{byte(id)}, s.PRFHash.Size())
			hc, err := NewHalfConn13(s, secret)
			if err != nil {
				t.Fatal(err)
			}
			var seq uint64
			for i, n := range recordSizes[:8] {
				typ := []uint8{typeHandshake, typeApplicationData, typeAlert}[i%3]
				pt := bytes.Repeat([]byte{byte(i + 1)}, n)
				rec := seal13(t, s, secret, seq, typ, pt, i*3)
				got, inner, mac, err := hc.Decrypt(typeApplicationData, VersionTLS12, rec)
				if err != nil || mac != MACOK || inner != typ || !bytes.Equal(got, pt) {
					t.Fatalf("record %d: type %d mac %v err %v", i, inner, mac, err)
				}
				seq++
			}
			// All-zero inner plaintext: authenticated, but no content type.
			rec := seal13(t, s, secret, seq, 0, nil, 5)
			if _, _, mac, err := hc.Decrypt(typeApplicationData, VersionTLS12, rec); !errors.Is(err, ErrNoInnerType) || mac != MACOK {
				t.Errorf("padding only: mac %v err %v", mac, err)
			}
			// KeyUpdate: the next secret, built independently.
			next := hkdfLabel13(t, s.PRFHash, secret, "traffic upd", s.PRFHash.Size())
			if err := hc.UpdateKey(); err != nil {
				t.Fatal(err)
			}
			if hc.Seq() != 0 {
				t.Errorf("seq %d after KeyUpdate", hc.Seq())
			}
			rec = seal13(t, s, next, 0, typeApplicationData, []byte("after update"), 0)
			if got, _, mac, err := hc.Decrypt(typeApplicationData, VersionTLS12, rec); err != nil || mac != MACOK || string(got) != "after update" {
				t.Errorf("after KeyUpdate: %q mac %v err %v", got, mac, err)
			}
			// A short record is an error; a wrong header is a failed tag.
			if _, _, _, err := hc.Decrypt(typeApplicationData, VersionTLS12, make([]byte, 3)); !errors.Is(err, ErrShortRecord) {
				t.Errorf("short record: %v", err)
			}
			rec = seal13(t, s, next, 2, typeApplicationData, []byte("x"), 0)
			if _, _, mac, _ := hc.Decrypt(typeApplicationData, VersionTLS10, rec); mac != MACFailed {
				t.Errorf("wrong AAD version: mac %v", mac)
			}
		})
	}
}

func TestSSL30KeyDerivationBotan(t *testing.T) {
	// Botan's SSL3-PRF vectors (src/tests/data/kdf/ssl3prf.vec): the
	// "A", "BB", "CCC" MD5/SHA-1 construction of RFC 6101 6.1 over
	// secret and salt.
	tests := []struct{ secret, salt, want string }{
		{"6E60", "17FEBCA565786528F84A", "D626B75AB8BD4F5B9458BDDA8589FD39"},
		{"33CE7917528009F2A1011CFCD494B80D4BBFD901", "81851CC61D3E910E04D5EC38A465", "2FB1FDD16FCE41C9C563226A564D1647"},
		{"40ED568CFC6C0A17866C67B7660C96BF9DA54C", "A3502B96214854E5AF5720E8970D3F240AAB2E21319A88E901", "321118AA031C5C9EFF145542B4426C3C71"},
		{"C4C38EC6A1EA975D0ECA535B0CC4D6D0", "E84EE4D9DC701DE04E250768F2DFB9B6A2", "3B50F91EDFDD96CBA8B6329616D4F5964CD8C961CB1D9332"},
		{"E0BDEBC1D1EEDB393368D489", "5D2B46C7BB5258ABC13514995E518FD4D77BECB738D77909", "F3D8ED6D46280C3694F33D2D4A210248D657277DD78ACD3B34063D085657A58E"},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			want := unhex(t, tt.want)
			got := ssl30Hash(unhex(t, tt.secret), unhex(t, tt.salt), nil, len(want))
			checkHex(t, "SSL3-PRF", got, fmt.Sprintf("%x", want))
		})
	}
}

func TestConstructorErrors(t *testing.T) {
	gcm, _ := LookupSuite(0xC02F)
	cbc, _ := LookupSuite(0x002F)
	s13, _ := LookupSuite(0x1301)
	k16 := make([]byte, 16)
	tests := []struct {
		name string
		err  error
		fn   func() error
	}{
		{"nil suite", ErrUnknownSuite, func() error { _, err := NewHalfConn12(VersionTLS12, nil, nil, nil, nil, false, 0); return err }},
		{"GCM in TLS 1.1", ErrVersion, func() error {
			_, err := NewHalfConn12(VersionTLS11, gcm, nil, k16, make([]byte, 4), false, 0)
			return err
		}},
		{"TLS 1.3 suite", ErrVersion, func() error { _, err := NewHalfConn12(VersionTLS12, s13, nil, k16, nil, false, 0); return err }},
		{"short key", ErrKeyLength, func() error {
			_, err := NewHalfConn12(VersionTLS12, gcm, nil, k16[:5], make([]byte, 4), false, 0)
			return err
		}},
		{"short IV", ErrKeyLength, func() error {
			_, err := NewHalfConn12(VersionTLS10, cbc, make([]byte, 20), k16, k16[:4], false, 0)
			return err
		}},
		{"bad MAC key", ErrKeyLength, func() error {
			_, err := NewHalfConn12(VersionTLS12, cbc, make([]byte, 3), k16, nil, false, 0)
			return err
		}},
		{"compression 64", ErrCompression, func() error {
			_, err := NewHalfConn12(VersionTLS12, cbc, make([]byte, 20), k16, nil, false, 64)
			return err
		}},
		{"bad master", ErrKeyLength, func() error { _, err := KeysFromMasterSecret(VersionTLS12, cbc, k16, k16, k16); return err }},
		{"TLS 1.2 suite in NewHalfConn13", ErrVersion, func() error { _, err := NewHalfConn13(gcm, make([]byte, 32)); return err }},
		{"short traffic secret", ErrKeyLength, func() error { _, err := NewHalfConn13(s13, k16); return err }},
		{"UpdateKey in TLS 1.2", ErrVersion, func() error {
			hc, err := NewHalfConn12(VersionTLS12, gcm, nil, k16, make([]byte, 4), false, 0)
			if err != nil {
				return err
			}
			return hc.UpdateKey()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.fn(); !errors.Is(err, tt.err) {
				t.Errorf("got %v, want %v", err, tt.err)
			}
		})
	}
}

// Every available suite takes random and crafted payloads without a panic.
func TestDecryptGarbage(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, id := range SuiteIDs() {
		s, _ := LookupSuite(id)
		if !s.Available {
			continue
		}
		for _, v := range []uint16{VersionSSL30, VersionTLS10, VersionTLS12, VersionTLS13} {
			hc := halfConnFor(t, s, v, CompressionDeflate)
			if hc == nil {
				continue
			}
			for n := 0; n < 80; n++ {
				p := make([]byte, n)
				for i := range p {
					p[i] = byte(rnd.Uint32())
				}
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("suite %#04x version %#04x len %d: panic %v", id, v, n, r)
						}
					}()
					pt, _, mac, err := hc.Decrypt(typeApplicationData, v, p)
					if mac == MACOK && s.MACLen+s.TagLen > 0 {
						t.Errorf("suite %#04x: random %d bytes verified", id, n)
					}
					_, _ = pt, err
				}()
			}
		}
	}
}

// halfConnFor builds a HalfConn for any suite and version with fixed keys,
// or returns nil if the combination does not exist.
func halfConnFor(t testing.TB, s *Suite, version uint16, comp uint8) *HalfConn {
	if version < VersionSSL30 || version > VersionTLS13 ||
		s.TLS13 != (version == VersionTLS13) || version < s.MinVersion || s.Export && version > VersionTLS10 {
		return nil
	}
	if s.TLS13 {
		hc, err := NewHalfConn13(s, make([]byte, s.PRFHash.Size()))
		if err != nil {
			t.Fatal(err)
		}
		return hc
	}
	k, err := KeysFromMasterSecret(version, s, make([]byte, 48), make([]byte, 32), make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	hc, err := NewHalfConn12(version, s, k.ClientMAC, k.ClientKey, k.ClientIV, false, comp)
	if err != nil {
		t.Fatalf("suite %#04x version %#04x: %v", s.ID, version, err)
	}
	return hc
}

// No strict prefix of a protected record verifies.
func TestRecordPrefixes(t *testing.T) {
	for _, c := range []suiteCase{
		{VersionTLS12, 0xC02F, false, false}, {VersionTLS12, 0xC0A0, false, false},
		{VersionTLS12, 0xCCA8, false, false}, {VersionTLS12, 0x002F, false, false},
		{VersionTLS12, 0x002F, true, false}, {VersionTLS10, 0x0005, false, false},
		{VersionSSL30, 0x000A, false, false},
	} {
		t.Run(c.String(), func(t *testing.T) {
			s, k := keysFor(t, c)
			sl := newSealer(t, c.version, s, k.ClientMAC, k.ClientKey, k.ClientIV, c.etm, false)
			rec := sl.seal(typeApplicationData, []byte("a record long enough to span blocks"))
			for n := 0; n < len(rec); n++ {
				hc, _ := NewHalfConn12(c.version, s, k.ClientMAC, k.ClientKey, k.ClientIV, c.etm, 0)
				if _, _, mac, err := hc.Decrypt(typeApplicationData, c.version, rec[:n]); mac == MACOK {
					t.Fatalf("prefix of %d/%d bytes verified (err %v)", n, len(rec), err)
				}
			}
		})
	}
}

// TestExportKeysLaterVersions: old OpenSSL negotiated export suites in TLS
// 1.1 and 1.2 (wireshark-notes' all/dump.pcapng has five such
// connections, whose Finished messages verify with these keys). The final
// keys then come from that version's PRF, so they differ from TLS 1.0's.
func TestExportKeysLaterVersions(t *testing.T) {
	exp, ok := LookupSuite(0x0008) // TLS_RSA_EXPORT_WITH_DES40_CBC_SHA
	if !ok || !exp.Export {
		t.Fatal("no export suite 0x0008")
	}
	master := bytes.Repeat([]byte{7}, 48)
	cr, sr := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	keys := map[uint16][]byte{}
	for _, v := range []uint16{VersionTLS10, VersionTLS11, VersionTLS12} {
		k, err := KeysFromMasterSecret(v, exp, master, cr, sr)
		if err != nil {
			t.Fatalf("%#04x: %v", v, err)
		}
		if len(k.ClientKey) != exp.ExportKeyLen {
			t.Fatalf("%#04x: client key %d bytes, want %d", v, len(k.ClientKey), exp.ExportKeyLen)
		}
		keys[v] = k.ClientKey
	}
	if !bytes.Equal(keys[VersionTLS10], keys[VersionTLS11]) {
		t.Error("TLS 1.1 shares TLS 1.0's PRF, so its export keys must match")
	}
	if bytes.Equal(keys[VersionTLS10], keys[VersionTLS12]) {
		t.Error("TLS 1.2 export keys must come from the TLS 1.2 PRF")
	}
}
