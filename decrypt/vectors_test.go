package decrypt

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"encoding/hex"
	"strings"
	"testing"
)

// unhex decodes hex with optional spaces and newlines; it fails the test on
// bad input.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	s = strings.Join(strings.Fields(s), "")
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex in test vector: %v", err)
	}
	return b
}

func checkHex(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	if w := strings.Join(strings.Fields(want), ""); hex.EncodeToString(got) != w {
		t.Errorf("%s:\n got %x\nwant %s", what, got, w)
	}
}

// TLS 1.2 PRF: the IETF TLS list vectors (mail-archive tls msg03416), as
// used by GnuTLS, OpenSSL and others.
func TestPRF12Vectors(t *testing.T) {
	tests := []struct {
		name               string
		hash               crypto.Hash
		secret, seed, want string
	}{
		{"P_SHA256", crypto.SHA256, "9bbe436ba940f017b17652849a71db35", "a0ba9f936cda311827a6f796ffd5198c",
			"e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af" +
				"0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66"},
		{"P_SHA384", crypto.SHA384, "b80b733d6ceefcdc71566ea48e5567df", "cd665cf6a8447dd6ff8b27555edb7465",
			"7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0" +
				"e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425" +
				"9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := unhex(t, tt.want)
			got := prf12(tt.hash)(unhex(t, tt.secret), "test label", unhex(t, tt.seed), len(want))
			checkHex(t, "PRF output", got, tt.want)
			// P_hash is a stream: a shorter output is a prefix.
			if short := prf12(tt.hash)(unhex(t, tt.secret), "test label", unhex(t, tt.seed), 13); !bytes.Equal(short, want[:13]) {
				t.Errorf("13-byte output is not a prefix")
			}
		})
	}
}

// TLS 1.0 master secrets and key blocks generated with GnuTLS
// (gnutls-cli -d 9), the vectors of Go's crypto/tls prf_test.go;
// TLS_RSA_WITH_RC4_128_SHA. The third has a 128-byte pre-master secret,
// which exercises prf10's odd/even secret split.
func TestKeysFromPreMasterTLS10(t *testing.T) {
	tests := []struct {
		name                                    string
		pms, cr, sr, master                     string
		clientMAC, serverMAC, clientKey, srvKey string
	}{
		{"gnutls-1",
			"0302cac83ad4b1db3b9ab49ad05957de2a504a634a386fc600889321e1a971f57479466830ac3e6f468e87f5385fa0c5",
			"4ae66303755184a3917fcb44880605fcc53baa01912b22ed94473fc69cebd558",
			"4ae663020ec16e6bb5130be918cfcafd4d765979a3136a5d50c593446e4e44db",
			"3d851bab6e5556e959a16bc36d66cfae32f672bfa9ecdef6096cbb1b23472df1da63dbbd9827606413221d149ed08ceb",
			"805aaa19b3d2c0a0759a4b6c9959890e08480119", "2d22f9fe519c075c16448305ceee209fc24ad109",
			"d50b5771244f850cd8117a9ccafe2cf1", "e076e33206b30507a85c32855acd0919"},
		{"gnutls-2",
			"03023f7527316bc12cbcd69e4b9e8275d62c028f27e65c745cfcddc7ce01bd3570a111378b63848127f1c36e5f9e4890",
			"4ae66364b5ea56b20ce4e25555aed2d7e67f42788dd03f3fee4adae0459ab106",
			"4ae66363ab815cbf6a248b87d6b556184e945e9b97fbdf247858b0bdafacfa1c",
			"7d64be7c80c59b740200b4b9c26d0baaa1c5ae56705acbcf2307fe62beb4728c19392c83f20483801cce022c77645460",
			"97742ed60a0554ca13f04f97ee193177b971e3b0", "37068751700400e03a8477a5c7eec0813ab9e0dc",
			"207cddbc600d2a200abac6502053ee5c", "df3f94f6e1eacc753b815fe16055cd43"},
		{"gnutls-3-long-pms",
			"832d515f1d61eebb2be56ba0ef79879efb9b527504abb386fb4310ed5d0e3b1f220d3bb6b455033a2773e6d8bdf951d2" +
				"78a187482b400d45deb88a5d5a6bb7d6a7a1decc04eb9ef0642876cd4a82d374d3b6ff35f0351dc5d411104de4313753" +
				"55addc39bfb1f6329fb163b0bc298d658338930d07d313cd980a7e3d9196cac1",
			"4ae663b2ee389c0de147c509d8f18f5052afc4aaf9699efe8cb05ece883d3a5e",
			"4ae664d503fd4cff50cfc1fb8fc606580f87b0fcdac9554ba0e01d785bdf278e",
			"1aff2e7a2c4279d0126f57a65a77a8d9d0087cf2733366699bec27eb53d5740705a8574bb1acc2abbe90e44f0dd28d6c",
			"3c7647c93c1379a31a609542aa44e7f117a70085", "0d73102994be74a575a3ead8532590ca32a526d4",
			"ac7581b0b6c10d85bbd905ffbf36c65e", "ff07edde49682b45466bd2e39464b306"},
	}
	suite, _ := LookupSuite(0x0005)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr, sr := unhex(t, tt.cr), unhex(t, tt.sr)
			master, err := MasterFromPreMaster(VersionTLS10, suite, unhex(t, tt.pms), cr, sr, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkHex(t, "master", master, tt.master)
			k, err := KeysFromMasterSecret(VersionTLS10, suite, master, cr, sr)
			if err != nil {
				t.Fatal(err)
			}
			checkHex(t, "client MAC", k.ClientMAC, tt.clientMAC)
			checkHex(t, "server MAC", k.ServerMAC, tt.serverMAC)
			checkHex(t, "client key", k.ClientKey, tt.clientKey)
			checkHex(t, "server key", k.ServerKey, tt.srvKey)
		})
	}
}

