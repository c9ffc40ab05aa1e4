package synth

import (
	"bufio"
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
	_ "unsafe" // go:linkname, see defaultCipherSuitesTLS13
)

// TLSOptions tune GenerateTLS.
type TLSOptions struct {
	Conns int   // connections to write (default 100)
	Bytes int64 // application data per connection, both directions together (default 128 KiB)
	Seed  uint64
	// Interleave, Start and Step are as in Options.
	Interleave int
	Start      time.Time
	Step       time.Duration
}

// TLSStats says what GenerateTLS wrote.
type TLSStats struct {
	Stats
	// Suites counts the connections of each variant, by name (see
	// Variants).
	Suites map[string]int
	// AppBytes is the application data sent, client to server [0] and
	// server to client [1], over all connections.
	AppBytes [2]int64
	// Deterministic is set when the key shares and signatures followed the
	// seed (GODEBUG cryptocustomrand=1; see seeded): the same options then
	// give the same bytes.
	Deterministic bool
}

// Variant is one kind of connection GenerateTLS makes: connection n is
// Variants[n % len(Variants)].
type Variant struct {
	Name    string
	Version uint16
	Suite   uint16
	RSA     bool // the server's certificate has an RSA key (else ECDSA P-256)
	Curve   tls.CurveID
}

// Variants are the versions, suites, key exchanges and certificates of
// the generated connections, in turn.
var Variants = []Variant{
	{"TLS1.3 AES-128-GCM X25519 ECDSA", tls.VersionTLS13, tls.TLS_AES_128_GCM_SHA256, false, tls.X25519},
	{"TLS1.2 ECDHE-RSA AES-128-GCM X25519", tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, true, tls.X25519},
	{"TLS1.3 AES-256-GCM P-256 ECDSA", tls.VersionTLS13, tls.TLS_AES_256_GCM_SHA384, false, tls.CurveP256},
	{"TLS1.2 ECDHE-ECDSA CHACHA20-POLY1305 X25519", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, false, tls.X25519},
	{"TLS1.3 CHACHA20-POLY1305 X25519 ECDSA", tls.VersionTLS13, tls.TLS_CHACHA20_POLY1305_SHA256, false, tls.X25519},
	{"TLS1.2 ECDHE-RSA AES-256-GCM P-256", tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, true, tls.CurveP256},
	{"TLS1.3 AES-128-GCM P-256 RSA", tls.VersionTLS13, tls.TLS_AES_128_GCM_SHA256, true, tls.CurveP256},
	{"TLS1.2 ECDHE-RSA AES-128-CBC-SHA X25519", tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, true, tls.X25519},
	{"TLS1.2 ECDHE-ECDSA AES-256-CBC-SHA P-256", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, false, tls.CurveP256},
}

// Randomness. crypto/tls takes Config.Rand for its nonces, key shares and
// signatures, but since Go 1.26 crypto/ecdh, ecdsa and rsa ignore a
// caller's reader and use the system source unless GODEBUG
// cryptocustomrand=1 is set (for a binary: a //go:debug line in its main
// package or test file, as cmd/tlspcap and the tests have). With it they
// read Config.Rand, after reading one byte from it at random
// (randutil.MaybeReadByte, against code that relies on the stream). The
// reader here is a ChaCha8 stream seeded per connection that answers
// one-byte reads with a fixed byte without advancing, so the output is a
// function of the options. TLSStats.Deterministic says whether it was.
// The X25519MLKEM768 key share takes no reader and is not used.

// The TLS 1.3 cipher suites are not configurable (Config.CipherSuites is
// for TLS 1.2). A Go client offers defaultCipherSuitesTLS13 in that order
// and a Go server prefers that order (or the NoAES one when the client
// puts ChaCha20 first), so putting the wanted suite first in both chooses
// it. These two are exported by go:linkname for quic-go.
//
//go:linkname defaultCipherSuitesTLS13 crypto/tls.defaultCipherSuitesTLS13
var defaultCipherSuitesTLS13 []uint16

//go:linkname defaultCipherSuitesTLS13NoAES crypto/tls.defaultCipherSuitesTLS13NoAES
var defaultCipherSuitesTLS13NoAES []uint16

var tlsGenMu sync.Mutex // one GenerateTLS at a time: the suite lists are process-wide

// seeded is a deterministic reader, safe for concurrent use.
type seeded struct {
	mu sync.Mutex
	c  *mrand.ChaCha8
}

