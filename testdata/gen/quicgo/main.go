// Command quicgo is a quic-go (RFC 9000 / RFC 9369) server and client for
// making QUIC test captures with known key logs and known stream bytes.
// It is a separate module (testdata/gen/quicgo/go.mod) so that the main
// module does not depend on quic-go.
//
//	quicgo server -listen :443 -cert C/server-ecdsa.pem -key C/server-ecdsa.key [-retry] [-0rtt] [-version v1|v2] [-n N]
//	quicgo client -connect 10.77.0.2:443 -servername server.test -ca C/ca.pem -keylog K \
//	        [-version v1|v2] [-streams N] [-size BYTES] [-conns 1|2] [-0rtt] -out PREFIX
//
// Protocol: the client opens bidirectional streams one after another; on each
// it sends "GET <size>\n" and FIN; the server reads to FIN and answers with
// exactly <size> bytes of 64-byte lines "quicgo line NNNNN ....\n" (cut to
// size), then FIN. ALPN "ssldissect-test".
//
// The client writes, per stream, PREFIX.s<id>.c2s (bytes it sent) and
// PREFIX.s<id>.s2c (bytes it received), <id> = the QUIC stream ID in
// decimal. With -conns 2 the files are PREFIX.c1.s<id>.* and PREFIX.c2.s<id>.*.
//
// With -0rtt (needs -conns 2) the first connection gets a session ticket and
// the second is dialed with DialAddrEarly; its first stream's request is sent
// as 0-RTT. Go's crypto/tls does not write CLIENT_EARLY_TRAFFIC_SECRET to the
// key log, so the client computes it itself: it decrypts its own first QUIC v1
// Initial packets (on the way out) to get the ClientHello, takes the PSK from
// the cached session (SessionState.Bytes) and appends
// "CLIENT_EARLY_TRAFFIC_SECRET <client_random> <secret>" to the key log.
package main

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"hash"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
)

const alpn = "ssldissect-test"

func main() {
	log.SetFlags(0)
	log.SetPrefix("quicgo: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: quicgo server|client [flags]")
	}
	switch os.Args[1] {
	case "server":
		server(os.Args[2:])
	case "client":
		client(os.Args[2:])
	default:
		log.Fatalf("unknown subcommand %q", os.Args[1])
	}
}

func versions(v string) []quic.Version {
	switch v {
	case "v1", "1", "":
		return []quic.Version{quic.Version1}
	case "v2", "2":
		return []quic.Version{quic.Version2}
	}
	log.Fatalf("unknown -version %q (v1 or v2)", v)
	return nil
}

func openKeylog(name string) io.Writer {
	if name == "" {
		return nil
	}
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	return f
}

// body returns the deterministic response of size bytes.
func body(size int) []byte {
	var b bytes.Buffer
	for i := 1; b.Len() < size; i++ {
		line := fmt.Sprintf("quicgo line %05d ", i)
		b.WriteString(line + strings.Repeat(".", 63-len(line)) + "\n")
	}
	return b.Bytes()[:size]
}

