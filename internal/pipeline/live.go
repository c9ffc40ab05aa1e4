package pipeline

import (
	"time"

	"github.com/ssldissect/ssldissect/capture"
)

// Live makes Run follow a live capture. The source must be a capture.Live,
// opened with a LiveOptions.Tick so that its Next returns
// capture.ErrNoPacket when no packet came for that long: the loop wakes up
// then too. In a live run:
//
//   - Idle connections are flushed every FlushInterval of wall time, after
//     a packet or when none came, at Now()-Lag, instead of every
//     FlushEvery packets at the last packet's time.
//   - Poll is called as each packet comes, before anything else is done
//     with it, and each time the source had no packet; Tick after each
//     packet and each time the source had no packet.
//   - Options.Duration is wall time from the start of Run: the capture is
//     stopped then (capture.Live.Stop), and the packets it already holds
//     are still parsed. Ctrl-C, handled by the caller, stops it the same
//     way.
//   - When the loop ends (end of the capture, Count, Stop, an error of the
//     interface), the capture is closed, Poll is called one last time
//     (final), and the connections still open are ended, in connection
//     order, like those of a file.
type Live struct {
	// Now is the wall clock; nil means time.Now.
	Now func() time.Time
	// FlushInterval spaces the idle flushes; 0 means one second.
	FlushInterval time.Duration
	// Lag is how far packet times run behind the wall clock: the time
	// the capture holds each packet back (capture.LiveOptions.Hold).
	Lag time.Duration
	// Poll, when set, follows the key logs: a TLS stack writes a secret
	// just after the packet that needs it, and the capture holds packets
	// back so that the line lands before the packet is parsed.
	Poll func(final bool) error
	// Tick, when set, gets the wall clock and the counts so far (Capture
	// and Assembly filled in): progress lines, periodic reports.
	Tick func(now time.Time, r Result) error
}

// liveRun is the state of a live run.
type liveRun struct {
	src       capture.Live
	cfg       Live
	lastFlush time.Time
	timer     *time.Timer // Options.Duration
	ended     bool
}

func startLive(src capture.Live, cfg Live, d time.Duration) *liveRun {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = time.Second
	}
	l := &liveRun{src: src, cfg: cfg, lastFlush: cfg.Now()}
	if d > 0 {
		l.timer = time.AfterFunc(d, src.Stop)
	}
	return l
}

// idle is the loop's turn when the source had no packet.
func (l *liveRun) idle(tr *transports, res *Result) error {
	if l.cfg.Poll != nil {
		if err := l.cfg.Poll(false); err != nil {
			return err
		}
	}
	return l.tick(tr, res)
}

// tick flushes idle connections when FlushInterval has passed, then calls
// Tick.
func (l *liveRun) tick(tr *transports, res *Result) error {
	now := l.cfg.Now()
	if now.Sub(l.lastFlush) >= l.cfg.FlushInterval {
		l.lastFlush = now
		tr.flushIdle(now.Add(-l.cfg.Lag))
	}
	if l.cfg.Tick == nil {
		return nil
	}
	r := *res
	r.Capture, r.Assembly, r.QUIC = l.src.Stats(), tr.asm.Stats(), tr.qa.Stats
	return l.cfg.Tick(now, r)
}

// end closes the capture and, when final, polls the key logs a last time.
// Only the first call does anything.
func (l *liveRun) end(final bool) error {
	if l.ended {
		return nil
	}
	l.ended = true
	if l.timer != nil {
		l.timer.Stop()
	}
	l.src.Close()
	if final && l.cfg.Poll != nil {
		return l.cfg.Poll(true)
	}
	return nil
}