func (s *seeded) Read(b []byte) (int, error) {
	if len(b) == 1 {
		b[0] = 0x5a
		return 1, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c.Read(b)
}

// deterministic tells whether key generation follows the given reader
// (GODEBUG cryptocustomrand=1).
func deterministic() bool {
	var k [2][]byte
	for i := range k {
		s := &seeded{}
		s.reseed(0, 0)
		p, err := ecdh.X25519().GenerateKey(s)
		if err != nil {
			return false
		}
		k[i] = p.Bytes()
	}
	return string(k[0]) == string(k[1])
}

func (s *seeded) reseed(seed uint64, n uint64) {
	var k [32]byte
	binary.LittleEndian.PutUint64(k[:], seed)
	binary.LittleEndian.PutUint64(k[8:], n)
	copy(k[16:], "ssldissect-synth")
	s.mu.Lock()
	s.c = mrand.NewChaCha8(k)
	s.mu.Unlock()
}

// RequestLen is how much of n bytes of application data the client sends
// (the rest is the server's response): a quarter, at most 1 KiB.
func RequestLen(n int64) int64 {
	return min(1024, n/4)
}

// AppData is the application data that connection conn sends in one
// direction, n bytes: an HTTP/1.1 request (client) or response (server)
// padded with a pattern of letters.
func AppData(conn int, fromClient bool, n int64) []byte {
	var head string
	if fromClient {
		head = fmt.Sprintf("GET /obj/%d HTTP/1.1\r\nHost: bench.example\r\nX-Pad: ", conn)
	} else {
		head = fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", 0)
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte((i*7+conn)%26)
	}
	if fromClient {
		if int(n) >= len(head)+4 {
			copy(b, head)
			copy(b[n-4:], "\r\n\r\n")
		}
		return b
	}
	// The body is what follows the head: fix Content-Length to it.
	for digits := 1; digits < 20; digits++ {
		body := int(n) - (len(head) - 1 + digits)
		if body >= 0 && len(strconv.Itoa(body)) == digits {
			copy(b, fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", body))
			break
		}
	}
	return b
}

// GenerateTLSFile writes the capture to out and the client's key log to
// keylogOut.
func GenerateTLSFile(out, keylogOut string, opt TLSOptions) (TLSStats, error) {
	f, err := os.Create(out)
	if err != nil {
		return TLSStats{}, err
	}
	k, err := os.Create(keylogOut)
	if err != nil {
		f.Close()
		return TLSStats{}, err
	}
	kw := bufio.NewWriter(k)
	st, err := GenerateTLS(f, kw, opt)
	for _, e := range []error{kw.Flush(), k.Close(), f.Close()} {
		if err == nil {
			err = e
		}
	}
	return st, err
}

// GenerateTLS writes a pcap of opt.Conns real TLS connections to w and
// their secrets, in the NSS key log format, to keylog. Each connection is
// a crypto/tls client and server run in this process over an in-memory
// connection (the two run in turn, never at once, so the order of their
// writes is fixed); their writes become the payloads of a synthetic TCP
// connection (SYN, SYN-ACK, ACK, segments of at most 1448 bytes, an ACK
// every two segments, FINs) from client 10.0.0.0+n+1, port 1024+n mod
// 64000, to 172.16.0.1:443. The client sends RequestLen(opt.Bytes) bytes
// of AppData, the server answers with the rest in writes of 4 to 16 KiB,
// then both send close_notify. Connection n is Variants[n % len]. The
// output is a function of opt only.
func GenerateTLS(w, keylog io.Writer, opt TLSOptions) (TLSStats, error) {
	if opt.Conns <= 0 {
		opt.Conns = 100
	}
	if opt.Bytes <= 0 {
		opt.Bytes = 128 << 10
	}
	o := Options{Interleave: opt.Interleave, Start: opt.Start, Step: opt.Step}
	if o.Interleave <= 0 {
		o.Interleave = 8
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if o.Step <= 0 {
		o.Step = 10 * time.Microsecond
	}
	tlsGenMu.Lock()
	defer tlsGenMu.Unlock()
	rnd := &seeded{}
	rnd.reseed(opt.Seed, 1<<63)
	saved13, saved13NoAES := append([]uint16(nil), defaultCipherSuitesTLS13...), append([]uint16(nil), defaultCipherSuitesTLS13NoAES...)
	defer func() {
		copy(defaultCipherSuitesTLS13, saved13)
		copy(defaultCipherSuitesTLS13NoAES, saved13NoAES)
	}()

	certs, err := benchCerts(o.Start, rnd)
	if err != nil {
		return TLSStats{}, err
	}
	st := TLSStats{Suites: map[string]int{}, Deterministic: deterministic()}
	// Connections are made ahead, up to window at once on GOMAXPROCS
	// goroutines, each with its own random stream and key log buffer; the
	// TLS 1.3 ones one at a time (tls13Mu: they set the suite order). The
	// key log is written in connection order, so the output is the same
	// as one goroutine's.
	type made struct {
		t      *Template
		keylog []byte
		err    error
	}
	workers := runtime.GOMAXPROCS(0)
	window := 4 * workers
	sem := make(chan struct{}, workers)
	var tls13Mu sync.Mutex
	var wg sync.WaitGroup
	defer wg.Wait() // before the suite lists are restored
	futures := map[int]chan made{}
	launched := 0
	launch := func(n int) {
		ch := make(chan made, 1)
		futures[n] = ch
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			v := Variants[n%len(Variants)]
			if v.Version == tls.VersionTLS13 {
				tls13Mu.Lock()
				defer tls13Mu.Unlock()
			}
			r := &seeded{}
			r.reseed(opt.Seed, uint64(n))
			var kl bytes.Buffer
			t, err := tlsConn(n, v, certs, &kl, opt, o.Start, r)
			if err != nil {
				err = fmt.Errorf("synth: connection %d (%s): %w", n, v.Name, err)
			}
			ch <- made{t, kl.Bytes(), err}
		}()
	}
	n := 0
	next := func() (*Template, error) {
		if n >= opt.Conns {
			return nil, nil
		}
		for ; launched < opt.Conns && launched < n+window; launched++ {
			launch(launched)
		}
		m := <-futures[n]
		delete(futures, n)
		if m.err != nil {
			return nil, m.err
		}
		if _, err := keylog.Write(m.keylog); err != nil {
			return nil, err
		}
		st.Suites[Variants[n%len(Variants)].Name]++
		req := RequestLen(opt.Bytes)
		st.AppBytes[0] += req
		st.AppBytes[1] += opt.Bytes - req
		n++
		return m.t, nil
	}
	st.Stats, err = interleave(w, o, next)
	st.Templates = len(Variants)
	return st, err
}

// benchCerts makes a self-signed ECDSA P-256 and an RSA-2048 certificate.
func benchCerts(now time.Time, rnd io.Reader) ([2]tls.Certificate, error) {
	var out [2]tls.Certificate
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return out, err
	}
	rk, err := rsa.GenerateKey(rnd, 2048)
	if err != nil {
		return out, err
	}
	for i, k := range []any{ek, rk} {
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(int64(i + 1)),
			Subject:               pkix.Name{CommonName: "bench.example", Organization: []string{"ssldissect synth"}},
			DNSNames:              []string{"bench.example"},
			NotBefore:             now.Add(-24 * time.Hour),
			NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
			KeyUsage:              x509.KeyUsageDigitalSignature,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			BasicConstraintsValid: true,
		}
		var pub any
		switch k := k.(type) {
		case *ecdsa.PrivateKey:
			pub = &k.PublicKey
		case *rsa.PrivateKey:
			pub = &k.PublicKey
		}
		der, err := x509.CreateCertificate(rnd, tmpl, tmpl, pub, k)
		if err != nil {
			return out, err
		}
		out[i] = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
	}
	return out, nil
}