func server(args []string) {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	listen := fs.String("listen", ":443", "UDP address to listen on")
	certF := fs.String("cert", "", "certificate PEM")
	keyF := fs.String("key", "", "key PEM")
	retry := fs.Bool("retry", false, "force address validation (Retry) for every connection")
	zeroRTT := fs.Bool("0rtt", false, "accept 0-RTT")
	ver := fs.String("version", "v1", "QUIC version: v1 or v2")
	n := fs.Int("n", 1, "connections to serve, then exit")
	keylog := fs.String("keylog", "", "key log file (appended)")
	fs.Parse(args)

	cert, err := tls.LoadX509KeyPair(*certF, *keyF)
	if err != nil {
		log.Fatal(err)
	}
	tlsConf := &tls.Config{
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{alpn},
		KeyLogWriter: openKeylog(*keylog),
		MinVersion:   tls.VersionTLS13,
	}
	qconf := &quic.Config{
		Versions:       versions(*ver),
		Allow0RTT:      *zeroRTT,
		MaxIdleTimeout: 10 * time.Second,
	}
	addr, err := net.ResolveUDPAddr("udp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	udp, err := net.ListenUDP("udp", addr)
	if err != nil {
		log.Fatal(err)
	}
	tr := &quic.Transport{Conn: udp}
	if *retry {
		tr.VerifySourceAddress = func(net.Addr) bool { return true }
	}
	ln, err := tr.ListenEarly(tlsConf, qconf)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s", udp.LocalAddr())
	var wg sync.WaitGroup
	for i := 0; i < *n; i++ {
		conn, err := ln.Accept(context.Background())
		if err != nil {
			log.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			serveConn(conn)
		}()
	}
	wg.Wait()
	ln.Close()
	tr.Close()
}

func serveConn(conn *quic.Conn) {
	var wg sync.WaitGroup
	for {
		st, err := conn.AcceptStream(context.Background())
		if err != nil {
			break // the client closed the connection
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := io.ReadAll(st)
			if err != nil {
				log.Printf("stream %d: read: %v", st.StreamID(), err)
				st.CancelWrite(1)
				return
			}
			size, err := parseReq(req)
			if err != nil {
				log.Printf("stream %d: %v", st.StreamID(), err)
				st.CancelWrite(2)
				return
			}
			if _, err := st.Write(body(size)); err != nil {
				log.Printf("stream %d: write: %v", st.StreamID(), err)
			}
			st.Close()
		}()
	}
	wg.Wait()
	cs := conn.ConnectionState()
	log.Printf("connection from %s done: version %v, suite %s, 0-RTT %v, resumed %v",
		conn.RemoteAddr(), cs.Version, tls.CipherSuiteName(cs.TLS.CipherSuite), cs.Used0RTT, cs.TLS.DidResume)
}

func parseReq(req []byte) (int, error) {
	s, ok := strings.CutPrefix(string(req), "GET ")
	if !ok || !strings.HasSuffix(s, "\n") {
		return 0, fmt.Errorf("bad request %q", req)
	}
	return strconv.Atoi(strings.TrimSuffix(s, "\n"))
}

func client(args []string) {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	connect := fs.String("connect", "10.77.0.2:443", "server UDP address")
	sni := fs.String("servername", "server.test", "server name (SNI, verification)")
	caF := fs.String("ca", "", "CA PEM")
	keylog := fs.String("keylog", "", "key log file (appended)")
	ver := fs.String("version", "v1", "QUIC version: v1 or v2")
	streams := fs.Int("streams", 1, "bidirectional streams per connection, one after another")
	size := fs.Int("size", 1000, "response bytes per stream")
	conns := fs.Int("conns", 1, "sequential connections (1 or 2)")
	zeroRTT := fs.Bool("0rtt", false, "second connection resumes with 0-RTT (needs -conns 2)")
	out := fs.String("out", "", "PREFIX for PREFIX[.cN].s<id>.c2s / .s2c")
	fs.Parse(args)
	if *zeroRTT && *conns < 2 {
		log.Fatal("-0rtt needs -conns 2")
	}

	pool := x509.NewCertPool()
	if *caF != "" {
		pem, err := os.ReadFile(*caF)
		if err != nil {
			log.Fatal(err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			log.Fatalf("no certificates in %s", *caF)
		}
	}
	kl := openKeylog(*keylog)
	cache := &oneSessionCache{}
	tlsConf := &tls.Config{
		ServerName:         *sni,
		RootCAs:            pool,
		NextProtos:         []string{alpn},
		KeyLogWriter:       kl,
		MinVersion:         tls.VersionTLS13,
		ClientSessionCache: cache,
	}
	qconf := &quic.Config{Versions: versions(*ver), MaxIdleTimeout: 10 * time.Second}

	raddr, err := net.ResolveUDPAddr("udp", *connect)
	if err != nil {
		log.Fatal(err)
	}
	for c := 1; c <= *conns; c++ {
		prefix := *out
		if *conns > 1 {
			prefix = fmt.Sprintf("%s.c%d", *out, c)
		}
		early := *zeroRTT && c == 2
		udp, err := net.ListenUDP("udp", nil)
		if err != nil {
			log.Fatal(err)
		}
		pc := &initialSniffer{UDPConn: udp}
		if early {
			pc.done = func(ch []byte) { writeEarlySecret(kl, cache, ch) }
		}
		tr := &quic.Transport{Conn: pc}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		var conn *quic.Conn
		if early {
			conn, err = tr.DialEarly(ctx, raddr, tlsConf, qconf)
		} else {
			conn, err = tr.Dial(ctx, raddr, tlsConf, qconf)
		}
		if err != nil {
			log.Fatalf("connection %d: dial: %v", c, err)
		}
		for i := 0; i < *streams; i++ {
			if err := doStream(ctx, conn, *size, prefix); err != nil {
				log.Fatalf("connection %d: %v", c, err)
			}
		}
		if *zeroRTT && c == 1 {
			// Wait for the session ticket (sent with or after HANDSHAKE_DONE).
			for j := 0; j < 100 && cache.get() == nil; j++ {
				time.Sleep(20 * time.Millisecond)
			}
			if cache.get() == nil {
				log.Fatal("no session ticket received")
			}
		}
		<-conn.HandshakeComplete()
		cs := conn.ConnectionState()
		log.Printf("connection %d: version %v, suite %s, 0-RTT %v, resumed %v", c, cs.Version,
			tls.CipherSuiteName(cs.TLS.CipherSuite), cs.Used0RTT, cs.TLS.DidResume)
		if early && !cs.Used0RTT {
			log.Fatalf("connection %d: 0-RTT was not accepted", c)
		}
		time.Sleep(100 * time.Millisecond) // let the last ACKs go out
		conn.CloseWithError(0, "")
		time.Sleep(100 * time.Millisecond)
		tr.Close()
		udp.Close()
		cancel()
	}
}

func doStream(ctx context.Context, conn *quic.Conn, size int, prefix string) error {
	st, err := conn.OpenStreamSync(ctx)
	if err != nil {
		return fmt.Errorf("open stream: %v", err)
	}
	id := st.StreamID()
	req := fmt.Appendf(nil, "GET %d\n", size)
	if _, err := st.Write(req); err != nil {
		return fmt.Errorf("stream %d: write: %v", id, err)
	}
	if err := st.Close(); err != nil {
		return fmt.Errorf("stream %d: close: %v", id, err)
	}
	got, err := io.ReadAll(st)
	if err != nil {
		return fmt.Errorf("stream %d: read: %v", id, err)
	}
	if !bytes.Equal(got, body(size)) {
		return fmt.Errorf("stream %d: got %d bytes, not the expected body of %d", id, len(got), size)
	}
	if prefix != "" {
		base := fmt.Sprintf("%s.s%d", prefix, id)
		if err := os.WriteFile(base+".c2s", req, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(base+".s2c", got, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// oneSessionCache keeps the latest session ticket only.
type oneSessionCache struct {
	mu sync.Mutex
	cs *tls.ClientSessionState
}

func (c *oneSessionCache) Get(string) (*tls.ClientSessionState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cs, c.cs != nil
}

func (c *oneSessionCache) Put(_ string, cs *tls.ClientSessionState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cs = cs
}

func (c *oneSessionCache) get() *tls.ClientSessionState {
	cs, _ := c.Get("")
	return cs
}

// writeEarlySecret appends CLIENT_EARLY_TRAFFIC_SECRET for ClientHello ch
// (the handshake message with its 4-byte header) to the key log:
// early_secret = HKDF-Extract(0, PSK), secret = Derive-Secret(early_secret,
// "c e traffic", ClientHello) (RFC 8446 section 7.1).
func writeEarlySecret(kl io.Writer, cache *oneSessionCache, ch []byte) {
	cs := cache.get()
	if cs == nil || kl == nil {
		log.Print("0-RTT: no session or no key log; CLIENT_EARLY_TRAFFIC_SECRET not written")
		return
	}
	_, state, err := cs.ResumptionState()
	if err != nil || state == nil {
		log.Printf("0-RTT: no resumption state: %v", err)
		return
	}
	b, err := state.Bytes()
	if err != nil {
		log.Fatal(err)
	}
	// version(2) kind(1) suite(2) createdAt(8) secret<1..255>
	if len(b) < 14 || len(b) < 14+int(b[13]) {
		log.Fatal("0-RTT: short session state")
	}
	suite := binary.BigEndian.Uint16(b[3:5])
	psk := b[14 : 14+int(b[13])]
	var h func() hash.Hash
	switch suite {
	case tls.TLS_AES_128_GCM_SHA256, tls.TLS_CHACHA20_POLY1305_SHA256:
		h = sha256.New
	case tls.TLS_AES_256_GCM_SHA384:
		h = sha512.New384
	default:
		log.Fatalf("0-RTT: unknown suite %#x", suite)
	}
	early, err := hkdf.Extract(h, psk, make([]byte, h().Size()))
	if err != nil {
		log.Fatal(err)
	}
	th := h()
	th.Write(ch)
	secret := expandLabel(h, early, "c e traffic", th.Sum(nil), h().Size())
	random := ch[6:38]
	fmt.Fprintf(kl, "CLIENT_EARLY_TRAFFIC_SECRET %x %x\n", random, secret)
	log.Printf("0-RTT: wrote CLIENT_EARLY_TRAFFIC_SECRET (%s)", tls.CipherSuiteName(suite))
}

func expandLabel(h func() hash.Hash, secret []byte, label string, context []byte, n int) []byte {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full)+len(context))
	info = binary.BigEndian.AppendUint16(info, uint16(n))
	info = append(info, byte(len(full)))
	info = append(info, full...)
	info = append(info, byte(len(context)))
	info = append(info, context...)
	out, err := hkdf.Expand(h, secret, string(info), n)
	if err != nil {
		log.Fatal(err)
	}
	return out
}

// initialSniffer is the client's UDP socket; where done is set it decrypts
// the client's outgoing QUIC v1 Initial packets until it has the whole
// ClientHello, then calls done with it (once).
type initialSniffer struct {
	*net.UDPConn
	done   func([]byte)
	mu     sync.Mutex
	crypto map[uint64][]byte // CRYPTO frame data by offset
	called bool
}

func (s *initialSniffer) WriteTo(p []byte, addr net.Addr) (int, error) {
	s.sniff(p)
	return s.UDPConn.WriteTo(p, addr)
}

func (s *initialSniffer) WriteMsgUDP(p, oob []byte, addr *net.UDPAddr) (int, int, error) {
	s.sniff(p)
	return s.UDPConn.WriteMsgUDP(p, oob, addr)
}

var v1Salt, _ = hex.DecodeString("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")

func (s *initialSniffer) sniff(p []byte) {
	if s.done == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.called {
		return
	}
	if s.crypto == nil {
		s.crypto = map[uint64][]byte{}
	}
	for len(p) > 0 {
		n, err := s.initial(p)
		if err != nil {
			log.Printf("0-RTT sniffer: %v", err)
			return
		}
		if n == 0 {
			break
		}
		p = p[n:]
	}
	// Reassemble from offset 0.
	var ch []byte
	for {
		d, ok := s.crypto[uint64(len(ch))]
		if !ok {
			break
		}
		ch = append(ch, d...)
	}
	if len(ch) >= 4 && ch[0] == 1 {
		n := int(ch[1])<<16 | int(ch[2])<<8 | int(ch[3])
		if len(ch) >= 4+n {
			s.called = true
			s.done(ch[:4+n])
		}
	}
}

func varint(b []byte) (uint64, int, error) {
	if len(b) == 0 {
		return 0, 0, errors.New("short varint")
	}
	l := 1 << (b[0] >> 6)
	if len(b) < l {
		return 0, 0, errors.New("short varint")
	}
	v := uint64(b[0] & 0x3f)
	for i := 1; i < l; i++ {
		v = v<<8 | uint64(b[i])
	}
	return v, l, nil
}

// initial decrypts one v1 Initial packet at the start of p (a copy) and
// records its CRYPTO frames; it returns the packet's length, 0 where p does
// not start with a v1 Initial.
func (s *initialSniffer) initial(p []byte) (int, error) {
	if len(p) < 7 || p[0]&0x80 == 0 || binary.BigEndian.Uint32(p[1:5]) != 1 || (p[0]>>4)&3 != 0 {
		return 0, nil
	}
	pkt := append([]byte(nil), p...)
	off := 5
	dcid := pkt[off+1 : off+1+int(pkt[off])]
	off += 1 + int(pkt[off])
	off += 1 + int(pkt[off]) // scid
	tl, n, err := varint(pkt[off:])
	if err != nil {
		return 0, err
	}
	off += n + int(tl)
	length, n, err := varint(pkt[off:])
	if err != nil {
		return 0, err
	}
	off += n
	pnOff := off
	end := pnOff + int(length)
	if end > len(pkt) || pnOff+20 > end {
		return 0, errors.New("bad Initial length")
	}
	initSecret, _ := hkdf.Extract(sha256.New, dcid, v1Salt)
	cis := expandLabel(sha256.New, initSecret, "client in", nil, 32)
	key := expandLabel(sha256.New, cis, "quic key", nil, 16)
	iv := expandLabel(sha256.New, cis, "quic iv", nil, 12)
	hp := expandLabel(sha256.New, cis, "quic hp", nil, 16)
	hpb, _ := aes.NewCipher(hp)
	mask := make([]byte, 16)
	hpb.Encrypt(mask, pkt[pnOff+4:pnOff+20])
	pkt[0] ^= mask[0] & 0x0f
	pnLen := int(pkt[0]&3) + 1
	var pn uint64
	for i := 0; i < pnLen; i++ {
		pkt[pnOff+i] ^= mask[1+i]
		pn = pn<<8 | uint64(pkt[pnOff+i])
	}
	nonce := append([]byte(nil), iv...)
	for i := 0; i < 8; i++ {
		nonce[11-i] ^= byte(pn >> (8 * i))
	}
	blk, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(blk)
	hdrEnd := pnOff + pnLen
	plain, err := aead.Open(nil, nonce, pkt[hdrEnd:end], pkt[:hdrEnd])
	if err != nil {
		return 0, fmt.Errorf("Initial pn %d: %v", pn, err)
	}
	for f := plain; len(f) > 0; {
		switch f[0] {
		case 0x00, 0x01: // PADDING, PING
			f = f[1:]
		case 0x02, 0x03: // ACK
			return end, nil // the first Initials carry no ACK; do not parse further
		case 0x06: // CRYPTO
			o, n1, err := varint(f[1:])
			if err != nil {
				return 0, err
			}
			l, n2, err := varint(f[1+n1:])
			if err != nil {
				return 0, err
			}
			d := f[1+n1+n2:]
			if uint64(len(d)) < l {
				return 0, errors.New("short CRYPTO frame")
			}
			s.crypto[o] = append([]byte(nil), d[:l]...)
			f = d[l:]
		default:
			return end, nil
		}
	}
	return end, nil
}
