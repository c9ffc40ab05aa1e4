package decrypt

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
	_ "unsafe" // go:linkname, to choose Go's TLS 1.3 suite

	"golang.org/x/crypto/cryptobyte"

	"github.com/ssldissect/ssldissect/internal/connrec"
)

// crypto/tls offers no setting for TLS 1.3 suites; its default list is
// one of the variables it exports to go:linkname users. Tests narrow it to
// one suite (and restore it), so the three suites can each be exercised.
//
//go:linkname defaultCipherSuitesTLS13 crypto/tls.defaultCipherSuitesTLS13
var defaultCipherSuitesTLS13 []uint16

func restrictTLS13Suites(t *testing.T, id uint16) {
	saved := defaultCipherSuitesTLS13
	defaultCipherSuitesTLS13 = []uint16{id}
	t.Cleanup(func() { defaultCipherSuitesTLS13 = saved })
}

// The round-trip tests run Go's crypto/tls client and server over
// net.Pipe, record the bytes each side writes, and decrypt every protected
// record with this package from the key log alone, as an observer would.

type testCerts struct {
	rsaKey  *rsa.PrivateKey
	rsaCert tls.Certificate
	ecCert  tls.Certificate
}

var (
	certsOnce sync.Once
	certs     testCerts
	certsErr  error
)

func loadCerts(t testing.TB) *testCerts {
	t.Helper()
	certsOnce.Do(func() {
		mk := func(pub, priv any) (tls.Certificate, error) {
			tmpl := &x509.Certificate{
				SerialNumber: big.NewInt(1),
				Subject:      pkix.Name{CommonName: "ssldissect test"},
				NotBefore:    time.Unix(0, 0),
				NotAfter:     time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
				DNSNames:     []string{"example.test"},
				KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
				ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
			if err != nil {
				return tls.Certificate{}, err
			}
			return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv}, nil
		}
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			certsErr = err
			return
		}
		ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			certsErr = err
			return
		}
		certs.rsaKey = rk
		if certs.rsaCert, err = mk(&rk.PublicKey, rk); err != nil {
			certsErr = err
			return
		}
		certs.ecCert, certsErr = mk(&ek.PublicKey, ek)
	})
	if certsErr != nil {
		t.Fatal(certsErr)
	}
	return &certs
}

// session is one recorded connection.
type session struct {
	c2s, s2c   []byte // raw bytes written by client and server
	keylog     []byte
	clientData []byte // application data written by the client
	serverData []byte
	// serverPrefix, when set, replaces serverData: the server's answer
	// (from openssl s_server -www) must start with it.
	serverPrefix []byte
}

var (
	clientChunks = []int{1, 1000, 20000}
	serverChunks = []int{300, 17000}
)

func payload(seed byte, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = seed + byte(i*7)
	}
	return p
}