// tlsConn runs connection n and returns its packets.
func tlsConn(n int, v Variant, certs [2]tls.Certificate, keylog io.Writer, opt TLSOptions, now time.Time, rnd io.Reader) (*Template, error) {
	// The chosen TLS 1.3 suite first, then the others in a fixed order
	// (see defaultCipherSuitesTLS13); the caller holds tls13Mu.
	if v.Version == tls.VersionTLS13 {
		order := []uint16{v.Suite}
		for _, s := range []uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256} {
			if s != v.Suite {
				order = append(order, s)
			}
		}
		for _, l := range [][]uint16{defaultCipherSuitesTLS13, defaultCipherSuitesTLS13NoAES} {
			if len(l) != len(order) {
				return nil, fmt.Errorf("crypto/tls has %d TLS 1.3 suites, not %d", len(l), len(order))
			}
			copy(l, order)
		}
	}
	clock := func() time.Time { return now }
	cert := certs[0]
	if v.RSA {
		cert = certs[1]
	}
	ccfg := &tls.Config{
		ServerName:         "bench.example",
		InsecureSkipVerify: true, // self-signed; the handshake signature is still checked
		MinVersion:         tls.VersionTLS12,
		MaxVersion:         v.Version,
		CurvePreferences:   []tls.CurveID{v.Curve},
		KeyLogWriter:       keylog,
		Time:               clock,
		Rand:               rnd,
	}
	scfg := &tls.Config{
		Certificates:     []tls.Certificate{cert},
		MinVersion:       tls.VersionTLS12,
		MaxVersion:       v.Version,
		CurvePreferences: []tls.CurveID{v.Curve},
		Time:             clock,
		Rand:             rnd,
	}
	if v.Version == tls.VersionTLS12 {
		ccfg.CipherSuites = []uint16{v.Suite}
		scfg.CipherSuites = []uint16{v.Suite}
	}
	req := RequestLen(opt.Bytes)
	resp := opt.Bytes - req
	prng := mrand.New(mrand.NewPCG(opt.Seed, uint64(n)))
	ls := newLockstep()
	client := func(c net.Conn) error {
		tc := tls.Client(c, ccfg)
		if err := tc.Handshake(); err != nil {
			return err
		}
		if _, err := tc.Write(AppData(n, true, req)); err != nil {
			return err
		}
		if _, err := io.ReadFull(tc, make([]byte, resp)); err != nil {
			return fmt.Errorf("client read: %w", err)
		}
		return tc.Close()
	}
	server := func(c net.Conn) error {
		tc := tls.Server(c, scfg)
		if _, err := io.ReadFull(tc, make([]byte, req)); err != nil {
			return fmt.Errorf("server read: %w", err)
		}
		if tc.ConnectionState().CipherSuite != v.Suite {
			return fmt.Errorf("negotiated suite %#04x, want %#04x", tc.ConnectionState().CipherSuite, v.Suite)
		}
		data := AppData(n, false, resp)
		for len(data) > 0 {
			k := min(len(data), 4096+prng.IntN(12289))
			if _, err := tc.Write(data[:k]); err != nil {
				return err
			}
			data = data[k:]
		}
		if _, err := io.Copy(io.Discard, tc); err != nil {
			return err
		}
		return tc.Close()
	}
	if err := ls.run(client, server); err != nil {
		return nil, err
	}
	return tcpTemplate(fmt.Sprintf("tls#%d", n), ls.flights, prng), nil
}

