package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"time"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/internal/pipeline"
	"github.com/ssldissect/ssldissect/report"
)

// warnings prints the warnings of a run to stderr and counts them.
type warnings struct {
	n      int
	stderr io.Writer
	kinds  map[string]*warnKind
	order  []string // kinds in the order first seen
}

// warnKind counts the warnings of one kind: the same message but for its
// numbers (line, packet, offset) and long hex strings (client randoms).
type warnKind struct {
	n    int
	last string
}

// Rate limits on warnings: each kind is printed warnPerKind times, then
// only counted, and the count printed at the end of the run; past
// maxWarnKinds distinct kinds, the rest share one.
const (
	warnPerKind  = 10
	maxWarnKinds = 1000
)

var warnNumbers = regexp.MustCompile(`[0-9a-fA-F]{16,}|[0-9]+`)

func (w *warnings) warn(err error) {
	w.n++
	msg := err.Error()
	kind := warnNumbers.ReplaceAllString(msg, "#")
	if w.kinds == nil {
		w.kinds = map[string]*warnKind{}
	}
	k := w.kinds[kind]
	if k == nil {
		if len(w.kinds) >= maxWarnKinds {
			kind = "other"
			k = w.kinds[kind]
		}
		if k == nil {
			k = &warnKind{}
			w.kinds[kind] = k
			w.order = append(w.order, kind)
		}
	}
	k.n++
	k.last = msg
	switch {
	case k.n <= warnPerKind:
		fmt.Fprintf(w.stderr, "ssldissect: warning: %s\n", msg)
	case k.n == warnPerKind+1:
		fmt.Fprintf(w.stderr, "ssldissect: warning: more warnings like the last are counted, not shown\n")
	}
}

// finish prints how many warnings of each kind were not shown.
func (w *warnings) finish() {
	for _, kind := range w.order {
		if k := w.kinds[kind]; k.n > warnPerKind {
			fmt.Fprintf(w.stderr, "ssldissect: warning: %d more like this one, the last: %s\n", k.n-warnPerKind, k.last)
		}
	}
}

// prepare does what a run from files and a live run both do first: it
// creates --plaintext-dir and returns the run's warning counter.
func prepare(o *options, stderr io.Writer) (*warnings, error) {
	if o.plaintextDir != "" {
		if err := os.MkdirAll(o.plaintextDir, 0o755); err != nil {
			return nil, fmt.Errorf("--plaintext-dir: %w", err)
		}
	}
	return &warnings{stderr: stderr}, nil
}

// dissect runs the pipeline: capture -> reassembly -> parser -> report.
func dissect(o *options, stdin io.Reader, stdout, stderr io.Writer) error {
	begin := now()
	if o.iface != "" {
		return dissectLive(o, stdout, stderr)
	}
	warnings, err := prepare(o, stderr)
	if err != nil {
		return err
	}
	warn := warnings.warn
	keys, err := pipeline.LoadKeys(o.keylogs, o.rsaKeys, warn)
	if err != nil {
		return err
	}
	src, err := capture.OpenFiles(o.files, capture.Options{
		Filter:    o.filter,
		Stdin:     stdin,
		OnWarning: warn,
		OnSecrets: pipeline.SecretsLoader(keys, warn),
	})
	if err != nil {
		return err
	}
	defer src.Close()

	w, err := withDecrypted(o, newOutput(o, stdout))
	if err != nil {
		return err
	}
	w = withSelect(o, w)
	opt := runOptions(o, w)
	opt.Keys = keys
	res, err := pipeline.Run(src, w, opt)
	if err != nil {
		w.Close()
		return err
	}
	cs := res.Capture
	// Packets are those that passed the filter and the limits (-c,
	// --duration), as a live run counts them.
	sum := summary(uint64(res.Packets), res.Bytes, res, warnings, begin)
	sum.KeylogLinesUnused = keys.Log.Unused()
	w.Summary(sum)
	warnings.finish()
	if err := w.Close(); err != nil {
		return err
	}
	if cs.Unreadable > 0 {
		// The others were read and reported; the run still failed.
		return fmt.Errorf("%d of %d input files could not be read (named above)", cs.Unreadable, len(o.files))
	}
	return nil
}

// runOptions wires the flags that a run from files and a live run share
// to the pipeline's options: the limits, the reassembly caps, the workers,
// and a stop when the output fails.
func runOptions(o *options, w output) pipeline.Options {
	opt := pipeline.Options{
		Count:    o.count,
		Duration: o.duration,
		Workers:  o.workers,
		Wire:     o.hexRecords, // -X: replayed records keep their bytes
		Stop:     func() bool { return w.Err() != nil },
	}
	opt.Reassembly.MaxBufferedPagesTotal = o.maxPages
	opt.Reassembly.MaxBufferedPagesPerConnection = o.maxConnPages
	opt.Reassembly.MaxConns = o.maxConns
	opt.Reassembly.IdleTimeout = o.idleTimeout
	return opt
}

// summary is the part of the report's summary a run from files and a live
// run fill alike: the packets and bytes as the caller counts them, the
// TCP packets and the reassembly's counts of res, the warnings and the
// time since begin.
func summary(packets, bytes uint64, res pipeline.Result, warnings *warnings, begin time.Time) report.Summary {
	rs, cs := res.Assembly, res.Capture
	return report.Summary{
		Packets:               packets,
		Bytes:                 bytes,
		TCPPackets:            res.Capture.TCP,
		UDPPackets:            res.Capture.UDP,
		Connections:           rs.Connections + uint64(res.QUIC.Connections+res.DTLS.Connections),
		QUICConnections:       uint64(res.QUIC.Connections),
		DTLSConnections:       uint64(res.DTLS.Connections),
		QUICPackets:           uint64(res.QUIC.Packets),
		QUICDecryptedPackets:  uint64(res.QUIC.Decrypted),
		EvictedConnections:    rs.Evicted + uint64(res.QUIC.Evicted+res.DTLS.Evicted),
		Gaps:                  rs.Gaps,
		GapBytes:              rs.MissingBytes,
		DroppedByCaps:         rs.CapGaps + rs.PendingOverflow,
		RetransmissionsDiffer: rs.Mismatches,
		OverlapsUnchecked:     rs.OverlapsUnchecked,
		NonIPPackets:          cs.NonIP,
		NonTCPPackets:         cs.NonTCP,
		FilteredPackets:       cs.Filtered,
		DecodeErrors:          cs.DecodeErrs,
		IPFragments:           cs.Fragments,
		FragmentsReassembled:  cs.Reassembled,
		FragmentsDropped:      cs.FragDropped,
		Tunnels:               cs.Tunnels,
		UnreadableFiles:       cs.Unreadable,
		FramesCutToSnaplen:    cs.CutToSnaplen,
		DNSECHConfigs:         uint64(res.DNS.Configs),
		DNSECHConfigsDropped:  uint64(res.DNS.Dropped),
		DNSMalformed:          uint64(res.DNS.Malformed + res.DNS.ECHConfigStats.Malformed),
		Warnings:              warnings.n,
		ElapsedSeconds:        now().Sub(begin).Seconds(),
	}
}

// now is the wall clock, replaced in golden tests so that the summary's
// elapsed time is deterministic.
var now = time.Now
