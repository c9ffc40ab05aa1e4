// Command gotls is the Go crypto/tls peer used by testdata/gen/mkpcaps.sh to
// make the gotls-* captures. It is a test-data generator, not part of the
// module's packages (directories named testdata are skipped by ./...).
//
//	gotls server -listen :4433 -cert C -key K -resp FILE [-tls 1.2|1.3] [-keylog F] [-n N]
//	gotls client -connect HOST:PORT -ca CA -name server.test -req FILE -out FILE [-tls 1.2|1.3] [-keylog F]
//	gotls echkey -out PREFIX -id N [-public-name NAME] [-aead aes128gcm|chacha20]
//
// With ECH (ech.go): the server takes -ech PREFIX[,PREFIX] (and -issue
// NAMES -ca-key K -ca CA for a certificate valid for the inner and the public
// name), the client -ech PREFIX[,PREFIX] -ech-keylog F [-ech-retry]
// [-ech-list FILE: offer that ECHConfigList, e.g. one from DNS, with the
// keys of -ech and -ech-known for the key log].
//
// The server reads one request (up to the blank line), writes the bytes of
// -resp and closes (close_notify). The client writes the bytes of -req, reads
// until the server closes and stores what it read in -out, so that both
// directions of application data are known exactly.
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gotls server|client [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "server":
		err = server(os.Args[2:])
	case "client":
		err = client(os.Args[2:])
	case "echkey":
		err = echkey(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gotls:", err)
		os.Exit(1)
	}
}

func version(s string) (uint16, error) {
	switch s {
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	case "":
		return 0, nil
	}
	return 0, fmt.Errorf("bad -tls %q", s)
}