// runTLS performs a handshake and an exchange of application data.
func runTLS(t testing.TB, version uint16, suite uint16, ecdsaCert bool) *session {
	t.Helper()
	c := loadCerts(t)
	cert := c.rsaCert
	if ecdsaCert {
		cert = c.ecCert
	}
	var kl bytes.Buffer
	ccfg := &tls.Config{
		InsecureSkipVerify: true,
		KeyLogWriter:       &kl,
		MinVersion:         version,
		MaxVersion:         version,
		ServerName:         "example.test",
	}
	scfg := &tls.Config{
		Certificates:           []tls.Certificate{cert},
		MinVersion:             version,
		MaxVersion:             version,
		SessionTicketsDisabled: true,
	}
	if version < tls.VersionTLS13 {
		ccfg.CipherSuites = []uint16{suite}
		scfg.CipherSuites = []uint16{suite}
	}
	cRaw, sRaw := net.Pipe()
	deadline := time.Now().Add(20 * time.Second)
	cRaw.SetDeadline(deadline)
	sRaw.SetDeadline(deadline)
	cRec, sRec := connrec.New(cRaw), connrec.New(sRaw)

	s := &session{}
	for i, n := range clientChunks {
		s.clientData = append(s.clientData, payload(byte(i), n)...)
	}
	for i, n := range serverChunks {
		s.serverData = append(s.serverData, payload(byte(100+i), n)...)
	}

	srvErr := make(chan error, 1)
	go func() {
		srv := tls.Server(sRec, scfg)
		defer srv.Close()
		got := make([]byte, len(s.clientData))
		if _, err := io.ReadFull(srv, got); err != nil {
			srvErr <- err
			return
		}
		off := 0
		for _, n := range serverChunks {
			if _, err := srv.Write(s.serverData[off : off+n]); err != nil {
				srvErr <- err
				return
			}
			off += n
		}
		// Wait for the client's close_notify, then answer it.
		io.Copy(io.Discard, srv)
		srvErr <- nil
	}()

	cli := tls.Client(cRec, ccfg)
	if err := cli.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	off := 0
	for _, n := range clientChunks {
		if _, err := cli.Write(s.clientData[off : off+n]); err != nil {
			t.Fatalf("client write: %v", err)
		}
		off += n
	}
	got := make([]byte, len(s.serverData))
	if _, err := io.ReadFull(cli, got); err != nil {
		t.Fatalf("client read: %v", err)
	}
	cli.Close()
	if err := <-srvErr; err != nil {
		t.Fatalf("server: %v", err)
	}
	s.c2s, s.s2c, s.keylog = cRec.Bytes(), sRec.Bytes(), kl.Bytes()
	return s
}

type record struct {
	typ     uint8
	version uint16
	payload []byte
}

// splitRecords cuts a byte stream into records with the 5-byte header.
func splitRecords(t testing.TB, b []byte) []record {
	t.Helper()
	s := cryptobyte.String(b)
	var recs []record
	for !s.Empty() {
		var r record
		var body cryptobyte.String
		if !s.ReadUint8(&r.typ) || !s.ReadUint16(&r.version) || !s.ReadUint16LengthPrefixed(&body) {
			t.Fatalf("truncated record stream")
		}
		r.payload = body
		recs = append(recs, r)
	}
	return recs
}

// splitHandshake cuts concatenated handshake messages, keeping headers.
func splitHandshake(t testing.TB, b []byte) [][]byte {
	t.Helper()
	s := cryptobyte.String(b)
	var msgs [][]byte
	for !s.Empty() {
		start := len(b) - len(s)
		var typ uint8
		var body cryptobyte.String
		if !s.ReadUint8(&typ) || !s.ReadUint24LengthPrefixed(&body) {
			t.Fatalf("truncated handshake message")
		}
		msgs = append(msgs, b[start:len(b)-len(s)])
	}
	return msgs
}

type hello struct {
	version      uint16 // legacy_version
	random       []byte
	suite        uint16 // ServerHello
	realVersion  uint16 // supported_versions in a ServerHello, else version
	ems          bool   // extended_master_secret extension present
	etm          bool   // encrypt_then_mac extension present
	encryptedPMS []byte
}

