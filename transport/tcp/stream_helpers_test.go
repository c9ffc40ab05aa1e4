package tcp

// Tests of the connection state machine (conn.go, conn_decrypt.go) on real
// traffic: crypto/tls clients and servers run in-process over an in-memory
// pipe, every byte each side writes is recorded in order with the key log,
// and the streamRecording is fed back to a Conn.

import (
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/session"

	"github.com/ssldissect/ssldissect/parser"

	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// ---- in-memory transport with a streamRecording of every write ----

// streamWrite is one write: which side wrote it (0 the TLS client, 1 the server).
type streamWrite struct {
	side int
	data []byte
}

// streamRecording is the shared, ordered log of both sides' writes.
type streamRecording struct {
	mu     sync.Mutex
	writes []streamWrite
}

func (r *streamRecording) stream(side int) []byte {
	var b []byte
	for _, w := range r.writes {
		if w.side == side {
			b = append(b, w.data...)
		}
	}
	return b
}

// pipeHalf is one direction of a buffered in-memory pipe: writes never
// block (net.Pipe and io.Pipe are synchronous and deadlock crypto/tls when
// both sides write at once, as TLS 1.3 does with its session tickets).
type pipeHalf struct {
	mu     sync.Mutex
	cond   *sync.Cond
	buf    []byte
	closed bool
}

func newPipeHalf() *pipeHalf {
	p := &pipeHalf{}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *pipeHalf) read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.buf) == 0 && !p.closed {
		p.cond.Wait()
	}
	if len(p.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(b, p.buf)
	p.buf = p.buf[n:]
	return n, nil
}

func (p *pipeHalf) write(b []byte) {
	p.mu.Lock()
	p.buf = append(p.buf, b...)
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *pipeHalf) close() {
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
}

// pipeEnd is one end of the pipe; its writes are recorded (under the
// streamRecording's lock, so the log has the order in which bytes became
// readable).
type pipeEnd struct {
	side    int
	rec     *streamRecording
	in, out *pipeHalf
}

func (c *pipeEnd) Read(b []byte) (int, error) { return c.in.read(b) }
func (c *pipeEnd) Write(b []byte) (int, error) {
	c.rec.mu.Lock()
	defer c.rec.mu.Unlock()
	if c.out.closed {
		return 0, net.ErrClosed
	}
	c.rec.writes = append(c.rec.writes, streamWrite{c.side, bytes.Clone(b)})
	c.out.write(b)
	return len(b), nil
}

// Close is a half-close: the peer reads EOF, and may still write.
func (c *pipeEnd) Close() error {
	c.out.close()
	return nil
}
func (c *pipeEnd) LocalAddr() net.Addr              { return pipeAddr{} }
func (c *pipeEnd) RemoteAddr() net.Addr             { return pipeAddr{} }
func (c *pipeEnd) SetDeadline(time.Time) error      { return nil }
func (c *pipeEnd) SetReadDeadline(time.Time) error  { return nil }
func (c *pipeEnd) SetWriteDeadline(time.Time) error { return nil }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

func recordedPipe(rec *streamRecording) (client, server *pipeEnd) {
	c2s, s2c := newPipeHalf(), newPipeHalf()
	return &pipeEnd{0, rec, s2c, c2s}, &pipeEnd{1, rec, c2s, s2c}
}

// ---- real TLS sessions ----

var streamCert = sync.OnceValues(func() (tls.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "example.test"},
		DNSNames:     []string{"example.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
})

// session describes one TLS connection to run.
type sessionSpec struct {
	name string
	// min/max versions and suites for both sides (0/nil: defaults).
	version      uint16
	suites       []uint16
	clientCurves []tls.CurveID
	serverCurves []tls.CurveID
	noTickets    bool
	clientCert   bool // the server asks for one, the client sends it
	chainCopies  int  // the server's chain repeats its certificate this many more times
	// shared across connections for resumption tests
	clientCache tls.ClientSessionCache
	serverConf  *tls.Config
	// plaintext exchanged before the handshake (STARTTLS), in order
	pre []streamWrite
	// application data
	request  []byte
	response [][]byte // one Write each: one record each
}

