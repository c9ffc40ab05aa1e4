package decrypt

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// The vectors are RFC 9001 Appendix A (QUIC v1) and RFC 9369 Appendix A
// (QUIC v2): the client's DCID 0x8394c8f03e515708.
var quicTestDCID = []byte{0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08}

func TestQUICInitialKeys(t *testing.T) {
	for _, tc := range []struct {
		name                          string
		version                       uint32
		clientKey, clientIV, clientHP string
		serverKey, serverIV, serverHP string
	}{
		{"v1", 0x00000001,
			"1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2",
			"cf3a5331653c364c88f0f379b6067e37", "0ac1493ca1905853b0bba03e", "c206b8d9b9f0f37644430b490eeaa314"},
		{"v2", 0x6b3343cf,
			"8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9",
			"82db637861d55e1d011f19ea71d5d2a7", "dd13c276499c0249d3310652", "edf6d05c83121201b436e16877593c3a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, s, err := QUICInitialKeys(tc.version, quicTestDCID)
			if err != nil {
				t.Fatal(err)
			}
			check := func(who string, k *QUICKeys, key, iv, hp string) {
				t.Helper()
				gotKey, _ := hkdfExpandLabel(k.Suite.PRFHash, tls13LabelPfx, k.secret, k.version.labelPfx+"key", nil, 16)
				gotHP, _ := hkdfExpandLabel(k.Suite.PRFHash, tls13LabelPfx, k.secret, k.version.labelPfx+"hp", nil, 16)
				if hex.EncodeToString(gotKey) != key || hex.EncodeToString(k.iv) != iv || hex.EncodeToString(gotHP) != hp {
					t.Errorf("%s: key %x iv %x hp %x, want %s %s %s", who, gotKey, k.iv, gotHP, key, iv, hp)
				}
			}
			check("client", c, tc.clientKey, tc.clientIV, tc.clientHP)
			check("server", s, tc.serverKey, tc.serverIV, tc.serverHP)
		})
	}
}

// TestQUICClientInitialProtection protects the start of RFC 9001 A.2's
// client Initial: the first 16 bytes of ciphertext are the header
// protection sample the RFC gives, and the protected header is the RFC's.
// (GCM's ciphertext starts as plaintext XOR key stream, so the CRYPTO
// frame's first 16 bytes fix it.)
func TestQUICClientInitialProtection(t *testing.T) {
	c, _, err := QUICInitialKeys(1, quicTestDCID)
	if err != nil {
		t.Fatal(err)
	}
	header := unhex(t, "c300000001088394c8f03e5157080000449e00000002")
	plain := make([]byte, 1162)
	copy(plain, unhex(t, "060040f1010000ed0303ebf8fa56f129"))
	pkt := append(append([]byte(nil), header...), c.Seal(nil, 2, header, plain)...)
	pnOffset := len(header) - 4
	if got, want := hex.EncodeToString(pkt[pnOffset+4:pnOffset+20]), "d1b1c98dd7689fb8ec11d242b123dc9b"; got != want {
		t.Fatalf("sample %s, want %s", got, want)
	}
	if got := c.hp.mask(pkt[pnOffset+4 : pnOffset+20]); hex.EncodeToString(got[:]) != "437b9aec36" {
		t.Fatalf("mask %x, want 437b9aec36", got)
	}
	// Protect the header as a sender would, then take it off again.
	m := c.hp.mask(pkt[pnOffset+4 : pnOffset+20])
	pkt[0] ^= m[0] & 0x0f
	for i := 0; i < 4; i++ {
		pkt[pnOffset+i] ^= m[1+i]
	}
	if got, want := hex.EncodeToString(pkt[:len(header)]), "c000000001088394c8f03e5157080000449e7b9aec34"; got != want {
		t.Fatalf("protected header %s, want %s", got, want)
	}
	pnLen, pn, err := c.Unprotect(pkt, pnOffset)
	if err != nil || pnLen != 4 || pn != 2 || !bytes.Equal(pkt[:len(header)], header) {
		t.Fatalf("Unprotect: pnLen %d pn %d err %v header %x", pnLen, pn, err, pkt[:len(header)])
	}
	out, err := c.Open(nil, pn, pkt[:len(header)], pkt[len(header):])
	if err != nil || !bytes.Equal(out, plain) {
		t.Fatalf("Open: %v", err)
	}
	pkt[len(pkt)-1] ^= 1
	if _, err := c.Open(nil, pn, pkt[:len(header)], pkt[len(header):]); err != ErrQUICAuth {
		t.Fatalf("Open of a corrupted packet: %v, want ErrQUICAuth", err)
	}
}

