// Command piondtls is a pion/dtls (DTLS 1.2, RFC 6347, with RFC 9146
// connection IDs) server and client for making DTLS test captures with known
// key logs and known application bytes. It is a separate module
// (testdata/gen/piondtls/go.mod) so that the main module does not depend on
// pion/dtls. The subcommands server13 and client13 (dtls13.go) are the
// DTLS 1.3 (RFC 9147) side, built on github.com/pion/dtls/v4.
//
//	piondtls server -listen :4433 [-cert C/server-ecdsa.pem -key C/server-ecdsa.key] [COMMON] \
//	        -recv N -send M [-out PREFIX]
//	piondtls client -connect 10.77.0.2:4433 [-servername server.test -ca C/ca.pem] [COMMON] \
//	        -send N -recv M -keylog K -out PREFIX
//
// COMMON flags, given to both sides:
//
//	-suite NAME[,NAME...]  cipher suites (pion names, e.g. TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
//	-cid LEN|send          connection ID: LEN>0 = ask the peer to send LEN-byte CIDs
//	                       (dtls.RandomCIDGenerator(LEN)); "send" = support sending CIDs but
//	                       ask the peer for none (dtls.OnlySendCIDGenerator, an empty CID in
//	                       the extension); unset: no connection_id extension at all
//	-pad N                 PaddingLengthGenerator: N zero bytes of padding in every
//	                       tls12_cid record this side sends (RFC 9146 section 4)
//	-psk HEX               pre-shared key (PSK suites); then no certificate is used
//	-psk-hint S            server: the PSK identity hint; client: the PSK identity
//	-ems request|require|disable   extended master secret (default request)
//	-chunks A,B,...        the sizes of the application records this side writes,
//	                       cycled (each Write is one record; default 1000)
//
// Protocol: the client writes -send N bytes of 64-byte lines
// "pion c2s line NNNNN ....\n" (cut to N) in records of the -chunks sizes;
// the server reads exactly N bytes, then writes -send M bytes of lines
// "pion s2c line NNNNN ....\n" in records of its -chunks sizes; the client
// reads exactly M bytes and closes (close_notify); the server reads to the
// close_notify and closes too.
//
// The client writes PREFIX.c2s (the bytes it sent) and PREFIX.s2c (the bytes
// it received) and exits nonzero unless what it received is exactly the
// expected server body. The server, with -out PREFIX, writes PREFIX.c2s (the
// bytes it received) and PREFIX.s2c (the bytes it sent). The client's
// -keylog gets the NSS key log (CLIENT_RANDOM <client_random> <master_secret>).
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/pion/dtls/v3"
)

func main() {
	log.SetFlags(0)
	if len(os.Args) < 2 {
		log.Fatal("piondtls: usage: piondtls server|client|server13|client13 [flags]")
	}
	switch os.Args[1] {
	case "server":
		log.SetPrefix("piondtls server: ")
		server(os.Args[2:])
	case "client":
		log.SetPrefix("piondtls client: ")
		client(os.Args[2:])
	case "server13":
		log.SetPrefix("piondtls server13: ")
		server13(os.Args[2:])
	case "client13":
		log.SetPrefix("piondtls client13: ")
		client13(os.Args[2:])
	default:
		log.Fatalf("piondtls: unknown subcommand %q", os.Args[1])
	}
}

// suites are the DTLS 1.2 cipher suites pion/dtls v3 implements.
var suites = []dtls.CipherSuiteID{
	dtls.TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
	dtls.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
	dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	dtls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	dtls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	dtls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	dtls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	dtls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	dtls.TLS_PSK_WITH_AES_128_CCM,
	dtls.TLS_PSK_WITH_AES_128_CCM_8,
	dtls.TLS_PSK_WITH_AES_256_CCM_8,
	dtls.TLS_PSK_WITH_AES_128_GCM_SHA256,
	dtls.TLS_PSK_WITH_AES_128_CBC_SHA256,
	dtls.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
	dtls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	dtls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	dtls.TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
	dtls.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
}

