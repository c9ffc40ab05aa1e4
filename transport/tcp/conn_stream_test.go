package tcp

// Tests of the connection state machine (conn.go, conn_decrypt.go) on real
// traffic: crypto/tls clients and servers run in-process over an in-memory
// pipe, every byte each side writes is recorded in order with the key log,
// and the streamRecording is fed back to a Conn.

import (
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
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
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
	MAC         session.MACResult
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

func feedConn(t testing.TB, chunks []streamChunk, keys *session.Keys, a, b netip.AddrPort) streamRun {
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

func keysFrom(t testing.TB, keylog []byte) *session.Keys {
	t.Helper()
	k := session.NewKeys()
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

func TestConnStreamHandshakes(t *testing.T) {
	const (
		trace12 = "C:handshake[client_hello] S:handshake[server_hello] S:handshake[certificate] " +
			"S:handshake[server_key_exchange] S:handshake[server_hello_done] C:handshake[client_key_exchange] " +
			"C:change_cipher_spec C:handshake[finished] S:change_cipher_spec S:handshake[finished] " +
			"C:application_data S:application_data S:application_data S:application_data S:application_data " +
			"C:alert S:alert"
		trace12NoKeys = "C:handshake[client_hello] S:handshake[server_hello] S:handshake[certificate] " +
			"S:handshake[server_key_exchange] S:handshake[server_hello_done] C:handshake[client_key_exchange] " +
			"C:change_cipher_spec C:handshake(opaque) S:change_cipher_spec S:handshake(opaque) " +
			"C:application_data(opaque) S:application_data(opaque) S:application_data(opaque) S:application_data(opaque) S:application_data(opaque) " +
			"C:alert(opaque) S:alert(opaque)"
	)
	tests := []struct {
		spec           *sessionSpec
		version        parser.Version
		suite          parser.CipherSuite
		kx             string
		history        string // with the key log
		historyNoKeys  string
		trace, traceNK string
	}{
		{
			spec:    baseSpecs()[0],
			version: parser.VersionTLS12, suite: 0xc02f, kx: "ECDHE",
			history: "CsxknGIFifDdLl", historyNoKeys: "CsxknGIFifDdLl",
			trace: trace12, traceNK: trace12NoKeys,
		},
		{
			spec:    baseSpecs()[1],
			version: parser.VersionTLS12, suite: 0xc013, kx: "ECDHE",
			history: "CsxknGIFifDdLl", historyNoKeys: "CsxknGIFifDdLl",
			trace: trace12, traceNK: trace12NoKeys,
		},
		{
			spec:    baseSpecs()[2],
			version: parser.VersionTLS13, suite: 0x1301, kx: "ECDHE",
			history: "CsioxyfIFDdLl", historyNoKeys: "CsidID",
			trace: "C:handshake[client_hello] S:handshake[server_hello] S:change_cipher_spec " +
				"S:handshake[encrypted_extensions] S:handshake[certificate] S:handshake[certificate_verify] S:handshake[finished] " +
				"C:change_cipher_spec C:handshake[finished] C:application_data " +
				"S:application_data S:application_data S:application_data S:application_data C:alert S:alert",
			traceNK: "C:handshake[client_hello] S:handshake[server_hello] S:change_cipher_spec " +
				"S:application_data(opaque) S:application_data(opaque) S:application_data(opaque) S:application_data(opaque) " +
				"C:change_cipher_spec C:application_data(opaque) C:application_data(opaque) " +
				"S:application_data(opaque) S:application_data(opaque) S:application_data(opaque) S:application_data(opaque) " +
				"C:application_data(opaque) S:application_data(opaque)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.spec.name, func(t *testing.T) {
			run := specRun(t, tt.spec)
			tls13 := tt.version == parser.VersionTLS13
			rk := feedConn(t, chunkWhole(run.rec.writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
			rn := feedConn(t, chunkWhole(run.rec.writes), nil, streamClientAddr, streamServerAddr)
			for _, r := range []streamRun{rk, rn} {
				c := r.c
				keyed := r.c == rk.c
				if r.sink.ends != 1 {
					t.Fatalf("End called %d times", r.sink.ends)
				}
				if c.Version != tt.version || c.CipherSuite != tt.suite || uint16(c.CipherSuite) != run.state.CipherSuite {
					t.Errorf("version %v suite %v, want %v %v (crypto/tls: %x)", c.Version, c.CipherSuite, tt.version, tt.suite, run.state.CipherSuite)
				}
				if string(c.KeyExchange.Kind) != tt.kx {
					t.Errorf("key exchange %+v, want %s", c.KeyExchange, tt.kx)
				}
				if c.SNI != "example.test" {
					t.Errorf("SNI %q", c.SNI)
				}
				// TLS 1.3 hides ALPN and the certificates in
				// EncryptedExtensions and Certificate.
				visible := keyed || !tls13
				if wantALPN := run.state.NegotiatedProtocol; c.ALPN != wantALPN && visible || c.ALPN != "" && !visible || wantALPN != "http/1.1" {
					t.Errorf("keys %v: ALPN %q, crypto/tls negotiated %q", keyed, c.ALPN, wantALPN)
				}
				if n := len(c.ServerCerts); n != 1 && visible || n != 0 && !visible {
					t.Errorf("keys %v: %d server certificates", keyed, n)
				}
				if !reflect.DeepEqual(c.ALPNOffered, []string{"h2", "http/1.1"}) {
					t.Errorf("ALPNOffered %q", c.ALPNOffered)
				}
				if c.Client != streamClientAddr || c.Server != streamServerAddr || c.RolesGuessed {
					t.Errorf("roles: client %v server %v guessed %v", c.Client, c.Server, c.RolesGuessed)
				}
				if c.ClientHello == nil || c.ServerHello == nil || c.HelloRetryRequest || c.Resumed || c.StartTLS != "" {
					t.Errorf("hello state: ch %v sh %v hrr %v resumed %v starttls %q", c.ClientHello != nil, c.ServerHello != nil,
						c.HelloRetryRequest, c.Resumed, c.StartTLS)
				}
				for _, fp := range []struct{ name, v string }{{"JA3", c.JA3}, {"JA3Full", c.JA3Full}, {"JA3S", c.JA3S},
					{"JA4", c.JA4}, {"JA4S", c.JA4S}} {
					if fp.v == "" {
						t.Errorf("%s empty", fp.name)
					}
				}
				for d := range 2 {
					n, _, _ := countRecords(t, run.rec.stream(d), tls13)
					if c.Records[d] != n {
						t.Errorf("Records[%v] = %d, %d on the streamWrite", session.Dir(d), c.Records[d], n)
					}
				}
				wantHist, wantTrace := tt.history, tt.trace
				if !keyed {
					wantHist, wantTrace = tt.historyNoKeys, tt.traceNK
				}
				if got := string(c.History); got != wantHist {
					t.Errorf("keys %v: History %q, want %q", keyed, got, wantHist)
				}
				if got := eventTrace(r.sink.events); got != wantTrace {
					t.Errorf("keys %v: events:\n%s\nwant:\n%s", keyed, got, wantTrace)
				}
				if keyed && len(c.Notes) != 0 || !keyed && (len(c.Notes) != 1 || c.Notes[0].Code != "no_keys") {
					t.Errorf("keys %v: notes: %+v", keyed, c.Notes)
				}
			}

			// A second session with the same configuration: same
			// fingerprints (the randoms and key shares differ).
			c := rn.c
			run2 := specRun(t, tt.spec)
			c2 := feedConn(t, chunkWhole(run2.rec.writes), nil, streamClientAddr, streamServerAddr).c
			if c2.JA3 != c.JA3 || c2.JA3Full != c.JA3Full || c2.JA4 != c.JA4 || c2.JA3S != c.JA3S || c2.JA4S != c.JA4S {
				t.Errorf("fingerprints not stable: %s %s %s %s / %s %s %s %s", c.JA3, c.JA4, c.JA3S, c.JA4S, c2.JA3, c2.JA4, c2.JA3S, c2.JA4S)
			}
			if bytes.Equal(c2.ClientHello.Random[:], c.ClientHello.Random[:]) {
				t.Error("two sessions with one client random")
			}
		})
	}
}

// ---- 2. chunking ----

func TestConnStreamChunking(t *testing.T) {
	for _, sp := range baseSpecs() {
		run := specRun(t, sp)
		for _, withKeys := range []bool{false, true} {
			name := sp.name + "/nokeys"
			if withKeys {
				name = sp.name + "/keys"
			}
			t.Run(name, func(t *testing.T) {
				keys := func() *session.Keys {
					if withKeys {
						return keysFrom(t, run.keylog)
					}
					return nil
				}
				ref := feedConn(t, chunkWhole(run.rec.writes), keys(), streamClientAddr, streamServerAddr)
				wantSum, wantEv := connSummary(ref.c), withoutPackets(ref.sink.events)
				for _, ck := range []struct {
					name string
					f    chunking
				}{
					{"bytewise", chunkBytewise},
					{"random1", randomChunks(1)},
					{"random2", randomChunks(2)},
					{"random3", randomChunks(3)},
				} {
					r := feedConn(t, ck.f(run.rec.writes), keys(), streamClientAddr, streamServerAddr)
					if got := connSummary(r.c); got != wantSum {
						t.Errorf("%s: summary\n%s\nwhole:\n%s", ck.name, got, wantSum)
					}
					if got := withoutPackets(r.sink.events); !reflect.DeepEqual(got, wantEv) {
						t.Errorf("%s: events differ:\n%s\nwhole:\n%s", ck.name, eventTrace(got), eventTrace(wantEv))
					}
				}
			})
		}
	}
}

// ---- 3. decryption ----

func TestConnStreamDecrypt(t *testing.T) {
	for _, sp := range baseSpecs() {
		t.Run(sp.name, func(t *testing.T) {
			run := specRun(t, sp)
			tls13 := sp.version == tls.VersionTLS13
			var protected int
			for d := range 2 {
				_, p, _ := countRecords(t, run.rec.stream(d), tls13)
				protected += p
			}
			t.Run("keylog", func(t *testing.T) {
				r := feedConn(t, chunkWhole(run.rec.writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
				c := r.c
				checkPlaintext(t, r, run)
				if c.MACVerified != protected || c.MACFailed != 0 {
					t.Errorf("MAC verified %d failed %d, %d protected records", c.MACVerified, c.MACFailed, protected)
				}
				if c.FinishedVerified() != [2]int{1, 1} {
					t.Errorf("FinishedVerified %v", c.FinishedVerified())
				}
				if !c.Decrypted || len(c.Notes) != 0 {
					t.Errorf("decrypted %v notes %+v", c.Decrypted, c.Notes)
				}
				for _, e := range r.sink.events {
					if e.Opaque {
						t.Errorf("opaque record: %+v", e)
					}
				}
				wantHist := "CsxknGIFifDdLl"
				if tls13 {
					wantHist = "CsioxyfIFDdLl"
				}
				if string(c.History) != wantHist {
					t.Errorf("History %q, want %q", c.History, wantHist)
				}
				if tls13 && len(c.Alerts) != 2 || !tls13 && len(c.Alerts) != 2 {
					t.Errorf("alerts %+v", c.Alerts)
				}
				for _, a := range c.Alerts {
					if a.Encrypted || a.Alert.Description != 0 {
						t.Errorf("alert %+v, want a readable close_notify", a)
					}
				}
			})
			t.Run("wrong-keys", func(t *testing.T) {
				r := feedConn(t, chunkWhole(run.rec.writes), keysFrom(t, corruptKeylog(t, run.keylog)), streamClientAddr, streamServerAddr)
				c := r.c
				for _, e := range r.sink.events {
					if len(e.Plaintext) > 0 || e.Decrypted {
						t.Errorf("plaintext from a wrong key: %+v", e)
					}
				}
				if !tls13 && c.MACFailed == 0 {
					t.Errorf("MACFailed %d", c.MACFailed)
				}
				if c.MACVerified != 0 || c.FinishedVerified() == [2]int{1, 1} {
					t.Errorf("MAC verified %d, finished %v", c.MACVerified, c.FinishedVerified())
				}
				if c.Records != countAll(t, run, tls13) {
					t.Errorf("records %v", c.Records)
				}
			})
			if !tls13 {
				return
			}
			t.Run("app-secrets-only", func(t *testing.T) {
				kl := filterKeylog(run.keylog, func(label, _ string) bool { return !strings.Contains(label, "HANDSHAKE") })
				r := feedConn(t, chunkWhole(run.rec.writes), keysFrom(t, kl), streamClientAddr, streamServerAddr)
				c := r.c
				checkPlaintext(t, r, run)
				if c.FinishedVerified() != [2]int{0, 0} || c.MACFailed != 0 {
					t.Errorf("finished %v MAC failed %d", c.FinishedVerified(), c.MACFailed)
				}
				opaque := 0
				for _, e := range r.sink.events {
					if e.Opaque {
						opaque++
						if len(e.Msgs) > 0 || e.MAC != session.MACNone {
							t.Errorf("opaque record with messages or a MAC result: %+v", e)
						}
					}
				}
				if opaque == 0 {
					t.Error("the handshake was decrypted without its secrets")
				}
				if c.MACVerified+opaque != protected {
					t.Errorf("MAC verified %d + opaque %d != %d protected records", c.MACVerified, opaque, protected)
				}
			})
			for _, dir := range []session.Dir{session.ClientToServer, session.ServerToClient} {
				t.Run("only-"+dir.String(), func(t *testing.T) {
					prefix := "CLIENT_"
					if dir == session.ServerToClient {
						prefix = "SERVER_"
					}
					kl := filterKeylog(run.keylog, func(label, _ string) bool { return strings.HasPrefix(label, prefix) })
					r := feedConn(t, chunkWhole(run.rec.writes), keysFrom(t, kl), streamClientAddr, streamServerAddr)
					want := map[session.Dir][]byte{session.ClientToServer: run.request, session.ServerToClient: run.response}
					if got := appPlaintext(r.sink.events, dir); !bytes.Equal(got, want[dir]) {
						t.Errorf("%v plaintext %q, want %q", dir, got, want[dir])
					}
					if got := appPlaintext(r.sink.events, 1-dir); len(got) != 0 {
						t.Errorf("%v plaintext %q without keys", 1-dir, got)
					}
					// The server's Finished covers only what the server sent;
					// the client's covers the server's encrypted flight too,
					// which stays opaque without the server's secrets: it
					// cannot be checked, and must not be called a mismatch.
					wantFV := [2]int{0, 0}
					if dir == session.ServerToClient {
						wantFV[session.ServerToClient] = 1
					}
					fv := r.c.FinishedVerified()
					if fv != wantFV || r.c.MACFailed != 0 || connHasNote(r.c, "finished_mismatch") {
						t.Errorf("finished %v, want %v; MAC failed %d", fv, wantFV, r.c.MACFailed)
					}
				})
			}
		})
	}
}

func countAll(t testing.TB, run *tlsRun, tls13 bool) [2]int {
	var n [2]int
	for d := range 2 {
		n[d], _, _ = countRecords(t, run.rec.stream(d)[run.tlsStart[d]:], tls13)
	}
	return n
}

func checkPlaintext(t *testing.T, r streamRun, run *tlsRun) {
	t.Helper()
	if got := appPlaintext(r.sink.events, session.ClientToServer); !bytes.Equal(got, run.request) {
		t.Errorf("client plaintext %q, want %q", got, run.request)
	}
	if got := appPlaintext(r.sink.events, session.ServerToClient); !bytes.Equal(got, run.response) {
		t.Errorf("server plaintext %q, want %q", got, run.response)
	}
	if r.c.PlaintextBytes != [2]int64{int64(len(run.request)), int64(len(run.response))} {
		t.Errorf("PlaintextBytes %v", r.c.PlaintextBytes)
	}
}

// TestConnStreamLarge: client certificates, a certificate chain that
// spans records, and full-size application data records.
func TestConnStreamLarge(t *testing.T) {
	big := make([]byte, 40000)
	for i := range big {
		big[i] = byte(i * 31)
	}
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		sp := &sessionSpec{version: version, clientCert: true, chainCopies: 30,
			request: big[:20000], response: [][]byte{big, big[:5]}}
		name := "tls12"
		if version == tls.VersionTLS13 {
			name = "tls13"
		}
		t.Run(name, func(t *testing.T) {
			run := specRun(t, sp)
			tls13 := version == tls.VersionTLS13
			ref := feedConn(t, chunkWhole(run.rec.writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
			for _, ck := range []struct {
				name string
				f    chunking
			}{{"whole", chunkWhole}, {"random", randomChunks(11)}} {
				r := feedConn(t, ck.f(run.rec.writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
				c := r.c
				checkPlaintext(t, r, run)
				var protected int
				for d := range 2 {
					_, p, _ := countRecords(t, run.rec.stream(d), tls13)
					protected += p
				}
				if c.MACVerified != protected || c.MACFailed != 0 || c.FinishedVerified() != [2]int{1, 1} || len(c.Notes) != 0 {
					t.Errorf("%s: MAC %d/%d of %d, finished %v, notes %+v", ck.name, c.MACVerified, c.MACFailed, protected, c.FinishedVerified(), c.Notes)
				}
				if len(c.ServerCerts) != 31 || len(c.ClientCerts) != 1 {
					t.Errorf("%s: %d server and %d client certificates", ck.name, len(c.ServerCerts), len(c.ClientCerts))
				}
				if c.Records != countAll(t, run, tls13) {
					t.Errorf("%s: records %v, %v on the streamWrite", ck.name, c.Records, countAll(t, run, tls13))
				}
				if connSummary(c) != connSummary(ref.c) {
					t.Errorf("%s: summary differs from whole", ck.name)
				}
			}
			want := map[bool]string{false: "CsxkrnXGYIFifDdLl", true: "CsiorxyfIXYFDdLl"}[tls13]
			if string(ref.c.History) != want {
				t.Errorf("History %q, want %q", ref.c.History, want)
			}
		})
	}
}

// ---- 4. resumption ----

func TestConnStreamResumption(t *testing.T) {
	t.Run("tls12-ticket", func(t *testing.T) {
		cache := tls.NewLRUClientSessionCache(4)
		sp := &sessionSpec{version: tls.VersionTLS12, suites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, clientCache: cache}
		first := specRun(t, sp)
		second := specRun(t, sp)
		if !second.state.DidResume {
			t.Fatal("crypto/tls did not resume")
		}
		keys := keysFrom(t, first.keylog)
		r1 := feedConn(t, chunkWhole(first.rec.writes), keys, streamClientAddr, streamServerAddr)
		if r1.c.Resumed || r1.c.FinishedVerified() != [2]int{1, 1} {
			t.Fatalf("first connection: resumed %v finished %v", r1.c.Resumed, r1.c.FinishedVerified())
		}
		// The second connection's key log line is not given: its master
		// secret comes from the session the first one left.
		// (crypto/tls does not log resumed TLS 1.2 sessions; drop the
		// line anyway should it start to.)
		cr := hex.EncodeToString(clientRandomOf(t, second))
		kl := filterKeylog(second.keylog, func(_, random string) bool { return random != cr })
		keys.Log.Load(bytes.NewReader(kl), "second")
		r2 := feedConn(t, chunkWhole(second.rec.writes), keys, streamClientAddr, streamServerAddr)
		c := r2.c
		if !c.Resumed {
			t.Error("not Resumed")
		}
		checkPlaintext(t, r2, second)
		_, p0, _ := countRecords(t, second.rec.stream(0), false)
		_, p1, _ := countRecords(t, second.rec.stream(1), false)
		if c.MACVerified != p0+p1 || c.MACFailed != 0 || c.FinishedVerified() != [2]int{1, 1} {
			t.Errorf("MAC %d/%d of %d, finished %v, notes %+v", c.MACVerified, c.MACFailed, p0+p1, c.FinishedVerified(), c.Notes)
		}
		if len(c.ServerCerts) != 0 {
			t.Errorf("certificates in a resumed handshake")
		}
		// Without the first connection, nothing to resume from.
		r3 := feedConn(t, chunkWhole(second.rec.writes), session.NewKeys(), streamClientAddr, streamServerAddr)
		if !r3.c.Resumed || r3.c.Decrypted || !connHasNote(r3.c, "no_keys") {
			t.Errorf("alone: resumed %v decrypted %v notes %+v", r3.c.Resumed, r3.c.Decrypted, r3.c.Notes)
		}
	})
	t.Run("tls13-psk", func(t *testing.T) {
		cache := tls.NewLRUClientSessionCache(4)
		sp := &sessionSpec{version: tls.VersionTLS13, clientCache: cache}
		first := specRun(t, sp)
		second := specRun(t, sp)
		if !second.state.DidResume {
			t.Fatal("crypto/tls did not resume")
		}
		keys := keysFrom(t, first.keylog)
		keys.Log.Load(bytes.NewReader(second.keylog), "second")
		r1 := feedConn(t, chunkWhole(first.rec.writes), keys, streamClientAddr, streamServerAddr)
		if r1.c.Resumed || r1.c.FinishedVerified() != [2]int{1, 1} || len(r1.c.Notes) != 0 {
			t.Errorf("first connection: resumed %v finished %v notes %+v", r1.c.Resumed, r1.c.FinishedVerified(), r1.c.Notes)
		}
		if !strings.Contains(string(r1.c.History), "t") {
			t.Errorf("first connection: no session ticket in %q", r1.c.History)
		}
		r2 := feedConn(t, chunkWhole(second.rec.writes), keys, streamClientAddr, streamServerAddr)
		c := r2.c
		if !c.Resumed || c.KeyExchange.Kind != "PSK_DHE" {
			t.Errorf("resumed %v key exchange %+v", c.Resumed, c.KeyExchange)
		}
		checkPlaintext(t, r2, second)
		if c.FinishedVerified() != [2]int{1, 1} || len(c.Notes) != 0 || c.MACFailed != 0 {
			t.Errorf("finished %v MAC failed %d notes %+v", c.FinishedVerified(), c.MACFailed, c.Notes)
		}
	})
}

func clientRandomOf(t testing.TB, run *tlsRun) []byte {
	r := feedConn(t, chunkWhole(run.rec.writes), nil, streamClientAddr, streamServerAddr)
	if r.c.ClientHello == nil {
		t.Fatal("no ClientHello")
	}
	return r.c.ClientHello.Random[:]
}

// ---- 5. HelloRetryRequest ----

func TestConnStreamHelloRetryRequest(t *testing.T) {
	sp := &sessionSpec{version: tls.VersionTLS13,
		clientCurves: []tls.CurveID{tls.X25519, tls.CurveP256}, serverCurves: []tls.CurveID{tls.CurveP256}}
	run := specRun(t, sp)
	for _, ck := range []struct {
		name string
		f    chunking
	}{{"whole", chunkWhole}, {"bytewise", chunkBytewise}} {
		t.Run(ck.name, func(t *testing.T) {
			r := feedConn(t, ck.f(run.rec.writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
			c := r.c
			if !c.HelloRetryRequest {
				t.Error("HelloRetryRequest not set")
			}
			if c.KeyExchange.Group != parser.NamedGroup(tls.CurveP256) {
				t.Errorf("key exchange %+v", c.KeyExchange)
			}
			checkPlaintext(t, r, run)
			if c.FinishedVerified() != [2]int{1, 1} || c.MACFailed != 0 || len(c.Notes) != 0 {
				t.Errorf("finished %v MAC failed %d notes %+v", c.FinishedVerified(), c.MACFailed, c.Notes)
			}
			if !strings.HasPrefix(string(c.History), "CjiICs") {
				t.Errorf("History %q", c.History)
			}
		})
	}
}

// ---- 6. STARTTLS ----

func TestConnStreamStartTLS(t *testing.T) {
	tests := []struct {
		name string
		pre  []streamWrite
		want string
	}{
		{"smtp", []streamWrite{
			{1, []byte("220 mx ESMTP\r\n")},
			{0, []byte("EHLO a\r\n")},
			{1, []byte("250-mx\r\n250 STARTTLS\r\n")},
			{0, []byte("STARTTLS\r\n")},
			{1, []byte("220 Go ahead\r\n")},
		}, "smtp"},
		{"postgresql", []streamWrite{
			{0, []byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}},
			{1, []byte("S")},
		}, "postgresql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := &sessionSpec{version: tls.VersionTLS12, pre: tt.pre}
			run := specRun(t, sp)
			for _, ck := range []struct {
				name string
				f    chunking
			}{{"whole", chunkWhole}, {"bytewise", chunkBytewise}, {"random", randomChunks(7)}} {
				r := feedConn(t, ck.f(run.rec.writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
				c := r.c
				if r.sink.ends != 1 || !c.TLS {
					t.Fatalf("%s: TLS not found", ck.name)
				}
				if c.StartTLS != tt.want || !connHasNote(c, "starttls") {
					t.Errorf("%s: StartTLS %q notes %+v", ck.name, c.StartTLS, c.Notes)
				}
				if c.Records != countAll(t, run, false) {
					t.Errorf("%s: records %v, %v on the streamWrite after the prologue", ck.name, c.Records, countAll(t, run, false))
				}
				if c.Client != streamClientAddr || c.RolesGuessed {
					t.Errorf("%s: client %v guessed %v", ck.name, c.Client, c.RolesGuessed)
				}
				checkPlaintext(t, r, run)
				for _, n := range c.Notes {
					if n.Code == "starttls" && n.Offset != uint64(run.tlsStart[0]) && n.Offset != uint64(run.tlsStart[1]) {
						t.Errorf("%s: starttls note at %d, TLS starts at %v", ck.name, n.Offset, run.tlsStart)
					}
				}
			}
		})
	}
}

// ---- 7. not TLS ----

func TestConnStreamNotTLS(t *testing.T) {
	random := make([]byte, 64<<10)
	r := mrand.New(mrand.NewPCG(42, 42))
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	random2 := bytes.Clone(random)
	for i := range random2 {
		random2[i] ^= byte(i * 7)
	}
	tests := []struct {
		name   string
		writes []streamWrite
	}{
		{"http", []streamWrite{
			{0, []byte("GET /index.html HTTP/1.1\r\nHost: example.test\r\nUser-Agent: test\r\nAccept: */*\r\n\r\n")},
			{1, []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>")},
		}},
		{"ssh", []streamWrite{
			{1, []byte("SSH-2.0-OpenSSH_9.6\r\n")},
			{0, []byte("SSH-2.0-OpenSSH_9.7\r\n")},
			{1, append([]byte{0, 0, 5, 0xdc, 4, 20}, bytes.Repeat([]byte{0x16, 3, 1}, 300)...)},
		}},
		{"random", []streamWrite{{0, random}, {1, random2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, ck := range []struct {
				name string
				f    chunking
			}{{"whole", chunkWhole}, {"random", randomChunks(3)}} {
				rr := feedConn(t, ck.f(tt.writes), session.NewKeys(), streamClientAddr, streamServerAddr)
				if rr.sink.ends != 0 || rr.c.TLS {
					t.Errorf("%s: End called %d times, TLS %v, notes %+v", ck.name, rr.sink.ends, rr.c.TLS, rr.c.Notes)
				}
			}
		})
	}
}

// ---- 8. mid-stream ----

// firstAppData returns the offset of a side's first application_data record.
func firstAppData(t testing.TB, b []byte) int {
	off := 0
	for off+5 <= len(b) {
		if parser.ContentType(b[off]) == parser.ContentTypeApplicationData {
			return off
		}
		off += 5 + (int(b[off+3])<<8 | int(b[off+4]))
	}
	t.Fatal("no application data")
	return 0
}

// trimWrites drops each side's first skip[side] bytes.
func trimWrites(ws []streamWrite, skip [2]int) []streamWrite {
	var out []streamWrite
	for _, w := range ws {
		d := w.data
		n := min(skip[w.side], len(d))
		skip[w.side] -= n
		if d = d[n:]; len(d) > 0 {
			out = append(out, streamWrite{w.side, d})
		}
	}
	return out
}

func TestConnStreamMidstream(t *testing.T) {
	for _, sp := range baseSpecs()[:2] {
		run := specRun(t, sp)
		var skip [2]int
		var want [2]int
		for d := range 2 {
			s := run.rec.stream(d)
			skip[d] = firstAppData(t, s)
			want[d], _, _ = countRecords(t, s[skip[d]:], false)
		}
		writes := trimWrites(run.rec.writes, skip)
		for _, ck := range []struct {
			name string
			f    chunking
		}{{"whole", chunkWhole}, {"bytewise", chunkBytewise}, {"random", randomChunks(5)}} {
			t.Run(sp.name+"/"+ck.name, func(t *testing.T) {
				r := feedConn(t, ck.f(writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
				c := r.c
				if r.sink.ends != 1 {
					t.Fatalf("End called %d times", r.sink.ends)
				}
				if !c.RolesGuessed || !connHasNote(c, "midstream") || c.Client != streamClientAddr {
					t.Errorf("guessed %v client %v notes %+v", c.RolesGuessed, c.Client, c.Notes)
				}
				if c.Records != want {
					t.Errorf("records %v, want %v", c.Records, want)
				}
				for _, e := range r.sink.events {
					if len(e.Plaintext) > 0 || !e.Opaque {
						t.Errorf("plaintext without a handshake: %+v", e)
					}
				}
				// The close_notify alerts are encrypted, not 13 alerts of
				// garbage each. The client's request is on the wire first:
				// a single record that ends a read starts the connection.
				if len(c.Alerts) != 2 || !c.Alerts[0].Encrypted || !c.Alerts[1].Encrypted || string(c.History) != "DdLl" {
					t.Errorf("alerts %+v history %q", c.Alerts, c.History)
				}
			})
		}
	}
}

// TestConnStreamMidstreamCrafted: records full of 0x16 bytes (a hello's
// first byte), delivered a byte at a time, are still seen mid-stream.
func TestConnStreamMidstreamCrafted(t *testing.T) {
	payload := bytes.Repeat([]byte{0x16, 0x03, 0x01}, 20)
	writes := []streamWrite{
		{0, append(craftRecord(parser.ContentTypeApplicationData, 0x0303, payload), craftRecord(parser.ContentTypeApplicationData, 0x0303, payload)...)},
		{1, craftRecord(parser.ContentTypeApplicationData, 0x0303, payload)},
		{0, craftRecord(parser.ContentTypeApplicationData, 0x0303, payload[:7])},
	}
	for _, ck := range []struct {
		name string
		f    chunking
	}{{"whole", chunkWhole}, {"bytewise", chunkBytewise}, {"random", randomChunks(9)}} {
		t.Run(ck.name, func(t *testing.T) {
			r := feedConn(t, ck.f(writes), nil, streamClientAddr, streamServerAddr)
			c := r.c
			if r.sink.ends != 1 || !connHasNote(c, "midstream") || c.Records != [2]int{3, 1} || c.Client != streamClientAddr {
				t.Errorf("ends %d records %v client %v notes %+v", r.sink.ends, c.Records, c.Client, c.Notes)
			}
		})
	}
}

// ---- 9. gaps ----

func TestConnStreamGap(t *testing.T) {
	for _, sp := range baseSpecs() {
		t.Run(sp.name, func(t *testing.T) {
			run := specRun(t, sp)
			tls13 := sp.version == tls.VersionTLS13
			// The server's application data records are one write each:
			// drop the second of the response (not the last two, which a
			// resync needs to see).
			var chunks []streamChunk
			dropped, seen := 0, 0
			nResp := 0
			for _, w := range run.rec.writes {
				if w.side == 1 && len(w.data) > 5 && parser.ContentType(w.data[0]) == parser.ContentTypeApplicationData &&
					5+(int(w.data[3])<<8|int(w.data[4])) == len(w.data) && len(w.data) < 200 {
					nResp++
				}
			}
			for _, w := range run.rec.writes {
				if w.side == 1 && dropped == 0 && len(w.data) > 5 && parser.ContentType(w.data[0]) == parser.ContentTypeApplicationData &&
					5+(int(w.data[3])<<8|int(w.data[4])) == len(w.data) && len(w.data) < 200 {
					seen++
					if seen == 2 {
						chunks = append(chunks, streamChunk{side: 1, gap: len(w.data)})
						dropped = len(w.data)
						continue
					}
				}
				chunks = append(chunks, streamChunk{side: w.side, data: w.data})
			}
			if dropped == 0 || nResp < 4 {
				t.Fatalf("no record to drop (%d candidates)", nResp)
			}
			want := countAll(t, run, tls13)
			want[1]--
			for _, withKeys := range []bool{false, true} {
				var keys *session.Keys
				if withKeys {
					keys = keysFrom(t, run.keylog)
				}
				r := feedConn(t, chunks, keys, streamClientAddr, streamServerAddr)
				c := r.c
				if c.Gaps != 1 || !connHasNote(c, "gap") || !connHasNote(c, "resync") {
					t.Errorf("keys %v: gaps %d notes %+v", withKeys, c.Gaps, c.Notes)
				}
				if c.Records != want {
					t.Errorf("keys %v: records %v, want %v", withKeys, c.Records, want)
				}
				for _, n := range c.Notes {
					if (n.Code == "gap" || n.Code == "resync") && n.Dir != session.ServerToClient {
						t.Errorf("keys %v: note %+v on the client side", withKeys, n)
					}
				}
				if withKeys {
					if got := appPlaintext(r.sink.events, session.ClientToServer); !bytes.Equal(got, run.request) {
						t.Errorf("client plaintext %q after a server-side gap", got)
					}
					// What follows the gap: at least not garbage.
					got := appPlaintext(r.sink.events, session.ServerToClient)
					if !bytes.HasPrefix(run.response, got) && !bytes.Equal(got, removeSecond(testResponse)) {
						t.Errorf("server plaintext %q", got)
					}
					t.Logf("server plaintext after the gap: %q, MAC %d/%d", got, c.MACVerified, c.MACFailed)
				}
			}
		})
	}
}

func removeSecond(rs [][]byte) []byte {
	var b []byte
	for i, r := range rs {
		if i != 1 {
			b = append(b, r...)
		}
	}
	return b
}

// ---- 10. roles ----

func TestConnStreamRoles(t *testing.T) {
	for _, sp := range baseSpecs() {
		t.Run(sp.name, func(t *testing.T) {
			run := specRun(t, sp)
			tls13 := sp.version == tls.VersionTLS13
			// The TLS client is the TCP responder: side 1, address b.
			a, b := streamServerAddr, streamClientAddr
			r := feedConn(t, swapSides(chunkWhole(run.rec.writes)), keysFrom(t, run.keylog), a, b)
			c := r.c
			if c.Client != b || c.Server != a || c.RolesGuessed {
				t.Errorf("client %v server %v guessed %v", c.Client, c.Server, c.RolesGuessed)
			}
			if c.Records != countAll(t, run, tls13) {
				t.Errorf("records %v", c.Records)
			}
			checkPlaintext(t, r, run)
			if c.FinishedVerified() != [2]int{1, 1} {
				t.Errorf("finished %v", c.FinishedVerified())
			}
			// The same with the server speaking first (SMTP-like ordering of
			// the first bytes is irrelevant; here: the server's bytes are
			// fed before each client write they answer).
			ref := feedConn(t, chunkWhole(run.rec.writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
			if !reflect.DeepEqual(withoutPackets(ref.sink.events), withoutPackets(r.sink.events)) {
				t.Error("events differ with the sides swapped")
			}
		})
	}
}

// ---- 11. crafted: SSLv2 ClientHello, heartbleed ----

// sslv2ClientHello builds an SSLv2-format CLIENT-HELLO offering TLS 1.2
// (RFC 5246 E.2): 2-byte header, msg_type 1, version, the three lengths,
// cipher specs (3 bytes each), no session id, a 32-byte challenge.
func sslv2ClientHello(challenge []byte) []byte {
	specs := []uint32{0x00c02f, 0x00002f, 0x010080} // two TLS suites, SSL_CK_RC4_128_WITH_MD5
	var body cryptobyte.Builder
	body.AddUint8(1)
	body.AddUint16(0x0303)
	body.AddUint16(uint16(3 * len(specs)))
	body.AddUint16(0)
	body.AddUint16(uint16(len(challenge)))
	for _, s := range specs {
		body.AddUint24(s)
	}
	body.AddBytes(challenge)
	m := body.BytesOrPanic()
	return append([]byte{0x80 | byte(len(m)>>8), byte(len(m))}, m...)
}

// craftRecord frames a payload.
func craftRecord(typ parser.ContentType, version uint16, payload []byte) []byte {
	var b cryptobyte.Builder
	b.AddUint8(uint8(typ))
	b.AddUint16(version)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(payload) })
	return b.BytesOrPanic()
}

func craftHandshake(typ parser.HandshakeType, body func(*cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	b.AddUint8(uint8(typ))
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { body(b) })
	return b.BytesOrPanic()
}

func serverHello12(suite uint16) []byte {
	sh := craftHandshake(parser.HandshakeTypeServerHello, func(b *cryptobyte.Builder) {
		b.AddUint16(0x0303)
		b.AddBytes(bytes.Repeat([]byte{0x5a}, 32))
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {})
		b.AddUint16(suite)
		b.AddUint8(0)
	})
	done := craftHandshake(parser.HandshakeTypeServerHelloDone, func(*cryptobyte.Builder) {})
	return craftRecord(parser.ContentTypeHandshake, 0x0303, append(sh, done...))
}

func TestConnStreamCrafted(t *testing.T) {
	t.Run("sslv2-client-hello", func(t *testing.T) {
		challenge := bytes.Repeat([]byte{0xc1}, 32)
		writes := []streamWrite{{0, sslv2ClientHello(challenge)}, {1, serverHello12(0xc02f)}}
		for _, ck := range []struct {
			name string
			f    chunking
		}{{"whole", chunkWhole}, {"bytewise", chunkBytewise}} {
			r := feedConn(t, ck.f(writes), session.NewKeys(), streamClientAddr, streamServerAddr)
			c := r.c
			if r.sink.ends != 1 || c.ClientHello == nil || !c.ClientHello.SSLv2 {
				t.Fatalf("%s: no SSLv2 ClientHello: ends %d notes %+v", ck.name, r.sink.ends, c.Notes)
			}
			if c.ClientHello.LegacyVersion != parser.VersionTLS12 || !bytes.Equal(c.ClientHello.Random[:], challenge) {
				t.Errorf("%s: hello version %v random %x", ck.name, c.ClientHello.LegacyVersion, c.ClientHello.Random)
			}
			if c.Version != parser.VersionTLS12 || c.CipherSuite != 0xc02f || c.Client != streamClientAddr {
				t.Errorf("%s: version %v suite %v client %v", ck.name, c.Version, c.CipherSuite, c.Client)
			}
			// No JA3 for an SSLv2 hello (fingerprint.go), but a JA4.
			if string(c.History) != "Csn" || c.Records != [2]int{1, 1} || c.JA3 != "" || c.JA4 == "" {
				t.Errorf("%s: history %q records %v ja3 %q ja4 %q", ck.name, c.History, c.Records, c.JA3, c.JA4)
			}
			if len(r.sink.events) != 2 || !r.sink.events[0].Decrypted && len(r.sink.events[0].Msgs) != 1 {
				t.Errorf("%s: events %s", ck.name, eventTrace(r.sink.events))
			}
		}
	})
	t.Run("heartbleed", func(t *testing.T) {
		run := specRun(t, &sessionSpec{version: tls.VersionTLS12})
		hello := run.rec.writes[0]
		if hello.side != 0 {
			t.Fatal("the client did not write first")
		}
		// heartbeat_request, payload_length 0x4000, one byte of payload,
		// no padding.
		hb := craftRecord(parser.ContentTypeHeartbeat, 0x0303, []byte{1, 0x40, 0x00, 'x'})
		ok := craftRecord(parser.ContentTypeHeartbeat, 0x0303, append([]byte{1, 0, 1, 'y'}, make([]byte, 16)...))
		writes := []streamWrite{hello, {0, ok}, {0, hb}, run.rec.writes[1]}
		r := feedConn(t, chunkWhole(writes), nil, streamClientAddr, streamServerAddr)
		c := r.c
		if !connHasNote(c, "heartbleed") {
			t.Errorf("no heartbleed note: %+v", c.Notes)
		}
		var hbs []bool
		for _, e := range r.sink.events {
			if e.RecType == parser.ContentTypeHeartbeat {
				hbs = append(hbs, e.Heartbleed)
			}
		}
		if !reflect.DeepEqual(hbs, []bool{false, true}) {
			t.Errorf("heartbeat events: heartbleed %v", hbs)
		}
		if !strings.HasPrefix(string(c.History), "CBBs") {
			t.Errorf("History %q", c.History)
		}
	})
}

// ---- recorded sessions for the fuzz target ----

// recordedSessions runs the sessions above once; FuzzConn is seeded from
// them.
func recordedSessions(t testing.TB) []*tlsRun {
	var runs []*tlsRun
	for _, sp := range baseSpecs() {
		runs = append(runs, specRun(t, sp))
	}
	runs = append(runs, specRun(t, &sessionSpec{version: tls.VersionTLS13,
		clientCurves: []tls.CurveID{tls.X25519, tls.CurveP256}, serverCurves: []tls.CurveID{tls.CurveP256}}))
	runs = append(runs, specRun(t, &sessionSpec{version: tls.VersionTLS12, pre: []streamWrite{
		{1, []byte("220 mx ESMTP\r\n")}, {0, []byte("EHLO a\r\n")}, {1, []byte("250-mx\r\n250 STARTTLS\r\n")},
		{0, []byte("STARTTLS\r\n")}, {1, []byte("220 Go ahead\r\n")}}}))
	return runs
}

// TestConnStreamTruncated: a capture that ends inside a handshake message
// that spans records.
func TestConnStreamTruncated(t *testing.T) {
	run := specRun(t, &sessionSpec{version: tls.VersionTLS12, chainCopies: 30})
	client, server := run.rec.stream(0), run.rec.stream(1)
	// The ClientHello, then the server's first two records: its hello and
	// the first part of its Certificate.
	cut := 0
	for range 2 {
		cut += 5 + (int(server[cut+3])<<8 | int(server[cut+4]))
	}
	chLen := 5 + (int(client[3])<<8 | int(client[4]))
	writes := []streamWrite{{0, client[:chLen]}, {1, server[:cut]}}
	for _, ck := range []struct {
		name string
		f    chunking
	}{{"whole", chunkWhole}, {"random", randomChunks(13)}} {
		r := feedConn(t, ck.f(writes), keysFrom(t, run.keylog), streamClientAddr, streamServerAddr)
		c := r.c
		if r.sink.ends != 1 || c.Records != [2]int{1, 2} || string(c.History) != "Cs" || !connHasNote(c, "handshake_truncated") {
			t.Errorf("%s: ends %d records %v history %q notes %+v", ck.name, r.sink.ends, c.Records, c.History, c.Notes)
		}
	}
}