// RFC 8448 section 3, "Simple 1-RTT Handshake", TLS_AES_128_GCM_SHA256.
const (
	rfc8448Shared       = "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d"
	rfc8448EarlySecret  = "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a"
	rfc8448Derived      = "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba"
	rfc8448HSSecret     = "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac"
	rfc8448HelloHash    = "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8"
	rfc8448CHSTraffic   = "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21"
	rfc8448SHSTraffic   = "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"
	rfc8448Master       = "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919"
	rfc8448CVHash       = "edb7725fa7a3473b031ec8ef65a2485493900138a2b91291407d7951a06110ed"
	rfc8448SFinHash     = "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13"
	rfc8448SFinishedKey = "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8"
	rfc8448SVerifyData  = "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718"
	rfc8448CAPTraffic   = "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5"
	rfc8448SAPTraffic   = "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"
	// {client} send application_data record: 50 bytes 00..31, app keys, seq 0.
	rfc8448ClientAppRecord = "17030300 43a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e" +
		"2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4"
	// {server} send application_data record: the same 50 bytes, seq 1 (the
	// NewSessionTicket was seq 0).
	rfc8448ServerAppRecord = "1703030043 2e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8" +
		"fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d"
)

func TestKeySchedule13RFC8448(t *testing.T) {
	suite, _ := LookupSuite(0x1301)
	h := suite.PRFHash
	empty := h.New().Sum(nil)

	early, err := extract(h, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkHex(t, "early secret", early, rfc8448EarlySecret)
	derived, _ := deriveSecret(h, early, labelDerived, empty)
	checkHex(t, "derived", derived, rfc8448Derived)
	hs, _ := extract(h, derived, unhex(t, rfc8448Shared))
	checkHex(t, "handshake secret", hs, rfc8448HSSecret)
	chs, _ := deriveSecret(h, hs, "c hs traffic", unhex(t, rfc8448HelloHash))
	checkHex(t, "c hs traffic", chs, rfc8448CHSTraffic)
	shs, _ := deriveSecret(h, hs, "s hs traffic", unhex(t, rfc8448HelloHash))
	checkHex(t, "s hs traffic", shs, rfc8448SHSTraffic)
	d2, _ := deriveSecret(h, hs, labelDerived, empty)
	master, _ := extract(h, d2, nil)
	checkHex(t, "master", master, rfc8448Master)
	cap0, _ := deriveSecret(h, master, "c ap traffic", unhex(t, rfc8448SFinHash))
	checkHex(t, "c ap traffic", cap0, rfc8448CAPTraffic)
	sap0, _ := deriveSecret(h, master, "s ap traffic", unhex(t, rfc8448SFinHash))
	checkHex(t, "s ap traffic", sap0, rfc8448SAPTraffic)

	keys := []struct{ name, secret, key, iv string }{
		{"server handshake", rfc8448SHSTraffic, "3fce516009c21727d0f2e4e86ee403bc", "5d313eb2671276ee13000b30"},
		{"client handshake", rfc8448CHSTraffic, "dbfaa693d1762c5b666af5d950258d01", "5bd3c71b836e0b76bb73265f"},
		{"server application", rfc8448SAPTraffic, "9f02283b6c9c07efc26bb9f2ac92e356", "cf782b88dd83549aadf1e984"},
		{"client application", rfc8448CAPTraffic, "17422dda596ed5d9acd890e3c63f5051", "5b78923dee08579033e523d9"},
	}
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			key, iv, err := trafficKey(suite, unhex(t, k.secret))
			if err != nil {
				t.Fatal(err)
			}
			checkHex(t, "key", key, k.key)
			checkHex(t, "iv", iv, k.iv)
		})
	}

	fk, _ := expandLabel(h, unhex(t, rfc8448SHSTraffic), labelFinished, nil, h.Size())
	checkHex(t, "server finished key", fk, rfc8448SFinishedKey)
	vd, err := FinishedVerifyData13(suite, unhex(t, rfc8448SHSTraffic), unhex(t, rfc8448CVHash))
	if err != nil {
		t.Fatal(err)
	}
	checkHex(t, "server verify_data", vd, rfc8448SVerifyData)
}