// flight is the bytes one side wrote before the other wrote again.
type flight struct {
	fromCli bool
	data    []byte
}

// lockstep connects two goroutines by in-memory streams and lets only one
// of them run at a time: a side runs until it reads with nothing to read,
// then the other runs. The writes are recorded in order as flights.
type lockstep struct {
	mu      sync.Mutex
	cond    *sync.Cond
	turn    int       // the side that may run (0 client, 1 server)
	in      [2][]byte // bytes written to side i, not read yet
	closed  [2]bool   // side i will write no more
	idle    int       // turns passed since the last write
	flights []flight
}

func newLockstep() *lockstep {
	l := &lockstep{}
	l.cond = sync.NewCond(&l.mu)
	return l
}

var errDeadlock = errors.New("synth: both sides of a TLS connection wait to read")

func (l *lockstep) run(client, server func(net.Conn) error) error {
	var errs [2]error
	var wg sync.WaitGroup
	for i, f := range []func(net.Conn) error{client, server} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.mu.Lock()
			for l.turn != i {
				l.cond.Wait()
			}
			l.mu.Unlock()
			errs[i] = f(&side{l: l, me: i})
			l.mu.Lock()
			l.closed[i] = true
			l.turn = 1 - i
			l.cond.Broadcast()
			l.mu.Unlock()
		}()
	}
	wg.Wait()
	return errors.Join(errs[0], errs[1])
}

type side struct {
	l  *lockstep
	me int
}

func (s *side) Read(b []byte) (int, error) {
	l := s.l
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		if len(l.in[s.me]) > 0 {
			n := copy(b, l.in[s.me])
			l.in[s.me] = l.in[s.me][n:]
			return n, nil
		}
		if l.closed[1-s.me] {
			return 0, io.EOF
		}
		if l.idle++; l.idle > 2 {
			l.closed[0], l.closed[1] = true, true
			l.cond.Broadcast()
			return 0, errDeadlock
		}
		l.turn = 1 - s.me
		l.cond.Broadcast()
		for l.turn != s.me {
			l.cond.Wait()
		}
	}
}