// parseHello reads the fields the tests need from a Client- or ServerHello.
func parseHello(t testing.TB, msg []byte) hello {
	t.Helper()
	s := cryptobyte.String(msg)
	var h hello
	var typ uint8
	var body, sid cryptobyte.String
	if !s.ReadUint8(&typ) || !s.ReadUint24LengthPrefixed(&body) ||
		!body.ReadUint16(&h.version) || !body.ReadBytes(&h.random, 32) ||
		!body.ReadUint8LengthPrefixed(&sid) {
		t.Fatalf("bad hello")
	}
	h.realVersion = h.version
	if typ == 1 {
		var suites, comp cryptobyte.String
		if !body.ReadUint16LengthPrefixed(&suites) || !body.ReadUint8LengthPrefixed(&comp) {
			t.Fatalf("bad ClientHello")
		}
	} else {
		var comp uint8
		if !body.ReadUint16(&h.suite) || !body.ReadUint8(&comp) {
			t.Fatalf("bad ServerHello")
		}
	}
	var exts cryptobyte.String
	if body.Empty() {
		return h
	}
	if !body.ReadUint16LengthPrefixed(&exts) {
		t.Fatalf("bad hello extensions")
	}
	for !exts.Empty() {
		var id uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&id) || !exts.ReadUint16LengthPrefixed(&data) {
			t.Fatalf("bad extension")
		}
		switch {
		case id == 23:
			h.ems = true
		case id == 22:
			h.etm = true
		case id == 43 && typ == 2:
			data.ReadUint16(&h.realVersion)
		}
	}
	return h
}

// handshakeBefore returns the plaintext handshake messages of the records
// before the first ChangeCipherSpec, and the index of the record after it.
func handshakeBefore(t testing.TB, recs []record) ([][]byte, int) {
	var hs []byte
	for i, r := range recs {
		switch r.typ {
		case typeHandshake:
			hs = append(hs, r.payload...)
		case typeChangeCipherSpec:
			return splitHandshake(t, hs), i + 1
		}
	}
	return splitHandshake(t, hs), len(recs)
}

type decrypted struct {
	records  int
	appData  []byte
	alerts   [][]byte
	finished [][]byte // Finished messages (with header), in order
	hsMsgs   [][]byte // every decrypted handshake message
	macs     map[MACResult]int
}

// decryptAll runs one direction's protected records through hc. next is
// called after each handshake message (TLS 1.3 key changes).
func decryptAll(t testing.TB, hc *HalfConn, recs []record, tls13 bool, onMsg func(msg []byte) *HalfConn) *decrypted {
	t.Helper()
	d := &decrypted{macs: map[MACResult]int{}}
	for _, r := range recs {
		if tls13 && r.typ == typeChangeCipherSpec {
			continue // middlebox compatibility, never protected
		}
		pt, typ, mac, err := hc.Decrypt(r.typ, r.version, r.payload)
		if err != nil {
			t.Fatalf("record %d: %v", d.records, err)
		}
		d.records++
		d.macs[mac]++
		switch typ {
		case typeApplicationData:
			d.appData = append(d.appData, pt...)
		case typeAlert:
			d.alerts = append(d.alerts, pt)
		case typeHandshake:
			for _, m := range splitHandshake(t, pt) {
				d.hsMsgs = append(d.hsMsgs, m)
				if m[0] == 20 {
					d.finished = append(d.finished, m)
				}
				if onMsg != nil {
					if next := onMsg(m); next != nil {
						hc = next
					}
				}
			}
		default:
			t.Fatalf("record %d: unexpected content type %d", d.records, typ)
		}
	}
	return d
}

