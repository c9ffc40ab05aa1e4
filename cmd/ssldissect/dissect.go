package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/parser"
	"github.com/ssldissect/ssldissect/reassembly"
	"github.com/ssldissect/ssldissect/report"
)

// flushEvery is how many packets go by between two idle flushes.
const flushEvery = 4096

// dissect runs the pipeline: capture -> reassembly -> parser -> report.
func dissect(o *options, stdin io.Reader, stdout, stderr io.Writer) error {
	begin := now()
	if o.iface != "" {
		return dissectLive(o, stdout, stderr)
	}
	if o.plaintextDir != "" {
		if err := os.MkdirAll(o.plaintextDir, 0o755); err != nil {
			return fmt.Errorf("--plaintext-dir: %w", err)
		}
	}
	warnings := 0
	warn := func(err error) {
		warnings++
		fmt.Fprintf(stderr, "ssldissect: warning: %v\n", err)
	}
	keys, err := loadKeys(o, warn)
	if err != nil {
		return err
	}
	src, err := capture.OpenFiles(o.files, capture.Options{
		Filter:    o.filter,
		Stdin:     stdin,
		OnWarning: warn,
		OnSecrets: func(s capture.Secret) {
			if s.Type != capture.SecretsTypeTLSKeyLog {
				warn(fmt.Errorf("%s: block %d: decryption secrets of type %#x are not supported", s.File, s.Block, s.Type))
				return
			}
			_, errs := keys.Log.Load(bytes.NewReader(s.Data), fmt.Sprintf("%s (secrets block %d)", s.File, s.Block))
			for _, e := range errs {
				warn(e)
			}
		},
	})
	if err != nil {
		return err
	}
	defer src.Close()

	w := newOutput(o, stdout)
	an := parser.NewAnalyzer(w, keys)
	asm := reassembly.New(an.Factory, reassembly.Options{
		MaxBufferedPagesTotal:         o.maxPages,
		MaxBufferedPagesPerConnection: o.maxConnPages,
		IdleTimeout:                   o.idleTimeout,
	})

	var first, last time.Time
	var n int64
	for {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			w.Close()
			return err
		}
		ts := p.CI.Timestamp
		if first.IsZero() {
			first = ts
		}
		if o.duration > 0 && ts.Sub(first) > o.duration {
			break
		}
		if ts.After(last) {
			last = ts
		}
		n++
		if p.TCP != nil {
			asm.Add(p)
		}
		if n%flushEvery == 0 {
			asm.FlushIdle(last)
		}
		if w.Err() != nil || (o.count > 0 && n >= o.count) {
			break
		}
	}
	asm.FlushAll(last)

	cs, rs := src.Stats(), asm.Stats()
	w.Summary(report.Summary{
		Packets:               cs.Packets,
		Bytes:                 cs.Bytes,
		TCPPackets:            cs.TCP,
		Connections:           rs.Connections,
		Gaps:                  rs.Gaps,
		GapBytes:              rs.MissingBytes,
		DroppedByCaps:         rs.CapGaps + rs.PendingOverflow,
		RetransmissionsDiffer: rs.Mismatches,
		Warnings:              warnings,
		ElapsedSeconds:        now().Sub(begin).Seconds(),
	})
	return w.Close()
}

// now is the wall clock, replaced in golden tests so that the summary's
// elapsed time is deterministic.
var now = time.Now

// loadKeys reads the key logs and RSA keys named on the command line. A
// file that cannot be read is an error; a bad line in it is a warning.
func loadKeys(o *options, warn func(error)) (*parser.Keys, error) {
	keys := parser.NewKeys()
	for _, name := range o.keylogs {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("key log: %w", err)
		}
		n, errs := keys.Log.Load(f, name)
		f.Close()
		for _, e := range errs {
			warn(e)
		}
		if n == 0 && len(errs) == 0 {
			warn(fmt.Errorf("%s: no secrets in the key log", name))
		}
	}
	for _, name := range o.rsaKeys {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("rsa key: %w", err)
		}
		ks, err := decrypt.ParseRSAKeys(data, name)
		if err != nil {
			return nil, fmt.Errorf("rsa key: %w", err)
		}
		for _, k := range ks {
			keys.RSA.Add(k)
		}
	}
	return keys, nil
}
