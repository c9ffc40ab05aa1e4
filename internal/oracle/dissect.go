package oracle

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

// The pipeline settings of cmd/ssldissect's defaults (main.go): the
// --max-pages, --max-conn-pages and --idle-timeout flags, and dissect.go's
// flush interval.
const (
	maxPages     = 65536
	maxConnPages = 256
	idleTimeout  = 2 * time.Minute
	flushEvery   = 4096
)

// Result is what `ssldissect dissect --format json` prints for a run, as
// values: the connection and record objects, in output order.
type Result struct {
	Conns   []report.Connection
	Records []report.Record
	// FrameOf maps capture.Packet.Num (the Packet of a record) to the
	// frame number within its file, as tshark numbers frames.
	FrameOf  map[uint64]uint64
	Capture  capture.Stats
	Assembly reassembly.Stats
	Warnings []error
}

// collector is a parser.Sink that keeps the JSON objects.
type collector struct{ r *Result }

func (c collector) Record(ev *parser.RecordEvent) {
	c.r.Records = append(c.r.Records, report.RecordOf(ev))
}
func (c collector) End(conn *parser.Conn) { c.r.Conns = append(c.r.Conns, report.ConnectionOf(conn)) }

// Dissect runs the pipeline of cmd/ssldissect/dissect.go on files, read as
// one capture, with no key log or RSA key: as the command, it uses the
// secrets of pcapng Decryption Secrets Blocks.
func Dissect(files ...string) (*Result, error) { return DissectKeys(nil, nil, files...) }

// DissectKeys is Dissect with key logs and PEM RSA private keys, loaded as
// cmd/ssldissect's -l and -k options load them.
func DissectKeys(keylogs, rsaKeys []string, files ...string) (*Result, error) {
	r := &Result{FrameOf: map[uint64]uint64{}}
	warn := func(err error) { r.Warnings = append(r.Warnings, err) }
	keys := parser.NewKeys()
	for _, name := range keylogs {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("key log: %w", err)
		}
		_, errs := keys.Log.Load(f, name)
		f.Close()
		r.Warnings = append(r.Warnings, errs...)
	}
	for _, name := range rsaKeys {
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
	src, err := capture.OpenFiles(files, capture.Options{
		OnWarning: warn,
		OnSecrets: func(s capture.Secret) {
			if s.Type != capture.SecretsTypeTLSKeyLog {
				warn(fmt.Errorf("%s: block %d: decryption secrets of type %#x are not supported", s.File, s.Block, s.Type))
				return
			}
			_, errs := keys.Log.Load(bytes.NewReader(s.Data), fmt.Sprintf("%s (secrets block %d)", s.File, s.Block))
			r.Warnings = append(r.Warnings, errs...)
		},
	})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	an := parser.NewAnalyzer(collector{r}, keys)
	asm := reassembly.New(an.Factory, reassembly.Options{
		MaxBufferedPagesTotal:         maxPages,
		MaxBufferedPagesPerConnection: maxConnPages,
		IdleTimeout:                   idleTimeout,
	})
	var last time.Time
	var n int64
	for {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if ts := p.CI.Timestamp; ts.After(last) {
			last = ts
		}
		n++
		r.FrameOf[p.Num] = p.FileNum
		if p.TCP != nil {
			asm.Add(p)
		}
		if n%flushEvery == 0 {
			asm.FlushIdle(last)
		}
	}
	asm.FlushAll(last)
	r.Capture, r.Assembly = src.Stats(), asm.Stats()
	return r, nil
}