// TestQUICServerInitial opens RFC 9001 A.3's server Initial, whole.
func TestQUICServerInitial(t *testing.T) {
	_, s, err := QUICInitialKeys(1, quicTestDCID)
	if err != nil {
		t.Fatal(err)
	}
	pkt := unhex(t, `cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a
		5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3
		dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84
		022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4
		2158407dd074ee`)
	want := unhex(t, `02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739
		88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94
		0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00
		020304`)
	const pnOffset = 18
	pnLen, pn, err := s.Unprotect(pkt, pnOffset)
	if err != nil || pnLen != 2 || pn != 1 {
		t.Fatalf("Unprotect: pnLen %d pn %d err %v", pnLen, pn, err)
	}
	hdr := pnOffset + pnLen
	if got := hex.EncodeToString(pkt[:hdr]); got != "c1000000010008f067a5502a4262b50040750001" {
		t.Fatalf("header %s", got)
	}
	out, err := s.Open(nil, pn, pkt[:hdr], pkt[hdr:])
	if err != nil || !bytes.Equal(out, want) {
		t.Fatalf("Open: %v\n%x", err, out)
	}
}

// TestQUICChaCha20ShortHeader opens RFC 9001 A.5 (v1) and RFC 9369 A.5
// (v2): a 1-RTT packet under ChaCha20-Poly1305 carrying one PING, and
// checks the next key phase's secret.
func TestQUICChaCha20ShortHeader(t *testing.T) {
	secret := unhex(t, "9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b")
	for _, tc := range []struct {
		name    string
		version uint32
		packet  string
		ku      string
	}{
		{"v1", 1, "4cfe4189655e5cd55c41f69080575d7999c25a5bfb", "1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9"},
		{"v2", 0x6b3343cf, "5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba", "c69374c49e3d2a9466fa689e49d476db5d0dfbc87d32ceeaa6343fd0ae4c7d88"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := NewQUICKeys(tc.version, 0x1303, secret)
			if err != nil {
				t.Fatal(err)
			}
			pkt := unhex(t, tc.packet)
			pnLen, trunc, err := k.Unprotect(pkt, 1)
			if err != nil || pnLen != 3 {
				t.Fatalf("Unprotect: pnLen %d err %v", pnLen, err)
			}
			// The largest packet number received before was 654360564 - 1.
			if trunc != 654360564&0xffffff {
				t.Fatalf("truncated pn %#x", trunc)
			}
			out, err := k.Open(nil, 654360564, pkt[:1+pnLen], pkt[1+pnLen:])
			if err != nil || !bytes.Equal(out, []byte{0x01}) {
				t.Fatalf("Open: %v %x", err, out)
			}
			next, err := k.NextPhase()
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(next.secret) != tc.ku {
				t.Errorf("next phase secret %x, want %s", next.secret, tc.ku)
			}
		})
	}
}

func TestVerifyQUICRetry(t *testing.T) {
	for _, tc := range []struct {
		name    string
		version uint32
		packet  string
	}{
		{"v1", 1, "ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba"},
		{"v2", 0x6b3343cf, "cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d955543665dcc7b6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkt := unhex(t, tc.packet)
			if ok, checked := VerifyQUICRetry(tc.version, quicTestDCID, pkt); !ok || !checked {
				t.Fatalf("ok %v checked %v, want a valid tag", ok, checked)
			}
			pkt[len(pkt)-1] ^= 1
			if ok, checked := VerifyQUICRetry(tc.version, quicTestDCID, pkt); ok || !checked {
				t.Fatalf("corrupted tag: ok %v checked %v", ok, checked)
			}
		})
	}
}

func TestQUICVersionsWithoutProtection(t *testing.T) {
	if _, _, err := QUICInitialKeys(0x0a0a0a0a, quicTestDCID); err == nil {
		t.Fatal("a reserved version has Initial keys")
	}
	if _, _, err := QUICInitialKeys(0xff00001d, quicTestDCID); err != nil {
		t.Fatalf("draft-29: %v", err)
	}
}