// tlsRun is what one connection left on the streamWrite.
type tlsRun struct {
	rec      *streamRecording
	tlsStart [2]int // offset in each side's stream where TLS begins
	keylog   []byte
	state    tls.ConnectionState
	request  []byte
	response []byte
}

func serverConfig(t testing.TB, sp *sessionSpec) *tls.Config {
	if sp.serverConf != nil {
		return sp.serverConf
	}
	cert, err := streamCert()
	if err != nil {
		t.Fatal(err)
	}
	conf := &tls.Config{
		Certificates:           []tls.Certificate{cert},
		NextProtos:             []string{"http/1.1"},
		CipherSuites:           sp.suites,
		CurvePreferences:       sp.serverCurves,
		SessionTicketsDisabled: sp.noTickets,
	}
	for range sp.chainCopies {
		conf.Certificates[0].Certificate = append(conf.Certificates[0].Certificate, cert.Certificate[0])
	}
	if sp.clientCert {
		conf.ClientAuth = tls.RequireAnyClientCert
	}
	if sp.version != 0 {
		conf.MinVersion, conf.MaxVersion = sp.version, sp.version
	}
	sp.serverConf = conf
	return conf
}

func runTLS(t testing.TB, sp *sessionSpec) *tlsRun {
	t.Helper()
	rec := &streamRecording{}
	cc, sc := recordedPipe(rec)
	run := &tlsRun{rec: rec}
	var keylog bytes.Buffer
	var klMu sync.Mutex
	clientConf := &tls.Config{
		ServerName:         "example.test",
		InsecureSkipVerify: true,
		NextProtos:         []string{"h2", "http/1.1"},
		CipherSuites:       sp.suites,
		CurvePreferences:   sp.clientCurves,
		ClientSessionCache: sp.clientCache,
		KeyLogWriter:       lockedWriter{&klMu, &keylog},
	}
	if sp.version != 0 {
		clientConf.MinVersion, clientConf.MaxVersion = sp.version, sp.version
	}
	if sp.clientCert {
		cert, err := streamCert()
		if err != nil {
			t.Fatal(err)
		}
		clientConf.Certificates = []tls.Certificate{cert}
	}
	serverConf := serverConfig(t, sp)

	// The plaintext prologue: each line written by its side and read by
	// the other before the next.
	for _, w := range sp.pre {
		from, to := net.Conn(cc), net.Conn(sc)
		if w.side == 1 {
			from, to = sc, cc
		}
		if _, err := from.Write(w.data); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(to, make([]byte, len(w.data))); err != nil {
			t.Fatal(err)
		}
	}
	run.tlsStart = [2]int{len(rec.stream(0)), len(rec.stream(1))}

	run.request = sp.request
	for _, r := range sp.response {
		run.response = append(run.response, r...)
	}
	errc := make(chan error, 1)
	go func() {
		s := tls.Server(sc, serverConf)
		defer s.Close()
		if err := s.Handshake(); err != nil {
			errc <- fmt.Errorf("server handshake: %w", err)
			return
		}
		if _, err := io.ReadFull(s, make([]byte, len(sp.request))); err != nil {
			errc <- fmt.Errorf("server read: %w", err)
			return
		}
		for _, r := range sp.response {
			if _, err := s.Write(r); err != nil {
				errc <- fmt.Errorf("server write: %w", err)
				return
			}
		}
		// Wait for the client's close_notify before sending ours, so that
		// the order of the last records is fixed.
		if _, err := io.Copy(io.Discard, s); err != nil {
			errc <- fmt.Errorf("server drain: %w", err)
			return
		}
		errc <- s.Close() // before the streamRecording is read
	}()
	c := tls.Client(cc, clientConf)
	if err := c.Handshake(); err != nil {
		t.Fatalf("client handshake: %v (server: %v)", err, <-errc)
	}
	if _, err := c.Write(sp.request); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(run.response))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, run.response) {
		t.Fatal("response garbled")
	}
	run.state = c.ConnectionState()
	c.Close()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	klMu.Lock()
	run.keylog = bytes.Clone(keylog.Bytes())
	klMu.Unlock()
	return run
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// records counts the records of a TLS byte stream with a bare 5-byte
// header loop: total, protected (after change_cipher_spec for TLS 1.2,
// application_data for TLS 1.3) and their content types.
func countRecords(t testing.TB, b []byte, tls13 bool) (total, protected int, types []parser.ContentType) {
	t.Helper()
	ccs := false
	for len(b) > 0 {
		if len(b) < 5 {
			t.Fatalf("%d stray bytes at the end of a TLS stream", len(b))
		}
		n := int(b[3])<<8 | int(b[4])
		typ := parser.ContentType(b[0])
		if tls13 && typ == parser.ContentTypeApplicationData || !tls13 && ccs {
			protected++
		}
		if typ == parser.ContentTypeChangeCipherSpec {
			ccs = true
		}
		types = append(types, typ)
		total++
		b = b[5+n:]
	}
	return total, protected, types
}

