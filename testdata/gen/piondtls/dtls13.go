package main

// The DTLS 1.3 (RFC 9147) side of piondtls: the subcommands server13 and
// client13, built on github.com/pion/dtls/v4 and its options API. The
// protocol, the bodies and the PREFIX.c2s / PREFIX.s2c files are the same as
// for the DTLS 1.2 server and client (see main.go); both sides are held to
// DTLS 1.3 (WithMinVersion / WithMaxVersion 1.3).
//
//	piondtls server13 -listen :4433 -cert C/server-ecdsa.pem -key C/server-ecdsa.key [COMMON13] \
//	        [-no-cookie] -recv N -send M [-out PREFIX]
//	piondtls client13 -connect 10.77.0.2:4433 [-servername server.test -ca C/ca.pem] [COMMON13] \
//	        -send N -recv M -keylog K -out PREFIX
//
// COMMON13 flags, given to either side:
//
//	-suite NAME[,NAME...]  TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
//	                       TLS_CHACHA20_POLY1305_SHA256 (default: pion's order)
//	-curves NAME[,NAME...] groups in preference order: X25519, P-256, P-384,
//	                       X25519MLKEM768. The client sends a key share for the
//	                       first one only (pion's initialKeyShareGroups); a server
//	                       preferring another offered group answers with a
//	                       HelloRetryRequest carrying key_share.selected_group
//	-cid LEN               WithConnectionID(RandomCIDGenerator(LEN)): ask the peer
//	                       to send LEN-byte CIDs (CIDPathMigrationReject)
//	-chunks A,B,...        application record sizes, cycled
//	-keyupdate K[,K...]    call Conn.UpdateKeys after the K-th application record
//	                       this side writes (it returns once the peer ACKs the
//	                       KeyUpdate)
//	-keyupdate-request     ... with update_requested (the peer updates its
//	                       sending keys too and sends its own KeyUpdate)
//
// -no-cookie (server): WithInsecureSkipVerifyHello(true). Without it a pion
// DTLS 1.3 server always answers the first ClientHello with a
// HelloRetryRequest carrying a cookie extension.
//
// The client's -keylog gets the DTLS 1.3 NSS key log lines
// CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_HANDSHAKE_TRAFFIC_SECRET,
// CLIENT_TRAFFIC_SECRET_0 and SERVER_TRAFFIC_SECRET_0 (pion writes no
// lines for the secrets after a KeyUpdate: they are derived from _0).

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
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

	dtls4 "github.com/pion/dtls/v4"
	suite4 "github.com/pion/dtls/v4/pkg/crypto/ciphersuite"
	elliptic4 "github.com/pion/dtls/v4/pkg/crypto/elliptic"
	protocol4 "github.com/pion/dtls/v4/pkg/protocol"
)

var suites13 = []suite4.ID{
	suite4.TLS_AES_128_GCM_SHA256,
	suite4.TLS_AES_256_GCM_SHA384,
	suite4.TLS_CHACHA20_POLY1305_SHA256,
}

var curves13 = []elliptic4.Curve{elliptic4.X25519, elliptic4.P256, elliptic4.P384, elliptic4.X25519MLKEM768}

type common13 struct {
	suite, curves, chunks, keyupdate string
	cid                              int
	keyupdateRequest                 bool
	send, recv                       int
	out                              string
}

func (c *common13) register(fs *flag.FlagSet) {
	fs.StringVar(&c.suite, "suite", "", "DTLS 1.3 cipher suites, comma-separated (default: pion's)")
	fs.StringVar(&c.curves, "curves", "", "groups in preference order, comma-separated (X25519, P-256, P-384, X25519MLKEM768)")
	fs.IntVar(&c.cid, "cid", 0, "ask the peer to send CIDs of this length (0: no connection_id extension)")
	fs.StringVar(&c.chunks, "chunks", "1000", "application record sizes, comma-separated, cycled")
	fs.StringVar(&c.keyupdate, "keyupdate", "", "UpdateKeys after these application record counts, comma-separated")
	fs.BoolVar(&c.keyupdateRequest, "keyupdate-request", false, "KeyUpdate with update_requested")
	fs.IntVar(&c.send, "send", 4096, "application bytes to send")
	fs.IntVar(&c.recv, "recv", 4096, "application bytes to receive")
	fs.StringVar(&c.out, "out", "", "write PREFIX.c2s and PREFIX.s2c")
}

