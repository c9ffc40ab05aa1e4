package oracle

import (
	"time"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/internal/pipeline"
	"github.com/ssldissect/ssldissect/reassembly"
	"github.com/ssldissect/ssldissect/report"
	"github.com/ssldissect/ssldissect/session"
)

// The pipeline settings of cmd/ssldissect's defaults (main.go): the
// --max-pages, --max-conn-pages and --idle-timeout flags, and dissect.go's
// flush interval.
const (
	maxPages     = 65536
	maxConnPages = 256
	idleTimeout  = 2 * time.Minute
)

// Result is what `ssldissect dissect --format json` prints for a run, as
// values: the connection and record objects, in output order.
type Result struct {
	Conns   []report.Connection
	Records []report.Record
	// QUICPackets are the quic_packet objects, in output order.
	QUICPackets []report.QUICPacket
	// FrameOf maps capture.Packet.Num (the Packet of a record) to the
	// frame number within its file, as tshark numbers frames.
	FrameOf  map[uint64]uint64
	Capture  capture.Stats
	Assembly reassembly.Stats
	Warnings []error
}

// collector is a session.Sink that keeps the JSON objects.
type collector struct{ r *Result }

func (c collector) Record(ev *session.RecordEvent) {
	if ev.QUIC != nil {
		c.r.QUICPackets = append(c.r.QUICPackets, report.QUICPacketOf(ev))
		return
	}
	c.r.Records = append(c.r.Records, report.RecordOf(ev))
}
func (c collector) End(conn *session.Conn) { c.r.Conns = append(c.r.Conns, report.ConnectionOf(conn)) }

// Dissect runs the pipeline of cmd/ssldissect/dissect.go on files, read as
// one capture, with no key log or RSA key: as the command, it uses the
// secrets of pcapng Decryption Secrets Blocks.
func Dissect(files ...string) (*Result, error) { return DissectKeys(nil, nil, files...) }

// DissectKeys is Dissect with key logs and PEM RSA private keys, loaded as
// cmd/ssldissect's -l and -k options load them.
func DissectKeys(keylogs, rsaKeys []string, files ...string) (*Result, error) {
	r := &Result{FrameOf: map[uint64]uint64{}}
	warn := func(err error) { r.Warnings = append(r.Warnings, err) }
	keys, err := pipeline.LoadKeys(keylogs, rsaKeys, warn)
	if err != nil {
		return nil, err
	}
	src, err := capture.OpenFiles(files, capture.Options{OnWarning: warn, OnSecrets: pipeline.SecretsLoader(keys, warn)})
	if err != nil {
		return nil, err
	}
	defer src.Close()
	res, err := pipeline.Run(src, collector{r}, pipeline.Options{
		Keys: keys,
		Reassembly: reassembly.Options{
			MaxBufferedPagesTotal:         maxPages,
			MaxBufferedPagesPerConnection: maxConnPages,
			IdleTimeout:                   idleTimeout,
		},
		OnPacket: func(p *capture.Packet) error { r.FrameOf[p.Num] = p.FileNum; return nil },
	})
	if err != nil {
		return nil, err
	}
	r.Capture, r.Assembly = res.Capture, res.Assembly
	return r, nil
}