// ---- feeding a Conn ----

var (
	streamClientAddr = netip.MustParseAddrPort("192.0.2.1:50000")
	streamServerAddr = netip.MustParseAddrPort("192.0.2.2:443")
	streamTime       = time.Date(2026, 11, 27, 5, 0, 0, 0, time.UTC)
)

// streamPos puts every byte of a Data call at one time, in one packet.
type streamPos struct {
	t      time.Time
	packet uint64
}

func (p streamPos) At(int) (time.Time, uint64) { return p.t, p.packet }

// streamEvent is what the sink keeps of a RecordEvent.
type streamEvent struct {
	Dir         session.Dir
	Offset      uint64
	Packet      uint64
	RecType     parser.ContentType
	ContentType parser.ContentType
	Len         int
	Msgs        []parser.HandshakeType
	Opaque      bool
	Decrypted   bool
	MAC         decrypt.MACResult
	Plaintext   []byte
	Heartbleed  bool
	Notes       []string
}

type streamSink struct {
	t      testing.TB
	events []streamEvent
	ends   int
	conn   *session.Conn
}

func (s *streamSink) Record(ev *session.RecordEvent) {
	if len(ev.Record.Payload) > parser.MaxRecordLen {
		s.t.Errorf("record payload of %d bytes", len(ev.Record.Payload))
	}
	if s.ends > 0 {
		s.t.Errorf("record event after End")
	}
	e := streamEvent{Dir: ev.Dir, Offset: ev.Offset, Packet: ev.Packet, RecType: ev.Record.Type, ContentType: ev.ContentType,
		Len: len(ev.Record.Payload), Opaque: ev.Opaque, Decrypted: ev.Decrypted, MAC: ev.MAC,
		Plaintext: bytes.Clone(ev.Plaintext), Heartbleed: ev.Heartbeat != nil && ev.Heartbeat.Heartbleed}
	for _, m := range ev.Messages {
		e.Msgs = append(e.Msgs, m.Type())
	}
	for _, n := range ev.Notes {
		e.Notes = append(e.Notes, string(n.Code))
	}
	s.events = append(s.events, e)
}

func (s *streamSink) End(c *session.Conn) {
	for _, n := range c.Notes {
		if !session.KnownNoteCode(n.Code) {
			s.t.Errorf("note code %q is not in session.NoteCodes", n.Code)
		}
	}
	s.ends++
	s.conn = c
}

// streamChunk is one call on the Conn: Data, or Gap when gap > 0.
type streamChunk struct {
	side int // TCP side
	data []byte
	gap  int
}

// streamFeeder delivers chunks as reassembly does: what Data leaves unconsumed
// is handed again, before the next bytes; the buffer passed is scribbled
// over after each call, as the ScatterGather is reused.
type streamFeeder struct {
	t       testing.TB
	c       *Stream
	pending [2][]byte
	offset  [2]uint64 // stream offset of pending[side][0]
	packet  uint64
}

