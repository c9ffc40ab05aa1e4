package decrypt

import (
	"bytes"
	"testing"
)

// TestRC2ExportCaptured decrypts records of the two kinds of
// TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5 connections in Peter Wu's
// wireshark-notes captures (OpenSSL 1.0.1, 2013): ssl3/dump.pcapng (SSL
// 3.0: MD5 export keys, SSL 3.0 MAC) and all/dump.pcapng (TLS 1.2, which
// old OpenSSL negotiated export suites in: TLS 1.2 PRF export keys,
// explicit IVs). The master secrets are the captures' key log lines. These
// records pin the RC2 effective key length: sealed-record round trips
// cannot, since they use the same cipher both ways, and with T1 = 40 none
// of these MACs verifies.
func TestRC2ExportCaptured(t *testing.T) {
	suite, ok := LookupSuite(0x0006)
	if !ok || !suite.Available || !suite.Export || suite.Cipher != "RC2_CBC_40" {
		t.Fatalf("suite 0x0006: %+v", suite)
	}
	if suite.KeyLen != 5 || suite.ExportKeyLen != 16 || suite.BlockSize != 8 || suite.IVLen != 8 || suite.MACLen != 16 {
		t.Fatalf("suite 0x0006 sizes: key %d/%d, block %d, IV %d, MAC %d", suite.KeyLen, suite.ExportKeyLen, suite.BlockSize, suite.IVLen, suite.MACLen)
	}
	type rec struct {
		client bool
		seq    uint64
		hex    string
		want   string // plaintext prefix, hex
	}
	tests := []struct {
		name           string
		version        uint16
		master, cr, sr string
		records        []rec
	}{
		{"ssl3", VersionSSL30,
			"9530c19c4841723bb83aeadbd0b4d7b5468a9bf3b9379257bafbd3f8a1bff9e9a90c9d123c5e0386c8e30d71add1a2b7",
			"5234971117d82ea2ba1f579dfb1eb44125e10a6335f8e60ebeefddfbb4164814",
			"52349711720fa9e658b557ac90c34b3af7e56a44bec403dac0590a41df828642",
			[]rec{
				{true, 0, "1603000040dc2e8b57490374c5cda1a8d7991facd49d899372d91cbe87dda3d348bed8ddc5fde007943ccda12a107796ab3dbfd4087b27c53b5c76d751a931053b20821aab", "14000024"},
				{false, 0, "1603000040f38fc6b1273c8d1ef9ae7d17bee289079b824d5d92f4dafae2b48d0185fd399fada92c7e1a74ccdb4fae3f1d20dc0fa15c1c715742132e8b57ce8e4b116c545b", "14000024"},
			}},
		{"tls12", VersionTLS12,
			"d1940a0057008819b3b139b4c9f5328f8aeeecb844cb2a4f31c841722510d757ba870a089a89fec788a0e42e61f30bd1",
			// The client hello is SSLv2-framed: its 32-byte challenge is the client random.
			"6e9015fda12c6fae63ef1ddf06be63aa65ed23349f74e703764e5100282d3382",
			"52362c11659db70ffa877f2ec79984bfb38a702ae9477341060f8caf3599bf88",
			[]rec{
				{true, 0, "16030300300907e4461233b426941cea475735d52af2ffe4b486b94885b61cde94cc0231d3aca0e06c5d53d927ff8db3e8205f4da7", "1400000c"},
				{true, 1, "1703030030958e96e3fa0b6dc9c9e2481304da7f33d538ab0a6cb4599fcb6dc5ec7199b297b6616308b3c9784acf3b18ed03978413", "474554202f20485454502f312e300d0a0d0a"},
				{false, 0, "160303003098bf330fa6e988938218a30f86fbe8b1f740c9cb5c2a52777145bfb43b401928e8fe7298140b73e0e7780208471f518c", "1400000c"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := KeysFromMasterSecret(tt.version, suite, unhex(t, tt.master), unhex(t, tt.cr), unhex(t, tt.sr))
			if err != nil {
				t.Fatal(err)
			}
			if len(k.ClientKey) != 16 || len(k.ClientIV) != 8 {
				t.Fatalf("final key %d bytes, IV %d", len(k.ClientKey), len(k.ClientIV))
			}
			cl, err := NewHalfConn12(tt.version, suite, k.ClientMAC, k.ClientKey, k.ClientIV, false, CompressionNull)
			if err != nil {
				t.Fatal(err)
			}
			sv, err := NewHalfConn12(tt.version, suite, k.ServerMAC, k.ServerKey, k.ServerIV, false, CompressionNull)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range tt.records {
				hc := sv
				if r.client {
					hc = cl
				}
				if hc.Seq() != r.seq {
					t.Fatalf("sequence %d, want %d", hc.Seq(), r.seq)
				}
				b := unhex(t, r.hex)
				pt, _, mac, err := hc.Decrypt(b[0], uint16(b[1])<<8|uint16(b[2]), b[5:])
				if err != nil || mac != MACOK {
					t.Fatalf("client %v seq %d: mac %v, err %v", r.client, r.seq, mac, err)
				}
				if want := unhex(t, r.want); !bytes.HasPrefix(pt, want) {
					t.Errorf("client %v seq %d: plaintext %x, want prefix %x", r.client, r.seq, pt, want)
				}
			}
		})
	}
}