// common holds the flags both sides have.
type common struct {
	suite, cid, psk, pskHint, ems, chunks string
	pad                                   uint
	send, recv                            int
	out                                   string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.suite, "suite", "", "cipher suites, comma-separated pion names (default: pion's defaults)")
	fs.StringVar(&c.cid, "cid", "", `connection ID: LEN (ask the peer for LEN-byte CIDs) or "send" (an empty CID: send only); unset: none`)
	fs.UintVar(&c.pad, "pad", 0, "padding bytes in every tls12_cid record sent")
	fs.StringVar(&c.psk, "psk", "", "pre-shared key, hex")
	fs.StringVar(&c.pskHint, "psk-hint", "", "server: PSK identity hint; client: PSK identity")
	fs.StringVar(&c.ems, "ems", "request", "extended master secret: request, require or disable")
	fs.StringVar(&c.chunks, "chunks", "1000", "application record sizes, comma-separated, cycled")
	fs.IntVar(&c.send, "send", 4096, "application bytes to send")
	fs.IntVar(&c.recv, "recv", 4096, "application bytes to receive")
	fs.StringVar(&c.out, "out", "", "write PREFIX.c2s and PREFIX.s2c")
}

func (c *common) options() []dtls.Option {
	var opts []dtls.Option
	if c.suite != "" {
		var ids []dtls.CipherSuiteID
		for _, name := range strings.Split(c.suite, ",") {
			id, ok := suiteID(name)
			if !ok {
				log.Fatalf("unknown cipher suite %q", name)
			}
			ids = append(ids, id)
		}
		opts = append(opts, dtls.WithCipherSuites(ids...))
	}
	switch c.cid {
	case "":
	case "send":
		opts = append(opts, dtls.WithConnectionIDGenerator(dtls.OnlySendCIDGenerator()))
	default:
		n, err := strconv.Atoi(c.cid)
		if err != nil || n < 1 || n > 255 {
			log.Fatalf("bad -cid %q", c.cid)
		}
		opts = append(opts, dtls.WithConnectionIDGenerator(dtls.RandomCIDGenerator(n)))
	}
	if c.pad > 0 {
		pad := c.pad
		opts = append(opts, dtls.WithPaddingLengthGenerator(func(uint) uint { return pad }))
	}
	if c.psk != "" {
		key, err := hex.DecodeString(c.psk)
		if err != nil {
			log.Fatalf("bad -psk: %v", err)
		}
		opts = append(opts, dtls.WithPSK(func(hint []byte) ([]byte, error) {
			log.Printf("PSK callback, peer's identity (hint) %q", hint)
			return key, nil
		}))
		if c.pskHint != "" {
			opts = append(opts, dtls.WithPSKIdentityHint([]byte(c.pskHint)))
		}
	}
	switch c.ems {
	case "request":
		opts = append(opts, dtls.WithExtendedMasterSecret(dtls.RequestExtendedMasterSecret))
	case "require":
		opts = append(opts, dtls.WithExtendedMasterSecret(dtls.RequireExtendedMasterSecret))
	case "disable":
		opts = append(opts, dtls.WithExtendedMasterSecret(dtls.DisableExtendedMasterSecret))
	default:
		log.Fatalf("bad -ems %q", c.ems)
	}
	return opts
}

func (c *common) chunkSizes() []int {
	var sizes []int
	for _, s := range strings.Split(c.chunks, ",") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 16384 {
			log.Fatalf("bad -chunks %q", c.chunks)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

func suiteID(name string) (dtls.CipherSuiteID, bool) {
	for _, id := range suites {
		if dtls.CipherSuiteName(id) == name {
			return id, true
		}
	}
	return 0, false
}

// body returns size bytes of 64-byte lines "pion DIR line NNNNN ....\n".
func body(dir string, size int) []byte {
	var b bytes.Buffer
	for i := 1; b.Len() < size; i++ {
		line := fmt.Sprintf("pion %s line %05d ", dir, i)
		b.WriteString(line + strings.Repeat(".", 63-len(line)) + "\n")
	}
	return b.Bytes()[:size]
}

// sendAll writes data in records of the given sizes (cycled), one Write each.
func sendAll(conn net.Conn, data []byte, sizes []int) (records int, err error) {
	for i := 0; len(data) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(data))
		if _, err := conn.Write(data[:n]); err != nil {
			return records, err
		}
		records++
		data = data[n:]
	}
	return records, nil
}

// recvN reads records until it has n bytes (or an error).
func recvN(conn net.Conn, n int) (got []byte, records int, err error) {
	buf := make([]byte, 1<<16)
	for len(got) < n {
		k, err := conn.Read(buf)
		if k > 0 {
			got = append(got, buf[:k]...)
			records++
		}
		if err != nil {
			return got, records, err
		}
	}
	return got, records, nil
}

