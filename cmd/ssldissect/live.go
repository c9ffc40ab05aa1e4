package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/ssldissect/ssldissect/capture"
	"github.com/ssldissect/ssldissect/decrypt"
	"github.com/ssldissect/ssldissect/internal/pipeline"
)

// Live capture timing.
const (
	// keyPollEvery spaces the checks of the key logs for new lines.
	keyPollEvery = 50 * time.Millisecond
	// liveTick is how often the loop wakes up when no packet comes.
	liveTick = 250 * time.Millisecond
	// progressEvery spaces the progress lines on stderr (text output).
	progressEvery = 5 * time.Second
	// idleFlushEvery spaces the idle-connection flushes.
	idleFlushEvery = time.Second
)

// dissectLive runs the pipeline on a live interface until Ctrl-C, SIGTERM,
// -c N packets or --duration D.
func dissectLive(o *options, stdout, stderr io.Writer) error {
	begin := now()
	warnings, err := prepare(o, stderr)
	if err != nil {
		return err
	}
	warn := warnings.warn
	// RSA keys are read once; key logs are followed while they grow.
	keys, err := pipeline.LoadKeys(nil, o.rsaKeys, warn)
	if err != nil {
		return err
	}
	var followers []*decrypt.Follower
	for _, name := range o.keylogs {
		followers = append(followers, keys.Log.Follow(name))
	}
	defer func() {
		for _, fl := range followers {
			fl.Close()
		}
	}()
	// With key logs followed, each packet waits --key-wait after its
	// capture before it is parsed: a TLS stack writes a secret just after
	// the packet that needs it crosses the wire, and this gives the line
	// time to land in the file.
	hold := time.Duration(0)
	if len(followers) > 0 {
		hold = o.keyWait
	}
	src, err := capture.OpenLive(o.iface, capture.LiveOptions{
		Filter:      o.filter,
		Promiscuous: true,
		Hold:        hold,
		Tick:        liveTick,
		FanoutGroup: o.fanoutGroup,
	})
	if err != nil {
		return err
	}
	defer src.Close()
	ls0 := src.LiveStats()
	if ls0.RingError != "" {
		warn(fmt.Errorf("live capture: no memory-mapped ring (%s); reading one packet per system call, which drops packets at lower rates", ls0.RingError))
	}
	notes := ", " + ls0.Method
	switch {
	case o.filter != "" && ls0.KernelFilter:
		notes += ", filter in the kernel"
	case o.filter != "":
		notes += ", filter in user space"
	}
	if o.fanoutGroup != 0 {
		notes += fmt.Sprintf(", fanout group %d", o.fanoutGroup)
	}
	fmt.Fprintf(stderr, "ssldissect: listening on %s, link-type %v, snapshot length %d bytes%s\n",
		o.iface, layers.LinkType(src.LinkType()), src.Snaplen(), notes)

	var ngw *capture.NGWriter
	var ngFile *os.File
	if o.write != "" {
		ngFile, err = os.Create(o.write)
		if err != nil {
			return fmt.Errorf("-w: %w", err)
		}
		defer ngFile.Close()
		ngw, err = capture.NewNGWriter(ngFile, src.LinkType(), src.Snaplen(), o.iface, "ssldissect "+versionString())
		if err != nil {
			return fmt.Errorf("-w: %w", err)
		}
	}
	var lastPoll time.Time
	pollKeys := func(first bool) error {
		if !first && time.Since(lastPoll) < keyPollEvery {
			return nil
		}
		lastPoll = time.Now()
		for _, fl := range followers {
			lines, _, exists, errs := fl.Poll()
			for _, e := range errs {
				warn(e)
			}
			if first && !exists {
				warn(fmt.Errorf("key log %s does not exist yet; it is read when it appears", fl.Path()))
			}
			if ngw != nil && len(lines) > 0 {
				if err := ngw.WriteSecrets(capture.SecretsTypeTLSKeyLog, lines); err != nil {
					return fmt.Errorf("-w: %w", err)
				}
			}
		}
		return nil
	}
	if err := pollKeys(true); err != nil {
		return err
	}

	// Ctrl-C and SIGTERM stop the capture; what was captured is still
	// dissected. A second signal, with the handler gone, ends the process.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	quit := make(chan struct{})
	defer close(quit)
	defer signal.Stop(sig)
	go func() {
		select {
		case <-sig:
			signal.Stop(sig)
			src.Stop()
		case <-quit:
		}
	}()

	w, err := withDecrypted(o, newOutput(o, stdout))
	if err != nil {
		return err
	}
	w = withSelect(o, w)
	textual := o.format == "text" || o.format == "table"
	progress := func(r pipeline.Result) {
		ls := src.LiveStats()
		fmt.Fprintf(stderr, "ssldissect: %s: %d packets, %d connections (%d open), %d dropped by the kernel, %d by ssldissect\n",
			o.iface, r.Capture.Delivered, r.Assembly.Connections, r.Assembly.Open, ls.KernelDrops, ls.QueueDrops)
	}
	// -c and --duration (wall time, in a live run) are the pipeline's.
	opt := runOptions(o, w)
	opt.Keys = keys
	lastProgress, lastSnap := time.Now(), time.Now()
	opt.Live = &pipeline.Live{
		FlushInterval: idleFlushEvery,
		// Packet times run hold behind the wall clock.
		Lag:  hold,
		Poll: pollKeys,
		Tick: func(wall time.Time, r pipeline.Result) error {
			if textual && wall.Sub(lastProgress) >= progressEvery {
				lastProgress = wall
				progress(r)
			}
			if o.interval > 0 && wall.Sub(lastSnap) >= o.interval {
				lastSnap = wall
				return auditSnapshot(w, wall, summary(uint64(r.Packets), r.Bytes, r, warnings, begin))
			}
			return nil
		},
	}
	if ngw != nil {
		opt.OnPacket = func(p *capture.Packet) error {
			if err := ngw.WritePacket(p.CI, p.Data); err != nil {
				return fmt.Errorf("-w: %w", err)
			}
			return nil
		}
	}
	res, err := pipeline.Run(src, w, opt)
	if err != nil && !res.Flushed {
		// The output or -w failed.
		w.Close()
		return err
	}
	// Otherwise the error is the interface's (it went away): report what
	// was captured, then the error.
	captureErr := err

	ls := src.LiveStats()
	if textual {
		progress(res)
	}
	// Packets are those that passed the filter, as tcpdump counts them
	// and as -w saves them.
	sum := summary(uint64(res.Packets), res.Bytes, res, warnings, begin)
	sum.Interface = o.iface
	sum.KeylogLinesUnused = keys.Log.Unused()
	sum.KernelPackets = &ls.KernelPackets
	sum.KernelDrops = &ls.KernelDrops
	sum.QueueDrops = &ls.QueueDrops
	sum.CaptureMethod = ls.Method
	if ls.Method == "tpacket_v3" {
		sum.KernelFreezes = &ls.FreezeCount
	}
	if ls.VLANRestored > 0 {
		sum.VLANTagsRestored = &ls.VLANRestored
	}
	if ls.FanoutGroup != 0 {
		sum.FanoutGroup = &ls.FanoutGroup
	}
	w.Summary(sum)
	warnings.finish()
	var werr error
	if ngw != nil {
		werr = ngw.Flush()
		if err := ngFile.Close(); werr == nil {
			werr = err
		}
		if werr != nil {
			werr = fmt.Errorf("-w: %w", werr)
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if captureErr != nil {
		return captureErr
	}
	return werr
}