func (c *common13) options() []dtls4.Option {
	opts := []dtls4.Option{
		dtls4.WithMinVersion(protocol4.Version1_3),
		dtls4.WithMaxVersion(protocol4.Version1_3),
	}
	if c.suite != "" {
		var ids []suite4.ID
		for _, name := range strings.Split(c.suite, ",") {
			id, ok := lookup(suites13, name)
			if !ok {
				log.Fatalf("unknown DTLS 1.3 cipher suite %q", name)
			}
			ids = append(ids, id)
		}
		opts = append(opts, dtls4.WithCipherSuites(ids...))
	}
	if c.curves != "" {
		var cs []elliptic4.Curve
		for _, name := range strings.Split(c.curves, ",") {
			cv, ok := lookup(curves13, name)
			if !ok {
				log.Fatalf("unknown group %q", name)
			}
			cs = append(cs, cv)
		}
		opts = append(opts, dtls4.WithEllipticCurves(cs...))
	}
	if c.cid > 0 {
		opts = append(opts, dtls4.WithConnectionID(dtls4.RandomCIDGenerator(c.cid), dtls4.CIDPathMigrationReject))
	}
	return opts
}

func lookup[T fmt.Stringer](all []T, name string) (T, bool) {
	for _, v := range all {
		if v.String() == name {
			return v, true
		}
	}
	var zero T
	return zero, false
}

func (c *common13) keyUpdates() map[int]bool {
	at := map[int]bool{}
	if c.keyupdate == "" {
		return at
	}
	for _, s := range strings.Split(c.keyupdate, ",") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			log.Fatalf("bad -keyupdate %q", c.keyupdate)
		}
		at[n] = true
	}
	return at
}

func (c *common13) chunkSizes() []int {
	return (&common{chunks: c.chunks}).chunkSizes()
}

// sendAll13 writes data in records of the given sizes (cycled), one Write
// each, and calls UpdateKeys after the record counts in keyUpdates.
func sendAll13(conn *dtls4.Conn, data []byte, sizes []int, keyUpdates map[int]bool, request bool) (records int, err error) {
	for i := 0; len(data) > 0; i++ {
		n := min(sizes[i%len(sizes)], len(data))
		if _, err := conn.Write(data[:n]); err != nil {
			return records, err
		}
		records++
		data = data[n:]
		if keyUpdates[records] && len(data) > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := conn.UpdateKeys(ctx, dtls4.KeyUpdateOptions{RequestPeerUpdate: request})
			cancel()
			if err != nil {
				return records, fmt.Errorf("UpdateKeys after record %d: %w", records, err)
			}
			log.Printf("KeyUpdate after record %d (update_requested %v) acknowledged: %s", records, request, describe13(conn))
		}
	}
	return records, nil
}

func describe13(conn *dtls4.Conn) string {
	st, ok := conn.ConnectionState()
	if !ok {
		return "no state"
	}
	s := fmt.Sprintf("suite %s", st.CipherSuiteID)
	if u := st.KeyUsage; u != nil {
		s += fmt.Sprintf(", write epoch %d, read epoch %d", u.WriteEpoch, u.ReadEpoch)
	}
	return s
}