func keylog(path string) (io.Writer, func(), error) {
	if path == "" {
		return nil, func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

func server(args []string) error {
	fs := flag.NewFlagSet("server", flag.ExitOnError)
	listen := fs.String("listen", ":4433", "listen address")
	cert := fs.String("cert", "", "certificate PEM")
	key := fs.String("key", "", "private key PEM")
	resp := fs.String("resp", "", "file whose bytes are sent as the response")
	ver := fs.String("tls", "", "pin TLS version 1.2 or 1.3")
	kl := fs.String("keylog", "", "append NSS key log here")
	n := fs.Int("n", 1, "connections to serve before exiting")
	echp := fs.String("ech", "", "ECH keys: PREFIX[,PREFIX] from gotls echkey")
	issue := fs.String("issue", "", "issue a certificate for these comma-separated names instead of -cert/-key")
	caCert := fs.String("ca", "", "CA certificate PEM (with -issue)")
	caKey := fs.String("ca-key", "", "CA private key PEM (with -issue)")
	salpn := fs.String("alpn", "", "comma-separated ALPN protocols to accept")
	p256 := fs.Bool("p256", false, "key exchange with P-256 only (a client offering X25519 shares gets a HelloRetryRequest)")
	fs.Parse(args)
	v, err := version(*ver)
	if err != nil {
		return err
	}
	var crt tls.Certificate
	if *issue != "" {
		crt, err = issueLeaf(*caCert, *caKey, strings.Split(*issue, ","))
	} else {
		crt, err = tls.LoadX509KeyPair(*cert, *key)
	}
	if err != nil {
		return err
	}
	echKeys, err := loadECH(*echp)
	if err != nil {
		return err
	}
	body, err := os.ReadFile(*resp)
	if err != nil {
		return err
	}
	w, done, err := keylog(*kl)
	if err != nil {
		return err
	}
	defer done()
	cfg := &tls.Config{Certificates: []tls.Certificate{crt}, MinVersion: v, MaxVersion: v, KeyLogWriter: w}
	if len(echKeys) > 0 {
		cfg.EncryptedClientHelloKeys = echServerKeys(echKeys)
	}
	if *salpn != "" {
		cfg.NextProtos = strings.Split(*salpn, ",")
	}
	if *p256 {
		cfg.CurvePreferences = []tls.CurveID{tls.CurveP256}
	}
	ln, err := tls.Listen("tcp", *listen, cfg)
	if err != nil {
		return err
	}
	defer ln.Close()
	for i := 0; i < *n; i++ {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		if err := serveOne(c.(*tls.Conn), body); err != nil {
			if *echp == "" {
				return err
			}
			// A client that rejects ECH ends the handshake with an alert.
			fmt.Fprintln(os.Stderr, "gotls server:", err)
		}
	}
	return nil
}

func serveOne(c *tls.Conn, body []byte) error {
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	var req []byte
	buf := make([]byte, 4096)
	for !bytes.Contains(req, []byte("\r\n\r\n")) {
		n, err := c.Read(buf)
		req = append(req, buf[:n]...)
		if err != nil {
			return fmt.Errorf("reading request: %w", err)
		}
	}
	if _, err := c.Write(body); err != nil {
		return err
	}
	return c.Close() // sends close_notify, then FIN
}

func client(args []string) error {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	connect := fs.String("connect", "", "server address")
	ca := fs.String("ca", "", "CA certificate PEM")
	name := fs.String("name", "server.test", "server name (SNI and verification)")
	reqf := fs.String("req", "", "file whose bytes are sent as the request")
	out := fs.String("out", "", "store the received bytes here")
	ver := fs.String("tls", "", "pin TLS version 1.2 or 1.3")
	kl := fs.String("keylog", "", "append NSS key log here")
	suite := fs.String("suite", "", "TLS 1.2 cipher suite name to offer alone (optional)")
	echp := fs.String("ech", "", "offer ECH with these configs: PREFIX[,PREFIX] from gotls echkey")
	echkl := fs.String("ech-keylog", "", "write the key log plus the RFC 9850 ECH_SECRET/ECH_CONFIG lines here")
	echRetry := fs.Bool("ech-retry", false, "after an ECH rejection with retry_configs, connect again with them")
	alpn := fs.String("alpn", "", "comma-separated ALPN protocols to offer")
	echList := fs.String("ech-list", "", "offer this ECHConfigList (a file, e.g. from dnsech query) instead of -ech's")
	echKnown := fs.String("ech-known", "", "more ECH keys (PREFIX[,PREFIX]) for the ECH_SECRET lines, e.g. the server's retry configs")
	fs.Parse(args)
	v, err := version(*ver)
	if err != nil {
		return err
	}
	pem, err := os.ReadFile(*ca)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return errors.New("no CA certificates")
	}
	req, err := os.ReadFile(*reqf)
	if err != nil {
		return err
	}
	w, done, err := keylog(*kl)
	if err != nil {
		return err
	}
	defer done()
	echKeys, err := loadECH(*echp)
	if err != nil {
		return err
	}
	known, err := loadECH(*echp + "," + *echKnown)
	if err != nil {
		return err
	}
	var echW *os.File
	if *echkl != "" {
		if echW, err = os.OpenFile(*echkl, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
			return err
		}
		defer echW.Close()
		if w != nil {
			w = io.MultiWriter(w, echW)
		} else {
			w = echW
		}
	}
	cfg := &tls.Config{RootCAs: pool, ServerName: *name, MinVersion: v, MaxVersion: v, KeyLogWriter: w}
	if *alpn != "" {
		cfg.NextProtos = strings.Split(*alpn, ",")
	}
	if len(echKeys) > 0 {
		cfg.EncryptedClientHelloConfigList = echConfigList(echKeys)
	}
	if *echList != "" {
		if cfg.EncryptedClientHelloConfigList, err = os.ReadFile(*echList); err != nil {
			return err
		}
	}
	if *suite != "" {
		for _, s := range tls.CipherSuites() {
			if s.Name == *suite {
				cfg.CipherSuites = []uint16{s.ID}
			}
		}
		if cfg.CipherSuites == nil {
			return fmt.Errorf("unknown suite %q", *suite)
		}
	}
	c, err := dialRec(*connect, cfg, known, echW)
	var rej *tls.ECHRejectionError
	if errors.As(err, &rej) {
		fmt.Fprintf(os.Stderr, "gotls client: ECH rejected, %d bytes of retry_configs\n", len(rej.RetryConfigList))
		if !*echRetry || len(rej.RetryConfigList) == 0 {
			return nil
		}
		cfg.EncryptedClientHelloConfigList = rej.RetryConfigList
		c, err = dialRec(*connect, cfg, known, echW)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write(req); err != nil {
		return err
	}
	got, err := io.ReadAll(c)
	if err != nil {
		return fmt.Errorf("reading response: %w", err)
	}
	st := c.ConnectionState()
	fmt.Fprintf(os.Stderr, "gotls client: %s %s, %d bytes received, ECH accepted %v\n",
		tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite), len(got), st.ECHAccepted)
	if *out != "" {
		return os.WriteFile(*out, got, 0o644)
	}
	return nil
}

// dialRec dials with cfg over a connection that records what the client
// writes; with ECH keys and an ECH key log it appends the ECH lines for the
// ClientHello(s) it sent once the handshake is over (or has failed).
func dialRec(addr string, cfg *tls.Config, keys []echKey, echW io.Writer) (*tls.Conn, error) {
	d := &net.Dialer{Timeout: 10 * time.Second}
	raw, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	rc := &recConn{Conn: raw}
	c := tls.Client(rc, cfg)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	herr := c.Handshake()
	if len(keys) > 0 && echW != nil {
		lines, n := echLines(rc.written(), keys)
		fmt.Fprintf(os.Stderr, "gotls client: %d ECH_SECRET line(s)\n", n)
		io.WriteString(echW, lines)
	}
	if herr != nil {
		c.Close()
		return nil, herr
	}
	return c, nil
}