var roundTripCases = []struct {
	name    string
	version uint16
	suite   uint16
	ecdsa   bool
}{
	{"TLS10/RSA_AES_128_CBC_SHA", tls.VersionTLS10, 0x002F, false},
	{"TLS10/ECDHE_RSA_AES_256_CBC_SHA", tls.VersionTLS10, 0xC014, false},
	{"TLS10/ECDHE_ECDSA_AES_128_CBC_SHA", tls.VersionTLS10, 0xC009, true},
	{"TLS10/RSA_3DES_EDE_CBC_SHA", tls.VersionTLS10, 0x000A, false},
	{"TLS10/RSA_RC4_128_SHA", tls.VersionTLS10, 0x0005, false},
	{"TLS11/RSA_AES_128_CBC_SHA", tls.VersionTLS11, 0x002F, false},
	{"TLS11/ECDHE_RSA_AES_128_CBC_SHA", tls.VersionTLS11, 0xC013, false},
	{"TLS11/ECDHE_RSA_3DES_EDE_CBC_SHA", tls.VersionTLS11, 0xC012, false},
	{"TLS12/RSA_AES_128_CBC_SHA", tls.VersionTLS12, 0x002F, false},
	{"TLS12/RSA_AES_256_CBC_SHA", tls.VersionTLS12, 0x0035, false},
	{"TLS12/RSA_AES_128_CBC_SHA256", tls.VersionTLS12, 0x003C, false},
	{"TLS12/ECDHE_RSA_AES_128_CBC_SHA256", tls.VersionTLS12, 0xC027, false},
	{"TLS12/ECDHE_ECDSA_AES_128_CBC_SHA256", tls.VersionTLS12, 0xC023, true},
	{"TLS12/RSA_3DES_EDE_CBC_SHA", tls.VersionTLS12, 0x000A, false},
	{"TLS12/RSA_RC4_128_SHA", tls.VersionTLS12, 0x0005, false},
	{"TLS12/ECDHE_RSA_RC4_128_SHA", tls.VersionTLS12, 0xC011, false},
	{"TLS12/RSA_AES_128_GCM_SHA256", tls.VersionTLS12, 0x009C, false},
	{"TLS12/RSA_AES_256_GCM_SHA384", tls.VersionTLS12, 0x009D, false},
	{"TLS12/ECDHE_RSA_AES_128_GCM_SHA256", tls.VersionTLS12, 0xC02F, false},
	{"TLS12/ECDHE_RSA_AES_256_GCM_SHA384", tls.VersionTLS12, 0xC030, false},
	{"TLS12/ECDHE_ECDSA_AES_128_GCM_SHA256", tls.VersionTLS12, 0xC02B, true},
	{"TLS12/ECDHE_ECDSA_AES_256_GCM_SHA384", tls.VersionTLS12, 0xC02C, true},
	{"TLS12/ECDHE_RSA_CHACHA20_POLY1305", tls.VersionTLS12, 0xCCA8, false},
	{"TLS12/ECDHE_ECDSA_CHACHA20_POLY1305", tls.VersionTLS12, 0xCCA9, true},
	{"TLS13/AES_128_GCM_SHA256", tls.VersionTLS13, 0x1301, false},
	{"TLS13/AES_256_GCM_SHA384", tls.VersionTLS13, 0x1302, false},
	{"TLS13/CHACHA20_POLY1305_SHA256", tls.VersionTLS13, 0x1303, true},
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range roundTripCases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.version == tls.VersionTLS13 {
				restrictTLS13Suites(t, tc.suite)
			}
			s := runTLS(t, tc.version, tc.suite, tc.ecdsa)
			var kl KeyLog
			if n, errs := kl.Load(bytes.NewReader(s.keylog), "keylog"); len(errs) > 0 || n == 0 {
				t.Fatalf("key log: %d added, errors %v", n, errs)
			}
			if tc.version == tls.VersionTLS13 {
				checkRoundTrip13(t, s, &kl, tc.suite)
			} else {
				checkRoundTrip12(t, s, &kl, tc.suite)
			}
		})
	}
}

// checkAppData compares the decrypted application data and alerts with
// what the peers sent.
func checkAppData(t *testing.T, s *session, cd, sd *decrypted) {
	t.Helper()
	if !bytes.Equal(cd.appData, s.clientData) {
		t.Errorf("client application data differs: %d bytes, sent %d", len(cd.appData), len(s.clientData))
	}
	if s.serverPrefix != nil {
		if !bytes.HasPrefix(sd.appData, s.serverPrefix) {
			t.Errorf("server application data %.40q, want prefix %q", sd.appData, s.serverPrefix)
		}
		if len(sd.alerts) == 0 || !bytes.Equal(sd.alerts[0], []byte{1, 0}) {
			t.Errorf("server close_notify: %x", sd.alerts)
		}
		return
	}
	if !bytes.Equal(sd.appData, s.serverData) {
		t.Errorf("server application data differs: %d bytes, sent %d", len(sd.appData), len(s.serverData))
	}
	if len(cd.alerts) == 0 || !bytes.Equal(cd.alerts[0], []byte{1, 0}) {
		t.Errorf("client close_notify: %x", cd.alerts)
	}
}

