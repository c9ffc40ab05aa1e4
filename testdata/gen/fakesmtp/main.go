// Command fakesmtp is a tiny SMTP server for the STARTTLS capture made by
// testdata/gen/mkpcaps.sh. It speaks just enough plaintext SMTP for
// `openssl s_client -starttls smtp` (greeting, EHLO, STARTTLS), then runs TLS
// with Go's crypto/tls and answers EHLO/MAIL/RCPT/DATA/QUIT inside it.
// It records the exact application bytes it received and sent over TLS.
//
//	fakesmtp -listen :25 -cert C -key K [-keylog F] [-c2s F] [-s2c F]
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	listen := flag.String("listen", ":25", "listen address")
	cert := flag.String("cert", "", "certificate PEM")
	key := flag.String("key", "", "private key PEM")
	kl := flag.String("keylog", "", "append NSS key log here")
	c2s := flag.String("c2s", "", "store the TLS application bytes received")
	s2c := flag.String("s2c", "", "store the TLS application bytes sent")
	flag.Parse()
	if err := run(*listen, *cert, *key, *kl, *c2s, *s2c); err != nil {
		fmt.Fprintln(os.Stderr, "fakesmtp:", err)
		os.Exit(1)
	}
}

// recorder copies what passes through a connection into two buffers.
type recorder struct {
	rw      io.ReadWriter
	in, out bytes.Buffer
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.rw.Read(p)
	r.in.Write(p[:n])
	return n, err
}

func (r *recorder) Write(p []byte) (int, error) {
	n, err := r.rw.Write(p)
	r.out.Write(p[:n])
	return n, err
}

func run(listen, cert, key, kl, c2s, s2c string) error {
	crt, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return err
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{crt}}
	if kl != "" {
		f, err := os.OpenFile(kl, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		cfg.KeyLogWriter = f
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	c, err := ln.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))

	// Plaintext part. Read byte-wise-buffered but never past STARTTLS: the
	// client waits for our 220 before starting the handshake.
	br := bufio.NewReader(c)
	fmt.Fprint(c, "220 server.test ESMTP fakesmtp\r\n")
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return fmt.Errorf("plaintext: %w", err)
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			fmt.Fprint(c, "250-server.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
			continue
		case cmd == "STARTTLS":
			fmt.Fprint(c, "220 2.0.0 Ready to start TLS\r\n")
		default:
			fmt.Fprint(c, "502 5.5.2 Error: command not recognized\r\n")
			continue
		}
		break
	}
	if br.Buffered() != 0 {
		return fmt.Errorf("client sent data before the TLS handshake")
	}

	tc := tls.Server(c, cfg)
	if err := tc.Handshake(); err != nil {
		return err
	}
	rec := &recorder{rw: tc}
	tr := bufio.NewReader(rec)
	inData := false
	for {
		line, err := tr.ReadString('\n')
		if err != nil {
			if err == io.EOF {
				break
			}
			return fmt.Errorf("tls: %w", err)
		}
		if inData {
			if line == ".\r\n" || line == ".\n" {
				inData = false
				fmt.Fprint(rec, "250 2.0.0 Ok: queued as FAKE01\r\n")
			}
			continue
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			fmt.Fprint(rec, "250-server.test\r\n250 PIPELINING\r\n")
		case strings.HasPrefix(cmd, "MAIL FROM:"), strings.HasPrefix(cmd, "RCPT TO:"):
			fmt.Fprint(rec, "250 2.1.0 Ok\r\n")
		case cmd == "DATA":
			inData = true
			fmt.Fprint(rec, "354 End data with <CR><LF>.<CR><LF>\r\n")
		case cmd == "QUIT":
			fmt.Fprint(rec, "221 2.0.0 Bye\r\n")
			tc.Close()
			return save(rec, c2s, s2c)
		default:
			fmt.Fprint(rec, "502 5.5.2 Error: command not recognized\r\n")
		}
	}
	return save(rec, c2s, s2c)
}

func save(rec *recorder, c2s, s2c string) error {
	if c2s != "" {
		if err := os.WriteFile(c2s, rec.in.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if s2c != "" {
		return os.WriteFile(s2c, rec.out.Bytes(), 0o644)
	}
	return nil
}