func (f *streamFeeder) feed(ch streamChunk) {
	s := ch.side
	f.packet++
	if ch.gap > 0 {
		n := len(f.pending[s]) + ch.gap
		f.c.Gap(Side(s), f.offset[s], n, streamTime)
		f.offset[s] += uint64(n)
		f.pending[s] = nil
		return
	}
	buf := append(bytes.Clone(f.pending[s]), ch.data...)
	n := f.c.Data(Side(s), buf, streamPos{streamTime, f.packet})
	if n < 0 || n > len(buf) {
		f.t.Fatalf("Data returned %d for %d bytes", n, len(buf))
	}
	f.pending[s] = bytes.Clone(buf[n:])
	f.offset[s] += uint64(n)
	for i := range buf {
		buf[i] = 0xAA
	}
}

// streamRun is the outcome of feeding chunks to a new Conn.
type streamRun struct {
	c    *Stream
	sink *streamSink
}

func feedConn(t testing.TB, chunks []streamChunk, keys *decrypt.KeyStore, a, b netip.AddrPort) streamRun {
	t.Helper()
	sink := &streamSink{t: t}
	c := NewStream(1, a, b, streamTime, sink)
	if keys != nil {
		c.SetKeys(keys)
	}
	f := &streamFeeder{t: t, c: c}
	for _, ch := range chunks {
		f.feed(ch)
	}
	c.Close("fin", streamTime)
	if sink.ends > 1 {
		t.Errorf("End called %d times", sink.ends)
	}
	if sink.ends == 1 && sink.conn != c.Conn {
		t.Errorf("End called with another Conn")
	}
	return streamRun{c, sink}
}

// chunking splits the recorded writes.
type chunking func(w []streamWrite) []streamChunk

func chunkWhole(ws []streamWrite) []streamChunk {
	var out []streamChunk
	for _, w := range ws {
		out = append(out, streamChunk{side: w.side, data: w.data})
	}
	return out
}

func chunkBytewise(ws []streamWrite) []streamChunk {
	var out []streamChunk
	for _, w := range ws {
		for i := range w.data {
			out = append(out, streamChunk{side: w.side, data: w.data[i : i+1]})
		}
	}
	return out
}

func randomChunks(seed uint64) chunking {
	return func(ws []streamWrite) []streamChunk {
		r := mrand.New(mrand.NewPCG(seed, 1))
		var out []streamChunk
		for _, w := range ws {
			d := w.data
			for len(d) > 0 {
				n := min(len(d), 1+r.IntN(700))
				out = append(out, streamChunk{side: w.side, data: d[:n]})
				d = d[n:]
			}
		}
		return out
	}
}

// swapSides puts the TLS client on TCP side 1.
func swapSides(cs []streamChunk) []streamChunk {
	out := make([]streamChunk, len(cs))
	for i, c := range cs {
		c.side = 1 - c.side
		out[i] = c
	}
	return out
}

func keysFrom(t testing.TB, keylog []byte) *decrypt.KeyStore {
	t.Helper()
	k := decrypt.NewKeyStore()
	if _, errs := k.Log.Load(bytes.NewReader(keylog), "test"); len(errs) > 0 {
		t.Fatalf("key log: %v", errs)
	}
	return k
}

// ---- summaries ----

// summary is the connection's outcome without packet numbers.
func connSummary(c *Stream) string {
	var b strings.Builder
	fmt.Fprintf(&b, "tls=%v client=%v server=%v guessed=%v starttls=%q v=%v suite=%v kx=%+v\n",
		c.TLS, c.Client, c.Server, c.RolesGuessed, c.StartTLS, c.Version, c.CipherSuite, c.KeyExchange)
	fmt.Fprintf(&b, "hrr=%v sni=%q alpn=%q offered=%q ja3=%s ja3full=%s ja3s=%s ja4=%s ja4s=%s\n",
		c.HelloRetryRequest, c.SNI, c.ALPN, c.ALPNOffered, c.JA3, c.JA3Full, c.JA3S, c.JA4, c.JA4S)
	fmt.Fprintf(&b, "resumed=%v decrypted=%v records=%v plain=%v mac=%d/%d finished=%v gaps=%d history=%s end=%s\n",
		c.Resumed, c.Decrypted, c.Records, c.PlaintextBytes, c.MACVerified, c.MACFailed, c.FinishedVerified(),
		c.Gaps, c.History, c.EndCause)
	for _, a := range c.Alerts {
		fmt.Fprintf(&b, "alert %v %+v\n", a.Dir, a)
	}
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "note %s %v %v %d %s\n", n.Code, n.Dir, n.HasDir, n.Offset, n.Detail)
	}
	fmt.Fprintf(&b, "certs=%d/%d\n", len(c.ServerCerts), len(c.ClientCerts))
	if ch := c.ClientHello; ch != nil {
		fmt.Fprintf(&b, "ch random=%x suites=%v exts=%d\n", ch.Random, ch.CipherSuites, len(ch.Extensions))
	}
	if sh := c.ServerHello; sh != nil {
		fmt.Fprintf(&b, "sh random=%x suite=%v exts=%d\n", sh.Random, sh.CipherSuite, len(sh.Extensions))
	}
	for _, ci := range c.ServerCerts {
		fmt.Fprintf(&b, "cert %+v\n", ci)
	}
	return b.String()
}