func server13(args []string) {
	fs := flag.NewFlagSet("server13", flag.ExitOnError)
	var c common13
	c.register(fs)
	listen := fs.String("listen", ":4433", "UDP address to listen on")
	certFile := fs.String("cert", "", "certificate (PEM)")
	keyFile := fs.String("key", "", "private key (PEM)")
	noCookie := fs.Bool("no-cookie", false, "WithInsecureSkipVerifyHello: no cookie HelloRetryRequest")
	_ = fs.Parse(args)

	var opts []dtls4.ServerOption
	for _, o := range c.options() {
		opts = append(opts, o)
	}
	if *noCookie {
		opts = append(opts, dtls4.WithInsecureSkipVerifyHello(true))
	}
	if *certFile == "" {
		log.Fatal("-cert is required")
	}
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatal(err)
	}
	opts = append(opts, dtls4.WithCertificates(cert))
	laddr, err := net.ResolveUDPAddr("udp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := dtls4.ListenAddr("udp", laddr, opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	nc, err := ln.Accept()
	if err != nil {
		log.Fatal(err)
	}
	conn := nc.(*dtls4.Conn)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := conn.HandshakeContext(ctx); err != nil {
		log.Fatalf("handshake: %v", err)
	}
	log.Printf("handshake done with %s: %s", conn.RemoteAddr(), describe13(conn))
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))

	got, nrec, err := recvN(conn, c.recv)
	if err != nil {
		log.Fatalf("after %d bytes in %d records: %v", len(got), nrec, err)
	}
	log.Printf("received %d bytes in %d records: %s", len(got), nrec, describe13(conn))
	data := body("s2c", c.send)
	nsent, err := sendAll13(conn, data, c.chunkSizes(), c.keyUpdates(), c.keyupdateRequest)
	if err != nil {
		log.Fatalf("send: %v", err)
	}
	log.Printf("sent %d bytes in %d records: %s", len(data), nsent, describe13(conn))
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

func client13(args []string) {
	fs := flag.NewFlagSet("client13", flag.ExitOnError)
	var c common13
	c.register(fs)
	connect := fs.String("connect", "10.77.0.2:4433", "server UDP address")
	serverName := fs.String("servername", "server.test", "server name (SNI and certificate check)")
	caFile := fs.String("ca", "", "CA certificate (PEM) to verify the server with")
	keylog := fs.String("keylog", "", "NSS key log file to write")
	_ = fs.Parse(args)
	if c.out == "" {
		log.Fatal("-out is required")
	}

	var opts []dtls4.ClientOption
	for _, o := range c.options() {
		opts = append(opts, o)
	}
	opts = append(opts, dtls4.WithServerName(*serverName))
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			log.Fatal(err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			log.Fatalf("%s: no certificates", *caFile)
		}
		opts = append(opts, dtls4.WithRootCAs(pool))
	}
	if *keylog != "" {
		f, err := os.Create(*keylog)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		opts = append(opts, dtls4.WithKeyLogWriter(f))
	}
	raddr, err := net.ResolveUDPAddr("udp", *connect)
	if err != nil {
		log.Fatal(err)
	}
	conn, err := dtls4.Dial("udp", raddr, opts...)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := conn.HandshakeContext(ctx); err != nil {
		log.Fatalf("handshake: %v", err)
	}
	log.Printf("handshake done: %s", describe13(conn))
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))

	data := body("c2s", c.send)
	nsent, err := sendAll13(conn, data, c.chunkSizes(), c.keyUpdates(), c.keyupdateRequest)
	if err != nil {
		log.Fatalf("send: %v", err)
	}
	log.Printf("sent %d bytes in %d records: %s", len(data), nsent, describe13(conn))
	got, nrec, err := recvN(conn, c.recv)
	if err != nil {
		writeFiles(c.out, data, got)
		log.Fatalf("after %d bytes in %d records: %v", len(got), nrec, err)
	}
	log.Printf("received %d bytes in %d records: %s", len(got), nrec, describe13(conn))
	writeFiles(c.out, data, got)
	if err := conn.Close(); err != nil {
		log.Fatalf("close: %v", err)
	}
	if !bytes.Equal(got, body("s2c", c.recv)) {
		log.Fatal("received bytes are not the expected server body")
	}
	log.Print("done")
}