// conn12 is what an observer derives for a TLS 1.0-1.2 connection.
type conn12 struct {
	version      uint16
	suite        *Suite
	ch, sh       hello
	master       []byte
	keys         *KeyBlock
	cRecs, sRecs []record
	cHS, sHS     [][]byte // plaintext handshake messages before CCS
	cIdx, sIdx   int      // first protected record
}

func observe12(t *testing.T, s *session, kl *KeyLog) *conn12 {
	t.Helper()
	c := &conn12{cRecs: splitRecords(t, s.c2s), sRecs: splitRecords(t, s.s2c)}
	c.cHS, c.cIdx = handshakeBefore(t, c.cRecs)
	c.sHS, c.sIdx = handshakeBefore(t, c.sRecs)
	c.ch, c.sh = parseHello(t, c.cHS[0]), parseHello(t, c.sHS[0])
	c.version = c.sh.version
	var ok bool
	if c.suite, ok = LookupSuite(c.sh.suite); !ok {
		t.Fatalf("suite %#04x not in table", c.sh.suite)
	}
	if c.master, ok = kl.Lookup(LabelClientRandom, c.ch.random); !ok {
		t.Fatalf("no CLIENT_RANDOM for the client random")
	}
	var err error
	if c.keys, err = KeysFromMasterSecret(c.version, c.suite, c.master, c.ch.random, c.sh.random); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *conn12) halfConns(t *testing.T, master []byte) (cl, sv *HalfConn) {
	t.Helper()
	k, err := KeysFromMasterSecret(c.version, c.suite, master, c.ch.random, c.sh.random)
	if err != nil {
		t.Fatal(err)
	}
	etm := c.sh.etm && c.suite.Mode == ModeCBC
	if cl, err = NewHalfConn12(c.version, c.suite, k.ClientMAC, k.ClientKey, k.ClientIV, etm, 0); err != nil {
		t.Fatal(err)
	}
	if sv, err = NewHalfConn12(c.version, c.suite, k.ServerMAC, k.ServerKey, k.ServerIV, etm, 0); err != nil {
		t.Fatal(err)
	}
	return cl, sv
}