func writeFiles(prefix string, c2s, s2c []byte) {
	if prefix == "" {
		return
	}
	if err := os.WriteFile(prefix+".c2s", c2s, 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(prefix+".s2c", s2c, 0o644); err != nil {
		log.Fatal(err)
	}
}

func describe(conn *dtls.Conn) string {
	st, ok := conn.ConnectionState()
	if !ok {
		return "no state"
	}
	return fmt.Sprintf("suite %s, PSK identity hint %q", dtls.CipherSuiteName(st.CipherSuiteID), st.IdentityHint)
}

func server(args []string) {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	var c common
	c.register(fs)
	listen := fs.String("listen", ":4433", "UDP address to listen on")
	certFile := fs.String("cert", "", "certificate (PEM)")
	keyFile := fs.String("key", "", "private key (PEM)")
	_ = fs.Parse(args)

	var opts []dtls.ServerOption
	for _, o := range c.options() {
		opts = append(opts, o)
	}
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			log.Fatal(err)
		}
		opts = append(opts, dtls.WithCertificates(cert))
	}
	laddr, err := net.ResolveUDPAddr("udp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := dtls.ListenWithOptions("udp", laddr, opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	nc, err := ln.Accept()
	if err != nil {
		log.Fatal(err)
	}
	conn := nc.(*dtls.Conn)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := conn.HandshakeContext(ctx); err != nil {
		log.Fatalf("handshake: %v", err)
	}
	log.Printf("handshake done with %s: %s", conn.RemoteAddr(), describe(conn))
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))

	got, nrec, err := recvN(conn, c.recv)
	if err != nil {
		log.Fatalf("after %d bytes in %d records: %v", len(got), nrec, err)
	}
	log.Printf("received %d bytes in %d records", len(got), nrec)
	data := body("s2c", c.send)
	nsent, err := sendAll(conn, data, c.chunkSizes())
	if err != nil {
		log.Fatalf("send: %v", err)
	}
	log.Printf("sent %d bytes in %d records", len(data), nsent)
	writeFiles(c.out, got, data)

	// Read to the client's close_notify (io.EOF); anything more is an error.
	buf := make([]byte, 1<<16)
	n, err := conn.Read(buf)
	if n > 0 || !errors.Is(err, io.EOF) {
		log.Fatalf("expected the client's close_notify, got %d bytes, %v", n, err)
	}
	if err := conn.Close(); err != nil {
		log.Printf("close: %v", err)
	}
	if !bytes.Equal(got, body("c2s", c.recv)) {
		log.Fatal("received bytes are not the expected client body")
	}
	log.Print("done")
}

func client(args []string) {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	var c common
	c.register(fs)
	connect := fs.String("connect", "10.77.0.2:4433", "server UDP address")
	serverName := fs.String("servername", "server.test", "server name (SNI and certificate check)")
	caFile := fs.String("ca", "", "CA certificate (PEM) to verify the server with")
	keylog := fs.String("keylog", "", "NSS key log file to write")
	_ = fs.Parse(args)
	if c.out == "" {
		log.Fatal("-out is required")
	}

	var opts []dtls.ClientOption
	for _, o := range c.options() {
		opts = append(opts, o)
	}
	if c.psk == "" {
		opts = append(opts, dtls.WithServerName(*serverName))
		if *caFile != "" {
			pem, err := os.ReadFile(*caFile)
			if err != nil {
				log.Fatal(err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				log.Fatalf("%s: no certificates", *caFile)
			}
			opts = append(opts, dtls.WithRootCAs(pool))
		}
	}
	if *keylog != "" {
		f, err := os.Create(*keylog)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		opts = append(opts, dtls.WithKeyLogWriter(f))
	}
	raddr, err := net.ResolveUDPAddr("udp", *connect)
	if err != nil {
		log.Fatal(err)
	}
	conn, err := dtls.DialWithOptions("udp", raddr, opts...)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := conn.HandshakeContext(ctx); err != nil {
		log.Fatalf("handshake: %v", err)
	}
	log.Printf("handshake done: %s", describe(conn))
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))

	data := body("c2s", c.send)
	nsent, err := sendAll(conn, data, c.chunkSizes())
	if err != nil {
		log.Fatalf("send: %v", err)
	}
	log.Printf("sent %d bytes in %d records", len(data), nsent)
	got, nrec, err := recvN(conn, c.recv)
	if err != nil {
		writeFiles(c.out, data, got)
		log.Fatalf("after %d bytes in %d records: %v", len(got), nrec, err)
	}
	log.Printf("received %d bytes in %d records", len(got), nrec)
	writeFiles(c.out, data, got)
	if err := conn.Close(); err != nil {
		log.Fatalf("close: %v", err)
	}
	if !bytes.Equal(got, body("s2c", c.recv)) {
		log.Fatal("received bytes are not the expected server body")
	}
	log.Print("done")
}