// eventTrace is the sequence of content types and handshake messages, per
// record: "C:handshake[client_hello]".
func eventTrace(evs []streamEvent) string {
	var parts []string
	for _, e := range evs {
		d := "C"
		if e.Dir == session.ServerToClient {
			d = "S"
		}
		s := d + ":" + e.ContentType.String()
		if e.Opaque {
			s += "(opaque)"
		}
		if len(e.Msgs) > 0 {
			var ms []string
			for _, m := range e.Msgs {
				ms = append(ms, m.String())
			}
			s += "[" + strings.Join(ms, ",") + "]"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func withoutPackets(evs []streamEvent) []streamEvent {
	out := make([]streamEvent, len(evs))
	for i, e := range evs {
		e.Packet = 0
		out[i] = e
	}
	return out
}

func appPlaintext(evs []streamEvent, d session.Dir) []byte {
	var b []byte
	for _, e := range evs {
		if e.Dir == d && e.ContentType == parser.ContentTypeApplicationData {
			b = append(b, e.Plaintext...)
		}
	}
	return b
}

func connHasNote(c *Stream, code string) bool {
	for _, n := range c.Notes {
		if string(n.Code) == code {
			return true
		}
	}
	return false
}

// ---- key log surgery ----

func keylogLines(keylog []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(keylog))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// filterKeylog keeps the lines keep accepts.
func filterKeylog(keylog []byte, keep func(label, cr string) bool) []byte {
	var b bytes.Buffer
	for _, l := range keylogLines(keylog) {
		f := strings.Fields(l)
		if len(f) == 3 && keep(f[0], f[1]) {
			b.WriteString(l + "\n")
		}
	}
	return b.Bytes()
}

// corruptKeylog flips one bit of each secret.
func corruptKeylog(t testing.TB, keylog []byte) []byte {
	var b bytes.Buffer
	for _, l := range keylogLines(keylog) {
		f := strings.Fields(l)
		sec, err := hex.DecodeString(f[2])
		if err != nil {
			t.Fatal(err)
		}
		sec[len(sec)/2] ^= 0x01
		fmt.Fprintf(&b, "%s %s %x\n", f[0], f[1], sec)
	}
	return b.Bytes()
}

// ---- the sessions ----

var (
	testRequest  = []byte("GET / HTTP/1.1\r\nHost: example.test\r\n\r\n")
	testResponse = [][]byte{
		[]byte("HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n"),
		[]byte("0123456789"),
		[]byte("abcdefghij"),
		bytes.Repeat([]byte("z"), 10),
	}
)

func baseSpecs() []*sessionSpec {
	return []*sessionSpec{
		{name: "tls12-ecdhe-rsa-aes128-gcm", version: tls.VersionTLS12,
			suites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		{name: "tls12-ecdhe-rsa-aes128-cbc-sha", version: tls.VersionTLS12,
			suites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}},
		{name: "tls13", version: tls.VersionTLS13},
	}
}

func specRun(t testing.TB, sp *sessionSpec) *tlsRun {
	if sp.request == nil {
		sp.request = testRequest
	}
	if sp.response == nil {
		sp.response = testResponse
	}
	return runTLS(t, sp)
}

// ---- 1. handshakes ----