func (s *side) Write(b []byte) (int, error) {
	l := s.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed[s.me] {
		return 0, net.ErrClosed
	}
	l.idle = 0
	l.in[1-s.me] = append(l.in[1-s.me], b...)
	fromCli := s.me == 0
	if k := len(l.flights); k > 0 && l.flights[k-1].fromCli == fromCli {
		l.flights[k-1].data = append(l.flights[k-1].data, b...)
	} else {
		l.flights = append(l.flights, flight{fromCli, append([]byte(nil), b...)})
	}
	return len(b), nil
}

func (s *side) Close() error {
	s.l.mu.Lock()
	s.l.closed[s.me] = true
	s.l.mu.Unlock()
	return nil
}

func (s *side) LocalAddr() net.Addr              { return benchAddr(s.me) }
func (s *side) RemoteAddr() net.Addr             { return benchAddr(1 - s.me) }
func (s *side) SetDeadline(time.Time) error      { return nil }
func (s *side) SetReadDeadline(time.Time) error  { return nil }
func (s *side) SetWriteDeadline(time.Time) error { return nil }

func benchAddr(i int) net.Addr {
	if i == 0 {
		return &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 1024}
	}
	return &net.TCPAddr{IP: net.IPv4(172, 16, 0, 1), Port: 443}
}

const benchMSS = 1448

// tcpTemplate frames flights as the packets of one TCP connection. The
// client address and port are placeholders (interleave rewrites them), as
// are the checksums (appendPacket computes them).
func tcpTemplate(name string, flights []flight, prng *mrand.Rand) *Template {
	t := &Template{Name: name}
	seq := [2]uint32{prng.Uint32(), prng.Uint32()} // next sequence number, client [0], server [1]
	var ipid [2]uint16
	emit := func(fromCli bool, flags byte, payload []byte, mss bool) {
		d := 0
		if !fromCli {
			d = 1
		}
		thl := 20
		if mss {
			thl = 24
		}
		ip := make([]byte, 20+thl+len(payload))
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)))
		binary.BigEndian.PutUint16(ip[4:], ipid[d])
		ipid[d]++
		binary.BigEndian.PutUint16(ip[6:], 0x4000) // DF
		ip[8], ip[9] = 64, 6
		cli, srv := []byte{10, 0, 0, 1}, []byte{172, 16, 0, 1}
		tcp := ip[20:]
		if fromCli {
			copy(ip[12:], cli)
			copy(ip[16:], srv)
			binary.BigEndian.PutUint16(tcp[0:], 1024)
			binary.BigEndian.PutUint16(tcp[2:], 443)
		} else {
			copy(ip[12:], srv)
			copy(ip[16:], cli)
			binary.BigEndian.PutUint16(tcp[0:], 443)
			binary.BigEndian.PutUint16(tcp[2:], 1024)
		}
		binary.BigEndian.PutUint32(tcp[4:], seq[d])
		if flags&0x10 != 0 {
			binary.BigEndian.PutUint32(tcp[8:], seq[1-d])
		}
		tcp[12] = byte(thl/4) << 4
		tcp[13] = flags
		binary.BigEndian.PutUint16(tcp[14:], 65535)
		if mss {
			tcp[20], tcp[21] = 2, 4
			binary.BigEndian.PutUint16(tcp[22:], benchMSS)
		}
		copy(tcp[thl:], payload)
		seq[d] += uint32(len(payload))
		if flags&0x03 != 0 { // SYN, FIN
			seq[d]++
		}
		t.Packets = append(t.Packets, tmplPkt{ip: ip, fromCli: fromCli, l4off: 20, l4len: thl + len(payload)})
		t.bytes += 16 + 14 + len(ip)
	}
	const syn, fin, psh, ack = 0x02, 0x01, 0x08, 0x10
	emit(true, syn, nil, true)
	emit(false, syn|ack, nil, true)
	emit(true, ack, nil, false)
	for _, f := range flights {
		data := f.data
		unacked := 0
		for len(data) > 0 {
			k := min(len(data), benchMSS)
			flags := byte(ack)
			if k == len(data) {
				flags |= psh
			}
			emit(f.fromCli, flags, data[:k], false)
			data = data[k:]
			if unacked++; unacked == 2 && len(data) > 0 {
				emit(!f.fromCli, ack, nil, false)
				unacked = 0
			}
		}
	}
	emit(true, fin|ack, nil, false)
	emit(false, fin|ack, nil, false)
	emit(true, ack, nil, false)
	return t
}