func TestDecryptRFC8448Records(t *testing.T) {
	suite, _ := LookupSuite(0x1301)
	want := make([]byte, 50)
	for i := range want {
		want[i] = byte(i)
	}
	tests := []struct {
		name, secret, record string
		seq                  uint64
	}{
		{"client application data", rfc8448CAPTraffic, rfc8448ClientAppRecord, 0},
		{"server application data", rfc8448SAPTraffic, rfc8448ServerAppRecord, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hc, err := NewHalfConn13(suite, unhex(t, tt.secret))
			if err != nil {
				t.Fatal(err)
			}
			hc.SetSequence(tt.seq)
			rec := unhex(t, tt.record)
			pt, typ, mac, err := hc.Decrypt(rec[0], uint16(rec[1])<<8|uint16(rec[2]), rec[5:])
			if err != nil || mac != MACOK {
				t.Fatalf("Decrypt: mac %v, err %v", mac, err)
			}
			if typ != typeApplicationData || !bytes.Equal(pt, want) {
				t.Errorf("got type %d plaintext %x", typ, pt)
			}
			if hc.Seq() != tt.seq+1 {
				t.Errorf("seq %d after one record, want %d", hc.Seq(), tt.seq+1)
			}
		})
	}
}

// CCM: RFC 3610 packet vectors 1-3 (13-byte nonce, 8-byte tag) and NIST
// SP 800-38C appendix C examples 1-3.
func TestCCMVectors(t *testing.T) {
	tests := []struct {
		name                      string
		key, nonce, aad, pt, want string
		tagLen                    int
	}{
		{"RFC3610-1", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000003020100a0a1a2a3a4a5", "0001020304050607",
			"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e", "588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0", 8},
		{"RFC3610-2", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000004030201a0a1a2a3a4a5", "0001020304050607",
			"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3ba091d56e10400916", 8},
		{"RFC3610-3", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000005040302a0a1a2a3a4a5", "0001020304050607",
			"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", "51b1e5f44a197d1da46b0f8e2d282ae871e838bb64da8596574adaa76fbd9fb0c5", 8},
		{"SP800-38C-C1", "404142434445464748494a4b4c4d4e4f", "10111213141516", "0001020304050607",
			"20212223", "7162015b4dac255d", 4},
		{"SP800-38C-C2", "404142434445464748494a4b4c4d4e4f", "1011121314151617", "000102030405060708090a0b0c0d0e0f",
			"202122232425262728292a2b2c2d2e2f", "d2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd", 6},
		{"SP800-38C-C3", "404142434445464748494a4b4c4d4e4f", "101112131415161718191a1b", "000102030405060708090a0b0c0d0e0f10111213",
			"202122232425262728292a2b2c2d2e2f3031323334353637", "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5484392fbc1b09951", 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := aes.NewCipher(unhex(t, tt.key))
			nonce := unhex(t, tt.nonce)
			c, err := NewCCM(b, len(nonce), tt.tagLen)
			if err != nil {
				t.Fatal(err)
			}
			aad, pt := unhex(t, tt.aad), unhex(t, tt.pt)
			checkHex(t, "seal", c.Seal(nil, nonce, pt, aad), tt.want)
			got, err := c.Open(nil, nonce, unhex(t, tt.want), aad)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("open: %x, %v", got, err)
			}
			bad := unhex(t, tt.want)
			bad[len(bad)-1] ^= 1
			if _, err := c.Open(nil, nonce, bad, aad); err == nil {
				t.Errorf("open accepted a bad tag")
			}
			if _, err := c.Open(nil, nonce, bad[:tt.tagLen-1], aad); err == nil {
				t.Errorf("open accepted a short input")
			}
		})
	}
}