func checkRoundTrip12(t *testing.T, s *session, kl *KeyLog, suiteID uint16) {
	c := observe12(t, s, kl)
	if c.sh.suite != suiteID {
		t.Fatalf("negotiated %#04x, want %#04x", c.sh.suite, suiteID)
	}
	cl, sv := c.halfConns(t, c.master)
	cd := decryptAll(t, cl, c.cRecs[c.cIdx:], false, nil)
	sd := decryptAll(t, sv, c.sRecs[c.sIdx:], false, nil)
	for dir, d := range map[string]*decrypted{"c2s": cd, "s2c": sd} {
		if d.macs[MACOK] != d.records || d.records == 0 {
			t.Errorf("%s: MAC verdicts %v over %d records", dir, d.macs, d.records)
		}
		if len(d.finished) != 1 {
			t.Errorf("%s: %d Finished messages", dir, len(d.finished))
		}
	}
	checkAppData(t, s, cd, sd)

	// Finished verify_data over the transcript, and (static RSA) the
	// master secret recomputed from the private key. A NewSessionTicket
	// (type 4) comes after the client's Finished in the transcript.
	tr := NewTranscript()
	tr.Write(c.cHS[0])
	var tickets [][]byte
	for _, m := range c.sHS {
		if m[0] == 4 {
			tickets = append(tickets, m)
			continue
		}
		tr.Write(m)
	}
	for _, m := range c.cHS[1:] {
		tr.Write(m)
	}
	if c.suite.KeyExchange == KxRSA {
		cke := c.cHS[len(c.cHS)-1]
		body := cryptobyte.String(cke[4:])
		var enc cryptobyte.String
		if !body.ReadUint16LengthPrefixed(&enc) {
			t.Fatalf("bad ClientKeyExchange")
		}
		pms, err := DecryptPreMaster(loadCerts(t).rsaKey, enc, c.ch.version)
		if err != nil {
			t.Fatalf("DecryptPreMaster: %v", err)
		}
		var sh []byte
		if c.sh.ems {
			if sh, err = tr.SessionHash(c.version, c.suite); err != nil {
				t.Fatal(err)
			}
		}
		m, err := MasterFromPreMaster(c.version, c.suite, pms, c.ch.random, c.sh.random, sh)
		if err != nil || !bytes.Equal(m, c.master) {
			t.Errorf("master from RSA pre-master (ems %v): %x, %v; key log has %x", c.sh.ems, m, err, c.master)
		}
	}
	if len(cd.finished) == 1 && len(sd.finished) == 1 {
		vd, err := FinishedVerifyData(c.version, c.suite, c.master, tr, true)
		if err != nil || !bytes.Equal(vd, cd.finished[0][4:]) {
			t.Errorf("client verify_data %x, %v; record has %x", vd, err, cd.finished[0][4:])
		}
		tr.Write(cd.finished[0])
		for _, m := range tickets {
			tr.Write(m)
		}
		vd, err = FinishedVerifyData(c.version, c.suite, c.master, tr, false)
		if err != nil || !bytes.Equal(vd, sd.finished[0][4:]) {
			t.Errorf("server verify_data %x, %v; record has %x", vd, err, sd.finished[0][4:])
		}
	}

	t.Run("tampered", func(t *testing.T) {
		cl, _ := c.halfConns(t, c.master)
		recs := c.cRecs[c.cIdx:]
		for i, r := range recs {
			p := append([]byte(nil), r.payload...)
			if i == 1 {
				p[len(p)/2] ^= 0x40
			}
			pt, _, mac, err := cl.Decrypt(r.typ, r.version, p)
			if err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			if want := map[bool]MACResult{true: MACFailed, false: MACOK}[i == 1]; mac != want && (i <= 1 || c.version > VersionTLS10 || c.suite.Mode != ModeCBC) {
				t.Errorf("record %d: mac %v, want %v", i, mac, want)
			}
			if i == 1 && c.suite.IsAEAD() && pt != nil {
				t.Errorf("AEAD record with a bad tag returned plaintext")
			}
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		bad := append([]byte(nil), c.master...)
		bad[0] ^= 1
		cl, sv := c.halfConns(t, bad)
		for _, p := range []struct {
			hc   *HalfConn
			recs []record
		}{{cl, c.cRecs[c.cIdx:]}, {sv, c.sRecs[c.sIdx:]}} {
			for i, r := range p.recs {
				_, _, mac, err := p.hc.Decrypt(r.typ, r.version, r.payload)
				if err != nil && !errors.Is(err, ErrBadLength) {
					t.Fatalf("record %d: %v", i, err)
				}
				if mac == MACOK {
					t.Errorf("record %d verified under a wrong key", i)
				}
			}
		}
	})
}

func checkRoundTrip13(t *testing.T, s *session, kl *KeyLog, suiteID uint16) {
	cRecs, sRecs := splitRecords(t, s.c2s), splitRecords(t, s.s2c)
	ch := parseHello(t, splitHandshake(t, cRecs[0].payload)[0])
	shMsg := splitHandshake(t, sRecs[0].payload)[0]
	sh := parseHello(t, shMsg)
	if sh.realVersion != VersionTLS13 {
		t.Fatalf("negotiated %#04x", sh.realVersion)
	}
	suite, ok := LookupSuite(sh.suite)
	if !ok || !suite.TLS13 {
		t.Fatalf("suite %#04x", sh.suite)
	}
	if suiteID != sh.suite {
		t.Fatalf("Go chose %#04x, want %#04x", sh.suite, suiteID)
	}
	secret := func(label string) []byte {
		v, ok := kl.Lookup(label, ch.random)
		if !ok {
			t.Fatalf("no %s in the key log", label)
		}
		return v
	}
	shts, chts := secret(LabelServerHandshakeTrafficSecret), secret(LabelClientHandshakeTrafficSecret)
	sats, cats := secret(LabelServerTrafficSecret0), secret(LabelClientTrafficSecret0)

	tr := NewTranscript()
	tr.Write(splitHandshake(t, cRecs[0].payload)[0])
	tr.Write(shMsg)
	var serverFinishedOK, clientFinishedOK bool
	sv, err := NewHalfConn13(suite, shts)
	if err != nil {
		t.Fatal(err)
	}
	sd := decryptAll(t, sv, sRecs[1:], true, func(m []byte) *HalfConn {
		if m[0] == 20 && !serverFinishedOK {
			vd, _ := FinishedVerifyData13(suite, shts, tr.Sum(suite.PRFHash))
			serverFinishedOK = bytes.Equal(vd, m[4:])
			tr.Write(m)
			next, err := NewHalfConn13(suite, sats)
			if err != nil {
				t.Fatal(err)
			}
			return next
		}
		if !serverFinishedOK {
			tr.Write(m)
		}
		return nil
	})
	cl, err := NewHalfConn13(suite, chts)
	if err != nil {
		t.Fatal(err)
	}
	cd := decryptAll(t, cl, cRecs[1:], true, func(m []byte) *HalfConn {
		if m[0] == 20 {
			vd, _ := FinishedVerifyData13(suite, chts, tr.Sum(suite.PRFHash))
			clientFinishedOK = bytes.Equal(vd, m[4:])
			next, err := NewHalfConn13(suite, cats)
			if err != nil {
				t.Fatal(err)
			}
			return next
		}
		return nil
	})
	if !serverFinishedOK || !clientFinishedOK {
		t.Errorf("Finished verify_data: server %v, client %v", serverFinishedOK, clientFinishedOK)
	}
	for dir, d := range map[string]*decrypted{"c2s": cd, "s2c": sd} {
		if d.macs[MACOK] != d.records || d.records == 0 {
			t.Errorf("%s: MAC verdicts %v over %d records", dir, d.macs, d.records)
		}
	}
	checkAppData(t, s, cd, sd)

	t.Run("tampered", func(t *testing.T) {
		// The client's last application data record, under its traffic key.
		hc, _ := NewHalfConn13(suite, cats)
		var recs []record
		for _, r := range cRecs[1:] {
			if r.typ == typeApplicationData {
				recs = append(recs, r)
			}
		}
		recs = recs[1:] // the Finished record was under the handshake key
		for i, r := range recs {
			p := append([]byte(nil), r.payload...)
			if i == 0 {
				p[0] ^= 1
			}
			pt, _, mac, err := hc.Decrypt(r.typ, r.version, p)
			if i == 0 && (mac != MACFailed || pt != nil || err != nil) {
				t.Errorf("tampered record: mac %v, %d bytes, err %v", mac, len(pt), err)
			}
			if i > 0 && mac != MACOK {
				t.Errorf("record %d after a tampered one: mac %v", i, mac)
			}
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		bad := append([]byte(nil), cats...)
		bad[0] ^= 1
		hc, _ := NewHalfConn13(suite, bad)
		for i, r := range cRecs[2:] {
			if _, _, mac, _ := hc.Decrypt(r.typ, r.version, r.payload); mac == MACOK {
				t.Errorf("record %d verified under a wrong key", i)
			}
		}
	})
}
